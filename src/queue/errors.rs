//! Failures grouped by cause for `errors`: failed tasks, and the last error
//! of tasks now retrying, by their message with the parts that differ from
//! one occurrence to the next (ids, paths, numbers, timestamps) folded.
//!
//! PostgreSQL first groups the window's rows by exact message (read from
//! the finished and claimable indexes, within the window), so that only the
//! distinct messages travel; they are then folded and merged here.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use super::{Result, TaskId};

mod normalize;
pub use normalize::normalize;

/// Messages are compared on their first this many characters.
const MESSAGE_PREFIX: i32 = 4096;

/// The message of a failure that recorded none.
const NO_ERROR: &str = "(no error recorded)";

/// One cause of failure.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorGroup {
    /// The normalised message: `<uuid>`, `<ts>`, `<path>`, `<hex>`, `<n>`
    /// stand for what was folded.
    pub pattern: String,
    /// Tasks with this cause: failed + retrying.
    pub count: i64,
    pub failed: i64,
    /// Tasks retrying after a failure with this cause.
    pub retrying: i64,
    pub task_names: Vec<String>,
    pub queues: Vec<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// The task that failed last with this cause.
    pub example_task_id: TaskId,
    /// Its message as recorded (its first 4096 characters).
    pub example_error: String,
}

/// Failures within a window, grouped.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorReport {
    pub window_start: DateTime<Utc>,
    /// Tasks counted (failed + retrying).
    pub tasks: i64,
    /// Causes, the most frequent first.
    pub groups: Vec<ErrorGroup>,
}

#[derive(Debug)]
struct ExactMessage {
    error: Option<String>,
    status: String,
    queue_names: Vec<String>,
    task_names: Vec<String>,
    n: i64,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    example: TaskId,
}

/// Failed tasks finished within `since`, and retrying tasks whose last
/// failure is that recent, of these queues (and task names, when given).
/// A retrying task's failure time is its completed_at (set by fail_task),
/// else its available_at (a task given back by reap-stuck).
pub async fn grouped(
    db: &mut PgConnection,
    queues: &[String],
    since: Duration,
    task_names: &[String],
) -> Result<ErrorReport> {
    // The window is measured on the database's clock, as completed_at is.
    let window_start: DateTime<Utc> = sqlx::query_scalar!(
        r#"SELECT now() - make_interval(secs => $1) AS "start!""#,
        since.as_secs_f64()
    )
    .fetch_one(&mut *db)
    .await?;
    let rows: Vec<ExactMessage> = sqlx::query_as!(
        ExactMessage,
        r#"SELECT left(error, $4) AS error, status AS "status!",
                array_agg(DISTINCT queue_name) AS "queue_names!",
                array_agg(DISTINCT task_name) AS "task_names!",
                count(*) AS "n!", min(completed_at) AS "first_seen!",
                max(completed_at) AS "last_seen!",
                (array_agg(task_id ORDER BY completed_at DESC))[1] AS "example!: TaskId"
           FROM (SELECT task_id, queue_name, task_name, status, error, completed_at
                   FROM absurd.tasks
                  WHERE queue_name = ANY ($1) AND status = 'failed' AND completed_at >= $2
                 UNION ALL
                 SELECT task_id, queue_name, task_name, 'retrying', error,
                        -- A reaped task's next try may lie ahead: seen now, not then.
                        least(coalesce(completed_at, available_at), now()) AS completed_at
                   FROM absurd.tasks
                  WHERE queue_name = ANY ($1) AND status IN ('pending', 'retrying')
                    AND (status = 'retrying' OR awaiting_retry) AND error IS NOT NULL
                    AND coalesce(completed_at, available_at) >= $2) f
          WHERE cardinality($3::text[]) = 0 OR task_name = ANY ($3)
          GROUP BY 1, 2"#,
        queues,
        window_start,
        task_names,
        MESSAGE_PREFIX
    )
    .fetch_all(&mut *db)
    .await?;
    Ok(fold(rows, window_start))
}

/// Every failed attempt ended within `since` (failed, timed out, reaped,
/// lost; also attempts of tasks that later completed), of these queues,
/// grouped by cause: `errors --attempts`. Counts are attempts, not tasks.
pub async fn grouped_attempts(
    db: &mut PgConnection,
    queues: &[String],
    since: Duration,
    task_names: &[String],
) -> Result<ErrorReport> {
    #[derive(sqlx::FromRow)]
    struct Row {
        error: Option<String>,
        queue_names: Vec<String>,
        task_names: Vec<String>,
        n: i64,
        first_seen: DateTime<Utc>,
        last_seen: DateTime<Utc>,
        example: uuid::Uuid,
    }
    let (window_start,): (DateTime<Utc>,) =
        sqlx::query_as("SELECT now() - make_interval(secs => $1)")
            .bind(since.as_secs_f64())
            .fetch_one(&mut *db)
            .await?;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT left(a.error, $4) AS error,
                array_agg(DISTINCT a.queue_name) AS queue_names,
                array_agg(DISTINCT a.task_name) AS task_names,
                count(*) AS n, min(a.ended_at) AS first_seen, max(a.ended_at) AS last_seen,
                (array_agg(a.task_id ORDER BY a.ended_at DESC))[1] AS example
           FROM absurd.task_attempts a
          WHERE a.queue_name = ANY ($1) AND a.ended_at >= $2
            AND a.outcome IN ('failed', 'timed_out', 'reaped', 'lost')
            AND (cardinality($3::text[]) = 0 OR a.task_name = ANY ($3))
          GROUP BY 1",
    )
    .bind(queues)
    .bind(window_start)
    .bind(task_names)
    .bind(MESSAGE_PREFIX)
    .fetch_all(&mut *db)
    .await?;
    let rows = rows
        .into_iter()
        .map(|r| ExactMessage {
            error: r.error,
            status: "failed".into(),
            queue_names: r.queue_names,
            task_names: r.task_names,
            n: r.n,
            first_seen: r.first_seen,
            last_seen: r.last_seen,
            example: TaskId(r.example),
        })
        .collect();
    Ok(fold(rows, window_start))
}

/// The failed tasks of these queues that finished within `since` of `until`
/// (not after it) and whose error folds to `pattern`: the failed tasks of
/// one group [`grouped`] read at `until`, for `top` to retry that group and
/// no other task.
pub async fn failed_of_group(
    db: &mut PgConnection,
    queues: &[String],
    since: Duration,
    until: DateTime<Utc>,
    pattern: &str,
) -> Result<Vec<TaskId>> {
    let rows: Vec<(uuid::Uuid, Option<String>)> = sqlx::query_as(
        "SELECT task_id, left(error, $4)
           FROM absurd.tasks
          WHERE queue_name = ANY ($1) AND status = 'failed'
            AND completed_at >= $2 - make_interval(secs => $3) AND completed_at <= $2",
    )
    .bind(queues)
    .bind(until)
    .bind(since.as_secs_f64())
    .bind(MESSAGE_PREFIX)
    .fetch_all(&mut *db)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, e)| normalize(e.as_deref().unwrap_or(NO_ERROR)) == pattern)
        .map(|(id, _)| TaskId(id))
        .collect())
}

/// Merges exact messages into groups by their folded pattern.
fn fold(rows: Vec<ExactMessage>, window_start: DateTime<Utc>) -> ErrorReport {
    let mut groups: HashMap<String, ErrorGroup> = HashMap::new();
    let mut tasks = 0;
    for r in rows {
        tasks += r.n;
        let message = r.error.unwrap_or_else(|| NO_ERROR.into());
        let pattern = normalize(&message);
        let retrying = r.status == "retrying";
        let g = groups.entry(pattern.clone()).or_insert_with(|| ErrorGroup {
            pattern,
            count: 0,
            failed: 0,
            retrying: 0,
            task_names: Vec::new(),
            queues: Vec::new(),
            first_seen: r.first_seen,
            last_seen: r.last_seen,
            example_task_id: r.example,
            example_error: message.clone(),
        });
        g.count += r.n;
        if retrying {
            g.retrying += r.n;
        } else {
            g.failed += r.n;
        }
        g.first_seen = g.first_seen.min(r.first_seen);
        if r.last_seen > g.last_seen {
            g.last_seen = r.last_seen;
            g.example_task_id = r.example;
            g.example_error = message;
        }
        for name in r.task_names {
            if !g.task_names.contains(&name) {
                g.task_names.push(name);
            }
        }
        for q in r.queue_names {
            if !g.queues.contains(&q) {
                g.queues.push(q);
            }
        }
    }
    let mut groups: Vec<ErrorGroup> = groups.into_values().collect();
    for g in &mut groups {
        g.task_names.sort();
        g.queues.sort();
    }
    groups.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.last_seen.cmp(&a.last_seen))
            .then(a.pattern.cmp(&b.pattern))
    });
    ErrorReport {
        window_start,
        tasks,
        groups,
    }
}

#[cfg(test)]
mod tests;
