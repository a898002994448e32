use super::*;
use crate::checks::thresholds::tests::{flow, load, remedy, rtt};
use crate::queue::stats::{HostWorkers, Workers};

pub(crate) fn thresholds() -> Thresholds {
    Thresholds::new(&load(), &flow(), &rtt(), &remedy()).unwrap()
}

/// A quiet queue: nothing waiting, one live worker.
pub(crate) fn snapshot(queue: &str) -> QueueSnapshot {
    QueueSnapshot {
        queue: queue.to_string(),
        paused: false,
        paused_at: None,
        paused_by: None,
        pause_reason: None,
        figures: Default::default(),
        no_completion_sec: None,
        drain_rate_per_min: 0.0,
        eta_sec: Some(0.0),
        net_per_min_1h: 0.0,
        direction: crate::queue::stats::Direction::Steady,
        net_eta_sec: Some(0.0),
        arrivals_per_hour: 0.0,
        run_mean_sec: None,
        total_estimate: Some(0),
        workers: Workers {
            live: 1,
            free_slots: 1,
            mean_concurrency: Some(1.0),
            dead: 0,
            hosts: vec![HostWorkers {
                host: Some("node-1".into()),
                workers: 1,
                running: 0,
            }],
            list: vec![],
        },
        task_names: vec![],
    }
}

fn level(f: Finding) -> (String, Level) {
    (f.check, f.level)
}

#[test]
fn a_quiet_queue_is_ok() {
    let found = findings(&snapshot("q"), &thresholds());
    assert_eq!(found.len(), 11);
    assert!(found.iter().all(|f| f.level == Level::Ok), "{found:#?}");
    assert!(found.iter().all(|f| f.queue.as_deref() == Some("q")));
}

#[test]
fn any_task_blocked_for_good_warns_and_says_where_to_look() {
    let mut q = snapshot("q");
    q.figures.blocked_for_good = 2;
    let f = blocked_for_good(&q);
    assert_eq!(f.level, Level::Warning);
    assert!(
        f.message.contains("2 tasks blocked for good"),
        "{}",
        f.message
    );
    assert!(f.message.contains("tasks show"), "{}", f.message);
}

#[test]
fn no_live_worker_while_tasks_are_ready_is_critical() {
    let mut q = snapshot("q");
    q.workers.live = 0;
    q.workers.hosts.clear();
    // Nothing ready: no worker needed.
    assert_eq!(workers_for_ready(&q, 1, "absurd-worker@").level, Level::Ok);
    q.figures.ready = 3;
    let f = workers_for_ready(&q, 1, "absurd-worker@");
    assert_eq!(level(f.clone()), ("min_workers".into(), Level::Critical));
    assert!(
        f.message.contains("while 3 task(s) are ready"),
        "{}",
        f.message
    );
    q.workers.live = 1;
    assert_eq!(
        workers_for_ready(&q, 2, "absurd-worker@").level,
        Level::Warning
    );
    assert_eq!(
        workers_for_ready(&q, 0, "absurd-worker@").level,
        Level::Ok,
        "0: not judged"
    );
    q.paused = true;
    q.workers.live = 0;
    assert_eq!(
        workers_for_ready(&q, 1, "absurd-worker@").level,
        Level::Ok,
        "paused: not judged"
    );
}

#[test]
fn a_slow_hour_with_tasks_ready_for_an_hour_warns_then_is_critical() {
    let t = thresholds();
    let mut q = snapshot("q");
    q.figures.ready = 5;
    q.figures.completed_1h = 3;
    // Ready for 10 minutes: not an hour to judge by.
    q.figures.oldest_ready_age_sec = Some(600.0);
    assert_eq!(completion_rate(&q, &t).level, Level::Ok);
    q.figures.oldest_ready_age_sec = Some(3700.0);
    assert_eq!(completion_rate(&q, &t).level, Level::Critical);
    q.figures.completed_1h = 30;
    assert_eq!(completion_rate(&q, &t).level, Level::Warning);
    q.figures.completed_1h = 50;
    assert_eq!(completion_rate(&q, &t).level, Level::Ok);
}

#[test]
fn dead_registered_workers_warn() {
    let mut q = snapshot("q");
    assert_eq!(dead_workers(&q, 1).level, Level::Ok);
    q.workers.dead = 2;
    assert_eq!(dead_workers(&q, 1).level, Level::Warning);
    assert_eq!(dead_workers(&q, 3).level, Level::Ok);
    assert_eq!(dead_workers(&q, 0).level, Level::Ok);
}

#[test]
fn backlog_warns_then_is_critical() {
    let mut q = snapshot("q");
    q.figures.backlog = 25;
    let f = backlog(&q, 20, 500);
    assert_eq!(
        (f.level, f.message.as_str()),
        (Level::Warning, "backlog 25 (> 20)")
    );
    q.figures.backlog = 501;
    assert_eq!(backlog(&q, 20, 500).message, "backlog 501 (> 500)");
    assert_eq!(backlog(&q, 20, 500).level, Level::Critical);
}

#[test]
fn a_paused_queue_warns_and_waiting_is_not_judged() {
    let mut q = snapshot("q");
    q.paused = true;
    q.paused_by = Some("alice".into());
    q.figures.oldest_ready_age_sec = Some(7200.0);
    q.no_completion_sec = Some(7200.0);
    let t = thresholds();
    assert_eq!(paused(&q).level, Level::Warning);
    assert!(paused(&q).message.contains("alice"));
    assert_eq!(oldest_ready(&q, &t).level, Level::Ok);
    assert_eq!(no_completion(&q, &t).level, Level::Ok);
    // Before an ingestion a pause is a failure.
    assert_eq!(ready_to_ingest(&q, &["q".into()]).level, Level::Critical);
    q.paused = false;
    assert_eq!(oldest_ready(&q, &t).level, Level::Critical);
    assert_eq!(no_completion(&q, &t).level, Level::Critical);
}

#[test]
fn success_rate_needs_enough_samples() {
    let t = thresholds();
    let mut q = snapshot("q");
    q.figures.completed_1h = 1;
    q.figures.failed_1h = 1;
    q.figures.success_rate_1h = Some(0.5);
    let few = success_rate_1h(&q, &t);
    assert_eq!((few.level, few.value), (Level::Ok, Some(50.0)));
    assert!(few.message.contains("not judged"));
    q.figures.completed_1h = t.success_rate_min_samples;
    q.figures.failed_1h = t.success_rate_min_samples;
    assert_eq!(success_rate_1h(&q, &t).level, Level::Critical);
}

#[test]
fn stuck_and_failures_name_their_remedy() {
    let mut q = snapshot("q");
    q.figures.stuck = 1;
    q.figures.failed_1h = 6;
    assert!(stuck(&q, 0, 5).message.contains("reap-stuck"));
    assert!(failures_1h(&q, 5, 50).message.contains("errors --since 1h"));
    assert_eq!(
        [level(stuck(&q, 0, 5)), level(failures_1h(&q, 5, 50))],
        [
            ("stuck".to_string(), Level::Warning),
            ("failures_1h".to_string(), Level::Warning)
        ]
    );
}

#[test]
fn workers_below_the_minimum() {
    let mut q = snapshot("q");
    let unit = "contimg-absurd-worker@";
    assert_eq!(workers(&q, 1, unit).level, Level::Ok);
    assert!(workers(&q, 1, unit).remedy.is_none());
    assert_eq!(workers(&q, 2, unit).level, Level::Warning);
    q.workers.live = 0;
    let none = workers(&q, 1, unit);
    assert_eq!(none.level, Level::Critical);
    // The remedy names the unit the setting gives.
    assert_eq!(
        none.remedy.as_deref(),
        Some("start workers: `systemctl start contimg-absurd-worker@{1..4}` (or `absurdctl worker run`)")
    );
    assert_eq!(workers(&q, 0, unit).level, Level::Ok);
}

#[test]
fn an_unknown_queue_warns_with_the_known_ones() {
    let f = ready_to_ingest(&snapshot("typo"), &["dsa110-pipeline".into()]);
    assert_eq!(f.level, Level::Warning);
    assert!(f.message.contains("known queues: dsa110-pipeline"));
    assert_eq!(overran_timeout("q", 2).level, Level::Warning);
    assert_eq!(reaper_lock("q", None, Level::Critical).level, Level::Ok);
}
