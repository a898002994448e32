//! Inflow and capacity in `status` (issue 19, item 3): created per window,
//! the backlog's direction and its ETA at the net rate, workers needed, and
//! the checks they feed (--min-workers, --rate-warn/--rate-crit), on a queue
//! of known rows whose figures are computed here by hand.

mod common;

use common::*;
use serde_json::Value;

const Q: &str = "cq";

/// 5 tasks created 10 minutes ago and one 2 hours ago, all ready; 4
/// created 30 minutes ago and completed 20 minutes ago after 600 s each;
/// 24 created 10 hours ago and completed 9 hours ago.
fn known_rows(db: &TestDb) {
    let t = || task().queue(Q).name("imaging");
    for _ in 0..5 {
        db.seed_one(t().created(ago(mins(10))).available(ago(mins(10))));
    }
    db.seed_one(t().created(ago(hours(2))).available(ago(hours(2))));
    for _ in 0..4 {
        db.seed_one(
            t().status("completed")
                .created(ago(mins(30)))
                .claimed(ago(mins(30)))
                .completed(ago(mins(20)))
                .execution_time_sec(600.0)
                .wait_time_sec(1.0),
        );
    }
    for _ in 0..24 {
        db.seed_one(
            t().status("completed")
                .created(ago(hours(10)))
                .claimed(ago(hours(10)))
                .completed(ago(hours(9)))
                .execution_time_sec(600.0)
                .wait_time_sec(1.0),
        );
    }
}

fn status(db: &TestDb, extra: &[&str]) -> (Value, Option<i32>) {
    let mut args = vec!["--queue", Q, "--output", "json", "status"];
    args.extend_from_slice(extra);
    let out = db.cli(&args);
    (out.json(), out.code)
}

/// The flags that quiet every other check of this queue.
const QUIET: [&str; 8] = [
    "--oldest-warn",
    "3h",
    "--oldest-crit",
    "4h",
    "--stall-warn",
    "3h",
    "--stall-crit",
    "4h",
];

#[tokio::test]
async fn inflow_direction_eta_and_workers_needed_match_the_rows() {
    let db = TestDb::migrated().await;
    known_rows(&db);
    let (r, _) = status(&db, &[]);
    let q = &r["queues"][0];
    // Created: none within 5 minutes, 5 + 4 within the hour, 5 + 1 + 4 +
    // 24 within the day.
    assert_eq!(
        (
            q["created_5m"].as_i64(),
            q["created_1h"].as_i64(),
            q["created_24h"].as_i64()
        ),
        (Some(0), Some(9), Some(34)),
        "{q:#}"
    );
    // The hour: 9 in, 4 out: growing by 5 an hour, never drained at that rate.
    assert_eq!(q["direction"], "growing");
    assert!((q["net_per_min_1h"].as_f64().unwrap() - 5.0 / 60.0).abs() < 1e-9);
    assert_eq!(q["net_eta_sec"], Value::Null);
    // Capacity: max(9, 34 / 24) = 9 arrivals an hour x 600 s / 3600 / 1 slot
    // = 1.5 busy workers, + 50 % = 2.25: 3 workers.
    let c = &q["capacity"];
    assert_eq!(c["arrivals_per_hour"], 9.0);
    assert_eq!(c["run_mean_sec"], 600.0);
    assert_eq!(c["workers_needed"], 3, "{c}");
    let (r, _) = status(&db, &["--headroom", "0"]);
    assert_eq!(r["queues"][0]["capacity"]["workers_needed"], 2);
    assert_eq!(r["queues"][0]["workers"]["free_slots"], 0);

    // The same figures for Prometheus and at a terminal.
    let prom = db.cli(&["--queue", Q, "--output", "prometheus", "status"]);
    for line in [
        "absurd_workers_needed{queue=\"cq\"} 3\n",
        "absurd_tasks_created{queue=\"cq\",window=\"1h\"} 9\n",
        "absurd_backlog_net_eta_seconds{queue=\"cq\"} +Inf\n",
    ] {
        assert!(prom.stdout.contains(line), "{line}: {}", prom.stdout);
    }
    let text = db.cli(&["--queue", Q, "status"]);
    assert!(
        text.stdout.contains("backlog growing") && text.stdout.contains("3 workers needed"),
        "{text}"
    );

    // Shrinking: 20 more completed within the hour, 24 out against 9 in:
    // 15 an hour, the 6 waiting gone in 6 / (15 / 3600) = 1440 s.
    for _ in 0..20 {
        db.seed_one(
            task()
                .queue(Q)
                .name("imaging")
                .status("completed")
                .created(ago(hours(3)))
                .claimed(ago(hours(3)))
                .completed(ago(mins(6)))
                .execution_time_sec(600.0),
        );
    }
    let (r, _) = status(&db, &[]);
    let q = &r["queues"][0];
    assert_eq!(q["direction"], "shrinking", "{q:#}");
    assert!(
        (q["net_eta_sec"].as_f64().unwrap() - 1440.0).abs() < 1e-6,
        "{q:#}"
    );
}

#[tokio::test]
async fn min_workers_and_the_completion_rate_change_the_exit_code() {
    let db = TestDb::migrated().await;
    known_rows(&db);
    let check = |extra: &[&str]| {
        let mut args: Vec<&str> = vec!["--check"];
        args.extend_from_slice(&QUIET);
        args.extend_from_slice(extra);
        let (r, code) = status(&db, &args);
        (
            code,
            status_level(&r, "min_workers"),
            status_level(&r, "completion_rate"),
        )
    };
    // No live worker while 6 tasks are ready: CRITICAL (the default
    // --min-workers 1); 4 completed in the hour, under the runbook's
    // 10/h, with a task ready for 2 hours: CRITICAL too.
    assert_eq!(check(&[]), (Some(2), "CRITICAL".into(), "CRITICAL".into()));
    assert_eq!(
        check(&["--min-workers", "0", "--rate-crit", "3"]),
        (Some(1), "OK".into(), "WARNING".into())
    );
    assert_eq!(
        check(&["--min-workers", "0", "--rate-warn", "4", "--rate-crit", "2"]),
        (Some(0), "OK".into(), "OK".into())
    );
    // A warning under its critical level is refused, nothing judged.
    let out = db.cli(&[
        "--queue",
        Q,
        "status",
        "--rate-warn",
        "5",
        "--rate-crit",
        "10",
    ]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("--rate-warn must not be below --rate-crit"),
        "{out}"
    );
}

#[tokio::test]
async fn a_worker_unseen_for_three_of_its_intervals_is_dead_not_live_slots() {
    let db = TestDb::migrated().await;
    known_rows(&db);
    // Two absurdctl workers of 4 slots with a 1 s heartbeat: one seen just
    // now, one 10 s ago (a SIGKILL); and one registered before intervals
    // were recorded, seen 10 s ago, which the heartbeat timeout still covers.
    db.psql(&format!(
        "INSERT INTO absurd.worker_registry
                (worker_id, queue_name, hostname, concurrency, heartbeat_interval_sec, last_seen_at)
         VALUES ('fresh', '{Q}', 'n1', 4, 1, now()),
                ('killed', '{Q}', 'n2', 4, 1, now() - interval '10 seconds'),
                ('old', '{Q}', 'n3', 2, NULL, now() - interval '10 seconds')"
    ));
    let (r, _) = status(&db, &[]);
    let w = &r["queues"][0]["workers"];
    let live: Vec<&str> = w["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["worker_id"].as_str().unwrap())
        .collect();
    assert_eq!(live, ["fresh", "old"], "{w:#}");
    assert_eq!(w["dead"], 1, "{w:#}");
    // 4 + 2 free slots; the mean concurrency (4 + 2) / 2 = 3: 9 arrivals an
    // hour x 600 s / 3600 / 3 = 0.5, + 50 %: 1 worker.
    assert_eq!(w["free_slots"], 6);
    assert_eq!(r["queues"][0]["capacity"]["workers_needed"], 1);
    let dead = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "dead_workers")
        .unwrap();
    assert_eq!(dead["level"], "WARNING", "{dead}");
}
