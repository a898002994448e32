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
    let found = sqlx::query!(
        r#"SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'absurd') AS "schema!",
                to_regclass('absurd.tasks') IS NOT NULL AS "tasks!",
                to_regclass('absurd._sqlx_migrations') IS NOT NULL AS "migrated!",
                (SELECT p.proargnames::text[] FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                  WHERE n.nspname = 'absurd' AND p.proname = 'claim_task' LIMIT 1) AS claim_args,
                EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                         WHERE n.nspname = 'absurd' AND p.proname = 'heartbeat_task') AS "heartbeat!",
                EXISTS (SELECT 1 FROM information_schema.columns
                         WHERE table_schema = 'absurd' AND table_name = 'tasks' AND column_name = 'depends_on')
                  AS "depends_on!",
                to_regclass('absurd.scheduled_tasks') IS NOT NULL AS "schedules!",
                to_regclass('absurd.queues') IS NOT NULL AS "upstream!""#
    )
    .fetch_one(&mut *conn)
    .await?;
    let (schema, tasks, migrated, claim_args, heartbeat, depends_on, schedules, upstream) = (
        found.schema,
        found.tasks,
        found.migrated,
        found.claim_args,
        found.heartbeat,
        found.depends_on,
        found.schedules,
        found.upstream,
    );
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
        sqlx::query_scalar!(
            r#"SELECT reltuples FROM pg_class WHERE oid = 'absurd.tasks'::regclass"#
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
    let table: bool = sqlx::query_scalar!(
        r#"SELECT to_regclass('absurd._sqlx_migrations') IS NOT NULL AS "exists!""#
    )
    .fetch_one(&mut *conn)
    .await?;
    let applied: Vec<i64> = if table {
        sqlx::query_scalar!(
            r#"SELECT version FROM absurd._sqlx_migrations WHERE success ORDER BY version"#
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

/// Key of the advisory lock that serialises `migrate` runs on a database
/// ("MIGR"). sqlx's migrator takes a lock of its own too, but waits for it
/// in one long statement, whose snapshot a concurrent CREATE INDEX
/// CONCURRENTLY must wait for: deadlock. This one is polled instead.
const MIGRATE_LOCK: i64 = 0x4D49_4752;

/// How often a waiting `migrate` tries the lock again.
const MIGRATE_LOCK_POLL: std::time::Duration = std::time::Duration::from_millis(200);

/// Waits for the migration lock of this database, polling it so that this
/// session never holds a snapshot while it waits (another `migrate` may be
/// building an index CONCURRENTLY, which waits for every older snapshot).
/// `waiting` is called once, with the holder's pid, when it has to wait.
/// The lock is a session lock: an interrupted or killed `migrate` keeps it
/// until its server session ends, also while an index it started is built.
pub async fn lock_migrations(
    conn: &mut PgConnection,
    waiting: impl FnOnce(Option<i32>),
) -> Result<()> {
    let mut waiting = Some(waiting);
    loop {
        let got: bool =
            sqlx::query_scalar!(r#"SELECT pg_try_advisory_lock($1) AS "got!""#, MIGRATE_LOCK)
                .fetch_one(&mut *conn)
                .await?;
        if got {
            return Ok(());
        }
        if let Some(w) = waiting.take() {
            let holder: Option<i32> = sqlx::query_scalar!(
                r#"SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
                    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    AND objsubid = 1 AND classid = ($1::int8 >> 32)::int4::oid
                    AND objid = ($1 & 4294967295)::oid LIMIT 1"#,
                MIGRATE_LOCK
            )
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
            w(holder);
        }
        tokio::time::sleep(MIGRATE_LOCK_POLL).await;
    }
}

/// Releases the lock `lock_migrations` took.
pub async fn unlock_migrations(conn: &mut PgConnection) -> Result<()> {
    sqlx::query!(r#"SELECT pg_advisory_unlock($1)"#, MIGRATE_LOCK)
        .fetch_one(conn)
        .await?;
    Ok(())
}

/// The indexes absurdctl's migrations build CONCURRENTLY.
const CONCURRENT_INDEXES: &str =
    "'tasks_claimable_idx', 'tasks_claimed_idx', 'tasks_finished_idx', \
     'tasks_dead_letters_idx', 'tasks_unfinished_depends_on_idx', 'tasks_created_idx', \
     'tasks_finished_covering_idx', 'tasks_with_error_idx', 'tasks_name_created_idx', \
     'task_attempts_ended_brin', 'tasks_created_status_idx', 'tasks_claimed_worker_idx'";

/// Applies every pending migration and returns the versions applied. The
/// caller holds the migration lock (`lock_migrations`).
///
/// Refuses a database migrated by a newer absurdctl. An index left invalid
/// by an interrupted CONCURRENTLY build is dropped first, so that the
/// migration that builds it starts again cleanly; but never while another
/// session still builds an index here (a killed `migrate`'s server session
/// goes on building until it notices its client is gone): it waits for that
/// build to end, after which the index is valid or truly left over.
pub async fn migrate(conn: &mut PgConnection) -> Result<Vec<MigrationState>> {
    let before = status(conn).await?;
    if let Some(p @ SchemaProblem::Ahead { .. }) = before.problem() {
        return Err(QueueError::Schema(p));
    }
    sqlx::query("CREATE SCHEMA IF NOT EXISTS absurd")
        .execute(&mut *conn)
        .await?;
    let invalid_sql = format!(
        "SELECT c.relname::text FROM pg_index i
           JOIN pg_class c ON c.oid = i.indexrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'absurd' AND NOT i.indisvalid AND c.relname IN ({CONCURRENT_INDEXES})"
    );
    loop {
        let invalid: Vec<String> = sqlx::query_scalar(&invalid_sql)
            .fetch_all(&mut *conn)
            .await?;
        if invalid.is_empty() {
            break;
        }
        // Any index build in this database may be the one: other roles'
        // progress rows show no relation, only that they exist.
        let building: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p
                             WHERE p.datname = current_database() AND p.pid <> pg_backend_pid())",
        )
        .fetch_one(&mut *conn)
        .await?;
        if building {
            tokio::time::sleep(MIGRATE_LOCK_POLL).await;
            continue;
        }
        for index in invalid {
            sqlx::query(&format!("DROP INDEX CONCURRENTLY IF EXISTS absurd.{index}"))
                .execute(&mut *conn)
                .await?;
        }
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

/// The three roles `migrate` sets up: what each may do, as GRANTs on the
/// tables that exist. Sites grant them to LOGIN roles (README, "Roles").
pub const ROLES: [&str; 3] = ["absurd_reader", "absurd_worker", "absurd_operator"];

/// What became of the roles on this run of `migrate`.
#[derive(Debug, Clone, Serialize)]
pub struct RoleSetup {
    /// The statements were run (else the connected role may not create
    /// roles or grant on absurd's tables, and they are for a DBA to run).
    pub applied: bool,
    /// The roles exist and have their rights on this database's tables.
    pub complete: bool,
    /// Every statement, idempotent, in order.
    pub statements: Vec<String>,
}

/// The idempotent statements that create the roles (when missing) and
/// grant each exactly its job on the tables present: absurd_reader reads
/// (every read-only command); absurd_worker claims, heartbeats, completes
/// and spawns (`worker run` and the legacy functions), and registers itself;
/// absurd_operator does every command, and alone may take the reaper's lock.
/// The audit log is append-only for all three. No role is a member of
/// another: memberships are cluster-wide catalog rows that two databases'
/// `migrate` would update at once.
pub async fn role_statements(conn: &mut PgConnection) -> Result<Vec<String>> {
    let (workflows, seq): (bool, bool) = sqlx::query_as(
        "SELECT to_regclass('absurd.workflows') IS NOT NULL,
                to_regclass('absurd.audit_log_audit_id_seq') IS NOT NULL",
    )
    .fetch_one(&mut *conn)
    .await?;
    let mut s = Vec::new();
    for role in ROLES {
        s.push(format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN \
             CREATE ROLE {role} NOLOGIN; END IF; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ));
        s.push(format!("GRANT USAGE ON SCHEMA absurd TO {role}"));
        s.push(format!("GRANT SELECT ON absurd._sqlx_migrations TO {role}"));
    }
    let tables = "absurd.tasks, absurd.queue_controls, absurd.worker_registry";
    let audit = "absurd.audit_log, absurd.audit_batches";
    s.push(format!(
        "GRANT SELECT ON {tables}, {audit}, absurd.legacy_pollers TO absurd_reader"
    ));
    s.push(
        "GRANT SELECT, INSERT, UPDATE ON absurd.tasks, absurd.worker_registry TO absurd_worker"
            .into(),
    );
    s.push("GRANT SELECT ON absurd.queue_controls, absurd.legacy_pollers TO absurd_worker".into());
    s.push(format!(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO absurd_operator"
    ));
    s.push(format!(
        "GRANT SELECT, INSERT ON {audit} TO absurd_operator"
    ));
    // `workers prune` deletes legacy pollers long unseen.
    s.push("GRANT SELECT, DELETE ON absurd.legacy_pollers TO absurd_operator".into());
    s.push("GRANT USAGE ON SEQUENCE absurd.audit_batches_batch_id_seq TO absurd_operator".into());
    s.push("GRANT SELECT, INSERT, UPDATE ON absurd.reaper_locks TO absurd_operator".into());
    // The history is written by its trigger (SECURITY DEFINER); the worker
    // adds its handlers' side to its own attempts.
    let history = "absurd.task_attempts, absurd.task_events";
    s.push(format!(
        "GRANT SELECT ON {history} TO absurd_reader, absurd_operator"
    ));
    s.push("GRANT SELECT, UPDATE ON absurd.task_attempts TO absurd_worker".into());
    s.push("GRANT SELECT ON absurd.task_events TO absurd_worker".into());
    if seq {
        s.push("GRANT USAGE ON SEQUENCE absurd.audit_log_audit_id_seq TO absurd_operator".into());
    }
    if workflows {
        s.push("GRANT SELECT ON absurd.workflows TO absurd_reader".into());
        s.push("GRANT SELECT, INSERT, UPDATE ON absurd.workflows TO absurd_worker".into());
        s.push(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON absurd.workflows TO absurd_operator".into(),
        );
    }
    Ok(s)
}

/// Creates the roles and grants their rights when the connected role may
/// (a superuser, or a role that may create roles and owns absurd.tasks);
/// else leaves the statements to the caller to print. Under the migration lock.
pub async fn setup_roles(conn: &mut PgConnection) -> Result<RoleSetup> {
    let statements = role_statements(conn).await?;
    let may: bool = sqlx::query_scalar(
        "SELECT r.rolsuper OR (r.rolcreaterole
                 AND pg_has_role(current_user, (SELECT relowner FROM pg_class
                                                 WHERE oid = 'absurd.tasks'::regclass), 'USAGE'))
           FROM pg_roles r WHERE r.rolname = current_user",
    )
    .fetch_one(&mut *conn)
    .await?;
    if may {
        for st in &statements {
            sqlx::query(st).execute(&mut *conn).await?;
        }
    }
    // has_table_privilege fails on a role that does not exist: CASE first.
    let complete: bool = sqlx::query_scalar(
        "SELECT CASE WHEN (SELECT count(*) FROM pg_roles WHERE rolname = ANY ($1)) = 3
                     THEN has_table_privilege('absurd_reader', 'absurd.tasks', 'SELECT')
                      AND has_table_privilege('absurd_worker', 'absurd.tasks', 'UPDATE')
                      AND has_table_privilege('absurd_operator', 'absurd.reaper_locks', 'UPDATE')
                     ELSE false END",
    )
    .bind(&ROLES[..])
    .fetch_one(&mut *conn)
    .await?;
    Ok(RoleSetup {
        applied: may,
        complete,
        statements,
    })
}

/// The table privileges a command that writes needs, by the role that grants
/// them: checked before anything changes, so that a role short of one is
/// refused whole instead of failing halfway (say, after its change, at the
/// audit row).
fn needed_privileges(role: &str) -> &'static [(&'static str, &'static str)] {
    match role {
        "absurd_worker" => &[
            ("absurd.tasks", "SELECT"),
            ("absurd.tasks", "UPDATE"),
            ("absurd.queue_controls", "SELECT"),
            ("absurd.worker_registry", "INSERT"),
            ("absurd.worker_registry", "UPDATE"),
        ],
        _ => &[
            ("absurd.tasks", "SELECT"),
            ("absurd.tasks", "INSERT"),
            ("absurd.tasks", "UPDATE"),
            ("absurd.tasks", "DELETE"),
            ("absurd.queue_controls", "INSERT"),
            ("absurd.queue_controls", "UPDATE"),
            ("absurd.audit_log", "INSERT"),
            ("absurd.audit_batches", "INSERT"),
            ("absurd.reaper_locks", "UPDATE"),
        ],
    }
}

/// Which of the privileges of `role` (absurd_worker or absurd_operator) the
/// connected role lacks, as "PRIVILEGE on TABLE".
pub async fn missing_privileges(conn: &mut PgConnection, role: &str) -> Result<Vec<String>> {
    let (tables, privileges): (Vec<&str>, Vec<&str>) =
        needed_privileges(role).iter().copied().unzip();
    Ok(sqlx::query_scalar!(
        r#"SELECT p || ' on ' || t AS "missing!" FROM unnest($1::text[], $2::text[]) AS n(t, p)
          WHERE to_regclass(t) IS NOT NULL AND NOT has_table_privilege(t, p)"#,
        &tables as &[&str],
        &privileges as &[&str]
    )
    .fetch_all(conn)
    .await?)
}
