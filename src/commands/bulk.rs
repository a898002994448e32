//! The one pipeline of every bulk change (retry-failed, cancel, fail, prioritize):
//! filter -> preview -> confirmation -> batches -> summary -> audit row.
//! Each batch records what it changed in its own transaction (an audit
//! [`Run`]); the run's audit row, with the total, follows the summary.
//!
//! The tasks are selected once, from one snapshot, before the operator is
//! asked: what is changed is at most what was shown. Each batch then changes
//! those of its tasks that still match and that no worker holds locked.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use comfy_table::Cell;
use serde::Serialize;
use serde_json::json;

mod filter;

pub use filter::filter_from_args;

use crate::cli::BulkArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::CliError;
use crate::host;
use crate::interact::{self, Interrupt};
use crate::output::{ellipsize, fmt_ago, fmt_secs};
use crate::queue::audit::{self, AuditEntry, Run};
use crate::queue::bulk::{self, BatchOutcome, BulkAction, Selection, SelectionGroup};
use crate::queue::{Task, TaskFilter, TaskStatus};

/// At most this many ids of an --id/--ids-from list go into the audit row
/// and the report; the rest are counted.
const MAX_IDS_RECORDED: usize = 1000;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    NothingToDo,
    DryRun,
    Completed,
    Interrupted,
    Failed,
}

/// What a bulk command did: printed with `--output json`, and (without the
/// sample) the `details` of its audit row.
#[derive(Debug, Serialize)]
struct Report {
    #[serde(flatten)]
    action: BulkAction,
    outcome: Outcome,
    dry_run: bool,
    filter: serde_json::Value,
    /// Tasks selected (shown in the preview).
    selected: i64,
    #[serde(flatten)]
    counts: BatchOutcome,
    /// Selected tasks no batch got to (interrupted or failed run, dry run).
    not_reached: i64,
    /// Of the selected, running tasks, those of a legacy worker (not in the
    /// registry): their handler is not stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    running_on_legacy_workers: Option<i64>,
    batches: u64,
    longest_batch_ms: f64,
    /// Time spent selecting and changing (not waiting for the answer).
    elapsed_ms: u128,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    audit_id: Option<i64>,
    by_task: Vec<SelectionGroup>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sample: Vec<Task>,
}

/// Words for one action, in messages and prompts.
struct Words {
    verb: &'static str,
    done: &'static str,
}

fn words(action: &BulkAction) -> Words {
    match action {
        BulkAction::RetryFailed { .. } => Words {
            verb: "retry",
            done: "retried",
        },
        BulkAction::Cancel { .. } => Words {
            verb: "cancel",
            done: "cancelled",
        },
        BulkAction::Fail { .. } => Words {
            verb: "fail",
            done: "failed",
        },
        BulkAction::Prioritize { .. } => Words {
            verb: "re-prioritize",
            done: "re-prioritized",
        },
    }
}

fn tasks(n: i64) -> String {
    if n == 1 {
        "1 task".into()
    } else {
        format!("{n} tasks")
    }
}

/// The filter as recorded: long id lists are cut to their first ids.
fn filter_json(filter: &TaskFilter) -> anyhow::Result<serde_json::Value> {
    let mut value = serde_json::to_value(filter)?;
    if filter.ids.len() > MAX_IDS_RECORDED {
        value["ids"] = serde_json::to_value(&filter.ids[..MAX_IDS_RECORDED])?;
        value["ids_total"] = json!(filter.ids.len());
    }
    Ok(value)
}

/// Runs the pipeline for `action` over the tasks `filter` selects.
pub async fn run(
    ctx: &Ctx,
    action: BulkAction,
    filter: TaskFilter,
    opts: &BulkArgs,
) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let mut filter = action.narrow(&filter)?;
    let started = Instant::now();
    let pool = ctx.connect(Access::ReadWrite, 1).await?;
    let mut conn = pool.acquire().await?;
    filter.resolve_prefixes(&mut conn).await?;
    filter.resolve_pattern(&mut conn).await?;

    let Selection {
        ids,
        groups,
        sample,
    } = bulk::select(&mut conn, &action, &filter, opts.sample).await?;
    ctx.out.debug(format!(
        "selected {} in {:.1} ms",
        tasks(ids.len() as i64),
        started.elapsed().as_secs_f64() * 1000.0
    ));
    let mut report = Report {
        action: action.clone(),
        outcome: Outcome::DryRun,
        dry_run: opts.dry_run,
        filter: filter_json(&filter)?,
        selected: ids.len() as i64,
        counts: BatchOutcome::default(),
        not_reached: ids.len() as i64,
        running_on_legacy_workers: None,
        batches: 0,
        longest_batch_ms: 0.0,
        elapsed_ms: 0,
        error: None,
        audit_id: None,
        by_task: groups,
        sample,
    };
    let w = words(&report.action);
    if running(&report) > 0 {
        report.running_on_legacy_workers =
            Some(bulk::held_by_legacy_workers(&mut conn, &ids).await?);
    }

    if ids.is_empty() {
        report.outcome = Outcome::NothingToDo;
        report.elapsed_ms = started.elapsed().as_millis();
        if ctx.out.is_json() {
            ctx.out.json(&report)?;
        } else {
            ctx.out
                .note(format!("no tasks match: nothing to {}", w.verb))?;
        }
        return Ok(ExitCode::SUCCESS);
    }

    if !ctx.out.is_json() {
        print_preview(ctx, &filter, &report, opts.dry_run)?;
    }
    if opts.dry_run {
        drop(conn);
        report.elapsed_ms = started.elapsed().as_millis();
        report.audit_id = Some(record(ctx, &pool, None, &filter, &report).await?);
        if ctx.out.is_json() {
            ctx.out.json(&report)?;
        } else {
            ctx.out.line(format!(
                "dry run: {} would be {}; nothing was changed{}",
                tasks(report.selected),
                w.done,
                audit_ref(report.audit_id)
            ))?;
        }
        return Ok(ExitCode::SUCCESS);
    }

    // Before the question: a role that could not record the change is told
    // so, and nothing changes.
    let run = Run::start(
        &mut *conn,
        host::operator(),
        ctx.command,
        filter.queue.as_deref(),
    )
    .await?;
    let mut prompt = format!(
        "{}{} {} {}",
        w.verb[..1].to_uppercase(),
        &w.verb[1..],
        tasks(report.selected),
        scope(&filter)
    );
    match &action {
        BulkAction::Prioritize { priority } => prompt.push_str(&format!(" to priority {priority}")),
        BulkAction::Fail { reason } => prompt.push_str(&format!(" with error \"{reason}\"")),
        _ => {}
    }
    prompt.push('?');
    let asked = Instant::now();
    interact::confirm(&ctx.out, ctx.global.yes, &prompt)?;
    // The operator's thinking time is not the command's.
    let answered_in = asked.elapsed();

    let interrupt = Interrupt::install_for_batches();
    let bar = interact::progress(&ctx.out, ids.len() as u64, w.verb);
    let failure = apply_batches(
        ctx,
        &mut conn,
        &run,
        &action,
        &filter,
        &ids,
        opts,
        &mut report,
        Some(&interrupt),
        &bar,
    )
    .await;
    bar.finish_and_clear();
    // A failed batch may have broken the connection: the pool replaces it.
    drop(conn);

    report.outcome = if failure.is_some() {
        Outcome::Failed
    } else if report.not_reached > 0 {
        Outcome::Interrupted
    } else {
        Outcome::Completed
    };
    report.error = failure.as_ref().map(|e| e.to_string());
    report.elapsed_ms = (started.elapsed() - answered_in).as_millis();
    // What was committed is recorded even when the run stopped early.
    report.audit_id = match record(ctx, &pool, Some(&run), &filter, &report).await {
        Ok(id) => Some(id),
        Err(e) if failure.is_some() => {
            ctx.out.warn(format!(
                "absurdctl: could not write the run's audit row: {e} (each committed batch is \
                 recorded in absurd.audit_batches, run {})",
                run.run_id
            ));
            None
        }
        Err(e) => {
            return Err(e.context(format!(
                "{} {}, but the run's audit row could not be written (each batch is recorded \
                 in absurd.audit_batches, run {})",
                tasks(report.counts.changed),
                w.done,
                run.run_id
            )))
        }
    };
    print_summary(ctx, &report, &w)?;
    note_running(ctx, &report)?;

    if let Some(e) = failure {
        return Err(anyhow::Error::from(e).context(format!(
            "stopped after {} of {}: what was done stays",
            tasks(report.selected - report.not_reached),
            tasks(report.selected)
        )));
    }
    if report.outcome == Outcome::Interrupted {
        return Err(CliError::Interrupted(format!(
            ": stopped between batches; {} {}, {} not reached; what was done stays",
            tasks(report.counts.changed),
            w.done,
            tasks(report.not_reached)
        ))
        .into());
    }
    Ok(ExitCode::SUCCESS)
}

/// Changes `ids` in batches of `opts.batch_size`, each its own transaction
/// recorded under `run`, adding what was done to `report`; stops between
/// batches on `interrupt`, and at a failed batch (its error).
#[allow(clippy::too_many_arguments)]
async fn apply_batches(
    ctx: &Ctx,
    conn: &mut sqlx::PgConnection,
    run: &Run,
    action: &BulkAction,
    filter: &TaskFilter,
    ids: &[crate::queue::TaskId],
    opts: &BulkArgs,
    report: &mut Report,
    interrupt: Option<&Interrupt>,
    bar: &indicatif::ProgressBar,
) -> Option<crate::queue::QueueError> {
    let w = words(action);
    for chunk in ids.chunks(opts.batch_size as usize) {
        if interrupt.is_some_and(|i| i.is_set()) {
            break;
        }
        let t = Instant::now();
        let batch = report.batches + 1;
        let outcome = match bulk::apply_batch(&mut *conn, run, batch, action, filter, chunk).await {
            Ok(o) => o,
            Err(e) => return Some(e),
        };
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        report.batches += 1;
        report.longest_batch_ms = report.longest_batch_ms.max(ms);
        report.counts.changed += outcome.changed;
        report.counts.skipped_locked += outcome.skipped_locked;
        report.counts.skipped_changed += outcome.skipped_changed;
        report.not_reached -= chunk.len() as i64;
        ctx.out.debug(format!(
            "batch {}: {} {}, {} locked, {} changed meanwhile, {ms:.1} ms",
            report.batches,
            outcome.changed,
            w.done,
            outcome.skipped_locked,
            outcome.skipped_changed
        ));
        bar.inc(chunk.len() as u64);
    }
    None
}

/// The pipeline for a change confirmed elsewhere (`top`'s `r`, asked in its
/// view): the tasks `filter` selects, changed in batches with the audit of
/// every bulk command, nothing printed. Says what was done.
pub(crate) async fn run_confirmed(
    ctx: &Ctx,
    action: BulkAction,
    filter: TaskFilter,
    opts: &BulkArgs,
) -> anyhow::Result<String> {
    let filter = action.narrow(&filter)?;
    let started = Instant::now();
    let pool = ctx.connect(Access::ReadWrite, 1).await?;
    let mut conn = pool.acquire().await?;
    let Selection {
        ids,
        groups,
        sample: _,
    } = bulk::select(&mut conn, &action, &filter, 0).await?;
    let w = words(&action);
    if ids.is_empty() {
        return Ok(format!("no tasks match: nothing to {}", w.verb));
    }
    let mut report = Report {
        action: action.clone(),
        outcome: Outcome::Completed,
        dry_run: false,
        filter: filter_json(&filter)?,
        selected: ids.len() as i64,
        counts: BatchOutcome::default(),
        not_reached: ids.len() as i64,
        batches: 0,
        longest_batch_ms: 0.0,
        elapsed_ms: 0,
        error: None,
        audit_id: None,
        by_task: groups,
        sample: Vec::new(),
        running_on_legacy_workers: None,
    };
    let run = Run::start(
        &mut *conn,
        host::operator(),
        ctx.command,
        filter.queue.as_deref(),
    )
    .await?;
    let failure = apply_batches(
        ctx,
        &mut conn,
        &run,
        &action,
        &filter,
        &ids,
        opts,
        &mut report,
        None,
        &indicatif::ProgressBar::hidden(),
    )
    .await;
    drop(conn);
    if failure.is_some() {
        report.outcome = Outcome::Failed;
    }
    report.error = failure.as_ref().map(|e| e.to_string());
    report.elapsed_ms = started.elapsed().as_millis();
    let audit_id = record(ctx, &pool, Some(&run), &filter, &report)
        .await
        .map_err(|e| {
            e.context(format!(
                "{} {}, but the run's audit row could not be written (each batch is recorded \
                 in absurd.audit_batches, run {})",
                tasks(report.counts.changed),
                w.done,
                run.run_id
            ))
        })?;
    let mut text = format!(
        "{} {} of {}{}",
        w.done,
        tasks(report.counts.changed),
        tasks(report.selected),
        audit_ref(Some(audit_id))
    );
    if let Some(e) = failure {
        text.push_str(&format!("; stopped at a failed batch: {e}"));
    }
    Ok(text)
}

/// " (audit #N)", or that no audit row could be written.
fn audit_ref(id: Option<i64>) -> String {
    match id {
        Some(id) => format!(" (audit #{id})"),
        None => " (no audit row written)".into(),
    }
}

fn scope(filter: &TaskFilter) -> String {
    match &filter.queue {
        Some(q) => format!("in queue {q}"),
        None => "in every queue".into(),
    }
}

fn print_preview(
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

fn print_summary(ctx: &Ctx, report: &Report, w: &Words) -> anyhow::Result<()> {
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
fn note_running(ctx: &Ctx, report: &Report) -> std::io::Result<()> {
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

/// Selected tasks that are running.
fn running(report: &Report) -> i64 {
    report
        .by_task
        .iter()
        .filter(|g| g.status == TaskStatus::Claimed)
        .map(|g| g.count)
        .sum()
}

/// The run's audit row (for a dry run, which changes nothing, the only one).
async fn record(
    ctx: &Ctx,
    db: &sqlx::PgPool,
    run: Option<&Run>,
    filter: &TaskFilter,
    report: &Report,
) -> anyhow::Result<i64> {
    let mut details = serde_json::to_value(report)?;
    if let Some(d) = details.as_object_mut() {
        for key in ["sample", "filter", "audit_id", "dry_run"] {
            d.remove(key);
        }
        let argv: Vec<String> = std::env::args().map(|a| crate::error::redact(&a)).collect();
        d.insert("argv".into(), json!(argv));
    }
    let entry = AuditEntry {
        operator: host::operator(),
        command: ctx.command.to_string(),
        queue_name: filter.queue.clone(),
        filter: report.filter.clone(),
        details,
        // A dry run records how many tasks it would have changed.
        affected: if report.dry_run {
            report.selected
        } else {
            report.counts.changed
        },
        dry_run: report.dry_run,
    };
    Ok(match run {
        Some(run) => run.finish(db, &entry).await?,
        None => audit::record(db, &entry).await?,
    })
}
