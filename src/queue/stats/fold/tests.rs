use super::*;

#[test]
fn success_rate_needs_finished_tasks() {
    assert_eq!(success_rate(0, 0), None);
    assert_eq!(success_rate(9, 1), Some(0.9));
}

#[test]
fn hosts_are_sorted_with_unknown_last() {
    let w = |id: &str, host: Option<&str>, running| LiveWorker {
        queue_name: "q".into(),
        worker_id: id.into(),
        hostname: host.map(str::to_string),
        registered: host.is_some(),
        registry_status: None,
        last_seen_at: None,
        running,
        concurrency: 1,
    };
    let hosts = by_host(&[
        w("a", None, 1),
        w("b", Some("h2"), 2),
        w("c", Some("h1"), 0),
        w("d", Some("h2"), 1),
    ]);
    let got: Vec<(Option<&str>, i64, i64)> = hosts
        .iter()
        .map(|h| (h.host.as_deref(), h.workers, h.running))
        .collect();
    assert_eq!(
        got,
        vec![(Some("h1"), 1, 0), (Some("h2"), 2, 3), (None, 1, 1)]
    );
}

fn at(now: DateTime<Utc>, secs_ago: i64) -> Option<DateTime<Utc>> {
    Some(now - chrono::Duration::seconds(secs_ago))
}

fn reads(now: DateTime<Utc>) -> Reads {
    let backlog =
        |task: &str, pending, retrying, ready, delayed, created, ready_since| BacklogRow {
            queue_name: "q".into(),
            task_name: task.into(),
            pending,
            retrying,
            ready,
            delayed,
            blocked_for_good: 0,
            oldest_created_at: created,
            oldest_ready_since: ready_since,
        };
    let finished = |task: &str, status: &str, bucket, n, last_secs_ago| FinishedRow {
        queue_name: "q".into(),
        task_name: task.into(),
        status: status.into(),
        bucket,
        n,
        last_at: at(now, last_secs_ago),
    };
    Reads {
        taken_at: now,
        backlog: vec![
            backlog("a", 4, 1, 2, 1, at(now, 600), at(now, 300)),
            backlog("b", 2, 0, 1, 0, at(now, 900), at(now, 120)),
        ],
        claimed: vec![CountRow {
            queue_name: "q".into(),
            task_name: "a".into(),
            n: 3,
        }],
        stuck: vec![CountRow {
            queue_name: "q".into(),
            task_name: "a".into(),
            n: 1,
        }],
        finished: vec![
            // 0: within 5 minutes, 1: within the hour, 2: within the day.
            finished("a", "completed", 0, 10, 30),
            finished("a", "completed", 1, 20, 1200),
            finished("a", "failed", 2, 5, 7200),
            finished("b", "completed", 2, 6, 40_000),
            finished("b", "cancelled", 0, 2, 10),
        ],
        timings: vec![TimingRow {
            queue_name: "q".into(),
            task_name: None,
            wait_p50: Some(1.5),
            wait_p95: Some(9.0),
            run_p50: None,
            run_p95: None,
            run_mean: Some(120.0),
        }],
        created: vec![
            CreatedRow {
                queue_name: "q".into(),
                task_name: "a".into(),
                bucket: 0,
                n: 4,
            },
            CreatedRow {
                queue_name: "q".into(),
                task_name: "a".into(),
                bucket: 1,
                n: 10,
            },
            CreatedRow {
                queue_name: "q".into(),
                task_name: "b".into(),
                bucket: 2,
                n: 48,
            },
        ],
        dead_workers: vec![DeadWorkersRow {
            queue_name: "q".into(),
            n: 2,
        }],
        dead: vec![DeadLetterRow {
            queue_name: "q".into(),
            status: "failed".into(),
            task_name: "b".into(),
            n: 7,
        }],
        workers: Vec::new(),
        controls: Vec::new(),
        estimates: vec![Some(1000), None],
    }
}

#[test]
fn a_queue_sums_its_task_names_and_windows_nest() {
    let now = Utc::now();
    let queues = ["q".to_string(), "empty".to_string()];
    let snap = fold(&queues, StuckRule::default(), reads(now));
    assert_eq!(snap.taken_at, now);
    let q = &snap.queues[0];
    let f = &q.figures;
    assert_eq!((f.pending, f.retrying, f.backlog), (6, 1, 7));
    assert_eq!((f.ready, f.delayed, f.blocked), (3, 1, 3));
    assert_eq!((f.claimed, f.stuck, f.failed, f.cancelled), (3, 1, 7, 0));
    // A completion within 5 minutes counts in the hour and the day too.
    assert_eq!(
        (f.completed_5m, f.completed_1h, f.completed_24h),
        (10, 30, 36)
    );
    assert_eq!((f.failed_5m, f.failed_1h, f.failed_24h), (0, 0, 5));
    assert_eq!((f.cancelled_5m, f.cancelled_1h, f.cancelled_24h), (2, 2, 2));
    assert_eq!(f.completed_per_min_5m, 2.0);
    assert_eq!(f.success_rate_1h, Some(1.0));
    assert_eq!(f.success_rate_24h, Some(36.0 / 41.0));
    assert_eq!(f.oldest_pending_at, at(now, 900));
    assert_eq!(f.oldest_pending_age_sec, Some(900.0));
    assert_eq!(f.oldest_ready_age_sec, Some(300.0));
    assert_eq!(f.last_completed_at, at(now, 30));
    assert_eq!((f.wait_p50_sec, f.run_p50_sec), (Some(1.5), None));
    // Ready tasks since 300 s ago, a completion 30 s ago.
    assert_eq!(q.no_completion_sec, Some(30.0));
    // 10 left the backlog within 5 minutes: 2 per minute, 7 to go.
    assert_eq!(q.drain_rate_per_min, 2.0);
    assert_eq!(q.eta_sec, Some(210.0));
    assert_eq!(q.total_estimate, Some(1000));
    assert!(!q.paused);
    // Inflow: 4 within 5 minutes, 14 within the hour, 62 within the day.
    assert_eq!((f.created_5m, f.created_1h, f.created_24h), (4, 14, 62));
    // The hour: 14 in, 32 out (30 completed, 2 cancelled): shrinking
    // by 18 an hour, the 7 waiting gone in 7 / (18 / 3600) s.
    assert_eq!(q.direction, Direction::Shrinking);
    assert_eq!(q.net_per_min_1h, -18.0 / 60.0);
    assert!((q.net_eta_sec.unwrap() - 1400.0).abs() < 1e-9);
    // The larger of the hour's 14 and the day's 62 / 24.
    assert_eq!(q.arrivals_per_hour, 14.0);
    assert_eq!(q.run_mean_sec, Some(120.0));
    assert_eq!(q.workers.dead, 2);

    let names: Vec<(&str, i64, i64)> = q
        .task_names
        .iter()
        .map(|t| {
            (
                t.task_name.as_str(),
                t.figures.backlog,
                t.figures.completed_24h,
            )
        })
        .collect();
    assert_eq!(names, vec![("a", 5, 30), ("b", 2, 6)]);
    assert_eq!(q.task_names[1].figures.failed, 7);
    // Timings by queue only: the task names have none.
    assert_eq!(q.task_names[0].figures.wait_p50_sec, None);
}

#[test]
fn a_queue_without_rows_is_idle_not_missing() {
    let now = Utc::now();
    let queues = ["q".to_string(), "empty".to_string()];
    let snap = fold(&queues, StuckRule::default(), reads(now));
    let e = &snap.queues[1];
    assert_eq!(e.queue, "empty");
    assert_eq!(e.figures.backlog, 0);
    assert_eq!(e.eta_sec, Some(0.0));
    assert_eq!(e.no_completion_sec, None);
    assert_eq!(e.figures.success_rate_1h, None);
    assert!(e.task_names.is_empty());
    assert_eq!(e.workers.live, 0);
}

#[test]
fn nothing_draining_means_no_eta() {
    let now = Utc::now();
    let mut r = reads(now);
    r.finished.clear();
    let snap = fold(&["q".to_string()], StuckRule::default(), r);
    let q = &snap.queues[0];
    assert_eq!(q.drain_rate_per_min, 0.0);
    assert_eq!(q.eta_sec, None);
    // Only arrivals: growing, never drained at that rate.
    assert_eq!(q.direction, Direction::Growing);
    assert_eq!(q.net_eta_sec, None);
    // No completion at all: ready tasks wait since the oldest became ready.
    assert_eq!(q.no_completion_sec, Some(300.0));
}
