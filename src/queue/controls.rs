//! Pausing and resuming claims on a queue (`absurd.queue_controls`), and
//! the running tasks a drain waits for.
//!
//! A paused queue hands out nothing: `absurd.claim_tasks`, and through it
//! the legacy `claim_task`, check the pause first. Spawning still works.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Connection, PgConnection, PgExecutor};

use super::{Result, TaskId};

/// One row of absurd.queue_controls.
#[derive(Debug, Clone, Serialize)]
pub struct QueueControl {
    pub queue_name: String,
    pub paused: bool,
    pub paused_at: Option<DateTime<Utc>>,
    /// Database user, then OS user@host, e.g. `pipeline (alice@dsa-storage)`.
    pub paused_by: Option<String>,
    pub pause_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// `query_as!` of [`QueueControl`] rows: `$with` (a WITH clause, for the
/// rows a change returns), its columns, typed for the macro (`!` not null,
/// `?` nullable, also where they come from a RETURNING), then `$rest`
/// (`"FROM ..."`), then the arguments.
macro_rules! query_controls {
    (with $with:tt, $rest:tt $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            QueueControl,
            $with + r#"SELECT queue_name AS "queue_name!", paused AS "paused!", paused_at AS "paused_at?",
       paused_by AS "paused_by?", pause_reason AS "pause_reason?", updated_at AS "updated_at!"
  "# + $rest
            $(, $arg)*
        )
    };
    ($rest:tt $(, $arg:expr)* $(,)?) => {
        query_controls!(with r#""#, $rest $(, $arg)*)
    };
}

/// The pause state of `queue` (`None`: never paused, so not paused).
pub async fn get(db: impl PgExecutor<'_>, queue: &str) -> Result<Option<QueueControl>> {
    Ok(
        query_controls!(r#"FROM absurd.queue_controls WHERE queue_name = $1"#, queue)
            .fetch_optional(db)
            .await?,
    )
}

/// The pause records of these queues (queues never paused have none).
pub async fn of_queues(db: impl PgExecutor<'_>, queues: &[String]) -> Result<Vec<QueueControl>> {
    Ok(query_controls!(
        r#"FROM absurd.queue_controls WHERE queue_name = ANY ($1)"#,
        queues
    )
    .fetch_all(db)
    .await?)
}

/// Every paused queue.
pub async fn paused(db: impl PgExecutor<'_>) -> Result<Vec<QueueControl>> {
    Ok(
        query_controls!(r#"FROM absurd.queue_controls WHERE paused ORDER BY queue_name"#)
            .fetch_all(db)
            .await?,
    )
}

/// A pause and whether it was already in place (then it is left as it was:
/// who paused it, when and why stay the first pauser's).
#[derive(Debug, Clone, Serialize)]
pub struct Pause {
    #[serde(flatten)]
    pub control: QueueControl,
    pub already_paused: bool,
}

/// Pauses claims on `queue`, recording the database user with `who`
/// (OS user@host) and the reason.
pub async fn pause(
    conn: &mut PgConnection,
    queue: &str,
    who: &str,
    reason: Option<&str>,
) -> Result<Pause> {
    let mut tx = conn.begin().await?;
    // The INSERT's RETURNING is read through a CTE, so that its columns
    // are typed by the one `query_controls!`.
    let paused: Option<QueueControl> = query_controls!(
        with r#"WITH done AS (INSERT INTO absurd.queue_controls AS qc
                (queue_name, paused, paused_at, paused_by, pause_reason, updated_at)
         VALUES ($1, true, now(), current_user || ' (' || $2 || ')', $3, now())
         ON CONFLICT (queue_name) DO UPDATE
            SET paused = true, paused_at = now(), paused_by = EXCLUDED.paused_by,
                pause_reason = EXCLUDED.pause_reason, updated_at = now()
          WHERE NOT qc.paused
         RETURNING qc.*)
"#,
        r#"FROM done"#,
        queue,
        who,
        reason
    )
    .fetch_optional(&mut *tx)
    .await?;
    let pause = match paused {
        Some(control) => Pause {
            control,
            already_paused: false,
        },
        None => Pause {
            control: query_controls!(r#"FROM absurd.queue_controls WHERE queue_name = $1"#, queue)
                .fetch_one(&mut *tx)
                .await?,
            already_paused: true,
        },
    };
    tx.commit().await?;
    Ok(pause)
}

/// Lets workers claim from `queue` again and wakes the idle ones (NOTIFY
/// absurd_task_ready, payload the queue name). Returns the pause it ended,
/// or `None` when the queue was not paused (then nothing changes).
pub async fn resume(conn: &mut PgConnection, queue: &str) -> Result<Option<QueueControl>> {
    let mut tx = conn.begin().await?;
    // The pause as it was before the UPDATE: `old`, returned through `ended`.
    let ended: Option<QueueControl> = query_controls!(
        with r#"WITH old AS (SELECT * FROM absurd.queue_controls
                       WHERE queue_name = $1 AND paused FOR UPDATE),
     ended AS (UPDATE absurd.queue_controls qc
            SET paused = false, paused_at = NULL, paused_by = NULL, pause_reason = NULL,
                updated_at = now()
           FROM old WHERE qc.queue_name = old.queue_name
         RETURNING old.*)
"#,
        r#"FROM ended"#,
        queue
    )
    .fetch_optional(&mut *tx)
    .await?;
    if ended.is_some() {
        sqlx::query!(
            r#"SELECT pg_notify($1, $2)"#,
            super::TASK_READY_CHANNEL,
            queue
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(ended)
}

/// Queues in use: with pending, retrying or claimed tasks, or a pause record.
pub async fn active_queues(db: impl PgExecutor<'_>) -> Result<Vec<String>> {
    // One branch per partial index, so the cost follows the active rows.
    Ok(sqlx::query_scalar!(
        r#"SELECT queue_name AS "queue_name!" FROM absurd.tasks WHERE status IN ('pending', 'retrying')
          UNION
         SELECT queue_name FROM absurd.tasks WHERE status = 'claimed'
          UNION
         SELECT queue_name FROM absurd.queue_controls
          ORDER BY 1"#
    )
    .fetch_all(db)
    .await?)
}

/// A claimed task, as a drain shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RunningTask {
    pub task_id: TaskId,
    pub queue_name: String,
    pub task_name: String,
    pub worker_id: Option<String>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    /// Seconds since the claim.
    pub running_sec: f64,
}

/// The claimed tasks of `queues`, longest running first (reads the partial
/// index of claimed rows only).
pub async fn running(db: impl PgExecutor<'_>, queues: &[String]) -> Result<Vec<RunningTask>> {
    Ok(sqlx::query_as!(
        RunningTask,
        r#"SELECT task_id AS "task_id: TaskId", queue_name, task_name, worker_id AS "worker_id?",
                claimed_at AS "claimed_at?", heartbeat_at AS "heartbeat_at?",
                extract(epoch FROM now() - coalesce(claimed_at, created_at))::float8
                  AS "running_sec!"
           FROM absurd.tasks
          WHERE queue_name = ANY($1) AND status = 'claimed'
          ORDER BY claimed_at, task_id"#,
        queues
    )
    .fetch_all(db)
    .await?)
}
