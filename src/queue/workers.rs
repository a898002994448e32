//! The worker's side of the queue: the registry (absurd.worker_registry:
//! which `worker run` processes exist, what they serve, when each was last
//! seen), the lock that makes a worker id one process's, and the worker's
//! heartbeats, completions, failures and releases, which never wait for a
//! row another session holds locked.

use serde::Serialize;
use sqlx::PgExecutor;

use super::{Result, TaskId};

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

// Everything below is the worker's side of sharing rows with other
// sessions: no statement of `worker run` waits for a row lock another
// session holds (an operator's open transaction, a slow bulk update), since
// its loop serves every running task. Rows are locked with SKIP LOCKED
// first and the fenced functions are called on the rows got; a row found
// locked is "busy", which is neither "done" nor "no longer ours".

/// How a batch of heartbeats or completions went.
#[derive(Debug, Default)]
pub struct Round {
    /// Heartbeat recorded, or completion stored (now, or by an earlier try
    /// whose answer was lost with the connection).
    pub done: Vec<TaskId>,
    /// Still this worker's, but another session holds the row: try again.
    pub busy: Vec<TaskId>,
    /// No longer this worker's (cancelled, reaped, claimed again).
    pub gone: Vec<TaskId>,
}

/// Locks, in key order (so that two sessions cannot deadlock), the rows of
/// `ids` that `worker` holds claimed and that no other session has locked.
async fn lock_own(
    tx: &mut sqlx::PgConnection,
    ids: &[TaskId],
    worker: &str,
) -> Result<Vec<TaskId>> {
    Ok(sqlx::query_scalar!(
        r#"SELECT task_id AS "task_id: TaskId" FROM absurd.tasks
          WHERE task_id = ANY ($1) AND status = 'claimed' AND worker_id = $2
          ORDER BY task_id
            FOR UPDATE SKIP LOCKED"#,
        &uuids(ids),
        worker
    )
    .fetch_all(tx)
    .await?)
}

/// Of `ids` (not locked by us), those `worker` still holds claimed as far
/// as a plain read sees: their rows are locked by someone else. A plain
/// read never waits for a lock.
async fn still_claimed(
    db: &mut sqlx::PgConnection,
    ids: &[TaskId],
    worker: &str,
) -> Result<Vec<TaskId>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_scalar!(
        r#"SELECT task_id AS "task_id: TaskId" FROM absurd.tasks
          WHERE task_id = ANY ($1) AND status = 'claimed' AND worker_id = $2"#,
        &uuids(ids),
        worker
    )
    .fetch_all(db)
    .await?)
}

/// Heartbeats the tasks of `ids` that `worker` still holds, skipping rows
/// another session has locked (reported busy, not gone).
///
/// With them, the output and progress of `live` (those of the heartbeated
/// tasks) go into the task history; the second value is the history's
/// refusal, which changes nothing else.
pub async fn heartbeat_unlocked(
    db: &mut sqlx::PgConnection,
    ids: &[TaskId],
    worker: &str,
    hostname: &str,
    live: &[super::history::Live],
) -> Result<(Round, std::result::Result<(), String>)> {
    use sqlx::Connection;
    let mut tx = db.begin().await?;
    let locked = lock_own(&mut tx, ids, worker).await?;
    let mut history = Ok(());
    let done: Vec<TaskId> = if locked.is_empty() {
        Vec::new()
    } else {
        let done = sqlx::query_scalar!(
            r#"SELECT absurd.heartbeat_tasks($1, $2) AS "task_id!: TaskId""#,
            &uuids(&locked),
            worker
        )
        .fetch_all(&mut *tx)
        .await?;
        let ours: Vec<super::history::Live> = live
            .iter()
            .filter(|l| done.contains(&l.task_id))
            .cloned()
            .collect();
        history = super::history::store_live_or_skip(&mut tx, worker, hostname, &ours).await?;
        done
    };
    tx.commit().await?;
    let rest: Vec<TaskId> = ids.iter().copied().filter(|i| !done.contains(i)).collect();
    let busy = still_claimed(db, &rest, worker).await?;
    let gone = rest.into_iter().filter(|i| !busy.contains(i)).collect();
    Ok((Round { done, busy, gone }, history))
}

/// A result to store: the task, when this worker claimed it, and what to
/// store (`None`: no result).
pub struct Finished<'a> {
    pub task_id: TaskId,
    pub claimed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub result: Option<&'a serde_json::Value>,
    /// The handler's side of the attempt, added to its history.
    pub ended: Option<&'a super::history::Ended>,
}

/// Completes the tasks of `done` that `worker` still holds, skipping rows
/// another session has locked (busy). A task no longer claimed that is
/// completed under this worker's own claim counts as done: an earlier try
/// committed and its answer was lost with the connection.
pub async fn complete_unlocked(
    db: &mut sqlx::PgConnection,
    done: &[Finished<'_>],
    worker: &str,
) -> Result<Round> {
    use sqlx::Connection;
    let ids: Vec<TaskId> = done.iter().map(|f| f.task_id).collect();
    let mut tx = db.begin().await?;
    let locked = lock_own(&mut tx, &ids, worker).await?;
    let mut stored: Vec<TaskId> = if locked.is_empty() {
        Vec::new()
    } else {
        let batch: Vec<&Finished> = locked
            .iter()
            .filter_map(|id| done.iter().find(|f| f.task_id == *id))
            .collect();
        let results: Vec<Option<serde_json::Value>> =
            batch.iter().map(|f| f.result.cloned()).collect();
        let stored: Vec<TaskId> = sqlx::query_scalar!(
            r#"SELECT t AS "task_id!: TaskId" FROM absurd.complete_tasks($1, $2, $3) t"#,
            &batch.iter().map(|f| f.task_id.0).collect::<Vec<_>>(),
            &results as &[Option<serde_json::Value>],
            worker
        )
        .fetch_all(&mut *tx)
        .await?;
        let ended: Vec<_> = batch
            .iter()
            .filter(|f| stored.contains(&f.task_id))
            .filter_map(|f| f.ended.map(|e| (e, f.claimed_at)))
            .collect();
        super::history::store_ended_or_skip(&mut tx, worker, &ended).await?;
        stored
    };
    tx.commit().await?;
    let rest: Vec<&Finished> = done
        .iter()
        .filter(|f| !stored.contains(&f.task_id))
        .collect();
    let rest_ids: Vec<TaskId> = rest.iter().map(|f| f.task_id).collect();
    let busy = still_claimed(db, &rest_ids, worker).await?;
    let unsure: Vec<&&Finished> = rest.iter().filter(|f| !busy.contains(&f.task_id)).collect();
    if !unsure.is_empty() {
        let claimed: Vec<Option<chrono::DateTime<chrono::Utc>>> =
            unsure.iter().map(|f| f.claimed_at).collect();
        let confirmed: Vec<TaskId> = sqlx::query_scalar!(
            r#"SELECT t.task_id AS "task_id: TaskId" FROM absurd.tasks t
               JOIN unnest($1::uuid[], $2::timestamptz[]) AS u(task_id, claimed_at)
                 ON t.task_id = u.task_id
              WHERE t.status = 'completed' AND t.worker_id = $3
                AND t.claimed_at IS NOT DISTINCT FROM u.claimed_at"#,
            &unsure.iter().map(|f| f.task_id.0).collect::<Vec<_>>(),
            &claimed as &[Option<chrono::DateTime<chrono::Utc>>],
            worker
        )
        .fetch_all(&mut *db)
        .await?;
        stored.extend(confirmed);
    }
    let gone = rest_ids
        .into_iter()
        .filter(|i| !busy.contains(i) && !stored.contains(i))
        .collect();
    Ok(Round {
        done: stored,
        busy,
        gone,
    })
}

/// How storing one failure or release went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    Done,
    /// Another session holds the row: try again.
    Busy,
    /// No longer this worker's.
    Gone,
}

/// What to store for a task that did not complete.
pub enum Settlement<'a> {
    /// Fail it (it retries while attempts remain), with this error.
    Fail(&'a str),
    /// Give it back without charging the attempt.
    Release,
}

/// Fails or releases one task `worker` still holds, without waiting for a
/// row lock. A failure that an earlier try stored (its answer lost with the
/// connection) counts as done.
pub async fn settle_unlocked(
    db: &mut sqlx::PgConnection,
    id: TaskId,
    claimed_at: Option<chrono::DateTime<chrono::Utc>>,
    worker: &str,
    what: Settlement<'_>,
    ended: Option<&super::history::Ended>,
) -> Result<Settled> {
    use sqlx::Connection;
    let mut tx = db.begin().await?;
    let locked = lock_own(&mut tx, &[id], worker).await?;
    let done = if locked.is_empty() {
        false
    } else {
        match what {
            Settlement::Fail(error) => super::tasks::fail(&mut *tx, id, worker, error).await?,
            Settlement::Release => super::tasks::release(&mut *tx, id, worker).await?,
        }
    };
    if done {
        if let Some(e) = ended {
            super::history::store_ended_or_skip(&mut tx, worker, &[(e, claimed_at)]).await?;
        }
    }
    tx.commit().await?;
    if done {
        return Ok(Settled::Done);
    }
    if !still_claimed(db, &[id], worker).await?.is_empty() {
        return Ok(Settled::Busy);
    }
    if let Settlement::Fail(error) = what {
        // A failure keeps the worker, the claim time and the error it stored.
        let stored = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM absurd.tasks
                             WHERE task_id = $1 AND status <> 'claimed' AND worker_id = $2
                               AND claimed_at IS NOT DISTINCT FROM $3 AND error = $4) AS "stored!""#,
            id.0,
            worker,
            claimed_at,
            error
        )
        .fetch_one(&mut *db)
        .await?;
        if stored {
            return Ok(Settled::Done);
        }
    }
    Ok(Settled::Gone)
}

/// The tasks `worker` holds claimed, in any queue.
pub async fn held_by(db: impl PgExecutor<'_>, worker: &str) -> Result<Vec<TaskId>> {
    Ok(sqlx::query_scalar!(
        r#"SELECT task_id AS "task_id: TaskId" FROM absurd.tasks
          WHERE status = 'claimed' AND worker_id = $1"#,
        worker
    )
    .fetch_all(db)
    .await?)
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

/// Heartbeats one task, waiting for its row however long another session
/// holds it (up to the session's statement_timeout, not its lock_timeout):
/// queued behind the lock, it lands the moment the lock is released.
pub async fn heartbeat_when_free(
    db: &mut sqlx::PgConnection,
    id: TaskId,
    worker: &str,
) -> Result<bool> {
    use sqlx::Connection;
    let mut tx = db.begin().await?;
    sqlx::query("SELECT set_config('lock_timeout', '0', true)")
        .execute(&mut *tx)
        .await?;
    let alive = super::tasks::heartbeat(&mut *tx, id, worker).await?;
    tx.commit().await?;
    Ok(alive)
}

fn uuids(ids: &[TaskId]) -> Vec<uuid::Uuid> {
    ids.iter().map(|i| i.0).collect()
}
