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
}
