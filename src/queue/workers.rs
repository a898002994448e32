//! The worker's side of the queue: the registry (absurd.worker_registry:
//! which `worker run` processes exist, what they serve, when each was last
//! seen), the lock that makes a worker id one process's, and the worker's
//! heartbeats, completions, failures and releases, which never wait for a
//! row another session holds locked (`workers/rows.rs`).

use serde::Serialize;
use sqlx::PgExecutor;

use super::Result;

mod rows;
pub use rows::*;

/// A worker's own state in the registry's status column (`dead` is for
/// others to set, about a worker no longer seen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkerStatus {
    /// Claiming and running tasks.
    Running,
    /// Shutting down: claims nothing more, finishing what it runs.
    Draining,
    /// Exited cleanly.
    Stopped,
}

impl WorkerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerStatus::Running => "running",
            WorkerStatus::Draining => "draining",
            WorkerStatus::Stopped => "stopped",
        }
    }
}

/// What a worker registers about itself.
#[derive(Debug, Clone)]
pub struct WorkerInfo {
    pub worker_id: String,
    pub queue_name: String,
    pub hostname: String,
    pub pid: i32,
    pub version: String,
    pub concurrency: i32,
    /// The task names it serves; `None` for every name.
    pub task_names: Option<Vec<String>>,
    /// Its --heartbeat-interval: others judge its silence by it.
    pub heartbeat_interval_sec: f64,
}

/// Registers a worker as running. An id seen before (a restart with a fixed
/// `--worker-id`) starts afresh, without the stop request its predecessor
/// may have been sent.
pub async fn register(db: impl PgExecutor<'_>, info: &WorkerInfo) -> Result<()> {
    sqlx::query(
        "INSERT INTO absurd.worker_registry
                (worker_id, queue_name, hostname, pid, version, concurrency, task_names, status,
                 heartbeat_interval_sec)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8)
         ON CONFLICT (worker_id) DO UPDATE
            SET queue_name = EXCLUDED.queue_name, hostname = EXCLUDED.hostname,
                pid = EXCLUDED.pid, version = EXCLUDED.version,
                concurrency = EXCLUDED.concurrency, task_names = EXCLUDED.task_names,
                heartbeat_interval_sec = EXCLUDED.heartbeat_interval_sec,
                status = 'running', started_at = now(), last_seen_at = now(), stopped_at = NULL,
                stop_requested_at = NULL, stop_requested_by = NULL, stop_now = false",
    )
    .bind(&info.worker_id)
    .bind(&info.queue_name)
    .bind(&info.hostname)
    .bind(info.pid)
    .bind(&info.version)
    .bind(info.concurrency)
    .bind(info.task_names.as_deref())
    .bind(info.heartbeat_interval_sec)
    .execute(db)
    .await?;
    Ok(())
}

/// Whether the registry row was refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touched {
    Yes,
    /// Another session holds the row locked: not waited for.
    Busy,
    /// The row is gone (someone cleaned the registry): register again.
    Missing,
}

/// An operator's request that a worker stop (`absurdctl workers stop`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopRequest {
    /// Who asked (`os_user@host`).
    pub requested_by: Option<String>,
    /// Stop the handlers at once and give their tasks back, instead of
    /// draining.
    pub now: bool,
}

/// What a worker learns when it refreshes its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touch {
    pub touched: Touched,
    /// A stop request waiting for it (read also when the row was busy).
    pub stop: Option<StopRequest>,
}

#[derive(sqlx::FromRow)]
struct StopRow {
    stop_requested: bool,
    stop_requested_by: Option<String>,
    stop_now: bool,
}

impl StopRow {
    fn request(self) -> Option<StopRequest> {
        self.stop_requested.then_some(StopRequest {
            requested_by: self.stop_requested_by,
            now: self.stop_now,
        })
    }
}

/// Records that the worker is alive, in `status` (running or draining),
/// without waiting for a lock another session holds on its row, and reads
/// the stop request addressed to it, if any.
pub async fn touch(
    db: &mut sqlx::PgConnection,
    worker_id: &str,
    status: WorkerStatus,
) -> Result<Touch> {
    let done: Option<StopRow> = sqlx::query_as(
        "UPDATE absurd.worker_registry SET last_seen_at = now(), status = $2
          WHERE worker_id = (SELECT worker_id FROM absurd.worker_registry
                              WHERE worker_id = $1 FOR UPDATE SKIP LOCKED)
         RETURNING stop_requested_at IS NOT NULL AS stop_requested, stop_requested_by, stop_now",
    )
    .bind(worker_id)
    .bind(status.as_str())
    .fetch_optional(&mut *db)
    .await?;
    if let Some(row) = done {
        return Ok(Touch {
            touched: Touched::Yes,
            stop: row.request(),
        });
    }
    let present: Option<StopRow> = sqlx::query_as(
        "SELECT stop_requested_at IS NOT NULL AS stop_requested, stop_requested_by, stop_now
           FROM absurd.worker_registry WHERE worker_id = $1",
    )
    .bind(worker_id)
    .fetch_optional(db)
    .await?;
    Ok(match present {
        Some(row) => Touch {
            touched: Touched::Busy,
            stop: row.request(),
        },
        None => Touch {
            touched: Touched::Missing,
            stop: None,
        },
    })
}

/// Marks the worker stopped (on a clean exit).
pub async fn mark_stopped(db: impl PgExecutor<'_>, worker_id: &str) -> Result<()> {
    sqlx::query!(
        r#"UPDATE absurd.worker_registry
            SET status = $2, stopped_at = now(), last_seen_at = now()
          WHERE worker_id = $1"#,
        worker_id,
        WorkerStatus::Stopped.as_str()
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A connection listening for new tasks. It reconnects on its own when the
/// connection is lost (`try_recv` then returns `Ok(None)`: anything sent
/// meanwhile was missed).
pub async fn listen_for_tasks(pool: &sqlx::PgPool) -> Result<sqlx::postgres::PgListener> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(super::TASK_READY_CHANNEL).await?;
    Ok(listener)
}

/// Takes the worker id for this session; false when another session holds
/// it. The advisory lock (key `hashtextextended('absurdctl worker id ' || id, 0)`,
/// also in `worker_id_holder`) is held by a session of the worker for as long
/// as it runs, and released by PostgreSQL when that session ends (the worker
/// exits or dies).
pub async fn hold_worker_id(db: &mut sqlx::PgConnection, worker: &str) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"SELECT pg_try_advisory_lock(hashtextextended('absurdctl worker id ' || $1, 0)) AS "held!""#,
        worker
    )
    .fetch_one(db)
    .await?)
}

/// Who holds a worker id, as far as the registry and pg_stat_activity say
/// (fields a role may not see are None).
#[derive(Debug, Default)]
pub struct IdHolder {
    pub hostname: Option<String>,
    pub pid: Option<i32>,
    pub queue_name: Option<String>,
    pub last_seen_secs: Option<f64>,
    pub client_addr: Option<String>,
}

/// Who holds `worker`'s id lock (for the refusal of a second worker).
pub async fn worker_id_holder(db: impl PgExecutor<'_>, worker: &str) -> Result<IdHolder> {
    Ok(sqlx::query_as!(
        IdHolder,
        r#"SELECT r.hostname AS "hostname?", r.pid AS "pid?", r.queue_name AS "queue_name?",
                extract(epoch FROM now() - r.last_seen_at)::float8 AS last_seen_secs,
                a.client_addr::text AS client_addr
           FROM (SELECT 1) one
           LEFT JOIN absurd.worker_registry r ON r.worker_id = $1
           LEFT JOIN pg_locks l
             ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
            AND ((l.classid::bigint << 32) | l.objid::bigint)
                = hashtextextended('absurdctl worker id ' || $1, 0)
           LEFT JOIN pg_stat_activity a ON a.pid = l.pid
          LIMIT 1"#,
        worker
    )
    .fetch_one(db)
    .await?)
}
