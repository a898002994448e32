//! Health of the database around the queue, for `status` and `preflight`:
//! verdict levels in the Nagios convention, and the server-side checks that
//! are not queue statistics (round trip, server version, connections, long
//! transactions, dead tuples).

use std::time::{Duration, Instant};

use serde::Serialize;
use sqlx::PgExecutor;

use super::Result;

/// A verdict, in the Nagios convention: its exit code is its rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Ok,
    Warning,
    Critical,
    /// The check itself could not run (e.g. the database is unreachable).
    Unknown,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "OK",
            Level::Warning => "WARNING",
            Level::Critical => "CRITICAL",
            Level::Unknown => "UNKNOWN",
        }
    }

    /// 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    pub fn exit_code(self) -> u8 {
        self as u8
    }

    /// The threshold this level crossed, for messages: `crit` when
    /// critical, else `warn`.
    pub fn limit<T>(self, warn: T, crit: T) -> T {
        if self == Level::Critical {
            crit
        } else {
            warn
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// CRITICAL above `crit`, WARNING above `warn`, else OK.
pub fn above<T: PartialOrd>(value: T, warn: T, crit: T) -> Level {
    if value > crit {
        Level::Critical
    } else if value > warn {
        Level::Warning
    } else {
        Level::Ok
    }
}

/// CRITICAL below `crit`, WARNING below `warn`, else OK.
pub fn below<T: PartialOrd>(value: T, warn: T, crit: T) -> Level {
    if value < crit {
        Level::Critical
    } else if value < warn {
        Level::Warning
    } else {
        Level::Ok
    }
}

/// CRITICAL at or above `crit`, WARNING at or above `warn` (percentages of
/// a capacity, as `df` shows them).
pub fn at_least<T: PartialOrd>(value: T, warn: T, crit: T) -> Level {
    if value >= crit {
        Level::Critical
    } else if value >= warn {
        Level::Warning
    } else {
        Level::Ok
    }
}

/// The time of one trivial query: what every statement pays on top of its work.
pub async fn round_trip(db: impl PgExecutor<'_>) -> Result<Duration> {
    let started = Instant::now();
    sqlx::query("SELECT 1").execute(db).await?;
    Ok(started.elapsed())
}

/// The oldest PostgreSQL absurdctl runs on: migrations use gen_random_uuid()
/// without the pgcrypto extension.
pub const MIN_SERVER_VERSION: i32 = 130000;

/// The first version still supported by the PostgreSQL community (13 reached
/// its end of life in November 2025).
pub const SUPPORTED_SERVER_VERSION: i32 = 140000;

/// FAIL (CRITICAL) below what absurdctl needs, WARNING on a version out of
/// community support.
pub fn judge_server_version(version_num: i32) -> Level {
    if version_num < MIN_SERVER_VERSION {
        Level::Critical
    } else if version_num < SUPPORTED_SERVER_VERSION {
        Level::Warning
    } else {
        Level::Ok
    }
}

/// `server_version_num` and the human `server_version`.
pub async fn server_version(db: impl PgExecutor<'_>) -> Result<(i32, String)> {
    Ok(sqlx::query_as(
        "SELECT current_setting('server_version_num')::int, current_setting('server_version')",
    )
    .fetch_one(db)
    .await?)
}

/// Client connections open on the whole server, and how many it allows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Connections {
    pub in_use: i64,
    pub max: i64,
}

pub async fn connections(db: impl PgExecutor<'_>) -> Result<Connections> {
    Ok(sqlx::query_as(
        "SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS in_use,
                current_setting('max_connections')::bigint AS max",
    )
    .fetch_one(db)
    .await?)
}

/// The oldest open transaction of another session in this database (the
/// one that holds back vacuum of absurd.tasks), and how many sessions of
/// other roles this role cannot see (without pg_read_all_stats).
#[derive(Debug, Clone, Default)]
pub struct Transactions {
    pub oldest: Option<OpenTransaction>,
    pub invisible_sessions: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenTransaction {
    pub pid: i32,
    pub user_name: Option<String>,
    pub application_name: Option<String>,
    pub state: Option<String>,
    pub age_sec: f64,
}

pub async fn oldest_transaction(db: &mut sqlx::PgConnection) -> Result<Transactions> {
    let oldest = sqlx::query_as(
        "SELECT pid, usename::text AS user_name, application_name, state,
                extract(epoch FROM clock_timestamp() - xact_start)::float8 AS age_sec
           FROM pg_stat_activity
          WHERE datname = current_database() AND backend_type = 'client backend'
            AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
          ORDER BY xact_start LIMIT 1",
    )
    .fetch_optional(&mut *db)
    .await?;
    let invisible_sessions = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
          WHERE datname = current_database() AND backend_type = 'client backend'
            AND pid <> pg_backend_pid() AND state IS NULL",
    )
    .fetch_one(&mut *db)
    .await?;
    Ok(Transactions {
        oldest,
        invisible_sessions,
    })
}

/// Live and dead rows of absurd.tasks, from the statistics collector.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeadTuples {
    pub live: i64,
    pub dead: i64,
    pub last_vacuum_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl DeadTuples {
    /// Dead rows as a percentage of all rows.
    pub fn percent(&self) -> f64 {
        let all = self.live + self.dead;
        if all == 0 {
            0.0
        } else {
            self.dead as f64 * 100.0 / all as f64
        }
    }
}

/// The ratio is judged from this many dead rows on: a small table's ratio
/// swings with every update and autovacuum handles it.
pub const MIN_DEAD_TUPLES: i64 = 1000;

pub async fn dead_tuples(db: impl PgExecutor<'_>) -> Result<Option<DeadTuples>> {
    Ok(sqlx::query_as(
        "SELECT n_live_tup AS live, n_dead_tup AS dead,
                greatest(last_vacuum, last_autovacuum) AS last_vacuum_at
           FROM pg_stat_user_tables WHERE schemaname = 'absurd' AND relname = 'tasks'",
    )
    .fetch_optional(db)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_rank_as_nagios_codes() {
        assert_eq!(Level::Ok.exit_code(), 0);
        assert_eq!(Level::Warning.exit_code(), 1);
        assert_eq!(Level::Critical.exit_code(), 2);
        assert_eq!(Level::Unknown.exit_code(), 3);
        assert!(Level::Critical > Level::Warning);
    }

    #[test]
    fn thresholds_are_strict_except_capacities() {
        assert_eq!(above(20, 20, 500), Level::Ok);
        assert_eq!(above(21, 20, 500), Level::Warning);
        assert_eq!(above(501, 20, 500), Level::Critical);
        assert_eq!(below(90.0, 90.0, 80.0), Level::Ok);
        assert_eq!(below(89.9, 90.0, 80.0), Level::Warning);
        assert_eq!(below(79.0, 90.0, 80.0), Level::Critical);
        assert_eq!(at_least(90.0, 90.0, 95.0), Level::Warning);
        assert_eq!(at_least(95.0, 90.0, 95.0), Level::Critical);
        assert_eq!(at_least(89.0, 90.0, 95.0), Level::Ok);
    }

    #[test]
    fn server_versions() {
        assert_eq!(judge_server_version(120_017), Level::Critical);
        assert_eq!(judge_server_version(130_021), Level::Warning);
        assert_eq!(judge_server_version(150_018), Level::Ok);
        assert_eq!(judge_server_version(180_000), Level::Ok);
    }
}
