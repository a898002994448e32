//! `absurdctl preflight`: the ingestion checklist of the runbook as one
//! command. Each item is PASS, WARN or FAIL with a detail and what to do;
//! the exit code is the worst, in the Nagios convention.
//!
//! Every item is judged by `crate::checks`, the queue items (pause,
//! workers, stuck tasks, failures, backlog) from the same statistics and by
//! the same functions as `status`, so the two always agree; this file reads
//! the figures and prints the findings as a checklist.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::ExitCode;

use comfy_table::Cell;
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use crate::checks::thresholds::Preflight;
use crate::checks::{self, worst, Finding, Level};
use crate::cli::PreflightArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::redact;
use crate::queue::SchemaProblem;
use crate::queue::{health, reap, replica, schema, stats};

/// One line of the checklist: a finding as `preflight` prints it.
#[derive(Debug, Clone, Serialize)]
struct Item {
    check: String,
    #[serde(serialize_with = "checklist_word")]
    result: Level,
    detail: String,
    /// What to do, when not PASS.
    remedy: Option<String>,
    /// The figure judged, when there is one (ms, count, percent...).
    value: Option<f64>,
}

impl From<Finding> for Item {
    fn from(f: Finding) -> Item {
        Item {
            check: f.check,
            result: f.level,
            detail: f.message,
            remedy: f.remedy,
            value: f.value,
        }
    }
}

/// PASS, WARN, FAIL, SKIP or UNKNOWN.
fn checklist_word<S: serde::Serializer>(level: &Level, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(level.as_checklist())
}

/// The JSON document of `preflight --output json`.
#[derive(Debug, Serialize)]
struct Report {
    queue: String,
    /// The worst result: FAIL, else UNKNOWN, else WARN, else PASS.
    #[serde(serialize_with = "checklist_word")]
    verdict: Level,
    exit_code: u8,
    checks: Vec<Item>,
}

const QUEUE_CHECKS: [&str; 6] = [
    "queue",
    "workers",
    "stuck_tasks",
    "reaper_lock",
    "failures",
    "backlog",
];

pub async fn run(ctx: &Ctx, args: PreflightArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let t = Preflight::new(&args)?;

    let mut items = Vec::new();
    match ctx.connect_unchecked(Access::ReadOnly, 1).await {
        Err(e) => {
            items.push(
                Finding::new("database", Level::Critical, one_line(&e)).remedy(
                    "start PostgreSQL, or point --database-url / ABSURD_DATABASE_URL at it",
                ),
            );
            let order = ["server_version", "schema"]
                .iter()
                .chain(QUEUE_CHECKS.iter())
                .chain(["connections", "long_transactions", "dead_tuples"].iter());
            for name in order {
                items.push(Finding::new(
                    *name,
                    Level::Skipped,
                    "the database is unreachable",
                ));
            }
        }
        Ok(pool) => database_checks(ctx, &t, &pool, &mut items).await,
    }
    for disk in &args.disk {
        let usage = disk_usage(&disk.path);
        items.push(checks::database::disk(
            &disk.path,
            usage,
            disk.warn_percent,
            disk.crit_percent,
        ));
    }

    let verdict = worst(items.iter().map(|f| f.level));
    let report = Report {
        queue: ctx.global.queue.clone(),
        verdict,
        exit_code: verdict.exit_code(),
        checks: items.into_iter().map(Item::from).collect(),
    };
    if ctx.out.is_json() {
        ctx.out.json(&report)?;
    } else {
        render(ctx, &report)?;
    }
    Ok(ExitCode::from(report.exit_code))
}

fn one_line(e: &anyhow::Error) -> String {
    let text = redact(&format!("{e:#}"));
    text.lines().next().unwrap_or_default().to_string()
}

async fn database_checks(ctx: &Ctx, t: &Preflight, pool: &PgPool, items: &mut Vec<Finding>) {
    let mut conn = match pool.acquire().await {
        Ok(c) => c,
        Err(e) => {
            items.push(Finding::new(
                "database",
                Level::Critical,
                one_line(&e.into()),
            ));
            return;
        }
    };
    // The round trip and reachability.
    items.push(match health::round_trip(&mut *conn).await {
        Ok(rtt) => {
            let mut f = checks::database::round_trip(rtt, t.rtt_warn, t.rtt_crit).named("database");
            f.message = format!("reachable; {}", f.message);
            f
        }
        Err(e) => Finding::new("database", Level::Critical, one_line(&e.into())),
    });

    // On a hot standby (--read-url): its lag, and the checks it cannot make.
    let standby = match replica::standby_lag(&mut *conn).await {
        Ok(lag) => lag,
        Err(e) => {
            items.push(unknown("replica", e));
            None
        }
    };
    if let Some(lag) = &standby {
        items.push(checks::database::replica_lag(lag));
    }

    items.push(match health::server_version(&mut *conn).await {
        Ok((num, text)) => checks::database::server_version(num, &text),
        Err(e) => unknown("server_version", e),
    });

    let schema_ok = match schema::status(&mut conn).await {
        Ok(status) => {
            let applied = status.migrations.iter().filter(|m| m.applied).count();
            let (item, usable) = match status.problem() {
                None => (
                    Finding::new(
                        "schema",
                        Level::Ok,
                        format!("current ({applied} migrations applied)"),
                    ),
                    true,
                ),
                Some(p @ SchemaProblem::Ahead { .. }) => (
                    Finding::new("schema", Level::Warning, p.to_string())
                        .remedy("upgrade absurdctl on this host"),
                    true,
                ),
                Some(p) => (
                    Finding::new("schema", Level::Critical, p.to_string())
                        .remedy("run `absurdctl migrate` (safe while workers run)"),
                    false,
                ),
            };
            items.push(item);
            usable
        }
        Err(e) => {
            items.push(unknown("schema", e));
            false
        }
    };

    if schema_ok {
        queue_checks(ctx, t, &mut conn, standby.is_some(), items).await;
    } else {
        for name in QUEUE_CHECKS {
            items.push(Finding::new(
                name,
                Level::Skipped,
                "the schema is not current",
            ));
        }
    }

    items.push(match health::connections(&mut *conn).await {
        Ok(c) => checks::database::connections(&c, t.connections_warn, t.connections_crit),
        Err(e) => unknown("connections", e),
    });

    items.push(match health::oldest_transaction(&mut conn).await {
        Ok(tx) => checks::database::long_transactions(
            &tx,
            t.long_transaction_warn,
            t.long_transaction_crit,
        ),
        Err(e) => unknown("long_transactions", e),
    });

    items.push(if standby.is_some() {
        checks::database::dead_tuples_unseen()
    } else {
        match health::dead_tuples(&mut *conn).await {
            Ok(d) => {
                checks::database::dead_tuples(d.as_ref(), t.dead_tuples_warn, t.dead_tuples_crit)
            }
            Err(e) => unknown("dead_tuples", e),
        }
    });
}

fn unknown(check: &str, e: impl Into<anyhow::Error>) -> Finding {
    let e = e.into();
    let denied = crate::error::sqlstate(&e).as_deref() == Some("42501");
    Finding::new(check, Level::Unknown, one_line(&e)).remedy(if denied {
        "permission denied: preflight needs the role absurd_reader (GRANT absurd_reader TO the role)"
    } else {
        "the check could not run: see the detail (a role without SELECT on the catalog?)"
    })
}

/// The queue items, from one `status` snapshot of the queue, judged by the
/// same checks as `status` (under preflight's names, with a remedy).
async fn queue_checks(
    ctx: &Ctx,
    t: &Preflight,
    conn: &mut PgConnection,
    standby: bool,
    items: &mut Vec<Finding>,
) {
    let queue = ctx.global.queue.clone();
    let read = async {
        let mut tx = stats::begin_snapshot(&mut *conn).await?;
        let known = stats::known_queues(&mut *tx).await?;
        let snapshot = stats::snapshot(&mut tx, std::slice::from_ref(&queue), t.stuck).await?;
        tx.commit().await?;
        anyhow::Ok((known, snapshot))
    };
    let (known, snapshot) = match read.await {
        Ok(found) => found,
        Err(e) => {
            for name in QUEUE_CHECKS {
                items.push(unknown(name, anyhow::anyhow!("{}", one_line(&e))));
            }
            return;
        }
    };
    let Some(q) = snapshot.queues.into_iter().next() else {
        return;
    };
    let l = &t.load;
    items.push(checks::queue::ready_to_ingest(&q, &known));
    items.push(checks::queue::workers(&q, t.min_workers, &t.worker_unit));
    items.push(
        checks::queue::stuck(&q, l.stuck_warn, l.stuck_crit)
            .named("stuck_tasks")
            .remedy("`absurdctl reap-stuck` gives them back to the queue"),
    );
    items.push(if standby {
        checks::queue::reaper_lock_unseen(&queue)
    } else {
        match reap::stale_locks(
            &mut *conn,
            std::slice::from_ref(&queue),
            t.reaper_lock_stale_after,
        )
        .await
        {
            // Before an ingestion a hung reaper is a blocker: stuck tasks
            // would never be given back.
            Ok(stale) => {
                let lock = stale.first();
                let f = checks::queue::reaper_lock(&queue, lock, Level::Critical);
                match lock {
                    Some(l) => f.remedy(format!(
                        "look at pid {} in pg_stat_activity; end it with pg_terminate_backend({}) if it hangs",
                        l.holder.pid, l.holder.pid
                    )),
                    None => f,
                }
            }
            Err(e) => unknown("reaper_lock", e),
        }
    });
    items.push(
        checks::queue::failures_1h(&q, l.failures_warn, l.failures_crit)
            .named("failures")
            .remedy("`absurdctl errors --since 1h` groups them by cause"),
    );
    items.push(
        checks::queue::backlog(&q, l.backlog_warn, l.backlog_crit)
            .remedy("add workers before ingesting, or let the backlog drain first"),
    );
}

/// Used percentage as df computes it (space reserved for root excluded),
/// and the bytes available to unprivileged users.
fn disk_usage(path: &Path) -> std::io::Result<(f64, u64)> {
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    // SAFETY: statvfs is plain data, filled by the call on success.
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a valid NUL-terminated path and a valid out pointer.
    if unsafe { libc::statvfs(c.as_ptr(), &mut s) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let used = (s.f_blocks as u64).saturating_sub(s.f_bfree as u64);
    let avail = s.f_bavail as u64;
    let pct = if used + avail == 0 {
        0.0
    } else {
        used as f64 * 100.0 / (used + avail) as f64
    };
    Ok((pct, avail.saturating_mul(s.f_frsize as u64)))
}

fn render(ctx: &Ctx, r: &Report) -> std::io::Result<()> {
    let mut table = ctx.out.table(["result", "check", "detail"]);
    for i in &r.checks {
        let mut detail = i.detail.clone();
        if let Some(remedy) = &i.remedy {
            detail.push_str(&format!("\n→ {remedy}"));
        }
        table.add_row(vec![
            ctx.out.level_cell(i.result.as_checklist(), i.result),
            Cell::new(&i.check),
            Cell::new(detail),
        ]);
    }
    ctx.out.print_table(&table)?;
    ctx.out.line(format!(
        "preflight {} for queue {} (exit {})",
        r.verdict.as_checklist(),
        r.queue,
        r.exit_code
    ))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_as_a_checklist() {
        let item = Item::from(
            Finding::new("backlog", Level::Critical, "backlog 600 (> 500)")
                .value(600.0)
                .remedy("add workers"),
        );
        assert_eq!(
            serde_json::to_value(&item).unwrap(),
            serde_json::json!({
                "check": "backlog",
                "result": "FAIL",
                "detail": "backlog 600 (> 500)",
                "remedy": "add workers",
                "value": 600.0
            })
        );
        let skipped = Item::from(Finding::new("schema", Level::Skipped, ""));
        assert_eq!(serde_json::to_value(&skipped).unwrap()["result"], "SKIP");
    }

    #[test]
    fn disk_usage_of_a_real_path() {
        let (pct, _) = disk_usage(Path::new("/")).unwrap();
        assert!((0.0..=100.0).contains(&pct));
        assert!(disk_usage(Path::new("/no/such/path")).is_err());
    }
}
