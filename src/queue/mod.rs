//! The typed queue layer: the only code that talks to PostgreSQL.
//!
//! Functions take an executor (`impl PgExecutor`) so callers can compose them
//! in one transaction, and return typed rows. Commands never write SQL.

pub mod audit;
pub mod bench;
pub mod bulk;
pub mod controls;
pub mod errors;
pub mod filter;
pub mod health;
pub mod history;
pub mod maintenance;
pub mod reap;
pub mod replica;
pub mod retention;
pub mod roster;
pub mod schema;
pub mod stats;
pub mod tasks;
pub mod trends;
mod types;
pub mod workers;

pub use filter::TaskFilter;
pub use types::*;

/// The channel on which a new or re-queued task is announced; the payload
/// is its queue's name. The tasks_notify_ready trigger and
/// absurd.notify_task_ready() (migrations) notify on it in SQL; every Rust
/// listener and notifier names it through this constant.
pub const TASK_READY_CHANNEL: &str = "absurd_task_ready";

/// How long a claimed task may go without a heartbeat before it counts as
/// stuck. The legacy Python worker heartbeats every 30 s but can block its
/// event loop for minutes on a long CASA call, so the default is generous.
pub const DEFAULT_HEARTBEAT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Extra time past a task's own `timeout_sec` before it counts as stuck.
pub const DEFAULT_TIMEOUT_GRACE: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Errors of the queue layer.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("no task with id {0}")]
    TaskNotFound(TaskId),
    #[error("no task id begins with {0}")]
    NoTaskWithPrefix(String),
    #[error("{prefix} is ambiguous: it begins {} ids ({}...); give more of the id", if candidates.len() > 2 { "at least 3" } else { "2" }, candidates.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", "))]
    AmbiguousPrefix {
        prefix: String,
        candidates: Vec<TaskId>,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Schema(SchemaProblem),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// The audit record of a change could not be written: the change was
    /// not made (it goes in the same transaction, or is refused before).
    #[error("the audit row could not be written ({why}): the change it records was not made")]
    AuditNotWritten {
        why: String,
        #[source]
        source: Option<sqlx::Error>,
    },
}

/// Why the database's schema does not fit this absurdctl.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaProblem {
    /// No absurdctl migration has ever run (legacy or empty database).
    NotMigrated,
    /// Some of this absurdctl's migrations have not run yet.
    Behind { pending: usize },
    /// A newer absurdctl migrated this database.
    Ahead { newest: i64 },
}

impl std::fmt::Display for SchemaProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SchemaProblem::NotMigrated => write!(
                f,
                "this database has no absurdctl schema yet: run `absurdctl migrate` (it adopts a legacy ABSURD schema in place)"
            ),
            SchemaProblem::Behind { pending } => write!(
                f,
                "the database schema is behind this absurdctl ({pending} migration(s) pending): run `absurdctl migrate`"
            ),
            SchemaProblem::Ahead { newest } => write!(
                f,
                "the database was migrated by a newer absurdctl (schema version {newest}); this one will not write to it: upgrade absurdctl"
            ),
        }
    }
}

pub type Result<T, E = QueueError> = std::result::Result<T, E>;
