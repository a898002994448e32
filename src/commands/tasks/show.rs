//! `absurdctl tasks show`: one task, its dependencies and its timeline.

use std::process::ExitCode;

use comfy_table::Cell;
use serde::Serialize;

use super::attempt_text;
use crate::cli::TasksShowArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::output::{ellipsize, fmt_ago, fmt_secs, fmt_time};
use crate::queue::history::{self, Attempt, Event};
use crate::queue::tasks::Dependent;
use crate::queue::{tasks, Dependency, Task, TaskStatus};

#[derive(Serialize)]
struct TaskDetail {
    #[serde(flatten)]
    task: Task,
    heartbeat_age_sec: Option<f64>,
    dependencies: Vec<Dependency>,
    /// Why a pending or retrying task does not run yet: the dependencies it
    /// still waits for (empty when none, or when it is not waiting).
    blocked_by: Vec<Dependency>,
    /// A task it depends on (directly or through waiting tasks) failed or
    /// was cancelled: it never runs unless that task is retried.
    blocked_for_good: bool,
    /// Those failed or cancelled tasks.
    blocked_for_good_by: Vec<Dependency>,
    /// The unfinished tasks that wait on this one (at most
    /// [`MAX_DEPENDENTS`]).
    dependents: Vec<Dependent>,
    /// Every attempt, oldest first (README, "JSON output").
    attempts: Vec<Attempt>,
    /// Every operator action that changed the task, oldest first.
    events: Vec<Event>,
}

pub async fn show(ctx: &Ctx, args: TasksShowArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let pool = ctx.connect(Access::ReadOnly, 1).await?;
    let id = tasks::resolve(&pool, &args.id).await?;
    let task = tasks::get(&pool, id).await?;
    let dependencies = tasks::dependencies(&pool, id).await?;
    let dependents = tasks::dependents(&pool, id, MAX_DEPENDENTS).await?;
    let waiting = matches!(task.status, TaskStatus::Pending | TaskStatus::Retrying);
    let blocked_by: Vec<Dependency> = dependencies
        .iter()
        .filter(|d| waiting && d.status.as_deref().is_some_and(|s| s != "completed"))
        .cloned()
        .collect();
    let blocked_for_good_by = if blocked_by.is_empty() {
        Vec::new()
    } else {
        tasks::dead_dependencies(&pool, id).await?
    };
    let blocked_for_good = !blocked_for_good_by.is_empty();
    let attempts = history::attempts(&pool, id).await?;
    let events = history::events(&pool, id).await?;
    let heartbeat_age_sec = task
        .heartbeat_at
        .map(|h| (chrono::Utc::now() - h).num_milliseconds() as f64 / 1000.0);
    let detail = TaskDetail {
        task,
        heartbeat_age_sec,
        dependencies,
        blocked_by,
        blocked_for_good,
        blocked_for_good_by,
        dependents,
        attempts,
        events,
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
            "progress",
            Cell::new(
                detail
                    .attempts
                    .last()
                    .filter(|a| a.ended_at.is_none())
                    .and_then(progress_text)
                    .unwrap_or_else(|| "-".into()),
            ),
        ),
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
    let mut rows = rows;
    if !detail.blocked_by.is_empty() {
        rows.push(("blocked", Cell::new(blocked_text(&detail))));
    }
    if !detail.dependents.is_empty() {
        let mut lines: Vec<String> = detail
            .dependents
            .iter()
            .map(|d| format!("{} {} ({})", d.task_id, d.task_name, d.status))
            .collect();
        if detail.dependents.len() as i64 >= MAX_DEPENDENTS {
            lines.push(format!("(the first {MAX_DEPENDENTS}; there may be more)"));
        }
        rows.push(("waited on by", Cell::new(lines.join("\n"))));
    }
    for (k, v) in rows {
        table.add_row(vec![Cell::new(k), v]);
    }
    ctx.out.print_table(&table)?;
    if !(detail.attempts.is_empty() && detail.events.is_empty()) {
        ctx.out
            .print_table(&timeline(ctx, &detail.attempts, &detail.events))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// At most this many of the tasks waiting on one are listed.
const MAX_DEPENDENTS: i64 = 100;

/// One line per dependency: `ID NAME (STATUS)`, `missing` for a status
/// that could not be read.
fn dependency_lines(deps: &[Dependency], missing: &str) -> String {
    deps.iter()
        .map(|d| {
            format!(
                "{} {} ({})",
                d.task_id,
                d.task_name.as_deref().unwrap_or("?"),
                d.status.as_deref().unwrap_or(missing)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why a waiting task is blocked: the dependencies it waits for, and when
/// one failed or was cancelled, that it never runs until that one is retried.
fn blocked_text(detail: &TaskDetail) -> String {
    let n = detail.blocked_by.len();
    let of = detail.dependencies.len();
    let list = dependency_lines(&detail.blocked_by, "deleted");
    if detail.blocked_for_good {
        let dead = &detail.blocked_for_good_by;
        let cancelled = dead
            .iter()
            .any(|d| d.status.as_deref() == Some("cancelled"));
        let ids: Vec<String> = dead.iter().map(|d| d.task_id.to_string()).collect();
        let culprits = dependency_lines(dead, "?");
        format!(
            "for good: a task it depends on (directly or through waiting tasks) failed or was \
             cancelled, so it never runs unless that task is retried (absurdctl retry{} --id \
             {})\n{culprits}\nwaiting for {n} of {of} dependencies:\n{list}",
            if cancelled {
                " --include-cancelled"
            } else {
                ""
            },
            ids.join(" --id ")
        )
    } else {
        format!("waiting for {n} of {of} dependencies to complete\n{list}")
    }
}

/// `42% calibrating (about 3m left)`.
fn progress_text(a: &Attempt) -> Option<String> {
    let p = a.progress?;
    let mut text = format!("{:.0}%", p * 100.0);
    if let Some(m) = &a.progress_message {
        text.push(' ');
        text.push_str(m);
    }
    if let Some(eta) = a.eta_sec {
        text.push_str(&format!(" (about {} left)", fmt_secs(eta)));
    }
    if let Some(at) = a.progress_at {
        text.push_str(&format!(", reported {}", fmt_ago(Some(at))));
    }
    Some(text)
}

/// How an attempt's handler ended: `exit 3`, `signal 9`, `timed out`, and
/// what it used.
fn exit_text(a: &Attempt) -> String {
    let mut parts = Vec::new();
    if a.timed_out == Some(true) {
        parts.push("killed at its timeout".to_string());
    }
    match (a.exit_code, a.exit_signal) {
        (Some(code), _) => parts.push(format!("exit {code}")),
        (None, Some(sig)) => parts.push(format!("signal {sig}")),
        _ => {}
    }
    if let Some(cpu) = a.cpu_time_sec {
        parts.push(format!("cpu {}", fmt_secs(cpu)));
    }
    if let Some(kib) = a.peak_rss_kib {
        parts.push(format!("peak {} MiB", (kib + 512) / 1024));
    }
    parts.join(", ")
}

/// One line per attempt and operator action, in the order they happened.
fn timeline(ctx: &Ctx, attempts: &[Attempt], events: &[Event]) -> comfy_table::Table {
    let mut lines: Vec<(chrono::DateTime<chrono::Utc>, Vec<String>)> = Vec::new();
    for a in attempts {
        let mut detail = Vec::new();
        let exit = exit_text(a);
        if !exit.is_empty() {
            detail.push(exit);
        }
        if let Some(e) = a.error.as_deref().and_then(|e| e.lines().next()) {
            detail.push(ellipsize(e, 100));
        }
        if a.ended_at.is_none() {
            if let Some(p) = progress_text(a) {
                detail.push(p);
            }
        }
        if let Some(id) = a.ended_by_audit_id {
            detail.push(format!("audit #{id}"));
        }
        lines.push((
            a.claimed_at,
            vec![
                format!("attempt {}", a.attempt),
                fmt_time(Some(a.claimed_at)),
                a.outcome.clone().unwrap_or_else(|| "running".into()),
                a.hostname
                    .clone()
                    .or_else(|| a.worker_id.clone())
                    .unwrap_or_else(|| "-".into()),
                fmt_secs(a.duration_sec),
                detail.join("; "),
            ],
        ));
    }
    for e in events {
        let mut detail = Vec::new();
        if e.old_status != e.new_status {
            detail.push(format!(
                "{} -> {}",
                e.old_status.as_deref().unwrap_or("?"),
                e.new_status.as_deref().unwrap_or("?")
            ));
        }
        if e.old_priority != e.new_priority {
            detail.push(format!(
                "priority {} -> {}",
                e.old_priority.unwrap_or(0),
                e.new_priority.unwrap_or(0)
            ));
        }
        match (e.audit_id, e.audit_run_id) {
            (Some(id), _) => detail.push(format!("audit #{id}")),
            (None, Some(run)) => detail.push(format!("audit run {run} (unfinished)")),
            _ => {}
        }
        lines.push((
            e.at,
            vec![
                e.action.clone(),
                fmt_time(Some(e.at)),
                "-".into(),
                e.db_user.clone(),
                "-".into(),
                detail.join("; "),
            ],
        ));
    }
    lines.sort_by_key(|(at, _)| *at);
    let mut table = ctx
        .out
        .table(["history", "at", "outcome", "host / by", "took", "detail"]);
    for (_, line) in lines {
        table.add_row(line);
    }
    table
}
