//! The REINDEX job: after VACUUM, rebuild with REINDEX INDEX CONCURRENTLY
//! each index of absurd.tasks bloated past the threshold, dropping the
//! invalid copies that stopped rebuilds leave.

use std::time::Instant;

use sqlx::{PgConnection, PgPool};

use super::interrupt::cancellable;
use super::report::{Reindexed, Report, Stopped};
use crate::commands::Ctx;
use crate::interact::{self, Interrupt};
use crate::queue::maintenance::{self, IndexBloat};

/// Indexes smaller than this are not worth a rebuild, whatever their bloat.
const REINDEX_MIN_BYTES: i64 = 1024 * 1024;

/// Indexes --reindex rebuilds, with their estimated bloat: valid, bloated
/// past the threshold and big enough.
pub(super) fn candidates(bloat: &[IndexBloat], threshold: u8) -> Vec<(String, f64)> {
    bloat
        .iter()
        .filter(|i| i.valid && i.bytes >= REINDEX_MIN_BYTES)
        .filter_map(|i| {
            i.estimated_bloat_pct
                .filter(|p| *p >= f64::from(threshold))
                .map(|p| (i.name.clone(), p))
        })
        .collect()
}

/// Rebuilds the candidates one by one on `conn`, the connection of server
/// process `pid`, until done or interrupted (then `report` says so).
pub(super) async fn reindex_bloated(
    ctx: &Ctx,
    pool: &PgPool,
    conn: &mut PgConnection,
    pid: i32,
    threshold: u8,
    interrupt: &Interrupt,
    report: &mut Report,
) -> anyhow::Result<()> {
    report.dropped_invalid_indexes = maintenance::drop_reindex_leftovers(conn).await?;
    report.index_bloat = maintenance::index_bloat(conn).await?;
    for (name, pct) in candidates(&report.index_bloat, threshold) {
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
            maintenance::reindex_concurrently(conn, &name),
        )
        .await;
        spinner.finish_and_clear();
        if !matches!(done, Ok(true)) {
            let dropped = maintenance::drop_reindex_leftovers(conn)
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::maintenance::BloatSource;

    fn index(name: &str, valid: bool, bytes: i64, pct: Option<f64>) -> IndexBloat {
        IndexBloat {
            name: name.into(),
            method: "btree".into(),
            valid,
            bytes,
            estimated_bloat_pct: pct,
            source: pct.map(|_| BloatSource::Statistics),
        }
    }

    #[test]
    fn only_big_valid_bloated_indexes_are_rebuilt() {
        let mib = 1024 * 1024;
        let got = candidates(
            &[
                index("bloated", true, 2 * mib, Some(60.0)),
                index("at_threshold", true, mib, Some(40.0)),
                index("below_threshold", true, 2 * mib, Some(39.9)),
                index("small", true, mib - 1, Some(90.0)),
                index("invalid", false, 2 * mib, Some(90.0)),
                index("gin_no_estimate", true, 2 * mib, None),
            ],
            40,
        );
        assert_eq!(
            got,
            vec![
                ("bloated".to_string(), 60.0),
                ("at_threshold".to_string(), 40.0)
            ]
        );
    }
}
