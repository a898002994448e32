//! The checks of one queue, from its statistics snapshot: one function per
//! check, each giving one finding. `status` runs [`findings`] (and the
//! reaper checks) on every queue; `preflight` runs the ones an ingestion
//! needs on its queue.

use crate::output::{fmt_secs, pause_details};
use crate::queue::reap::StaleLock;
use crate::queue::stats::QueueSnapshot;

use super::thresholds::Thresholds;
use super::{above, below, Finding, Level};

/// Every threshold check of `status` for one queue, in the report's order.
pub fn findings(q: &QueueSnapshot, t: &Thresholds) -> Vec<Finding> {
    vec![
        paused(q),
        backlog(q, t.backlog_warn, t.backlog_crit),
        oldest_ready(q, t),
        stuck(q, t.stuck_warn, t.stuck_crit),
        blocked_for_good(q),
        failures_1h(q, t.failures_1h_warn, t.failures_1h_crit),
        success_rate_1h(q, t),
        no_completion(q, t),
        workers_for_ready(q, t.min_workers, &t.worker_unit),
        completion_rate(q, t),
        dead_workers(q, t.dead_workers_warn),
    ]
}

/// While tasks are ready (and the queue is not paused): no live worker is
/// CRITICAL, fewer than `min` WARNING. An idle queue needs none.
pub fn workers_for_ready(q: &QueueSnapshot, min: i64, unit: &str) -> Finding {
    let waiting = q.figures.ready > 0 && !q.paused && min > 0;
    let mut f = workers(q, min, unit).named("min_workers");
    if !waiting {
        f.level = Level::Ok;
        f.remedy = None;
    } else if f.level != Level::Ok {
        f.message = format!("{} while {} task(s) are ready", f.message, q.figures.ready);
    }
    f.limits(Some(min as f64), Some(1.0))
}

/// Completions in the last hour below `--rate-warn`/`--rate-crit` while
/// tasks have been ready for an hour or more (a newer backlog has not had
/// an hour to be judged on); not judged while paused.
pub fn completion_rate(q: &QueueSnapshot, t: &Thresholds) -> Finding {
    let done = q.figures.completed_1h;
    let judged = !q.paused
        && q.figures.ready > 0
        && q.figures.oldest_ready_age_sec.is_some_and(|a| a >= 3600.0);
    let level = if !judged {
        Level::Ok
    } else if t.completed_1h_crit > 0 && done < t.completed_1h_crit {
        Level::Critical
    } else if t.completed_1h_warn > 0 && done < t.completed_1h_warn {
        Level::Warning
    } else {
        Level::Ok
    };
    let message = if judged {
        format!(
            "{done} completed in the last hour while {} task(s) are ready (warn under {}/h, critical under {}/h)",
            q.figures.ready, t.completed_1h_warn, t.completed_1h_crit
        )
    } else {
        format!("{done} completed in the last hour")
    };
    Finding::new("completion_rate", level, message)
        .queue(&q.queue)
        .value(done as f64)
        .limits(Some(t.completed_1h_warn as f64), Some(t.completed_1h_crit as f64))
        .remedy("more workers, or see why they are slow: `absurdctl errors`, `absurdctl tasks list --status claimed`")
}

/// Registered workers marked running but unseen for three of their
/// heartbeat intervals (the heartbeat timeout when they recorded none):
/// WARNING from `warn` on (0: not judged).
pub fn dead_workers(q: &QueueSnapshot, warn: i64) -> Finding {
    let dead = q.workers.dead;
    let level = if warn > 0 && dead >= warn {
        Level::Warning
    } else {
        Level::Ok
    };
    Finding::new(
        "dead_workers",
        level,
        format!(
            "{dead} registered worker(s) marked running but not seen for three of their heartbeat intervals"
        ),
    )
    .queue(&q.queue)
    .value(dead as f64)
    .limits(Some(warn as f64), None)
    .remedy("`absurdctl reap-stuck` marks them dead and gives their tasks back")
}

/// `PAUSED by alice at ... : disk swap`.
pub fn pause_text(q: &QueueSnapshot) -> String {
    format!(
        "PAUSED{}",
        pause_details(
            q.paused_by.as_deref(),
            q.paused_at,
            q.pause_reason.as_deref()
        )
    )
}

/// A paused queue warns: workers hold back their claims.
pub fn paused(q: &QueueSnapshot) -> Finding {
    let (level, message) = if q.paused {
        (
            Level::Warning,
            format!(
                "{}; `absurdctl resume` lets workers claim again",
                pause_text(q)
            ),
        )
    } else {
        (Level::Ok, "not paused".to_string())
    };
    Finding::new("paused", level, message)
        .queue(&q.queue)
        .value(if q.paused { 1.0 } else { 0.0 })
}

/// Pending and retrying tasks.
pub fn backlog(q: &QueueSnapshot, warn: i64, crit: i64) -> Finding {
    let n = q.figures.backlog;
    let level = above(n, warn, crit);
    let message = match level {
        Level::Ok => format!("backlog {n}"),
        _ => format!("backlog {n} (> {})", level.limit(warn, crit)),
    };
    Finding::new("backlog", level, message)
        .queue(&q.queue)
        .value(n as f64)
        .limits(Some(warn as f64), Some(crit as f64))
}

/// How long the oldest task ready to claim has waited; not judged while
/// the queue is paused (waiting is then expected).
pub fn oldest_ready(q: &QueueSnapshot, t: &Thresholds) -> Finding {
    let (warn, crit) = (t.oldest_ready_warn_sec, t.oldest_ready_crit_sec);
    let age = q.figures.oldest_ready_age_sec;
    let (level, message) = if q.paused {
        (
            Level::Ok,
            "oldest ready task: not judged while paused".to_string(),
        )
    } else {
        let level = above(age.unwrap_or(0.0), warn, crit);
        let message = match age {
            None => "no task waiting to be claimed".into(),
            Some(age) if level == Level::Ok => {
                format!("oldest ready task waiting {}", fmt_secs(age))
            }
            Some(age) => format!(
                "oldest ready task waiting {} (> {})",
                fmt_secs(age),
                fmt_secs(level.limit(warn, crit))
            ),
        };
        (level, message)
    };
    Finding::new("oldest_ready", level, message)
        .queue(&q.queue)
        .value(age.unwrap_or(0.0))
        .limits(Some(warn), Some(crit))
}

/// Claimed tasks with no heartbeat, or past their timeout (the rule of the
/// snapshot, which is reap-stuck's).
pub fn stuck(q: &QueueSnapshot, warn: i64, crit: i64) -> Finding {
    let n = q.figures.stuck;
    let level = above(n, warn, crit);
    let message = if level == Level::Ok {
        format!("{n} stuck")
    } else {
        format!(
            "{n} stuck task{} (> {}): claimed with no heartbeat or past their timeout; \
             `absurdctl reap-stuck` gives them back",
            if n == 1 { "" } else { "s" },
            level.limit(warn, crit)
        )
    };
    Finding::new("stuck", level, message)
        .queue(&q.queue)
        .value(n as f64)
        .limits(Some(warn as f64), Some(crit as f64))
}

/// Waiting tasks that a failed or cancelled task keeps from running
/// (directly or through waiting tasks): they never run unless someone
/// retries it, so any is a WARNING (a workflow is stalled).
pub fn blocked_for_good(q: &QueueSnapshot) -> Finding {
    let n = q.figures.blocked_for_good;
    let level = if n > 0 { Level::Warning } else { Level::Ok };
    let message = if level == Level::Ok {
        "0 blocked for good".to_string()
    } else {
        format!(
            "{n} task{} blocked for good: a task {} depend on (directly or through waiting \
             tasks) failed or was cancelled, so {} never run unless it is retried; \
             `absurdctl tasks list --status pending` marks them, `absurdctl tasks show ID` \
             names the task",
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "they" },
            if n == 1 { "it" } else { "they" }
        )
    };
    Finding::new("blocked_for_good", level, message)
        .queue(&q.queue)
        .value(n as f64)
        .limits(Some(0.0), None)
}

/// Tasks failed in the last hour.
pub fn failures_1h(q: &QueueSnapshot, warn: i64, crit: i64) -> Finding {
    let n = q.figures.failed_1h;
    let level = above(n, warn, crit);
    let message = if level == Level::Ok {
        format!("{n} failed in the last hour")
    } else {
        format!(
            "{n} failed in the last hour (> {}); `absurdctl errors --since 1h` groups them by cause",
            level.limit(warn, crit)
        )
    };
    Finding::new("failures_1h", level, message)
        .queue(&q.queue)
        .value(n as f64)
        .limits(Some(warn as f64), Some(crit as f64))
}

/// The success rate of the last hour, judged from a few finished tasks on.
pub fn success_rate_1h(q: &QueueSnapshot, t: &Thresholds) -> Finding {
    let f = &q.figures;
    let (warn, crit) = (
        t.success_rate_1h_warn_percent,
        t.success_rate_1h_crit_percent,
    );
    let finished_1h = f.completed_1h + f.failed_1h;
    let (level, value, message) = match f.success_rate_1h {
        Some(rate) if finished_1h >= t.success_rate_min_samples => {
            let pct = rate * 100.0;
            let level = below(pct, warn, crit);
            let message = if level == Level::Ok {
                format!("success rate {pct:.1}% in the last hour")
            } else {
                format!(
                    "success rate {pct:.1}% in the last hour (< {}%)",
                    level.limit(warn, crit)
                )
            };
            (level, Some(pct), message)
        }
        rate => (
            Level::Ok,
            rate.map(|r| r * 100.0),
            format!(
                "success rate not judged: {finished_1h} finished in the last hour (fewer than {})",
                t.success_rate_min_samples
            ),
        ),
    };
    let mut finding = Finding::new("success_rate_1h", level, message)
        .queue(&q.queue)
        .limits(Some(warn), Some(crit));
    finding.value = value;
    finding
}

/// Time without a completion while tasks are ready; not judged while paused.
pub fn no_completion(q: &QueueSnapshot, t: &Thresholds) -> Finding {
    let (warn, crit) = (t.no_completion_warn_sec, t.no_completion_crit_sec);
    let (level, message) = match q.no_completion_sec {
        _ if q.paused => (Level::Ok, "progress: not judged while paused".to_string()),
        None => (Level::Ok, "progress: no task waiting".to_string()),
        Some(secs) => {
            let level = above(secs, warn, crit);
            let message = if level == Level::Ok {
                format!("progress: last completion {} ago", fmt_secs(secs))
            } else {
                format!(
                    "tasks are ready but nothing completed for {} (> {}); {} live worker{}",
                    fmt_secs(secs),
                    fmt_secs(level.limit(warn, crit)),
                    q.workers.live,
                    if q.workers.live == 1 { "" } else { "s" }
                )
            };
            (level, message)
        }
    };
    Finding::new("no_completion", level, message)
        .queue(&q.queue)
        .value(q.no_completion_sec.unwrap_or(0.0))
        .limits(Some(warn), Some(crit))
}

/// Tasks that overran their timeout on a live worker: a default reap
/// leaves them, so the operator is told.
pub fn overran_timeout(queue: &str, overran: i64) -> Finding {
    let (level, message) = if overran > 0 {
        (
            Level::Warning,
            format!(
                "{overran} task(s) overran their timeout while their worker still \
                 heartbeats (not reaped by default: `absurdctl reap-stuck --reap-overrun`)"
            ),
        )
    } else {
        (Level::Ok, "no task overran its timeout".to_string())
    };
    Finding::new("overran_timeout", level, message)
        .queue(queue)
        .value(overran as f64)
        .limits(Some(0.0), None)
}

/// The reaper's lock, not checked: a hot standby cannot see which session
/// of the primary holds it.
pub fn reaper_lock_unseen(queue: &str) -> Finding {
    Finding::new(
        "reaper_lock",
        Level::Skipped,
        "not checked on a hot standby: the sessions that hold the reaper's lock are the \
         primary's (check it there)",
    )
    .queue(queue)
}

/// The reaper's lock held by a hung session: nothing is reaped until it
/// ends. `held` is the level this gets: a warning for a monitor, a failure
/// before an ingestion.
pub fn reaper_lock(queue: &str, lock: Option<&StaleLock>, held: Level) -> Finding {
    let (level, message) = match lock {
        Some(l) => (
            held,
            format!(
                "the reaper's lock has been held for {} by pid {}{}: nothing is reaped \
                 until that session ends (pg_terminate_backend if it hangs)",
                fmt_secs(l.holder.held_sec.unwrap_or(0.0)),
                l.holder.pid,
                l.holder
                    .usename
                    .as_deref()
                    .map(|u| format!(" (role {u})"))
                    .unwrap_or_default()
            ),
        ),
        None => (
            Level::Ok,
            "the reaper's lock is free or briefly held".to_string(),
        ),
    };
    Finding::new("reaper_lock", level, message)
        .queue(queue)
        .value(lock.and_then(|l| l.holder.held_sec).unwrap_or(0.0))
}

/// A queue nobody knows (no task, worker or pause record ever): UNKNOWN,
/// since a misspelled `--queue` would otherwise look healthy and idle.
/// `None` for a known queue.
pub fn unknown_queue(queue: &str, known: &[String]) -> Option<Finding> {
    if known.iter().any(|k| k == queue) {
        return None;
    }
    Some(
        Finding::new(
            "queue",
            Level::Unknown,
            format!(
                "queue {queue} has no tasks, workers or pause record: is the name right? \
                 (known queues: {}; --allow-empty for a queue that is new)",
                known_list(known)
            ),
        )
        .remedy("check --queue / ABSURD_QUEUE_NAME; a new queue appears with its first task")
        .queue(queue),
    )
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        "none".to_string()
    } else {
        known.join(", ")
    }
}

/// Before an ingestion the queue must take claims: paused fails, a queue
/// nobody knows (a typo in --queue?) warns.
pub fn ready_to_ingest(q: &QueueSnapshot, known: &[String]) -> Finding {
    let queue = &q.queue;
    let finding = if q.paused {
        Finding::new(
            "queue",
            Level::Critical,
            format!(
                "queue {queue} is PAUSED (claims are held back){}",
                pause_details(
                    q.paused_by.as_deref(),
                    q.paused_at,
                    q.pause_reason.as_deref()
                )
            ),
        )
        .remedy(format!(
            "`absurdctl resume --queue {queue}` once the maintenance is over"
        ))
    } else if !known.contains(queue) {
        let others = known_list(known);
        Finding::new(
            "queue",
            Level::Warning,
            format!("queue {queue} has no tasks, workers or pause record (known queues: {others})"),
        )
        .remedy("check --queue / ABSURD_QUEUE_NAME; a new queue appears with its first task")
    } else {
        Finding::new(
            "queue",
            Level::Ok,
            format!(
                "queue {queue} is not paused; {} waiting, {} claimed",
                q.figures.backlog, q.figures.claimed
            ),
        )
    };
    finding.queue(queue)
}

/// Live workers: none fails, fewer than `min` warns; the remedy starts
/// instances of the systemd template `unit`.
pub fn workers(q: &QueueSnapshot, min: i64, unit: &str) -> Finding {
    let live = q.workers.live;
    let level = if live >= min {
        Level::Ok
    } else if live == 0 {
        Level::Critical
    } else {
        Level::Warning
    };
    let hosts: Vec<String> = q
        .workers
        .hosts
        .iter()
        .map(|h| {
            format!(
                "{} {}",
                h.host.as_deref().unwrap_or("unregistered"),
                h.workers
            )
        })
        .collect();
    Finding::new(
        "workers",
        level,
        format!(
            "{live} live worker{} (at least {min} wanted){}",
            if live == 1 { "" } else { "s" },
            if hosts.is_empty() {
                String::new()
            } else {
                format!(": {}", hosts.join(", "))
            }
        ),
    )
    .queue(&q.queue)
    .value(live as f64)
    .remedy(format!(
        "start workers: `systemctl start {unit}{{1..4}}` (or `absurdctl worker run`)"
    ))
}

#[cfg(test)]
pub(crate) mod tests;
