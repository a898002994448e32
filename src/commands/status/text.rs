//! The human view of `status`: a block per queue, then the reasons, then
//! task names and hosts.

use comfy_table::{Cell, Color, ContentArrangement, Table};

use crate::checks::queue::pause_text;
use crate::checks::{Finding, Level};
use crate::output::{fmt_ago, fmt_ms, fmt_secs, fmt_time, Output};
use crate::queue::stats::HostWorkers;

use super::report::Report;

/// The human view: a block per queue, then the reasons, then task names and hosts.
/// Running tasks whose progress is listed, the longest-running first.
const PROGRESS_SHOWN: usize = 5;

pub(super) fn render(out: &Output, r: &Report) -> String {
    let mut text = String::new();
    for q in &r.queues {
        let s = &q.snapshot;
        let f = &s.figures;
        text.push_str(&format!(
            "{}  {}  (at {})\n",
            out.paint_text(&s.queue, None),
            level(out, q.verdict),
            fmt_time(Some(r.generated_at))
        ));
        if s.paused {
            text.push_str(&format!(
                "{}\n",
                out.paint_text(
                    &format!("{}  (`absurdctl resume` to resume)", pause_text(s)),
                    Some(Color::Yellow)
                )
            ));
        }
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
                    "pending since {} ({}); ready task waiting {}",
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
                "{} claimed, {} stuck; {} live worker{}{}, {} free slot{}{}",
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
                    "{n} worker{} needed for {:.0} arrivals/h x {} mean run / {:.0} per worker + {:.0}% headroom",
                    if n == 1 { "" } else { "s" },
                    c.arrivals_per_hour,
                    opt_secs(c.run_mean_sec),
                    c.concurrency,
                    c.headroom_percent
                ),
                None => format!(
                    "{:.0} arrivals/h; workers needed unknown (nothing finished in the last hour)",
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
                "{} failed, {} cancelled (all time) · about {} rows in all (planner estimate)",
                f.failed,
                f.cancelled,
                s.total_estimate.map_or("?".into(), |n| n.to_string())
            ),
        ));
        lines.push((
            "drained",
            match s.eta_sec {
                _ if f.backlog == 0 => "nothing waiting".to_string(),
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
                    "{:+} completed ({}/min), {:+} failed, backlog {:+} ({:+.1}/min) in {}",
                    since.completed,
                    rate(since.completed_per_min),
                    since.failed,
                    since.backlog_change,
                    since.backlog_change_per_min,
                    fmt_secs(since.seconds)
                ),
            ));
        }
        for (k, v) in lines {
            text.push_str(&format!("  {k:<13}{v}\n"));
        }
        let bad: Vec<&Finding> = r
            .checks
            .iter()
            .filter(|c| c.level != Level::Ok && c.queue.as_deref() == Some(s.queue.as_str()))
            .collect();
        if !bad.is_empty() {
            text.push('\n');
            for c in bad {
                text.push_str(&format!("  {} {}\n", level(out, c.level), c.message));
            }
        }
        if !s.task_names.is_empty() {
            let mut table = out.table([
                "task name",
                "pending",
                "retrying",
                "claimed",
                "stuck",
                "done 1h",
                "done 24h",
                "failed 1h",
                "failed (all)",
                "success 1h",
                "wait p50/p95",
                "run p50/p95",
            ]);
            unsqueeze(&mut table);
            for tn in &s.task_names {
                let g = &tn.figures;
                table.add_row(vec![
                    Cell::new(&tn.task_name),
                    Cell::new(g.pending),
                    Cell::new(g.retrying),
                    Cell::new(g.claimed),
                    Cell::new(g.stuck),
                    Cell::new(g.completed_1h),
                    Cell::new(g.completed_24h),
                    Cell::new(g.failed_1h),
                    Cell::new(g.failed),
                    Cell::new(percent(g.success_rate_1h)),
                    Cell::new(format!(
                        "{} / {}",
                        opt_secs(g.wait_p50_sec),
                        opt_secs(g.wait_p95_sec)
                    )),
                    Cell::new(format!(
                        "{} / {}",
                        opt_secs(g.run_p50_sec),
                        opt_secs(g.run_p95_sec)
                    )),
                ]);
            }
            text.push_str(&format!("\n{table}\n"));
        }
        if !s.workers.hosts.is_empty() {
            let mut table = out.table(["host", "live workers", "running tasks"]);
            unsqueeze(&mut table);
            for h in &s.workers.hosts {
                table.add_row(vec![
                    Cell::new(
                        h.host
                            .as_deref()
                            .unwrap_or("(unregistered: legacy workers)"),
                    ),
                    Cell::new(h.workers),
                    Cell::new(h.running),
                ]);
            }
            text.push_str(&format!("\n{table}\n"));
        }
        let reporting: Vec<_> = q
            .running
            .iter()
            .filter(|r| r.attempt.progress.is_some())
            .take(PROGRESS_SHOWN)
            .collect();
        if !reporting.is_empty() {
            let mut table = out.table(["running task", "task name", "running for", "progress"]);
            unsqueeze(&mut table);
            for r in reporting {
                let a = &r.attempt;
                let mut progress = format!("{:.0}%", a.progress.unwrap_or(0.0) * 100.0);
                if let Some(eta) = a.eta_sec {
                    progress.push_str(&format!(", ~{} left", fmt_secs(eta)));
                }
                if let Some(m) = &a.progress_message {
                    progress.push_str(&format!(": {m}"));
                }
                table.add_row(vec![
                    Cell::new(r.task_id),
                    Cell::new(&r.task_name),
                    Cell::new(fmt_secs(a.duration_sec)),
                    Cell::new(progress),
                ]);
            }
            text.push_str(&format!("\n{table}\n"));
        }
        text.push('\n');
    }
    let global: Vec<&Finding> = r
        .checks
        .iter()
        .filter(|c| c.queue.is_none() && c.level != Level::Ok)
        .collect();
    for c in global {
        text.push_str(&format!("{} {}\n", level(out, c.level), c.message));
    }
    if r.queues.is_empty() {
        text.push_str("no queues: no tasks, pause records or running workers\n");
    }
    text.push_str(&format!(
        "overall {} · database round trip {} · read in {}\n",
        level(out, r.verdict),
        fmt_ms(r.round_trip_ms),
        fmt_ms(r.query_ms)
    ));
    text
}

/// ` on 2 hosts (+1 unregistered)`: registered workers' hosts, and how many
/// workers have no registry row.
fn worker_hosts(hosts: &[HostWorkers]) -> String {
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

/// A terminal that reports no width (a bare pseudo-terminal) would squeeze
/// the columns to one character: lay them out at their natural width instead.
fn unsqueeze(table: &mut Table) {
    if table.width().is_some_and(|w| w < 40) {
        table.set_content_arrangement(ContentArrangement::Disabled);
    }
}

fn rate(per_min: f64) -> String {
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

fn percent(rate: Option<f64>) -> String {
    rate.map_or("-".into(), |r| format!("{:.1}%", r * 100.0))
}

fn opt_secs(s: Option<f64>) -> String {
    s.map(fmt_secs).unwrap_or_else(|| "-".into())
}

/// A verdict in its colour.
fn level(out: &Output, level: Level) -> String {
    out.level_text(level.as_str(), level)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::queue::tests::snapshot;
    use crate::cli::OutputFormat;
    use crate::commands::status::report::tests::report;

    fn out(color: bool) -> Output {
        Output {
            format: OutputFormat::Table,
            color,
            quiet: false,
            verbose: 0,
            stdout_tty: false,
            stderr_tty: false,
        }
    }

    #[test]
    fn a_block_per_queue_and_the_overall_verdict() {
        let mut q = snapshot("q");
        q.figures.backlog = 25;
        q.figures.pending = 25;
        let text = render(&out(false), &report(vec![q]));
        assert!(text.starts_with("q  WARNING  (at "), "{text}");
        assert!(
            text.contains("  backlog      25 (25 pending, 0 retrying"),
            "{text}"
        );
        assert!(text.contains("  WARNING backlog 25 (> 20)\n"), "{text}");
        assert!(text.contains("live worker on 1 host"), "{text}");
        assert!(
            text.ends_with("overall WARNING · database round trip 0.42ms · read in 0.00ms\n"),
            "{text}"
        );
        assert!(!text.contains('\x1b'), "no colour when it is off");
    }

    #[test]
    fn verdicts_are_coloured_when_colour_is_on() {
        let text = render(&out(true), &report(vec![snapshot("q")]));
        assert!(text.contains("\x1b[1mq\x1b[0m"), "{text:?}");
        assert!(text.contains("\x1b[1;32mOK\x1b[0m"), "{text:?}");
    }

    #[test]
    fn no_queue() {
        let text = render(&out(false), &report(vec![]));
        assert!(text.contains("no queues: no tasks, pause records or running workers"));
    }

    #[test]
    fn unregistered_workers_are_counted_apart() {
        let hosts = |h: &[(Option<&str>, i64)]| {
            h.iter()
                .map(|(host, n)| HostWorkers {
                    host: host.map(str::to_string),
                    workers: *n,
                    running: 0,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(worker_hosts(&hosts(&[])), "");
        assert_eq!(
            worker_hosts(&hosts(&[(Some("a"), 2), (Some("b"), 1), (None, 3)])),
            " on 2 hosts (3 unregistered)"
        );
        assert_eq!(rate(0.05), "0.050");
        assert_eq!(percent(Some(0.5)), "50.0%");
    }
}
