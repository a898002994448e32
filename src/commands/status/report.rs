//! The report of `status`: one snapshot read in one transaction, judged by
//! `crate::checks`, with rates since the previous report under `--watch`.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use crate::checks::thresholds::{stuck_rule, Thresholds};
use crate::checks::{self, worst, Finding, Level};
use crate::cli::StatusArgs;
use crate::queue::health::round_trip;
use crate::queue::history::{self, RunningAttempt};
use crate::queue::reap;
use crate::queue::replica::{self, ReplicaLag};
use crate::queue::stats::{self, QueueSnapshot, Snapshot, StuckRule};

/// Rates between two refreshes of `--watch`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SinceLast {
    pub seconds: f64,
    pub completed: i64,
    pub failed: i64,
    pub completed_per_min: f64,
    pub failed_per_min: f64,
    pub backlog_change: i64,
    pub backlog_change_per_min: f64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct QueueReport {
    pub verdict: Level,
    #[serde(flatten)]
    pub snapshot: QueueSnapshot,
    /// Only with --watch, from the second refresh on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since_last: Option<SinceLast>,
    /// The longest-running tasks (at most RUNNING_SHOWN), with their
    /// worker, host and progress.
    pub running: Vec<RunningAttempt>,
    pub capacity: Capacity,
}

/// How many workers the queue needs to keep up with its arrivals: the
/// runbook's "peak requests per hour x average duration / 3600 /
/// concurrency", plus the headroom.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Capacity {
    pub arrivals_per_hour: f64,
    pub run_mean_sec: Option<f64>,
    /// The live workers' mean concurrency (1 with none live).
    pub concurrency: f64,
    pub headroom_percent: f64,
    /// Null when no task finished in the last hour (no run time to go by).
    pub workers_needed: Option<i64>,
}

impl Capacity {
    pub(super) fn of(q: &QueueSnapshot, headroom_percent: f64) -> Capacity {
        let concurrency = q.workers.mean_concurrency.unwrap_or(1.0).max(1.0);
        let workers_needed = q.run_mean_sec.map(|run| {
            let busy = q.arrivals_per_hour * run / 3600.0 / concurrency;
            (busy * (1.0 + headroom_percent / 100.0)).ceil() as i64
        });
        Capacity {
            arrivals_per_hour: q.arrivals_per_hour,
            run_mean_sec: q.run_mean_sec,
            concurrency,
            headroom_percent,
            workers_needed,
        }
    }
}

/// Running tasks listed per queue.
pub(super) const RUNNING_SHOWN: i64 = 20;

/// The JSON document of `status --output json`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    pub generated_at: DateTime<Utc>,
    pub verdict: Level,
    pub round_trip_ms: f64,
    /// Time taken to read the snapshot (every query, one transaction).
    pub query_ms: f64,
    pub stuck_rule: StuckRule,
    pub thresholds: Thresholds,
    /// Every check, OK ones included; database-wide first.
    pub checks: Vec<Finding>,
    pub queues: Vec<QueueReport>,
    /// Read from a hot standby: how far it lags (absent on a primary).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica: Option<ReplicaLag>,
}

/// Reads one snapshot and judges it. With `previous` (the last snapshot of
/// `--watch`), rates since then are added.
pub(crate) async fn collect(
    args: &StatusArgs,
    thresholds: &Thresholds,
    pool: &PgPool,
    queues: &[String],
    previous: Option<&Report>,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let mut tx = stats::begin_snapshot(pool).await?;
    let rtt = round_trip(&mut *tx).await?;
    let standby = replica::standby_lag(&mut *tx).await?;
    let snapshot = stats::snapshot(&mut tx, queues, stuck_rule(&args.judging.stuck)).await?;
    let reaper = reaper_state(&mut tx, queues, args).await?;
    let running = history::running(&mut *tx, queues, RUNNING_SHOWN).await?;
    let known = if args.allow_empty {
        Vec::new()
    } else {
        stats::known_queues(&mut *tx).await?
    };
    let since = match previous {
        Some(prev) => {
            let rows = stats::finished_since(&mut *tx, queues, prev.generated_at).await?;
            Some((prev, rows))
        }
        None => None,
    };
    tx.commit().await?;
    let mut report = judge(snapshot, rtt, &reaper, thresholds.clone());
    if standby.is_some() {
        // The reaper's lock is held by a session of the primary, which a
        // standby cannot see: "free" would be a guess.
        for f in report
            .checks
            .iter_mut()
            .filter(|f| f.check == "reaper_lock")
        {
            *f = checks::queue::reaper_lock_unseen(f.queue.as_deref().unwrap_or_default());
        }
    }
    report.replica = standby;
    if !args.allow_empty {
        for q in &mut report.queues {
            if let Some(mut f) = checks::queue::unknown_queue(&q.snapshot.queue, &known) {
                f.remedy = None;
                q.verdict = q.verdict.max(f.level);
                report.verdict = report.verdict.max(f.level);
                report.checks.insert(1, f);
            }
        }
    }
    for r in running {
        if let Some(q) = report
            .queues
            .iter_mut()
            .find(|q| q.snapshot.queue == r.queue_name)
        {
            q.running.push(r);
        }
    }
    report.query_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Some((prev, rows)) = since {
        let secs = ((report.generated_at - prev.generated_at).num_milliseconds() as f64 / 1000.0)
            .max(0.001);
        for q in &mut report.queues {
            let row = rows.iter().find(|r| r.queue_name == q.snapshot.queue);
            let (completed, failed) = row.map_or((0, 0), |r| (r.completed, r.failed));
            let before = prev
                .queues
                .iter()
                .find(|p| p.snapshot.queue == q.snapshot.queue)
                .map_or(0, |p| p.snapshot.figures.backlog);
            let change = q.snapshot.figures.backlog - before;
            q.since_last = Some(SinceLast {
                seconds: secs,
                completed,
                failed,
                completed_per_min: completed as f64 * 60.0 / secs,
                failed_per_min: failed as f64 * 60.0 / secs,
                backlog_change: change,
                backlog_change_per_min: change as f64 * 60.0 / secs,
            });
        }
    }
    Ok(report)
}

/// What a default reap leaves to the operator: tasks that overran their
/// timeout on a live worker, and reaper's locks held by a hung session.
#[derive(Debug, Default)]
pub(super) struct ReaperState {
    pub overran: Vec<(String, i64)>,
    pub stale_locks: Vec<reap::StaleLock>,
}

async fn reaper_state(
    conn: &mut PgConnection,
    queues: &[String],
    args: &StatusArgs,
) -> anyhow::Result<ReaperState> {
    Ok(ReaperState {
        overran: reap::overrun_counts(
            &mut *conn,
            queues,
            args.judging.stuck.heartbeat_timeout,
            args.judging.stuck.timeout_grace,
        )
        .await?,
        stale_locks: reap::stale_locks(
            &mut *conn,
            queues,
            args.judging.stuck.reaper_lock_stale_after,
        )
        .await?,
    })
}

/// Applies the thresholds: the round trip, then per queue its threshold
/// checks and the reaper's two, and the verdicts (the worst of each).
pub(super) fn judge(
    snapshot: Snapshot,
    rtt: Duration,
    reaper: &ReaperState,
    t: Thresholds,
) -> Report {
    let ms = |v: f64| Duration::from_secs_f64(v / 1000.0);
    let mut found = vec![checks::database::round_trip(
        rtt,
        ms(t.round_trip_warn_ms),
        ms(t.round_trip_crit_ms),
    )];
    // status prints no remedies (its messages say what to do), and the
    // thresholds as given, in milliseconds.
    found[0].remedy = None;
    found[0].warn = Some(t.round_trip_warn_ms);
    found[0].crit = Some(t.round_trip_crit_ms);
    let mut reaper_found = Vec::new();
    let mut queues = Vec::new();
    for q in snapshot.queues {
        let mut own = checks::queue::findings(&q, &t);
        let overran = reaper
            .overran
            .iter()
            .find(|(n, _)| n == &q.queue)
            .map_or(0, |(_, c)| *c);
        let lock = reaper.stale_locks.iter().find(|l| l.queue_name == q.queue);
        let reaper_own = [
            checks::queue::overran_timeout(&q.queue, overran),
            checks::queue::reaper_lock(&q.queue, lock, Level::Warning),
        ];
        let verdict = worst(own.iter().chain(&reaper_own).map(|f| f.level));
        found.append(&mut own);
        reaper_found.extend(reaper_own);
        queues.push(QueueReport {
            verdict,
            capacity: Capacity::of(&q, t.headroom_percent),
            snapshot: q,
            since_last: None,
            running: Vec::new(),
        });
    }
    // The reaper's findings follow every queue's threshold checks, as the
    // report has always listed them.
    found.extend(reaper_found);
    Report {
        generated_at: snapshot.taken_at,
        verdict: worst(found.iter().map(|f| f.level)),
        round_trip_ms: rtt.as_secs_f64() * 1000.0,
        query_ms: 0.0,
        stuck_rule: snapshot.stuck_rule,
        thresholds: t,
        checks: found,
        queues,
        replica: None,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::checks::queue::tests::{snapshot, thresholds};

    /// A report of the given queues, judged, read at a fixed instant.
    pub(crate) fn report(queues: Vec<QueueSnapshot>) -> Report {
        let snap = Snapshot {
            taken_at: "2026-01-02T03:04:05Z".parse().unwrap(),
            stuck_rule: StuckRule::default(),
            queues,
        };
        judge(
            snap,
            Duration::from_micros(420),
            &ReaperState::default(),
            thresholds(),
        )
    }

    #[test]
    fn workers_needed_is_the_runbook_formula_plus_headroom() {
        let mut q = snapshot("q");
        // 120 arrivals an hour of 90 s each, on workers of 2 slots:
        // 120 x 90 / 3600 / 2 = 1.5 busy workers, + 50 % = 2.25: 3.
        q.arrivals_per_hour = 120.0;
        q.run_mean_sec = Some(90.0);
        q.workers.mean_concurrency = Some(2.0);
        let c = Capacity::of(&q, 50.0);
        assert_eq!(c.workers_needed, Some(3));
        assert_eq!(Capacity::of(&q, 0.0).workers_needed, Some(2));
        q.run_mean_sec = None;
        assert_eq!(Capacity::of(&q, 50.0).workers_needed, None);
    }

    #[test]
    fn the_verdicts_are_the_worst_findings() {
        let mut busy = snapshot("busy");
        busy.figures.backlog = 600;
        let r = report(vec![snapshot("quiet"), busy]);
        assert_eq!(r.verdict, Level::Critical);
        assert_eq!(r.queues[0].verdict, Level::Ok);
        assert_eq!(r.queues[1].verdict, Level::Critical);
        // The round trip first, then 11 per queue, then the reaper's 2 per queue.
        assert_eq!(r.checks.len(), 1 + 11 * 2 + 2 * 2);
        assert_eq!(r.checks[0].check, "round_trip");
        assert_eq!(r.checks[23].check, "overran_timeout");
        assert!(r.checks.iter().all(|f| f.remedy.is_none()));
    }
}
