//! The VACUUM job: VACUUM (ANALYZE) absurd.tasks, or VACUUM FULL when asked,
//! cancelled on the server when the operator interrupts.

use std::time::Instant;

use sqlx::{PgConnection, PgPool};

use super::interrupt::cancellable;
use super::report::{Report, Stopped, VacuumKind};
use crate::commands::Ctx;
use crate::interact::{self, Interrupt};
use crate::queue::maintenance;

/// Vacuums on `conn`, the connection of server process `pid`. Ok(false)
/// when interrupted while it ran (then `report` says so).
pub(super) async fn vacuum_table(
    ctx: &Ctx,
    pool: &PgPool,
    conn: &mut PgConnection,
    pid: i32,
    full: bool,
    interrupt: &Interrupt,
    report: &mut Report,
) -> anyhow::Result<bool> {
    let kind = if full {
        VacuumKind::Full
    } else {
        VacuumKind::Analyze
    };
    let spinner = interact::spinner(
        &ctx.out,
        if full {
            "VACUUM (FULL, ANALYZE) absurd.tasks: workers are locked out"
        } else {
            "VACUUM (ANALYZE) absurd.tasks"
        },
    );
    let vacuuming = Instant::now();
    let done = cancellable(pool, pid, interrupt, maintenance::vacuum(conn, full)).await;
    spinner.finish_and_clear();
    report.vacuum_seconds = vacuuming.elapsed().as_secs_f64();
    let done = done.map_err(|e| {
        if full {
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
        return Ok(false);
    }
    report.vacuum = Some(kind);
    Ok(true)
}
