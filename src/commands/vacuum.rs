//! `absurdctl vacuum`: delete finished tasks past retention in short batches
//! (archiving them first when asked), then VACUUM (ANALYZE) absurd.tasks and,
//! when asked, REINDEX CONCURRENTLY its bloated indexes or VACUUM FULL it.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use comfy_table::Cell;
use futures_util::TryStreamExt;
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;

use crate::archive::{self, Archive, ArchiveSummary};
use crate::cli::VacuumArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::CliError;
use crate::interact::{self, Interrupt};
use crate::output::{fmt_bytes, fmt_secs, fmt_time};
use crate::queue::audit::{AuditEntry, Run};
use crate::queue::maintenance::{self, IndexBloat, TableSizes};
use crate::queue::retention::{self, Retention, StatusVolume};
use crate::queue::TaskStatus;

/// Indexes smaller than this are not worth a rebuild, whatever their bloat.
const REINDEX_MIN_BYTES: i64 = 1024 * 1024;

/// Why deleting stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Stopped {
    /// Nothing past retention is left (but rows skipped or depended on).
    Done,
    /// --max-duration ran out.
    MaxDuration,
    /// Ctrl-C or SIGTERM.
    Interrupted,
}

/// Which VACUUM ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum VacuumKind {
    Analyze,
    Full,
}

#[derive(Debug, Clone, Serialize)]
struct RetentionReport {
    completed_older_than: String,
    cancelled_older_than: String,
    failed_older_than: String,
    completed_before: DateTime<Utc>,
    cancelled_before: DateTime<Utc>,
    failed_before: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
struct IndexSize {
    name: String,
    bytes_before: i64,
    bytes_after: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
struct Reindexed {
    name: String,
    estimated_bloat_pct: f64,
    bytes_before: i64,
    bytes_after: Option<i64>,
    seconds: f64,
}

/// What a run did (or, with --dry-run, would do). Its JSON is the command's
/// `--output json` and the audit row's details.
#[derive(Debug, Clone, Serialize)]
struct Report {
    queue: String,
    dry_run: bool,
    retention: RetentionReport,
    /// Rows deleted per finished status (would be deleted, on a dry run).
    by_status: Vec<StatusVolume>,
    rows: i64,
    bytes: i64,
    /// Past retention but kept because unfinished tasks depend on them.
    kept_depended_on: i64,
    batches: u64,
    batch_size: i64,
    duty_cycle: u8,
    stopped: Stopped,
    archive: Option<ArchiveSummary>,
    vacuum: Option<VacuumKind>,
    /// Why VACUUM did not run, when it did not.
    vacuum_skipped: Option<String>,
    /// Indexes with their estimated bloat (only with --reindex).
    index_bloat: Vec<IndexBloat>,
    reindexed: Vec<Reindexed>,
    /// Invalid copies left by failed or cancelled rebuilds, dropped.
    dropped_invalid_indexes: Vec<String>,
    table_bytes_before: i64,
    table_bytes_after: Option<i64>,
    indexes: Vec<IndexSize>,
    delete_seconds: f64,
    rows_per_sec: f64,
    vacuum_seconds: f64,
    elapsed_seconds: f64,
}

impl Report {
    fn new(ctx: &Ctx, args: &VacuumArgs, r: &Retention, before: &TableSizes) -> Report {
        let human = |d: Duration| humantime::format_duration(d).to_string();
        Report {
            queue: ctx.global.queue.clone(),
            dry_run: args.dry_run,
            retention: RetentionReport {
                completed_older_than: human(args.completed_older_than),
                cancelled_older_than: human(args.cancelled_older_than),
                failed_older_than: human(args.failed_older_than),
                completed_before: r.completed_before,
                cancelled_before: r.cancelled_before,
                failed_before: r.failed_before,
            },
            by_status: StatusVolume::none(),
            rows: 0,
            bytes: 0,
            kept_depended_on: 0,
            batches: 0,
            batch_size: args.batch_size,
            duty_cycle: args.duty_cycle,
            stopped: Stopped::Done,
            archive: None,
            vacuum: None,
            vacuum_skipped: None,
            index_bloat: Vec::new(),
            reindexed: Vec::new(),
            dropped_invalid_indexes: Vec::new(),
            table_bytes_before: before.table_bytes,
            table_bytes_after: None,
            indexes: before
                .indexes
                .iter()
                .map(|i| IndexSize {
                    name: i.name.clone(),
                    bytes_before: i.bytes,
                    bytes_after: None,
                })
                .collect(),
            delete_seconds: 0.0,
            rows_per_sec: 0.0,
            vacuum_seconds: 0.0,
            elapsed_seconds: 0.0,
        }
    }

    fn count(&mut self, status: TaskStatus, bytes: i64) {
        if let Some(v) = self.by_status.iter_mut().find(|v| v.status == status) {
            v.rows += 1;
            v.bytes += bytes;
        }
        self.rows += 1;
        self.bytes += bytes;
    }

    fn set_sizes_after(&mut self, after: &TableSizes) {
        self.table_bytes_after = Some(after.table_bytes);
        for i in &mut self.indexes {
            i.bytes_after = after.index_bytes(&i.name);
        }
        for r in &mut self.reindexed {
            r.bytes_after = after.index_bytes(&r.name);
        }
    }

    /// Indexes --reindex rebuilds: bloated past the threshold and big enough.
    fn reindex_candidates(&self, threshold: u8) -> Vec<(String, f64)> {
        self.index_bloat
            .iter()
            .filter(|i| i.valid && i.bytes >= REINDEX_MIN_BYTES)
            .filter_map(|i| {
                i.estimated_bloat_pct
                    .filter(|p| *p >= f64::from(threshold))
                    .map(|p| (i.name.clone(), p))
            })
            .collect()
    }
}

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
    let r = retention::cutoffs(
        &pool,
        &ctx.global.queue,
        args.completed_older_than,
        args.cancelled_older_than,
        args.failed_older_than,
    )
    .await?;
    let before = maintenance::sizes(&pool).await?;
    let mut report = Report::new(ctx, &args, &r, &before);
    let bar_shown = ctx.out.stderr_tty && !ctx.out.quiet && !ctx.out.is_json();

    // The preview reads every row past retention: only when it is shown
    // (dry run, question, progress bar), not in unattended runs.
    let mut expected = 0;
    if args.dry_run || !ctx.global.yes || bar_shown {
        let mut conn = pool.acquire().await?;
        let preview = retention::preview(&mut conn, &r).await?;
        expected = preview.rows();
        if args.dry_run {
            report.kept_depended_on = preview.kept_depended_on;
            report.rows = preview.rows();
            report.bytes = preview.bytes();
            report.by_status = preview.by_status;
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
                print_volumes(ctx, &preview.by_status, &report.retention);
            }
            interact::confirm(
                &ctx.out,
                ctx.global.yes,
                &format!(
                    "Delete {} finished tasks of queue {} ({}; about {})?",
                    preview.rows(),
                    ctx.global.queue,
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
    let run = Run::start(&pool, ctx.command, Some(&ctx.global.queue)).await?;
    let interrupt = Interrupt::install_for_batches();
    let outcome = apply(
        ctx,
        &pool,
        &args,
        &r,
        &run,
        expected,
        &interrupt,
        &mut report,
    )
    .await;
    if let Ok(after) = maintenance::sizes(&pool).await {
        report.set_sizes_after(&after);
    }
    report.elapsed_seconds = started.elapsed().as_secs_f64();
    let recorded = run
        .finish(
            &pool,
            &AuditEntry {
                command: ctx.command.to_string(),
                queue_name: Some(ctx.global.queue.clone()),
                filter: json!({
                    "completed_older_than": report.retention.completed_older_than,
                    "cancelled_older_than": report.retention.cancelled_older_than,
                    "failed_older_than": report.retention.failed_older_than,
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

/// Deletes in batches, then runs the maintenance asked for, filling `report`
/// as it goes so that a failure or an interruption still reports (and
/// audits) what was done.
#[allow(clippy::too_many_arguments)]
async fn apply(
    ctx: &Ctx,
    pool: &PgPool,
    args: &VacuumArgs,
    r: &Retention,
    run: &Run,
    expected: i64,
    interrupt: &Interrupt,
    report: &mut Report,
) -> anyhow::Result<()> {
    let mut archive = match &args.archive {
        Some(path) => Some(Archive::open(path, args.append)?),
        None => None,
    };
    let deleting = Instant::now();
    let deadline = args.max_duration.map(|d| deleting + d);
    let bar = interact::progress(&ctx.out, expected.max(0) as u64, "deleting");
    let result = delete_all(
        ctx,
        pool,
        args,
        r,
        run,
        deadline,
        interrupt,
        archive.as_mut(),
        &bar,
        report,
    )
    .await;
    bar.finish_and_clear();
    report.delete_seconds = deleting.elapsed().as_secs_f64();
    if report.delete_seconds > 0.0 {
        report.rows_per_sec = report.rows as f64 / report.delete_seconds;
    }
    if let Some(a) = archive {
        report.archive = Some(a.finish()?);
    }
    report.stopped = result?;

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
    if !args.no_vacuum {
        let kind = if args.full {
            VacuumKind::Full
        } else {
            VacuumKind::Analyze
        };
        let spinner = interact::spinner(
            &ctx.out,
            if args.full {
                "VACUUM (FULL, ANALYZE) absurd.tasks: workers are locked out"
            } else {
                "VACUUM (ANALYZE) absurd.tasks"
            },
        );
        let vacuuming = Instant::now();
        let done = cancellable(
            pool,
            pid,
            interrupt,
            maintenance::vacuum(&mut conn, args.full),
        )
        .await;
        spinner.finish_and_clear();
        report.vacuum_seconds = vacuuming.elapsed().as_secs_f64();
        let done = done.map_err(|e| {
            if args.full {
                e.context(
                    "VACUUM FULL failed (a lock timeout means that transactions on absurd.tasks \
                     held it longer than --lock-timeout; nothing was locked for long)",
                )
            } else {
                e.context("VACUUM failed")
            }
        })?;
        if !done {
            report.stopped = Stopped::Interrupted;
            report.vacuum_skipped = Some("interrupted while it ran".into());
            return Ok(());
        }
        report.vacuum = Some(kind);
    }

    if args.reindex {
        report.dropped_invalid_indexes = maintenance::drop_reindex_leftovers(&mut conn).await?;
        report.index_bloat = maintenance::index_bloat(&mut conn).await?;
        for (name, pct) in report.reindex_candidates(args.reindex_threshold) {
            if interrupt.is_set() {
                report.stopped = Stopped::Interrupted;
                return Ok(());
            }
            let spinner = interact::spinner(
                &ctx.out,
                &format!("REINDEX INDEX CONCURRENTLY absurd.{name} (estimated bloat {pct:.0}%)"),
            );
            let rebuilding = Instant::now();
            let done = cancellable(
                pool,
                pid,
                interrupt,
                maintenance::reindex_concurrently(&mut conn, &name),
            )
            .await;
            spinner.finish_and_clear();
            if !matches!(done, Ok(true)) {
                let dropped = maintenance::drop_reindex_leftovers(&mut conn)
                    .await
                    .map_err(|e| {
                        anyhow::Error::from(e).context(format!(
                            "REINDEX of {name} stopped and its invalid copy could not be dropped \
                             (the next `vacuum --reindex` drops it)"
                        ))
                    })?;
                report.dropped_invalid_indexes.extend(dropped);
            }
            if !done.map_err(|e| e.context(format!("REINDEX INDEX CONCURRENTLY {name} failed")))? {
                report.stopped = Stopped::Interrupted;
                return Ok(());
            }
            report.reindexed.push(Reindexed {
                bytes_before: report
                    .index_bloat
                    .iter()
                    .find(|i| i.name == name)
                    .map_or(0, |i| i.bytes),
                name,
                estimated_bloat_pct: pct,
                bytes_after: None,
                seconds: rebuilding.elapsed().as_secs_f64(),
            });
        }
    }
    Ok(())
}

/// The batch loop: each batch its own transaction, archived and fsynced
/// and its audit record written before it commits; stops when nothing past
/// retention is left, the time budget runs out or the operator interrupts.
#[allow(clippy::too_many_arguments)]
async fn delete_all(
    ctx: &Ctx,
    pool: &PgPool,
    args: &VacuumArgs,
    r: &Retention,
    run: &Run,
    deadline: Option<Instant>,
    interrupt: &Interrupt,
    mut archive: Option<&mut Archive>,
    bar: &indicatif::ProgressBar,
    report: &mut Report,
) -> anyhow::Result<Stopped> {
    let mut cursor = None;
    loop {
        if interrupt.is_set() {
            return Ok(Stopped::Interrupted);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(Stopped::MaxDuration);
        }
        let batch_started = Instant::now();
        let mut tx = pool.begin().await?;
        // Each row goes to the archive as it arrives, and is then dropped:
        // only the status and size of the batch's rows are kept.
        let mut member = archive.as_deref_mut().map(Archive::batch);
        let mut deleted: Vec<(TaskStatus, i64)> = Vec::new();
        let mut scanned = 0;
        let mut rows =
            retention::delete_batch(&mut tx, r, cursor, args.batch_size, member.is_some());
        // Returning early drops `tx`, which rolls the batch back: nothing
        // unarchived or unaudited goes.
        let cannot_write = |e: std::io::Error| {
            anyhow::Error::new(e)
                .context("cannot write the archive; the batch being written was rolled back")
        };
        while let Some(row) = rows.try_next().await? {
            scanned = row.scanned;
            cursor = Some(row.next);
            let Some(d) = row.deleted else { continue };
            if let (Some(m), Some(json)) = (member.as_mut(), d.json.as_deref()) {
                m.row(json).map_err(cannot_write)?;
            }
            deleted.push((d.status, d.bytes));
        }
        drop(rows);
        if scanned == 0 {
            drop(member);
            tx.rollback().await?;
            return Ok(Stopped::Done);
        }
        if let Some(m) = member {
            m.finish().map_err(cannot_write)?;
        }
        let mut by_status = StatusVolume::none();
        for (status, bytes) in &deleted {
            if let Some(v) = by_status.iter_mut().find(|v| v.status == *status) {
                v.rows += 1;
                v.bytes += bytes;
            }
        }
        run.batch(
            &mut *tx,
            deleted.len() as i64,
            &json!({
                "batch": report.batches + 1,
                "scanned": scanned,
                "by_status": by_status,
            }),
        )
        .await?;
        tx.commit().await.map_err(|e| {
            anyhow::Error::new(e).context(
                "committing a batch failed: the archive may hold rows of it that were not deleted",
            )
        })?;
        let took = batch_started.elapsed();
        for (status, bytes) in &deleted {
            report.count(*status, *bytes);
        }
        report.kept_depended_on += scanned - deleted.len() as i64;
        report.batches += 1;
        bar.inc(deleted.len() as u64);
        if bar.position() > bar.length().unwrap_or(0) {
            bar.set_length(bar.position());
        }
        ctx.out.debug(format!(
            "batch {}: deleted {} of {} scanned in {}",
            report.batches,
            deleted.len(),
            scanned,
            fmt_secs(took.as_secs_f64())
        ));
        // Leave the CPU and the disk to the workers for the rest of the cycle.
        let pause = took.mul_f64(f64::from(100 - args.duty_cycle) / f64::from(args.duty_cycle));
        pause_unless_interrupted(pause, deadline, interrupt).await;
    }
}

/// Sleeps for `pause`, cut short by the deadline or an interruption.
async fn pause_unless_interrupted(
    pause: Duration,
    deadline: Option<Instant>,
    interrupt: &Interrupt,
) {
    let mut until = Instant::now() + pause;
    if let Some(d) = deadline {
        until = until.min(d);
    }
    while !interrupt.is_set() {
        let now = Instant::now();
        if now >= until {
            return;
        }
        tokio::time::sleep((until - now).min(Duration::from_millis(100))).await;
    }
}

/// Runs a maintenance statement on the connection of server process `pid`,
/// cancelling it when the operator interrupts. Ok(false) when cancelled.
async fn cancellable<F>(
    pool: &PgPool,
    pid: i32,
    interrupt: &Interrupt,
    statement: F,
) -> anyhow::Result<bool>
where
    F: std::future::Future<Output = crate::queue::Result<()>>,
{
    tokio::pin!(statement);
    let mut cancelled = false;
    loop {
        tokio::select! {
            done = &mut statement => {
                return match done {
                    Ok(()) => Ok(true),
                    Err(_) if cancelled => Ok(false),
                    Err(e) => Err(e.into()),
                };
            }
            _ = tokio::time::sleep(Duration::from_millis(200)), if !cancelled => {
                if interrupt.is_set() {
                    maintenance::cancel_backend(pool, pid).await?;
                    cancelled = true;
                }
            }
        }
    }
}

fn render(ctx: &Ctx, args: &VacuumArgs, report: &Report) -> anyhow::Result<()> {
    if ctx.out.is_json() {
        return ctx.out.json(report);
    }
    if report.dry_run {
        ctx.out.line(format!(
            "dry run: would delete {} finished tasks of queue {} (about {}); nothing was changed",
            report.rows,
            report.queue,
            fmt_bytes(report.bytes)
        ));
    } else if ctx.out.quiet {
        return Ok(());
    } else {
        ctx.out.line(format!(
            "deleted {} finished tasks of queue {} (about {}) in {}, {:.0} rows/s, {} batch(es){}",
            report.rows,
            report.queue,
            fmt_bytes(report.bytes),
            fmt_secs(report.delete_seconds),
            report.rows_per_sec,
            report.batches,
            match report.stopped {
                Stopped::Done => "",
                Stopped::MaxDuration => "; stopped by --max-duration, run again for the rest",
                Stopped::Interrupted => "; interrupted, run again for the rest",
            }
        ));
    }
    print_volumes(ctx, &report.by_status, &report.retention);
    if report.kept_depended_on > 0 {
        ctx.out.line(format!(
            "kept {} finished tasks past retention: unfinished tasks depend on them",
            report.kept_depended_on
        ));
    }
    if let Some(a) = &report.archive {
        ctx.out.line(format!(
            "archive: {} ({} rows {}, file now {}{})",
            a.path.display(),
            a.rows,
            if a.appended { "appended" } else { "written" },
            fmt_bytes(a.bytes as i64),
            if a.gzip { ", gzip" } else { "" }
        ));
    } else if let Some(path) = &args.archive {
        ctx.out.line(format!(
            "archive: {} would be {}",
            path.display(),
            if path.exists() {
                "appended to"
            } else {
                "created"
            }
        ));
    }
    if !report.dry_run {
        match (report.vacuum, &report.vacuum_skipped) {
            (Some(VacuumKind::Analyze), _) => ctx.out.line(format!(
                "VACUUM (ANALYZE) absurd.tasks: {}",
                fmt_secs(report.vacuum_seconds)
            )),
            (Some(VacuumKind::Full), _) => ctx.out.line(format!(
                "VACUUM (FULL, ANALYZE) absurd.tasks: {} (the table was locked meanwhile)",
                fmt_secs(report.vacuum_seconds)
            )),
            (None, Some(why)) => ctx.out.line(format!("VACUUM skipped: {why}")),
            (None, None) => {}
        }
    }
    if !report.dropped_invalid_indexes.is_empty() {
        ctx.out.line(format!(
            "dropped invalid indexes left by stopped rebuilds: {}",
            report.dropped_invalid_indexes.join(", ")
        ));
    }
    if !report.index_bloat.is_empty() {
        let rebuild = report.reindex_candidates(args.reindex_threshold);
        let mut table = ctx
            .out
            .table(["index", "size", "estimated bloat", "rebuilt"]);
        for i in &report.index_bloat {
            let rebuilt = if report.reindexed.iter().any(|x| x.name == i.name) {
                "yes".to_string()
            } else if rebuild.iter().any(|(n, _)| *n == i.name) {
                if report.dry_run {
                    "would be".to_string()
                } else {
                    "no (stopped)".to_string()
                }
            } else {
                "no".to_string()
            };
            table.add_row(vec![
                Cell::new(&i.name),
                Cell::new(fmt_bytes(i.bytes)),
                Cell::new(match (i.estimated_bloat_pct, i.source) {
                    (Some(p), Some(s)) => format!("{p:.0}% ({})", s.as_str()),
                    _ => format!("- ({})", i.method),
                }),
                Cell::new(rebuilt),
            ]);
        }
        ctx.out.print_table(&table);
    }
    if report.dry_run {
        let mut table = ctx.out.table(["relation", "size"]);
        table.add_row(vec![
            Cell::new("absurd.tasks (table)"),
            Cell::new(fmt_bytes(report.table_bytes_before)),
        ]);
        for i in &report.indexes {
            table.add_row(vec![
                Cell::new(&i.name),
                Cell::new(fmt_bytes(i.bytes_before)),
            ]);
        }
        ctx.out.print_table(&table);
        return Ok(());
    }
    let mut table = ctx.out.table(["relation", "size before", "size after"]);
    let after = |b: Option<i64>| b.map(fmt_bytes).unwrap_or_else(|| "-".into());
    table.add_row(vec![
        Cell::new("absurd.tasks (table)"),
        Cell::new(fmt_bytes(report.table_bytes_before)),
        Cell::new(after(report.table_bytes_after)),
    ]);
    for i in &report.indexes {
        table.add_row(vec![
            Cell::new(&i.name),
            Cell::new(fmt_bytes(i.bytes_before)),
            Cell::new(after(i.bytes_after)),
        ]);
    }
    ctx.out.print_table(&table);
    ctx.out
        .line(format!("took {}", fmt_secs(report.elapsed_seconds)));
    Ok(())
}

/// Rows and sizes per status, with the cutoff each was measured against.
fn print_volumes(ctx: &Ctx, volumes: &[StatusVolume], r: &RetentionReport) {
    let mut table = ctx.out.table(["status", "rows", "size", "finished before"]);
    for v in volumes {
        let cutoff = match v.status {
            TaskStatus::Completed => r.completed_before,
            TaskStatus::Cancelled => r.cancelled_before,
            _ => r.failed_before,
        };
        table.add_row(vec![
            ctx.out.status_cell(v.status),
            Cell::new(v.rows),
            Cell::new(fmt_bytes(v.bytes)),
            Cell::new(fmt_time(Some(cutoff))),
        ]);
    }
    ctx.out.print_table(&table);
}

fn per_status_text(volumes: &[StatusVolume]) -> String {
    volumes
        .iter()
        .map(|v| format!("{} {}", v.status, v.rows))
        .collect::<Vec<_>>()
        .join(", ")
}
