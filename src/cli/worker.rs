//! `worker run`: the supervisor that claims tasks and runs a command for each.

use clap::{Args, Subcommand, ValueEnum};

use super::parse::{
    parse_duration, parse_nonempty, parse_positive_duration, parse_positive_secs_or_duration,
};

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
    /// cancelled, failed (`absurdctl fail`) or reaped while it runs, has its
    /// process group stopped
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
    /// Tasks run at the same time (one handler process each; with
    /// --persistent, handler processes, each given up to --pipeline tasks);
    /// claims are made in batches of up to the free slots
    #[arg(long, allow_negative_numbers = true, short = 'c', default_value_t = 1,
          env = "ABSURD_WORKER_CONCURRENCY",
          value_parser = clap::value_parser!(u32).range(1..=1024))]
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
    /// stopped and failed (e.g. 2h, or 3600 seconds) [default: no limit]
    #[arg(long, value_parser = parse_positive_secs_or_duration, value_name = "DURATION",
          env = "ABSURD_TASK_TIMEOUT")]
    pub default_timeout: Option<std::time::Duration>,

    /// Time between SIGTERM and SIGKILL when a handler is stopped (timeout,
    /// cancellation, reap, end of --grace)
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub kill_grace: std::time::Duration,

    /// On SIGTERM or SIGINT, how long running handlers may take to finish
    /// before they are stopped and their tasks given back to the queue
    #[arg(long, default_value = "60s", value_parser = parse_duration, value_name = "DURATION")]
    pub grace: std::time::Duration,

    /// How often an idle worker looks for work on its own (e.g. 5s, or 1.0
    /// seconds); a spawned task wakes it at once (LISTEN/NOTIFY), so this is
    /// only the fallback
    #[arg(long, default_value = "5s", value_parser = parse_positive_secs_or_duration,
          value_name = "DURATION", env = "ABSURD_WORKER_POLL_INTERVAL")]
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

    /// Bytes kept of each attempt's standard output and of its standard
    /// error, the last ones, for `tasks logs` (stored at every heartbeat
    /// while the handler runs, and at its end; 0 keeps none)
    #[arg(long, allow_negative_numbers = true, default_value_t = 64 << 10, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(0..=(16 << 20)))]
    pub log_tail: u64,

    /// Run COMMAND once per slot as a persistent handler, fed tasks as JSON
    /// lines on standard input and answering each with a JSON line on
    /// standard output, instead of once per task (for short tasks; the
    /// protocol is in the README, "Persistent handlers"); a handler that
    /// exits is started again, after a backoff when it keeps dying
    #[arg(long)]
    pub persistent: bool,

    /// With --persistent: tasks each handler is given at once, answered in
    /// any order by their id (more than 1 keeps a fast handler busy while
    /// its answers are stored)
    #[arg(long, allow_negative_numbers = true, default_value_t = 1, value_name = "N",
          requires = "persistent", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub pipeline: u32,

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

/// `workers`: the workers that serve the queue, and what an operator does to them.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct WorkersArgs {
    #[command(subcommand)]
    pub command: Option<WorkersCommand>,

    #[command(flatten)]
    pub list: WorkersListArgs,
}

#[derive(Debug, Subcommand)]
pub enum WorkersCommand {
    /// List the workers that served --queue recently (the default of
    /// `absurdctl workers`; read-only).
    ///
    /// absurdctl's workers (registered by `worker run`) with id, host, pid,
    /// version, concurrency and heartbeat interval, and legacy Python workers
    /// (seen through their claim_task polls and the tasks they hold), each
    /// with a state: live (seen, running tasks), idle (seen, running
    /// nothing), draining (claiming nothing more), silent (not seen for 1.5
    /// of its heartbeat intervals; legacy: 90 s), dead (not seen for 3
    /// intervals, or the session holding its id is gone, as when it was
    /// SIGKILLed; legacy: 15 minutes) or stopped (exited cleanly); when it
    /// started and was last seen; and its current tasks with their run time
    /// and progress. Workers last seen more than an hour ago are left out
    /// unless --all.
    ///
    /// Example: absurdctl workers --all -o json
    List(WorkersListArgs),

    /// Delete registrations of workers stopped or dead for longer than
    /// --older-than, and legacy pollers unseen that long.
    ///
    /// A worker whose id is held by a live session is never deleted. It
    /// shows what it will delete, asks (--yes to skip; refused without a
    /// terminal) and records an audit row; --dry-run changes nothing.
    ///
    /// Example: absurdctl workers prune --older-than 7d --yes
    Prune(WorkersPruneArgs),

    /// Ask one of absurdctl's workers to drain and exit, through the
    /// database (so from any host).
    ///
    /// The worker reads the request at its next heartbeat: it claims nothing
    /// more, lets its running tasks finish within its --grace and exits 0,
    /// as on SIGTERM. With --now it stops its handlers at once and gives
    /// their tasks back to the queue without charging an attempt. An unknown
    /// id exits 2, a stopped or dead worker exits 1; nothing is changed then.
    /// Records an audit row.
    ///
    /// Example: absurdctl workers stop node3-4242-9f1c --yes
    Stop(WorkersStopArgs),
}

/// Options of `workers list`.
#[derive(Debug, Args)]
pub struct WorkersListArgs {
    /// Also workers last seen more than an hour ago (long dead or stopped)
    #[arg(long)]
    pub all: bool,
}

/// Options of `workers prune`.
#[derive(Debug, Args)]
pub struct WorkersPruneArgs {
    /// Delete registrations stopped or dead (and legacy pollers unseen) for
    /// longer than this
    #[arg(long, default_value = "7d", value_parser = parse_positive_duration, value_name = "DURATION")]
    pub older_than: std::time::Duration,

    /// List what would be deleted; change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// Options of `workers stop`.
#[derive(Debug, Args)]
pub struct WorkersStopArgs {
    /// The worker's id (see `absurdctl workers`)
    #[arg(value_name = "ID", value_parser = parse_nonempty)]
    pub worker_id: String,

    /// Stop its handlers at once and give their tasks back, instead of
    /// letting them finish
    #[arg(long)]
    pub now: bool,
}
