//! The checks of the database around the queue (and of the host's disks,
//! for `preflight`): one function per check, each giving one finding.

use std::path::Path;
use std::time::Duration;

use crate::output::{fmt_ago, fmt_bytes, fmt_ms, fmt_secs};
use crate::queue::health::{Connections, DeadTuples, Transactions};
use crate::queue::replica::ReplicaLag;

use super::{above, at_least, Finding, Level};

/// The oldest PostgreSQL absurdctl runs on: migrations use gen_random_uuid()
/// without the pgcrypto extension.
pub const MIN_SERVER_VERSION: i32 = 130000;

/// The first version still supported by the PostgreSQL community (13 reached
/// its end of life in November 2025).
pub const SUPPORTED_SERVER_VERSION: i32 = 140000;

/// The dead-row ratio is judged from this many dead rows on: a small
/// table's ratio swings with every update and autovacuum handles it.
pub const MIN_DEAD_TUPLES: i64 = 1000;

/// The time of one trivial query: what every statement pays on top of its work.
pub fn round_trip(rtt: Duration, warn: Duration, crit: Duration) -> Finding {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Finding::new(
        "round_trip",
        above(rtt, warn, crit),
        format!("database round trip {}", fmt_ms(ms(rtt))),
    )
    .value(ms(rtt))
    .limits(Some(ms(warn)), Some(ms(crit)))
    .remedy("the database or the network to it is slow: look at its load (the runbook's Database Performance Degradation)")
}

/// CRITICAL below what absurdctl needs, WARNING on a version out of
/// community support.
pub fn server_version(version_num: i32, version: &str) -> Finding {
    let level = if version_num < MIN_SERVER_VERSION {
        Level::Critical
    } else if version_num < SUPPORTED_SERVER_VERSION {
        Level::Warning
    } else {
        Level::Ok
    };
    Finding::new("server_version", level, format!("PostgreSQL {version}"))
        .value(version_num as f64)
        .remedy(match level {
            Level::Critical => "absurdctl needs PostgreSQL 13 or later: upgrade the server",
            _ => "this PostgreSQL is out of community support: plan an upgrade",
        })
}

/// Client connections as a percentage of max_connections.
pub fn connections(c: &Connections, warn: f64, crit: f64) -> Finding {
    let pct = if c.max > 0 {
        c.in_use as f64 * 100.0 / c.max as f64
    } else {
        0.0
    };
    Finding::new(
        "connections",
        at_least(pct, warn, crit),
        format!(
            "{} of max_connections {} in use ({pct:.0}%)",
            c.in_use, c.max
        ),
    )
    .value(pct)
    .limits(Some(warn), Some(crit))
    .remedy("close idle sessions or lower the workers' pool sizes (the runbook's pool_max_size), or raise max_connections")
}

/// The oldest transaction of another session, which holds back vacuum.
pub fn long_transactions(t: &Transactions, warn: Duration, crit: Duration) -> Finding {
    let unseen = if t.invisible_sessions > 0 {
        format!(
            "; {} session(s) of other roles not visible (grant pg_read_all_stats to see them)",
            t.invisible_sessions
        )
    } else {
        String::new()
    };
    let limits = (Some(warn.as_secs_f64()), Some(crit.as_secs_f64()));
    match &t.oldest {
        None => Finding::new(
            "long_transactions",
            Level::Ok,
            format!("no other transaction open in this database{unseen}"),
        )
        .value(0.0),
        Some(o) => Finding::new(
            "long_transactions",
            above(Duration::from_secs_f64(o.age_sec.max(0.0)), warn, crit),
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
        .value(o.age_sec)
        .remedy(format!(
            "it holds back vacuum: end it in its application, or `SELECT pg_terminate_backend({})`",
            o.pid
        )),
    }
    .limits(limits.0, limits.1)
}

/// Dead rows of absurd.tasks as a percentage of all its rows; skipped when
/// the table does not exist.
/// Dead rows, not checked: a hot standby's table statistics are its own,
/// not the primary's, where vacuum runs.
pub fn dead_tuples_unseen() -> Finding {
    Finding::new(
        "dead_tuples",
        Level::Skipped,
        "not checked on a hot standby: its table statistics are its own, not the primary's, \
         where vacuum runs (check it there)",
    )
}

/// How far the hot standby read from lags: reported, not judged.
pub fn replica_lag(lag: &ReplicaLag) -> Finding {
    Finding::new(
        "replica",
        Level::Ok,
        format!("a hot standby: {}", lag.summary()),
    )
    .value(lag.lag_sec.unwrap_or(0.0))
}

pub fn dead_tuples(d: Option<&DeadTuples>, warn: f64, crit: f64) -> Finding {
    let Some(d) = d else {
        return Finding::new("dead_tuples", Level::Skipped, "absurd.tasks does not exist");
    };
    let pct = d.percent();
    let level = if d.dead < MIN_DEAD_TUPLES {
        Level::Ok
    } else {
        at_least(pct, warn, crit)
    };
    let vacuumed = match d.last_vacuum_at {
        Some(t) => format!("last vacuumed {}", fmt_ago(Some(t))),
        None => "never vacuumed".into(),
    };
    Finding::new(
        "dead_tuples",
        level,
        format!(
            "absurd.tasks: {} dead of {} rows ({pct:.1}%), {vacuumed}",
            d.dead,
            d.live + d.dead
        ),
    )
    .value(pct)
    .limits(Some(warn), Some(crit))
    .remedy("run `absurdctl vacuum` (and check that autovacuum keeps up)")
}

/// The used percentage of the filesystem of `path` and the bytes still free.
pub fn disk(path: &Path, usage: std::io::Result<(f64, u64)>, warn: f64, crit: f64) -> Finding {
    let name = format!("disk:{}", path.display());
    match usage {
        Ok((pct, free)) => Finding::new(
            name,
            at_least(pct, warn, crit),
            format!(
                "{} {pct:.1}% used, {} free (warn at {warn}%, fail at {crit}%)",
                path.display(),
                fmt_bytes(i64::try_from(free).unwrap_or(i64::MAX)),
            ),
        )
        .value(pct)
        .limits(Some(warn), Some(crit))
        .remedy("free space before ingesting (the runbook's Disk Space Emergency); `absurdctl vacuum` for the database's share"),
        Err(e) => Finding::new(name, Level::Unknown, format!("{}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::health::OpenTransaction;

    #[test]
    fn server_versions() {
        let level = |n| server_version(n, "x").level;
        assert_eq!(level(120_017), Level::Critical);
        assert_eq!(level(130_021), Level::Warning);
        assert_eq!(level(150_018), Level::Ok);
        assert_eq!(level(180_000), Level::Ok);
        assert!(server_version(120_017, "12.17")
            .remedy
            .unwrap()
            .contains("13 or later"));
    }

    #[test]
    fn round_trip_in_milliseconds() {
        let f = round_trip(
            Duration::from_millis(150),
            Duration::from_millis(100),
            Duration::from_secs(1),
        );
        assert_eq!(f.level, Level::Warning);
        assert_eq!(
            (f.value, f.warn, f.crit),
            (Some(150.0), Some(100.0), Some(1000.0))
        );
        assert_eq!(f.message, "database round trip 150.0ms");
    }

    #[test]
    fn connections_are_a_capacity() {
        let c = |in_use| Connections { in_use, max: 100 };
        assert_eq!(connections(&c(79), 80.0, 95.0).level, Level::Ok);
        assert_eq!(connections(&c(80), 80.0, 95.0).level, Level::Warning);
        assert_eq!(connections(&c(95), 80.0, 95.0).level, Level::Critical);
        let none = Connections { in_use: 3, max: 0 };
        assert_eq!(connections(&none, 80.0, 95.0).value, Some(0.0));
    }

    #[test]
    fn a_long_transaction_names_its_session() {
        let t = Transactions {
            oldest: Some(OpenTransaction {
                pid: 42,
                user_name: Some("report".into()),
                application_name: Some("nightly-report".into()),
                state: Some("idle in transaction".into()),
                age_sec: 7200.0,
            }),
            invisible_sessions: 1,
        };
        let f = long_transactions(&t, Duration::from_secs(300), Duration::from_secs(3600));
        assert_eq!(f.level, Level::Critical);
        assert!(f.message.contains("nightly-report") && f.message.contains("not visible"));
        assert!(f.remedy.unwrap().contains("pg_terminate_backend(42)"));
        let quiet = long_transactions(
            &Transactions::default(),
            Duration::from_secs(300),
            Duration::from_secs(3600),
        );
        assert_eq!(quiet.level, Level::Ok);
    }

    #[test]
    fn few_dead_rows_are_not_judged() {
        let d = |live, dead| DeadTuples {
            live,
            dead,
            last_vacuum_at: None,
        };
        assert_eq!(dead_tuples(Some(&d(10, 90)), 20.0, 50.0).level, Level::Ok);
        assert_eq!(
            dead_tuples(Some(&d(1000, 9000)), 20.0, 50.0).level,
            Level::Critical
        );
        assert_eq!(dead_tuples(None, 20.0, 50.0).level, Level::Skipped);
    }

    #[test]
    fn disks() {
        let p = Path::new("/data");
        let f = disk(p, Ok((91.0, 1536 * 1024 * 1024)), 90.0, 95.0);
        assert_eq!(f.check, "disk:/data");
        assert_eq!(f.level, Level::Warning);
        assert!(f.message.contains("1.5 GiB free"), "{}", f.message);
        let gone = disk(p, Err(std::io::Error::other("gone")), 90.0, 95.0);
        assert_eq!(gone.level, Level::Unknown);
    }
}
