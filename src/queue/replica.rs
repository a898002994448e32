//! Whether the server is a hot standby, and how far it is behind its
//! primary: for the read-only commands that `--read-url` sends to a
//! streaming replica, and for the refusal of a write on one.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgExecutor;

use super::Result;

/// How far a hot standby is behind its primary (JSON `replica`).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ReplicaLag {
    /// Seconds since the primary committed the last transaction this
    /// standby has replayed (`now() - pg_last_xact_replay_timestamp()`);
    /// null before any was replayed. It grows while the primary is idle,
    /// so read it with `replay_gap_bytes`.
    pub lag_sec: Option<f64>,
    /// When the primary committed the last transaction replayed here.
    pub last_replay_at: Option<DateTime<Utc>>,
    /// The WAL position received from the primary (null when the standby
    /// replays from an archive only).
    pub receive_lsn: Option<String>,
    /// The WAL position replayed, which the reads see.
    pub replay_lsn: Option<String>,
    /// WAL received but not replayed yet, in bytes.
    pub replay_gap_bytes: Option<i64>,
}

impl ReplicaLag {
    /// How far behind, in a few words: the age of the last transaction
    /// replayed and the WAL received but not replayed.
    pub fn summary(&self) -> String {
        let age = match self.lag_sec {
            Some(s) => format!(
                "last replayed transaction committed {} ago on the primary",
                crate::units::fmt_secs(s.max(0.0))
            ),
            None => "no transaction replayed yet".to_string(),
        };
        match self.replay_gap_bytes {
            Some(b) => format!(
                "{age}, {} received and not replayed",
                crate::units::fmt_bytes(b.max(0))
            ),
            None => age,
        }
    }

    /// The short line a read-only command prints about it (on stderr).
    pub fn describe(&self, server: &str) -> String {
        format!("reading from a hot standby at {server}: {}", self.summary())
    }
}

/// `Some` with its lag when the server is a hot standby (in recovery),
/// `None` on a primary. One cheap statement; the lag is measured on the
/// standby's clock.
pub async fn standby_lag(db: impl PgExecutor<'_>) -> Result<Option<ReplicaLag>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        standby: bool,
        #[sqlx(flatten)]
        lag: ReplicaLag,
    }
    // On a primary the pg_last_* functions return null: one statement for both.
    let row: Row = sqlx::query_as(
        "SELECT pg_is_in_recovery() AS standby,
                extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS lag_sec,
                pg_last_xact_replay_timestamp() AS last_replay_at,
                pg_last_wal_receive_lsn()::text AS receive_lsn,
                pg_last_wal_replay_lsn()::text AS replay_lsn,
                pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint
                  AS replay_gap_bytes",
    )
    .fetch_one(db)
    .await?;
    Ok(row.standby.then_some(row.lag))
}
