//! `absurdctl tasks list`, `tasks show` and `tasks logs`: read-only views
//! of tasks. The list is here; a task's page is in `show.rs`, its output in
//! `logs.rs`.

use std::process::ExitCode;

use comfy_table::Cell;
use serde::Serialize;

use crate::cli::{ListSortArg, TasksListArgs};
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::CliError;
use crate::output::{ellipsize, fmt_ago, fmt_count, fmt_secs};
use crate::queue::history::{self};
use crate::queue::tasks::{ListSort, TimeWindow};
use crate::queue::{tasks, Task, TaskFilter, TaskId, TaskStatus};

mod logs;
mod show;
pub use logs::logs;
pub use show::show;

/// When the limit cuts the list, its matches are counted up to this many
/// ("50 of more than 10,000 shown"): the count stays as cheap as the page.
const COUNT_CAP: i64 = 10_000;

pub async fn list(ctx: &Ctx, args: TasksListArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let (sort, statuses) = sort_and_statuses(args.sort, args.status)?;
    let window = TimeWindow {
        since: args.since,
        until: args.until,
    };
    if let (Some(since), Some(until)) = (window.since, window.until) {
        if since <= until {
            return Err(CliError::usage(format!(
                "--since {} and --until {} together select nothing: --since must be the longer \
                 of the two",
                humantime::format_duration(since),
                humantime::format_duration(until)
            )));
        }
    }
    let filter = TaskFilter {
        queue: (!args.all_queues).then(|| ctx.global.queue.clone()),
        statuses,
        task_names: args.names.task_name,
        failed_on: args.worker,
        error_like: args.error_contains,
        // One more than asked for tells whether the limit cut the list.
        limit: (args.limit > 0).then(|| args.limit + 1),
        ..TaskFilter::default()
    };
    let pool = ctx.connect(Access::ReadOnly, 1).await?;
    let mut rows = tasks::list(&pool, &filter, sort, &window).await?;
    if args.limit > 0 && rows.len() as i64 > args.limit {
        rows.truncate(args.limit as usize);
        // On stderr, with JSON too: a pipeline reading stdout must not take
        // the first page for all of it.
        let total = tasks::count_upto(&pool, &filter, sort, &window, COUNT_CAP).await?;
        let of = if total > COUNT_CAP {
            format!("more than {}", fmt_count(COUNT_CAP))
        } else {
            fmt_count(total)
        };
        eprintln!(
            "{} of {of} shown (the first in --sort order); --limit N for more, --limit 0 for all",
            fmt_count(rows.len() as i64),
        );
    }
    let waiting: Vec<TaskId> = rows
        .iter()
        .filter(|t| {
            matches!(t.status, TaskStatus::Pending | TaskStatus::Retrying)
                && !t.depends_on.is_empty()
        })
        .map(|t| t.task_id)
        .collect();
    let for_good = tasks::blocked_for_good(&pool, &waiting).await?;
    let claimed: Vec<TaskId> = rows
        .iter()
        .filter(|t| t.status == TaskStatus::Claimed)
        .map(|t| t.task_id)
        .collect();
    let running = history::running_attempts(&pool, &claimed).await?;
    let progress_of = |id: TaskId| {
        running
            .iter()
            .find(|(t, _)| *t == id)
            .and_then(|(_, a)| a.progress.map(|_| a))
    };
    if ctx.out.is_json() {
        #[derive(Serialize)]
        struct Row<'a> {
            #[serde(flatten)]
            task: &'a Task,
            /// The running attempt's progress (claimed tasks that report it).
            progress: Option<f64>,
            progress_message: Option<&'a str>,
            eta_sec: Option<f64>,
            /// A task it depends on (directly or through waiting tasks)
            /// failed or was cancelled: it never runs unless that is retried.
            blocked_for_good: bool,
        }
        let out: Vec<Row> = rows
            .iter()
            .map(|t| {
                let a = progress_of(t.task_id);
                Row {
                    task: t,
                    progress: a.and_then(|a| a.progress),
                    progress_message: a.and_then(|a| a.progress_message.as_deref()),
                    eta_sec: a.and_then(|a| a.eta_sec),
                    blocked_for_good: for_good.contains(&t.task_id),
                }
            })
            .collect();
        ctx.out.json(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        ctx.out.note("no tasks match")?;
        return Ok(ExitCode::SUCCESS);
    }
    let with_progress = rows.iter().any(|t| progress_of(t.task_id).is_some());
    let mut headers = vec![
        "task id",
        "queue",
        "task name",
        "status",
        "prio",
        "attempt",
        "created",
        "worker",
        "error",
    ];
    if with_progress {
        headers.insert(8, "progress");
    }
    let mut cells = Vec::new();
    for t in &rows {
        let mut row = vec![
            Cell::new(t.task_id),
            Cell::new(&t.queue_name),
            Cell::new(&t.task_name),
            if for_good.contains(&t.task_id) {
                Cell::new(format!("{}, blocked for good", t.status))
            } else {
                ctx.out.status_cell(t.status)
            },
            Cell::new(t.priority),
            Cell::new(attempt_text(t, "/")),
            Cell::new(fmt_ago(Some(t.created_at))),
            Cell::new(t.worker_id.as_deref().unwrap_or("-")),
            Cell::new(ellipsize(t.error.as_deref().unwrap_or(""), 60)),
        ];
        if with_progress {
            let text = progress_of(t.task_id)
                .and_then(|a| {
                    let p = a.progress?;
                    Some(match a.eta_sec {
                        Some(eta) => format!("{:.0}%, ~{} left", p * 100.0, fmt_secs(eta)),
                        None => format!("{:.0}%", p * 100.0),
                    })
                })
                .unwrap_or_default();
            row.insert(8, Cell::new(text));
        }
        cells.push(row);
    }
    // On a narrow screen the id stays whole; these give way, in this order.
    let table = ctx.out.fit_table(
        &headers,
        cells,
        &[
            "queue",
            "created",
            "prio",
            "attempt",
            "worker",
            "progress",
            "task name",
        ],
        Some("error"),
    );
    ctx.out.print_table(&table)?;
    Ok(ExitCode::SUCCESS)
}

/// The order to list in, and the statuses it implies: a failure time only
/// failed and retrying tasks have (failed ones unless --status says), a
/// finish time only finished ones.
fn sort_and_statuses(
    sort: ListSortArg,
    statuses: Vec<TaskStatus>,
) -> anyhow::Result<(ListSort, Vec<TaskStatus>)> {
    use TaskStatus::*;
    let (sort, allowed, default): (ListSort, &[TaskStatus], &[TaskStatus]) = match sort {
        ListSortArg::CreatedAt => (ListSort::CreatedAt, &TaskStatus::ALL, &[]),
        ListSortArg::Priority => (ListSort::Priority, &TaskStatus::ALL, &[]),
        ListSortArg::FailedAt => (ListSort::FailedAt, &[Failed, Retrying], &[Failed]),
        ListSortArg::FinishedAt => (
            ListSort::FinishedAt,
            &[Completed, Failed, Cancelled],
            &[Completed, Failed, Cancelled],
        ),
    };
    if let Some(bad) = statuses.iter().find(|s| !allowed.contains(s)) {
        let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
        return Err(CliError::usage(format!(
            "--status {bad} has no {} time: --sort {} lists only {} tasks",
            if sort == ListSort::FailedAt {
                "failure"
            } else {
                "finish"
            },
            if sort == ListSort::FailedAt {
                "failed_at"
            } else {
                "finished_at"
            },
            names.join(", ")
        )));
    }
    let statuses = if statuses.is_empty() {
        default.to_vec()
    } else {
        statuses
    };
    Ok((sort, statuses))
}

/// `k/n`, and for a task waiting for its retry when the next attempt comes.
pub(super) fn attempt_text(t: &Task, of: &str) -> String {
    let mut text = format!("{}{of}{}", t.attempt, t.max_retries);
    if t.status == TaskStatus::Retrying {
        text.push_str(&format!(", next {}", fmt_ago(Some(t.available_at))));
    }
    text
}
