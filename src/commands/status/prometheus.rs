//! `status --output prometheus`: the report as Prometheus text, for
//! node_exporter's textfile collector.

use crate::output::{prometheus_text, PromFamily, PromSample};
use crate::queue::stats::QueueSnapshot;

use super::report::Report;

pub(super) fn up_family(value: f64) -> PromFamily<'static> {
    PromFamily {
        name: "absurd_up",
        help: "1 when absurdctl status could read the queue statistics, 0 when not.",
        kind: "gauge",
        samples: vec![PromSample::new(vec![], value)],
    }
}

/// The report as Prometheus text, for node_exporter's textfile collector.
pub(super) fn prometheus(r: &Report) -> String {
    let mut fams: Vec<PromFamily> = vec![
        up_family(1.0),
        PromFamily {
            name: "absurd_round_trip_seconds",
            help: "Time of a trivial query to the database.",
            kind: "gauge",
            samples: vec![PromSample::new(vec![], r.round_trip_ms / 1000.0)],
        },
    ];
    let mut fam = |name: &'static str, help: &'static str, samples: Vec<PromSample>| {
        fams.push(PromFamily {
            name,
            help,
            kind: "gauge",
            samples,
        })
    };
    if let Some(lag) = &r.replica {
        if let Some(secs) = lag.lag_sec {
            fam(
                "absurd_replica_lag_seconds",
                "Read from a hot standby: seconds since the primary committed the last transaction it replayed (grows while the primary is idle).",
                vec![PromSample::new(vec![], secs.max(0.0))],
            );
        }
        if let Some(bytes) = lag.replay_gap_bytes {
            fam(
                "absurd_replica_replay_gap_bytes",
                "Read from a hot standby: WAL it received and has not replayed yet.",
                vec![PromSample::new(vec![], bytes.max(0) as f64)],
            );
        }
    }
    let qs = || r.queues.iter().map(|q| &q.snapshot);
    let ql = |s: &QueueSnapshot| vec![("queue", s.queue.clone())];
    let tl = |s: &QueueSnapshot, name: &str| {
        vec![("queue", s.queue.clone()), ("task_name", name.to_string())]
    };

    fam(
        "absurd_health",
        "Verdict of the queue: 0 OK, 1 WARNING, 2 CRITICAL.",
        r.queues
            .iter()
            .map(|q| PromSample::new(ql(&q.snapshot), q.verdict.exit_code() as f64))
            .collect(),
    );
    fam(
        "absurd_queue_paused",
        "1 when claims from the queue are paused (absurdctl drain), else 0.",
        qs().map(|s| PromSample::new(ql(s), if s.paused { 1.0 } else { 0.0 }))
            .collect(),
    );
    fam(
        "absurd_queue_paused_seconds",
        "How long claims from the queue have been paused (0 when not paused).",
        qs().map(|s| {
            let since = s.paused_at.filter(|_| s.paused).map_or(0.0, |at| {
                ((r.generated_at - at).num_milliseconds() as f64 / 1000.0).max(0.0)
            });
            PromSample::new(ql(s), since)
        })
        .collect(),
    );
    let mut samples = Vec::new();
    for s in qs() {
        for tn in &s.task_names {
            let g = &tn.figures;
            for (status, n) in [
                ("pending", g.pending),
                ("retrying", g.retrying),
                ("claimed", g.claimed),
                ("failed", g.failed),
                ("cancelled", g.cancelled),
            ] {
                let mut labels = tl(s, &tn.task_name);
                labels.push(("status", status.to_string()));
                samples.push(PromSample::new(labels, n as f64));
            }
        }
    }
    fam(
        "absurd_tasks",
        "Tasks now in each status (failed and cancelled: all kept in the table).",
        samples,
    );
    let mut samples = Vec::new();
    for s in qs() {
        for tn in &s.task_names {
            let g = &tn.figures;
            for (status, window, n) in [
                ("completed", "5m", g.completed_5m),
                ("completed", "1h", g.completed_1h),
                ("completed", "24h", g.completed_24h),
                ("failed", "5m", g.failed_5m),
                ("failed", "1h", g.failed_1h),
                ("failed", "24h", g.failed_24h),
                ("cancelled", "5m", g.cancelled_5m),
                ("cancelled", "1h", g.cancelled_1h),
                ("cancelled", "24h", g.cancelled_24h),
            ] {
                let mut labels = tl(s, &tn.task_name);
                labels.push(("status", status.to_string()));
                labels.push(("window", window.to_string()));
                samples.push(PromSample::new(labels, n as f64));
            }
        }
    }
    fam(
        "absurd_tasks_finished",
        "Tasks that finished within the window, by final status.",
        samples,
    );
    fam(
        "absurd_tasks_stuck",
        "Claimed tasks with no heartbeat within the heartbeat timeout, or past their timeout plus grace.",
        qs().flat_map(|s| {
            s.task_names
                .iter()
                .map(|tn| PromSample::new(tl(s, &tn.task_name), tn.figures.stuck as f64))
        })
        .collect(),
    );
    fam(
        "absurd_backlog_tasks",
        "Pending and retrying tasks: ready to claim, delayed (backoff, delayed start) or blocked by dependencies.",
        qs().flat_map(|s| {
            [("ready", s.figures.ready), ("delayed", s.figures.delayed), ("blocked", s.figures.blocked)]
                .into_iter()
                .map(|(state, n)| {
                    let mut labels = ql(s);
                    labels.push(("state", state.to_string()));
                    PromSample::new(labels, n as f64)
                })
        })
        .collect(),
    );
    fam(
        "absurd_blocked_for_good_tasks",
        "Pending and retrying tasks waiting on a dependency that failed or was cancelled: they never run unless it is retried.",
        qs().map(|s| PromSample::new(ql(s), s.figures.blocked_for_good as f64))
            .collect(),
    );
    fam(
        "absurd_oldest_pending_age_seconds",
        "Age of the oldest pending or retrying task (0 when none).",
        qs().map(|s| PromSample::new(ql(s), s.figures.oldest_pending_age_sec.unwrap_or(0.0)))
            .collect(),
    );
    fam(
        "absurd_oldest_ready_age_seconds",
        "How long the oldest task ready to claim has waited (0 when none).",
        qs().map(|s| PromSample::new(ql(s), s.figures.oldest_ready_age_sec.unwrap_or(0.0)))
            .collect(),
    );
    fam(
        "absurd_no_completion_seconds",
        "Time without a completion while tasks are ready (0 when none is ready).",
        qs().map(|s| PromSample::new(ql(s), s.no_completion_sec.unwrap_or(0.0)))
            .collect(),
    );
    fam(
        "absurd_task_oldest_ready_age_seconds",
        "How long the oldest ready task of one name has waited (0 when none).",
        qs().flat_map(|s| {
            s.task_names.iter().map(|tn| {
                PromSample::new(
                    tl(s, &tn.task_name),
                    tn.figures.oldest_ready_age_sec.unwrap_or(0.0),
                )
            })
        })
        .collect(),
    );
    fam(
        "absurd_task_no_completion_seconds",
        "Time without a completion of one task name while tasks of it are ready (0 when none is ready).",
        qs().flat_map(|s| {
            s.task_names.iter().map(|tn| {
                PromSample::new(tl(s, &tn.task_name), tn.no_completion_sec.unwrap_or(0.0))
            })
        })
        .collect(),
    );
    fam(
        "absurd_completed_per_second",
        "Completions per second, averaged over the window.",
        qs().flat_map(|s| {
            [
                ("5m", s.figures.completed_per_min_5m / 60.0),
                ("1h", s.figures.completed_per_min_1h / 60.0),
                ("24h", s.figures.completed_per_min_24h / 60.0),
            ]
            .into_iter()
            .map(|(window, v)| {
                let mut labels = ql(s);
                labels.push(("window", window.to_string()));
                PromSample::new(labels, v)
            })
        })
        .collect(),
    );
    fam(
        "absurd_success_ratio",
        "completed / (completed + failed) over the window; absent when nothing finished.",
        qs().flat_map(|s| {
            [
                ("1h", s.figures.success_rate_1h),
                ("24h", s.figures.success_rate_24h),
            ]
            .into_iter()
            .filter_map(|(window, v)| {
                v.map(|v| {
                    let mut labels = ql(s);
                    labels.push(("window", window.to_string()));
                    PromSample::new(labels, v)
                })
            })
        })
        .collect(),
    );
    let quantiles = |s: &QueueSnapshot, name: Option<&str>, p50: Option<f64>, p95: Option<f64>| {
        [("0.5", p50), ("0.95", p95)]
            .into_iter()
            .filter_map(|(q, v)| {
                v.map(|v| {
                    let mut labels = match name {
                        Some(n) => tl(s, n),
                        None => ql(s),
                    };
                    labels.push(("quantile", q.to_string()));
                    PromSample::new(labels, v)
                })
            })
            .collect::<Vec<_>>()
    };
    fam(
        "absurd_wait_seconds",
        "Wait time (claim - creation) of the tasks finished in the last hour, by quantile.",
        qs().flat_map(|s| quantiles(s, None, s.figures.wait_p50_sec, s.figures.wait_p95_sec))
            .collect(),
    );
    fam(
        "absurd_run_seconds",
        "Run time of the tasks finished in the last hour, by quantile.",
        qs().flat_map(|s| quantiles(s, None, s.figures.run_p50_sec, s.figures.run_p95_sec))
            .collect(),
    );
    fam(
        "absurd_task_wait_seconds",
        "Wait time of the tasks of one name finished in the last hour, by quantile.",
        qs().flat_map(|s| {
            s.task_names.iter().flat_map(move |tn| {
                quantiles(
                    s,
                    Some(&tn.task_name),
                    tn.figures.wait_p50_sec,
                    tn.figures.wait_p95_sec,
                )
            })
        })
        .collect(),
    );
    fam(
        "absurd_task_run_seconds",
        "Run time of the tasks of one name finished in the last hour, by quantile.",
        qs().flat_map(|s| {
            s.task_names.iter().flat_map(move |tn| {
                quantiles(
                    s,
                    Some(&tn.task_name),
                    tn.figures.run_p50_sec,
                    tn.figures.run_p95_sec,
                )
            })
        })
        .collect(),
    );
    fam(
        "absurd_live_workers",
        "Workers seen within the heartbeat timeout, by host (unknown: legacy workers without a registry row).",
        qs().flat_map(|s| {
            s.workers.hosts.iter().map(|h| {
                let mut labels = ql(s);
                labels.push(("host", h.host.clone().unwrap_or_else(|| "unknown".into())));
                PromSample::new(labels, h.workers as f64)
            })
        })
        .collect(),
    );
    fam(
        "absurd_drain_per_second",
        "Tasks leaving the backlog per second (completed + failed, over 5 minutes or else the hour).",
        qs().map(|s| PromSample::new(ql(s), s.drain_rate_per_min / 60.0))
            .collect(),
    );
    fam(
        "absurd_backlog_eta_seconds",
        "Estimated time to drain the backlog at the current rate (+Inf when nothing drains).",
        qs().map(|s| PromSample::new(ql(s), s.eta_sec.unwrap_or(f64::INFINITY)))
            .collect(),
    );
    fam(
        "absurd_tasks_created",
        "Tasks created (the inflow) within the window.",
        qs().flat_map(|s| {
            [
                ("5m", s.figures.created_5m),
                ("1h", s.figures.created_1h),
                ("24h", s.figures.created_24h),
            ]
            .into_iter()
            .map(|(window, n)| {
                let mut labels = ql(s);
                labels.push(("window", window.to_string()));
                PromSample::new(labels, n as f64)
            })
        })
        .collect(),
    );
    fam(
        "absurd_backlog_net_per_second",
        "Tasks created minus tasks finished per second over the last hour (positive: the backlog grows).",
        qs().map(|s| PromSample::new(ql(s), s.net_per_min_1h / 60.0))
            .collect(),
    );
    fam(
        "absurd_backlog_net_eta_seconds",
        "Time to drain the backlog at the last hour's net rate (+Inf when it is not shrinking).",
        qs().map(|s| PromSample::new(ql(s), s.net_eta_sec.unwrap_or(f64::INFINITY)))
            .collect(),
    );
    fam(
        "absurd_workers_live",
        "Workers seen within the heartbeat timeout, all hosts together.",
        qs().map(|s| PromSample::new(ql(s), s.workers.live as f64))
            .collect(),
    );
    fam(
        "absurd_worker_free_slots",
        "Slots of the live workers not running a task.",
        qs().map(|s| PromSample::new(ql(s), s.workers.free_slots as f64))
            .collect(),
    );
    fam(
        "absurd_workers_dead",
        "Registered workers marked running but not seen for the heartbeat timeout.",
        qs().map(|s| PromSample::new(ql(s), s.workers.dead as f64))
            .collect(),
    );
    fam(
        "absurd_workers_needed",
        "Workers needed to keep up: arrivals per hour x mean run time / 3600 / concurrency, plus the headroom.",
        r.queues
            .iter()
            .filter_map(|q| {
                q.capacity
                    .workers_needed
                    .map(|n| PromSample::new(ql(&q.snapshot), n as f64))
            })
            .collect(),
    );
    fam(
        "absurd_tasks_estimated",
        "The planner's estimate of all rows of the queue, history included (as of the last ANALYZE).",
        qs().filter_map(|s| s.total_estimate.map(|n| PromSample::new(ql(s), n as f64)))
            .collect(),
    );
    prometheus_text(&fams)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::queue::tests::snapshot;
    use crate::commands::status::report::tests::report;

    #[test]
    fn families_with_help_type_and_labels() {
        let mut q = snapshot("q");
        q.figures.backlog = 600;
        q.figures.ready = 600;
        let text = prometheus(&report(vec![q]));
        assert!(
            text.contains("# TYPE absurd_up gauge\nabsurd_up 1\n"),
            "{text}"
        );
        assert!(text.contains("absurd_health{queue=\"q\"} 2\n"), "{text}");
        assert!(
            text.contains("absurd_backlog_tasks{queue=\"q\",state=\"ready\"} 600\n"),
            "{text}"
        );
        assert!(
            text.contains("absurd_live_workers{queue=\"q\",host=\"node-1\"} 1\n"),
            "{text}"
        );
        // No success ratio when nothing finished.
        assert!(!text.contains("absurd_success_ratio{"), "{text}");
    }

    #[test]
    fn rates_are_per_second_and_a_pause_has_its_age() {
        let mut q = snapshot("q");
        q.figures.completed_per_min_1h = 6.0;
        q.drain_rate_per_min = 3.0;
        q.paused = true;
        // Two hours before the report's 2026-01-02T03:04:05Z.
        q.paused_at = Some("2026-01-02T01:04:05Z".parse().unwrap());
        let text = prometheus(&report(vec![q]));
        assert!(
            text.contains("absurd_completed_per_second{queue=\"q\",window=\"1h\"} 0.1\n"),
            "{text}"
        );
        assert!(
            text.contains("absurd_drain_per_second{queue=\"q\"} 0.05\n"),
            "{text}"
        );
        assert!(
            text.contains("absurd_queue_paused_seconds{queue=\"q\"} 7200\n"),
            "{text}"
        );
        assert!(!text.contains("_per_minute"), "{text}");
    }

    #[test]
    fn down_is_one_family() {
        assert_eq!(up_family(0.0).samples.len(), 1);
        assert!(prometheus_text(&[up_family(0.0)]).contains("absurd_up 0\n"));
    }
}
