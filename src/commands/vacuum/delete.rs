//! The deleting job: finished tasks past retention go in short batches, each
//! its own transaction, archived and fsynced and its audit record written
//! before it commits, with a pause after each so that the workers keep the
//! CPU and the disk for the rest of the duty cycle.

use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use serde_json::json;
use sqlx::PgPool;

use super::interrupt::pause_unless_interrupted;
use super::report::{tally, Report, Stopped};
use crate::archive::Archive;
use crate::cli::VacuumArgs;
use crate::commands::Ctx;
use crate::interact::{self, Interrupt};
use crate::output::fmt_secs;
use crate::queue::audit::Run;
use crate::queue::retention::{self, Retention, StatusVolume};
use crate::queue::TaskStatus;

/// Deletes (and archives, with --archive) until nothing past retention is
/// left in any of the queues of `rs` (one after the other), the time budget
/// runs out or the operator interrupts, and records in `report` why it
/// stopped. `expected` sizes the progress bar.
#[allow(clippy::too_many_arguments)]
pub(super) async fn delete_past_retention(
    ctx: &Ctx,
    pool: &PgPool,
    args: &VacuumArgs,
    rs: &[Retention],
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
    let mut result = Ok(Stopped::Done);
    for r in rs {
        result = delete_all(
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
        if !matches!(result, Ok(Stopped::Done)) {
            break;
        }
    }
    bar.finish_and_clear();
    report.delete_seconds = deleting.elapsed().as_secs_f64();
    if report.delete_seconds > 0.0 {
        report.rows_per_sec = report.rows as f64 / report.delete_seconds;
    }
    if let Some(a) = archive {
        report.archive = Some(a.finish()?);
    }
    report.stopped = result?;
    Ok(())
}

/// The batch loop, for one queue.
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
            tally(&mut by_status, *status, *bytes);
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
        pause_unless_interrupted(pause_after(took, args.duty_cycle), deadline, interrupt).await;
    }
}

/// How long to leave the CPU and the disk to the workers after a batch that
/// took `took`, so that deleting takes `duty_cycle` percent of the time.
fn pause_after(took: Duration, duty_cycle: u8) -> Duration {
    took.mul_f64(f64::from(100 - duty_cycle) / f64::from(duty_cycle))
}

#[cfg(test)]
mod tests {
    use super::pause_after;
    use std::time::Duration;

    #[test]
    fn pauses_fill_the_rest_of_the_duty_cycle() {
        let batch = Duration::from_millis(200);
        assert_eq!(pause_after(batch, 50), Duration::from_millis(200));
        assert_eq!(pause_after(batch, 25), Duration::from_millis(600));
        assert_eq!(pause_after(batch, 100), Duration::ZERO);
    }
}
