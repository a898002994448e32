//! The worker registry (absurd.worker_registry): which `worker run`
//! processes exist, what they serve, and when each was last seen.

use serde::Serialize;
use sqlx::PgExecutor;

use super::Result;

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
}

/// Registers a worker as running. An id seen before (a restart with a fixed
/// `--worker-id`) starts afresh.
pub async fn register(db: impl PgExecutor<'_>, info: &WorkerInfo) -> Result<()> {
    sqlx::query(
        "INSERT INTO absurd.worker_registry
                (worker_id, queue_name, hostname, pid, version, concurrency, task_names, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'running')
         ON CONFLICT (worker_id) DO UPDATE
            SET queue_name = EXCLUDED.queue_name, hostname = EXCLUDED.hostname,
                pid = EXCLUDED.pid, version = EXCLUDED.version,
                concurrency = EXCLUDED.concurrency, task_names = EXCLUDED.task_names,
                status = 'running', started_at = now(), last_seen_at = now(), stopped_at = NULL",
    )
    .bind(&info.worker_id)
    .bind(&info.queue_name)
    .bind(&info.hostname)
    .bind(info.pid)
    .bind(&info.version)
    .bind(info.concurrency)
    .bind(&info.task_names)
    .execute(db)
    .await?;
    Ok(())
}

/// Records that the worker is alive, in `status` (running or draining);
/// false when its row is gone (someone cleaned the registry), so that it
/// registers again.
pub async fn touch(db: impl PgExecutor<'_>, worker_id: &str, status: WorkerStatus) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE absurd.worker_registry SET last_seen_at = now(), status = $2
          WHERE worker_id = $1",
    )
    .bind(worker_id)
    .bind(status.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Marks the worker stopped (on a clean exit).
pub async fn mark_stopped(db: impl PgExecutor<'_>, worker_id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE absurd.worker_registry
            SET status = $2, stopped_at = now(), last_seen_at = now()
          WHERE worker_id = $1",
    )
    .bind(worker_id)
    .bind(WorkerStatus::Stopped.as_str())
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
