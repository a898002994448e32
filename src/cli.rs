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

    /// Delete finished tasks past retention, then VACUUM (ANALYZE) the table.
    ///
    /// Deletes completed and cancelled tasks of the queue that finished more
    /// than 30 days ago and failed ones (the dead letters retry-failed
    /// replays) older than 90 days, oldest first, in short batches that skip
    /// rows other sessions hold, so workers keep claiming meanwhile. It never
    /// deletes a pending, retrying or claimed task, whatever its age, nor a
    /// finished task that an unfinished task depends on. It asks before
    /// deleting (--yes for scripts) and can archive every row first. Then it
    /// runs VACUUM (ANALYZE) on absurd.tasks, which locks nothing the workers
    /// need; --reindex and --full are opt-in. Ctrl-C stops between batches.
    ///
    /// Example: absurdctl vacuum --archive /var/backups/absurd/tasks-$(date +%F).jsonl.gz --yes
    Vacuum(VacuumArgs),
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

/// Options of `vacuum`.
#[derive(Debug, Args)]
pub struct VacuumArgs {
    /// Delete completed tasks that finished longer ago than this
    #[arg(long, default_value = "30d", value_parser = parse_duration, value_name = "DURATION")]
    pub completed_older_than: std::time::Duration,

    /// Delete cancelled tasks that finished longer ago than this
    #[arg(long, default_value = "30d", value_parser = parse_duration, value_name = "DURATION")]
    pub cancelled_older_than: std::time::Duration,

    /// Delete failed tasks (the dead letters) that finished longer ago than this
    #[arg(long, default_value = "90d", value_parser = parse_duration, value_name = "DURATION")]
    pub failed_older_than: std::time::Duration,

    /// Rows deleted per transaction (each holds locks only on the rows it
    /// deletes, for well under a second); measured on a 2-core host, 5000
    /// disturbed the workers' claims less than 1000 or 2000
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(i64).range(1..=100_000))]
    pub batch_size: i64,

    /// Share of the time spent deleting, in percent: after each batch it
    /// pauses so that the workers get the CPU and the disk back for the
    /// rest, and VACUUM pauses as autovacuum does (100: no pauses)
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u8).range(1..=100), value_name = "PERCENT")]
    pub duty_cycle: u8,

    /// Stop deleting once this much time has passed (e.g. 20m, for a
    /// maintenance window); what is left goes on the next run. VACUUM and
    /// reindexing are skipped when the budget runs out (autovacuum follows)
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub max_duration: Option<std::time::Duration>,

    /// Write every deleted row to FILE first, as JSON lines (gzip when FILE
    /// ends in .gz), fsynced before the batch that deletes the rows commits;
    /// an existing FILE is refused unless --append
    #[arg(long, value_name = "FILE")]
    pub archive: Option<std::path::PathBuf>,

    /// Add to an existing --archive file instead of refusing it
    #[arg(long, requires = "archive")]
    pub append: bool,

    /// Skip VACUUM (ANALYZE) after deleting
    #[arg(long)]
    pub no_vacuum: bool,

    /// After VACUUM, rebuild with REINDEX INDEX CONCURRENTLY each btree index
    /// of absurd.tasks of 1 MiB or more whose estimated bloat passes
    /// --reindex-threshold (writes go on while it rebuilds). Bloat comes from
    /// pgstattuple when installed, else from the planner statistics
    #[arg(long, conflicts_with = "full")]
    pub reindex: bool,

    /// Estimated bloat, in percent of an index's size, above which --reindex
    /// rebuilds it
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u8).range(0..=100), value_name = "PERCENT")]
    pub reindex_threshold: u8,

    /// VACUUM FULL instead of VACUUM: gives the space back to the operating
    /// system, but locks absurd.tasks (ACCESS EXCLUSIVE) for its whole run,
    /// stopping every worker; asks first, even when nothing is deleted
    #[arg(long, conflicts_with = "no_vacuum")]
    pub full: bool,

    /// Show how many rows per status would go and the space they hold;
    /// change nothing (read-only session)
    #[arg(long)]
    pub dry_run: bool,
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
