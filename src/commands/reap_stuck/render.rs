//! The text view of a reap-stuck run, and `--output json` (the report as is).

use comfy_table::Cell;

use super::{Lock, QueueReport, Report};
use crate::commands::Ctx;
use crate::output::{fmt_secs, fmt_time};
use crate::queue::reap::{LockHolder, StuckTask};
use crate::queue::TaskStatus;

pub(super) fn render(ctx: &Ctx, report: &Report) -> anyhow::Result<()> {
    if ctx.out.is_json() {
        return ctx.out.json(report);
    }
    let several = report.queues.len() > 1;
    for q in &report.queues {
        if matches!(q.lock, Lock::HeldElsewhere | Lock::HeldTooLong) {
            // Not silenced by -q: a queue nobody reaps must not go unnoticed.
            eprintln!(
                "{}",
                crate::error::redact(&format!(
                    "another reaper holds the lock on queue {}{}; nothing done there",
                    q.queue_name,
                    holder_text(q.lock_holder.as_ref())
                ))
            );
            continue;
        }
        print_overran(ctx, q, several)?;
        let acted = !q.reaped.is_empty() || !q.workers_marked_dead.is_empty();
        if !acted {
            if q.left_alone.is_empty() {
                ctx.out
                    .note(format!("nothing to reap in queue {}", q.queue_name))?;
            } else {
                ctx.out.note(format!(
                    "nothing reaped in queue {}: {} stuck task(s) changed meanwhile (their \
                     worker spoke up or finished) and were left alone",
                    q.queue_name,
                    q.left_alone.len()
                ))?;
            }
            continue;
        }
        if !ctx.out.quiet {
            print_tasks(ctx, q, several, report.dry_run)?;
            print_workers(ctx, q, report.dry_run)?;
        }
        ctx.out.line(summary(q, report.dry_run))?;
    }
    if report.queues.is_empty() {
        ctx.out
            .note("nothing to reap: no queue has claimed tasks or live workers")?;
    }
    Ok(())
}

fn holder_text(holder: Option<&LockHolder>) -> String {
    match holder {
        Some(h) => format!(
            " (pid {}{}{}{}{})",
            h.pid,
            h.application_name
                .as_deref()
                .filter(|a| !a.is_empty())
                .map(|a| format!(", {a}"))
                .unwrap_or_default(),
            h.client_addr
                .as_deref()
                .map(|a| format!(", from {a}"))
                .unwrap_or_default(),
            h.usename
                .as_deref()
                .map(|u| format!(", role {u}"))
                .unwrap_or_default(),
            h.held_sec
                .map(|s| format!(", held for {}", fmt_secs(s)))
                .unwrap_or_default()
        ),
        None => String::new(),
    }
}

/// Tasks past their timeout whose worker is alive: reported, not reaped.
fn print_overran(ctx: &Ctx, q: &QueueReport, several: bool) -> std::io::Result<()> {
    if q.overran_timeout.is_empty() {
        return Ok(());
    }
    ctx.out.warn(format!(
        "{} task(s) of queue {} overran their timeout while their worker still heartbeats: \
         not reaped (reap them with --reap-overrun)",
        q.overran_timeout.len(),
        q.queue_name
    ));
    if ctx.out.quiet {
        return Ok(());
    }
    print_task_table(
        ctx,
        several,
        &["running for", "limit"],
        q.overran_timeout.iter().map(|t| {
            (
                t,
                vec![
                    Cell::new(fmt_secs(t.running_sec)),
                    Cell::new(fmt_secs(t.limit_sec)),
                ],
            )
        }),
    )
}

fn print_tasks(ctx: &Ctx, q: &QueueReport, several: bool, dry_run: bool) -> std::io::Result<()> {
    if q.reaped.is_empty() {
        return Ok(());
    }
    print_task_table(
        ctx,
        several,
        &[
            "silent for",
            "reason",
            if dry_run { "would become" } else { "now" },
        ],
        q.reaped.iter().map(|r| {
            (
                &r.task,
                vec![
                    Cell::new(fmt_secs(r.task.silent_sec)),
                    Cell::new(r.task.reason),
                    ctx.out.status_cell(r.new_status),
                ],
            )
        }),
    )
}

/// Tasks with their id, name, worker and claim time, then `extra` columns;
/// a queue column first when the run covers several queues.
fn print_task_table<'a>(
    ctx: &Ctx,
    several: bool,
    extra: &[&str],
    rows: impl Iterator<Item = (&'a StuckTask, Vec<Cell>)>,
) -> std::io::Result<()> {
    let mut headers = vec!["task id", "task name", "worker", "claimed"];
    headers.extend_from_slice(extra);
    if several {
        headers.insert(0, "queue");
    }
    let mut table = ctx.out.table(headers);
    for (t, cells) in rows {
        let mut row = vec![
            Cell::new(t.task_id),
            Cell::new(&t.task_name),
            Cell::new(t.worker_id.as_deref().unwrap_or("-")),
            Cell::new(fmt_time(t.claimed_at)),
        ];
        row.extend(cells);
        if several {
            row.insert(0, Cell::new(&t.queue_name));
        }
        table.add_row(row);
    }
    ctx.out.print_table(&table)
}

fn print_workers(ctx: &Ctx, q: &QueueReport, dry_run: bool) -> std::io::Result<()> {
    if q.workers_marked_dead.is_empty() {
        return Ok(());
    }
    let mut table = ctx.out.table([
        "worker",
        "host",
        "pid",
        "last seen",
        if dry_run { "would become" } else { "now" },
    ]);
    for w in &q.workers_marked_dead {
        table.add_row(vec![
            Cell::new(&w.worker_id),
            Cell::new(&w.hostname),
            Cell::new(w.pid.map(|p| p.to_string()).unwrap_or_else(|| "-".into())),
            Cell::new(fmt_time(Some(w.last_seen_at))),
            Cell::new("dead"),
        ]);
    }
    ctx.out.print_table(&table)?;
    Ok(())
}

/// The one line cron mails: what changed in a queue.
fn summary(q: &QueueReport, dry_run: bool) -> String {
    let retrying = q
        .reaped
        .iter()
        .filter(|r| r.new_status == TaskStatus::Retrying)
        .count();
    let failed = q.reaped.len() - retrying;
    let mut text = format!(
        "{} {} task(s) of queue {}: {retrying} back to the queue, {failed} failed (out of attempts)",
        if dry_run { "would reap" } else { "reaped" },
        q.reaped.len(),
        q.queue_name
    );
    if !q.left_alone.is_empty() {
        text.push_str(&format!(
            "; {} changed meanwhile and left alone",
            q.left_alone.len()
        ));
    }
    if !q.workers_marked_dead.is_empty() {
        text.push_str(&format!(
            "; {} {} worker(s) dead",
            if dry_run { "would mark" } else { "marked" },
            q.workers_marked_dead.len()
        ));
    }
    if dry_run {
        text.push_str(" (dry run: nothing changed)");
    }
    text
}
