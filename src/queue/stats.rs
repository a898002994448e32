//! Queue statistics for `status` and `preflight`, so that both (and
//! `reap-stuck`, through `absurd.stuck_tasks`) agree on every figure.
//!
//! Every query reads one of the partial indexes: active tasks from
//! `tasks_claimable_idx` / `tasks_claimed_idx`, finished ones from
//! `tasks_finished_idx` within a time window, dead letters from
//! `tasks_dead_letters_idx`. None counts the whole history, so the cost
//! follows the active tasks and the last day's completions.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Acquire, PgConnection, PgExecutor, Postgres, Transaction};

use super::{Result, DEFAULT_HEARTBEAT_TIMEOUT, DEFAULT_TIMEOUT_GRACE};

/// When a claimed task is stuck: no heartbeat (or claim, for tasks claimed
/// before heartbeats were recorded) within `heartbeat_timeout`, or running
/// past its own `timeout_sec` plus `timeout_grace`. The rule of
/// `absurd.stuck_tasks`, which `reap-stuck` applies too.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StuckRule {
    #[serde(rename = "heartbeat_timeout_sec", serialize_with = "ser_secs")]
    pub heartbeat_timeout: Duration,
    #[serde(rename = "timeout_grace_sec", serialize_with = "ser_secs")]
    pub timeout_grace: Duration,
}

impl Default for StuckRule {
    fn default() -> Self {
        StuckRule {
            heartbeat_timeout: DEFAULT_HEARTBEAT_TIMEOUT,
            timeout_grace: DEFAULT_TIMEOUT_GRACE,
        }
    }
}

fn ser_secs<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Success rates are judged from this many finished tasks on: one failure
/// out of two is noise, not a 50 % success rate.
pub const MIN_SUCCESS_SAMPLES: i64 = 10;

/// The figures of a queue, or of one task name in it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    pub pending: i64,
    pub retrying: i64,
    pub claimed: i64,
    /// Claimed tasks that are stuck (see [`StuckRule`]).
    pub stuck: i64,
    /// Failed for good, whenever (the dead letters `retry-failed` replays).
    pub failed: i64,
    /// Cancelled, whenever.
    pub cancelled: i64,
    /// pending + retrying.
    pub backlog: i64,
    /// Of the backlog: claimable now.
    pub ready: i64,
    /// Of the backlog: not available yet (retry backoff, delayed start).
    pub delayed: i64,
    /// Of the backlog: available, but waiting for dependencies.
    pub blocked: i64,
    pub completed_5m: i64,
    pub completed_1h: i64,
    pub completed_24h: i64,
    pub failed_5m: i64,
    pub failed_1h: i64,
    pub failed_24h: i64,
    pub cancelled_5m: i64,
    pub cancelled_1h: i64,
    pub cancelled_24h: i64,
    pub completed_per_min_5m: f64,
    pub completed_per_min_1h: f64,
    pub completed_per_min_24h: f64,
    /// completed / (completed + failed) in the window; null when none finished.
    pub success_rate_1h: Option<f64>,
    pub success_rate_24h: Option<f64>,
    /// Wait (claim - creation) and run time of tasks finished in the last hour.
    pub wait_p50_sec: Option<f64>,
    pub wait_p95_sec: Option<f64>,
    pub run_p50_sec: Option<f64>,
    pub run_p95_sec: Option<f64>,
    /// Creation time of the oldest pending or retrying task.
    pub oldest_pending_at: Option<DateTime<Utc>>,
    pub oldest_pending_age_sec: Option<f64>,
    /// How long the oldest ready task has been claimable and not claimed.
    pub oldest_ready_age_sec: Option<f64>,
    /// The last completion within the last 24 hours (null when none).
    pub last_completed_at: Option<DateTime<Utc>>,
}

/// One task name's figures within a queue.
#[derive(Debug, Clone, Serialize)]
pub struct TaskNameFigures {
    pub task_name: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// A worker seen recently: by its registry row (absurdctl's worker) or by
/// the heartbeats of the tasks it holds (also legacy Python workers, which
/// register nowhere).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LiveWorker {
    #[serde(skip)]
    pub queue_name: String,
    pub worker_id: String,
    /// From the registry, or for a legacy worker from its id
    /// (`<hostname>-<8 hex>`); null when unknown.
    pub hostname: Option<String>,
    pub registered: bool,
    /// running or draining, from the registry.
    pub registry_status: Option<String>,
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Tasks it holds now.
    pub running: i64,
}

/// Live workers on one host.
#[derive(Debug, Clone, Serialize)]
pub struct HostWorkers {
    /// null: workers whose host is unknown (legacy workers seen only by the
    /// tasks they hold, or with an id not shaped `<hostname>-<8 hex>`).
    pub host: Option<String>,
    pub workers: i64,
    pub running: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Workers {
    pub live: i64,
    pub hosts: Vec<HostWorkers>,
    pub list: Vec<LiveWorker>,
}

/// Everything `status` shows about one queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueueSnapshot {
    pub queue: String,
    pub paused: bool,
    pub paused_at: Option<DateTime<Utc>>,
    pub paused_by: Option<String>,
    pub pause_reason: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
    /// Tasks are ready but nothing completed for this long: the time since
    /// the later of the last completion and the oldest ready task becoming
    /// claimable. Null when no task is ready.
    pub no_completion_sec: Option<f64>,
    /// Tasks leaving the backlog per minute (completed + failed), over the
    /// last 5 minutes, or the last hour when nothing finished in 5 minutes.
    pub drain_rate_per_min: f64,
    /// The backlog over the drain rate; 0 with no backlog, null when nothing
    /// drains.
    pub eta_sec: Option<f64>,
    /// The planner's estimate of all the queue's rows, history included (as
    /// of the last ANALYZE; never counted).
    pub total_estimate: Option<i64>,
    pub workers: Workers,
    pub task_names: Vec<TaskNameFigures>,
}

/// All of it, read in one consistent snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// The database's clock when the snapshot was taken.
    pub taken_at: DateTime<Utc>,
    pub stuck_rule: StuckRule,
    pub queues: Vec<QueueSnapshot>,
}

/// Starts a read-only REPEATABLE READ transaction, so that every figure of a
/// snapshot comes from the same instant (and adds up).
pub async fn begin_snapshot<'c, A>(db: A) -> Result<Transaction<'c, Postgres>>
where
    A: Acquire<'c, Database = Postgres>,
{
    let mut tx = db.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    // The planner's cost estimate of the dependency check can cross
    // jit_above_cost, and compiling then takes hundreds of milliseconds for
    // queries that run in a few.
    sqlx::query("SET LOCAL jit = off").execute(&mut *tx).await?;
    Ok(tx)
}

/// The database's clock (the transaction's start, inside one).
pub async fn clock(db: impl PgExecutor<'_>) -> Result<DateTime<Utc>> {
    Ok(sqlx::query_scalar("SELECT now()").fetch_one(db).await?)
}

/// Every queue that has a task (of any age), a pause record, a running
/// registered worker or a legacy worker seen polling it. Each distinct queue costs one descent of an index
/// (a loose index scan), whatever the history.
pub async fn known_queues(db: impl PgExecutor<'_>) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "WITH RECURSIVE
           fin(q) AS (
             (SELECT queue_name FROM absurd.tasks
               WHERE status IN ('completed', 'failed', 'cancelled') ORDER BY queue_name LIMIT 1)
             UNION ALL
             SELECT (SELECT t.queue_name FROM absurd.tasks t
                      WHERE t.status IN ('completed', 'failed', 'cancelled') AND t.queue_name > fin.q
                      ORDER BY t.queue_name LIMIT 1)
               FROM fin WHERE fin.q IS NOT NULL),
           act(q) AS (
             (SELECT queue_name FROM absurd.tasks
               WHERE status IN ('pending', 'retrying') ORDER BY queue_name LIMIT 1)
             UNION ALL
             SELECT (SELECT t.queue_name FROM absurd.tasks t
                      WHERE t.status IN ('pending', 'retrying') AND t.queue_name > act.q
                      ORDER BY t.queue_name LIMIT 1)
               FROM act WHERE act.q IS NOT NULL),
           clm(q) AS (
             (SELECT queue_name FROM absurd.tasks
               WHERE status = 'claimed' ORDER BY queue_name LIMIT 1)
             UNION ALL
             SELECT (SELECT t.queue_name FROM absurd.tasks t
                      WHERE t.status = 'claimed' AND t.queue_name > clm.q
                      ORDER BY t.queue_name LIMIT 1)
               FROM clm WHERE clm.q IS NOT NULL)
         SELECT q FROM fin WHERE q IS NOT NULL
         UNION SELECT q FROM act WHERE q IS NOT NULL
         UNION SELECT q FROM clm WHERE q IS NOT NULL
         UNION SELECT queue_name FROM absurd.queue_controls
         UNION SELECT queue_name FROM absurd.worker_registry WHERE status IN ('running', 'draining')
         UNION SELECT queue_name FROM absurd.legacy_pollers
         ORDER BY 1",
    )
    .fetch_all(db)
    .await?)
}

/// Pending and retrying tasks of one task name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BacklogRow {
    pub queue_name: String,
    pub task_name: String,
    pub pending: i64,
    pub retrying: i64,
    pub ready: i64,
    pub delayed: i64,
    pub oldest_created_at: Option<DateTime<Utc>>,
    /// When the oldest ready task became claimable.
    pub oldest_ready_since: Option<DateTime<Utc>>,
}

/// The backlog, judged ready as `absurd.claim_tasks` judges it (available,
/// every dependency completed).
pub async fn backlog(db: impl PgExecutor<'_>, queues: &[String]) -> Result<Vec<BacklogRow>> {
    Ok(sqlx::query_as(
        "SELECT queue_name, task_name,
                count(*) FILTER (WHERE NOT retrying) AS pending,
                count(*) FILTER (WHERE retrying) AS retrying,
                count(*) FILTER (WHERE ready) AS ready,
                count(*) FILTER (WHERE available_at > now()) AS delayed,
                min(created_at) AS oldest_created_at,
                min(greatest(created_at, available_at)) FILTER (WHERE ready) AS oldest_ready_since
           FROM (SELECT t.queue_name, t.task_name, t.created_at, t.available_at,
                        (t.status = 'retrying' OR t.awaiting_retry) AS retrying,
                        t.available_at <= now()
                        AND (t.depends_on IS NULL OR cardinality(t.depends_on) = 0 OR NOT EXISTS (
                              SELECT 1 FROM absurd.tasks d
                               WHERE d.task_id = ANY (t.depends_on) AND d.status <> 'completed')) AS ready
                   FROM absurd.tasks t
                  WHERE t.queue_name = ANY ($1) AND t.status IN ('pending', 'retrying')) b
          GROUP BY queue_name, task_name",
    )
    .bind(queues)
    .fetch_all(db)
    .await?)
}

/// A count for one task name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CountRow {
    pub queue_name: String,
    pub task_name: String,
    pub n: i64,
}

/// Claimed tasks.
pub async fn claimed(db: impl PgExecutor<'_>, queues: &[String]) -> Result<Vec<CountRow>> {
    Ok(sqlx::query_as(
        "SELECT queue_name, task_name, count(*) AS n
           FROM absurd.tasks
          WHERE queue_name = ANY ($1) AND status = 'claimed'
          GROUP BY queue_name, task_name",
    )
    .bind(queues)
    .fetch_all(db)
    .await?)
}

/// Stuck tasks, by `absurd.stuck_tasks`: the function `reap-stuck` reaps with.
pub async fn stuck(
    db: impl PgExecutor<'_>,
    queues: &[String],
    rule: StuckRule,
) -> Result<Vec<CountRow>> {
    Ok(sqlx::query_as(
        "SELECT s.queue_name, s.task_name, count(*) AS n
           FROM unnest($1::text[]) AS q(name)
          CROSS JOIN LATERAL absurd.stuck_tasks(q.name, make_interval(secs => $2),
                                                make_interval(secs => $3)) s
          GROUP BY s.queue_name, s.task_name",
    )
    .bind(queues)
    .bind(rule.heartbeat_timeout.as_secs_f64())
    .bind(rule.timeout_grace.as_secs_f64())
    .fetch_all(db)
    .await?)
}

/// Finished tasks of one task name and final status, in one age bucket:
/// 0 within 5 minutes, 1 within the hour (but not 5 minutes), 2 within the
/// day (but not the hour).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FinishedRow {
    pub queue_name: String,
    pub task_name: String,
    pub status: String,
    pub bucket: i32,
    pub n: i64,
    pub last_at: Option<DateTime<Utc>>,
}

/// Finished tasks within the last day, read from the finished index by
/// completion time: the cost follows the day's completions, not the history.
pub async fn finished(
    db: impl PgExecutor<'_>,
    queues: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<FinishedRow>> {
    // Bounds are bound, not computed per row.
    let ago = |secs: i64| now - chrono::Duration::seconds(secs);
    Ok(sqlx::query_as(
        "SELECT queue_name, task_name, status,
                CASE WHEN completed_at >= $2 THEN 0 WHEN completed_at >= $3 THEN 1 ELSE 2 END AS bucket,
                count(*) AS n, max(completed_at) AS last_at
           FROM absurd.tasks
          WHERE queue_name = ANY ($1) AND status IN ('completed', 'failed', 'cancelled')
            AND completed_at >= $4
          GROUP BY 1, 2, 3, 4",
    )
    .bind(queues)
    .bind(ago(5 * 60))
    .bind(ago(3600))
    .bind(ago(24 * 3600))
    .fetch_all(db)
    .await?)
}

/// Wait and run time percentiles of the tasks finished in the last hour, by
/// queue (task name `None`) and by task name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TimingRow {
    pub queue_name: String,
    pub task_name: Option<String>,
    pub wait_p50: Option<f64>,
    pub wait_p95: Option<f64>,
    pub run_p50: Option<f64>,
    pub run_p95: Option<f64>,
}

pub async fn timings(db: impl PgExecutor<'_>, queues: &[String]) -> Result<Vec<TimingRow>> {
    Ok(sqlx::query_as(
        "SELECT queue_name, task_name,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_time_sec) AS wait_p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY wait_time_sec) AS wait_p95,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY execution_time_sec) AS run_p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY execution_time_sec) AS run_p95
           FROM absurd.tasks
          WHERE queue_name = ANY ($1) AND status IN ('completed', 'failed')
            AND completed_at >= now() - interval '1 hour'
          GROUP BY GROUPING SETS ((queue_name), (queue_name, task_name))",
    )
    .bind(queues)
    .fetch_all(db)
    .await?)
}

/// Failed or cancelled tasks of any age, of one task name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeadLetterRow {
    pub queue_name: String,
    pub status: String,
    pub task_name: String,
    pub n: i64,
}

/// Counted from the dead-letter index alone, in its order (an index-only
/// scan, no sort): the cost follows the failed and cancelled rows kept,
/// never the completed history.
pub async fn dead_letters(
    db: impl PgExecutor<'_>,
    queues: &[String],
) -> Result<Vec<DeadLetterRow>> {
    Ok(sqlx::query_as(
        "SELECT queue_name, status, task_name, count(*) AS n
           FROM absurd.tasks
          WHERE queue_name = ANY ($1) AND status IN ('failed', 'cancelled')
          GROUP BY queue_name, status, task_name",
    )
    .bind(queues)
    .fetch_all(db)
    .await?)
}

/// Workers seen within `timeout`: registered (running or draining) and
/// seen, legacy workers seen polling (recorded by the legacy claim_task, at
/// most every 10 s), or holding a task whose heartbeat (or claim) is that
/// recent.
pub async fn live_workers(
    db: impl PgExecutor<'_>,
    queues: &[String],
    timeout: Duration,
) -> Result<Vec<LiveWorker>> {
    Ok(sqlx::query_as(
        "WITH claims AS (
           SELECT queue_name, worker_id, count(*) AS running,
                  max(coalesce(heartbeat_at, claimed_at)) AS last_heartbeat_at
             FROM absurd.tasks
            WHERE queue_name = ANY ($1) AND status = 'claimed' AND worker_id IS NOT NULL
            GROUP BY queue_name, worker_id),
         reg AS (
           SELECT worker_id, queue_name, hostname, status, last_seen_at, true AS registered
             FROM absurd.worker_registry WHERE queue_name = ANY ($1)
           UNION ALL
           SELECT p.worker_id, p.queue_name, p.hostname, NULL, p.last_seen_at, false
             FROM absurd.legacy_pollers p
            WHERE p.queue_name = ANY ($1)
              AND NOT EXISTS (SELECT 1 FROM absurd.worker_registry w
                               WHERE w.worker_id = p.worker_id AND w.queue_name = p.queue_name))
         SELECT coalesce(r.queue_name, c.queue_name) AS queue_name,
                coalesce(r.worker_id, c.worker_id) AS worker_id,
                r.hostname, coalesce(r.registered, false) AS registered, r.status AS registry_status,
                greatest(r.last_seen_at, c.last_heartbeat_at) AS last_seen_at,
                coalesce(c.running, 0) AS running
           FROM reg r FULL JOIN claims c ON c.worker_id = r.worker_id AND c.queue_name = r.queue_name
          WHERE ((r.status IN ('running', 'draining') OR NOT r.registered)
                 AND r.last_seen_at >= now() - make_interval(secs => $2))
             OR c.last_heartbeat_at >= now() - make_interval(secs => $2)
          ORDER BY 1, r.hostname NULLS LAST, 2",
    )
    .bind(queues)
    .bind(timeout.as_secs_f64())
    .fetch_all(db)
    .await?)
}

/// The planner's estimate of a queue's rows, from the statistics of the last
/// ANALYZE: costs a plan, never a scan.
pub async fn total_estimate(db: impl PgExecutor<'_>, queue: &str) -> Result<Option<i64>> {
    let plan: serde_json::Value = sqlx::query_scalar(
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM absurd.tasks WHERE queue_name = $1::text",
    )
    .bind(queue)
    .fetch_one(db)
    .await?;
    Ok(plan
        .pointer("/0/Plan/Plan Rows")
        .and_then(|v| v.as_f64())
        .map(|rows| rows.round() as i64))
}

/// Completions and failures of each queue in `(since, now]`: the rates
/// between two refreshes of `status --watch`.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct FinishedSinceRow {
    pub queue_name: String,
    pub completed: i64,
    pub failed: i64,
}

pub async fn finished_since(
    db: impl PgExecutor<'_>,
    queues: &[String],
    since: DateTime<Utc>,
) -> Result<Vec<FinishedSinceRow>> {
    Ok(sqlx::query_as(
        "SELECT queue_name,
                count(*) FILTER (WHERE status = 'completed') AS completed,
                count(*) FILTER (WHERE status = 'failed') AS failed
           FROM absurd.tasks
          WHERE queue_name = ANY ($1) AND status IN ('completed', 'failed', 'cancelled')
            AND completed_at > $2 AND completed_at <= now()
          GROUP BY queue_name",
    )
    .bind(queues)
    .bind(since)
    .fetch_all(db)
    .await?)
}

/// Reads every figure of these queues. Run it inside [`begin_snapshot`]'s
/// transaction so that the figures are consistent with each other.
pub async fn snapshot(
    conn: &mut PgConnection,
    queues: &[String],
    rule: StuckRule,
) -> Result<Snapshot> {
    let taken_at = clock(&mut *conn).await?;
    let backlog = backlog(&mut *conn, queues).await?;
    let claimed = claimed(&mut *conn, queues).await?;
    let stuck = stuck(&mut *conn, queues, rule).await?;
    let finished = finished(&mut *conn, queues, taken_at).await?;
    let timings = timings(&mut *conn, queues).await?;
    let dead = dead_letters(&mut *conn, queues).await?;
    let workers = live_workers(&mut *conn, queues, rule.heartbeat_timeout).await?;
    let controls = super::controls::of_queues(&mut *conn, queues).await?;
    let mut estimates = Vec::with_capacity(queues.len());
    for q in queues {
        estimates.push(total_estimate(&mut *conn, q).await?);
    }

    // Keyed by (queue, task name); None is the queue's own row, the sum of
    // its task names' rows.
    let mut figs: BTreeMap<(String, Option<String>), Raw> = BTreeMap::new();
    let mut both = |queue: &str, task: &str, add: &dyn Fn(&mut Raw)| {
        add(figs
            .entry((queue.to_string(), Some(task.to_string())))
            .or_default());
        add(figs.entry((queue.to_string(), None)).or_default());
    };
    for r in &backlog {
        both(&r.queue_name, &r.task_name, &|e: &mut Raw| {
            e.pending += r.pending;
            e.retrying += r.retrying;
            e.ready += r.ready;
            e.delayed += r.delayed;
            e.oldest_created_at = earliest(e.oldest_created_at, r.oldest_created_at);
            e.oldest_ready_since = earliest(e.oldest_ready_since, r.oldest_ready_since);
        });
    }
    for r in &claimed {
        both(&r.queue_name, &r.task_name, &|e: &mut Raw| e.claimed += r.n);
    }
    for r in &stuck {
        both(&r.queue_name, &r.task_name, &|e: &mut Raw| e.stuck += r.n);
    }
    for r in &finished {
        both(&r.queue_name, &r.task_name, &|e: &mut Raw| {
            let windows = match r.status.as_str() {
                "completed" => &mut e.completed,
                "failed" => &mut e.failed_in,
                _ => &mut e.cancelled_in,
            };
            // A task within 5 minutes is within the hour and the day too.
            for w in windows.iter_mut().skip(r.bucket.clamp(0, 2) as usize) {
                *w += r.n;
            }
            if r.status == "completed" {
                e.last_completed_at = e.last_completed_at.max(r.last_at);
            }
        });
    }
    for r in &dead {
        both(&r.queue_name, &r.task_name, &|e: &mut Raw| {
            if r.status == "failed" {
                e.failed += r.n;
            } else {
                e.cancelled += r.n;
            }
        });
    }
    for r in timings {
        let key = (r.queue_name.clone(), r.task_name.clone());
        figs.entry(key).or_default().timing = Some(r);
    }

    let mut out = Vec::with_capacity(queues.len());
    for (queue, total_estimate) in queues.iter().zip(estimates) {
        let own = figs
            .get(&(queue.clone(), None))
            .cloned()
            .unwrap_or_default();
        let figures = own.figures(taken_at);
        let task_names = figs
            .range((queue.clone(), Some(String::new()))..)
            .take_while(|((q, _), _)| q == queue)
            .filter_map(|((_, name), raw)| {
                name.as_ref().map(|n| TaskNameFigures {
                    task_name: n.clone(),
                    figures: raw.figures(taken_at),
                })
            })
            .collect();
        let control = controls.iter().find(|c| &c.queue_name == queue);
        let paused = control.is_some_and(|c| c.paused);
        let no_completion_sec = own.oldest_ready_since.map(|ready_since| {
            let since = own
                .last_completed_at
                .map_or(ready_since, |done| done.max(ready_since));
            secs_between(since, taken_at)
        });
        let drained_5m = own.completed[0] + own.failed_in[0];
        let drain_rate_per_min = if drained_5m > 0 {
            drained_5m as f64 / 5.0
        } else {
            (own.completed[1] + own.failed_in[1]) as f64 / 60.0
        };
        let eta_sec = if figures.backlog == 0 {
            Some(0.0)
        } else if drain_rate_per_min > 0.0 {
            Some(figures.backlog as f64 / drain_rate_per_min * 60.0)
        } else {
            None
        };
        let list: Vec<LiveWorker> = workers
            .iter()
            .filter(|w| &w.queue_name == queue)
            .cloned()
            .collect();
        let pause = control.filter(|c| c.paused);
        out.push(QueueSnapshot {
            queue: queue.clone(),
            paused,
            paused_at: pause.and_then(|c| c.paused_at),
            paused_by: pause.and_then(|c| c.paused_by.clone()),
            pause_reason: pause.and_then(|c| c.pause_reason.clone()),
            figures,
            no_completion_sec,
            drain_rate_per_min,
            eta_sec,
            total_estimate,
            workers: Workers {
                live: list.len() as i64,
                hosts: by_host(&list),
                list,
            },
            task_names,
        });
    }
    Ok(Snapshot {
        taken_at,
        stuck_rule: rule,
        queues: out,
    })
}

fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Raw figures of one (queue, task name), before the derived ones.
#[derive(Debug, Clone, Default)]
struct Raw {
    pending: i64,
    retrying: i64,
    ready: i64,
    delayed: i64,
    claimed: i64,
    stuck: i64,
    failed: i64,
    cancelled: i64,
    oldest_created_at: Option<DateTime<Utc>>,
    oldest_ready_since: Option<DateTime<Utc>>,
    /// Finished within 5 minutes, the hour, the day.
    completed: [i64; 3],
    failed_in: [i64; 3],
    cancelled_in: [i64; 3],
    last_completed_at: Option<DateTime<Utc>>,
    timing: Option<TimingRow>,
}

impl Raw {
    fn figures(&self, now: DateTime<Utc>) -> Figures {
        let t = self.timing.as_ref();
        let backlog = self.pending + self.retrying;
        let [c5, c1, c24] = self.completed;
        let [f5, f1, f24] = self.failed_in;
        let [x5, x1, x24] = self.cancelled_in;
        Figures {
            pending: self.pending,
            retrying: self.retrying,
            claimed: self.claimed,
            stuck: self.stuck,
            failed: self.failed,
            cancelled: self.cancelled,
            backlog,
            ready: self.ready,
            delayed: self.delayed,
            blocked: backlog - self.ready - self.delayed,
            completed_5m: c5,
            completed_1h: c1,
            completed_24h: c24,
            failed_5m: f5,
            failed_1h: f1,
            failed_24h: f24,
            cancelled_5m: x5,
            cancelled_1h: x1,
            cancelled_24h: x24,
            completed_per_min_5m: c5 as f64 / 5.0,
            completed_per_min_1h: c1 as f64 / 60.0,
            completed_per_min_24h: c24 as f64 / 1440.0,
            success_rate_1h: success_rate(c1, f1),
            success_rate_24h: success_rate(c24, f24),
            wait_p50_sec: t.and_then(|t| t.wait_p50),
            wait_p95_sec: t.and_then(|t| t.wait_p95),
            run_p50_sec: t.and_then(|t| t.run_p50),
            run_p95_sec: t.and_then(|t| t.run_p95),
            oldest_pending_at: self.oldest_created_at,
            oldest_pending_age_sec: self.oldest_created_at.map(|c| secs_between(c, now)),
            oldest_ready_age_sec: self.oldest_ready_since.map(|r| secs_between(r, now)),
            last_completed_at: self.last_completed_at,
        }
    }
}

fn success_rate(completed: i64, failed: i64) -> Option<f64> {
    let finished = completed + failed;
    (finished > 0).then(|| completed as f64 / finished as f64)
}

fn secs_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    ((to - from).num_milliseconds() as f64 / 1000.0).max(0.0)
}

/// Live workers grouped by host; unregistered workers (host unknown) last.
fn by_host(workers: &[LiveWorker]) -> Vec<HostWorkers> {
    let mut hosts: Vec<HostWorkers> = Vec::new();
    for w in workers {
        match hosts.iter_mut().find(|h| h.host == w.hostname) {
            Some(h) => {
                h.workers += 1;
                h.running += w.running;
            }
            None => hosts.push(HostWorkers {
                host: w.hostname.clone(),
                workers: 1,
                running: w.running,
            }),
        }
    }
    hosts.sort_by(|a, b| match (&a.host, &b.host) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    hosts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_rate_needs_finished_tasks() {
        assert_eq!(success_rate(0, 0), None);
        assert_eq!(success_rate(9, 1), Some(0.9));
    }

    #[test]
    fn hosts_are_sorted_with_unknown_last() {
        let w = |id: &str, host: Option<&str>, running| LiveWorker {
            queue_name: "q".into(),
            worker_id: id.into(),
            hostname: host.map(str::to_string),
            registered: host.is_some(),
            registry_status: None,
            last_seen_at: None,
            running,
        };
        let hosts = by_host(&[
            w("a", None, 1),
            w("b", Some("h2"), 2),
            w("c", Some("h1"), 0),
            w("d", Some("h2"), 1),
        ]);
        let got: Vec<(Option<&str>, i64, i64)> = hosts
            .iter()
            .map(|h| (h.host.as_deref(), h.workers, h.running))
            .collect();
        assert_eq!(
            got,
            vec![(Some("h1"), 1, 0), (Some("h2"), 2, 3), (None, 1, 1)]
        );
    }
}
