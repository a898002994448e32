//! Task history: the attempts of a task (absurd.task_attempts) and the
//! operator actions that changed it (absurd.task_events).
//!
//! The trigger `tasks_record_history` (migration 1500) opens an attempt at
//! every claim and closes it at every end, whoever makes the change. What
//! only absurdctl's worker knows (exit, resources, output, progress) it adds
//! here; operator commands name themselves ([`name_action`]) in the
//! transaction of their change so that the trigger records who did it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgExecutor;
use uuid::Uuid;

use super::{Result, TaskId};

/// Names the operator action of this transaction for the history trigger:
/// every task it changes gets an event with `action` and the audit run
/// `run_id` (absurd.audit_log.run_id), and an attempt it ends carries the
/// run. Transaction-local: call it inside the change's transaction.
pub async fn name_action(db: impl PgExecutor<'_>, action: &str, run_id: Uuid) -> Result<()> {
    sqlx::query(
        "SELECT set_config('absurd.history_action', $1, true),
                set_config('absurd.history_run_id', $2, true)",
    )
    .bind(action)
    .bind(run_id.to_string())
    .execute(db)
    .await?;
    Ok(())
}

/// One attempt of a task.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Attempt {
    pub attempt: i32,
    pub worker_id: Option<String>,
    pub hostname: Option<String>,
    pub claimed_at: DateTime<Utc>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// None while it runs: completed, failed, timed_out, cancelled, reaped,
    /// released (given back without charging it) or lost.
    pub outcome: Option<String>,
    pub error: Option<String>,
    pub exit_code: Option<i32>,
    pub exit_signal: Option<i32>,
    /// Killed for running past its timeout.
    pub timed_out: Option<bool>,
    /// Seconds from claim to end (or to now while it runs).
    pub duration_sec: f64,
    /// The handler's run time, CPU time (user + system, of it and the
    /// processes it waited for) and peak resident memory (absurdctl's worker).
    pub run_time_sec: Option<f64>,
    pub cpu_time_sec: Option<f64>,
    pub peak_rss_kib: Option<i64>,
    pub stdout_bytes: Option<i64>,
    pub stderr_bytes: Option<i64>,
    pub progress: Option<f64>,
    pub progress_message: Option<String>,
    pub progress_at: Option<DateTime<Utc>>,
    /// Estimated seconds left, from the progress and the time it took.
    pub eta_sec: Option<f64>,
    /// The operator action that ended it (reap, cancel): its audit run and row.
    pub ended_by_run_id: Option<Uuid>,
    pub ended_by_audit_id: Option<i64>,
}

/// One operator action on a task.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub action: String,
    pub db_user: String,
    pub old_status: Option<String>,
    pub new_status: Option<String>,
    pub old_priority: Option<i32>,
    pub new_priority: Option<i32>,
    pub audit_run_id: Option<Uuid>,
    /// The audit row of the run (None while a batched run has not finished,
    /// or when it was interrupted: its batches are in absurd.audit_batches).
    pub audit_id: Option<i64>,
}

/// Estimated seconds left of a running attempt at fraction `p` reached
/// `progress_at - claimed_at` after its claim.
const ETA_SQL: &str = "CASE WHEN a.progress > 0 AND a.progress_at IS NOT NULL
       THEN greatest(0, extract(epoch FROM a.progress_at - t.claimed_at)
                        * (1 - a.progress) / a.progress
                        - extract(epoch FROM now() - a.progress_at))::float8 END";

/// Ended attempts: their rows (`a`).
fn ended_sql(where_clause: &str) -> String {
    format!(
        "SELECT a.task_id, a.queue_name, a.task_name, a.claimed_at AS sort_at,
                a.attempt, a.worker_id, a.hostname, a.claimed_at, a.heartbeat_at,
                a.ended_at, a.outcome, a.error, a.exit_code, a.exit_signal, a.timed_out,
                extract(epoch FROM a.ended_at - a.claimed_at)::float8 AS duration_sec,
                a.run_time_sec, a.cpu_time_sec, a.peak_rss_kib, a.stdout_bytes, a.stderr_bytes,
                a.progress, a.progress_message, a.progress_at, NULL::float8 AS eta_sec,
                a.ended_by_run_id, absurd.audit_id_of_run(a.ended_by_run_id) AS ended_by_audit_id
           FROM absurd.task_attempts a
          WHERE a.ended_at IS NOT NULL AND {where_clause}"
    )
}

/// Running attempts: claimed tasks (`t`), with what absurdctl's worker
/// stored of them (`a`, when it did).
fn running_sql(where_clause: &str) -> String {
    format!(
        "SELECT t.task_id, t.queue_name, t.task_name, t.claimed_at AS sort_at,
                t.attempt, t.worker_id, coalesce(a.hostname, absurd.worker_host(t.worker_id))
                  AS hostname, t.claimed_at, t.heartbeat_at,
                NULL::timestamptz AS ended_at, NULL::text AS outcome, NULL::text AS error,
                NULL::int AS exit_code, NULL::int AS exit_signal, NULL::bool AS timed_out,
                extract(epoch FROM now() - t.claimed_at)::float8 AS duration_sec,
                NULL::float8 AS run_time_sec, NULL::float8 AS cpu_time_sec,
                NULL::int8 AS peak_rss_kib, a.stdout_bytes, a.stderr_bytes,
                a.progress, a.progress_message, a.progress_at, {ETA_SQL} AS eta_sec,
                NULL::uuid AS ended_by_run_id, NULL::int8 AS ended_by_audit_id
           FROM absurd.tasks t
           LEFT JOIN absurd.task_attempts a
             ON a.task_id = t.task_id AND a.claimed_at = t.claimed_at AND a.ended_at IS NULL
          WHERE t.status = 'claimed' AND t.claimed_at IS NOT NULL AND {where_clause}"
    )
}

/// An attempt with the task it belongs to.
#[derive(sqlx::FromRow)]
struct Row {
    task_id: Uuid,
    queue_name: String,
    task_name: String,
    #[sqlx(flatten)]
    attempt: Attempt,
}

/// A task's attempts, oldest first: those that ended, and the running one.
pub async fn attempts(db: impl PgExecutor<'_>, id: TaskId) -> Result<Vec<Attempt>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{} UNION ALL {} ORDER BY sort_at",
        ended_sql("a.task_id = $1"),
        running_sql("t.task_id = $1")
    ))
    .bind(id.0)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.attempt).collect())
}

/// The running attempt of each of `ids` that is claimed (its progress).
pub async fn running_attempts(
    db: impl PgExecutor<'_>,
    ids: &[TaskId],
) -> Result<Vec<(TaskId, Attempt)>> {
    let ids: Vec<Uuid> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<Row> = sqlx::query_as(&running_sql("t.task_id = ANY ($1)"))
        .bind(ids)
        .fetch_all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (TaskId(r.task_id), r.attempt))
        .collect())
}

/// A running attempt, for `status`.
#[derive(Debug, Clone, Serialize)]
pub struct RunningAttempt {
    #[serde(skip)]
    pub queue_name: String,
    pub task_id: TaskId,
    pub task_name: String,
    #[serde(flatten)]
    pub attempt: Attempt,
}

/// The running attempts of these queues, longest running first, at most
/// `limit` per queue (the claimed tasks' index: the cost follows what runs,
/// not the history).
pub async fn running(
    db: impl PgExecutor<'_>,
    queues: &[String],
    limit: i64,
) -> Result<Vec<RunningAttempt>> {
    let inner = running_sql("t.queue_name = q.name");
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT r.* FROM unnest($1::text[]) AS q(name)
           CROSS JOIN LATERAL ({inner} ORDER BY t.claimed_at LIMIT $2) r"
    ))
    .bind(queues)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| RunningAttempt {
            queue_name: r.queue_name,
            task_id: TaskId(r.task_id),
            task_name: r.task_name,
            attempt: r.attempt,
        })
        .collect())
}

/// The operator actions on a task, oldest first.
pub async fn events(db: impl PgExecutor<'_>, id: TaskId) -> Result<Vec<Event>> {
    Ok(sqlx::query_as(
        "SELECT e.at, e.action, e.db_user, e.old_status, e.new_status, e.old_priority,
                e.new_priority, e.audit_run_id,
                absurd.audit_id_of_run(e.audit_run_id) AS audit_id
           FROM absurd.task_events e
          WHERE e.task_id = $1
          ORDER BY e.event_id",
    )
    .bind(id.0)
    .fetch_all(db)
    .await?)
}

/// The output tails of one attempt (the latest when `attempt` is None).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Output {
    pub attempt: i32,
    pub running: bool,
    pub stdout: Option<String>,
    pub stderr: Option<String>,
    pub stdout_bytes: Option<i64>,
    pub stderr_bytes: Option<i64>,
}

pub async fn output(
    db: impl PgExecutor<'_>,
    id: TaskId,
    attempt: Option<i32>,
) -> Result<Option<Output>> {
    Ok(sqlx::query_as(
        "SELECT * FROM (
           SELECT a.attempt, a.claimed_at, false AS running, a.stdout_tail AS stdout,
                  a.stderr_tail AS stderr, a.stdout_bytes, a.stderr_bytes
             FROM absurd.task_attempts a
            WHERE a.task_id = $1 AND a.ended_at IS NOT NULL
           UNION ALL
           SELECT t.attempt, t.claimed_at, true, a.stdout_tail, a.stderr_tail,
                  a.stdout_bytes, a.stderr_bytes
             FROM absurd.tasks t
             LEFT JOIN absurd.task_attempts a
               ON a.task_id = t.task_id AND a.claimed_at = t.claimed_at AND a.ended_at IS NULL
            WHERE t.task_id = $1 AND t.status = 'claimed' AND t.claimed_at IS NOT NULL) o
          WHERE $2::int IS NULL OR o.attempt = $2
          ORDER BY o.claimed_at DESC LIMIT 1",
    )
    .bind(id.0)
    .bind(attempt)
    .fetch_optional(db)
    .await?)
}

/// What absurdctl's worker knows of a running attempt, stored at heartbeats.
#[derive(Debug, Clone)]
pub struct Live {
    pub task_id: TaskId,
    pub stdout: Option<String>,
    pub stderr: Option<String>,
    pub stdout_bytes: i64,
    pub stderr_bytes: i64,
    pub progress: Option<f64>,
    pub progress_message: Option<String>,
}

/// How an attempt of absurdctl's worker ended, from the handler's side.
#[derive(Debug, Clone)]
pub struct Ended {
    pub live: Live,
    pub exit_code: Option<i32>,
    pub exit_signal: Option<i32>,
    pub timed_out: bool,
    pub run_time_sec: f64,
    pub cpu_time_sec: Option<f64>,
    pub peak_rss_kib: Option<i64>,
}

/// Stores the output and progress of `worker`'s running attempts of these
/// tasks. Call it in the transaction holding their rows locked (the
/// heartbeat's): a task no longer `worker`'s, or whose attempt ended, is
/// left alone; the attempt's end completes the row written here.
pub async fn store_live(
    db: impl PgExecutor<'_>,
    worker: &str,
    hostname: &str,
    live: &[Live],
) -> Result<u64> {
    if live.is_empty() {
        return Ok(0);
    }
    let col = |f: fn(&Live) -> Option<String>| live.iter().map(f).collect::<Vec<_>>();
    let done = sqlx::query(
        "INSERT INTO absurd.task_attempts AS a
                (task_id, attempt, queue_name, task_name, worker_id, hostname, claimed_at,
                 stdout_tail, stderr_tail, stdout_bytes, stderr_bytes,
                 progress, progress_message, progress_at)
         SELECT t.task_id, t.attempt, t.queue_name, t.task_name, t.worker_id, $2, t.claimed_at,
                u.stdout, u.stderr, u.stdout_bytes, u.stderr_bytes, u.progress,
                CASE WHEN u.progress IS NOT NULL THEN u.message END,
                CASE WHEN u.progress IS NOT NULL THEN now() END
           FROM unnest($3::uuid[], $4::text[], $5::text[], $6::int8[], $7::int8[],
                       $8::float8[], $9::text[])
                AS u(task_id, stdout, stderr, stdout_bytes, stderr_bytes, progress, message)
           JOIN absurd.tasks t ON t.task_id = u.task_id
          WHERE t.status = 'claimed' AND t.worker_id = $1 AND t.claimed_at IS NOT NULL
         ON CONFLICT (task_id, claimed_at) DO UPDATE
            SET stdout_tail = EXCLUDED.stdout_tail, stderr_tail = EXCLUDED.stderr_tail,
                stdout_bytes = EXCLUDED.stdout_bytes, stderr_bytes = EXCLUDED.stderr_bytes,
                progress = coalesce(EXCLUDED.progress, a.progress),
                progress_message = CASE WHEN EXCLUDED.progress IS NULL THEN a.progress_message
                                        ELSE EXCLUDED.progress_message END,
                progress_at = CASE WHEN EXCLUDED.progress IS NOT NULL
                                    AND (EXCLUDED.progress IS DISTINCT FROM a.progress
                                         OR EXCLUDED.progress_message
                                            IS DISTINCT FROM a.progress_message)
                                   THEN now() ELSE a.progress_at END
          WHERE a.ended_at IS NULL AND a.worker_id = $1",
    )
    .bind(worker)
    .bind(hostname)
    .bind(live.iter().map(|l| l.task_id.0).collect::<Vec<_>>())
    .bind(col(|l| l.stdout.clone()))
    .bind(col(|l| l.stderr.clone()))
    .bind(live.iter().map(|l| l.stdout_bytes).collect::<Vec<_>>())
    .bind(live.iter().map(|l| l.stderr_bytes).collect::<Vec<_>>())
    .bind(live.iter().map(|l| l.progress).collect::<Vec<_>>())
    .bind(col(|l| l.progress_message.clone()))
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// [`store_live`] in a savepoint of `tx`: a refusal (a role without rights
/// on the history) rolls back only this; its error is returned as text.
pub async fn store_live_or_skip(
    tx: &mut sqlx::PgConnection,
    worker: &str,
    hostname: &str,
    live: &[Live],
) -> Result<std::result::Result<(), String>> {
    use sqlx::Connection;
    if live.is_empty() {
        return Ok(Ok(()));
    }
    let mut sp = tx.begin().await?;
    match store_live(&mut *sp, worker, hostname, live).await {
        Ok(_) => {
            sp.commit().await?;
            Ok(Ok(()))
        }
        Err(e) => {
            sp.rollback().await?;
            Ok(Err(e.to_string()))
        }
    }
}

/// Adds the handler's side of the end to `worker`'s attempts of these tasks
/// claimed at these times (the row the trigger wrote at their end). In the
/// transaction that stores the result, after it: an attempt ended by a
/// timeout becomes `timed_out`. Each attempt is found by its primary key
/// (an attempt's claimed_at is never null, so an unknown claim time matches
/// nothing): joined any other way, a history never analyzed yet was read
/// whole for every batch of results, and the worker slowed as it grew.
pub async fn store_ended(
    db: impl PgExecutor<'_>,
    worker: &str,
    ended: &[(&Ended, Option<DateTime<Utc>>)],
) -> Result<u64> {
    if ended.is_empty() {
        return Ok(0);
    }
    let live =
        |f: fn(&Live) -> Option<String>| ended.iter().map(|(e, _)| f(&e.live)).collect::<Vec<_>>();
    let done = sqlx::query(
        "UPDATE absurd.task_attempts a
            SET stdout_tail = u.stdout, stderr_tail = u.stderr,
                stdout_bytes = u.stdout_bytes, stderr_bytes = u.stderr_bytes,
                progress = coalesce(u.progress, a.progress),
                progress_message = CASE WHEN u.progress IS NULL THEN a.progress_message
                                        ELSE u.message END,
                progress_at = CASE WHEN u.progress IS NOT NULL
                                    AND (u.progress IS DISTINCT FROM a.progress
                                         OR u.message IS DISTINCT FROM a.progress_message)
                                   THEN now() ELSE a.progress_at END,
                exit_code = u.exit_code, exit_signal = u.exit_signal, timed_out = u.timed_out,
                run_time_sec = u.run_time, cpu_time_sec = u.cpu_time, peak_rss_kib = u.rss,
                outcome = CASE WHEN u.timed_out AND a.outcome = 'failed' THEN 'timed_out'
                               ELSE a.outcome END
           FROM unnest($2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::int8[],
                       $7::int8[], $8::float8[], $9::text[], $10::int4[], $11::int4[],
                       $12::bool[], $13::float8[], $14::float8[], $15::int8[])
                AS u(task_id, claimed_at, stdout, stderr, stdout_bytes, stderr_bytes, progress,
                     message, exit_code, exit_signal, timed_out, run_time, cpu_time, rss)
          WHERE a.task_id = u.task_id AND a.claimed_at = u.claimed_at
            AND a.worker_id = $1",
    )
    .bind(worker)
    .bind(
        ended
            .iter()
            .map(|(e, _)| e.live.task_id.0)
            .collect::<Vec<_>>(),
    )
    .bind(ended.iter().map(|(_, c)| *c).collect::<Vec<_>>())
    .bind(live(|l| l.stdout.clone()))
    .bind(live(|l| l.stderr.clone()))
    .bind(
        ended
            .iter()
            .map(|(e, _)| e.live.stdout_bytes)
            .collect::<Vec<_>>(),
    )
    .bind(
        ended
            .iter()
            .map(|(e, _)| e.live.stderr_bytes)
            .collect::<Vec<_>>(),
    )
    .bind(
        ended
            .iter()
            .map(|(e, _)| e.live.progress)
            .collect::<Vec<_>>(),
    )
    .bind(live(|l| l.progress_message.clone()))
    .bind(ended.iter().map(|(e, _)| e.exit_code).collect::<Vec<_>>())
    .bind(ended.iter().map(|(e, _)| e.exit_signal).collect::<Vec<_>>())
    .bind(ended.iter().map(|(e, _)| e.timed_out).collect::<Vec<_>>())
    .bind(
        ended
            .iter()
            .map(|(e, _)| e.run_time_sec)
            .collect::<Vec<_>>(),
    )
    .bind(
        ended
            .iter()
            .map(|(e, _)| e.cpu_time_sec)
            .collect::<Vec<_>>(),
    )
    .bind(
        ended
            .iter()
            .map(|(e, _)| e.peak_rss_kib)
            .collect::<Vec<_>>(),
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// [`store_ended`] in a savepoint of `tx`: a role that may not update the
/// history (granted before it existed) still stores its results; the
/// history misses the handler's side then, nothing else.
pub async fn store_ended_or_skip(
    tx: &mut sqlx::PgConnection,
    worker: &str,
    ended: &[(&Ended, Option<DateTime<Utc>>)],
) -> Result<()> {
    use sqlx::Connection;
    if ended.is_empty() {
        return Ok(());
    }
    let mut sp = tx.begin().await?;
    match store_ended(&mut *sp, worker, ended).await {
        Ok(_) => sp.commit().await?,
        Err(_) => sp.rollback().await?,
    }
    Ok(())
}
