//! Health of the database around the queue, for `status`, `preflight` and
//! `bench`: the server-side figures that are not queue statistics (round
//! trip, server version, connections, long transactions, dead tuples).
//! They are judged in `crate::checks`.

use std::time::{Duration, Instant};

use sqlx::PgExecutor;

use super::Result;

/// The time of one trivial query: what every statement pays on top of its work.
pub async fn round_trip(db: impl PgExecutor<'_>) -> Result<Duration> {
    let started = Instant::now();
    sqlx::query("SELECT 1").execute(db).await?;
    Ok(started.elapsed())
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

pub async fn dead_tuples(db: impl PgExecutor<'_>) -> Result<Option<DeadTuples>> {
    Ok(sqlx::query_as(
        "SELECT n_live_tup AS live, n_dead_tup AS dead,
                greatest(last_vacuum, last_autovacuum) AS last_vacuum_at
           FROM pg_stat_user_tables WHERE schemaname = 'absurd' AND relname = 'tasks'",
    )
    .fetch_optional(db)
    .await?)
}
