//! `absurdctl tasks list` and `tasks show`: read-only views of tasks.

use std::process::ExitCode;

use comfy_table::Cell;
use serde::Serialize;

use crate::cli::{TasksListArgs, TasksShowArgs};
use crate::commands::Ctx;
use crate::config::Access;
use crate::output::{ellipsize, fmt_ago, fmt_secs, fmt_time};
use crate::queue::{tasks, Dependency, Task, TaskFilter, TaskId, TaskStatus};

pub async fn list(ctx: &Ctx, args: TasksListArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let filter = TaskFilter {
        queue: (!args.all_queues).then(|| ctx.global.queue.clone()),
        statuses: args.status,
        task_names: args.names.task_name,
        limit: Some(args.limit),
        ..TaskFilter::default()
    };
    let pool = ctx.connect(Access::ReadOnly, 1).await?;
    let rows = tasks::list(&pool, &filter).await?;
    if ctx.out.is_json() {
        ctx.out.json(&rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        ctx.out.note("no tasks match")?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = ctx.out.table([
        "task id",
        "queue",
        "task name",
        "status",
        "prio",
        "attempt",
        "created",
        "worker",
        "error",
    ]);
    for t in &rows {
        table.add_row(vec![
            Cell::new(t.task_id),
            Cell::new(&t.queue_name),
            Cell::new(&t.task_name),
            ctx.out.status_cell(t.status),
            Cell::new(t.priority),
            Cell::new(attempt_text(t, "/")),
            Cell::new(fmt_ago(Some(t.created_at))),
            Cell::new(t.worker_id.as_deref().unwrap_or("-")),
            Cell::new(ellipsize(t.error.as_deref().unwrap_or(""), 60)),
        ]);
    }
    ctx.out.print_table(&table)?;
    Ok(ExitCode::SUCCESS)
}

/// `k/n`, and for a task waiting for its retry when the next attempt comes.
fn attempt_text(t: &Task, of: &str) -> String {
    let mut text = format!("{}{of}{}", t.attempt, t.max_retries);
    if t.status == TaskStatus::Retrying {
        text.push_str(&format!(", next {}", fmt_ago(Some(t.available_at))));
    }
    text
}

#[derive(Serialize)]
struct TaskDetail {
    #[serde(flatten)]
    task: Task,
    heartbeat_age_sec: Option<f64>,
    dependencies: Vec<Dependency>,
}

pub async fn show(ctx: &Ctx, args: TasksShowArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let id = TaskId(args.id);
    let pool = ctx.connect(Access::ReadOnly, 1).await?;
    let task = tasks::get(&pool, id).await?;
    let dependencies = tasks::dependencies(&pool, id).await?;
    let heartbeat_age_sec = task
        .heartbeat_at
        .map(|h| (chrono::Utc::now() - h).num_milliseconds() as f64 / 1000.0);
    let detail = TaskDetail {
        task,
        heartbeat_age_sec,
        dependencies,
    };
    if ctx.out.is_json() {
        ctx.out.json(&detail)?;
        return Ok(ExitCode::SUCCESS);
    }
    let t = &detail.task;
    let mut table = ctx.out.table(["field", "value"]);
    let opt_secs = |s: Option<f64>| s.map(fmt_secs).unwrap_or_else(|| "-".into());
    let rows: Vec<(&str, Cell)> = vec![
        ("task id", Cell::new(t.task_id)),
        ("queue", Cell::new(&t.queue_name)),
        ("task name", Cell::new(&t.task_name)),
        ("status", ctx.out.status_cell(t.status)),
        ("priority", Cell::new(t.priority)),
        ("attempt", Cell::new(attempt_text(t, " of "))),
        (
            "timeout",
            Cell::new(
                t.timeout_sec
                    .map(|s| fmt_secs(s as f64))
                    .unwrap_or_else(|| "-".into()),
            ),
        ),
        ("worker", Cell::new(t.worker_id.as_deref().unwrap_or("-"))),
        (
            "created",
            Cell::new(format!(
                "{} ({})",
                fmt_time(Some(t.created_at)),
                fmt_ago(Some(t.created_at))
            )),
        ),
        (
            "available",
            Cell::new(format!(
                "{} ({})",
                fmt_time(Some(t.available_at)),
                fmt_ago(Some(t.available_at))
            )),
        ),
        ("claimed", Cell::new(fmt_time(t.claimed_at))),
        (
            "heartbeat",
            Cell::new(format!(
                "{} ({})",
                fmt_time(t.heartbeat_at),
                fmt_ago(t.heartbeat_at)
            )),
        ),
        ("finished", Cell::new(fmt_time(t.completed_at))),
        ("wait time", Cell::new(opt_secs(t.wait_time_sec))),
        ("run time", Cell::new(opt_secs(t.execution_time_sec))),
        (
            "params",
            Cell::new(serde_json::to_string_pretty(&t.params)?),
        ),
        (
            "result",
            Cell::new(match &t.result {
                Some(r) => serde_json::to_string_pretty(r)?,
                None => "-".into(),
            }),
        ),
        ("error", Cell::new(t.error.as_deref().unwrap_or("-"))),
        (
            "depends on",
            Cell::new(if detail.dependencies.is_empty() {
                "-".to_string()
            } else {
                detail
                    .dependencies
                    .iter()
                    .map(|d| {
                        format!(
                            "{} {} ({})",
                            d.task_id,
                            d.task_name.as_deref().unwrap_or("?"),
                            d.status.as_deref().unwrap_or("deleted")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
        ),
    ];
    for (k, v) in rows {
        table.add_row(vec![Cell::new(k), v]);
    }
    ctx.out.print_table(&table)?;
    Ok(ExitCode::SUCCESS)
}
