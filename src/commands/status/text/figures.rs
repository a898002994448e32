//! The figure lines of one queue in the human view of `status`, and the
//! small formatters of their figures.

use crate::commands::status::report::QueueReport;
use crate::output::{fmt_ago, fmt_secs, fmt_time};
use crate::queue::stats::HostWorkers;

/// The figure lines of one queue, as (label, text).
pub(super) fn figure_lines(q: &QueueReport) -> Vec<(&'static str, String)> {
    let s = &q.snapshot;
    let f = &s.figures;
    let no_workers = s.workers.live == 0 && f.backlog > 0;
    let mut lines: Vec<(&str, String)> = vec![(
        "backlog",
        format!(
            "{} ({} pending, {} retrying: {} ready, {} delayed, {} blocked by dependencies{})",
            f.backlog,
            f.pending,
            f.retrying,
            f.ready,
            f.delayed,
            f.blocked,
            if f.blocked_for_good > 0 {
                format!(", {} of them for good", f.blocked_for_good)
            } else {
                String::new()
            }
        ),
    )];
    if f.backlog > 0 {
        lines.push((
            "oldest",
            format!(
                "pending since {} ({}) · ready task waiting {}",
                fmt_time(f.oldest_pending_at),
                fmt_ago(f.oldest_pending_at),
                f.oldest_ready_age_sec
                    .map(fmt_secs)
                    .unwrap_or_else(|| "-".into())
            ),
        ));
    }
    lines.push((
        "running",
        format!(
            "{} claimed, {} stuck · {} live worker{}{}, {} free slot{}{}",
            f.claimed,
            f.stuck,
            s.workers.live,
            if s.workers.live == 1 { "" } else { "s" },
            worker_hosts(&s.workers.hosts),
            s.workers.free_slots,
            if s.workers.free_slots == 1 { "" } else { "s" },
            if s.workers.dead > 0 {
                format!(", {} dead registered", s.workers.dead)
            } else {
                String::new()
            }
        ),
    ));
    lines.push((
        "inflow",
        format!(
            "created 5m: {} · 1h: {} · 24h: {} · backlog {} ({:+.1}/min net over 1h){}",
            f.created_5m,
            f.created_1h,
            f.created_24h,
            s.direction.as_str(),
            s.net_per_min_1h,
            match s.net_eta_sec {
                _ if f.backlog == 0 => String::new(),
                _ if no_workers => String::new(),
                Some(eta) => format!(", drained in about {} at that rate", fmt_secs(eta)),
                None => ", never drained at that rate".into(),
            }
        ),
    ));
    let c = &q.capacity;
    lines.push((
        "capacity",
        match c.workers_needed {
            Some(n) => format!(
                "{n} worker{} needed · {:.0} arrivals/h x {} mean run / {:.0} per worker + {:.0}% headroom",
                if n == 1 { "" } else { "s" },
                c.arrivals_per_hour,
                opt_secs(c.run_mean_sec),
                c.concurrency,
                c.headroom_percent
            ),
            None => format!(
                "{:.0} arrivals/h · workers needed unknown (nothing finished in the last hour)",
                c.arrivals_per_hour
            ),
        },
    ));
    lines.push((
        "finished",
        format!(
            "5m: {} completed, {} failed · 1h: {} completed, {} failed, {} cancelled · 24h: {} completed, {} failed, {} cancelled",
            f.completed_5m, f.failed_5m, f.completed_1h, f.failed_1h, f.cancelled_1h,
            f.completed_24h, f.failed_24h, f.cancelled_24h
        ),
    ));
    lines.push((
        "throughput",
        format!(
            "{} completed/min over 5m, {} over 1h, {} over 24h · success {} (1h), {} (24h)",
            rate(f.completed_per_min_5m),
            rate(f.completed_per_min_1h),
            rate(f.completed_per_min_24h),
            percent(f.success_rate_1h),
            percent(f.success_rate_24h)
        ),
    ));
    lines.push((
        "timings 1h",
        format!(
            "wait p50 {} p95 {} · run p50 {} p95 {}",
            opt_secs(f.wait_p50_sec),
            opt_secs(f.wait_p95_sec),
            opt_secs(f.run_p50_sec),
            opt_secs(f.run_p95_sec)
        ),
    ));
    lines.push((
        "dead letters",
        format!(
            "{} failed, {} cancelled (all time) · {}",
            f.failed,
            f.cancelled,
            match s.total_estimate {
                Some(n) if n >= 0 => format!("about {n} rows in all (planner estimate)"),
                _ => "rows in all unknown (the table was never analysed)".into(),
            }
        ),
    ));
    lines.push((
        "drained",
        match s.eta_sec {
            _ if f.backlog == 0 => "nothing waiting".to_string(),
            _ if no_workers => "not while no worker is live".to_string(),
            Some(eta) => format!(
                "in about {} at {} tasks/min",
                fmt_secs(eta),
                rate(s.drain_rate_per_min)
            ),
            None => "never at the current rate (nothing finished in the last hour)".into(),
        },
    ));
    if let Some(since) = &q.since_last {
        lines.push((
            "since last",
            format!(
                "{:+} completed ({}/min), {:+} failed · backlog {:+} ({:+.1}/min) in {}",
                since.completed,
                rate(since.completed_per_min),
                since.failed,
                since.backlog_change,
                since.backlog_change_per_min,
                fmt_secs(since.seconds)
            ),
        ));
    }
    lines
}

/// ` on 2 hosts (+1 unregistered)`: registered workers' hosts, and how many
/// workers have no registry row.
pub(super) fn worker_hosts(hosts: &[HostWorkers]) -> String {
    let known = hosts.iter().filter(|h| h.host.is_some()).count();
    let unregistered: i64 = hosts
        .iter()
        .filter(|h| h.host.is_none())
        .map(|h| h.workers)
        .sum();
    let mut text = match known {
        0 => String::new(),
        1 => " on 1 host".into(),
        n => format!(" on {n} hosts"),
    };
    if unregistered > 0 {
        text.push_str(&format!(" ({unregistered} unregistered)"));
    }
    text
}

pub(super) fn rate(per_min: f64) -> String {
    if per_min == 0.0 {
        "0".into()
    } else if per_min < 0.1 {
        format!("{per_min:.3}")
    } else if per_min < 10.0 {
        format!("{per_min:.2}")
    } else {
        format!("{per_min:.0}")
    }
}

pub(super) fn percent(rate: Option<f64>) -> String {
    rate.map_or("-".into(), |r| format!("{:.1}%", r * 100.0))
}

pub(super) fn opt_secs(s: Option<f64>) -> String {
    s.map(fmt_secs).unwrap_or_else(|| "-".into())
}
