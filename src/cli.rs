//! The command line, as clap types only. Every doc comment here becomes
//! `--help`, the man pages and the shell completions.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::queue::TaskStatus;

const AFTER_HELP: &str = "\
Connection: --database-url, else ABSURD_DATABASE_URL, else DATABASE_URL, else the libpq
variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, ...).
Queue: --queue, else ABSURD_QUEUE_NAME, else dsa110-pipeline.

Exit codes: 0 success, 1 operation failed, 2 bad usage or input, 3 database unreachable,
4 schema needs `absurdctl migrate` (or is newer than this absurdctl), 5 refused
(confirmation declined, or no terminal and no --yes), 130 interrupted.
Checks (status --check, preflight) exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.";

/// Operate the ABSURD task queue of the DSA-110 pipeline: inspect it, repair
/// it, run its workers and keep its table healthy, safely on a live queue.
#[derive(Debug, Parser)]
#[command(name = "absurdctl", version, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args, Clone)]
pub struct GlobalOpts {
    /// PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd
    /// [default: $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Queue to operate on
    #[arg(
        long,
        global = true,
        env = "ABSURD_QUEUE_NAME",
        default_value = "dsa110-pipeline",
        value_name = "NAME"
    )]
    pub queue: String,

    /// Output format: a table for people, JSON for scripts (stable, documented
    /// in README.md); prometheus is accepted by `status` only
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// Answer yes to every confirmation (needed to change anything without a terminal)
    #[arg(long, short = 'y', global = true)]
    pub yes: bool,

    /// No colour in the output (also when NO_COLOR is set or stdout is not a terminal)
    #[arg(long, global = true)]
    pub no_color: bool,

    /// Print only errors and what was asked for; silent when nothing happened
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more about what is being done (repeat for more)
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Give up connecting after this long (e.g. 5s, 500ms)
    #[arg(long, global = true, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub connect_timeout: std::time::Duration,

    /// Longest wait for a table or row lock before a statement gives up, so
    /// that an operator command never queues the workers behind it
    #[arg(long, global = true, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub lock_timeout: std::time::Duration,

    /// Longest a single statement may run
    #[arg(long, global = true, default_value = "60s", value_parser = parse_duration, value_name = "DURATION")]
    pub statement_timeout: std::time::Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Prometheus,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Adopt the database's ABSURD schema, whatever its legacy shape, and bring
    /// it to the current version.
    ///
    /// Recognises every shape setup.py left behind (none, L1, L2, with the
    /// dependency and schedule extensions) and upgrades it in place: no row is
    /// changed, the functions the Python clients call keep their signatures,
    /// indexes are built CONCURRENTLY so workers keep claiming. Running it
    /// twice does nothing. It never touches the upstream Absurd project's
    /// objects (absurd.queues, absurd.t_*, ...).
    ///
    /// Example: absurdctl migrate --dry-run && absurdctl migrate
    Migrate(MigrateArgs),

    /// Enqueue one task.
    ///
    /// Inserts a pending task into the queue; it is available at once (or after
    /// its dependencies complete). Nothing else in the queue changes.
    ///
    /// Example: absurdctl spawn --task-name imaging --params '{"group": "2025-11-30T12:00"}'
    Spawn(SpawnArgs),

    /// List tasks or show one in full (read-only).
    #[command(subcommand)]
    Tasks(TasksCommand),

    /// Show the health of a queue: counts, ages, throughput, timings, stuck
    /// tasks, live workers, pause state and a verdict (read-only).
    ///
    /// Counts by status and by task name (pending, retrying, claimed; failed
    /// and cancelled of all time; completed, failed and cancelled within the
    /// last 5 minutes, hour and day), the oldest pending task, completions
    /// per minute, success rate,
    /// wait and run time percentiles over the last hour, stuck tasks (the
    /// definition `reap-stuck` uses), live workers by host, whether the queue
    /// is paused (by whom, when, why), when the backlog will be drained, and a
    /// verdict OK / WARNING / CRITICAL with its reasons. It changes nothing and
    /// never counts the whole history: its cost follows the active tasks and
    /// the last day's completions. Exit 0 unless --check.
    ///
    /// Example: absurdctl status --all-queues --check --backlog-warn 50
    Status(StatusArgs),

    /// Group recent failures by cause: failed tasks, and the last error of
    /// tasks now retrying, by their error message with ids, paths, numbers
    /// and timestamps folded (read-only).
    ///
    /// Shows for each cause how many tasks, which task names, first and last
    /// seen and one example task id: the triage view before `retry-failed`.
    /// It changes nothing; its cost follows the --since window.
    ///
    /// Example: absurdctl errors --since 6h --task-name calibration-solve
    Errors(ErrorsArgs),

    /// Run the checklist before starting ingestion; each item PASS / WARN /
    /// FAIL with a detail and, when not PASS, what to do (read-only).
    ///
    /// Checks: the database is reachable and fast, its server version is
    /// supported, the schema is current, the queue exists and is not paused,
    /// enough workers are alive, nothing is stuck, failures in the last hour
    /// and the backlog are under their thresholds, connections are under
    /// max_connections, no transaction has been open for long, absurd.tasks
    /// is not bloated with dead rows, and each --disk has free space. It
    /// changes nothing. Exit code, in the Nagios convention: 2 when an item
    /// FAILs (an unreachable database is one), else 3 when an item could not
    /// be checked, else 1 when one WARNs, else 0.
    ///
    /// Example: absurdctl preflight --min-workers 4 --disk /data --disk /stage:85:95
    Preflight(PreflightArgs),
}

/// Options of `migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Change nothing; exit 1 when migrations are pending, 0 when current
    #[arg(long, conflicts_with = "dry_run")]
    pub check: bool,

    /// Show the detected shape and the migrations that would run; change nothing
    #[arg(long)]
    pub dry_run: bool,
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

    /// How many times the task may be claimed before it stays failed
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(i32).range(0..))]
    pub max_retries: i32,

    /// Do not run before these tasks have completed (repeatable)
    #[arg(long, value_name = "ID")]
    pub depends_on: Vec<uuid::Uuid>,

    /// Do not run before this long from now (e.g. 10m)
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub delay: Option<std::time::Duration>,
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
}

/// Options of `tasks list`.
#[derive(Debug, Args)]
pub struct TasksListArgs {
    /// Only tasks in this status (repeatable)
    #[arg(long, value_enum)]
    pub status: Vec<TaskStatus>,

    /// Only tasks of this name (repeatable)
    #[arg(long, value_name = "NAME")]
    pub task_name: Vec<String>,

    /// Tasks of every queue, not only --queue
    #[arg(long)]
    pub all_queues: bool,

    /// At most this many tasks
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..))]
    pub limit: i64,
}

/// Options of `tasks show`.
#[derive(Debug, Args)]
pub struct TasksShowArgs {
    /// The task's id (a UUID)
    pub id: uuid::Uuid,
}

/// How a claimed task is judged stuck: the same rule `reap-stuck` applies.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Stuck tasks")]
pub struct StuckArgs {
    /// A claimed task with no heartbeat for this long is stuck (tasks claimed
    /// before heartbeats were recorded use their claim time). The default is
    /// reap-stuck's: long enough for a legacy Python worker whose event loop
    /// blocks for minutes in a CASA call
    #[arg(long, default_value = "15m", value_parser = parse_duration, value_name = "DURATION")]
    pub heartbeat_timeout: std::time::Duration,

    /// A claimed task is also stuck once it has run past its own timeout plus this grace
    #[arg(long, default_value = "5m", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout_grace: std::time::Duration,
}

/// Load thresholds shared by `status` and `preflight` (defaults from the runbooks).
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Thresholds")]
pub struct LoadThresholds {
    /// WARNING when more than this many tasks wait (pending + retrying); the
    /// runbook scales up workers at "queue depth > 20"
    #[arg(long, default_value_t = 20, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub backlog_warn: i64,

    /// CRITICAL when more than this many tasks wait; the runbooks' "pending > 500"
    #[arg(long, default_value_t = 500, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub backlog_crit: i64,

    /// WARNING when more than this many tasks are stuck (0: any stuck task)
    #[arg(long, default_value_t = 0, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub stuck_warn: i64,

    /// CRITICAL when more than this many tasks are stuck; the runbook's
    /// "orphaned records > 10"
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub stuck_crit: i64,

    /// WARNING when more than this many tasks failed for good in the last hour
    /// (the runbook's failed_records_warning)
    #[arg(long, default_value_t = 50, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub failures_warn: i64,

    /// CRITICAL when more than this many tasks failed for good in the last hour
    #[arg(long, default_value_t = 100, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub failures_crit: i64,
}

/// Database round-trip thresholds shared by `status` and `preflight`.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Thresholds")]
pub struct RoundTripThresholds {
    /// WARNING when a round trip to the database (SELECT 1) takes longer
    /// (the runbook's response-time warning)
    #[arg(long, default_value = "1s", value_parser = parse_duration, value_name = "DURATION")]
    pub rtt_warn: std::time::Duration,

    /// CRITICAL when a round trip takes longer
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub rtt_crit: std::time::Duration,
}

/// Thresholds on the flow of work, for `status`.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Thresholds")]
pub struct FlowThresholds {
    /// WARNING when the oldest task ready to run (available, dependencies
    /// met) has waited longer; the runbook's "oldest enqueued > 10 min"
    #[arg(long, default_value = "10m", value_parser = parse_duration, value_name = "DURATION")]
    pub oldest_warn: std::time::Duration,

    /// CRITICAL when the oldest ready task has waited longer ("> 30 min")
    #[arg(long, default_value = "30m", value_parser = parse_duration, value_name = "DURATION")]
    pub oldest_crit: std::time::Duration,

    /// WARNING when under this percentage of the tasks that finished in the
    /// last hour completed (judged from 10 finished tasks on)
    #[arg(long, default_value_t = 90.0, value_name = "PERCENT", value_parser = parse_percent)]
    pub success_warn: f64,

    /// CRITICAL when the last hour's success rate is under this percentage
    #[arg(long, default_value_t = 80.0, value_name = "PERCENT", value_parser = parse_percent)]
    pub success_crit: f64,

    /// WARNING when tasks are ready but nothing has completed for this long
    /// (the runbook's "last updated > 10 min"); not judged while paused
    #[arg(long, default_value = "10m", value_parser = parse_duration, value_name = "DURATION")]
    pub stall_warn: std::time::Duration,

    /// CRITICAL when tasks are ready but nothing has completed for this long
    #[arg(long, default_value = "30m", value_parser = parse_duration, value_name = "DURATION")]
    pub stall_crit: std::time::Duration,
}

/// Options of `status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Every queue that has tasks, a pause record or live workers, not only --queue
    #[arg(long)]
    pub all_queues: bool,

    /// Monitoring-plugin mode: print one summary line (with perfdata) and exit
    /// 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (database unreachable, schema
    /// not migrated); with --output json, the full report and the same code
    #[arg(long, conflicts_with = "watch")]
    pub check: bool,

    /// Refresh every SECONDS (default 5) until Ctrl-C or `q`, with rates
    /// computed between refreshes. On a terminal the view is redrawn in place;
    /// otherwise one snapshot per interval is printed (one JSON object per
    /// line with --output json)
    #[arg(long, num_args = 0..=1, default_missing_value = "5", value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub watch: Option<u64>,

    #[command(flatten)]
    pub stuck: StuckArgs,

    #[command(flatten)]
    pub load: LoadThresholds,

    #[command(flatten)]
    pub flow: FlowThresholds,

    #[command(flatten)]
    pub rtt: RoundTripThresholds,
}

/// Options of `errors`.
#[derive(Debug, Args)]
pub struct ErrorsArgs {
    /// Failures within this long before now (e.g. 1h, 7d)
    #[arg(long, default_value = "24h", value_parser = parse_duration, value_name = "DURATION")]
    pub since: std::time::Duration,

    /// Only tasks of this name (repeatable)
    #[arg(long, value_name = "NAME", value_parser = parse_nonempty)]
    pub task_name: Vec<String>,

    /// Failures of every queue, not only --queue
    #[arg(long)]
    pub all_queues: bool,

    /// At most this many causes, the most frequent first
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..))]
    pub limit: i64,
}

/// Options of `preflight`.
#[derive(Debug, Args)]
pub struct PreflightArgs {
    /// FAIL when fewer workers are alive (registered and seen, or
    /// heartbeating a task, within --heartbeat-timeout); WARN when some but fewer
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub min_workers: i64,

    /// Check free space on PATH: WARN at WARN% used (default 90), FAIL at
    /// CRIT% (default 95), as the runbook's `df | grep 9[0-9]%` (repeatable)
    #[arg(long, value_name = "PATH[:WARN%[:CRIT%]]", value_parser = parse_disk_spec)]
    pub disk: Vec<DiskSpec>,

    /// WARN when a transaction has been open longer (it holds back vacuum)
    #[arg(long, default_value = "5m", value_parser = parse_duration, value_name = "DURATION")]
    pub long_transaction_warn: std::time::Duration,

    /// FAIL when a transaction has been open longer
    #[arg(long, default_value = "30m", value_parser = parse_duration, value_name = "DURATION")]
    pub long_transaction_crit: std::time::Duration,

    /// WARN when this percentage of absurd.tasks' rows are dead (judged from
    /// 1000 dead rows on); `absurdctl vacuum` reclaims them
    #[arg(long, default_value_t = 20.0, value_name = "PERCENT", value_parser = parse_percent)]
    pub dead_tuples_warn: f64,

    /// FAIL when this percentage of absurd.tasks' rows are dead
    #[arg(long, default_value_t = 50.0, value_name = "PERCENT", value_parser = parse_percent)]
    pub dead_tuples_crit: f64,

    /// WARN when this percentage of max_connections is in use (the runbook's
    /// pool utilisation warning)
    #[arg(long, default_value_t = 80.0, value_name = "PERCENT", value_parser = parse_percent)]
    pub connections_warn: f64,

    /// FAIL when this percentage of max_connections is in use
    #[arg(long, default_value_t = 95.0, value_name = "PERCENT", value_parser = parse_percent)]
    pub connections_crit: f64,

    #[command(flatten)]
    pub stuck: StuckArgs,

    #[command(flatten)]
    pub load: LoadThresholds,

    #[command(flatten)]
    pub rtt: RoundTripThresholds,
}

/// A `--disk PATH[:WARN%[:CRIT%]]` of `preflight`.
#[derive(Debug, Clone, PartialEq)]
pub struct DiskSpec {
    pub path: std::path::PathBuf,
    pub warn_percent: f64,
    pub crit_percent: f64,
}

/// Parses `PATH[:WARN%[:CRIT%]]`; the path must exist.
pub fn parse_disk_spec(s: &str) -> Result<DiskSpec, String> {
    let mut parts = s.split(':');
    let path = parts.next().unwrap_or_default();
    if path.is_empty() {
        return Err("expected PATH[:WARN%[:CRIT%]], e.g. /data or /data:85:95".into());
    }
    let warn = parts.next().map(parse_percent).transpose()?.unwrap_or(90.0);
    let crit = parts.next().map(parse_percent).transpose()?.unwrap_or(95.0);
    if parts.next().is_some() {
        return Err(format!(
            "`{s}`: expected PATH[:WARN%[:CRIT%]] (a path containing `:` is not supported)"
        ));
    }
    if warn > crit {
        return Err(format!(
            "`{s}`: the warning level ({warn}%) is above the critical one ({crit}%)"
        ));
    }
    let path = std::path::PathBuf::from(path);
    if let Err(e) = std::fs::metadata(&path) {
        return Err(format!("{}: {e}", path.display()));
    }
    Ok(DiskSpec {
        path,
        warn_percent: warn,
        crit_percent: crit,
    })
}

/// Parses a percentage from 0 to 100, with or without `%`.
pub fn parse_percent(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let t = t.strip_suffix('%').unwrap_or(t);
    match t.parse::<f64>() {
        Ok(v) if (0.0..=100.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a percentage from 0 to 100")),
    }
}

/// Parses a humantime duration such as `30m`, `2h`, `7d`.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s.trim())
        .map_err(|e| format!("{e}; expected a duration such as 30s, 15m, 2h or 7d"))
}

fn parse_nonempty(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stuck_defaults_are_reap_stucks() {
        let cli = Cli::try_parse_from(["absurdctl", "status"]).unwrap();
        let Command::Status(args) = cli.command else {
            panic!("not status")
        };
        assert_eq!(
            args.stuck.heartbeat_timeout,
            crate::queue::DEFAULT_HEARTBEAT_TIMEOUT
        );
        assert_eq!(
            args.stuck.timeout_grace,
            crate::queue::DEFAULT_TIMEOUT_GRACE
        );
    }

    #[test]
    fn percentages_accept_a_percent_sign() {
        assert_eq!(parse_percent("85%"), Ok(85.0));
        assert_eq!(parse_percent("0"), Ok(0.0));
        assert!(parse_percent("101").is_err());
        assert!(parse_percent("x").is_err());
    }
}
