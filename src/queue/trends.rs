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

/// Tasks created or finished in the window, by bucket of creation and of
/// completion.
#[derive(Debug, sqlx::FromRow)]
struct TaskRow {
    key: Option<String>,
    /// Bucket of creation (-1: before the window).
    created_idx: i32,
    /// Bucket of completion (null: not finished in the window).
    finished_idx: Option<i32>,
    n: i64,
    unfinished: i64,
    completed: i64,
    failed: i64,
    cancelled: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct TimingRow {
    key: Option<String>,
    idx: i32,
    wait_p50: Option<f64>,
    wait_p95: Option<f64>,
    run_p50: Option<f64>,
    run_p95: Option<f64>,
}

#[derive(Debug, sqlx::FromRow)]
struct StartedRow {
    key: Option<String>,
    idx: i32,
    started: i64,
    retried: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct UnfinishedRow {
    key: Option<String>,
    n: i64,
}

/// The bucket of a timestamp column, by the bucket starts and the
/// window's end in $2 (the window's start is also $5, a plain value the
/// planner estimates the index ranges by): -1 before the window, 0 for the first bucket,
/// `buckets` for any time past the window's end. (width_bucket on the
/// bounds costs half of the arithmetic on epochs.)
fn idx_of(col: &str) -> String {
    format!("(width_bucket({col}, $2) - 1)")
}

/// Only the task names asked for (all when none).
const NAMES: &str = "(cardinality($4::text[]) = 0 OR task_name = ANY ($4))";

/// The parameters of every windowed read: $1 the queue, $2 the bucket
/// bounds, $3 by task name, $4 the task names, $5 the window's start.
struct Args<'a> {
    queue: &'a str,
    bounds: &'a [DateTime<Utc>],
    by_task: bool,
    task_names: &'a [String],
    start: DateTime<Utc>,
}

impl<'a> Args<'a> {
    fn new(
        queue: &'a str,
        bounds: &'a [DateTime<Utc>],
        by_task: bool,
        task_names: &'a [String],
        w: &Window,
    ) -> Args<'a> {
        Args {
            queue,
            bounds,
            by_task,
            task_names,
            start: w.start,
        }
    }
}

/// `sql` with the parameters of [`Args`] bound.
fn windowed<'q, O>(
    sql: &'q str,
    a: &Args<'q>,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>
where
    O: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    sqlx::query_as(sql)
        .bind(a.queue)
        .bind(a.bounds)
        .bind(a.by_task)
        .bind(a.task_names)
        .bind(a.start)
}

/// The series' key: the task name with `by_task`, else one key for all.
const KEY: &str = "CASE WHEN $3 THEN task_name END";

/// The reads of [`series`], of one queue over one window.
struct Reads {
    tasks: Vec<TaskRow>,
    timings: Vec<TimingRow>,
    started: Vec<StartedRow>,
    unfinished: Vec<UnfinishedRow>,
}

/// Every series of a queue over `w`: one per task name with `by_task`
/// (those with activity in the window or unfinished tasks), else one for
/// all of `task_names` (every task name when empty). Run it in one
/// snapshot (`stats::begin_snapshot`) so that its reads agree; the reads
/// go one after the other on `db`.
pub async fn series(
    db: &mut PgConnection,
    queue: &str,
    task_names: &[String],
    by_task: bool,
    w: &Window,
) -> Result<Vec<Series>> {
    let bounds = w.bounds();
    let a = Args::new(queue, &bounds, by_task, task_names, w);
    prepare(db).await?;
    let reads = Reads {
        tasks: tasks(db, &a).await?,
        timings: timings(db, &a).await?,
        started: started(db, &a).await?,
        unfinished: unfinished(db, &a).await?,
    };
    Ok(assemble(w, by_task, reads))
}

/// [`series`] with its reads spread over three sessions, each in a
/// transaction of the same snapshot (`stats::begin_snapshot_of`): a month
/// of a million tasks is three long index scans, which then run side by
/// side.
pub async fn series_in_parallel(
    dbs: [&mut PgConnection; 3],
    queue: &str,
    task_names: &[String],
    by_task: bool,
    w: &Window,
) -> Result<Vec<Series>> {
    let bounds = w.bounds();
    let a = Args::new(queue, &bounds, by_task, task_names, w);
    let [x, y, z] = dbs;
    let (tasks, timings, (started, unfinished)) = tokio::try_join!(
        async {
            prepare(x).await?;
            tasks(x, &a).await
        },
        async {
            prepare(y).await?;
            timings(y, &a).await
        },
        async {
            prepare(z).await?;
            Ok((started(z, &a).await?, unfinished(z, &a).await?))
        },
    )?;
    let reads = Reads {
        tasks,
        timings,
        started,
        unfinished,
    };
    Ok(assemble(w, by_task, reads))
}

/// The settings every read of a series is planned with (this transaction
/// only).
async fn prepare(db: &mut PgConnection) -> Result<()> {
    // A month by day is most of a month's history: the planner, costing
    // index pages as random reads and a sequential scan as split among
    // parallel workers, would read the whole table rather than the narrow
    // covering index, which takes a third of the time. Every read here has
    // an index that bounds it by the window (this transaction only).
    sqlx::query("SET LOCAL enable_seqscan = off")
        .execute(&mut *db)
        .await?;
    // The grouping of a month's finished tasks by both buckets, and the
    // percentiles' sorts, in memory rather than spilled to temporary files.
    sqlx::query("SET LOCAL work_mem = '64MB'")
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Created and finished per bucket.
async fn tasks(db: &mut PgConnection, a: &Args<'_>) -> Result<Vec<TaskRow>> {
    // The tasks finished in the window, from tasks_finished_covering_idx
    // alone (migration 1740), and those created in it that are not: the
    // unfinished ones (from the claimable and claimed indexes, a small
    // set) and finished ones with no completion time (legacy rows, from
    // the covering index too). Never the whole window's heap. Grouped by
    // both buckets: the backlog needs which bucket a finished task was
    // created in. The finished ones are counted bucket by bucket, each from
    // its own range of the index, as the percentiles below are: the planner
    // would otherwise read them through idx_tasks_status and the heap.
    Ok(windowed(
        &format!(
            "SELECT key, created_idx, finished_idx, sum(n)::bigint AS n,
                coalesce(sum(n) FILTER (WHERE status IN ('pending', 'retrying', 'claimed')), 0)::bigint AS unfinished,
                coalesce(sum(n) FILTER (WHERE finished_idx IS NOT NULL AND status = 'completed'), 0)::bigint AS completed,
                coalesce(sum(n) FILTER (WHERE finished_idx IS NOT NULL AND status = 'failed'), 0)::bigint AS failed,
                coalesce(sum(n) FILTER (WHERE finished_idx IS NOT NULL AND status = 'cancelled'), 0)::bigint AS cancelled
           FROM (SELECT f.key, f.status, f.created_idx, b.i - 1 AS finished_idx, f.n
                   FROM generate_subscripts($2::timestamptz[], 1) AS b(i)
                  CROSS JOIN LATERAL (
                        SELECT {KEY} AS key, status, {cidx} AS created_idx, count(*) AS n
                          FROM absurd.tasks
                         WHERE queue_name = $1 AND {NAMES}
                           AND status IN ('completed', 'failed', 'cancelled')
                           AND completed_at >= greatest($2[b.i], $5)
                           AND completed_at < coalesce($2[b.i + 1], 'infinity')
                         GROUP BY 1, 2, 3) f
                 UNION ALL
                 SELECT {KEY}, status, {cidx}, NULL, 1
                   FROM absurd.tasks
                  WHERE queue_name = $1 AND {NAMES}
                    AND status IN ('pending', 'retrying', 'claimed') AND created_at >= $5
                 UNION ALL
                 SELECT {KEY}, status, {cidx}, NULL, 1
                   FROM absurd.tasks
                  WHERE queue_name = $1 AND {NAMES}
                    AND status IN ('completed', 'failed', 'cancelled') AND completed_at IS NULL
                    AND created_at >= $5) t
          GROUP BY 1, 2, 3",
            cidx = idx_of("created_at"),
        ),
        a,
    )
    .fetch_all(&mut *db)
    .await?)
}

/// Wait and run percentiles per bucket.
async fn timings(db: &mut PgConnection, a: &Args<'_>) -> Result<Vec<TimingRow>> {
    // Percentiles bucket by bucket, each from its own range of the
    // covering index: its rows come in completion order, so there is no
    // sort of the whole window by bucket (a month of a million tasks
    // spilled 32 MB to disk), and each percentile array sorts a column once.
    Ok(windowed(
        &format!(
            "SELECT p.key, b.i - 1 AS idx, p.wait[1] AS wait_p50, p.wait[2] AS wait_p95,
                p.run[1] AS run_p50, p.run[2] AS run_p95
           FROM generate_subscripts($2::timestamptz[], 1) AS b(i)
          CROSS JOIN LATERAL (
                SELECT {KEY} AS key,
                       percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY wait_time_sec) AS wait,
                       percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY execution_time_sec) AS run
                  FROM absurd.tasks
                 WHERE queue_name = $1 AND status IN ('completed', 'failed')
                   AND completed_at >= greatest($2[b.i], $5)
                   AND completed_at < coalesce($2[b.i + 1], 'infinity')
                   AND {NAMES}
                 GROUP BY 1) p",
        ),
        a,
    )
    .fetch_all(&mut *db)
    .await?)
}

/// Attempts started per bucket.
async fn started(db: &mut PgConnection, a: &Args<'_>) -> Result<Vec<StartedRow>> {
    // An attempt claimed in the window ended in it, or runs now: its
    // ended_at bounds the history's read.
    Ok(windowed(
        &format!(
            "SELECT {KEY} AS key, {idx} AS idx, count(*) AS started,
                count(*) FILTER (WHERE attempt > 1) AS retried
           FROM (SELECT task_name, claimed_at, attempt FROM absurd.task_attempts
                  WHERE queue_name = $1 AND ended_at >= $5 AND claimed_at >= $5
                 UNION ALL
                 SELECT task_name, claimed_at, attempt FROM absurd.tasks
                  WHERE queue_name = $1 AND status = 'claimed' AND claimed_at >= $5) a
          WHERE {NAMES}
          GROUP BY 1, 2",
            idx = idx_of("claimed_at"),
        ),
        a,
    )
    .fetch_all(&mut *db)
    .await?)
}

/// The unfinished tasks now.
async fn unfinished(db: &mut PgConnection, a: &Args<'_>) -> Result<Vec<UnfinishedRow>> {
    Ok(sqlx::query_as(
        "SELECT CASE WHEN $2 THEN task_name END AS key, count(*) AS n
           FROM absurd.tasks
          WHERE queue_name = $1 AND status IN ('pending', 'retrying', 'claimed')
            AND (cardinality($3::text[]) = 0 OR task_name = ANY ($3))
          GROUP BY 1",
    )
    .bind(a.queue)
    .bind(a.by_task)
    .bind(a.task_names)
    .fetch_all(&mut *db)
    .await?)
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
