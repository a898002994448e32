//! Row types and value types of the queue.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A task's id.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type,
)]
#[sqlx(transparent)]
#[serde(transparent)]
pub struct TaskId(pub Uuid);

impl std::fmt::Display for TaskId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for TaskId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s.trim())
            .map(TaskId)
            .map_err(|e| format!("`{s}` is not a task id (a UUID): {e}"))
    }
}

/// A task as the operator names it: its whole id, or a unique prefix of it
/// (at least 4 hex digits, hyphens optional), as git takes commits. A
/// prefix is resolved against the table ([`super::tasks::resolve`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskRef {
    Id(TaskId),
    Prefix {
        /// As given.
        text: String,
        /// The lowest and highest ids with that prefix.
        lo: Uuid,
        hi: Uuid,
    },
}

/// The fewest hex digits a prefix must have.
pub const MIN_PREFIX: usize = 4;

impl std::str::FromStr for TaskRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        let hex: String = text.chars().filter(|&c| c != '-').collect();
        let bad = || {
            format!(
                "`{s}` is not a task id: a UUID, or at least {MIN_PREFIX} of its first hex digits"
            )
        };
        if hex.len() == 32 {
            return text.parse::<TaskId>().map(TaskRef::Id);
        }
        if hex.len() < MIN_PREFIX || hex.len() > 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let pad = |fill: char| {
            let mut full = hex.to_ascii_lowercase();
            while full.len() < 32 {
                full.push(fill);
            }
            Uuid::parse_str(&full).map_err(|_| bad())
        };
        Ok(TaskRef::Prefix {
            text: text.to_string(),
            lo: pad('0')?,
            hi: pad('f')?,
        })
    }
}

impl std::fmt::Display for TaskRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TaskRef::Id(id) => id.fmt(f),
            TaskRef::Prefix { text, .. } => f.write_str(text),
        }
    }
}

/// A task's status as absurdctl shows it. `Retrying` is derived, never
/// stored: a task waiting for its retry is stored `pending` (the only status
/// the Python clients read and cancel) and marked `awaiting_retry`; see
/// [`SHOWN_STATUS`]. Rows stored `retrying` by an earlier absurdctl count as
/// retrying too until `migrate` converts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    /// Waiting to run (or for a dependency, or a delayed start)
    Pending,
    /// Waiting for its retry after a failed or reaped attempt (stored as pending)
    Retrying,
    /// Held by a worker
    Claimed,
    Completed,
    /// Failed with no attempt left (the dead letters)
    Failed,
    Cancelled,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 6] = [
        TaskStatus::Pending,
        TaskStatus::Retrying,
        TaskStatus::Claimed,
        TaskStatus::Completed,
        TaskStatus::Failed,
        TaskStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Retrying => "retrying",
            TaskStatus::Claimed => "claimed",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    /// The stored statuses a row shown with this status may have.
    pub fn stored_as(self) -> &'static [&'static str] {
        match self {
            TaskStatus::Retrying => &["pending", "retrying"],
            TaskStatus::Pending => &["pending"],
            TaskStatus::Claimed => &["claimed"],
            TaskStatus::Completed => &["completed"],
            TaskStatus::Failed => &["failed"],
            TaskStatus::Cancelled => &["cancelled"],
        }
    }

    /// Finished tasks never change again on their own.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }
}

impl std::fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for TaskStatus {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        TaskStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown task status `{s}`"))
    }
}

/// Decodes a text column into a type with `TryFrom<String>`, so that the
/// build-time checked queries (`query_as!` with a `"col: Type"` override)
/// can read it as `FromRow`'s `#[sqlx(try_from = "String")]` does.
macro_rules! decode_from_text {
    ($t:ty) => {
        impl sqlx::Type<sqlx::Postgres> for $t {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <String as sqlx::Type<sqlx::Postgres>>::type_info()
            }
            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <String as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $t {
            fn decode(
                value: sqlx::postgres::PgValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <String as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
                Ok(<$t>::try_from(text)?)
            }
        }
    };
}
pub(crate) use decode_from_text;

decode_from_text!(TaskStatus);

/// One row of absurd.tasks.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Task {
    pub task_id: TaskId,
    pub queue_name: String,
    pub task_name: String,
    pub params: serde_json::Value,
    pub priority: i32,
    pub timeout_sec: Option<i32>,
    #[sqlx(try_from = "String")]
    pub status: TaskStatus,
    pub worker_id: Option<String>,
    pub attempt: i32,
    pub max_retries: i32,
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub available_at: DateTime<Utc>,
    pub wait_time_sec: Option<f64>,
    pub execution_time_sec: Option<f64>,
    pub depends_on: Vec<TaskId>,
    pub workflow_id: Option<Uuid>,
}

/// The shown status of a row of absurd.tasks (unqualified columns): a
/// pending task given back after a failed or reaped attempt
/// (`awaiting_retry`, set by the schema) waits for its retry.
macro_rules! shown_status {
    () => {
        "(CASE WHEN status = 'retrying' OR (status = 'pending' AND awaiting_retry) \
          THEN 'retrying' ELSE status END)"
    };
}
pub(crate) use shown_status;

/// [`TaskStatus`] of a row, as SQL: see `shown_status!`.
pub(crate) const SHOWN_STATUS: &str = shown_status!();

/// The columns of [`Task`], in a fixed order whatever the table's own.
pub(crate) const TASK_COLUMNS: &str = concat!(
    "task_id, queue_name, task_name, params, priority, timeout_sec, ",
    shown_status!(),
    " AS status, worker_id, attempt, max_retries, result, error, created_at, claimed_at, completed_at, \
     heartbeat_at, available_at, wait_time_sec, execution_time_sec, \
     coalesce(depends_on, '{}') AS depends_on, workflow_id"
);

/// `query_as!` of [`Task`] rows: the columns of [`TASK_COLUMNS`], typed for
/// the macro (`!` not null, `?` nullable, whatever the source of the rows),
/// then `$from` (`"FROM ... WHERE ..."`), then the arguments. The macro
/// takes only literals, so the shown status is spelled out here: a unit test
/// holds it to [`SHOWN_STATUS`].
macro_rules! query_tasks {
    ($from:tt $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            $crate::queue::Task,
            r#"SELECT task_id AS "task_id!: crate::queue::TaskId", queue_name AS "queue_name!",
       task_name AS "task_name!", params AS "params!", priority AS "priority!",
       timeout_sec AS "timeout_sec?",
       (CASE WHEN status = 'retrying' OR (status = 'pending' AND awaiting_retry) THEN 'retrying' ELSE status END)
         AS "status!: crate::queue::TaskStatus",
       worker_id AS "worker_id?", attempt AS "attempt!", max_retries AS "max_retries!",
       result AS "result?", error AS "error?", created_at AS "created_at!",
       claimed_at AS "claimed_at?", completed_at AS "completed_at?",
       heartbeat_at AS "heartbeat_at?", available_at AS "available_at!",
       wait_time_sec AS "wait_time_sec?", execution_time_sec AS "execution_time_sec?",
       coalesce(depends_on, '{}') AS "depends_on!: Vec<crate::queue::TaskId>",
       workflow_id AS "workflow_id?"
  "# + $from
            $(, $arg)*
        )
    };
}
pub(crate) use query_tasks;

/// A task to enqueue.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub queue_name: String,
    pub task_name: String,
    pub params: serde_json::Value,
    pub priority: i32,
    pub timeout_sec: Option<i32>,
    pub max_retries: i32,
    pub depends_on: Vec<TaskId>,
    pub delay: Option<std::time::Duration>,
}

/// One dependency of a task and where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct Dependency {
    pub task_id: TaskId,
    pub task_name: Option<String>,
    pub status: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `query_tasks!` spells the shown status out (the macro takes only
    /// literals): it must say what `SHOWN_STATUS` says.
    #[test]
    fn query_tasks_shows_the_status_as_shown_status_does() {
        let source = include_str!("types.rs");
        let body = &source[source.find("macro_rules! query_tasks").unwrap()..];
        let body = &body[..body.find("pub(crate) use query_tasks").unwrap()];
        assert!(body.contains(SHOWN_STATUS), "{SHOWN_STATUS} not in {body}");
    }
}

#[cfg(test)]
mod task_ref_tests {
    use super::*;

    #[test]
    fn a_prefix_spans_the_ids_it_begins() {
        let r: TaskRef = "7f3A-b".parse().unwrap();
        let TaskRef::Prefix { lo, hi, text } = r else {
            panic!("a prefix")
        };
        assert_eq!(text, "7f3A-b");
        assert_eq!(lo.to_string(), "7f3ab000-0000-0000-0000-000000000000");
        assert_eq!(hi.to_string(), "7f3abfff-ffff-ffff-ffff-ffffffffffff");
        let whole: TaskRef = "7f3ab000-0000-4000-8000-000000000001".parse().unwrap();
        assert!(matches!(whole, TaskRef::Id(_)));
        for bad in ["7f3", "xyz12", "", "7f3ab000-0000-4000-8000-0000000000011"] {
            assert!(bad.parse::<TaskRef>().is_err(), "{bad}");
        }
    }
}
