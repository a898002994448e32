//! The one pipeline of every bulk change (retry-failed, cancel, fail, prioritize):
//! filter -> preview -> confirmation -> batches -> summary -> audit row.
//! Each batch records what it changed in its own transaction (an audit
//! [`Run`]); the run's audit row, with the total, follows the summary.
//!
//! The tasks are selected once, from one snapshot, before the operator is
//! asked: what is changed is at most what was shown. Each batch then changes
//! those of its tasks that still match and that no worker holds locked.

use std::process::ExitCode;
use std::time::Instant;

use serde::Serialize;
use serde_json::json;

mod filter;
mod render;

pub use filter::filter_from_args;
use render::{audit_ref, note_running, print_preview, print_summary, scope};

use crate::cli::BulkArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::CliError;
use crate::host;
use crate::interact::{self, Interrupt};
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

impl Report {
    /// A run's report before any batch: every selected task not reached yet.
    fn new(
        action: &BulkAction,
        filter: &TaskFilter,
        selected: usize,
        by_task: Vec<SelectionGroup>,
        sample: Vec<Task>,
        dry_run: bool,
    ) -> anyhow::Result<Report> {
        Ok(Report {
            action: action.clone(),
            outcome: if dry_run {
                Outcome::DryRun
            } else {
                Outcome::Completed
            },
            dry_run,
            filter: filter_json(filter)?,
            selected: selected as i64,
            counts: BatchOutcome::default(),
            not_reached: selected as i64,
            running_on_legacy_workers: None,
            batches: 0,
            longest_batch_ms: 0.0,
            elapsed_ms: 0,
            error: None,
            audit_id: None,
            by_task,
            sample,
        })
    }

    /// Why the run's audit row is missing, when the batches were done: they
    /// are recorded one by one in absurd.audit_batches.
    fn unrecorded(&self, run: &Run, w: &Words) -> String {
        format!(
            "{} {}, but the run's audit row could not be written (each batch is recorded in              absurd.audit_batches, run {})",
            tasks(self.counts.changed),
            w.done,
            run.run_id
        )
    }
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
    let mut report = Report::new(&action, &filter, ids.len(), groups, sample, opts.dry_run)?;
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
    let batches = Batches::begin(ctx, &mut conn, &action, &filter, &ids, opts).await?;
    let run = &batches.run;
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
    let failure = batches
        .apply(&mut conn, &mut report, Some(&interrupt), &bar)
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
    report.audit_id = match record(ctx, &pool, Some(run), &filter, &report).await {
        Ok(id) => Some(id),
        Err(e) if failure.is_some() => {
            ctx.out.warn(format!(
                "absurdctl: could not write the run's audit row: {e} (each committed batch is \
                 recorded in absurd.audit_batches, run {})",
                run.run_id
            ));
            None
        }
        Err(e) => return Err(e.context(report.unrecorded(run, &w))),
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

/// A run's batches: the tasks selected, and the audit run that records
/// each batch.
struct Batches<'a> {
    ctx: &'a Ctx,
    run: Run,
    action: &'a BulkAction,
    filter: &'a TaskFilter,
    ids: &'a [crate::queue::TaskId],
    opts: &'a BulkArgs,
}

impl<'a> Batches<'a> {
    /// Starts the audit run: a role that could not record the change is
    /// told so here, before anything changes.
    async fn begin(
        ctx: &'a Ctx,
        conn: &mut sqlx::PgConnection,
        action: &'a BulkAction,
        filter: &'a TaskFilter,
        ids: &'a [crate::queue::TaskId],
        opts: &'a BulkArgs,
    ) -> anyhow::Result<Batches<'a>> {
        let run = Run::start(
            &mut *conn,
            host::operator(),
            ctx.command,
            filter.queue.as_deref(),
        )
        .await?;
        Ok(Batches {
            ctx,
            run,
            action,
            filter,
            ids,
            opts,
        })
    }

    /// Changes the tasks in batches of --batch-size, each its own
    /// transaction recorded under the run, adding what was done to
    /// `report`; stops between batches on `interrupt`, and at a failed
    /// batch (its error).
    async fn apply(
        &self,
        conn: &mut sqlx::PgConnection,
        report: &mut Report,
        interrupt: Option<&Interrupt>,
        bar: &indicatif::ProgressBar,
    ) -> Option<crate::queue::QueueError> {
        let (ctx, run, action, filter) = (self.ctx, &self.run, self.action, self.filter);
        let w = words(action);
        for chunk in self.ids.chunks(self.opts.batch_size as usize) {
            if interrupt.is_some_and(|i| i.is_set()) {
                break;
            }
            let t = Instant::now();
            let batch = report.batches + 1;
            let outcome =
                match bulk::apply_batch(&mut *conn, run, batch, action, filter, chunk).await {
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
    let mut report = Report::new(&action, &filter, ids.len(), groups, Vec::new(), false)?;
    let batches = Batches::begin(ctx, &mut conn, &action, &filter, &ids, opts).await?;
    let run = &batches.run;
    let failure = batches
        .apply(
            &mut conn,
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
    let audit_id = record(ctx, &pool, Some(run), &filter, &report)
        .await
        .map_err(|e| e.context(report.unrecorded(run, &w)))?;
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
