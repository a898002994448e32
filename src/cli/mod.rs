//! The command line, as clap types only. Every doc comment here becomes
//! `--help`, the man pages and the shell completions.
//!
//! One file per domain, as graphile_worker_rs's `args/`: the global options
//! (`global`), the value parsers (`parse`), and the options of the commands
//! that look at tasks (`tasks`), change them in bulk (`bulk`), judge the
//! queue (`checks`), maintain it (`maintenance`), run it (`worker`) and set
//! it up (`admin`). Every type is re-exported here, as `crate::cli::X`.

mod admin;
mod bulk;
mod checks;
mod exporter;
mod global;
mod maintenance;
mod parse;
mod tasks;
mod top;
mod worker;

use clap::{Parser, Subcommand};

pub use admin::{BenchArgs, CompletionsArgs, MigrateArgs};
pub use bulk::{BulkArgs, CancelArgs, FailArgs, FilterArgs, PrioritizeArgs, RetryFailedArgs};
pub use checks::{
    parse_disk_spec, DiskSpec, FlowThresholds, Judging, LoadThresholds, PreflightArgs, RemedyArgs,
    RoundTripThresholds, StatusArgs, StuckArgs,
};
pub use exporter::ExporterArgs;
pub use global::{GlobalOpts, OutputArg, DEFAULT_QUEUE};
pub use maintenance::{DrainArgs, ReapStuckArgs, ResumeArgs, VacuumArgs, WaitArgs};
pub use parse::{format_duration, parse_duration, parse_percent};
pub use tasks::{
    AuditArgs, ErrorsArgs, ListSortArg, LogStream, SpawnArgs, TaskNames, TasksCommand,
    TasksListArgs, TasksLogsArgs, TasksShowArgs, TrendsArgs, TrendsBucket,
};
pub use top::TopArgs;
pub use worker::{
    LogFormat, WorkerCommand, WorkerRunArgs, WorkersArgs, WorkersCommand, WorkersListArgs,
    WorkersPruneArgs, WorkersStopArgs,
};

const AFTER_HELP: &str = "\
Connection: --database-url, else --database-url-file (ABSURD_DATABASE_URL_FILE), else
ABSURD_DATABASE_URL, else DATABASE_URL, else the libpq variables (PGHOST, PGPORT, PGUSER,
PGPASSWORD, PGDATABASE, ...); a password missing from the URL comes from PGPASSFILE or ~/.pgpass.
Queue: --queue, else ABSURD_QUEUE_NAME, else dsa110-pipeline.

Exit codes: 0 success, 1 operation failed, 2 bad usage or input, 3 database unreachable
or silent, 4 schema needs `absurdctl migrate` (or is newer than this absurdctl), 5 refused
(confirmation declined, or no terminal and no --yes), 6 timed out (wait --timeout),
130 interrupted.
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

    /// Serve the figures of `status` to Prometheus over HTTP: /metrics and
    /// /healthz (read-only).
    ///
    /// A long-running exporter for one queue (or --all-queues). The queue is
    /// read at most once per --min-interval, whatever the scrape rate;
    /// concurrent scrapes share one snapshot. When the database cannot be
    /// read, /metrics still answers, with absurd_up 0 and the error, within
    /// --connect-timeout (--read-timeout when it goes silent). /healthz
    /// answers 200 while the process serves.
    /// SIGTERM or Ctrl-C stops it after the scrapes in flight; it speaks the
    /// systemd notify protocol (READY, STOPPING, WATCHDOG) when NOTIFY_SOCKET
    /// is set. Metric names and the alert rules and dashboard over them:
    /// README, "Monitoring", and deploy/.
    ///
    /// Example: absurdctl exporter --listen 0.0.0.0:9187 --all-queues
    Exporter(ExporterArgs),
    /// A live dashboard of the queue in the terminal: verdict, last hour per
    /// minute, backlog, workers, failures; pause, resume and retry from it.
    ///
    /// A full-screen view refreshed every --interval: the header with the
    /// queue(s), the verdict of `status` and its reasons, the pause (who,
    /// why) and the database round trip; completed, failed and created per
    /// minute over the last hour and the backlog; the backlog by state and
    /// by task name with the oldest ready age; the workers with their host,
    /// state, free slots and current tasks (run time, progress); the last
    /// hour's failures grouped by cause (as `errors`). Keys: q or Ctrl-C
    /// quit, Tab / arrows move between panes, / filters by task name, a
    /// toggles all queues, p pauses or resumes the queue and r retries the
    /// selected failure group (each asks y/N in the view, goes through the
    /// code and audit of `drain --no-wait`, `resume` and `retry-failed`,
    /// and needs the role absurd_operator). Its reads are those of
    /// `status`. If the database goes away the last figures stay, greyed,
    /// with the error and the time since the last good read, and it keeps
    /// trying. It needs a terminal: without one it exits 2 (use `status
    /// --watch`).
    ///
    /// Example: absurdctl top --interval 5
    Top(TopArgs),

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

    /// Show the queue over time, in buckets: created, started, completed,
    /// failed, cancelled, retried, the backlog, wait and run times, success
    /// rate (read-only).
    ///
    /// Each bucket (--by minute, hour or day; the window --since, 24 hours
    /// by hour unless given) counts the tasks created in it, the attempts
    /// claimed in it (from the task history, and the running ones; retried:
    /// those after a task's first), the tasks completed, failed and
    /// cancelled in it (by their completion time and their status now), the
    /// backlog at its end (tasks created before the end and not finished by
    /// then, as the rows are now), the wait and run time p50/p95 and the
    /// success rate (completed / (completed + failed)) of the tasks finished
    /// in it. All of the queue, of the --task-name given, or one series per
    /// task name with --by-task. On a terminal, one line per bucket with a
    /// bar of the completions that fits the width (COLUMNS, else 80);
    /// --output json or csv for scripts and spreadsheets. It changes nothing;
    /// its cost follows the window, not the history.
    ///
    /// Example: absurdctl trends --by day --since 30d --output csv > trends.csv
    Trends(TrendsArgs),

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
    /// absurdctl", followed by ": TEXT" with --reason). With --include-claimed, running tasks are cancelled too:
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

    /// Force-fail tasks: pending, retrying and running ones go to failed
    /// (the dead letters) at once, with --reason as their error.
    ///
    /// For a task stuck in a handler that will never end, or one that must
    /// not run: matching tasks become failed (finished now, no retry
    /// whatever attempts they have left; `retry-failed` replays them). A
    /// running task's attempt ends, outcome failed, with the reason as its
    /// error; absurdctl's worker stops its handler at its next heartbeat,
    /// and a legacy worker's later complete_task or fail_task returns false
    /// and changes nothing (the legacy Python worker ignores its heartbeat's
    /// answer: its handler runs to its end). Tasks that depend on a failed
    /// task never run.
    ///
    /// It never changes a completed, failed or cancelled task, nor one a
    /// worker holds locked at that moment. It shows what it will change, asks
    /// (--yes to skip; refused without a terminal), changes in short batches
    /// and records an audit row, with the reason (see `absurdctl audit`).
    ///
    /// Example: absurdctl fail --id 3f2a9c1e --reason 'hung in CASA since 02:10, see ticket 412'
    Fail(FailArgs),

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

    /// Wait until the queue is below a backlog, idle, or has nothing
    /// claimed; made for maintenance-window scripts (read-only).
    ///
    /// Looks every --interval at the queue's backlog (pending and retrying
    /// tasks), its ready tasks and its claimed tasks, and exits 0 as soon as
    /// every condition given holds at once (at the first look when they
    /// already do). It changes nothing: pause the inflow first (stop the
    /// daemon that spawns, or `drain` to stop the workers too). On a
    /// terminal a spinner shows the figures; with --output json one JSON
    /// line per look goes to stderr and the outcome to stdout; otherwise it
    /// is quiet until the end. On --timeout it exits 6 with the figures of
    /// the last look; Ctrl-C exits 130.
    ///
    /// Example: absurdctl wait --backlog-below 20 --timeout 2h && systemctl start dsa110-mosaic-daemon
    Wait(WaitArgs),

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
    /// deleting (--yes for scripts) and can archive every row first. The
    /// queue's worker registrations (and legacy pollers) stopped or dead for
    /// longer than --completed-older-than go too, once no task past
    /// retention is left (see `workers prune`). Then it
    /// runs VACUUM (ANALYZE) on absurd.tasks, which locks nothing the workers
    /// need; --reindex and --full are opt-in. Ctrl-C stops between batches.
    ///
    /// Example: absurdctl vacuum --archive /var/backups/absurd/tasks-$(date +%F).jsonl.gz --yes
    Vacuum(VacuumArgs),

    /// Run the queue's tasks: the supervisor that claims tasks and runs a
    /// command for each.
    #[command(subcommand)]
    Worker(WorkerCommand),

    /// Show the queue's workers, absurdctl's and legacy ones, with their
    /// state and current tasks; prune old registrations; stop a worker.
    ///
    /// Without a subcommand: `workers list`.
    ///
    /// Example: absurdctl workers
    Workers(WorkersArgs),

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
    /// worker waiting on LISTEN holds the task); and how long the read-only
    /// commands take on its queue (status, trends, errors, tasks list with
    /// each filter), each run as its own process, median of 3.
    ///
    /// Example: absurdctl bench --history 1000000 --output json
    Bench(BenchArgs),

    /// Print a shell completion script.
    ///
    /// Touches no database. Example: absurdctl completions bash > /etc/bash_completion.d/absurdctl
    Completions(CompletionsArgs),
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
            args.judging.stuck.heartbeat_timeout,
            crate::queue::DEFAULT_HEARTBEAT_TIMEOUT
        );
        assert_eq!(
            args.judging.stuck.timeout_grace,
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
