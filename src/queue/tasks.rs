//! Single-task operations: spawn, read, claim, heartbeat, complete, fail,
//! release. Claims, completions and failures go through the schema's
//! functions so that absurdctl and the legacy Python clients share one set
//! of rules.

use sqlx::{PgExecutor, Postgres, QueryBuilder};

use super::types::{query_tasks, SHOWN_STATUS, TASK_COLUMNS};
use super::{Dependency, NewTask, QueueError, Result, Task, TaskFilter, TaskId, TaskRef};

/// Enqueues a task and returns its id. Dependencies must exist.
pub async fn spawn(db: &mut sqlx::PgConnection, task: &NewTask) -> Result<TaskId> {
    if !task.depends_on.is_empty() {
        let ids: Vec<uuid::Uuid> = task.depends_on.iter().map(|i| i.0).collect();
        let found: Vec<uuid::Uuid> = sqlx::query_scalar!(
            r#"SELECT task_id FROM absurd.tasks WHERE task_id = ANY($1)"#,
            &ids
        )
        .fetch_all(&mut *db)
        .await?;
        if let Some(missing) = ids.iter().find(|id| !found.contains(id)) {
            return Err(QueueError::Invalid(format!(
                "--depends-on {missing}: no such task"
            )));
        }
    }
    let id = sqlx::query_scalar!(
        r#"INSERT INTO absurd.tasks (queue_name, task_name, params, priority, timeout_sec, max_retries,
                                   depends_on, available_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))
         RETURNING task_id"#,
        &task.queue_name,
        &task.task_name,
        &task.params,
        task.priority,
        task.timeout_sec,
        task.max_retries,
        &task.depends_on.iter().map(|i| i.0).collect::<Vec<_>>(),
        task.delay.map(|d| d.as_secs_f64()).unwrap_or(0.0)
    )
    .fetch_one(&mut *db)
    .await?;
    Ok(TaskId(id))
}

/// One task, or `TaskNotFound`.
pub async fn get(db: impl PgExecutor<'_>, id: TaskId) -> Result<Task> {
    query_tasks!(r#"FROM absurd.tasks WHERE task_id = $1"#, id.0)
        .fetch_optional(db)
        .await?
        .ok_or(QueueError::TaskNotFound(id))
}

/// The task `r` names: its id, or the one task whose id begins with the
/// prefix (a range of the primary key: no scan). None, or several, is an
/// error that says so.
pub async fn resolve(db: impl PgExecutor<'_>, r: &TaskRef) -> Result<TaskId> {
    let (text, lo, hi) = match r {
        TaskRef::Id(id) => return Ok(*id),
        TaskRef::Prefix { text, lo, hi } => (text, lo, hi),
    };
    let found: Vec<TaskId> = sqlx::query_scalar(
        "SELECT task_id FROM absurd.tasks WHERE task_id BETWEEN $1 AND $2 ORDER BY task_id LIMIT 3",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(db)
    .await?;
    match found.as_slice() {
        [] => Err(QueueError::NoTaskWithPrefix(text.clone())),
        [one] => Ok(*one),
        _ => Err(QueueError::AmbiguousPrefix {
            prefix: text.clone(),
            candidates: found,
        }),
    }
}

/// Tasks matching the filter, newest first, at most `filter.limit`.
pub async fn list(
    db: impl PgExecutor<'_>,
    filter: &TaskFilter,
    sort: ListSort,
    window: &TimeWindow,
) -> Result<Vec<Task>> {
    let mut qb: QueryBuilder<Postgres> =
        QueryBuilder::new(format!("SELECT {TASK_COLUMNS} FROM absurd.tasks"));
    filter.push_where(&mut qb);
    push_window(&mut qb, sort, window);
    push_order(&mut qb, sort);
    if let Some(limit) = filter.limit {
        qb.push(" LIMIT ").push_bind(limit);
    }
    Ok(qb.build_query_as().fetch_all(db).await?)
}

/// The task names of `queue` unfinished or finished in the last day, for
/// completing `--task-name` (at most 200).
pub async fn recent_task_names(db: impl PgExecutor<'_>, queue: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT task_name FROM absurd.tasks
          WHERE queue_name = $1
            AND (status IN ('pending', 'retrying', 'claimed') OR completed_at > now() - interval '1 day')
          ORDER BY 1 LIMIT 200",
    )
    .bind(queue)
    .fetch_all(db)
    .await?)
}

/// How many tasks [`list`] would give without the filter's limit, counted
/// up to `cap + 1` only: a count of every match (a million finished tasks
/// of a name) would read all of them, where the list reads one page.
pub async fn count_upto(
    db: impl PgExecutor<'_>,
    filter: &TaskFilter,
    sort: ListSort,
    window: &TimeWindow,
    cap: i64,
) -> Result<i64> {
    let mut qb: QueryBuilder<Postgres> =
        QueryBuilder::new("SELECT count(*) FROM (SELECT 1 FROM absurd.tasks");
    filter.push_where(&mut qb);
    push_window(&mut qb, sort, window);
    // In the list's order, so that the count reads the index the list
    // reads: unordered, a count of most of the table's rows is planned as a
    // sequential scan that stops at the cap.
    push_order(&mut qb, sort);
    qb.push(" LIMIT ").push_bind(cap + 1).push(") s");
    Ok(qb.build_query_scalar().fetch_one(db).await?)
}

/// The order of `sort`. Each is one the indexes serve with the queue (and,
/// for the finish times, the finished statuses) given: tasks_created_status_idx,
/// tasks_finished_covering_idx, tasks_claimable_idx.
fn push_order(qb: &mut QueryBuilder<'_, Postgres>, sort: ListSort) {
    qb.push(match sort {
        ListSort::CreatedAt => " ORDER BY created_at DESC, task_id",
        ListSort::FailedAt | ListSort::FinishedAt => " ORDER BY completed_at DESC, task_id",
        ListSort::Priority => " ORDER BY priority DESC, created_at, task_id",
    });
}

/// The `--since`/`--until` window, on the time `sort` orders by.
fn push_window(qb: &mut QueryBuilder<'_, Postgres>, sort: ListSort, window: &TimeWindow) {
    let column = sort.time_column();
    if column == "completed_at" {
        // A task with no failure or finish time has no place in a list by
        // it (and DESC without NULLs is the order the index gives).
        qb.push(" AND completed_at IS NOT NULL");
    }
    if let Some(d) = window.since {
        qb.push(format!(" AND {column} >= now() - make_interval(secs => "))
            .push_bind(d.as_secs_f64())
            .push(")");
    }
    if let Some(d) = window.until {
        qb.push(format!(" AND {column} < now() - make_interval(secs => "))
            .push_bind(d.as_secs_f64())
            .push(")");
    }
}

/// The order of `tasks list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListSort {
    /// Newest first.
    #[default]
    CreatedAt,
    /// The latest failure first (failed, or retrying after a failure).
    FailedAt,
    /// The latest finished (completed, failed, cancelled) first.
    FinishedAt,
    /// In claim order: highest priority, then oldest, first.
    Priority,
}

impl ListSort {
    /// The time a `--since`/`--until` window applies to.
    fn time_column(self) -> &'static str {
        match self {
            ListSort::CreatedAt | ListSort::Priority => "created_at",
            ListSort::FailedAt | ListSort::FinishedAt => "completed_at",
        }
    }
}

/// A window of time before now: at most `since` ago, at least `until` ago.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimeWindow {
    pub since: Option<std::time::Duration>,
    pub until: Option<std::time::Duration>,
}

/// A task that waits on another, and the state it is in.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Dependent {
    pub task_id: TaskId,
    pub task_name: String,
    #[sqlx(try_from = "String")]
    pub status: super::TaskStatus,
}

/// The unfinished tasks (pending, retrying, claimed) that depend on `id`,
/// oldest first, at most `limit` (through the GIN index of unfinished
/// tasks' dependencies, tasks_unfinished_depends_on_idx).
pub async fn dependents(db: impl PgExecutor<'_>, id: TaskId, limit: i64) -> Result<Vec<Dependent>> {
    Ok(sqlx::query_as(&format!(
        "SELECT task_id, task_name, {SHOWN_STATUS} AS status
           FROM absurd.tasks
          WHERE depends_on @> ARRAY[$1]::uuid[]
            AND status IN ('pending', 'retrying', 'claimed') AND cardinality(depends_on) > 0
          ORDER BY created_at, task_id
          LIMIT $2"
    ))
    .bind(id.0)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Of `ids`, the pending and retrying tasks blocked for good: a task they
/// depend on, directly or through waiting tasks, failed or was cancelled,
/// so they never run unless it is retried (absurd.dead_dependencies,
/// migration 1720). By primary key: the cost follows `ids` and their
/// ancestors.
pub async fn blocked_for_good(db: impl PgExecutor<'_>, ids: &[TaskId]) -> Result<Vec<TaskId>> {
    let ids: Vec<uuid::Uuid> = ids.iter().map(|i| i.0).collect();
    Ok(sqlx::query_scalar(
        "SELECT t.task_id FROM absurd.tasks t
          WHERE t.task_id = ANY($1) AND t.status IN ('pending', 'retrying')
            AND cardinality(t.depends_on) > 0
            AND EXISTS (SELECT 1 FROM absurd.dead_dependencies(t.depends_on))",
    )
    .bind(ids)
    .fetch_all(db)
    .await?)
}

/// The failed or cancelled tasks that keep `id` from ever running, directly
/// or through the waiting tasks it depends on (empty when none, or when it
/// is not waiting).
pub async fn dead_dependencies(
    db: impl PgExecutor<'_>,
    id: TaskId,
) -> Result<Vec<super::Dependency>> {
    let rows: Vec<(uuid::Uuid, String, String)> = sqlx::query_as(
        "SELECT d.task_id, d.task_name, d.status
           FROM absurd.tasks t
          CROSS JOIN LATERAL absurd.dead_dependencies(t.depends_on) AS x(id)
           JOIN absurd.tasks d ON d.task_id = x.id
          WHERE t.task_id = $1 AND t.status IN ('pending', 'retrying')
          ORDER BY d.created_at, d.task_id",
    )
    .bind(id.0)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(task_id, task_name, status)| super::Dependency {
            task_id: TaskId(task_id),
            task_name: Some(task_name),
            status: Some(status),
        })
        .collect())
}

/// The tasks `id` depends on, with their status (`None` when since deleted).
pub async fn dependencies(db: impl PgExecutor<'_>, id: TaskId) -> Result<Vec<Dependency>> {
    Ok(sqlx::query_as!(
        Dependency,
        r#"SELECT d.id AS "task_id!: TaskId", t.task_name AS "task_name?", t.status AS "status?"
           FROM absurd.tasks s
           CROSS JOIN LATERAL unnest(coalesce(s.depends_on, '{}')) AS d(id)
           LEFT JOIN absurd.tasks t ON t.task_id = d.id
          WHERE s.task_id = $1"#,
        id.0
    )
    .fetch_all(db)
    .await?)
}

/// Claims up to `limit` tasks of `queue` for `worker` (none while the queue
/// is paused), honouring availability, dependencies, then priority and age.
pub async fn claim(
    db: impl PgExecutor<'_>,
    queue: &str,
    worker: &str,
    limit: i32,
    task_names: Option<&[String]>,
) -> Result<Vec<Task>> {
    Ok(query_tasks!(
        r#"FROM absurd.claim_tasks($1, $2, $3, $4)"#,
        queue,
        worker,
        limit,
        task_names
    )
    .fetch_all(db)
    .await?)
}

/// Records a heartbeat; false when `worker` no longer owns the task
/// (cancelled, reaped, or re-claimed), which tells the worker to stop.
pub async fn heartbeat(db: impl PgExecutor<'_>, id: TaskId, worker: &str) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"SELECT absurd.heartbeat_task($1, $2) AS "owned!""#,
        id.0,
        worker
    )
    .fetch_one(db)
    .await?)
}

/// Completes a task `worker` still owns; false when it no longer does.
pub async fn complete(
    db: impl PgExecutor<'_>,
    id: TaskId,
    worker: &str,
    result: &serde_json::Value,
) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"SELECT absurd.complete_task($1, $2, $3) AS "owned!""#,
        id.0,
        result,
        worker
    )
    .fetch_one(db)
    .await?)
}

/// Fails a task `worker` still owns: it retries with backoff while attempts
/// remain, else it is failed for good. False when the worker no longer owns it.
pub async fn fail(db: impl PgExecutor<'_>, id: TaskId, worker: &str, error: &str) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"SELECT absurd.fail_task($1, $2, $3) AS "owned!""#,
        id.0,
        error,
        worker
    )
    .fetch_one(db)
    .await?)
}

/// Gives a claimed task back to the queue without charging its attempt.
pub async fn release(db: impl PgExecutor<'_>, id: TaskId, worker: &str) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"SELECT absurd.release_task($1, $2) AS "owned!""#,
        id.0,
        worker
    )
    .fetch_one(db)
    .await?)
}

/// Enqueues many tasks in one statement and returns how many were inserted.
/// Tasks with dependencies are refused: spawn those one at a time, which
/// checks that their dependencies exist.
pub async fn spawn_many(db: impl PgExecutor<'_>, tasks: &[NewTask]) -> Result<u64> {
    if let Some(t) = tasks.iter().find(|t| !t.depends_on.is_empty()) {
        return Err(QueueError::Invalid(format!(
            "task {} has dependencies: spawn it on its own",
            t.task_name
        )));
    }
    let done = sqlx::query!(
        r#"INSERT INTO absurd.tasks (queue_name, task_name, params, priority, timeout_sec, max_retries,
                                   available_at)
         SELECT q, n, p, pr, ts, mr, now() + make_interval(secs => d)
           FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::integer[], $5::integer[],
                       $6::integer[], $7::double precision[]) AS u(q, n, p, pr, ts, mr, d)"#,
        &tasks.iter().map(|t| t.queue_name.clone()).collect::<Vec<_>>(),
        &tasks.iter().map(|t| t.task_name.clone()).collect::<Vec<_>>(),
        &tasks.iter().map(|t| t.params.clone()).collect::<Vec<_>>(),
        &tasks.iter().map(|t| t.priority).collect::<Vec<_>>(),
        &tasks.iter().map(|t| t.timeout_sec).collect::<Vec<_>>() as &[Option<i32>],
        &tasks.iter().map(|t| t.max_retries).collect::<Vec<_>>(),
        &tasks
            .iter()
            .map(|t| t.delay.map(|d| d.as_secs_f64()).unwrap_or(0.0))
            .collect::<Vec<_>>()
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Completes, in one statement, the tasks of `done` that `worker` still owns,
/// each with its result (`None`: no result), and returns the ids completed:
/// the others were cancelled, reaped or claimed again meanwhile and are left
/// as they are.
pub async fn complete_many(
    db: impl PgExecutor<'_>,
    done: &[(TaskId, Option<serde_json::Value>)],
    worker: &str,
) -> Result<Vec<TaskId>> {
    // Ids in key order, so that rows are locked in the same order by every
    // batch and two batches over the same rows cannot deadlock.
    let mut sorted: Vec<&(TaskId, Option<serde_json::Value>)> = done.iter().collect();
    sorted.sort_by_key(|(id, _)| *id);
    Ok(sqlx::query_scalar!(
        r#"SELECT c AS "task_id!: TaskId" FROM absurd.complete_tasks($1, $2, $3) AS c"#,
        &sorted.iter().map(|(id, _)| id.0).collect::<Vec<_>>(),
        &sorted.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>()
            as &[Option<serde_json::Value>],
        worker
    )
    .fetch_all(db)
    .await?)
}

/// Seconds until the next task of `queue` (of `task_names`, when given)
/// that waits for a retry backoff or a delayed start becomes claimable;
/// `None` when no task waits. Those tasks send no notification when their
/// time comes, so an idle worker sets an alarm instead.
pub async fn next_available_in(
    db: impl PgExecutor<'_>,
    queue: &str,
    task_names: Option<&[String]>,
) -> Result<Option<f64>> {
    Ok(sqlx::query_scalar!(
        r#"SELECT extract(epoch FROM min(available_at) - now())::float8 AS "in_sec?"
           FROM absurd.tasks
          WHERE queue_name = $1 AND status IN ('pending', 'retrying')
            AND available_at > now()
            AND ($2::text[] IS NULL OR task_name = ANY ($2))"#,
        queue,
        task_names
    )
    .fetch_one(db)
    .await?)
}
