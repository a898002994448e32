//! Retention: which finished tasks are old enough to delete, and deleting
//! them in batches small enough that the workers never notice.
//!
//! A task goes when it is finished (completed, failed or cancelled) longer
//! ago than its status's cutoff and no unfinished task depends on it (the
//! claim treats a missing dependency as met, so deleting it would release a
//! task whose dependency failed). Pending, retrying and claimed tasks never
//! go, whatever their age.

use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::stream::{Stream, StreamExt};
use serde::Serialize;
use sqlx::{Connection, PgConnection, PgExecutor};

use super::{Result, TaskId, TaskStatus};

/// Cutoffs of one run, fixed once from the server's clock so that the
/// preview and every batch agree on what is past retention.
#[derive(Debug, Clone, Serialize)]
pub struct Retention {
    pub queue: String,
    /// Completed tasks finished before this go.
    pub completed_before: DateTime<Utc>,
    /// Cancelled tasks finished before this go.
    pub cancelled_before: DateTime<Utc>,
    /// Failed tasks (the dead letters) finished before this go.
    pub failed_before: DateTime<Utc>,
    /// ... and only those claimed at least this many times (the runbooks'
    /// "retry_count >= 5"; 0: any).
    pub failed_attempts_at_least: i32,
}

impl Retention {
    /// The same cutoffs for another queue.
    pub fn for_queue(&self, queue: &str) -> Retention {
        Retention {
            queue: queue.to_string(),
            ..self.clone()
        }
    }
}

/// Rows of one status and the space they take (`pg_column_size` of the row,
/// TOASTed values included as stored).
#[derive(Debug, Clone, Serialize)]
pub struct StatusVolume {
    pub status: TaskStatus,
    pub rows: i64,
    pub bytes: i64,
}

impl StatusVolume {
    /// Nothing yet, for each finished status, in report order.
    pub fn none() -> Vec<StatusVolume> {
        [
            TaskStatus::Completed,
            TaskStatus::Failed,
            TaskStatus::Cancelled,
        ]
        .into_iter()
        .map(|status| StatusVolume {
            status,
            rows: 0,
            bytes: 0,
        })
        .collect()
    }
}

/// What a run would delete.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// Past retention and deletable, per finished status.
    pub by_status: Vec<StatusVolume>,
    /// Past retention but kept: an unfinished task depends on them.
    pub kept_depended_on: i64,
}

impl Preview {
    /// Nothing to delete.
    pub fn none() -> Preview {
        Preview {
            by_status: StatusVolume::none(),
            kept_depended_on: 0,
        }
    }

    /// Adds the preview of another queue.
    pub fn add(&mut self, other: Preview) {
        for o in other.by_status {
            if let Some(v) = self.by_status.iter_mut().find(|v| v.status == o.status) {
                v.rows += o.rows;
                v.bytes += o.bytes;
            }
        }
        self.kept_depended_on += other.kept_depended_on;
    }

    pub fn rows(&self) -> i64 {
        self.by_status.iter().map(|s| s.rows).sum()
    }

    pub fn bytes(&self) -> i64 {
        self.by_status.iter().map(|s| s.bytes).sum()
    }
}

/// Where the previous batch stopped, in (completed_at, task_id) order.
#[derive(Debug, Clone, Copy)]
pub struct Cursor {
    completed_at: DateTime<Utc>,
    task_id: TaskId,
}

/// A deleted task: its status, size, and when asked for, the whole row as
/// JSON text (every column of the table, whatever this absurdctl knows of,
/// for the archive).
#[derive(Debug, Clone)]
pub struct DeletedRow {
    pub status: TaskStatus,
    pub bytes: i64,
    pub json: Option<String>,
}

/// One row of a batch's answer: how far the scan got, and a deleted task
/// (none when the batch deleted nothing of what it scanned).
#[derive(Debug, Clone)]
pub struct BatchRow {
    /// Rows past retention the batch looked at (deleted, or kept because an
    /// unfinished task depends on them).
    pub scanned: i64,
    /// Where the next batch starts.
    pub next: Cursor,
    pub deleted: Option<DeletedRow>,
}

/// True for the row `t` when an unfinished task depends on it: one probe of
/// the partial index tasks_unfinished_depends_on_idx (migration 0800), whose
/// predicate these conditions repeat.
const DEPENDED_ON: &str = "EXISTS (
    SELECT 1 FROM absurd.tasks u
     WHERE u.depends_on @> ARRAY[t.task_id]
       AND u.status IN ('pending', 'retrying', 'claimed')
       AND cardinality(u.depends_on) > 0)";

/// Past retention, for the row `t`, with the cutoffs in $2, $3, $4 (completed,
/// cancelled, failed) and the least attempts of a failed task in $5. The
/// range on completed_at walks tasks_finished_covering_idx.
const PAST_RETENTION: &str = "t.queue_name = $1
       AND t.status IN ('completed', 'failed', 'cancelled')
       AND t.completed_at < greatest($2, $3, $4)
       AND CASE t.status WHEN 'completed' THEN t.completed_at < $2
                         WHEN 'cancelled' THEN t.completed_at < $3
                         ELSE t.completed_at < $4 AND t.attempt >= $5 END";

/// The cutoffs for tasks finished longer ago than these durations.
pub async fn cutoffs(
    db: impl PgExecutor<'_>,
    queue: &str,
    completed: Duration,
    cancelled: Duration,
    failed: Duration,
    failed_attempts_at_least: i32,
) -> Result<Retention> {
    let (completed_before, cancelled_before, failed_before) = sqlx::query_as(
        "SELECT now() - make_interval(secs => $1),
                now() - make_interval(secs => $2),
                now() - make_interval(secs => $3)",
    )
    .bind(completed.as_secs_f64())
    .bind(cancelled.as_secs_f64())
    .bind(failed.as_secs_f64())
    .fetch_one(db)
    .await?;
    Ok(Retention {
        queue: queue.to_string(),
        completed_before,
        cancelled_before,
        failed_before,
        failed_attempts_at_least,
    })
}

/// How many rows per status are past retention and the space they hold,
/// and how many of those stay because unfinished tasks depend on them.
///
/// It reads every row past retention: without parallel workers, so that it
/// takes one core from the workers, not all of them.
pub async fn preview(conn: &mut PgConnection, r: &Retention) -> Result<Preview> {
    let mut tx = conn.begin().await?;
    sqlx::query("SET LOCAL max_parallel_workers_per_gather = 0")
        .execute(&mut *tx)
        .await?;
    // The ids unfinished tasks wait for, from the whole small partial index,
    // then one hash join (a probe per row would cost a second per million).
    let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(&format!(
        "WITH depended_on AS (
           SELECT DISTINCT d.id
             FROM absurd.tasks u CROSS JOIN LATERAL unnest(u.depends_on) AS d(id)
            WHERE u.status IN ('pending', 'retrying', 'claimed') AND cardinality(u.depends_on) > 0
         )
         SELECT t.status,
                count(*) FILTER (WHERE p.id IS NULL),
                coalesce(sum(pg_column_size(t.*)) FILTER (WHERE p.id IS NULL), 0)::bigint,
                count(p.id)
           FROM absurd.tasks t
           LEFT JOIN depended_on p ON p.id = t.task_id
          WHERE {PAST_RETENTION}
          GROUP BY t.status"
    ))
    .bind(&r.queue)
    .bind(r.completed_before)
    .bind(r.cancelled_before)
    .bind(r.failed_before)
    .bind(r.failed_attempts_at_least)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut by_status = StatusVolume::none();
    let mut kept_depended_on = 0;
    for (status, count, bytes, kept) in rows {
        let status = TaskStatus::try_from(status).map_err(super::QueueError::Invalid)?;
        if let Some(v) = by_status.iter_mut().find(|v| v.status == status) {
            v.rows = count;
            v.bytes = bytes;
        }
        kept_depended_on += kept;
    }
    Ok(Preview {
        by_status,
        kept_depended_on,
    })
}

/// The statement of [`delete_batch`], built once.
/// A deleted row `d` as its archive line: the row as row_to_json writes
/// it, with its history (absurd.task_attempts, absurd.task_events, which
/// the delete takes with it) as `attempts` and `events` when it has any.
const ARCHIVED_ROW: &str = "CASE WHEN h.attempts IS NULL AND h.events IS NULL
       THEN row_to_json(d.*)::text
       ELSE left(row_to_json(d.*)::text, -1)
            || ',\"attempts\":' || coalesce(h.attempts, '[]')
            || ',\"events\":' || coalesce(h.events, '[]') || '}' END";

static DELETE_BATCH: LazyLock<String> = LazyLock::new(|| {
    // The cursor is (completed_at, task_id), not completed_at alone: a bulk
    // cancel gives thousands of rows one timestamp, and rows that stay
    // (depended on, or locked) must not be scanned again forever.
    format!(
        "WITH candidates AS (
           SELECT t.task_id, t.completed_at
             FROM absurd.tasks t
            WHERE {PAST_RETENTION}
              AND t.completed_at >= coalesce($6, '-infinity')
              AND ($6 IS NULL OR (t.completed_at, t.task_id) > ($6, $7))
            ORDER BY t.completed_at, t.task_id
            LIMIT $8
              FOR UPDATE OF t SKIP LOCKED
         ), deleted AS (
           DELETE FROM absurd.tasks t USING candidates c
            WHERE t.task_id = c.task_id AND NOT {DEPENDED_ON}
           RETURNING t.*
         ), scan AS (
           SELECT completed_at AS last_at, task_id AS last_id, count(*) OVER () AS scanned
             FROM candidates ORDER BY completed_at DESC, task_id DESC LIMIT 1
         )
         SELECT s.scanned, s.last_at, s.last_id, d.status,
                pg_column_size(d.*)::bigint AS bytes,
                CASE WHEN $9 THEN {ARCHIVED_ROW} END AS json
           FROM scan s LEFT JOIN deleted d ON true
           LEFT JOIN LATERAL (
             SELECT CASE WHEN $9 THEN
                      (SELECT json_agg(a ORDER BY a.claimed_at)::text
                         FROM absurd.task_attempts a WHERE a.task_id = d.task_id) END AS attempts,
                    CASE WHEN $9 THEN
                      (SELECT json_agg(e ORDER BY e.event_id)::text
                         FROM absurd.task_events e WHERE e.task_id = d.task_id) END AS events
           ) h ON true"
    )
});

/// Deletes the next batch of at most `limit` tasks past retention, oldest
/// first, after `after`, and streams them: one row at a time comes from the
/// server, whatever the batch size and the rows' size. No row at all: there
/// is nothing past retention left. Rows another transaction holds are
/// skipped, never waited for; rows an unfinished task depends on stay.
///
/// Run it in a transaction of its own: the rows are gone only when the
/// caller commits, which it does after archiving them. `with_json` returns
/// each row as JSON for that (it costs the server and the client CPU).
pub fn delete_batch<'c>(
    tx: &'c mut PgConnection,
    r: &Retention,
    after: Option<Cursor>,
    limit: i64,
    with_json: bool,
) -> impl Stream<Item = Result<BatchRow>> + Send + 'c {
    #[derive(sqlx::FromRow)]
    struct Row {
        scanned: i64,
        last_at: DateTime<Utc>,
        last_id: TaskId,
        status: Option<String>,
        bytes: Option<i64>,
        json: Option<String>,
    }
    sqlx::query_as::<_, Row>(DELETE_BATCH.as_str())
        .bind(r.queue.clone())
        .bind(r.completed_before)
        .bind(r.cancelled_before)
        .bind(r.failed_before)
        .bind(r.failed_attempts_at_least)
        .bind(after.map(|c| c.completed_at))
        .bind(after.map(|c| c.task_id))
        .bind(limit)
        .bind(with_json)
        .fetch(tx)
        .map(|row| {
            let row = row?;
            let deleted = match (row.status, row.bytes) {
                (Some(status), Some(bytes)) => Some(DeletedRow {
                    status: TaskStatus::try_from(status).map_err(super::QueueError::Invalid)?,
                    bytes,
                    json: row.json,
                }),
                _ => None,
            };
            Ok(BatchRow {
                scanned: row.scanned,
                next: Cursor {
                    completed_at: row.last_at,
                    task_id: row.last_id,
                },
                deleted,
            })
        })
}
