//! `absurdctl errors`: recent failures grouped by cause, the triage view
//! before `retry-failed`.

use std::process::ExitCode;

use comfy_table::Cell;
use serde::Serialize;

use crate::cli::format_duration;
use crate::cli::ErrorsArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::output::{ellipsize, fmt_ago};
use crate::queue::errors::{self, ErrorGroup};
use crate::queue::stats;

/// The JSON document of `errors --output json`.
#[derive(Serialize)]
struct Report<'a> {
    since_sec: f64,
    window_start: chrono::DateTime<chrono::Utc>,
    queues: &'a [String],
    task_names: &'a [String],
    /// Failed and retrying tasks counted (with --attempts: failed attempts).
    tasks: i64,
    /// Whether counts are of attempts (--attempts) or tasks.
    attempts: bool,
    /// Causes found, before --limit.
    groups_total: usize,
    groups: Vec<Shown<'a>>,
}

/// A cause as JSON shows it: with the command that retries its failed tasks.
#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    group: &'a ErrorGroup,
    /// `absurdctl retry-failed ...` selecting exactly this cause's failed
    /// tasks of the window; null when none of them failed for good.
    retry_command: Option<String>,
}

/// The `retry-failed` command whose filter is this cause within this window
/// (by its folded pattern, as `errors` groups), for the failed tasks.
fn retry_command(ctx: &Ctx, args: &ErrorsArgs, g: &ErrorGroup) -> Option<String> {
    if g.failed == 0 || args.attempts {
        return None;
    }
    let mut words: Vec<String> = vec!["absurdctl".into()];
    if args.all_queues {
        words.push("retry-failed".into());
        words.push("--all-queues".into());
    } else {
        if ctx.global.queue != crate::cli::DEFAULT_QUEUE {
            words.extend(["--queue".into(), ctx.global.queue.clone()]);
        }
        words.push("retry-failed".into());
    }
    words.extend(["--since".into(), format_duration(args.since)]);
    for name in &args.names.task_name {
        words.extend(["--task-name".into(), name.clone()]);
    }
    words.extend(["--error-pattern".into(), g.pattern.clone()]);
    let quoted: Vec<String> = words
        .iter()
        .map(|w| shlex::try_quote(w).map_or_else(|_| w.clone(), |q| q.into_owned()))
        .collect();
    Some(quoted.join(" "))
}

pub async fn run(ctx: &Ctx, args: ErrorsArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let pool = ctx.connect(Access::ReadOnly, 1).await?;
    let mut conn = pool.acquire().await?;
    let queues = if args.all_queues {
        stats::known_queues(&mut *conn).await?
    } else {
        vec![ctx.global.queue.clone()]
    };
    let found = if args.attempts {
        errors::grouped_attempts(&mut conn, &queues, args.since, &args.names.task_name).await?
    } else {
        errors::grouped(&mut conn, &queues, args.since, &args.names.task_name).await?
    };
    let counted = if args.attempts {
        "failed attempt(s)"
    } else {
        "task(s)"
    };
    let shown = &found.groups[..found.groups.len().min(args.limit as usize)];
    if ctx.out.is_json() {
        ctx.out.json(&Report {
            since_sec: args.since.as_secs_f64(),
            window_start: found.window_start,
            queues: &queues,
            task_names: &args.names.task_name,
            tasks: found.tasks,
            attempts: args.attempts,
            groups_total: found.groups.len(),
            groups: shown
                .iter()
                .map(|g| Shown {
                    group: g,
                    retry_command: retry_command(ctx, &args, g),
                })
                .collect(),
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let window = format_duration(args.since);
    if shown.is_empty() {
        let what = if args.attempts {
            "failed attempts"
        } else {
            "failed or retrying tasks"
        };
        ctx.out.note(format!("no {what} in the last {window}"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut headers = vec![
        "count",
        "failed",
        "retrying",
        "task names",
        "first seen",
        "last seen",
        "example task",
        "error",
    ];
    if args.all_queues {
        headers.insert(3, "queues");
    }
    let mut cells = Vec::new();
    for g in shown {
        let mut row = vec![
            Cell::new(g.count),
            Cell::new(g.failed),
            Cell::new(g.retrying),
            Cell::new(g.task_names.join(", ")),
            Cell::new(fmt_ago(Some(g.first_seen))),
            Cell::new(fmt_ago(Some(g.last_seen))),
            Cell::new(g.example_task_id),
            Cell::new(ellipsize(&g.pattern, 100)),
        ];
        if args.all_queues {
            row.insert(3, Cell::new(g.queues.join(", ")));
        }
        cells.push(row);
    }
    let table = ctx.out.fit_table(
        &headers,
        cells,
        &[
            "first seen",
            "retrying",
            "queues",
            "failed",
            "last seen",
            "task names",
        ],
        Some("error"),
    );
    ctx.out.print_table(&table)?;
    let more = found.groups.len() - shown.len();
    ctx.out.note(format!(
        "{} {counted} in {} cause(s) over the last {window}{}; `absurdctl tasks show ID` shows a task's full error",
        found.tasks,
        found.groups.len(),
        if more > 0 {
            format!(" ({more} more causes: raise --limit)")
        } else {
            String::new()
        }
    ))?;
    // The triage's next step, for the most frequent cause that failed for good.
    if let Some(cmd) = shown.iter().find_map(|g| retry_command(ctx, &args, g)) {
        ctx.out.note(format!(
            "retry the first cause's failed tasks (-o json has each cause's command):\n  {cmd}"
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
