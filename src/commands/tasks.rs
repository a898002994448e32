//! `absurdctl tasks list` and `tasks show`: read-only views of tasks.

use std::process::ExitCode;

use comfy_table::Cell;
use serde::Serialize;

use crate::cli::{ListSortArg, LogStream, TasksListArgs, TasksLogsArgs, TasksShowArgs};
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::CliError;
use crate::output::{ellipsize, fmt_ago, fmt_count, fmt_secs, fmt_time, write_stdout};
use crate::queue::history::{self, Attempt, Event};
use crate::queue::tasks::{Dependent, ListSort, TimeWindow};
use crate::queue::{tasks, Dependency, Task, TaskFilter, TaskId, TaskStatus};

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

/// `tasks logs`: the kept output of one attempt, or a running one followed.
pub async fn logs(ctx: &Ctx, args: TasksLogsArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let pool = ctx.connect(Access::ReadOnly, 1).await?;
    // A wrong id is an error at once, also with --follow.
    let id = tasks::resolve(&pool, &args.id).await?;
    tasks::get(&pool, id).await?;
    let mut found = history::output(&pool, id, args.attempt).await?;
    if args.follow {
        while found.is_none() {
            tokio::time::sleep(args.interval).await;
            found = history::output(&pool, id, args.attempt).await?;
        }
    }
    let Some(mut out) = found else {
        let what = match args.attempt {
            Some(n) => format!("task {id} has no attempt {n}"),
            None => format!("task {id} has not been claimed yet: no attempt, no output"),
        };
        anyhow::bail!(what);
    };
    if ctx.out.is_json() && !args.follow {
        ctx.out.json(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let streams: &[LogStream] = match args.stream {
        LogStream::Both => &[LogStream::Stdout, LogStream::Stderr],
        one => std::slice::from_ref(match one {
            LogStream::Stdout => &LogStream::Stdout,
            _ => &LogStream::Stderr,
        }),
    };
    let both = streams.len() > 1;
    if !args.follow {
        for s in streams {
            let (text, total) = pick(&out, *s);
            if both {
                write_stdout(&header(*s, &out, text.len(), total))?;
            }
            write_ended(text)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Followed: what is there, then what each stream adds.
    let mut printed: Vec<i64> = streams.iter().map(|_| 0).collect();
    let attempt = out.attempt;
    loop {
        for (i, s) in streams.iter().enumerate() {
            let (text, total) = pick(&out, *s);
            let new = total - printed[i];
            if new <= 0 {
                continue;
            }
            if both {
                write_stdout(&format!("--- {} ---\n", stream_name(*s)))?;
            }
            write_stdout(&new_part(text, new, total))?;
            printed[i] = total;
        }
        if !out.running {
            return Ok(ExitCode::SUCCESS);
        }
        tokio::time::sleep(args.interval).await;
        match history::output(&pool, id, Some(attempt)).await? {
            Some(o) => out = o,
            None => return Ok(ExitCode::SUCCESS),
        }
    }
}

fn stream_name(s: LogStream) -> &'static str {
    match s {
        LogStream::Stdout => "stdout",
        _ => "stderr",
    }
}

/// A stream's kept text and its whole size so far.
fn pick(out: &history::Output, s: LogStream) -> (&str, i64) {
    match s {
        LogStream::Stdout => (
            out.stdout.as_deref().unwrap_or(""),
            out.stdout_bytes.unwrap_or(0),
        ),
        _ => (
            out.stderr.as_deref().unwrap_or(""),
            out.stderr_bytes.unwrap_or(0),
        ),
    }
}

fn header(s: LogStream, out: &history::Output, kept: usize, total: i64) -> String {
    let state = if out.running { "running" } else { "ended" };
    let size = if kept as i64 >= total {
        format!("{total} bytes")
    } else {
        format!("the last {kept} of {total} bytes")
    };
    format!(
        "--- {} of attempt {} ({state}; {size}) ---\n",
        stream_name(s),
        out.attempt
    )
}

/// Text as printed: ending in a newline when there is any.
fn write_ended(text: &str) -> std::io::Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    if text.ends_with('\n') {
        write_stdout(text)
    } else {
        write_stdout(&format!("{text}\n"))
    }
}

/// The last `new` bytes of `text` (the kept tail of a stream of `total`
/// bytes), at a character boundary; a mark when more came than is kept.
fn new_part(text: &str, new: i64, total: i64) -> String {
    let kept = text.len() as i64;
    if new > kept {
        let lost = (new - kept).min(total);
        return format!("[... {lost} bytes not kept ...]\n{text}");
    }
    let mut start = (kept - new) as usize;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_string()
}
