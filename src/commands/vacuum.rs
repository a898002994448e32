//! `absurdctl vacuum`: delete finished tasks past retention in short batches
//! (archiving them first when asked), then VACUUM (ANALYZE) absurd.tasks and,
//! when asked, REINDEX CONCURRENTLY its bloated indexes or VACUUM FULL it.
//!
//! One maintenance job per file, run in this order by [`run`]: `delete`
//! (deleting with archiving), `vacuum_table` (VACUUM), `reindex` (REINDEX);
//! `interrupt` holds what lets Ctrl-C stop each of them cleanly, `report`
//! what they did, `render` how it is shown.

mod delete;
mod interrupt;
mod reindex;
mod render;
mod report;
mod vacuum_table;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

use serde_json::json;
use sqlx::PgPool;

use crate::archive;
use crate::cli::VacuumArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::CliError;
use crate::host;
use crate::interact::{self, Interrupt};
use crate::output::fmt_bytes;
use crate::queue::audit::{AuditEntry, Run};
use crate::queue::maintenance;
use crate::queue::retention::{self, Preview, Retention};
use crate::queue::roster;
use crate::queue::stats;
use render::{per_status_text, print_volumes, render};
use report::{Report, Stopped};

pub async fn run(ctx: &Ctx, args: VacuumArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    if let Some(path) = &args.archive {
        archive::check(path, args.append)?;
    }
    let started = Instant::now();
    let access = if args.dry_run {
        Access::ReadOnly
    } else {
        Access::ReadWrite
    };
    // One connection deletes (or runs VACUUM); the other can cancel it.
    let pool = ctx.connect(access, 2).await?;
    if args.analyze_only {
        return analyze_only(ctx, &pool, &args).await;
    }
    // None: every queue (--all-queues), for the audit and the registrations.
    let audited_queue = (!args.all_queues).then_some(ctx.global.queue.as_str());
    let queues = if args.all_queues {
        stats::known_queues(&pool).await?
    } else {
        vec![ctx.global.queue.clone()]
    };
    let r = retention::cutoffs(
        &pool,
        &ctx.global.queue,
        args.completed_older_than,
        args.cancelled_older_than,
        args.failed_older_than,
        args.attempts_at_least.unwrap_or(0),
    )
    .await?;
    // One set of cutoffs for every queue, each queue deleted in turn (the
    // index of finished tasks is ordered by queue, then completion time).
    let rs: Vec<Retention> = queues.iter().map(|q| r.for_queue(q)).collect();
    let before = maintenance::sizes(&pool).await?;
    let mut report = Report::new(&queues, &args, &r, &before);
    let bar_shown = ctx.out.stderr_tty && !ctx.out.quiet && !ctx.out.is_json();

    // The preview reads every row past retention: only when it is shown
    // (dry run, question, progress bar), not in unattended runs.
    let mut expected = 0;
    if args.dry_run || !ctx.global.yes || bar_shown {
        let mut conn = pool.acquire().await?;
        let mut preview = Preview::none();
        for r in &rs {
            preview.add(retention::preview(&mut conn, r).await?);
        }
        expected = preview.rows();
        if args.dry_run {
            report.kept_depended_on = preview.kept_depended_on;
            report.rows = preview.rows();
            report.bytes = preview.bytes();
            report.by_status = preview.by_status;
            report.workers_pruned = Some(
                roster::prune(&mut conn, audited_queue, args.completed_older_than, true).await?,
            );
            if args.reindex {
                report.index_bloat = maintenance::index_bloat(&mut conn).await?;
            }
            report.elapsed_seconds = started.elapsed().as_secs_f64();
            render(ctx, &args, &report)?;
            return Ok(ExitCode::SUCCESS);
        }
        if preview.rows() > 0 {
            // The preview goes with the question, when there is someone to ask.
            if !ctx.global.yes && !ctx.out.is_json() && std::io::stdin().is_terminal() {
                print_volumes(ctx, &preview.by_status, &report.retention)?;
            }
            interact::confirm(
                &ctx.out,
                ctx.global.yes,
                &format!(
                    "Delete {} finished tasks of {} ({}; about {})?",
                    preview.rows(),
                    render::scope(&report.queues),
                    per_status_text(&preview.by_status),
                    fmt_bytes(preview.bytes())
                ),
            )?;
        }
    }
    if args.full {
        interact::confirm(
            &ctx.out,
            ctx.global.yes,
            &format!(
                "VACUUM FULL takes an ACCESS EXCLUSIVE lock on absurd.tasks until it has rewritten \
                 the table ({}) and all its indexes: no worker can claim, complete or heartbeat a \
                 task meanwhile. Run it?",
                fmt_bytes(before.table_bytes)
            ),
        )?;
    }

    // Before anything is deleted: a role that could not record the deletions
    // is told so, and nothing changes.
    let run = Run::start(&pool, host::operator(), ctx.command, audited_queue).await?;
    let interrupt = Interrupt::install_for_batches();
    let deleted = delete::delete_past_retention(
        ctx,
        &pool,
        &args,
        &rs,
        &run,
        expected,
        &interrupt,
        &mut report,
    )
    .await;
    let outcome = match deleted {
        Ok(()) => match prune_workers(audited_queue, &pool, &args, &run, &mut report).await {
            Ok(()) => maintain(ctx, &pool, &args, &interrupt, &mut report).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    if let Ok(after) = maintenance::sizes(&pool).await {
        report.set_sizes_after(&after);
    }
    report.elapsed_seconds = started.elapsed().as_secs_f64();
    let recorded = run
        .finish(
            &pool,
            &AuditEntry {
                operator: host::operator(),
                command: ctx.command.to_string(),
                queue_name: audited_queue.map(str::to_string),
                filter: json!({
                    "completed_older_than": report.retention.completed_older_than,
                    "cancelled_older_than": report.retention.cancelled_older_than,
                    "failed_older_than": report.retention.failed_older_than,
                    "failed_attempts_at_least": args.attempts_at_least,
                    "all_queues": args.all_queues,
                }),
                details: serde_json::to_value(&report)?,
                affected: report.rows,
                dry_run: false,
            },
        )
        .await;
    if let (Err(_), Err(a)) = (&outcome, &recorded) {
        // The failure is the error to report; the audit's goes with it.
        ctx.out.warn(format!("could not record the audit row: {a}"));
    }
    match outcome {
        Ok(()) => {
            recorded?;
            render(ctx, &args, &report)?;
            if report.stopped == Stopped::Interrupted {
                return Err(CliError::Interrupted(format!(
                    ": {} finished tasks deleted before it{}",
                    report.rows,
                    if report.archive.is_some() {
                        ", all of them in the archive"
                    } else {
                        ""
                    }
                ))
                .into());
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) if report.rows == 0 => Err(e),
        Err(e) => Err(e.context(format!(
            "vacuum failed after deleting {} finished tasks{}",
            report.rows,
            if report.archive.is_some() {
                " (the archive holds every one of them)"
            } else {
                ""
            }
        ))),
    }
}

/// Once every task past retention is gone, the queue's worker registrations
/// (and legacy pollers) stopped or dead for as long as completed tasks are
/// kept go too, recorded as one batch of the run.
async fn prune_workers(
    queue: Option<&str>,
    pool: &PgPool,
    args: &VacuumArgs,
    run: &Run,
    report: &mut Report,
) -> anyhow::Result<()> {
    if report.stopped != Stopped::Done {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    let pruned = roster::prune(&mut tx, queue, args.completed_older_than, false).await?;
    if !pruned.registrations.is_empty() || !pruned.legacy_pollers.is_empty() {
        run.batch(&mut *tx, 0, &json!({ "workers_pruned": pruned }))
            .await?;
    }
    tx.commit().await?;
    report.workers_pruned = Some(pruned);
    Ok(())
}

/// `--analyze-only`: ANALYZE absurd.tasks, recorded in the audit table as
/// every vacuum run is; nothing is deleted.
async fn analyze_only(ctx: &Ctx, pool: &PgPool, args: &VacuumArgs) -> anyhow::Result<ExitCode> {
    let queue = (!args.all_queues).then_some(ctx.global.queue.as_str());
    let run = Run::start(pool, host::operator(), ctx.command, queue).await?;
    let mut conn = pool.acquire().await?;
    maintenance::allow_long_statements(&mut conn).await?;
    let started = Instant::now();
    let analyzed = maintenance::analyze(&mut conn).await;
    let seconds = started.elapsed().as_secs_f64();
    let outcome = json!({
        "analyze_only": true,
        "analyzed": analyzed.is_ok(),
        "analyze_seconds": seconds,
        "rows": 0,
    });
    let recorded = run
        .finish(
            pool,
            &AuditEntry {
                operator: host::operator(),
                command: ctx.command.to_string(),
                queue_name: queue.map(str::to_string),
                filter: json!({ "analyze_only": true }),
                details: outcome.clone(),
                affected: 0,
                dry_run: false,
            },
        )
        .await;
    analyzed.map_err(|e| anyhow::Error::new(e).context("ANALYZE absurd.tasks failed"))?;
    recorded?;
    if ctx.out.is_json() {
        ctx.out.json(&outcome)?;
    } else {
        ctx.out.note(format!(
            "ANALYZE absurd.tasks: {}; nothing deleted, no VACUUM (--analyze-only)",
            crate::output::fmt_secs(seconds)
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The maintenance asked for, once deleting is over, filling `report` as
/// each job goes.
async fn maintain(
    ctx: &Ctx,
    pool: &PgPool,
    args: &VacuumArgs,
    interrupt: &Interrupt,
    report: &mut Report,
) -> anyhow::Result<()> {
    match report.stopped {
        Stopped::Interrupted => {
            report.vacuum_skipped = Some("interrupted".into());
            return Ok(());
        }
        Stopped::MaxDuration => {
            report.vacuum_skipped = Some("--max-duration ran out (autovacuum follows)".into());
            return Ok(());
        }
        Stopped::Done if args.no_vacuum => {
            report.vacuum_skipped = Some("--no-vacuum".into());
        }
        Stopped::Done => {}
    }

    let mut conn = pool.acquire().await?;
    maintenance::allow_long_statements(&mut conn).await?;
    if args.duty_cycle < 100 && !args.full {
        maintenance::vacuum_like_autovacuum(&mut conn).await?;
    }
    let pid = maintenance::backend_pid(&mut conn).await?;
    if !args.no_vacuum
        && !vacuum_table::vacuum_table(ctx, pool, &mut conn, pid, args.full, interrupt, report)
            .await?
    {
        return Ok(());
    }
    if args.reindex {
        reindex::reindex_bloated(
            ctx,
            pool,
            &mut conn,
            pid,
            args.reindex_threshold,
            interrupt,
            report,
        )
        .await?;
    }
    Ok(())
}
