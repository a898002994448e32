//! `absurdctl preflight`: the ingestion checklist of the runbook as one
//! command. Each item is PASS, WARN or FAIL with a detail and what to do;
//! the exit code is the worst, in the Nagios convention.
//!
//! The queue items (pause, workers, stuck tasks, failures, backlog) come
//! from the same statistics as `status`, so the two always agree.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use comfy_table::{Cell, Color};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use crate::cli::{DiskSpec, PreflightArgs};
use crate::commands::status::ensure_ordered;
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::redact;
use crate::output::{fmt_ago, fmt_secs, pause_details};
use crate::queue::health::{self, above, at_least, Level};
use crate::queue::stats::{self, StuckRule};
use crate::queue::SchemaProblem;
use crate::queue::{reap, schema};

/// The result of one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
enum Outcome {
    Pass,
    Warn,
    Fail,
    /// Not checked: something it needs failed first (reported there).
    Skip,
    /// The check itself could not run (a query failed).
    Unknown,
}

impl Outcome {
    fn from_level(level: Level) -> Outcome {
        match level {
            Level::Ok => Outcome::Pass,
            Level::Warning => Outcome::Warn,
            Level::Critical => Outcome::Fail,
            Level::Unknown => Outcome::Unknown,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Warn => "WARN",
            Outcome::Fail => "FAIL",
            Outcome::Skip => "SKIP",
            Outcome::Unknown => "UNKNOWN",
        }
    }

    fn color(self) -> Color {
        match self {
            Outcome::Pass => Color::Green,
            Outcome::Warn => Color::Yellow,
            Outcome::Fail => Color::Red,
            Outcome::Skip => Color::DarkGrey,
            Outcome::Unknown => Color::Magenta,
        }
    }
}

/// One line of the checklist.
#[derive(Debug, Clone, Serialize)]
struct Item {
    check: String,
    result: Outcome,
    detail: String,
    /// What to do, when not PASS.
    remedy: Option<String>,
    /// The figure judged, when there is one (ms, count, percent...).
    value: Option<f64>,
}

impl Item {
    fn new(check: &str, result: Outcome, detail: impl Into<String>) -> Item {
        Item {
            check: check.to_string(),
            result,
            detail: detail.into(),
            remedy: None,
            value: None,
        }
    }

    fn judged(check: &str, level: Level, value: f64, detail: impl Into<String>) -> Item {
        Item {
            value: Some(value),
            ..Item::new(check, Outcome::from_level(level), detail)
        }
    }

    /// What to do, kept only when the item is not PASS.
    fn remedy(mut self, remedy: impl Into<String>) -> Item {
        if self.result != Outcome::Pass {
            self.remedy = Some(remedy.into());
        }
        self
    }
}

/// The JSON document of `preflight --output json`.
#[derive(Debug, Serialize)]
struct Report {
    queue: String,
    /// The worst result: FAIL, else UNKNOWN, else WARN, else PASS.
    verdict: Outcome,
    exit_code: u8,
    checks: Vec<Item>,
}

/// 2 when anything failed, else 3 when a check could not run, else 1 when
/// anything warns, else 0.
fn verdict(items: &[Item]) -> (Outcome, u8) {
    let any = |o: Outcome| items.iter().any(|i| i.result == o);
    if any(Outcome::Fail) {
        (Outcome::Fail, 2)
    } else if any(Outcome::Unknown) {
        (Outcome::Unknown, 3)
    } else if any(Outcome::Warn) {
        (Outcome::Warn, 1)
    } else {
        (Outcome::Pass, 0)
    }
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
    let (l, r) = (&args.load, &args.rtt);
    ensure_ordered(&[
        (
            "--backlog-warn",
            "--backlog-crit",
            l.backlog_warn as f64,
            l.backlog_crit as f64,
        ),
        (
            "--stuck-warn",
            "--stuck-crit",
            l.stuck_warn as f64,
            l.stuck_crit as f64,
        ),
        (
            "--failures-warn",
            "--failures-crit",
            l.failures_warn as f64,
            l.failures_crit as f64,
        ),
        (
            "--rtt-warn",
            "--rtt-crit",
            r.rtt_warn.as_secs_f64(),
            r.rtt_crit.as_secs_f64(),
        ),
        (
            "--long-transaction-warn",
            "--long-transaction-crit",
            args.long_transaction_warn.as_secs_f64(),
            args.long_transaction_crit.as_secs_f64(),
        ),
        (
            "--dead-tuples-warn",
            "--dead-tuples-crit",
            args.dead_tuples_warn,
            args.dead_tuples_crit,
        ),
        (
            "--connections-warn",
            "--connections-crit",
            args.connections_warn,
            args.connections_crit,
        ),
    ])?;

    let mut items = Vec::new();
    match ctx.connect_unchecked(Access::ReadOnly, 1).await {
        Err(e) => {
            items.push(
                Item::new("database", Outcome::Fail, one_line(&e)).remedy(
                    "start PostgreSQL, or point --database-url / ABSURD_DATABASE_URL at it",
                ),
            );
            let order = ["server_version", "schema"]
                .iter()
                .chain(QUEUE_CHECKS.iter())
                .chain(["connections", "long_transactions", "dead_tuples"].iter());
            for name in order {
                items.push(Item::new(
                    name,
                    Outcome::Skip,
                    "the database is unreachable",
                ));
            }
        }
        Ok(pool) => database_checks(ctx, &args, &pool, &mut items).await,
    }
    for disk in &args.disk {
        items.push(disk_check(disk));
    }

    let (verdict, exit_code) = verdict(&items);
    let report = Report {
        queue: ctx.global.queue.clone(),
        verdict,
        exit_code,
        checks: items,
    };
    if ctx.out.is_json() {
        ctx.out.json(&report)?;
    } else {
        render(ctx, &report)?;
    }
    Ok(ExitCode::from(exit_code))
}

fn one_line(e: &anyhow::Error) -> String {
    let text = redact(&format!("{e:#}"));
    text.lines().next().unwrap_or_default().to_string()
}

async fn database_checks(ctx: &Ctx, args: &PreflightArgs, pool: &PgPool, items: &mut Vec<Item>) {
    let mut conn = match pool.acquire().await {
        Ok(c) => c,
        Err(e) => {
            items.push(Item::new("database", Outcome::Fail, one_line(&e.into())));
            return;
        }
    };
    // The round trip and reachability.
    match health::round_trip(&mut *conn).await {
        Ok(rtt) => {
            let ms = rtt.as_secs_f64() * 1000.0;
            let level = above(rtt, args.rtt.rtt_warn, args.rtt.rtt_crit);
            items.push(
                Item::judged(
                    "database",
                    level,
                    ms,
                    format!("reachable; round trip {}", fmt_ms(ms)),
                )
                .remedy("the database or the network to it is slow: look at its load (the runbook's Database Performance Degradation)"),
            );
        }
        Err(e) => items.push(Item::new("database", Outcome::Fail, one_line(&e.into()))),
    }

    items.push(match health::server_version(&mut *conn).await {
        Ok((num, text)) => {
            let level = health::judge_server_version(num);
            Item::judged(
                "server_version",
                level,
                num as f64,
                format!("PostgreSQL {text}"),
            )
            .remedy(match level {
                Level::Critical => "absurdctl needs PostgreSQL 13 or later: upgrade the server",
                _ => "this PostgreSQL is out of community support: plan an upgrade",
            })
        }
        Err(e) => unknown("server_version", e),
    });

    let schema_ok = match schema::status(&mut conn).await {
        Ok(status) => {
            let applied = status.migrations.iter().filter(|m| m.applied).count();
            let (item, usable) = match status.problem() {
                None => (
                    Item::new(
                        "schema",
                        Outcome::Pass,
                        format!("current ({applied} migrations applied)"),
                    ),
                    true,
                ),
                Some(p @ SchemaProblem::Ahead { .. }) => (
                    Item::new("schema", Outcome::Warn, p.to_string())
                        .remedy("upgrade absurdctl on this host"),
                    true,
                ),
                Some(p) => (
                    Item::new("schema", Outcome::Fail, p.to_string())
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
        queue_checks(ctx, args, &mut conn, items).await;
    } else {
        for name in QUEUE_CHECKS {
            items.push(Item::new(name, Outcome::Skip, "the schema is not current"));
        }
    }

    items.push(match health::connections(&mut *conn).await {
        Ok(c) => {
            let pct = if c.max > 0 {
                c.in_use as f64 * 100.0 / c.max as f64
            } else {
                0.0
            };
            Item::judged(
                "connections",
                at_least(pct, args.connections_warn, args.connections_crit),
                pct,
                format!(
                    "{} of max_connections {} in use ({pct:.0}%)",
                    c.in_use, c.max
                ),
            )
            .remedy("close idle sessions or lower the workers' pool sizes (the runbook's pool_max_size), or raise max_connections")
        }
        Err(e) => unknown("connections", e),
    });

    items.push(match health::oldest_transaction(&mut conn).await {
        Ok(t) => long_transaction_item(args, &t),
        Err(e) => unknown("long_transactions", e),
    });

    items.push(match health::dead_tuples(&mut *conn).await {
        Ok(Some(d)) => {
            let pct = d.percent();
            let level = if d.dead < health::MIN_DEAD_TUPLES {
                Level::Ok
            } else {
                at_least(pct, args.dead_tuples_warn, args.dead_tuples_crit)
            };
            let vacuumed = match d.last_vacuum_at {
                Some(t) => format!("last vacuumed {}", fmt_ago(Some(t))),
                None => "never vacuumed".into(),
            };
            Item::judged(
                "dead_tuples",
                level,
                pct,
                format!(
                    "absurd.tasks: {} dead of {} rows ({pct:.1}%), {vacuumed}",
                    d.dead,
                    d.live + d.dead
                ),
            )
            .remedy("run `absurdctl vacuum` (and check that autovacuum keeps up)")
        }
        Ok(None) => Item::new("dead_tuples", Outcome::Skip, "absurd.tasks does not exist"),
        Err(e) => unknown("dead_tuples", e),
    });
}

fn unknown(check: &str, e: impl Into<anyhow::Error>) -> Item {
    let e = e.into();
    let denied = crate::error::sqlstate(&e).as_deref() == Some("42501");
    Item::new(check, Outcome::Unknown, one_line(&e)).remedy(if denied {
        "permission denied: preflight needs the role absurd_reader (GRANT absurd_reader TO the role)"
    } else {
        "the check could not run: see the detail (a role without SELECT on the catalog?)"
    })
}

/// The queue items, from one `status` snapshot of the queue.
async fn queue_checks(
    ctx: &Ctx,
    args: &PreflightArgs,
    conn: &mut PgConnection,
    items: &mut Vec<Item>,
) {
    let queue = ctx.global.queue.clone();
    let rule = StuckRule {
        heartbeat_timeout: args.stuck.heartbeat_timeout,
        timeout_grace: args.stuck.timeout_grace,
    };
    let read = async {
        let mut tx = stats::begin_snapshot(&mut *conn).await?;
        let known = stats::known_queues(&mut *tx).await?;
        let snapshot = stats::snapshot(&mut tx, std::slice::from_ref(&queue), rule).await?;
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
    let f = &q.figures;
    let l = &args.load;

    items.push(if q.paused {
        let detail = format!(
            "queue {queue} is PAUSED (claims are held back){}",
            pause_details(
                q.paused_by.as_deref(),
                q.paused_at,
                q.pause_reason.as_deref()
            )
        );
        Item::new("queue", Outcome::Fail, detail).remedy(format!(
            "`absurdctl resume --queue {queue}` once the maintenance is over"
        ))
    } else if !known.contains(&queue) {
        let others = if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        };
        Item::new(
            "queue",
            Outcome::Warn,
            format!("queue {queue} has no tasks, workers or pause record (known queues: {others})"),
        )
        .remedy("check --queue / ABSURD_QUEUE_NAME; a new queue appears with its first task")
    } else {
        Item::new(
            "queue",
            Outcome::Pass,
            format!(
                "queue {queue} is not paused; {} waiting, {} claimed",
                f.backlog, f.claimed
            ),
        )
    });

    let live = q.workers.live;
    let level = if live >= args.min_workers {
        Level::Ok
    } else if live == 0 {
        Level::Critical
    } else {
        Level::Warning
    };
    let hosts: Vec<String> = q
        .workers
        .hosts
        .iter()
        .map(|h| {
            format!(
                "{} {}",
                h.host.as_deref().unwrap_or("unregistered"),
                h.workers
            )
        })
        .collect();
    items.push(
        Item::judged(
            "workers",
            level,
            live as f64,
            format!(
                "{live} live worker{} (at least {} wanted){}",
                if live == 1 { "" } else { "s" },
                args.min_workers,
                if hosts.is_empty() {
                    String::new()
                } else {
                    format!(": {}", hosts.join(", "))
                }
            ),
        )
        .remedy("start workers: `systemctl start dsa110-absurd-worker@{1..4}` (or `absurdctl worker run`)"),
    );

    items.push(
        Item::judged(
            "stuck_tasks",
            above(f.stuck, l.stuck_warn, l.stuck_crit),
            f.stuck as f64,
            format!(
                "{} stuck (no heartbeat for {})",
                f.stuck,
                fmt_secs(rule.heartbeat_timeout.as_secs_f64())
            ),
        )
        .remedy("`absurdctl reap-stuck` gives them back to the queue"),
    );

    items.push(
        match reap::stale_locks(
            &mut *conn,
            std::slice::from_ref(&queue),
            args.stuck.reaper_lock_stale_after,
        )
        .await
        {
            Ok(stale) => match stale.first() {
                None => Item::new("reaper_lock", Outcome::Pass, "the reaper's lock is not held by a hung session"),
                Some(l) => Item::new(
                    "reaper_lock",
                    Outcome::Fail,
                    format!(
                        "the reaper's lock of queue {queue} has been held for {} by pid {}: \
                         nothing is reaped until that session ends",
                        fmt_secs(l.holder.held_sec.unwrap_or(0.0)),
                        l.holder.pid
                    ),
                )
                .remedy(format!(
                    "look at pid {} in pg_stat_activity; end it with pg_terminate_backend({}) if it hangs",
                    l.holder.pid, l.holder.pid
                )),
            },
            Err(e) => unknown("reaper_lock", e),
        },
    );

    items.push(
        Item::judged(
            "failures",
            above(f.failed_1h, l.failures_warn, l.failures_crit),
            f.failed_1h as f64,
            format!(
                "{} failed in the last hour (warn above {}, fail above {})",
                f.failed_1h, l.failures_warn, l.failures_crit
            ),
        )
        .remedy("`absurdctl errors --since 1h` groups them by cause"),
    );

    items.push(
        Item::judged(
            "backlog",
            above(f.backlog, l.backlog_warn, l.backlog_crit),
            f.backlog as f64,
            format!(
                "{} waiting (warn above {}, fail above {})",
                f.backlog, l.backlog_warn, l.backlog_crit
            ),
        )
        .remedy("add workers before ingesting, or let the backlog drain first"),
    );
}

fn long_transaction_item(args: &PreflightArgs, t: &health::Transactions) -> Item {
    let unseen = if t.invisible_sessions > 0 {
        format!(
            "; {} session(s) of other roles not visible (grant pg_read_all_stats to see them)",
            t.invisible_sessions
        )
    } else {
        String::new()
    };
    match &t.oldest {
        None => Item::judged(
            "long_transactions",
            Level::Ok,
            0.0,
            format!("no other transaction open in this database{unseen}"),
        ),
        Some(o) => {
            let age = Duration::from_secs_f64(o.age_sec.max(0.0));
            Item::judged(
                "long_transactions",
                above(age, args.long_transaction_warn, args.long_transaction_crit),
                o.age_sec,
                format!(
                    "oldest open for {}: pid {}, user {}, application {}, {}{unseen}",
                    fmt_secs(o.age_sec),
                    o.pid,
                    o.user_name.as_deref().unwrap_or("?"),
                    o.application_name
                        .as_deref()
                        .filter(|a| !a.is_empty())
                        .unwrap_or("?"),
                    o.state.as_deref().unwrap_or("?")
                ),
            )
            .remedy(format!(
                "it holds back vacuum: end it in its application, or `SELECT pg_terminate_backend({})`",
                o.pid
            ))
        }
    }
}

fn disk_check(spec: &DiskSpec) -> Item {
    let name = format!("disk:{}", spec.path.display());
    match disk_usage(&spec.path) {
        Ok((pct, free)) => Item::judged(
            &name,
            at_least(pct, spec.warn_percent, spec.crit_percent),
            pct,
            format!(
                "{} {pct:.1}% used, {} free (warn at {}%, fail at {}%)",
                spec.path.display(),
                fmt_bytes(free),
                spec.warn_percent,
                spec.crit_percent
            ),
        )
        .remedy("free space before ingesting (the runbook's Disk Space Emergency); `absurdctl vacuum` for the database's share"),
        Err(e) => Item::new(&name, Outcome::Unknown, format!("{}: {e}", spec.path.display())),
    }
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

fn fmt_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

fn fmt_ms(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.1}ms")
    } else {
        fmt_secs(ms / 1000.0)
    }
}

fn render(ctx: &Ctx, r: &Report) -> std::io::Result<()> {
    let mut table = ctx.out.table(["result", "check", "detail"]);
    for i in &r.checks {
        let mut detail = i.detail.clone();
        if let Some(remedy) = &i.remedy {
            detail.push_str(&format!("\n→ {remedy}"));
        }
        table.add_row(vec![
            ctx.out.paint(i.result.as_str(), i.result.color()),
            Cell::new(&i.check),
            Cell::new(detail),
        ]);
    }
    ctx.out.print_table(&table)?;
    ctx.out.line(format!(
        "preflight {} for queue {} (exit {})",
        r.verdict.as_str(),
        r.queue,
        r.exit_code
    ))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_result_decides() {
        let item = |o| Item::new("x", o, "");
        let v = |os: &[Outcome]| verdict(&os.iter().map(|o| item(*o)).collect::<Vec<_>>());
        assert_eq!(v(&[Outcome::Pass, Outcome::Skip]), (Outcome::Pass, 0));
        assert_eq!(v(&[Outcome::Pass, Outcome::Warn]), (Outcome::Warn, 1));
        assert_eq!(v(&[Outcome::Warn, Outcome::Unknown]), (Outcome::Unknown, 3));
        assert_eq!(
            v(&[Outcome::Unknown, Outcome::Fail, Outcome::Warn]),
            (Outcome::Fail, 2)
        );
    }

    #[test]
    fn a_remedy_is_kept_only_when_something_is_wrong() {
        assert!(Item::new("x", Outcome::Pass, "")
            .remedy("do")
            .remedy
            .is_none());
        assert_eq!(
            Item::new("x", Outcome::Warn, "")
                .remedy("do")
                .remedy
                .as_deref(),
            Some("do")
        );
    }

    #[test]
    fn disk_usage_of_a_real_path() {
        let (pct, _) = disk_usage(Path::new("/")).unwrap();
        assert!((0.0..=100.0).contains(&pct));
        assert!(disk_usage(Path::new("/no/such/path")).is_err());
    }

    #[test]
    fn bytes_are_short() {
        assert_eq!(fmt_bytes(512), "512 B");
        assert_eq!(fmt_bytes(3 * 1024 * 1024 * 1024 / 2), "1.5 GiB");
    }
}
