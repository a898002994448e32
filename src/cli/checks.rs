//! `status` and `preflight`: what they judge and the thresholds they
//! share, defined once and flattened into both.

use clap::Args;

use super::parse::{parse_duration, parse_percent};

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

/// What the remedies of `status` and `preflight` name.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Remedies")]
pub struct RemedyArgs {
    /// The systemd template unit of this host's workers, named by the remedy
    /// of "no live workers" (`systemctl start UNIT{1..4}`); the pipeline's own
    /// deployment names it `contimg-absurd-worker@`
    #[arg(long, env = "ABSURD_WORKER_UNIT", default_value = "absurd-worker@", value_name = "UNIT",
          value_parser = super::parse::parse_nonempty)]
    pub worker_unit: String,
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

    /// Live workers wanted while tasks are ready: none is CRITICAL, fewer
    /// WARNING (0: not judged); not judged while paused
    #[arg(long, allow_negative_numbers = true, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub min_workers: i64,

    /// WARNING when fewer tasks than this completed in the last hour while
    /// tasks have been ready for an hour or more (the runbook's "< 50/h";
    /// 0: not judged)
    #[arg(long, allow_negative_numbers = true, default_value_t = 50, value_name = "PER_HOUR", value_parser = clap::value_parser!(i64).range(0..))]
    pub rate_warn: i64,

    /// CRITICAL when fewer completed in the last hour ("< 10/h")
    #[arg(long, allow_negative_numbers = true, default_value_t = 10, value_name = "PER_HOUR", value_parser = clap::value_parser!(i64).range(0..))]
    pub rate_crit: i64,

    /// WARNING when at least this many registered workers are marked
    /// running but have not been seen for --heartbeat-timeout (0: not judged)
    #[arg(long, allow_negative_numbers = true, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub dead_workers_warn: i64,

    /// Spare capacity added to "workers needed" (the runbook's 50 %)
    #[arg(long, allow_negative_numbers = true, default_value_t = 50.0, value_name = "PERCENT", value_parser = parse_percent)]
    pub headroom: f64,
}

/// How a queue is judged, as `status` judges it: the stuck rule, the
/// thresholds and the remedies' unit. One group, flattened into `status`,
/// `exporter` and `top`, which judge the same way.
#[derive(Debug, Args, Clone)]
pub struct Judging {
    #[command(flatten)]
    pub stuck: StuckArgs,

    #[command(flatten)]
    pub load: LoadThresholds,

    #[command(flatten)]
    pub flow: FlowThresholds,

    #[command(flatten)]
    pub rtt: RoundTripThresholds,

    #[command(flatten)]
    pub remedy: RemedyArgs,
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

    /// Refresh every INTERVAL (5s, 1m, or plain seconds; default 5s) until Ctrl-C or `q`, with rates
    /// computed between refreshes. On a terminal the view is redrawn in place;
    /// otherwise one snapshot per interval is printed (one JSON object per
    /// line with --output json)
    #[arg(long, allow_negative_numbers = true, num_args = 0..=1, default_missing_value = "5", value_name = "INTERVAL",
          value_parser = super::parse::parse_interval_secs)]
    pub watch: Option<u64>,

    /// A queue with no task, worker or pause record ever is healthy (a new
    /// queue), not UNKNOWN (a misspelled --queue)
    #[arg(long)]
    pub allow_empty: bool,

    #[command(flatten)]
    pub judging: Judging,
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

    #[command(flatten)]
    pub remedy: RemedyArgs,
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
