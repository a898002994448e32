//! What a bulk command prints: the preview of the selected tasks, the
//! summary of what was done, and what becomes of running handlers.

use std::time::Duration;

use comfy_table::Cell;

use super::{running, tasks, words, Report, Words};
use crate::commands::Ctx;
use crate::output::{ellipsize, fmt_ago, fmt_secs};
use crate::queue::{TaskFilter, TaskStatus};

/// " (audit #N)", or that no audit row could be written.
pub(super) fn audit_ref(id: Option<i64>) -> String {
    match id {
        Some(id) => format!(" (audit #{id})"),
        None => " (no audit row written)".into(),
    }
}

pub(super) fn scope(filter: &TaskFilter) -> String {
    match &filter.queue {
        Some(q) => format!("in queue {q}"),
        None => "in every queue".into(),
    }
}

pub(super) fn print_preview(
    ctx: &Ctx,
    filter: &TaskFilter,
    report: &Report,
    dry_run: bool,
) -> std::io::Result<()> {
    // A preview is what a dry run was asked for; otherwise -q silences it.
    let say = |text: String| {
        if dry_run {
            ctx.out.line(text)
        } else {
            ctx.out.note(text)
        }
    };
    if ctx.out.quiet && !dry_run {
        return Ok(());
    }
    say(format!(
        "{} to {} {}:",
        tasks(report.selected),
        words(&report.action).verb,
        scope(filter)
    ))?;
    let all_queues = filter.queue.is_none();
    let mut headers = vec!["task name", "status", "tasks"];
    if all_queues {
        headers.insert(0, "queue");
    }
    let mut groups = ctx.out.table(headers);
    for g in &report.by_task {
        let mut row = vec![
            Cell::new(&g.task_name),
            ctx.out.status_cell(g.status),
            Cell::new(g.count),
        ];
        if all_queues {
            row.insert(0, Cell::new(&g.queue_name));
        }
        groups.add_row(row);
    }
    say(groups.to_string())?;
    if report.sample.is_empty() {
        return Ok(());
    }
    say(if (report.sample.len() as i64) < report.selected {
        format!("the oldest {} of them:", report.sample.len())
    } else {
        "all of them, oldest first:".to_string()
    })?;
    // Running tasks (cancel --include-claimed, fail): who runs them and
    // when it was last heard from, to tell a stuck task from a slow one.
    let running = report
        .sample
        .iter()
        .any(|t| t.status == TaskStatus::Claimed);
    let mut headers = vec![
        "task id",
        "task name",
        "status",
        "prio",
        "attempt",
        "created",
        "error",
    ];
    if running {
        headers.insert(6, "worker");
        headers.insert(7, "heartbeat");
    }
    let mut sample = ctx.out.table(headers);
    for t in &report.sample {
        let mut row = vec![
            Cell::new(t.task_id),
            Cell::new(&t.task_name),
            ctx.out.status_cell(t.status),
            Cell::new(t.priority),
            Cell::new(format!("{}/{}", t.attempt, t.max_retries)),
            Cell::new(fmt_ago(Some(t.created_at))),
            Cell::new(ellipsize(t.error.as_deref().unwrap_or(""), 50)),
        ];
        if running {
            let claimed = t.status == TaskStatus::Claimed;
            row.insert(
                6,
                Cell::new(if claimed {
                    t.worker_id.as_deref().unwrap_or("-")
                } else {
                    ""
                }),
            );
            row.insert(
                7,
                Cell::new(if claimed {
                    fmt_ago(t.heartbeat_at.or(t.claimed_at))
                } else {
                    String::new()
                }),
            );
        }
        sample.add_row(row);
    }
    say(sample.to_string())?;
    Ok(())
}

pub(super) fn print_summary(ctx: &Ctx, report: &Report, w: &Words) -> anyhow::Result<()> {
    if ctx.out.is_json() {
        return ctx.out.json(report);
    }
    let c = &report.counts;
    let mut text = format!(
        "{} {} in {} batch(es), {}",
        w.done,
        tasks(c.changed),
        report.batches,
        fmt_secs(Duration::from_millis(report.elapsed_ms as u64).as_secs_f64())
    );
    if c.skipped_locked + c.skipped_changed > 0 {
        text.push_str(&format!(
            "; skipped {} locked by a worker and {} changed since the preview",
            c.skipped_locked, c.skipped_changed
        ));
    }
    if report.not_reached > 0 {
        text.push_str(&format!("; {} not reached", tasks(report.not_reached)));
    }
    text.push_str(&audit_ref(report.audit_id));
    if c.changed > 0 {
        ctx.out.line(text)?;
    } else {
        ctx.out.note(text)?;
    }
    Ok(())
}

/// Running tasks that were failed or cancelled: what becomes of their
/// handlers, which absurdctl cannot stop everywhere.
pub(super) fn note_running(ctx: &Ctx, report: &Report) -> std::io::Result<()> {
    let running = running(report);
    if running == 0 || report.counts.changed == 0 || ctx.out.is_json() {
        return Ok(());
    }
    let legacy = report.running_on_legacy_workers.unwrap_or(0);
    let was = |n: i64| if n == 1 { "was" } else { "were" };
    if running > legacy {
        ctx.out.note(format!(
            "{} of them {} running under `absurdctl worker`: it stops the handler at its next \
             heartbeat",
            running - legacy,
            was(running - legacy)
        ))?;
    }
    if legacy > 0 {
        ctx.out.note(format!(
            "{legacy} of them {} running under a legacy Python worker (not in the registry), \
             which ignores its heartbeat's answer: the handler runs to its end (restart that \
             worker to stop it sooner), and its complete_task or fail_task then changes nothing",
            was(legacy)
        ))?;
    }
    Ok(())
}
