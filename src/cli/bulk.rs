//! The bulk commands `retry-failed`, `cancel`, `fail`, `prioritize`: which tasks
//! (one filter) and how (one set of batch options), flattened into each.

use clap::Args;

use super::parse::{parse_duration, parse_nonempty};
use super::tasks::TaskNames;
use crate::queue::{TaskRef, TaskStatus};

/// Which tasks a bulk command acts on: the same flags, with the same
/// meaning, in retry-failed, cancel and prioritize. All given conditions
/// must hold; a repeated flag matches any of its values.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Which tasks")]
pub struct FilterArgs {
    #[command(flatten)]
    pub names: TaskNames,

    /// Only tasks in this status (repeatable); it must be one the command changes
    #[arg(long, value_enum, value_name = "STATUS")]
    pub status: Vec<TaskStatus>,

    /// Only this task, by id (a UUID, or a unique prefix of at least 4 hex
    /// digits; repeatable)
    #[arg(long = "id", value_name = "ID")]
    pub ids: Vec<TaskRef>,

    /// Only the tasks whose ids FILE lists, one per line ("-" reads standard
    /// input; blank lines and # comments are ignored)
    #[arg(long, value_name = "FILE")]
    pub ids_from: Option<std::path::PathBuf>,

    /// Only tasks created longer ago than this (e.g. 30m, 2h, 7d)
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub older_than: Option<std::time::Duration>,

    /// Only tasks created within this (e.g. 30m, 2h, 7d)
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub newer_than: Option<std::time::Duration>,

    /// Only tasks whose latest change is within this (e.g. 24h): failed,
    /// completed or cancelled then, or, unfinished, created then. The
    /// window `errors --since` counts failures in
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub since: Option<std::time::Duration>,

    /// Only tasks whose error, folded as `errors` folds it (numbers, ids,
    /// paths and times replaced by <n>, <uuid>, <path>, <ts>), is exactly this
    /// pattern: the cause `errors` prints, with the command that uses it
    #[arg(long, value_name = "PATTERN", value_parser = parse_nonempty)]
    pub error_pattern: Option<String>,

    /// Only tasks whose error contains this text (case-insensitive; taken
    /// literally: % and _ are not wildcards)
    #[arg(long, value_name = "TEXT", value_parser = parse_nonempty)]
    pub error_like: Option<String>,

    /// Only tasks claimed at least N times (their attempt count)
    #[arg(long, allow_negative_numbers = true, value_name = "N",
          value_parser = clap::value_parser!(i32).range(0..))]
    pub attempts_at_least: Option<i32>,

    /// Only tasks claimed fewer than N times (the runbooks' "retry count <
    /// N"; with --attempts-at-least, a range)
    #[arg(long, allow_negative_numbers = true, value_name = "N",
          value_parser = clap::value_parser!(i32).range(1..))]
    pub attempts_below: Option<i32>,

    /// Change at most N tasks: the oldest N that match
    #[arg(long, allow_negative_numbers = true, value_name = "N",
          value_parser = clap::value_parser!(i64).range(1..))]
    pub limit: Option<i64>,

    /// Tasks of every queue, not only --queue
    #[arg(long)]
    pub all_queues: bool,

    /// Every task the command changes, with no other condition: required
    /// when no filter is given (a bare `cancel --yes` changes nothing)
    #[arg(long)]
    pub all: bool,
}

/// How a bulk command applies its change.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "How")]
pub struct BulkArgs {
    /// Show what would change (how many tasks, by name and status, and a
    /// sample) and change nothing; the dry run is recorded in the audit table
    #[arg(long)]
    pub dry_run: bool,

    /// Tasks changed per batch; each batch is one short transaction
    #[arg(long, allow_negative_numbers = true, default_value_t = 1000, value_name = "N",
          value_parser = clap::value_parser!(i64).range(1..=100_000))]
    pub batch_size: i64,

    /// How many of the selected tasks (the oldest) the preview lists; 0 for none
    #[arg(long, allow_negative_numbers = true, default_value_t = 10, value_name = "N",
          value_parser = clap::value_parser!(i64).range(0..=100_000))]
    pub sample: i64,
}

/// Options of `retry-failed`.
#[derive(Debug, Args)]
pub struct RetryFailedArgs {
    /// Retry cancelled tasks too
    #[arg(long)]
    pub include_cancelled: bool,

    /// Start the attempt count again (attempt = 0), instead of granting one
    /// more attempt to tasks that used them all
    #[arg(long)]
    pub reset_attempts: bool,

    #[command(flatten)]
    pub filter: FilterArgs,

    #[command(flatten)]
    pub bulk: BulkArgs,
}

/// Options of `cancel`.
#[derive(Debug, Args)]
pub struct CancelArgs {
    /// Cancel running (claimed) tasks too; their workers are told to stop at
    /// their next heartbeat
    #[arg(long)]
    pub include_claimed: bool,

    /// Why: kept in each task's error ("Cancelled by absurdctl: TEXT") and
    /// in the audit row (`absurdctl audit` shows it)
    #[arg(long, value_name = "TEXT", value_parser = parse_nonempty)]
    pub reason: Option<String>,

    #[command(flatten)]
    pub filter: FilterArgs,

    #[command(flatten)]
    pub bulk: BulkArgs,
}

/// Options of `fail`.
#[derive(Debug, Args)]
pub struct FailArgs {
    /// Why (required): it becomes each task's error, and is kept in the
    /// audit row (`absurdctl audit` shows it)
    #[arg(long, value_name = "TEXT", value_parser = parse_nonempty)]
    pub reason: String,

    #[command(flatten)]
    pub filter: FilterArgs,

    #[command(flatten)]
    pub bulk: BulkArgs,
}

/// Options of `prioritize`.
#[derive(Debug, Args)]
pub struct PrioritizeArgs {
    /// The new priority: higher is claimed first (default of new tasks: 0)
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    pub priority: i32,

    #[command(flatten)]
    pub filter: FilterArgs,

    #[command(flatten)]
    pub bulk: BulkArgs,
}
