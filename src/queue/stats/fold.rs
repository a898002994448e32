//! The fold of a stats snapshot: pure arithmetic from the rows the reads
//! return to the figures of each queue and each of its task names (a
//! queue's own figures are the sum of its task names'), with the derived
//! ones (rates, success rates, ages, the drain rate and its ETA).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::reads::{
    BacklogRow, CountRow, CreatedRow, DeadLetterRow, DeadWorkersRow, FinishedRow, TimingRow,
};
use super::{
    Direction, Figures, HostWorkers, LiveWorker, QueueSnapshot, Snapshot, StuckRule,
    TaskNameFigures, Workers,
};
use crate::queue::controls::QueueControl;

/// What the reads returned, all from one transaction.
pub(super) struct Reads {
    /// The database's clock at the snapshot.
    pub(super) taken_at: DateTime<Utc>,
    pub(super) backlog: Vec<BacklogRow>,
    pub(super) claimed: Vec<CountRow>,
    pub(super) stuck: Vec<CountRow>,
    pub(super) finished: Vec<FinishedRow>,
    pub(super) timings: Vec<TimingRow>,
    pub(super) created: Vec<CreatedRow>,
    pub(super) dead_workers: Vec<DeadWorkersRow>,
    pub(super) dead: Vec<DeadLetterRow>,
    pub(super) workers: Vec<LiveWorker>,
    pub(super) controls: Vec<QueueControl>,
    /// The planner's row estimate of each of `queues`, in their order.
    pub(super) estimates: Vec<Option<i64>>,
}

/// The snapshot of `queues` (in their order, queues without a row included).
pub(super) fn fold(queues: &[String], rule: StuckRule, reads: Reads) -> Snapshot {
    let taken_at = reads.taken_at;
    // Keyed by (queue, task name); None is the queue's own row, the sum of
    // its task names' rows.
    let mut figs: BTreeMap<(String, Option<String>), Raw> = BTreeMap::new();
    let mut both = |queue: &str, task: &str, add: &dyn Fn(&mut Raw)| {
        add(figs
            .entry((queue.to_string(), Some(task.to_string())))
            .or_default());
        add(figs.entry((queue.to_string(), None)).or_default());
    };
    for r in &reads.backlog {
        both(&r.queue_name, &r.task_name, &|e: &mut Raw| {
            e.pending += r.pending;
            e.retrying += r.retrying;
            e.ready += r.ready;
            e.delayed += r.delayed;
            e.blocked_for_good += r.blocked_for_good;
            e.oldest_created_at = earliest(e.oldest_created_at, r.oldest_created_at);
            e.oldest_ready_since = earliest(e.oldest_ready_since, r.oldest_ready_since);
        });
    }
    for r in &reads.claimed {
        both(&r.queue_name, &r.task_name, &|e: &mut Raw| e.claimed += r.n);
    }
    for r in &reads.stuck {
        both(&r.queue_name, &r.task_name, &|e: &mut Raw| e.stuck += r.n);
    }
    for r in &reads.finished {
        both(&r.queue_name, &r.task_name, &|e: &mut Raw| {
            let windows = match r.status.as_str() {
                "completed" => &mut e.completed,
                "failed" => &mut e.failed_in,
                _ => &mut e.cancelled_in,
            };
            // A task within 5 minutes is within the hour and the day too.
            for w in windows.iter_mut().skip(r.bucket.clamp(0, 2) as usize) {
                *w += r.n;
            }
            if r.status == "completed" {
                e.last_completed_at = e.last_completed_at.max(r.last_at);
            }
        });
    }
    for r in &reads.created {
        both(&r.queue_name, &r.task_name, &|e: &mut Raw| {
            for w in e.created.iter_mut().skip(r.bucket.clamp(0, 2) as usize) {
                *w += r.n;
            }
        });
    }
    for r in &reads.dead {
        both(&r.queue_name, &r.task_name, &|e: &mut Raw| {
            if r.status == "failed" {
                e.failed += r.n;
            } else {
                e.cancelled += r.n;
            }
        });
    }
    for r in reads.timings {
        let key = (r.queue_name.clone(), r.task_name.clone());
        figs.entry(key).or_default().timing = Some(r);
    }

    let mut out = Vec::with_capacity(queues.len());
    for (queue, total_estimate) in queues.iter().zip(reads.estimates) {
        let own = figs
            .get(&(queue.clone(), None))
            .cloned()
            .unwrap_or_default();
        let figures = own.figures(taken_at);
        let task_names = figs
            .range((queue.clone(), Some(String::new()))..)
            .take_while(|((q, _), _)| q == queue)
            .filter_map(|((_, name), raw)| {
                name.as_ref().map(|n| TaskNameFigures {
                    task_name: n.clone(),
                    figures: raw.figures(taken_at),
                    no_completion_sec: raw.no_completion_sec(taken_at),
                })
            })
            .collect();
        let control = reads.controls.iter().find(|c| &c.queue_name == queue);
        let paused = control.is_some_and(|c| c.paused);
        let no_completion_sec = own.no_completion_sec(taken_at);
        let drained_5m = own.completed[0] + own.failed_in[0];
        let drain_rate_per_min = if drained_5m > 0 {
            drained_5m as f64 / 5.0
        } else {
            (own.completed[1] + own.failed_in[1]) as f64 / 60.0
        };
        let eta_sec = if figures.backlog == 0 {
            Some(0.0)
        } else if drain_rate_per_min > 0.0 {
            Some(figures.backlog as f64 / drain_rate_per_min * 60.0)
        } else {
            None
        };
        let list: Vec<LiveWorker> = reads
            .workers
            .iter()
            .filter(|w| &w.queue_name == queue)
            .cloned()
            .collect();
        let flow = Flow::of(&own, figures.backlog);
        let dead_workers = reads
            .dead_workers
            .iter()
            .find(|d| &d.queue_name == queue)
            .map_or(0, |d| d.n);
        let free_slots = list
            .iter()
            .map(|w| (i64::from(w.concurrency) - w.running).max(0))
            .sum();
        let mean_concurrency = (!list.is_empty()).then(|| {
            list.iter().map(|w| f64::from(w.concurrency)).sum::<f64>() / list.len() as f64
        });
        let pause = control.filter(|c| c.paused);
        out.push(QueueSnapshot {
            queue: queue.clone(),
            paused,
            paused_at: pause.and_then(|c| c.paused_at),
            paused_by: pause.and_then(|c| c.paused_by.clone()),
            pause_reason: pause.and_then(|c| c.pause_reason.clone()),
            figures,
            no_completion_sec,
            drain_rate_per_min,
            eta_sec,
            net_per_min_1h: flow.net_per_min,
            direction: flow.direction,
            net_eta_sec: flow.eta_sec,
            arrivals_per_hour: flow.arrivals_per_hour,
            run_mean_sec: own.timing.as_ref().and_then(|t| t.run_mean),
            total_estimate,
            workers: Workers {
                live: list.len() as i64,
                free_slots,
                mean_concurrency,
                dead: dead_workers,
                hosts: by_host(&list),
                list,
            },
            task_names,
        });
    }
    Snapshot {
        taken_at,
        stuck_rule: rule,
        queues: out,
    }
}

/// The backlog's flow over the last hour: arrivals against departures.
struct Flow {
    net_per_min: f64,
    direction: Direction,
    eta_sec: Option<f64>,
    arrivals_per_hour: f64,
}

impl Flow {
    fn of(raw: &Raw, backlog: i64) -> Flow {
        let left = raw.completed[1] + raw.failed_in[1] + raw.cancelled_in[1];
        let net = raw.created[1] - left;
        let direction = match net.cmp(&0) {
            std::cmp::Ordering::Greater => Direction::Growing,
            std::cmp::Ordering::Less => Direction::Shrinking,
            std::cmp::Ordering::Equal => Direction::Steady,
        };
        let net_per_min = net as f64 / 60.0;
        let eta_sec = if backlog == 0 {
            Some(0.0)
        } else if net < 0 {
            Some(backlog as f64 / -net_per_min * 60.0)
        } else {
            None
        };
        Flow {
            net_per_min,
            direction,
            eta_sec,
            arrivals_per_hour: (raw.created[1] as f64).max(raw.created[2] as f64 / 24.0),
        }
    }
}

fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Raw figures of one (queue, task name), before the derived ones.
#[derive(Debug, Clone, Default)]
struct Raw {
    pending: i64,
    retrying: i64,
    ready: i64,
    delayed: i64,
    blocked_for_good: i64,
    claimed: i64,
    stuck: i64,
    failed: i64,
    cancelled: i64,
    oldest_created_at: Option<DateTime<Utc>>,
    oldest_ready_since: Option<DateTime<Utc>>,
    /// Finished within 5 minutes, the hour, the day.
    completed: [i64; 3],
    failed_in: [i64; 3],
    cancelled_in: [i64; 3],
    created: [i64; 3],
    last_completed_at: Option<DateTime<Utc>>,
    timing: Option<TimingRow>,
}

impl Raw {
    /// Time since the later of the last completion and the oldest ready
    /// task becoming claimable; None when no task is ready.
    fn no_completion_sec(&self, now: DateTime<Utc>) -> Option<f64> {
        self.oldest_ready_since.map(|ready_since| {
            let since = self
                .last_completed_at
                .map_or(ready_since, |done| done.max(ready_since));
            secs_between(since, now)
        })
    }

    fn figures(&self, now: DateTime<Utc>) -> Figures {
        let t = self.timing.as_ref();
        let backlog = self.pending + self.retrying;
        let [c5, c1, c24] = self.completed;
        let [f5, f1, f24] = self.failed_in;
        let [x5, x1, x24] = self.cancelled_in;
        Figures {
            pending: self.pending,
            retrying: self.retrying,
            claimed: self.claimed,
            stuck: self.stuck,
            failed: self.failed,
            cancelled: self.cancelled,
            backlog,
            ready: self.ready,
            delayed: self.delayed,
            blocked: backlog - self.ready - self.delayed,
            blocked_for_good: self.blocked_for_good,
            completed_5m: c5,
            completed_1h: c1,
            completed_24h: c24,
            failed_5m: f5,
            failed_1h: f1,
            failed_24h: f24,
            cancelled_5m: x5,
            cancelled_1h: x1,
            cancelled_24h: x24,
            completed_per_min_5m: c5 as f64 / 5.0,
            completed_per_min_1h: c1 as f64 / 60.0,
            completed_per_min_24h: c24 as f64 / 1440.0,
            created_5m: self.created[0],
            created_1h: self.created[1],
            created_24h: self.created[2],
            success_rate_1h: success_rate(c1, f1),
            success_rate_24h: success_rate(c24, f24),
            wait_p50_sec: t.and_then(|t| t.wait_p50),
            wait_p95_sec: t.and_then(|t| t.wait_p95),
            run_p50_sec: t.and_then(|t| t.run_p50),
            run_p95_sec: t.and_then(|t| t.run_p95),
            oldest_pending_at: self.oldest_created_at,
            oldest_pending_age_sec: self.oldest_created_at.map(|c| secs_between(c, now)),
            oldest_ready_age_sec: self.oldest_ready_since.map(|r| secs_between(r, now)),
            last_completed_at: self.last_completed_at,
        }
    }
}

fn success_rate(completed: i64, failed: i64) -> Option<f64> {
    let finished = completed + failed;
    (finished > 0).then(|| completed as f64 / finished as f64)
}

fn secs_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    ((to - from).num_milliseconds() as f64 / 1000.0).max(0.0)
}

/// Live workers grouped by host; unregistered workers (host unknown) last.
fn by_host(workers: &[LiveWorker]) -> Vec<HostWorkers> {
    let mut hosts: Vec<HostWorkers> = Vec::new();
    for w in workers {
        match hosts.iter_mut().find(|h| h.host == w.hostname) {
            Some(h) => {
                h.workers += 1;
                h.running += w.running;
            }
            None => hosts.push(HostWorkers {
                host: w.hostname.clone(),
                workers: 1,
                running: w.running,
            }),
        }
    }
    hosts.sort_by(|a, b| match (&a.host, &b.host) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    hosts
}

#[cfg(test)]
mod tests;
