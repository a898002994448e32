//! Bulk changes (retry-failed, cancel, fail, prioritize) that are safe on a live
//! queue: the tasks to change are selected once, from one snapshot, and then
//! changed in short batches, each of which takes only the rows no worker
//! holds locked and re-checks the filter on the row as it is now. Each
//! batch writes its audit record in its own transaction.

use serde::Serialize;
use serde_json::json;
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::audit::Run;
use super::types::{shown_status, TASK_COLUMNS};
use super::{QueueError, Result, Task, TaskFilter, TaskId, TaskStatus};

/// What a bulk command does to each task it selects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum BulkAction {
    /// Failed (and optionally cancelled) tasks back to pending, available now.
    RetryFailed {
        include_cancelled: bool,
        reset_attempts: bool,
    },
    /// Pending and retrying (and optionally claimed) tasks to cancelled,
    /// the operator's reason (if any) in their error.
    Cancel {
        include_claimed: bool,
        reason: Option<String>,
    },
    /// Pending, retrying and claimed tasks to failed (the dead letters) at
    /// once, whatever attempts they have left: the reason is their error.
    Fail { reason: String },
    /// Pending and retrying tasks get this priority.
    Prioritize { priority: i32 },
}

/// The error a task cancelled by absurdctl carries (followed by
/// `: <reason>` when the operator gave one).
pub const CANCELLED_ERROR: &str = "Cancelled by absurdctl";

/// The error of a task cancelled with `reason`.
pub fn cancelled_error(reason: Option<&str>) -> String {
    match reason {
        Some(r) => format!("{CANCELLED_ERROR}: {r}"),
        None => CANCELLED_ERROR.to_string(),
    }
}

impl BulkAction {
    /// The statuses this action may change; nothing else is ever touched.
    pub fn statuses(&self) -> Vec<TaskStatus> {
        match *self {
            BulkAction::RetryFailed {
                include_cancelled, ..
            } => {
                let mut s = vec![TaskStatus::Failed];
                if include_cancelled {
                    s.push(TaskStatus::Cancelled);
                }
                s
            }
            BulkAction::Cancel {
                include_claimed, ..
            } => {
                let mut s = vec![TaskStatus::Pending, TaskStatus::Retrying];
                if include_claimed {
                    s.push(TaskStatus::Claimed);
                }
                s
            }
            BulkAction::Fail { .. } => vec![
                TaskStatus::Pending,
                TaskStatus::Retrying,
                TaskStatus::Claimed,
            ],
            BulkAction::Prioritize { .. } => vec![TaskStatus::Pending, TaskStatus::Retrying],
        }
    }

    /// `filter` narrowed to the statuses this action changes. Statuses the
    /// filter names must be among them: asking to cancel completed tasks is
    /// a mistake to report, not a silent no-op.
    pub fn narrow(&self, filter: &TaskFilter) -> Result<TaskFilter> {
        let allowed = self.statuses();
        if let Some(bad) = filter.statuses.iter().find(|s| !allowed.contains(s)) {
            let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            return Err(QueueError::Invalid(format!(
                "--status {bad}: this command changes only {} tasks{}",
                names.join(", "),
                match self {
                    BulkAction::RetryFailed {
                        include_cancelled: false,
                        ..
                    } => " (cancelled ones too with --include-cancelled)",
                    BulkAction::Cancel {
                        include_claimed: false,
                        ..
                    } => " (claimed ones too with --include-claimed)",
                    _ => "",
                }
            )));
        }
        let mut narrowed = filter.clone();
        if narrowed.statuses.is_empty() {
            narrowed.statuses = allowed;
        }
        Ok(narrowed)
    }

    /// Conditions besides the filter: a task already at the target priority
    /// is not a task to change.
    fn push_extra_where(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        if let BulkAction::Prioritize { priority } = *self {
            qb.push(" AND priority <> ").push_bind(priority);
        }
    }

    fn push_set(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        match self {
            // `attempt` counts claims and a task may be claimed max_retries
            // times: one that used them all gets exactly one more, unless
            // the count starts again. SET reads the row's old values.
            BulkAction::RetryFailed { reset_attempts, .. } => {
                let reset_attempts = *reset_attempts;
                qb.push(
                    "status = 'pending', available_at = now(), worker_id = NULL, \
                     claimed_at = NULL, heartbeat_at = NULL, completed_at = NULL, ",
                );
                if reset_attempts {
                    qb.push("attempt = 0");
                } else {
                    qb.push(
                        "max_retries = CASE WHEN t.attempt >= t.max_retries \
                         THEN t.attempt + 1 ELSE t.max_retries END",
                    );
                }
            }
            // worker_id and claimed_at stay: they say who was running it.
            // The fenced heartbeat, complete and fail all require `claimed`.
            BulkAction::Cancel { reason, .. } => {
                qb.push("status = 'cancelled', completed_at = now(), error = ")
                    .push_bind(cancelled_error(reason.as_deref()));
            }
            // Straight to the dead letters, as the legacy fail_task did: no
            // retry, no backoff. The timings are those of the attempt it
            // ends (none for a task that was not running); the history
            // trigger closes that attempt, outcome failed, with the reason.
            BulkAction::Fail { reason } => {
                qb.push(
                    "status = 'failed', awaiting_retry = false, completed_at = now(), \
                     wait_time_sec = CASE WHEN t.status = 'claimed' \
                       THEN extract(epoch FROM t.claimed_at - t.created_at) ELSE t.wait_time_sec END, \
                     execution_time_sec = CASE WHEN t.status = 'claimed' \
                       THEN extract(epoch FROM now() - t.claimed_at) ELSE t.execution_time_sec END, \
                     error = ",
                )
                .push_bind(reason.clone());
            }
            BulkAction::Prioritize { priority } => {
                qb.push("priority = ").push_bind(*priority);
            }
        }
    }
}

/// Tasks of one queue, name and status within a selection.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SelectionGroup {
    pub queue_name: String,
    pub task_name: String,
    #[sqlx(try_from = "String")]
    pub status: TaskStatus,
    pub count: i64,
}

/// The tasks a bulk command is about to change, oldest first.
#[derive(Debug, Clone)]
pub struct Selection {
    pub ids: Vec<TaskId>,
    pub groups: Vec<SelectionGroup>,
    /// The first tasks of `ids`, in full.
    pub sample: Vec<Task>,
}

/// Selects the tasks `action` would change (at most `filter.limit`, oldest
/// first), their breakdown and the first `sample` of them, all from one
/// snapshot. Reads only: no row is locked.
pub async fn select(
    conn: &mut PgConnection,
    action: &BulkAction,
    filter: &TaskFilter,
    sample: i64,
) -> Result<Selection> {
    let filter = action.narrow(filter)?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;

    let selected = |qb: &mut QueryBuilder<'_, Postgres>| {
        filter.push_where(qb);
        action.push_extra_where(qb);
        qb.push(" ORDER BY created_at, task_id");
        if let Some(limit) = filter.limit {
            qb.push(" LIMIT ").push_bind(limit);
        }
    };

    let mut qb = QueryBuilder::new("SELECT task_id FROM absurd.tasks");
    selected(&mut qb);
    let ids: Vec<TaskId> = qb.build_query_scalar().fetch_all(&mut *tx).await?;

    let mut qb = QueryBuilder::new(concat!(
        "SELECT queue_name, task_name, status, count(*) AS count FROM \
         (SELECT queue_name, task_name, ",
        shown_status!(),
        " AS status FROM absurd.tasks"
    ));
    selected(&mut qb);
    qb.push(") s GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2, 3");
    let groups: Vec<SelectionGroup> = qb.build_query_as().fetch_all(&mut *tx).await?;

    let mut qb = QueryBuilder::new(format!(
        "SELECT {TASK_COLUMNS} FROM (SELECT * FROM absurd.tasks"
    ));
    selected(&mut qb);
    qb.push(") s ORDER BY created_at, task_id LIMIT ")
        .push_bind(sample);
    let sample: Vec<Task> = qb.build_query_as().fetch_all(&mut *tx).await?;

    tx.commit().await?;
    Ok(Selection {
        ids,
        groups,
        sample,
    })
}

/// Of `ids`, the claimed tasks held by a worker absent from the registry:
/// a legacy Python worker, which ignores its heartbeat's answer, so that
/// failing or cancelling its task does not stop its handler.
pub async fn held_by_legacy_workers(conn: &mut PgConnection, ids: &[TaskId]) -> Result<i64> {
    let ids: Vec<uuid::Uuid> = ids.iter().map(|i| i.0).collect();
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM absurd.tasks t
          WHERE t.task_id = ANY($1) AND t.status = 'claimed'
            AND NOT EXISTS (SELECT 1 FROM absurd.worker_registry r WHERE r.worker_id = t.worker_id)",
    )
    .bind(ids)
    .fetch_one(conn)
    .await?)
}

/// What one batch did to its tasks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BatchOutcome {
    pub changed: i64,
    /// Still matching, but locked by a worker at that moment: left alone.
    pub skipped_locked: i64,
    /// No longer matching the filter (claimed, finished, changed by someone
    /// else since the selection): left alone.
    pub skipped_changed: i64,
}

/// Applies `action` to those of `ids` that still match the filter and that
/// no other transaction holds locked, in one statement, and records it as
/// batch `batch` of `run`, in one short transaction: if the record cannot
/// be written, nothing changes. It never waits for a row lock.
pub async fn apply_batch(
    conn: &mut PgConnection,
    run: &Run,
    batch: u64,
    action: &BulkAction,
    filter: &TaskFilter,
    ids: &[TaskId],
) -> Result<BatchOutcome> {
    let filter = TaskFilter {
        limit: None,
        ..action.narrow(filter)?
    };
    let ids: Vec<uuid::Uuid> = ids.iter().map(|i| i.0).collect();
    let still = |qb: &mut QueryBuilder<'_, Postgres>| {
        filter.push_where(qb);
        action.push_extra_where(qb);
        qb.push(" AND task_id = ANY(")
            .push_bind(ids.clone())
            .push(")");
    };

    let mut qb = QueryBuilder::new("WITH matching AS (SELECT count(*) AS n FROM absurd.tasks");
    still(&mut qb);
    qb.push("), picked AS (SELECT task_id FROM absurd.tasks");
    still(&mut qb);
    qb.push(" FOR UPDATE SKIP LOCKED), changed AS (UPDATE absurd.tasks t SET ");
    action.push_set(&mut qb);
    let statuses: Vec<&str> = action.statuses().iter().map(|s| s.as_str()).collect();
    qb.push(" FROM picked p WHERE t.task_id = p.task_id AND t.status = ANY(")
        .push_bind(statuses)
        .push(
            ") RETURNING 1) \
             SELECT (SELECT n FROM matching), (SELECT count(*) FROM changed)",
        );
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    super::history::name_action(&mut *tx, run.command(), run.run_id).await?;
    let (matching, changed): (i64, i64) = qb.build_query_as().fetch_one(&mut *tx).await?;
    let outcome = BatchOutcome {
        changed,
        skipped_locked: (matching - changed).max(0),
        skipped_changed: ids.len() as i64 - matching.max(changed),
    };
    run.batch(
        &mut *tx,
        changed,
        &json!({
            "batch": batch,
            "tasks": ids.len(),
            "skipped_locked": outcome.skipped_locked,
            "skipped_changed": outcome.skipped_changed,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_the_action_does_not_change_is_refused() {
        let cancel = BulkAction::Cancel {
            include_claimed: false,
            reason: None,
        };
        let f = TaskFilter {
            statuses: vec![TaskStatus::Claimed],
            ..TaskFilter::default()
        };
        let err = cancel.narrow(&f).unwrap_err().to_string();
        assert!(err.contains("--include-claimed"), "{err}");
        let narrowed = cancel.narrow(&TaskFilter::default()).unwrap();
        assert_eq!(
            narrowed.statuses,
            vec![TaskStatus::Pending, TaskStatus::Retrying]
        );
    }
}
