//! The queue over time for `trends`: per time bucket, tasks created,
//! attempts started (and retried), tasks completed, failed and cancelled,
//! the backlog at the end of the bucket, wait and run percentiles.
//!
//! Every read is bounded by the window, never by the history:
//! * created and finished, in one pass: the finished tasks from
//!   `tasks_finished_covering_idx` (queue_name, completed_at, with the
//!   columns trends reads), migration 1740, an index-only scan; the
//!   unfinished ones created in the window from the claimable and claimed
//!   indexes;
//! * wait and run percentiles: the same covering index;
//! * started: ended attempts from `task_attempts_ended_brin` (ended_at),
//!   migration 1611 (an attempt claimed in the window ended in it), plus
//!   the running attempts, which are the claimed tasks themselves;
//! * backlog: the unfinished tasks now (the claimable and claimed indexes),
//!   from which the window's creations and completions are unwound.
//!
//! Buckets are half-open [start, end) on the database's clock in UTC; the
//! last one is the current one and ends now.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use super::Result;

mod reads;
use reads::{Args, Reads};

/// The buckets of a window.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Start of the first bucket (a multiple of the step, in UTC).
    pub start: DateTime<Utc>,
    /// The database's now: the end of the last bucket.
    pub end: DateTime<Utc>,
    pub step_sec: i64,
    pub buckets: usize,
}

impl Window {
    /// The `ceil(since / step)` buckets of `step_sec` that end with the one
    /// holding `now` (at least one).
    pub fn ending_at(now: DateTime<Utc>, step_sec: i64, since_sec: f64) -> Window {
        let buckets = ((since_sec / step_sec as f64).ceil() as usize).max(1);
        let t = now.timestamp();
        let current = t - t.rem_euclid(step_sec);
        let first = current - (buckets as i64 - 1) * step_sec;
        Window {
            start: Utc.timestamp_opt(first, 0).single().unwrap_or(now),
            end: now,
            step_sec,
            buckets,
        }
    }

    fn bucket_start(&self, i: usize) -> DateTime<Utc> {
        self.start + chrono::Duration::seconds(i as i64 * self.step_sec)
    }

    /// The start of every bucket, and the end of the last.
    fn bounds(&self) -> Vec<DateTime<Utc>> {
        (0..=self.buckets).map(|i| self.bucket_start(i)).collect()
    }
}

/// One bucket of one series.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Bucket {
    pub start: DateTime<Utc>,
    /// start + the step; now for the last (current) bucket.
    pub end: DateTime<Utc>,
    /// Tasks created in the bucket.
    pub created: i64,
    /// Attempts claimed in the bucket (the task history's rows, and the
    /// attempts running now).
    pub started: i64,
    /// Of those, attempts after the first (attempt > 1).
    pub retried: i64,
    /// Tasks that finished in the bucket (completed_at), by status now.
    pub completed: i64,
    pub failed: i64,
    pub cancelled: i64,
    /// Tasks created before the bucket's end and not finished by then.
    pub backlog: i64,
    /// Wait (claim - creation) and run (completion - claim) percentiles, in
    /// seconds, of the tasks completed or failed in the bucket.
    pub wait_p50_sec: Option<f64>,
    pub wait_p95_sec: Option<f64>,
    pub run_p50_sec: Option<f64>,
    pub run_p95_sec: Option<f64>,
    /// completed / (completed + failed); null when neither.
    pub success_rate: Option<f64>,
}

/// The buckets of the whole selection (task_name null) or of one task name.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub task_name: Option<String>,
    pub buckets: Vec<Bucket>,
}

/// The database's clock, for the window.
pub async fn now(db: &mut PgConnection) -> Result<DateTime<Utc>> {
    Ok(sqlx::query_scalar("SELECT now()")
        .fetch_one(&mut *db)
        .await?)
}

/// Every series of a queue over `w`: one per task name with `by_task`
/// (those with activity in the window or unfinished tasks), else one for
/// all of `task_names` (every task name when empty). Each session of `dbs`
/// is in a transaction of one snapshot (`stats::begin_snapshot`, and
/// `stats::begin_snapshot_of` for the others) so that the reads agree;
/// with three, the three long reads (a month of a million tasks is three
/// long index scans) run side by side, else one after the other.
pub async fn series(
    dbs: &mut [&mut PgConnection],
    queue: &str,
    task_names: &[String],
    by_task: bool,
    w: &Window,
) -> Result<Vec<Series>> {
    let bounds = w.bounds();
    let a = Args::new(queue, &bounds, by_task, task_names, w);
    let reads = match dbs {
        [x, y, z, ..] => reads::side_by_side([&mut **x, &mut **y, &mut **z], &a).await?,
        [one, ..] => reads::one_by_one(one, &a).await?,
        [] => return Err(super::QueueError::Invalid("trends needs a session".into())),
    };
    Ok(assemble(w, by_task, reads))
}

/// Per-key accumulators, indexed by bucket (index `buckets`: after the window).
#[derive(Default)]
struct Acc {
    buckets: Vec<Bucket>,
    /// Unfinished tasks now, created in each bucket.
    created_unfinished: Vec<i64>,
    /// Backlog corrections: a task finished in bucket c and created in
    /// bucket k was unfinished at the end of buckets k..c-1.
    open: Vec<i64>,
    unfinished_now: i64,
}

fn assemble(w: &Window, by_task: bool, reads: Reads) -> Vec<Series> {
    let Reads {
        tasks,
        timings,
        started,
        unfinished,
    } = reads;
    let n = w.buckets;
    let mut keys: BTreeSet<Option<String>> = BTreeSet::new();
    if !by_task {
        keys.insert(None);
    }
    keys.extend(tasks.iter().map(|r| r.key.clone()));
    keys.extend(timings.iter().map(|r| r.key.clone()));
    keys.extend(started.iter().map(|r| r.key.clone()));
    keys.extend(unfinished.iter().map(|r| r.key.clone()));
    let mut acc: BTreeMap<Option<String>, Acc> = keys
        .into_iter()
        .map(|k| {
            let buckets = (0..=n)
                .map(|i| Bucket {
                    start: w.bucket_start(i),
                    end: if i + 1 >= n {
                        w.end
                    } else {
                        w.bucket_start(i + 1)
                    },
                    ..Bucket::default()
                })
                .collect();
            let a = Acc {
                buckets,
                created_unfinished: vec![0; n + 1],
                open: vec![0; n + 2],
                unfinished_now: 0,
            };
            (k, a)
        })
        .collect();
    let slot = |i: i32| (i.max(0) as usize).min(n);
    for r in tasks {
        let a = acc.get_mut(&r.key).expect("key collected");
        if r.created_idx >= 0 {
            let k = slot(r.created_idx);
            a.buckets[k].created += r.n;
            a.created_unfinished[k] += r.unfinished;
        }
        if let Some(f) = r.finished_idx {
            let c = slot(f);
            let b = &mut a.buckets[c];
            b.completed += r.completed;
            b.failed += r.failed;
            b.cancelled += r.cancelled;
            // Unfinished at the end of its creation bucket and every one
            // until its completion's.
            let k = slot(r.created_idx);
            if k < c {
                let total = r.completed + r.failed + r.cancelled;
                a.open[k] += total;
                a.open[c] -= total;
            }
        }
    }
    for r in timings {
        let b = &mut acc.get_mut(&r.key).expect("key collected").buckets[slot(r.idx)];
        b.wait_p50_sec = r.wait_p50;
        b.wait_p95_sec = r.wait_p95;
        b.run_p50_sec = r.run_p50;
        b.run_p95_sec = r.run_p95;
    }
    for r in started {
        let a = acc.get_mut(&r.key).expect("key collected");
        a.buckets[slot(r.idx)].started += r.started;
        a.buckets[slot(r.idx)].retried += r.retried;
    }
    for r in unfinished {
        acc.get_mut(&r.key).expect("key collected").unfinished_now += r.n;
    }
    acc.into_iter()
        .map(|(key, mut a)| {
            // Backlog at the end of bucket b: unfinished now, less those
            // created after b, plus those created by b that finished after.
            let mut created_after: i64 = a.created_unfinished[n];
            let mut open_running: Vec<i64> = Vec::with_capacity(n);
            let mut run = 0;
            for i in 0..n {
                run += a.open[i];
                open_running.push(run);
            }
            for i in (0..n).rev() {
                let b = &mut a.buckets[i];
                b.backlog = a.unfinished_now - created_after + open_running[i];
                created_after += a.created_unfinished[i];
                let decided = b.completed + b.failed;
                b.success_rate = (decided > 0).then(|| b.completed as f64 / decided as f64);
            }
            a.buckets.truncate(n);
            Series {
                task_name: key,
                buckets: a.buckets,
            }
        })
        .collect()
}
