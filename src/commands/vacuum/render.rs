//! The text view of a vacuum run, and `--output json` (the report as is).

use comfy_table::Cell;

use super::reindex;
use super::report::{Report, RetentionReport, Stopped, VacuumKind};
use crate::cli::VacuumArgs;
use crate::commands::Ctx;
use crate::output::{fmt_bytes, fmt_secs, fmt_time};
use crate::queue::retention::StatusVolume;
use crate::queue::TaskStatus;

pub(super) fn render(ctx: &Ctx, args: &VacuumArgs, report: &Report) -> anyhow::Result<()> {
    if ctx.out.is_json() {
        return ctx.out.json(report);
    }
    if report.dry_run {
        ctx.out.line(format!(
            "dry run: would delete {} finished tasks of {} (about {}); nothing was changed",
            report.rows,
            scope(&report.queues),
            fmt_bytes(report.bytes)
        ))?;
    } else if ctx.out.quiet {
        return Ok(());
    } else {
        ctx.out.line(format!(
            "deleted {} finished tasks of {} (about {}) in {}, {:.0} rows/s, {} batch(es){}",
            report.rows,
            scope(&report.queues),
            fmt_bytes(report.bytes),
            fmt_secs(report.delete_seconds),
            report.rows_per_sec,
            report.batches,
            match report.stopped {
                Stopped::Done => "",
                Stopped::MaxDuration => "; stopped by --max-duration, run again for the rest",
                Stopped::Interrupted => "; interrupted, run again for the rest",
            }
        ))?;
    }
    print_volumes(ctx, &report.by_status, &report.retention)?;
    if let Some(p) = report
        .workers_pruned
        .as_ref()
        .filter(|p| !p.registrations.is_empty() || !p.legacy_pollers.is_empty())
    {
        ctx.out.line(format!(
            "{} {} worker registration(s) and {} legacy poller(s) stopped or dead for over {}",
            if report.dry_run {
                "would delete"
            } else {
                "deleted"
            },
            p.registrations.len(),
            p.legacy_pollers.len(),
            report.retention.completed_older_than
        ))?;
    }
    if report.kept_depended_on > 0 {
        ctx.out.line(format!(
            "kept {} finished tasks past retention: unfinished tasks depend on them",
            report.kept_depended_on
        ))?;
    }
    if let Some(a) = &report.archive {
        ctx.out.line(format!(
            "archive: {} ({} rows {}, file now {}{})",
            a.path.display(),
            a.rows,
            if a.appended { "appended" } else { "written" },
            fmt_bytes(a.bytes as i64),
            if a.gzip { ", gzip" } else { "" }
        ))?;
    } else if let Some(path) = &args.archive {
        ctx.out.line(format!(
            "archive: {} would be {}",
            path.display(),
            if path.exists() {
                "appended to"
            } else {
                "created"
            }
        ))?;
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
            (None, None) => Ok(()),
        }?;
    }
    if !report.dropped_invalid_indexes.is_empty() {
        ctx.out.line(format!(
            "dropped invalid indexes left by stopped rebuilds: {}",
            report.dropped_invalid_indexes.join(", ")
        ))?;
    }
    if !report.index_bloat.is_empty() {
        let rebuild = reindex::candidates(&report.index_bloat, args.reindex_threshold);
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
        ctx.out.print_table(&table)?;
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
        ctx.out.print_table(&table)?;
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
    ctx.out.print_table(&table)?;
    ctx.out
        .line(format!("took {}", fmt_secs(report.elapsed_seconds)))?;
    Ok(())
}

/// `queue q`, `queues a, b`, `no queue (none has tasks)`.
pub(super) fn scope(queues: &[String]) -> String {
    match queues {
        [] => "no queue (none has tasks)".to_string(),
        [q] => format!("queue {q}"),
        qs => format!("queues {}", qs.join(", ")),
    }
}

/// Rows and sizes per status, with the cutoff each was measured against.
pub(super) fn print_volumes(
    ctx: &Ctx,
    volumes: &[StatusVolume],
    r: &RetentionReport,
) -> std::io::Result<()> {
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
    ctx.out.print_table(&table)
}

/// `completed 3, failed 0, cancelled 1`, for the confirmation question.
pub(super) fn per_status_text(volumes: &[StatusVolume]) -> String {
    volumes
        .iter()
        .map(|v| format!("{} {}", v.status, v.rows))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::per_status_text;
    use crate::queue::retention::StatusVolume;

    #[test]
    fn the_question_names_every_finished_status() {
        let mut volumes = StatusVolume::none();
        volumes[0].rows = 3;
        volumes[2].rows = 1;
        assert_eq!(
            per_status_text(&volumes),
            "completed 3, failed 0, cancelled 1"
        );
    }
}
