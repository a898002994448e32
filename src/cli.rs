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

    /// Measure what this installation can take: spawn rate, drain rate,
    /// claim latency and pickup latency.
    ///
    /// Works in a queue of its own (absurdctl-bench-<random>; --queue is
    /// ignored) that it creates, fills with no-op tasks, drains with in-process
    /// workers and removes at the end, also after Ctrl-C or an error. It never
    /// reads or changes another queue's rows, so it asks no confirmation; it
    /// does load the database while it runs (run it off-peak on a live
    /// queue) and leaves one audit row. With --history N it measures twice:
    /// with no history, then with N finished tasks of its own queue in the
    /// table.
    ///
    /// Reports: spawns per second one at a time and batched; tasks drained
    /// per second by --workers no-op workers claiming and completing --batch
    /// at a time; claim latency p50/p99 (single claims, 10k pending by
    /// default); pickup latency p50/p99 on an idle queue (from a spawn until a
    /// worker waiting on LISTEN holds the task).
    ///
    /// Example: absurdctl bench --history 1000000 --output json
    Bench(BenchArgs),
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

/// Options of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// No-op tasks spawned in batches and then drained, per measurement
    #[arg(long, default_value_t = 10_000, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub tasks: u32,

    /// Single spawns, single claims and pickups timed, per measurement
    #[arg(long, default_value_t = 1_000, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub samples: u32,

    /// In-process no-op workers draining the queue, each on its own connection
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub workers: u32,

    /// Tasks per batched spawn, per claim and per completion of the drain
    #[arg(long, default_value_t = 100, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch: u32,

    /// Also measure with this many finished tasks of the bench queue in the
    /// table (e.g. 1000000; inserted in the server, removed at the end)
    #[arg(long, default_value_t = 0, value_name = "N", value_parser = clap::value_parser!(u64).range(0..=100_000_000))]
    pub history: u64,
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
