//! The command line, as clap types only. Every doc comment here becomes
//! `--help`, the man pages and the shell completions.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::queue::{TaskId, TaskStatus};

const AFTER_HELP: &str = "\
Connection: --database-url, else --database-url-file (ABSURD_DATABASE_URL_FILE), else
ABSURD_DATABASE_URL, else DATABASE_URL, else the libpq variables (PGHOST, PGPORT, PGUSER,
PGPASSWORD, PGDATABASE, ...); a password missing from the URL comes from PGPASSFILE or ~/.pgpass.
Queue: --queue, else ABSURD_QUEUE_NAME, else dsa110-pipeline.

Exit codes: 0 success, 1 operation failed, 2 bad usage or input, 3 database unreachable
or silent, 4 schema needs `absurdctl migrate` (or is newer than this absurdctl), 5 refused
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
#[command(next_help_heading = "Global options")]
pub struct GlobalOpts {
    /// PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd
    /// [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the
    /// libpq PG* variables]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Read the connection URL from this file (its first line), so that no
    /// password is on a command line where `ps` shows it; the file must not
    /// be readable by others (chmod 600). A password may also come from
    /// libpq's password file ($PGPASSFILE, else ~/.pgpass). --database-url
    /// wins over it
    #[arg(
        long,
        global = true,
        env = "ABSURD_DATABASE_URL_FILE",
        value_name = "PATH"
    )]
    pub database_url_file: Option<std::path::PathBuf>,

    /// Queue to operate on
    #[arg(
        long,
        global = true,
        env = "ABSURD_QUEUE_NAME",
        default_value = "dsa110-pipeline",
        value_name = "NAME",
        value_parser = parse_queue_name
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

    /// Give up connecting, or waiting for a free connection, after this long
    /// (e.g. 5s, 500ms; more than zero). A statement whose answer has not
    /// begun after --statement-timeout plus this long is given up too (exit 3)
    #[arg(long, global = true, default_value = "5s", value_parser = parse_positive_duration, value_name = "DURATION")]
    pub connect_timeout: std::time::Duration,

    /// Longest wait for a table or row lock before a statement gives up, so
    /// that an operator command never queues the workers behind it (0: wait
    /// for ever; at most 24 days)
    #[arg(long, global = true, default_value = "5s", value_parser = parse_pg_timeout, value_name = "DURATION")]
    pub lock_timeout: std::time::Duration,

    /// Longest a single statement may run (0: no limit; at most 24 days)
    #[arg(long, global = true, default_value = "60s", value_parser = parse_pg_timeout, value_name = "DURATION")]
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

    /// List tasks or show one in full (read-only).
    #[command(subcommand)]
    Tasks(TasksCommand),

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

    /// Put failed tasks back in the queue, to run again now.
    ///
    /// Failed tasks matching the filter (and cancelled ones with
    /// --include-cancelled) become pending, available at once; their worker,
    /// claim, heartbeat and completion time are cleared. The last error stays
    /// (visible in `tasks show`) until the task runs again. A task that had
    /// used all its attempts (attempt >= max_retries) gets exactly one more:
    /// max_retries becomes attempt + 1. With --reset-attempts, attempt goes
    /// back to 0 instead, so it gets max_retries attempts again. Other
    /// tasks keep their attempt and max_retries.
    ///
    /// It never changes a pending, retrying, claimed or completed task, nor
    /// one a worker holds locked at that moment. It shows what it will change,
    /// asks (--yes to skip; refused without a terminal), changes in short
    /// batches and records an audit row (see `absurdctl audit`).
    ///
    /// Example: absurdctl retry --task-name calibration-solve --error-like 'not found'
    #[command(visible_alias = "retry")]
    RetryFailed(RetryFailedArgs),

    /// Cancel pending and retrying tasks, so they never run.
    ///
    /// Matching tasks become cancelled (finished now, error "Cancelled by
    /// absurdctl"). With --include-claimed, running tasks are cancelled too:
    /// absurdctl's worker stops their handler at its next heartbeat, and a
    /// legacy worker's later complete_task or fail_task returns false and
    /// changes nothing. Tasks that depend on a cancelled task never run.
    ///
    /// It never changes a completed, failed or cancelled task, nor one a
    /// worker holds locked at that moment. It shows what it will change, asks
    /// (--yes to skip; refused without a terminal), changes in short batches
    /// and records an audit row (see `absurdctl audit`).
    ///
    /// Example: absurdctl cancel --task-name validation --newer-than 1h --dry-run
    Cancel(CancelArgs),

    /// Give pending and retrying tasks a new priority; claims follow it at once.
    ///
    /// Matching tasks not already at --priority get it; workers claim the
    /// highest priority first (then the oldest), from their next claim on.
    /// Nothing else about the tasks changes.
    ///
    /// It never changes a claimed or finished task, nor one a worker holds
    /// locked at that moment. It shows what it will change, asks (--yes to
    /// skip; refused without a terminal), changes in short batches and records
    /// an audit row (see `absurdctl audit`).
    ///
    /// Example: absurdctl prioritize --priority 100 --task-name calibration-solve
    Prioritize(PrioritizeArgs),

    /// Give back the tasks of dead or hung workers; made for cron.
    ///
    /// A claimed task is stuck when its worker has not heartbeated for
    /// --heartbeat-timeout; a task that never sent a heartbeat counts from
    /// the later of its claim and the moment heartbeats began to be recorded
    /// (the first `migrate`), so a task claimed by a legacy worker just
    /// before `migrate` is not taken for dead. A live worker is never reaped
    /// by default: a task that has run longer than its own timeout plus
    /// --timeout-grace while its worker heartbeats has overrun, and is
    /// reported (here, in --dry-run, JSON and `status`) but reaped only with
    /// --reap-overrun. A stuck task with attempts left goes back to the
    /// queue (stored `pending`, shown as retrying, available at once, idle
    /// workers woken); one with none left becomes `failed`. Its worker id is
    /// cleared and its error says it was reaped, from which worker, and when
    /// that worker was last heard from. Registered workers not seen for
    /// --heartbeat-timeout are marked dead.
    ///
    /// It never races a live worker: each task is reaped in one statement
    /// that re-checks it is still claimed by the same worker with the same
    /// heartbeat, so a worker that heartbeats or finishes at that instant
    /// wins. It never prompts (it is conservative and idempotent); two
    /// reapers of one queue never both act (the reaper's lock, a row of
    /// absurd.reaper_locks that only reaping roles may lock: the second says
    /// so on stderr, even with -q, and exits 0; a lock held longer than
    /// --reaper-lock-stale-after exits 1). It touches no task that is not
    /// claimed. It writes an audit row when it changed anything; with -q it
    /// prints nothing when there was nothing to do, else one summary line.
    ///
    /// Example (crontab): */5 * * * * absurdctl reap -q
    #[command(visible_alias = "reap")]
    ReapStuck(ReapStuckArgs),

    /// Pause claims on the queue, then wait until its running tasks finish.
    ///
    /// Workers (absurdctl's and the legacy Python `claim_task`) get nothing
    /// from a paused queue; spawning still works, and running tasks carry on
    /// and complete. The pause is recorded with who paused it, when and why,
    /// and persists until `absurdctl resume`. Then it waits until no task of
    /// the queue is claimed, with a progress bar of the running tasks on a
    /// terminal and one line per change otherwise; on --timeout it exits 1
    /// listing what still runs, and the queue stays paused. It kills nothing
    /// and cancels nothing. Asks for confirmation on a terminal (scripts pass
    /// --yes); writes an audit row.
    ///
    /// Example: absurdctl drain --yes --reason "PostgreSQL upgrade" --timeout 2h
    Drain(DrainArgs),

    /// Let workers claim from a paused (drained) queue again.
    ///
    /// Lifts the pause and wakes idle workers at once (NOTIFY
    /// absurd_task_ready). Changes no task. Does nothing to a queue that is
    /// not paused. Asks for confirmation on a terminal, showing who paused
    /// the queue and why (scripts pass --yes); writes an audit row.
    ///
    /// Example: absurdctl resume --yes
    Resume(ResumeArgs),

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

    /// Run the queue's tasks: the supervisor that claims tasks and runs a
    /// command for each.
    #[command(subcommand)]
    Worker(WorkerCommand),

    /// Enqueue one task.
    ///
    /// Inserts a pending task into the queue; it is available at once (or after
    /// its dependencies complete). Nothing else in the queue changes.
    ///
    /// Example: absurdctl spawn --task-name imaging --params '{"group": "2025-11-30T12:00"}'
    Spawn(SpawnArgs),

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

    /// Show recent operator actions from the audit table, newest first (read-only).
    ///
    /// Every change made by absurdctl (and every --dry-run of a bulk command)
    /// is recorded with when, database user, OS user, host, command, filter
    /// and how many tasks it changed.
    ///
    /// Example: absurdctl audit --limit 5 --output json
    Audit(AuditArgs),

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

    /// Print a shell completion script.
    ///
    /// Touches no database. Example: absurdctl completions bash > /etc/bash_completion.d/absurdctl
    Completions(CompletionsArgs),
}

/// Options of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Options of `reap-stuck`.
#[derive(Debug, Args)]
pub struct ReapStuckArgs {
    /// A claimed task whose worker has been silent this long is stuck, and a
    /// registered worker not seen this long is dead (at least 1s; under 1m is
    /// warned about: it reaps live legacy workers). The
    /// default, 15 minutes, never reaps a live legacy Python worker: it
    /// heartbeats every 30 s, but a long CASA call blocks its event loop for
    /// minutes at a time, so minutes of silence are not death
    #[arg(long, value_name = "DURATION", value_parser = parse_reap_age,
          default_value_t = crate::queue::DEFAULT_HEARTBEAT_TIMEOUT.into())]
    pub heartbeat_timeout: humantime::Duration,

    /// A task that has run longer than its own timeout (spawn --timeout)
    /// plus this grace has overrun: reported, and reaped while its worker
    /// still heartbeats only with --reap-overrun
    #[arg(long, value_name = "DURATION", value_parser = parse_human_duration,
          default_value_t = crate::queue::DEFAULT_TIMEOUT_GRACE.into())]
    pub timeout_grace: humantime::Duration,

    /// Also reap tasks that overran their timeout plus --timeout-grace while
    /// their worker still heartbeats. The legacy Python worker never stops
    /// such a task: its work is thrown away and the task runs again
    #[arg(long, conflicts_with = "older_than")]
    pub reap_overrun: bool,

    /// The reaper's lock held by another session for longer than this (a
    /// reap takes seconds) is reported as a hung session: exit 1
    #[arg(long, value_name = "DURATION", value_parser = parse_duration,
          default_value = "10m")]
    pub reaper_lock_stale_after: std::time::Duration,

    /// Instead of the heartbeat and timeout rules, reap every task claimed
    /// longer ago than this, whatever its heartbeat (the runbooks' "claimed
    /// for more than 2 hours"; at least 1s). A live worker of such a task is
    /// refused when it later completes it, and stops at its next heartbeat
    #[arg(long, value_name = "DURATION", value_parser = parse_reap_age)]
    pub older_than: Option<humantime::Duration>,

    /// List what would be reaped and which workers would be marked dead;
    /// change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Every queue with claimed tasks or live registered workers, not only --queue
    #[arg(long)]
    pub all_queues: bool,
}

/// Options of `drain`.
#[derive(Debug, Args)]
pub struct DrainArgs {
    /// Stop waiting after this long: exit 1 and list the tasks still running
    /// (the queue stays paused)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,

    /// Only pause; do not wait for running tasks
    #[arg(long, conflicts_with = "timeout")]
    pub no_wait: bool,

    /// Why the queue is paused, recorded with the pause (shown by `status`)
    #[arg(long, value_name = "TEXT", value_parser = parse_nonempty)]
    pub reason: Option<String>,

    /// Every queue in use (with pending, retrying or claimed tasks, or
    /// paused before), not only --queue
    #[arg(long)]
    pub all_queues: bool,
}

/// Options of `resume`.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// Every paused queue, not only --queue
    #[arg(long)]
    pub all_queues: bool,
}

/// Which tasks a bulk command acts on: the same flags, with the same
/// meaning, in retry-failed, cancel and prioritize. All given conditions
/// must hold; a repeated flag matches any of its values.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Which tasks")]
pub struct FilterArgs {
    /// Only tasks of this name (repeatable)
    #[arg(long, value_name = "NAME", value_parser = parse_nonempty)]
    pub task_name: Vec<String>,

    /// Only tasks in this status (repeatable); it must be one the command changes
    #[arg(long, value_enum, value_name = "STATUS")]
    pub status: Vec<TaskStatus>,

    /// Only this task, by id (a UUID; repeatable)
    #[arg(long = "id", value_name = "ID")]
    pub ids: Vec<TaskId>,

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

    /// Only tasks whose error contains this text (case-insensitive; taken
    /// literally: % and _ are not wildcards)
    #[arg(long, value_name = "TEXT", value_parser = parse_nonempty)]
    pub error_like: Option<String>,

    /// Only tasks claimed at least N times (their attempt count)
    #[arg(long, allow_negative_numbers = true, value_name = "N",
          value_parser = clap::value_parser!(i32).range(0..))]
    pub attempts_at_least: Option<i32>,

    /// Change at most N tasks: the oldest N that match
    #[arg(long, allow_negative_numbers = true, value_name = "N",
          value_parser = clap::value_parser!(i64).range(1..))]
    pub limit: Option<i64>,

    /// Tasks of every queue, not only --queue
    #[arg(long)]
    pub all_queues: bool,
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
    #[arg(long, default_value_t = 3, allow_negative_numbers = true, value_parser = clap::value_parser!(i32).range(0..))]
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
    #[arg(long, allow_negative_numbers = true, default_value_t = 10_000, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub tasks: u32,

    /// Single spawns, single claims and pickups timed, per measurement
    #[arg(long, allow_negative_numbers = true, default_value_t = 1_000, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub samples: u32,

    /// In-process no-op workers draining the queue, each on its own connection
    #[arg(long, allow_negative_numbers = true, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub workers: u32,

    /// Tasks per batched spawn, per claim and per completion of the drain
    #[arg(long, allow_negative_numbers = true, default_value_t = 100, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch: u32,

    /// Also measure with this many finished tasks of the bench queue in the
    /// table (e.g. 1000000; inserted in the server, removed at the end)
    #[arg(long, allow_negative_numbers = true, default_value_t = 0, value_name = "N", value_parser = clap::value_parser!(u64).range(0..=100_000_000))]
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
    #[arg(long, value_name = "NAME", value_parser = parse_nonempty)]
    pub task_name: Vec<String>,

    /// Tasks of every queue, not only --queue
    #[arg(long)]
    pub all_queues: bool,

    /// At most this many tasks
    #[arg(long, allow_negative_numbers = true, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..))]
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
    #[arg(long, allow_negative_numbers = true, default_value_t = 5000, value_parser = clap::value_parser!(i64).range(1..=100_000))]
    pub batch_size: i64,

    /// Share of the time spent deleting, in percent: after each batch it
    /// pauses so that the workers get the CPU and the disk back for the
    /// rest, and VACUUM pauses as autovacuum does (100: no pauses)
    #[arg(long, allow_negative_numbers = true, default_value_t = 50, value_parser = clap::value_parser!(u8).range(1..=100), value_name = "PERCENT")]
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
    #[arg(long, allow_negative_numbers = true, default_value_t = 40, value_parser = clap::value_parser!(u8).range(0..=100), value_name = "PERCENT")]
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

/// How a claimed task is judged stuck: the same rule `reap-stuck` applies.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Stuck tasks")]
pub struct StuckArgs {
    /// A claimed task with no heartbeat for this long is stuck (one that never
    /// sent any counts from the later of its claim and the first `migrate`). The default is
    /// reap-stuck's: long enough for a legacy Python worker whose event loop
    /// blocks for minutes in a CASA call
    #[arg(long, default_value = "15m", value_parser = parse_duration, value_name = "DURATION")]
    pub heartbeat_timeout: std::time::Duration,

    /// A claimed task that has run past its own timeout plus this grace has
    /// overrun: reported (a warning), but not stuck while its worker heartbeats
    #[arg(long, default_value = "5m", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout_grace: std::time::Duration,

    /// The reaper's lock held longer than this (a reap takes seconds) is
    /// reported: a hung session holds it, and nothing is reaped meanwhile
    #[arg(long, default_value = "10m", value_parser = parse_duration, value_name = "DURATION")]
    pub reaper_lock_stale_after: std::time::Duration,
}

/// Load thresholds shared by `status` and `preflight` (defaults from the runbooks).
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Thresholds")]
pub struct LoadThresholds {
    /// WARNING when more than this many tasks wait (pending + retrying); the
    /// runbook scales up workers at "queue depth > 20"
    #[arg(long, allow_negative_numbers = true, default_value_t = 20, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub backlog_warn: i64,

    /// CRITICAL when more than this many tasks wait; the runbooks' "pending > 500"
    #[arg(long, allow_negative_numbers = true, default_value_t = 500, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub backlog_crit: i64,

    /// WARNING when more than this many tasks are stuck (0: any stuck task)
    #[arg(long, allow_negative_numbers = true, default_value_t = 0, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub stuck_warn: i64,

    /// CRITICAL when more than this many tasks are stuck; the runbook's
    /// "orphaned records > 10"
    #[arg(long, allow_negative_numbers = true, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub stuck_crit: i64,

    /// WARNING when more than this many tasks failed for good in the last hour
    /// (the runbook's failed_records_warning)
    #[arg(long, allow_negative_numbers = true, default_value_t = 50, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub failures_warn: i64,

    /// CRITICAL when more than this many tasks failed for good in the last hour
    #[arg(long, allow_negative_numbers = true, default_value_t = 100, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
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
    #[arg(long, allow_negative_numbers = true, default_value_t = 90.0, value_name = "PERCENT", value_parser = parse_percent)]
    pub success_warn: f64,

    /// CRITICAL when the last hour's success rate is under this percentage
    #[arg(long, allow_negative_numbers = true, default_value_t = 80.0, value_name = "PERCENT", value_parser = parse_percent)]
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
    #[arg(long, allow_negative_numbers = true, num_args = 0..=1, default_missing_value = "5", value_name = "SECONDS",
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
    #[arg(long, allow_negative_numbers = true, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..))]
    pub limit: i64,
}

/// Options of `preflight`.
#[derive(Debug, Args)]
pub struct PreflightArgs {
    /// FAIL when fewer workers are alive (registered and seen, or
    /// heartbeating a task, within --heartbeat-timeout); WARN when some but fewer
    #[arg(long, allow_negative_numbers = true, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
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
    #[arg(long, allow_negative_numbers = true, default_value_t = 20.0, value_name = "PERCENT", value_parser = parse_percent)]
    pub dead_tuples_warn: f64,

    /// FAIL when this percentage of absurd.tasks' rows are dead
    #[arg(long, allow_negative_numbers = true, default_value_t = 50.0, value_name = "PERCENT", value_parser = parse_percent)]
    pub dead_tuples_crit: f64,

    /// WARN when this percentage of max_connections is in use (the runbook's
    /// pool utilisation warning)
    #[arg(long, allow_negative_numbers = true, default_value_t = 80.0, value_name = "PERCENT", value_parser = parse_percent)]
    pub connections_warn: f64,

    /// FAIL when this percentage of max_connections is in use
    #[arg(long, allow_negative_numbers = true, default_value_t = 95.0, value_name = "PERCENT", value_parser = parse_percent)]
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

#[derive(Debug, Subcommand)]
pub enum WorkerCommand {
    /// Claim tasks of --queue and run COMMAND for each, until stopped.
    ///
    /// Each task runs as COMMAND in a process group of its own, with the task
    /// as JSON on standard input (task_id, queue_name, task_name, params,
    /// attempt, max_retries, priority, timeout_sec, worker_id) and in the
    /// environment (ABSURD_TASK_ID, ABSURD_TASK_NAME, ABSURD_QUEUE_NAME,
    /// ABSURD_ATTEMPT, ABSURD_WORKER_ID). Exit 0 completes the task with
    /// standard output as its result (JSON as is, anything else as a string
    /// of its tail, nothing as no result); any other exit fails it with the exit
    /// status and the tail of standard error, and it retries with backoff
    /// while attempts remain. A task that runs past its timeout, or that is
    /// cancelled or reaped while it runs, has its process group stopped
    /// (SIGTERM, then SIGKILL after --kill-grace).
    ///
    /// It claims nothing from a paused queue, touches no task it did not
    /// claim, and never stores a result for a task that is no longer its own.
    /// SIGTERM or SIGINT stops claiming and waits up to --grace for running
    /// tasks, then stops them and gives their tasks back without charging an
    /// attempt (exit 0); a second signal kills them and exits at once (130).
    /// The worker registers in absurd.worker_registry, logs one line per task
    /// event on stderr, and speaks the systemd notify protocol (READY,
    /// WATCHDOG) when NOTIFY_SOCKET is set.
    ///
    /// Example: absurdctl worker run --concurrency 4 -- /opt/pipeline/bin/run-task
    Run(WorkerRunArgs),
}

/// Options of `worker run`.
#[derive(Debug, Args)]
pub struct WorkerRunArgs {
    /// Tasks run at the same time (one handler process each); claims are
    /// made in batches of up to this many
    #[arg(long, allow_negative_numbers = true, short = 'c', default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: u32,

    /// Claim only tasks of this name (repeatable) [default: every name]
    #[arg(long, value_name = "NAME", value_parser = parse_nonempty)]
    pub task_name: Vec<String>,

    /// This worker's id, in the registry and in the worker_id of the tasks
    /// it claims; must be unique among running workers [default: HOST-PID-RANDOM]
    #[arg(long, value_name = "ID", value_parser = parse_nonempty)]
    pub worker_id: Option<String>,

    /// How often running tasks' heartbeats and the worker's registry row are
    /// recorded; keep it well under the heartbeat timeout `reap` uses
    #[arg(long, default_value = "10s", value_parser = parse_positive_duration, value_name = "DURATION")]
    pub heartbeat_interval: std::time::Duration,

    /// Longest a task without a timeout of its own may run before it is
    /// stopped and failed (e.g. 2h) [default: no limit]
    #[arg(long, value_parser = parse_positive_duration, value_name = "DURATION")]
    pub default_timeout: Option<std::time::Duration>,

    /// Time between SIGTERM and SIGKILL when a handler is stopped (timeout,
    /// cancellation, reap, end of --grace)
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub kill_grace: std::time::Duration,

    /// On SIGTERM or SIGINT, how long running handlers may take to finish
    /// before they are stopped and their tasks given back to the queue
    #[arg(long, default_value = "60s", value_parser = parse_duration, value_name = "DURATION")]
    pub grace: std::time::Duration,

    /// How often an idle worker looks for work on its own; a spawned task
    /// wakes it at once (LISTEN/NOTIFY), so this is only the fallback
    #[arg(long, default_value = "5s", value_parser = parse_positive_duration, value_name = "DURATION")]
    pub poll_interval: std::time::Duration,

    /// Claim at most this many tasks, finish them, then exit 0
    #[arg(long, allow_negative_numbers = true, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_tasks: Option<u64>,

    /// Exit 0 once nothing runs and no task can be claimed now (tasks waiting
    /// for a retry backoff or a delayed start are left for later)
    #[arg(long)]
    pub exit_when_empty: bool,

    /// Format of the log lines on stderr, one per task or worker event
    #[arg(long, value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,

    /// Most bytes of a handler's standard output kept for its result (at
    /// most 64 MiB); past it only the tail is kept, as a string
    #[arg(long, allow_negative_numbers = true, default_value_t = 1 << 20, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1024..=(1 << 26)))]
    pub max_output: u64,

    /// Most bytes of results (as JSON text) stored in one statement; more
    /// go in several. A single result larger than this fails its task,
    /// saying so, since it could never be stored
    #[arg(long, allow_negative_numbers = true, default_value_t = 64 << 20, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1024..=(512 << 20)))]
    pub result_batch_bytes: u64,

    /// Pass the database password on to handlers: ABSURD_DATABASE_URL and
    /// DATABASE_URL as they are and PGPASSWORD [default: handlers get the
    /// URLs without the password, and no PGPASSWORD]
    #[arg(long)]
    pub pass_database_password: bool,

    /// The handler to run for each task, and its arguments, after `--`
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// How `worker run` writes its log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// A timestamp, a level and a sentence
    Human,
    /// One JSON object per line (ts, level, event, worker_id, task fields)
    Json,
}

/// The longest duration any flag takes: a century keeps `now() - d` a valid
/// PostgreSQL timestamp and `now + d` a valid deadline (no overflow panic).
const LONGEST_DURATION: std::time::Duration = std::time::Duration::from_secs(100 * 31_557_600);

/// Parses a humantime duration such as `30m`, `2h`, `7d`, at most a century.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|e| format!("{e}; expected a duration such as 30s, 15m, 2h or 7d"))?;
    if d > LONGEST_DURATION {
        return Err("longer than a century, the longest duration absurdctl takes".into());
    }
    Ok(d)
}

/// A PostgreSQL session timeout: it takes at most 2^31-1 ms; 0 turns it off.
fn parse_pg_timeout(s: &str) -> Result<std::time::Duration, String> {
    let d = parse_duration(s)?;
    if d.as_millis() > i32::MAX as u128 {
        return Err(
            "longer than PostgreSQL allows (24d 20h 31m 23s); 0 turns the limit off".into(),
        );
    }
    Ok(d)
}

/// A queue name: empty, blank or control characters would name no queue
/// anyone can see (and forge lines in logs).
fn parse_queue_name(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err("a queue name cannot be empty or blank".into());
    }
    if s.chars().any(char::is_control) {
        return Err("a queue name cannot contain control characters (newlines, tabs...)".into());
    }
    Ok(s.to_string())
}

fn parse_positive_duration(s: &str) -> Result<std::time::Duration, String> {
    let d = parse_duration(s)?;
    if d.is_zero() {
        return Err("must be longer than zero".into());
    }
    Ok(d)
}

fn parse_human_duration(s: &str) -> Result<humantime::Duration, String> {
    parse_duration(s).map(Into::into)
}

/// A reaper's age limit: at least a second. Limits under a minute are
/// allowed (for queues served only by absurdctl workers with a short
/// --heartbeat-interval) but warned about when used.
fn parse_reap_age(s: &str) -> Result<humantime::Duration, String> {
    let d = parse_duration(s)?;
    if d < std::time::Duration::from_secs(1) {
        return Err(format!(
            "{s} is too short: at least 1s (and above the workers' heartbeat interval)"
        ));
    }
    Ok(d.into())
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
