//! Keeping a live queue healthy: `reap-stuck`, `drain`, `resume`, `wait`,
//! `vacuum`.

use clap::Args;

use super::parse::{
    parse_duration, parse_human_duration, parse_nonempty, parse_positive_duration, parse_reap_age,
};

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
    /// (Named --older-than before: that name still works. Everywhere else
    /// --older-than is a task's creation age.)
    #[arg(long = "claimed-longer-than", alias = "older-than", value_name = "DURATION",
          value_parser = parse_reap_age)]
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

/// Options of `wait`: the conditions (all given must hold at once) and how
/// long to wait for them.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("condition").required(true).multiple(true)
    .args(["backlog_below", "idle", "no_claimed"])))]
pub struct WaitArgs {
    /// Until fewer than N tasks wait (pending and retrying, ready or not:
    /// `status`'s backlog); the runbooks' "restart when the queue is below 20"
    #[arg(long, value_name = "N", allow_negative_numbers = true,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub backlog_below: Option<i64>,

    /// Until no task is ready to be claimed and none is claimed (tasks
    /// delayed, in retry backoff or blocked by a dependency may remain)
    #[arg(long)]
    pub idle: bool,

    /// Until no task is claimed (the running tasks have finished)
    #[arg(long)]
    pub no_claimed: bool,

    /// Give up after this long: exit 6, the figures on stderr [default:
    /// wait for ever]
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub timeout: Option<std::time::Duration>,

    /// How often to look (each look is one cheap read)
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration,
          default_value = "5s")]
    pub interval: std::time::Duration,
}

/// Options of `resume`.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// Every paused queue, not only --queue
    #[arg(long)]
    pub all_queues: bool,
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

    /// Delete only those failed tasks that were claimed at least N times
    /// (the runbooks' "failed over 7 days with retry_count >= 5"); completed
    /// and cancelled tasks are not affected
    #[arg(long, allow_negative_numbers = true, value_name = "N",
          value_parser = clap::value_parser!(i32).range(1..))]
    pub attempts_at_least: Option<i32>,

    /// Clean every queue with tasks, one after the other, not only --queue
    /// (VACUUM runs once, at the end)
    #[arg(long)]
    pub all_queues: bool,

    /// Only ANALYZE absurd.tasks (fresh planner statistics, in seconds, with
    /// no lock the workers notice): delete nothing, no VACUUM
    #[arg(long, conflicts_with_all = ["archive", "no_vacuum", "reindex", "full", "dry_run",
          "attempts_at_least", "max_duration"])]
    pub analyze_only: bool,

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
