//! The schema: which legacy shape a database has, which migrations it has
//! had, and bringing it to the current version in place.

use serde::Serialize;
use sqlx::migrate::Migrator;
use sqlx::PgConnection;

use super::{QueueError, Result, SchemaProblem};

/// absurdctl's migrations, embedded in the binary. Their bookkeeping table is
/// `absurd._sqlx_migrations` (the migrator runs with search_path = absurd).
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// What a database holds before `migrate`, as legacy-schema.md names it.
#[derive(Debug, Clone, Serialize)]
pub struct Shape {
    /// L0, L1, L2, or `absurdctl` once migrated.
    pub base: String,
    /// Extension D (dependencies and workflows).
    pub dependencies: bool,
    /// Extension S (schedules).
    pub schedules: bool,
    /// Objects of the unrelated upstream Absurd project, left alone.
    pub upstream_absurd: bool,
    /// Rows in absurd.tasks (an estimate from the statistics).
    pub estimated_rows: i64,
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.base)?;
        if self.dependencies {
            write!(f, " + dependencies (D)")?;
        }
        if self.schedules {
            write!(f, " + schedules (S)")?;
        }
        if self.upstream_absurd {
            write!(f, " (upstream Absurd objects present, left alone)")?;
        }
        Ok(())
    }
}

/// One migration and whether it has run.
#[derive(Debug, Clone, Serialize)]
pub struct MigrationState {
    pub version: i64,
    pub description: String,
    pub applied: bool,
}

/// Where the database stands against this binary's migrations.
#[derive(Debug, Clone, Serialize)]
pub struct SchemaStatus {
    pub migrations: Vec<MigrationState>,
    /// Applied versions this binary does not know (a newer absurdctl ran).
    pub unknown_applied: Vec<i64>,
}

impl SchemaStatus {
    pub fn pending(&self) -> impl Iterator<Item = &MigrationState> {
        self.migrations.iter().filter(|m| !m.applied)
    }

    /// What is wrong for this binary, if anything.
    pub fn problem(&self) -> Option<SchemaProblem> {
        if let Some(newest) = self.unknown_applied.iter().max() {
            return Some(SchemaProblem::Ahead { newest: *newest });
        }
        let pending = self.pending().count();
        if pending == self.migrations.len() {
            Some(SchemaProblem::NotMigrated)
        } else if pending > 0 {
            Some(SchemaProblem::Behind { pending })
        } else {
            None
        }
    }
}

pub async fn detect_shape(conn: &mut PgConnection) -> Result<Shape> {
    let (schema, tasks, migrated, claim_args, heartbeat, depends_on, schedules, upstream): (
        bool,
        bool,
        bool,
        Option<Vec<String>>,
        bool,
        bool,
        bool,
        bool,
    ) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'absurd'),
                to_regclass('absurd.tasks') IS NOT NULL,
                to_regclass('absurd._sqlx_migrations') IS NOT NULL,
                (SELECT p.proargnames::text[] FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                  WHERE n.nspname = 'absurd' AND p.proname = 'claim_task' LIMIT 1),
                EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                         WHERE n.nspname = 'absurd' AND p.proname = 'heartbeat_task'),
                EXISTS (SELECT 1 FROM information_schema.columns
                         WHERE table_schema = 'absurd' AND table_name = 'tasks' AND column_name = 'depends_on'),
                to_regclass('absurd.scheduled_tasks') IS NOT NULL,
                to_regclass('absurd.queues') IS NOT NULL",
    )
    .fetch_one(&mut *conn)
    .await?;
    let base = if !schema || !tasks {
        "L0 (no ABSURD schema)".to_string()
    } else if migrated {
        "absurdctl".to_string()
    } else {
        let names = claim_args.unwrap_or_default();
        if names.iter().any(|n| n == "task_priority") && heartbeat {
            "L2".to_string()
        } else if names.iter().any(|n| n == "priority") {
            "L1 (claim_task broken: `priority` is ambiguous)".to_string()
        } else {
            "legacy (unrecognised functions; they will be replaced)".to_string()
        }
    };
    let estimated_rows = if tasks {
        sqlx::query_scalar::<_, f32>(
            "SELECT reltuples FROM pg_class WHERE oid = 'absurd.tasks'::regclass",
        )
        .fetch_one(&mut *conn)
        .await?
        .max(0.0) as i64
    } else {
        0
    };
    Ok(Shape {
        base,
        dependencies: depends_on,
        schedules,
        upstream_absurd: upstream,
        estimated_rows,
    })
}

/// Which of this binary's migrations the database has had.
pub async fn status(conn: &mut PgConnection) -> Result<SchemaStatus> {
    let table: bool =
        sqlx::query_scalar("SELECT to_regclass('absurd._sqlx_migrations') IS NOT NULL")
            .fetch_one(&mut *conn)
            .await?;
    let applied: Vec<i64> = if table {
        sqlx::query_scalar(
            "SELECT version FROM absurd._sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(&mut *conn)
        .await?
    } else {
        Vec::new()
    };
    let migrations: Vec<MigrationState> = MIGRATOR
        .iter()
        .map(|m| MigrationState {
            version: m.version,
            description: m.description.to_string(),
            applied: applied.contains(&m.version),
        })
        .collect();
    let unknown_applied = applied
        .into_iter()
        .filter(|v| !migrations.iter().any(|m| m.version == *v))
        .collect();
    Ok(SchemaStatus {
        migrations,
        unknown_applied,
    })
}

/// Fails with the schema problem, if there is one, for a command that reads
/// (`write == false`: an older or newer schema than expected is only an
/// error when it is missing or behind) or writes (never to a newer schema).
pub async fn ensure_usable(conn: &mut PgConnection, write: bool) -> Result<()> {
    match status(conn).await?.problem() {
        None => Ok(()),
        Some(SchemaProblem::Ahead { .. }) if !write => Ok(()),
        Some(p) => Err(QueueError::Schema(p)),
    }
}

/// Applies every pending migration and returns the versions applied.
///
/// Refuses a database migrated by a newer absurdctl. An index left invalid
/// by an interrupted CONCURRENTLY build is dropped first, so that the
/// migration that builds it starts again cleanly.
pub async fn migrate(conn: &mut PgConnection) -> Result<Vec<MigrationState>> {
    let before = status(conn).await?;
    if let Some(p @ SchemaProblem::Ahead { .. }) = before.problem() {
        return Err(QueueError::Schema(p));
    }
    sqlx::query("CREATE SCHEMA IF NOT EXISTS absurd")
        .execute(&mut *conn)
        .await?;
    let invalid: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_index i
           JOIN pg_class c ON c.oid = i.indexrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'absurd' AND NOT i.indisvalid
            AND c.relname IN ('tasks_claimable_idx', 'tasks_claimed_idx', 'tasks_finished_idx',
                              'tasks_dead_letters_idx', 'tasks_unfinished_depends_on_idx')",
    )
    .fetch_all(&mut *conn)
    .await?;
    for index in invalid {
        sqlx::query(&format!("DROP INDEX CONCURRENTLY IF EXISTS absurd.{index}"))
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("SET search_path TO absurd")
        .execute(&mut *conn)
        .await?;
    let run = MIGRATOR.run_direct(&mut *conn).await;
    sqlx::query("RESET search_path").execute(&mut *conn).await?;
    run.map_err(|e| match e {
        sqlx::migrate::MigrateError::Execute(db) => QueueError::Db(db),
        other => QueueError::Invalid(format!("migration failed: {other}")),
    })?;
    let after = status(conn).await?;
    Ok(after
        .migrations
        .into_iter()
        .filter(|m| {
            m.applied
                && !before
                    .migrations
                    .iter()
                    .any(|b| b.version == m.version && b.applied)
        })
        .collect())
}
