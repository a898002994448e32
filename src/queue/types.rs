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

/// A task's status as absurdctl shows it. `Retrying` is derived, never
/// stored: a task waiting for its retry is stored `pending` (the only status
/// the Python clients read and cancel) and marked `awaiting_retry`; see
/// [`SHOWN_STATUS`]. Rows stored `retrying` by an earlier absurdctl count as
/// retrying too until `migrate` converts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
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
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Dependency {
    pub task_id: TaskId,
    pub task_name: Option<String>,
    pub status: Option<String>,
}
