//! The worker's side of sharing rows with other sessions: no statement of
//! `worker run` waits for a row lock another session holds (an operator's open transaction, a slow bulk update), since
//! its loop serves every running task. Rows are locked with SKIP LOCKED
//! first and the fenced functions are called on the rows got; a row found
//! locked is "busy", which is neither "done" nor "no longer ours".

use sqlx::PgExecutor;

use crate::queue::{Result, TaskId};

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
    live: &[crate::queue::history::Live],
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
        let ours: Vec<crate::queue::history::Live> = live
            .iter()
            .filter(|l| done.contains(&l.task_id))
            .cloned()
            .collect();
        history =
            crate::queue::history::store_live_or_skip(&mut tx, worker, hostname, &ours).await?;
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
    pub ended: Option<&'a crate::queue::history::Ended>,
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
        crate::queue::history::store_ended_or_skip(&mut tx, worker, &ended).await?;
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
    ended: Option<&crate::queue::history::Ended>,
) -> Result<Settled> {
    use sqlx::Connection;
    let mut tx = db.begin().await?;
    let locked = lock_own(&mut tx, &[id], worker).await?;
    let done = if locked.is_empty() {
        false
    } else {
        match what {
            Settlement::Fail(error) => {
                crate::queue::tasks::fail(&mut *tx, id, worker, error).await?
            }
            Settlement::Release => crate::queue::tasks::release(&mut *tx, id, worker).await?,
        }
    };
    if done {
        if let Some(e) = ended {
            crate::queue::history::store_ended_or_skip(&mut tx, worker, &[(e, claimed_at)]).await?;
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
    let alive = crate::queue::tasks::heartbeat(&mut *tx, id, worker).await?;
    tx.commit().await?;
    Ok(alive)
}

fn uuids(ids: &[TaskId]) -> Vec<uuid::Uuid> {
    ids.iter().map(|i| i.0).collect()
}
