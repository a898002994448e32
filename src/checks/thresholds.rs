//! The thresholds of `status` and `preflight`, validated once when the
//! command starts (a warning level past its critical one is a usage error),
//! and the stuck rule both build from `--heartbeat-timeout` and
//! `--timeout-grace`.

use std::time::Duration;

use serde::Serialize;

use crate::cli::{
    FlowThresholds, Judging, LoadThresholds, PreflightArgs, RemedyArgs, RoundTripThresholds,
    StuckArgs,
};
use crate::error::CliError;
use crate::queue::stats::{StuckRule, MIN_SUCCESS_SAMPLES};

/// The rule that makes a claimed task stuck, from the flags.
pub fn stuck_rule(args: &StuckArgs) -> StuckRule {
    StuckRule {
        heartbeat_timeout: args.heartbeat_timeout,
        timeout_grace: args.timeout_grace,
    }
}

/// Refuses a warning level above its critical one (flag names, values).
pub fn ensure_ordered(pairs: &[Pair]) -> anyhow::Result<()> {
    for (w, c, wv, cv) in pairs {
        if wv > cv {
            return Err(CliError::usage(format!(
                "{w} must not be above {c}: a warning comes before the critical level"
            )));
        }
    }
    Ok(())
}

/// A warning flag, its critical flag, and their values.
pub type Pair = (&'static str, &'static str, f64, f64);

/// A pair of counts.
fn counts(w: &'static str, c: &'static str, wv: impl Into<f64>, cv: impl Into<f64>) -> Pair {
    (w, c, wv.into(), cv.into())
}

/// A pair of durations, in seconds.
fn secs(w: &'static str, c: &'static str, wv: Duration, cv: Duration) -> Pair {
    (w, c, wv.as_secs_f64(), cv.as_secs_f64())
}

/// The pairs `status` and `preflight` share.
fn load_pairs(l: &LoadThresholds, r: &RoundTripThresholds) -> [Pair; 4] {
    [
        counts(
            "--backlog-warn",
            "--backlog-crit",
            l.backlog_warn as f64,
            l.backlog_crit as f64,
        ),
        counts(
            "--stuck-warn",
            "--stuck-crit",
            l.stuck_warn as f64,
            l.stuck_crit as f64,
        ),
        counts(
            "--failures-warn",
            "--failures-crit",
            l.failures_warn as f64,
            l.failures_crit as f64,
        ),
        secs("--rtt-warn", "--rtt-crit", r.rtt_warn, r.rtt_crit),
    ]
}

/// The thresholds of `status`, as its JSON report shows them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thresholds {
    pub backlog_warn: i64,
    pub backlog_crit: i64,
    pub oldest_ready_warn_sec: f64,
    pub oldest_ready_crit_sec: f64,
    pub stuck_warn: i64,
    pub stuck_crit: i64,
    pub failures_1h_warn: i64,
    pub failures_1h_crit: i64,
    pub success_rate_1h_warn_percent: f64,
    pub success_rate_1h_crit_percent: f64,
    pub success_rate_min_samples: i64,
    pub no_completion_warn_sec: f64,
    pub no_completion_crit_sec: f64,
    pub round_trip_warn_ms: f64,
    pub round_trip_crit_ms: f64,
    pub min_workers: i64,
    /// The workers' systemd template unit, for the remedy.
    pub worker_unit: String,
    pub completed_1h_warn: i64,
    pub completed_1h_crit: i64,
    pub dead_workers_warn: i64,
    pub headroom_percent: f64,
}

impl Thresholds {
    /// The thresholds of `status`'s judging flags, as `status`, `top` and the
    /// exporter take them.
    pub fn from_judging(j: &Judging) -> anyhow::Result<Self> {
        Self::new(&j.load, &j.flow, &j.rtt, &j.remedy)
    }

    pub fn new(
        l: &LoadThresholds,
        f: &FlowThresholds,
        r: &RoundTripThresholds,
        remedy: &RemedyArgs,
    ) -> anyhow::Result<Self> {
        ensure_ordered(&load_pairs(l, r))?;
        ensure_ordered(&[
            secs(
                "--oldest-warn",
                "--oldest-crit",
                f.oldest_warn,
                f.oldest_crit,
            ),
            secs("--stall-warn", "--stall-crit", f.stall_warn, f.stall_crit),
        ])?;
        if f.rate_warn < f.rate_crit {
            return Err(CliError::usage(
                "--rate-warn must not be below --rate-crit: a completion rate warns before it is critical",
            ));
        }
        if f.success_warn < f.success_crit {
            return Err(CliError::usage(
                "--success-warn must not be below --success-crit: a success rate warns before it is critical",
            ));
        }
        Ok(Thresholds {
            backlog_warn: l.backlog_warn,
            backlog_crit: l.backlog_crit,
            oldest_ready_warn_sec: f.oldest_warn.as_secs_f64(),
            oldest_ready_crit_sec: f.oldest_crit.as_secs_f64(),
            stuck_warn: l.stuck_warn,
            stuck_crit: l.stuck_crit,
            failures_1h_warn: l.failures_warn,
            failures_1h_crit: l.failures_crit,
            success_rate_1h_warn_percent: f.success_warn,
            success_rate_1h_crit_percent: f.success_crit,
            success_rate_min_samples: MIN_SUCCESS_SAMPLES,
            no_completion_warn_sec: f.stall_warn.as_secs_f64(),
            no_completion_crit_sec: f.stall_crit.as_secs_f64(),
            round_trip_warn_ms: r.rtt_warn.as_secs_f64() * 1000.0,
            round_trip_crit_ms: r.rtt_crit.as_secs_f64() * 1000.0,
            min_workers: f.min_workers,
            worker_unit: remedy.worker_unit.clone(),
            completed_1h_warn: f.rate_warn,
            completed_1h_crit: f.rate_crit,
            dead_workers_warn: f.dead_workers_warn,
            headroom_percent: f.headroom,
        })
    }
}

/// The thresholds of `preflight`: the load ones it shares with `status`,
/// and those of the database around the queue.
#[derive(Debug, Clone)]
pub struct Preflight {
    pub load: LoadThresholds,
    pub rtt_warn: Duration,
    pub rtt_crit: Duration,
    pub stuck: StuckRule,
    pub reaper_lock_stale_after: Duration,
    pub min_workers: i64,
    pub worker_unit: String,
    pub long_transaction_warn: Duration,
    pub long_transaction_crit: Duration,
    pub dead_tuples_warn: f64,
    pub dead_tuples_crit: f64,
    pub connections_warn: f64,
    pub connections_crit: f64,
}

impl Preflight {
    pub fn new(args: &PreflightArgs) -> anyhow::Result<Self> {
        ensure_ordered(&load_pairs(&args.load, &args.rtt))?;
        ensure_ordered(&[
            secs(
                "--long-transaction-warn",
                "--long-transaction-crit",
                args.long_transaction_warn,
                args.long_transaction_crit,
            ),
            counts(
                "--dead-tuples-warn",
                "--dead-tuples-crit",
                args.dead_tuples_warn,
                args.dead_tuples_crit,
            ),
            counts(
                "--connections-warn",
                "--connections-crit",
                args.connections_warn,
                args.connections_crit,
            ),
        ])?;
        Ok(Preflight {
            load: args.load.clone(),
            rtt_warn: args.rtt.rtt_warn,
            rtt_crit: args.rtt.rtt_crit,
            stuck: stuck_rule(&args.stuck),
            reaper_lock_stale_after: args.stuck.reaper_lock_stale_after,
            min_workers: args.min_workers,
            worker_unit: args.remedy.worker_unit.clone(),
            long_transaction_warn: args.long_transaction_warn,
            long_transaction_crit: args.long_transaction_crit,
            dead_tuples_warn: args.dead_tuples_warn,
            dead_tuples_crit: args.dead_tuples_crit,
            connections_warn: args.connections_warn,
            connections_crit: args.connections_crit,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn load() -> LoadThresholds {
        LoadThresholds {
            backlog_warn: 20,
            backlog_crit: 500,
            stuck_warn: 0,
            stuck_crit: 5,
            failures_warn: 5,
            failures_crit: 50,
        }
    }

    pub(crate) fn rtt() -> RoundTripThresholds {
        RoundTripThresholds {
            rtt_warn: Duration::from_millis(100),
            rtt_crit: Duration::from_secs(1),
        }
    }

    pub(crate) fn remedy() -> RemedyArgs {
        RemedyArgs {
            worker_unit: "absurd-worker@".into(),
        }
    }

    pub(crate) fn flow() -> FlowThresholds {
        FlowThresholds {
            oldest_warn: Duration::from_secs(600),
            oldest_crit: Duration::from_secs(3600),
            success_warn: 90.0,
            success_crit: 80.0,
            stall_warn: Duration::from_secs(900),
            stall_crit: Duration::from_secs(3600),
            min_workers: 1,
            rate_warn: 50,
            rate_crit: 10,
            dead_workers_warn: 1,
            headroom: 50.0,
        }
    }

    #[test]
    fn status_thresholds_in_the_units_of_the_report() {
        let t = Thresholds::new(&load(), &flow(), &rtt(), &remedy()).unwrap();
        assert_eq!(t.round_trip_warn_ms, 100.0);
        assert_eq!(t.oldest_ready_crit_sec, 3600.0);
        assert_eq!(t.success_rate_min_samples, MIN_SUCCESS_SAMPLES);
    }

    #[test]
    fn a_warning_past_its_critical_level_is_refused() {
        let message = |e: anyhow::Error| e.to_string();
        let mut l = load();
        l.backlog_warn = 600;
        assert!(
            message(Thresholds::new(&l, &flow(), &rtt(), &remedy()).unwrap_err())
                .contains("--backlog-warn must not be above --backlog-crit")
        );
        let mut f = flow();
        f.stall_warn = Duration::from_secs(7200);
        assert!(
            message(Thresholds::new(&load(), &f, &rtt(), &remedy()).unwrap_err())
                .contains("--stall-warn must not be above --stall-crit")
        );
        let mut f = flow();
        f.success_warn = 70.0;
        assert!(
            message(Thresholds::new(&load(), &f, &rtt(), &remedy()).unwrap_err())
                .contains("--success-warn must not be below --success-crit")
        );
        let mut r = rtt();
        r.rtt_warn = Duration::from_secs(2);
        assert!(
            message(Thresholds::new(&load(), &flow(), &r, &remedy()).unwrap_err())
                .contains("--rtt-warn must not be above --rtt-crit")
        );
    }

    #[test]
    fn equal_levels_are_allowed() {
        let mut l = load();
        l.stuck_warn = 5;
        assert!(Thresholds::new(&l, &flow(), &rtt(), &remedy()).is_ok());
    }
}
