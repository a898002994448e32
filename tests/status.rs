//! `status` and `errors`: every figure against a queue built with known
//! rows, the verdict of each threshold, the Nagios exit codes, Prometheus
//! text checked by a parser, `--watch`, and a SELECT-only role.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

const Q: &str = "dsa110-pipeline";

/// A queue with rows in every status, stale and fresh heartbeats, three task
/// names and known timings. Times are relative to now(), so ages hold to a
/// few seconds. What each figure must be is worked out in the tests.
fn fixture_tasks() -> Vec<TaskSeed> {
    // A task of `name` created `age` ago, ready since then.
    let t = |id: &str, name: &str, status: &str, attempt: i32, age: Duration| {
        factory::task()
            .id(format!("00000000-0000-0000-0000-0000000000{id}"))
            .name(name)
            .status(status)
            .attempt(attempt)
            .created(ago(age))
            .available(ago(age))
    };
    // Finished by a registered worker, with its wait and run times.
    let done = |id, name, status, attempt, times: [Duration; 3], wait: f64, run: f64| {
        let [created, claimed, completed] = times;
        t(id, name, status, attempt, created)
            .worker("w-reg-1")
            .claimed(ago(claimed))
            .completed(ago(completed))
            .wait_time_sec(wait)
            .execution_time_sec(run)
    };
    vec![
        // backlog: 3 ready (p1, p2, r1), 1 delayed (p3), 1 blocked by a claimed dependency (p4)
        t("a1", "imaging", "pending", 0, mins(20)),
        t("a2", "imaging", "pending", 0, mins(2)),
        t("a3", "calibration-solve", "pending", 0, mins(1)).available(from_now(hours(1))),
        t("a4", "validation", "pending", 0, mins(30))
            .depends_on(&["00000000-0000-0000-0000-0000000000c1"]),
        t("b1", "calibration-solve", "retrying", 1, mins(40))
            .error("CASA error at /stage/ms/2025-11-30T12:00:00.ms: code 12")
            .claimed(ago(mins(10)))
            .completed(ago(mins(3)))
            .available(ago(mins(1)))
            .wait_time_sec(600.0)
            .execution_time_sec(420.0),
        // claimed: c1 fresh (registered worker), c2 stale heartbeat (stuck), c3 past its timeout but
        // heartbeating (overran, not stuck), c4 claimed before heartbeats were recorded, recently (not stuck)
        t("c1", "imaging", "claimed", 1, mins(6))
            .worker("w-reg-1")
            .claimed(ago(mins(5)))
            .heartbeat(ago(secs(10))),
        t("c2", "imaging", "claimed", 1, hours(1))
            .worker("py-legacy-1")
            .claimed(ago(mins(50)))
            .heartbeat(ago(mins(20))),
        t("c3", "validation", "claimed", 1, mins(11))
            .worker("py-legacy-2")
            .claimed(ago(mins(10)))
            .heartbeat(ago(secs(30)))
            .timeout_sec(60),
        t("c4", "calibration-solve", "claimed", 1, mins(2))
            .worker("w-reg-1")
            .claimed(ago(mins(1))),
        // completed
        done(
            "d1",
            "imaging",
            "completed",
            1,
            [mins(10), mins(9), mins(2)],
            10.0,
            100.0,
        ),
        done(
            "d2",
            "imaging",
            "completed",
            1,
            [mins(10), mins(9), mins(2)],
            30.0,
            300.0,
        ),
        done(
            "d3",
            "imaging",
            "completed",
            1,
            [mins(50), mins(45), mins(30)],
            50.0,
            500.0,
        ),
        done(
            "d4",
            "calibration-solve",
            "completed",
            1,
            [hours(4), hours(4), hours(3)],
            1.0,
            1.0,
        ),
        done(
            "d5",
            "calibration-solve",
            "completed",
            1,
            [hours(4), hours(4), hours(3)],
            1.0,
            1.0,
        ),
        done(
            "d6",
            "calibration-solve",
            "completed",
            1,
            [hours(4), hours(4), hours(3)],
            1.0,
            1.0,
        ),
        done(
            "d7",
            "validation",
            "completed",
            1,
            [days(3), days(3), days(2)],
            1.0,
            1.0,
        ),
        // failed
        done(
            "e1",
            "imaging",
            "failed",
            3,
            [mins(30), mins(25), mins(10)],
            20.0,
            200.0,
        )
        .error("FileNotFoundError: /data/incoming/2025-11-30T12:00:00_sb03.uvh5"),
        done(
            "e2",
            "calibration-solve",
            "failed",
            3,
            [hours(6), hours(6), hours(5)],
            5.0,
            5.0,
        )
        .error("FileNotFoundError: /data/incoming/2025-11-30T13:00:00_sb07.uvh5"),
        done(
            "e3",
            "validation",
            "failed",
            3,
            [days(4), days(4), days(3)],
            5.0,
            3600.0,
        )
        .error("Timeout after 3600 s"),
        done(
            "e4",
            "validation",
            "failed",
            3,
            [days(4), days(4), days(3)],
            5.0,
            7200.0,
        )
        .error("Timeout after 7200 s"),
        // cancelled
        t("f1", "validation", "cancelled", 0, mins(5))
            .error("Cancelled by user")
            .completed(ago(mins(1))),
        t("f2", "imaging", "cancelled", 0, days(5))
            .error("Cancelled by user")
            .completed(ago(days(4))),
    ]
}

/// The workers of the fixture: two live, one silent for an hour, one stopped.
const WORKERS: &str = "
INSERT INTO absurd.worker_registry (worker_id, queue_name, hostname, status, last_seen_at) VALUES
 ('w-reg-1', 'dsa110-pipeline', 'node1', 'running', now() - interval '5 s'),
 ('w-reg-2', 'dsa110-pipeline', 'node2', 'running', now() - interval '1 min'),
 ('w-dead', 'dsa110-pipeline', 'node3', 'running', now() - interval '1 hour'),
 ('w-stopped', 'dsa110-pipeline', 'node1', 'stopped', now() - interval '1 min');
";

async fn fixture() -> TestDb {
    let db = TestDb::migrated().await;
    db.seed(fixture_tasks());
    db.psql(WORKERS);
    db
}

fn status_json(db: &TestDb, extra: &[&str]) -> (Value, i32) {
    let mut args = vec!["--output", "json", "status"];
    args.extend_from_slice(extra);
    let out = db.cli(&args);
    let code = out.code.expect("exit code");
    (out.json(), code)
}

fn queue<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queue"] == name)
        .unwrap_or_else(|| panic!("no queue {name} in {report:#}"))
}

fn task<'a>(q: &'a Value, name: &str) -> &'a Value {
    q["task_names"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task_name"] == name)
        .unwrap_or_else(|| panic!("no task name {name} in {q:#}"))
}

/// The level of one check of one queue (None: database-wide).
fn level(report: &Value, queue: Option<&str>, check: &str) -> String {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == check && c["queue"].as_str() == queue)
        .unwrap_or_else(|| panic!("no check {check} for {queue:?} in {report:#}"))["level"]
        .as_str()
        .unwrap()
        .to_string()
}

fn approx(v: &Value, want: f64, tolerance: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"));
    assert!(
        (got - want).abs() <= tolerance,
        "got {got}, want {want} ± {tolerance}"
    );
}

fn counts(v: &Value, fields: &[(&str, i64)]) {
    for (field, want) in fields {
        assert_eq!(v[field], *want, "{field} of {v:#}");
    }
}

#[tokio::test]
async fn status_json_reports_every_figure() {
    let db = fixture().await;
    let before = db.tasks_checksum();
    let (r, code) = status_json(&db, &[]);
    assert_eq!(
        code, 0,
        "status without --check exits 0 whatever the verdict"
    );
    assert_eq!(before, db.tasks_checksum(), "status changes nothing");
    assert_eq!(r["stuck_rule"]["heartbeat_timeout_sec"], 900.0);
    assert_eq!(r["stuck_rule"]["timeout_grace_sec"], 300.0);
    assert_eq!(r["thresholds"]["backlog_warn"], 20);
    let q = queue(&r, Q);
    counts(
        q,
        &[
            ("pending", 4),
            ("retrying", 1),
            ("backlog", 5),
            ("ready", 3),
            ("delayed", 1),
            ("blocked", 1),
            ("claimed", 4),
            ("stuck", 1),
            ("failed", 4),
            ("cancelled", 2),
            ("completed_5m", 2),
            ("completed_1h", 3),
            ("completed_24h", 6),
            ("failed_5m", 0),
            ("failed_1h", 1),
            ("failed_24h", 2),
            ("cancelled_5m", 1),
            ("cancelled_1h", 1),
            ("cancelled_24h", 1),
        ],
    );
    approx(&q["completed_per_min_5m"], 0.4, 1e-9);
    approx(&q["completed_per_min_1h"], 3.0 / 60.0, 1e-9);
    approx(&q["completed_per_min_24h"], 6.0 / 1440.0, 1e-9);
    approx(&q["success_rate_1h"], 0.75, 1e-9);
    approx(&q["success_rate_24h"], 0.75, 1e-9);
    // wait [10, 20, 30, 50] and run [100, 200, 300, 500], interpolated.
    approx(&q["wait_p50_sec"], 25.0, 1e-9);
    approx(&q["wait_p95_sec"], 47.0, 1e-9);
    approx(&q["run_p50_sec"], 250.0, 1e-9);
    approx(&q["run_p95_sec"], 470.0, 1e-9);
    approx(&q["oldest_pending_age_sec"], 40.0 * 60.0, 30.0);
    approx(&q["oldest_ready_age_sec"], 20.0 * 60.0, 30.0);
    approx(&q["no_completion_sec"], 120.0, 30.0);
    approx(&q["drain_rate_per_min"], 0.4, 1e-9);
    approx(&q["eta_sec"], 5.0 / 0.4 * 60.0, 1e-6);
    assert_eq!(q["paused"], false);
    // The table was never analysed: no planner figure shown as fact.
    assert!(q["total_estimate"].is_null(), "{q:#}");
    db.psql("ANALYZE absurd.tasks");
    let (analysed, _) = status_json(&db, &[]);
    assert!(
        queue(&analysed, Q)["total_estimate"].is_i64(),
        "{analysed:#}"
    );

    // Live: w-reg-1 (node1, holding c1 and c4), w-reg-2 (node2, idle), and
    // py-legacy-2 (no registry row, fresh heartbeat). Not w-dead (not seen
    // for an hour), w-stopped, or py-legacy-1 (heartbeat 20 min old).
    assert_eq!(q["workers"]["live"], 3);
    let hosts = q["workers"]["hosts"].as_array().unwrap();
    assert_eq!(
        hosts.clone(),
        vec![
            serde_json::json!({"host": "node1", "workers": 1, "running": 2}),
            serde_json::json!({"host": "node2", "workers": 1, "running": 0}),
            serde_json::json!({"host": null, "workers": 1, "running": 1}),
        ]
    );
    let ids: Vec<&str> = q["workers"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["worker_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["w-reg-1", "w-reg-2", "py-legacy-2"]);

    let names: Vec<&str> = q["task_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["calibration-solve", "imaging", "validation"]);
    let imaging = task(q, "imaging");
    counts(
        imaging,
        &[
            ("pending", 2),
            ("retrying", 0),
            ("ready", 2),
            ("claimed", 2),
            ("stuck", 1),
            ("completed_1h", 3),
            ("completed_24h", 3),
            ("failed_1h", 1),
            ("failed", 1),
            ("cancelled", 1),
            ("cancelled_24h", 0),
        ],
    );
    approx(&imaging["success_rate_1h"], 0.75, 1e-9);
    approx(&imaging["wait_p50_sec"], 25.0, 1e-9);
    approx(&imaging["oldest_ready_age_sec"], 20.0 * 60.0, 30.0);
    let cal = task(q, "calibration-solve");
    counts(
        cal,
        &[
            ("pending", 1),
            ("retrying", 1),
            ("ready", 1),
            ("delayed", 1),
            ("claimed", 1),
            ("stuck", 0),
            ("completed_1h", 0),
            ("completed_24h", 3),
            ("failed_24h", 1),
            ("failed", 1),
        ],
    );
    assert!(cal["success_rate_1h"].is_null());
    approx(&cal["success_rate_24h"], 0.75, 1e-9);
    assert!(
        cal["wait_p50_sec"].is_null(),
        "nothing finished in the hour"
    );
    let val = task(q, "validation");
    counts(
        val,
        &[
            ("pending", 1),
            ("blocked", 1),
            ("claimed", 1),
            ("stuck", 0),
            ("completed_24h", 0),
            ("failed_24h", 0),
            ("failed", 2),
            ("cancelled", 1),
            ("cancelled_5m", 1),
        ],
    );
    assert!(
        val["oldest_ready_age_sec"].is_null(),
        "blocked is not ready"
    );

    // Default thresholds: the oldest ready task (20 min > 10 min), the
    // stuck task (> 0) and the one that overran its timeout on a live
    // worker warn; nothing else does.
    assert_eq!(r["verdict"], "WARNING");
    assert_eq!(q["verdict"], "WARNING");
    assert_eq!(level(&r, Some(Q), "oldest_ready"), "WARNING");
    assert_eq!(level(&r, Some(Q), "stuck"), "WARNING");
    assert_eq!(level(&r, Some(Q), "overran_timeout"), "WARNING");
    assert_eq!(level(&r, Some(Q), "reaper_lock"), "OK");
    for ok in [
        "backlog",
        "failures_1h",
        "success_rate_1h",
        "no_completion",
        "paused",
    ] {
        assert_eq!(level(&r, Some(Q), ok), "OK", "{ok}");
    }
    assert_eq!(level(&r, None, "round_trip"), "OK");
}

/// `status --check --output json` with extra flags: the report and the exit code.
fn check(db: &TestDb, extra: &[&str]) -> (Value, i32) {
    let mut args = vec!["--check"];
    args.extend_from_slice(extra);
    status_json(db, &args)
}

#[tokio::test]
async fn each_threshold_sets_the_verdict_and_the_nagios_code() {
    let db = fixture().await;
    let quiet = [
        "--oldest-warn",
        "1h",
        "--oldest-crit",
        "2h",
        "--stuck-warn",
        "5",
        "--timeout-grace",
        "1h",
        "--dead-workers-warn",
        "0",
    ];
    let (r, code) = check(&db, &quiet);
    assert_eq!((r["verdict"].as_str(), code), (Some("OK"), 0), "{r:#}");

    // The quiet flags, each overridden by the case's own value.
    let with = |more: &[&str]| {
        let mut args: Vec<&str> = Vec::new();
        for pair in quiet.chunks(2) {
            if !more.contains(&pair[0]) {
                args.extend_from_slice(pair);
            }
        }
        args.extend_from_slice(more);
        check(&db, &args)
    };
    let cases: Vec<(Vec<&str>, &str, &str, i32)> = vec![
        (vec!["--backlog-warn", "4"], "backlog", "WARNING", 1),
        (
            vec!["--backlog-warn", "1", "--backlog-crit", "4"],
            "backlog",
            "CRITICAL",
            2,
        ),
        (vec!["--oldest-warn", "15m"], "oldest_ready", "WARNING", 1),
        (
            vec!["--oldest-warn", "5m", "--oldest-crit", "15m"],
            "oldest_ready",
            "CRITICAL",
            2,
        ),
        (vec!["--stuck-warn", "0"], "stuck", "WARNING", 1),
        (
            vec!["--stuck-warn", "0", "--stuck-crit", "0"],
            "stuck",
            "CRITICAL",
            2,
        ),
        (vec!["--failures-warn", "0"], "failures_1h", "WARNING", 1),
        (
            vec!["--failures-warn", "0", "--failures-crit", "0"],
            "failures_1h",
            "CRITICAL",
            2,
        ),
        (vec!["--stall-warn", "1m"], "no_completion", "WARNING", 1),
        (
            vec!["--stall-warn", "30s", "--stall-crit", "1m"],
            "no_completion",
            "CRITICAL",
            2,
        ),
    ];
    for (flags, check_name, want, want_code) in cases {
        let (r, code) = with(&flags);
        assert_eq!(
            level(&r, Some(Q), check_name),
            want,
            "{flags:?}: {:#}",
            r["checks"]
        );
        assert_eq!(
            (r["verdict"].as_str(), code),
            (Some(want), want_code),
            "{flags:?}"
        );
    }

    // Round trip: any query takes longer than zero.
    let (r, code) = with(&["--rtt-warn", "0s"]);
    assert_eq!(
        (level(&r, None, "round_trip").as_str(), code),
        ("WARNING", 1)
    );
    let (r, code) = with(&["--rtt-warn", "0s", "--rtt-crit", "0s"]);
    assert_eq!(
        (level(&r, None, "round_trip").as_str(), code),
        ("CRITICAL", 2)
    );

    // The one-line form: status word, the reasons, perfdata after `|`.
    let out = db.cli(&["status", "--check", "--stuck-warn", "5"]);
    out.assert_code(1);
    let line = out.stdout.trim_end();
    assert_eq!(line.lines().count(), 1, "{out}");
    assert!(
        line.starts_with("ABSURD WARNING - dsa110-pipeline: oldest ready task waiting"),
        "{line}"
    );
    assert!(
        line.contains(" | 'backlog'=5;20;500;0 'stuck'=1;5;10;0"),
        "{line}"
    );
    let out = db.cli(&[
        "status",
        "--check",
        "--stuck-warn",
        "5",
        "--oldest-warn",
        "1h",
        "--oldest-crit",
        "2h",
        "--timeout-grace",
        "1h",
        "--dead-workers-warn",
        "0",
    ]);
    out.assert_code(0);
    assert!(
        out.stdout.starts_with(
            "ABSURD OK - dsa110-pipeline: backlog 5, 4 claimed, 1 stuck, 3 live workers"
        ),
        "{out}"
    );
}

#[tokio::test]
async fn success_rate_is_judged_from_ten_finished_tasks() {
    let db = TestDb::migrated().await;
    db.seed((1..=10).map(|g| {
        let t = factory::task()
            .queue("mosaic")
            .name("create-mosaic")
            .completed(ago(mins(5)))
            .claimed(ago(mins(6)));
        if g <= 8 {
            t.status("completed")
        } else {
            t.status("failed").error("out of memory")
        }
    }));
    let (r, code) = check(&db, &["--queue", "mosaic"]);
    approx(&queue(&r, "mosaic")["success_rate_1h"], 0.8, 1e-9);
    assert_eq!(level(&r, Some("mosaic"), "success_rate_1h"), "WARNING");
    assert_eq!(code, 1);
    let (r, code) = check(&db, &["--queue", "mosaic", "--success-crit", "85"]);
    assert_eq!(level(&r, Some("mosaic"), "success_rate_1h"), "CRITICAL");
    assert_eq!(code, 2);
    let (r, code) = check(&db, &["--queue", "mosaic", "--success-warn", "80"]);
    assert_eq!(level(&r, Some("mosaic"), "success_rate_1h"), "OK");
    assert_eq!(code, 0);
    // One fewer finished task and it is not judged at all.
    db.psql("DELETE FROM absurd.tasks WHERE ctid IN (SELECT ctid FROM absurd.tasks WHERE status = 'completed' LIMIT 1)");
    let (r, code) = check(&db, &["--queue", "mosaic"]);
    assert_eq!(level(&r, Some("mosaic"), "success_rate_1h"), "OK");
    assert_eq!(code, 0);
}

#[tokio::test]
async fn a_paused_queue_is_shown_with_who_when_and_why() {
    let db = fixture().await;
    db.psql(
        "INSERT INTO absurd.queue_controls (queue_name, paused, paused_at, paused_by, pause_reason)
         VALUES ('dsa110-pipeline', true, now() - interval '1 hour', 'alice', 'nightly maintenance')",
    );
    let (r, code) = check(&db, &["--stuck-warn", "5"]);
    let q = queue(&r, Q);
    assert_eq!(q["paused"], true);
    assert_eq!(q["paused_by"], "alice");
    assert_eq!(q["pause_reason"], "nightly maintenance");
    assert!(q["paused_at"].is_string());
    assert_eq!(level(&r, Some(Q), "paused"), "WARNING");
    // Waiting is expected while paused: not judged.
    assert_eq!(level(&r, Some(Q), "oldest_ready"), "OK");
    assert_eq!(level(&r, Some(Q), "no_completion"), "OK");
    assert_eq!(code, 1);

    let out = db.cli(&["status"]);
    out.assert_success();
    // The overall verdict, a blank line, then the queue's verdict and its pause.
    let first: Vec<&str> = out.stdout.lines().skip(2).take(2).collect();
    assert!(out.stdout.starts_with("overall WARNING"), "{out}");
    assert!(first[0].starts_with("dsa110-pipeline  WARNING"), "{out}");
    assert!(
        first[1].starts_with("PAUSED by alice since ")
            && first[1].contains(": nightly maintenance"),
        "{out}"
    );

    // A queue resumed is not paused, whatever its old record says.
    db.psql("UPDATE absurd.queue_controls SET paused = false");
    let (r, _) = check(&db, &[]);
    assert_eq!(queue(&r, Q)["paused"], false);
    assert!(queue(&r, Q)["paused_by"].is_null());
}

#[tokio::test]
async fn all_queues_finds_queues_by_tasks_pauses_and_workers() {
    let db = fixture().await;
    db.seed_one(
        factory::task()
            .queue("mosaic")
            .name("create-mosaic")
            .status("completed")
            .completed(ago(days(40))),
    );
    db.psql(
        "INSERT INTO absurd.queue_controls (queue_name, paused) VALUES ('maintenance', true);
         INSERT INTO absurd.worker_registry (worker_id, queue_name, hostname) VALUES ('w9', 'dsa110-ingestion', 'node9');
         INSERT INTO absurd.worker_registry (worker_id, queue_name, hostname, status)
           VALUES ('w10', 'retired', 'node9', 'stopped');",
    );
    let (r, _) = status_json(&db, &["--all-queues"]);
    let names: Vec<&str> = r["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["queue"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "dsa110-ingestion",
            "dsa110-pipeline",
            "maintenance",
            "mosaic"
        ]
    );
    assert_eq!(queue(&r, "mosaic")["completed_24h"], 0);
    assert_eq!(queue(&r, "dsa110-ingestion")["workers"]["live"], 1);
    assert_eq!(queue(&r, "maintenance")["paused"], true);
    assert_eq!(queue(&r, Q)["backlog"], 5);
    let text = db.cli(&["status", "--all-queues"]);
    text.assert_success();
    for name in names {
        assert!(text.stdout.contains(name), "{text}");
    }
}

#[tokio::test]
async fn errors_groups_failures_by_cause() {
    let db = fixture().await;
    let before = db.tasks_checksum();
    let out = db.cli(&["--output", "json", "errors"]);
    out.assert_success();
    assert_eq!(before, db.tasks_checksum(), "errors changes nothing");
    let r = out.json();
    approx(&r["since_sec"], 86400.0, 0.0);
    assert_eq!(r["tasks"], 3, "{r:#}");
    assert_eq!(r["groups_total"], 2);
    let groups = r["groups"].as_array().unwrap();
    let g = &groups[0];
    assert_eq!(g["pattern"], "FileNotFoundError: <path>");
    counts(g, &[("count", 2), ("failed", 2), ("retrying", 0)]);
    assert_eq!(
        g["task_names"],
        serde_json::json!(["calibration-solve", "imaging"])
    );
    assert_eq!(g["queues"], serde_json::json!([Q]));
    assert_eq!(
        g["example_task_id"], "00000000-0000-0000-0000-0000000000e1",
        "the latest"
    );
    assert_eq!(
        g["example_error"],
        "FileNotFoundError: /data/incoming/2025-11-30T12:00:00_sb03.uvh5"
    );
    let db_now: chrono::DateTime<chrono::Utc> =
        db.psql("SELECT to_json(now())#>>'{}'").parse().unwrap();
    let age = |v: &Value| {
        let t: chrono::DateTime<chrono::Utc> = v.as_str().unwrap().parse().unwrap();
        (db_now - t).num_seconds() as f64
    };
    approx(&Value::from(age(&g["first_seen"])), 5.0 * 3600.0, 60.0);
    approx(&Value::from(age(&g["last_seen"])), 600.0, 60.0);
    let g = &groups[1];
    assert_eq!(
        g["pattern"], "CASA error at <path>: code 12",
        "a code is kept"
    );
    counts(g, &[("count", 1), ("failed", 0), ("retrying", 1)]);
    assert_eq!(g["example_task_id"], "00000000-0000-0000-0000-0000000000b1");

    // A longer window brings in the old timeouts, folded into one cause.
    let r = db.cli(&["-o", "json", "errors", "--since", "4d"]).json();
    assert_eq!(r["groups_total"], 3);
    let timeouts = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["pattern"] == "Timeout after <n> s")
        .expect("timeouts grouped");
    counts(timeouts, &[("count", 2), ("failed", 2)]);

    let r = db
        .cli(&["-o", "json", "errors", "--task-name", "imaging"])
        .json();
    assert_eq!(r["tasks"], 1);
    assert_eq!(r["groups"][0]["task_names"], serde_json::json!(["imaging"]));
    let r = db.cli(&["-o", "json", "errors", "--limit", "1"]).json();
    assert_eq!(
        (
            r["groups_total"].as_u64(),
            r["groups"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );

    let text = db.cli(&["errors"]);
    text.assert_success();
    assert!(text.stdout.contains("FileNotFoundError: <path>"), "{text}");
    assert!(text.stdout.contains("2 cause(s)"), "{text}");
    let none = db.cli(&["--queue", "mosaic", "errors"]);
    none.assert_success();
    assert!(
        none.stdout.contains("no failed or retrying tasks"),
        "{none}"
    );
    db.cli(&["errors", "--since", "soon"]).assert_code(2);
}

#[test]
fn check_is_unknown_when_the_database_cannot_be_reached() {
    let url = "postgres://u:pw@127.0.0.1:1/x";
    let out = absurdctl(&[
        "--database-url",
        url,
        "--connect-timeout",
        "2s",
        "status",
        "--check",
    ]);
    out.assert_code(3);
    assert!(
        out.stdout.starts_with("ABSURD UNKNOWN - cannot connect"),
        "{out}"
    );
    assert!(!out.stdout.contains("pw@"), "{out}");
    let out = absurdctl(&[
        "--database-url",
        url,
        "--connect-timeout",
        "2s",
        "-o",
        "json",
        "status",
        "--check",
    ]);
    out.assert_code(3);
    assert_eq!(out.json()["verdict"], "UNKNOWN");
    let out = absurdctl(&["--database-url", url, "--connect-timeout", "2s", "status"]);
    out.assert_code(3);
    // Prometheus output still says that the queue could not be read.
    let out = absurdctl(&[
        "--database-url",
        url,
        "--connect-timeout",
        "2s",
        "-o",
        "prometheus",
        "status",
    ]);
    out.assert_code(3);
    let parsed = openmetrics_parser::prometheus::parse_prometheus(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}\n{out}"));
    let up = &parsed.families["absurd_up"];
    assert_eq!(gauge(up.iter_samples().next().unwrap()), 0.0);
}

#[tokio::test]
async fn check_is_unknown_on_a_database_never_migrated() {
    let db = TestDb::empty().await;
    let out = db.cli(&["status", "--check"]);
    out.assert_code(3);
    assert!(out.stdout.starts_with("ABSURD UNKNOWN - "), "{out}");
    assert!(out.stdout.contains("absurdctl migrate"), "{out}");
    db.cli(&["status"]).assert_code(4);
}

#[tokio::test]
async fn bad_thresholds_are_refused() {
    let db = fixture().await;
    for args in [
        vec!["status", "--backlog-warn", "10", "--backlog-crit", "5"],
        vec!["status", "--success-warn", "70", "--success-crit", "80"],
        vec!["status", "--success-warn", "120"],
        vec!["status", "--backlog-warn", "-1"],
        vec!["status", "--oldest-warn", "soon"],
        vec!["status", "--watch", "0"],
        vec!["status", "--watch", "5", "--check"],
        vec!["-o", "prometheus", "status", "--watch", "5"],
        vec!["-o", "prometheus", "status", "--check"],
        vec!["-o", "prometheus", "errors"],
    ] {
        let out = db.cli(&args);
        out.assert_code(2);
        assert!(!out.stderr.is_empty(), "{args:?}: {out}");
    }
}

fn gauge(s: &openmetrics_parser::Sample<openmetrics_parser::PrometheusValue>) -> f64 {
    match &s.value {
        openmetrics_parser::PrometheusValue::Gauge(n) => n.as_f64(),
        other => panic!("not a gauge: {other:?}"),
    }
}

/// The value of the sample of `family` whose labels are exactly `labels`.
fn sample(
    exposition: &openmetrics_parser::MetricsExposition<
        openmetrics_parser::PrometheusType,
        openmetrics_parser::PrometheusValue,
    >,
    family: &str,
    labels: &[(&str, &str)],
) -> f64 {
    let fam = exposition
        .families
        .get(family)
        .unwrap_or_else(|| panic!("no family {family}"));
    let found: Vec<f64> = fam
        .iter_samples()
        .filter(|s| {
            let set = s.get_labelset().unwrap();
            set.iter().count() == labels.len()
                && labels
                    .iter()
                    .all(|(k, v)| set.get_label_value(k) == Some(*v))
        })
        .map(gauge)
        .collect();
    assert_eq!(found.len(), 1, "{family}{labels:?}: {found:?}");
    found[0]
}

#[tokio::test]
async fn prometheus_output_parses_as_the_text_format() {
    let db = fixture().await;
    // A label value that needs escaping.
    db.seed_one(factory::task().name(r#"odd "name" \ x"#));
    let out = db.cli(&["--output", "prometheus", "status", "--all-queues"]);
    out.assert_success();
    let text = &out.stdout;
    let parsed = openmetrics_parser::prometheus::parse_prometheus(text)
        .unwrap_or_else(|e| panic!("not the Prometheus text format: {e}\n{text}"));
    for fam in parsed.families.values() {
        assert_eq!(
            fam.family_type,
            openmetrics_parser::PrometheusType::Gauge,
            "{}",
            fam.family_name
        );
        assert!(!fam.help.is_empty(), "{} has HELP", fam.family_name);
    }
    let q = [("queue", Q)];
    assert_eq!(sample(&parsed, "absurd_up", &[]), 1.0);
    assert_eq!(sample(&parsed, "absurd_health", &q), 1.0);
    assert_eq!(sample(&parsed, "absurd_queue_paused", &q), 0.0);
    let t = |name: &'static str, status: &'static str| {
        [("queue", Q), ("task_name", name), ("status", status)]
    };
    assert_eq!(
        sample(&parsed, "absurd_tasks", &t("imaging", "pending")),
        2.0
    );
    assert_eq!(
        sample(&parsed, "absurd_tasks", &t("imaging", "claimed")),
        2.0
    );
    assert_eq!(
        sample(&parsed, "absurd_tasks", &t("calibration-solve", "retrying")),
        1.0
    );
    assert_eq!(
        sample(&parsed, "absurd_tasks", &t("validation", "failed")),
        2.0
    );
    assert_eq!(
        sample(
            &parsed,
            "absurd_tasks",
            &[
                ("queue", Q),
                ("task_name", r#"odd \"name\" \\ x"#),
                ("status", "pending")
            ]
        ),
        1.0,
        "label values are escaped"
    );
    assert_eq!(
        sample(
            &parsed,
            "absurd_tasks_finished",
            &[
                ("queue", Q),
                ("task_name", "imaging"),
                ("status", "completed"),
                ("window", "1h")
            ]
        ),
        3.0
    );
    assert_eq!(
        sample(
            &parsed,
            "absurd_tasks_stuck",
            &[("queue", Q), ("task_name", "validation")]
        ),
        0.0,
        "past its timeout, its worker alive: not stuck"
    );
    assert_eq!(
        sample(
            &parsed,
            "absurd_backlog_tasks",
            &[("queue", Q), ("state", "blocked")]
        ),
        1.0
    );
    assert_eq!(
        sample(
            &parsed,
            "absurd_live_workers",
            &[("queue", Q), ("host", "node1")]
        ),
        1.0
    );
    assert_eq!(
        sample(
            &parsed,
            "absurd_live_workers",
            &[("queue", Q), ("host", "unknown")]
        ),
        1.0
    );
    // Percentiles and ratios are floating point: compared within a rounding error.
    let wait = sample(
        &parsed,
        "absurd_wait_seconds",
        &[("queue", Q), ("quantile", "0.5")],
    );
    approx(&Value::from(wait), 25.0, 1e-9);
    let run = sample(
        &parsed,
        "absurd_task_run_seconds",
        &[("queue", Q), ("task_name", "imaging"), ("quantile", "0.95")],
    );
    approx(&Value::from(run), 470.0, 1e-9);
    let ratio = sample(
        &parsed,
        "absurd_success_ratio",
        &[("queue", Q), ("window", "1h")],
    );
    approx(&Value::from(ratio), 0.75, 1e-9);
    let eta = sample(&parsed, "absurd_backlog_eta_seconds", &q);
    assert!((eta - 6.0 / 0.4 * 60.0).abs() < 1e-6, "{eta}");
}

#[tokio::test]
async fn watch_without_a_terminal_prints_one_snapshot_per_interval() {
    let db = fixture().await;
    let mut child = absurdctl_command(&[
        "--database-url",
        &db.url,
        "--output",
        "json",
        "status",
        "--watch",
        "1",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert!(queue(&first, Q).get("since_last").is_none());
    db.psql(
        "UPDATE absurd.tasks SET status = 'completed', completed_at = now(), worker_id = 'w-reg-1'
          WHERE task_id = '00000000-0000-0000-0000-0000000000c1'",
    );
    // The completion shows in the first refresh that follows it, whenever
    // that is on a busy machine.
    let mut completions = 0;
    for _ in 0..30 {
        let next: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
        let q = queue(&next, Q);
        let since = &q["since_last"];
        assert!(since["seconds"].as_f64().unwrap() > 0.0, "{since:#}");
        assert_eq!(since["failed"], 0);
        completions += since["completed"].as_i64().unwrap();
        if q["claimed"] == 3 {
            assert_eq!(since["backlog_change"], 0, "{since:#}");
            break;
        }
    }
    assert_eq!(completions, 1);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Runs `absurdctl status --watch` on a pseudo-terminal (through util-linux
/// `script`), waits for the first frame, presses `q` and returns what the
/// terminal showed and the exit status.
fn watch_on_a_terminal(url: &str) -> (String, Option<i32>) {
    let bin = env!("CARGO_BIN_EXE_absurdctl");
    let cmd = format!("{bin} --database-url '{url}' status --watch 1");
    on_a_terminal(&cmd, &[b"q"])
}

/// Runs the shell command `cmd` on a pseudo-terminal, waits for the second
/// frame of `status --watch`, types `keys` (a short pause between them)
/// and returns what the terminal showed and the exit status.
fn on_a_terminal(cmd: &str, keys: &[&[u8]]) -> (String, Option<i32>) {
    let mut child = std::process::Command::new("script")
        .args(["-q", "-e", "-c", cmd, "/dev/null"])
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs the command on a pseudo-terminal");
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut stdin = child.stdin.take().unwrap();
    let mut pressed = false;
    let status = loop {
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(100)) {
            seen.extend(chunk);
        }
        if !pressed && String::from_utf8_lossy(&seen).matches("overall").count() >= 2 {
            for (i, key) in keys.iter().enumerate() {
                if i > 0 {
                    std::thread::sleep(Duration::from_millis(30));
                }
                stdin.write_all(key).unwrap();
                stdin.flush().unwrap();
            }
            pressed = true;
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!(
                "still running after 30 s:\n{}",
                String::from_utf8_lossy(&seen)
            );
        }
    };
    while let Ok(chunk) = rx.recv_timeout(Duration::from_millis(200)) {
        seen.extend(chunk);
    }
    (String::from_utf8_lossy(&seen).into_owned(), status)
}

#[tokio::test]
async fn watch_on_a_terminal_redraws_in_place_until_q() {
    let db = fixture().await;
    let (screen, code) = watch_on_a_terminal(&db.url);
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        screen.contains("\x1b[H"),
        "redrawn from the top: {screen:?}"
    );
    assert!(screen.contains("q or Ctrl-C to quit"), "{screen}");
    assert!(
        screen.contains("since last"),
        "rates between refreshes: {screen}"
    );
    assert!(screen.contains("\x1b[?25h"), "cursor shown again");
}

#[tokio::test]
async fn a_quick_double_ctrl_c_gives_the_terminal_back() {
    let db = fixture().await;
    let bin = env!("CARGO_BIN_EXE_absurdctl");
    // stty runs on the same terminal once absurdctl has returned: bash goes
    // on after a child that handled the SIGINT itself. When absurdctl has
    // already exited at the first Ctrl-C, the second lands on bash (or the
    // sleep) instead: the trap (reset to the default for absurdctl by exec)
    // keeps bash going, and the sleep lets that late key go by before stty.
    // `exec` replaces the shell `script` starts, which (dash) would otherwise
    // die of that late SIGINT after its child returned and exit 130.
    let cmd = format!(
        "exec bash -c \"trap 'echo late-ctrl-c' INT; {bin} --database-url '{}' status --watch 1; echo exit=\\$?; sleep 0.5; stty -a\"",
        db.url
    );
    let (screen, code) = on_a_terminal(&cmd, &[b"\x03", b"\x03"]);
    assert_eq!(code, Some(0), "{screen}");
    // \$? is bash's: the status of absurdctl, not of the outer shell.
    assert!(
        screen.contains("exit=130"),
        "Ctrl-C ends the watch with 130: {screen}"
    );
    let settings: Vec<&str> = screen
        .split_once("exit=130")
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    assert!(settings.contains(&"echo"), "echo is on again: {screen}");
    assert!(settings.contains(&"icanon"), "line mode again: {screen}");
    assert!(screen.contains("\x1b[?25h"), "cursor shown again");
}

#[tokio::test]
async fn status_and_errors_work_for_a_select_only_role() {
    let db = fixture().await;
    let role = TestRole::read_only(&db);
    // The role really cannot write.
    let denied = std::process::Command::new("psql")
        .args([
            role.url.as_str(),
            "-X",
            "-q",
            "-c",
            "UPDATE absurd.tasks SET priority = 1",
        ])
        .output()
        .unwrap();
    assert!(!denied.status.success());
    assert!(String::from_utf8_lossy(&denied.stderr).contains("permission denied"));

    for args in [
        vec!["-o", "json", "status"],
        vec!["status", "--all-queues"],
        vec!["-o", "prometheus", "status"],
        vec!["errors"],
        vec!["-o", "json", "errors", "--all-queues"],
    ] {
        let mut full = vec!["--database-url", role.url.as_str()];
        full.extend_from_slice(&args);
        absurdctl(&full).assert_success();
    }
    let mut full = vec!["--database-url", role.url.as_str(), "status", "--check"];
    full.extend_from_slice(&[
        "--stuck-warn",
        "5",
        "--oldest-warn",
        "1h",
        "--oldest-crit",
        "2h",
        "--timeout-grace",
        "1h",
        "--dead-workers-warn",
        "0",
    ]);
    absurdctl(&full).assert_code(0);
}

#[tokio::test]
async fn a_misspelled_queue_is_unknown_unless_allowed_empty() {
    let db = fixture().await;
    // A queue with no task, worker or pause record: a typo, most likely.
    let out = db.cli(&["--queue", "dsa110-pipline", "status", "--check"]);
    assert_eq!(out.code, Some(3), "{out}");
    assert!(out.stdout.starts_with("ABSURD UNKNOWN - "), "{out}");
    assert!(
        out.stdout
            .contains("queue dsa110-pipline has no tasks, workers or pause record"),
        "{out}"
    );
    assert!(
        out.stdout.contains("dsa110-pipeline"),
        "names the known queues: {out}"
    );
    let json = db.cli(&[
        "--queue",
        "dsa110-pipline",
        "-o",
        "json",
        "status",
        "--check",
    ]);
    assert_eq!(json.code, Some(3), "{json}");
    assert_eq!(json.json()["verdict"], "UNKNOWN");
    assert_eq!(
        level(&json.json(), Some("dsa110-pipline"), "queue"),
        "UNKNOWN"
    );
    // A new queue, on purpose: an empty queue is OK.
    let allowed = db.cli(&[
        "--queue",
        "dsa110-pipline",
        "status",
        "--check",
        "--allow-empty",
    ]);
    assert_eq!(allowed.code, Some(0), "{allowed}");
    assert!(allowed.stdout.starts_with("ABSURD OK - "), "{allowed}");
    // Once it has a task it is known.
    db.seed_one(common::task().queue("dsa110-pipline"));
    let known = db.cli(&[
        "--queue",
        "dsa110-pipline",
        "status",
        "--check",
        "--min-workers",
        "0",
    ]);
    assert!(!known.stdout.contains("is the name right"), "{known}");
}

/// A task's wait counts from when it could run: a retry from the end of its
/// backoff, a delayed task from its start, not from its creation; whoever
/// records it (the Python worker's two-argument complete_task and fail_task,
/// absurdctl's worker).
#[tokio::test]
async fn the_wait_counts_from_when_the_task_became_ready() {
    let db = TestDb::migrated().await;
    let claimed = |worker: &str| {
        common::factory::task()
            .status("claimed")
            .worker(worker)
            .created(ago(hours(1)))
            .available(ago(mins(10)))
            .claimed(ago(mins(4)))
            .heartbeat(NOW)
    };
    let done = db.seed_one(claimed("py-1"));
    let failed = db.seed_one(claimed("py-2").max_retries(3));
    let fresh = db.seed_one(
        common::factory::task()
            .status("claimed")
            .worker("py-3")
            .created(ago(mins(30)))
            .available(ago(mins(30)))
            .claimed(ago(mins(20)))
            .heartbeat(NOW),
    );
    db.psql(&format!(
        "SELECT absurd.complete_task('{done}', '{{}}'::jsonb);
         SELECT absurd.fail_task('{failed}', 'boom');
         SELECT absurd.complete_task('{fresh}', '{{}}'::jsonb);"
    ));
    let wait = |id: uuid::Uuid| -> f64 {
        db.psql(&format!(
            "SELECT round(wait_time_sec)::int FROM absurd.tasks WHERE task_id = '{id}'"
        ))
        .parse()
        .unwrap()
    };
    assert_eq!(wait(done), 360.0, "ready 10 min ago, claimed 4 min ago");
    assert_eq!(wait(failed), 360.0, "the same on failure");
    assert_eq!(wait(fresh), 600.0, "never delayed: from its creation");
}
