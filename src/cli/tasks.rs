//! Looking at tasks and adding them: `tasks`, `spawn`, `errors`, `trends`,
//! `audit`.

use clap::{Args, Subcommand, ValueEnum};

use super::parse::{parse_duration, parse_nonempty};
use crate::queue::TaskStatus;

/// `--task-name`, with one meaning wherever tasks are picked by name.
#[derive(Debug, Args, Clone)]
pub struct TaskNames {
    /// Only tasks of this name (repeatable)
    #[arg(long, value_name = "NAME", value_parser = parse_nonempty,
          add = clap_complete::engine::ArgValueCandidates::new(crate::complete::task_names))]
    pub task_name: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum TasksCommand {
    /// List tasks, newest first.
    ///
    /// Read-only. Example: absurdctl tasks list --status failed --task-name imaging --limit 20
    List(TasksListArgs),

    /// Show every field of one task: params, result, error, attempts, timings,
    /// heartbeat age and dependencies.
    ///
    /// Read-only. Example: absurdctl tasks show 0b6e6f3c-8a1e-4f4e-9a55-0d2d8c1f2a10
    Show(TasksShowArgs),

    /// Print what a task's handler wrote (the tails absurdctl's worker keeps
    /// of each attempt's standard output and error), of the latest or any
    /// earlier attempt; --follow streams a running attempt until it ends.
    ///
    /// Read-only. Example: absurdctl tasks logs 0b6e6f3c-8a1e-4f4e-9a55-0d2d8c1f2a10 --stream stderr --follow
    Logs(TasksLogsArgs),
}

/// Which output of a handler `tasks logs` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogStream {
    Stdout,
    Stderr,
    Both,
}

/// Options of `tasks logs`.
#[derive(Debug, Args)]
pub struct TasksLogsArgs {
    /// The task's id (a UUID, or a unique prefix of at least 4 hex digits)
    pub id: crate::queue::TaskRef,

    /// This attempt (1 is the first) [default: the latest]
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(i32).range(1..))]
    pub attempt: Option<i32>,

    /// Which output to print; `both` puts a header before each
    #[arg(long, value_enum, default_value_t = LogStream::Both)]
    pub stream: LogStream,

    /// Keep printing what a running attempt writes until it ends (Ctrl-C
    /// stops); waits for the task's first attempt when it has none yet
    #[arg(long, short = 'f')]
    pub follow: bool,

    /// How often --follow reads the database (the worker stores output at
    /// its heartbeats)
    #[arg(long, default_value = "1s", value_parser = parse_duration, value_name = "DURATION")]
    pub interval: std::time::Duration,
}

/// Options of `tasks list`.
#[derive(Debug, Args)]
pub struct TasksListArgs {
    /// Only tasks in this status (repeatable)
    #[arg(long, value_enum)]
    pub status: Vec<TaskStatus>,

    #[command(flatten)]
    pub names: TaskNames,

    /// Tasks of every queue, not only --queue
    #[arg(long)]
    pub all_queues: bool,

    /// Only tasks with an attempt that failed (failed, timed out, reaped,
    /// lost) on this host or worker id
    #[arg(long, value_name = "HOST_OR_ID", value_parser = parse_nonempty)]
    pub worker: Option<String>,

    /// Only tasks whose error contains this text (case-insensitive; taken
    /// literally: % and _ are not wildcards)
    #[arg(long, visible_alias = "error-like", value_name = "TEXT", value_parser = parse_nonempty)]
    pub error_contains: Option<String>,

    /// Only tasks whose time (of --sort: created_at, or the failure or finish
    /// time) is within this long before now (e.g. 1h, 7d)
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub since: Option<std::time::Duration>,

    /// Only tasks whose time (as for --since) is longer ago than this
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub until: Option<std::time::Duration>,

    /// The order: created_at (newest first), failed_at (the latest failure
    /// first: failed tasks, or --status retrying), finished_at (the latest
    /// finished first: completed, failed, cancelled), priority (claim order)
    #[arg(long, value_enum, default_value_t = ListSortArg::CreatedAt, value_name = "ORDER")]
    pub sort: ListSortArg,

    /// At most this many tasks, the first in --sort order; 0 for all of them. When the
    /// limit cuts the list, stderr says how many of how many are shown
    #[arg(long, allow_negative_numbers = true, default_value_t = 50, value_parser = clap::value_parser!(i64).range(0..))]
    pub limit: i64,
}

/// The orders of `tasks list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListSortArg {
    /// Newest first
    #[value(name = "created_at", alias = "created-at")]
    CreatedAt,
    /// The latest failure first
    #[value(name = "failed_at", alias = "failed-at")]
    FailedAt,
    /// The latest finished first
    #[value(name = "finished_at", alias = "finished-at")]
    FinishedAt,
    /// Highest priority, then oldest, first (the claim order)
    Priority,
}

/// Options of `tasks show`.
#[derive(Debug, Args)]
pub struct TasksShowArgs {
    /// The task's id (a UUID, or a unique prefix of at least 4 hex digits)
    pub id: crate::queue::TaskRef,
}

/// Options of `spawn`.
#[derive(Debug, Args)]
pub struct SpawnArgs {
    /// Task name, e.g. calibration-solve
    #[arg(long, value_name = "NAME", value_parser = parse_nonempty)]
    pub task_name: String,

    /// Parameters as a JSON object
    #[arg(long, default_value = "{}", value_name = "JSON")]
    pub params: String,

    /// Priority: higher runs first
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub priority: i32,

    /// Longest the task may run before it is killed and failed (e.g. 2h)
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Option<std::time::Duration>,

    /// How many times the task may be claimed before it stays failed (the
    /// dead letters `retry-failed` replays)
    #[arg(long, default_value_t = 3, allow_negative_numbers = true, env = "ABSURD_MAX_RETRIES",
          value_parser = clap::value_parser!(i32).range(0..))]
    pub max_retries: i32,

    /// Do not run before these tasks have completed (repeatable)
    #[arg(long, value_name = "ID")]
    pub depends_on: Vec<uuid::Uuid>,

    /// Do not run before this long from now (e.g. 10m)
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub delay: Option<std::time::Duration>,
}

/// Options of `errors`.
#[derive(Debug, Args)]
pub struct ErrorsArgs {
    /// Failures within this long before now (e.g. 1h, 7d)
    #[arg(long, default_value = "24h", value_parser = parse_duration, value_name = "DURATION")]
    pub since: std::time::Duration,

    #[command(flatten)]
    pub names: TaskNames,

    /// Failures of every queue, not only --queue
    #[arg(long)]
    pub all_queues: bool,

    /// Every failed attempt (failed, timed out, reaped, lost), also of
    /// tasks that went on to complete, from the task history; counts are
    /// attempts [default: the last error of each failed or retrying task]
    #[arg(long)]
    pub attempts: bool,

    /// At most this many causes, the most frequent first
    #[arg(long, allow_negative_numbers = true, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..))]
    pub limit: i64,
}

/// The size of a `trends` bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrendsBucket {
    Minute,
    Hour,
    Day,
}

impl TrendsBucket {
    pub fn seconds(self) -> i64 {
        match self {
            TrendsBucket::Minute => 60,
            TrendsBucket::Hour => 3600,
            TrendsBucket::Day => 86_400,
        }
    }
}

/// Options of `trends`.
#[derive(Debug, Args)]
pub struct TrendsArgs {
    /// Bucket size (buckets start on the minute, hour or UTC midnight)
    #[arg(long, value_enum, default_value_t = TrendsBucket::Hour)]
    pub by: TrendsBucket,

    /// The window: as many buckets as cover this long, ending with the
    /// current one (e.g. 6h, 30d)
    #[arg(long, default_value = "24h", value_parser = parse_duration, value_name = "DURATION")]
    pub since: std::time::Duration,

    #[command(flatten)]
    pub names: TaskNames,

    /// One series per task name (with --task-name: per name given)
    #[arg(long)]
    pub by_task: bool,
}

/// Options of `audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// At most this many rows
    #[arg(long, allow_negative_numbers = true, default_value_t = 20, value_parser = clap::value_parser!(i64).range(1..))]
    pub limit: i64,

    /// Actions on every queue (and on none in particular), not only --queue
    #[arg(long)]
    pub all_queues: bool,
}
