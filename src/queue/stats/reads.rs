//! The reads of a stats snapshot: one query per figure family, each on
//! one partial index of absurd.tasks, returning rows for the fold.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{Acquire, PgConnection, PgExecutor, Postgres, Transaction};

use super::{LiveWorker, StuckRule};
use crate::queue::Result;

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

/// The snapshot of a [`begin_snapshot`] transaction, for other sessions to
/// read in (`begin_snapshot_of`); None on a hot standby, which cannot
/// export one. Call it after the transaction's first query, which took it.
pub async fn export_snapshot(tx: &mut PgConnection) -> Result<Option<String>> {
    let standby: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
        .fetch_one(&mut *tx)
        .await?;
    if standby {
        return Ok(None);
    }
    Ok(Some(
        sqlx::query_scalar("SELECT pg_export_snapshot()")
            .fetch_one(&mut *tx)
            .await?,
    ))
}

/// A transaction like [`begin_snapshot`]'s that sees exactly the snapshot
/// `id` exported (the exporting transaction must still be open).
pub async fn begin_snapshot_of<'c, A>(db: A, id: &str) -> Result<Transaction<'c, Postgres>>
where
    A: Acquire<'c, Database = Postgres>,
{
    // SET TRANSACTION SNAPSHOT takes a literal, not a parameter: an id is
    // hex digits and dashes, as pg_export_snapshot makes them.
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(crate::queue::QueueError::Invalid(format!(
            "not a snapshot id: {id:?}"
        )));
    }
    let mut tx = db.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    sqlx::query(&format!("SET TRANSACTION SNAPSHOT '{id}'"))
        .execute(&mut *tx)
        .await?;
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
    /// Waiting on a dependency that failed or was cancelled.
    pub blocked_for_good: i64,
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
                count(*) FILTER (WHERE dead_dependency) AS blocked_for_good,
                min(created_at) AS oldest_created_at,
                min(greatest(created_at, available_at)) FILTER (WHERE ready) AS oldest_ready_since
           FROM (SELECT t.queue_name, t.task_name, t.created_at, t.available_at,
                        (t.status = 'retrying' OR t.awaiting_retry) AS retrying,
                        t.available_at <= now()
                        AND (t.depends_on IS NULL OR cardinality(t.depends_on) = 0 OR NOT EXISTS (
                              SELECT 1 FROM absurd.tasks d
                               WHERE d.task_id = ANY (t.depends_on) AND d.status <> 'completed')) AS ready,
                        cardinality(t.depends_on) > 0 AND EXISTS (
                              SELECT 1 FROM absurd.dead_dependencies(t.depends_on)) AS dead_dependency
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

/// Tasks created within the last day, by window (0: 5 minutes, 1: the
/// hour, 2: the day), from the index on created_at: the cost follows the
/// day's arrivals, not the history.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CreatedRow {
    pub queue_name: String,
    pub task_name: String,
    pub bucket: i32,
    pub n: i64,
}

pub async fn created(
    db: impl PgExecutor<'_>,
    queues: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<CreatedRow>> {
    let ago = |secs: i64| now - chrono::Duration::seconds(secs);
    Ok(sqlx::query_as(
        "SELECT queue_name, task_name,
                CASE WHEN created_at >= $2 THEN 0 WHEN created_at >= $3 THEN 1 ELSE 2 END AS bucket,
                count(*) AS n
           FROM absurd.tasks
          WHERE queue_name = ANY ($1) AND created_at >= $4 AND created_at <= $5
          GROUP BY 1, 2, 3",
    )
    .bind(queues)
    .bind(ago(5 * 60))
    .bind(ago(3600))
    .bind(ago(24 * 3600))
    .bind(now)
    .fetch_all(db)
    .await?)
}

/// Registered workers still marked running or draining but not seen for
/// three of their heartbeat intervals (`timeout` when they recorded none,
/// and at most `timeout`): dead without having said so (SIGKILL, a lost
/// host).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeadWorkersRow {
    pub queue_name: String,
    pub n: i64,
}

pub async fn dead_registered(
    db: impl PgExecutor<'_>,
    queues: &[String],
    timeout: Duration,
) -> Result<Vec<DeadWorkersRow>> {
    Ok(sqlx::query_as(
        "SELECT queue_name, count(*) AS n FROM absurd.worker_registry
          WHERE queue_name = ANY ($1) AND status IN ('running', 'draining')
            AND last_seen_at < now() - make_interval(secs => CASE
                  WHEN heartbeat_interval_sec IS NOT NULL THEN least($2, 3 * heartbeat_interval_sec)
                  ELSE $2 END)
          GROUP BY 1",
    )
    .bind(queues)
    .bind(timeout.as_secs_f64())
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
    pub run_mean: Option<f64>,
}

pub async fn timings(db: impl PgExecutor<'_>, queues: &[String]) -> Result<Vec<TimingRow>> {
    Ok(sqlx::query_as(
        "SELECT queue_name, task_name,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_time_sec) AS wait_p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY wait_time_sec) AS wait_p95,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY execution_time_sec) AS run_p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY execution_time_sec) AS run_p95,
                avg(execution_time_sec)::float8 AS run_mean
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
           SELECT worker_id, queue_name, hostname, status, last_seen_at, true AS registered,
                  concurrency,
                  -- A worker that recorded its heartbeat interval is dead
                  -- after three of them (as `absurdctl workers` says).
                  CASE WHEN heartbeat_interval_sec IS NOT NULL
                       THEN least($2, 3 * heartbeat_interval_sec) END AS silent_limit
             FROM absurd.worker_registry WHERE queue_name = ANY ($1)
           UNION ALL
           SELECT p.worker_id, p.queue_name, p.hostname, NULL, p.last_seen_at, false, 1, NULL
             FROM absurd.legacy_pollers p
            WHERE p.queue_name = ANY ($1)
              AND NOT EXISTS (SELECT 1 FROM absurd.worker_registry w
                               WHERE w.worker_id = p.worker_id AND w.queue_name = p.queue_name))
         SELECT coalesce(r.queue_name, c.queue_name) AS queue_name,
                coalesce(r.worker_id, c.worker_id) AS worker_id,
                r.hostname, coalesce(r.registered, false) AS registered, r.status AS registry_status,
                greatest(r.last_seen_at, c.last_heartbeat_at) AS last_seen_at,
                coalesce(c.running, 0) AS running, coalesce(r.concurrency, 1) AS concurrency
           FROM reg r FULL JOIN claims c ON c.worker_id = r.worker_id AND c.queue_name = r.queue_name
          WHERE ((r.status IN ('running', 'draining') OR NOT r.registered)
                 AND r.last_seen_at >= now() - make_interval(secs => coalesce(r.silent_limit, $2)))
             OR c.last_heartbeat_at >= now() - make_interval(secs => coalesce(r.silent_limit, $2))
          ORDER BY 1, r.hostname NULLS LAST, 2",
    )
    .bind(queues)
    .bind(timeout.as_secs_f64())
    .fetch_all(db)
    .await?)
}

/// The planner's estimate of a queue's rows, from the statistics of the last
/// ANALYZE: costs a plan, never a scan.
pub async fn total_estimate(db: &mut sqlx::PgConnection, queue: &str) -> Result<Option<i64>> {
    // A table never analysed (nor vacuumed) has no statistics: the planner's
    // figure would be a guess from its size on disk, shown as if it were
    // known. None instead.
    let analysed: bool = sqlx::query_scalar(
        "SELECT reltuples >= 0 FROM pg_class WHERE oid = 'absurd.tasks'::regclass",
    )
    .fetch_one(&mut *db)
    .await?;
    if !analysed {
        return Ok(None);
    }
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
