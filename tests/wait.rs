//! `wait`: exits 0 once every condition given holds at once (backlog
//! below N, idle, nothing claimed), 6 on --timeout with the last figures,
//! and changes nothing (runbook 000's "let workers drain the queue, restart
//! when it is below 20").

mod common;

use std::time::Duration;

use common::*;

#[tokio::test]
async fn a_condition_already_met_exits_0_at_the_first_look() {
    let db = TestDb::migrated().await;
    db.seed_series(5, &task());
    let before = db.tasks_checksum();
    let out = db.cli(&["wait", "--backlog-below", "20", "--timeout", "10s"]);
    out.assert_success();
    assert!(
        out.stdout.contains("backlog 5 (5 ready), 0 claimed"),
        "{out}"
    );
    let out = db.cli(&["-o", "json", "wait", "--backlog-below", "20"]);
    out.assert_success();
    let report = out.json();
    assert_eq!(report["met"], true);
    assert_eq!(report["looks"], 1);
    assert_eq!(report["last"]["backlog"], 5);
    assert_eq!(db.tasks_checksum(), before, "wait changes nothing");
}

#[tokio::test]
async fn a_backlog_at_the_limit_times_out_with_exit_6_and_its_figures() {
    let db = TestDb::migrated().await;
    // 20 is not below 20; retrying tasks count as backlog too.
    db.seed_series(18, &task());
    db.seed_series(2, &task().status("pending").attempt(1).error("boom"));
    db.seed_one(task().status("completed").completed(NOW));
    let before = db.tasks_checksum();
    let out = db.cli(&[
        "wait",
        "--backlog-below",
        "20",
        "--timeout",
        "1s",
        "--interval",
        "200ms",
    ]);
    out.assert_code(6);
    assert!(out.stderr.contains("timed out"), "{out}");
    assert!(
        out.stderr.contains("backlog 20 (20 ready), 0 claimed"),
        "{out}"
    );
    assert_eq!(db.tasks_checksum(), before, "wait changes nothing");
}

#[tokio::test]
async fn wait_returns_when_workers_bring_the_backlog_below_n() {
    let db = TestDb::migrated().await;
    db.seed_series(25, &task());
    let mut waiting = Background::start(absurdctl_command(&[
        "--database-url",
        &db.url,
        "-o",
        "json",
        "wait",
        "--backlog-below",
        "20",
        "--interval",
        "200ms",
        "--timeout",
        "60s",
    ]));
    waiting.wait_for_event("a first look, not met", Duration::from_secs(20), |e| {
        e["event"] == "look" && e["backlog"] == 25 && e["met"] == false
    });
    // A worker takes six tasks and completes them.
    db.psql(
        "UPDATE absurd.tasks SET status = 'completed', completed_at = now()
          WHERE task_id IN (SELECT task_id FROM absurd.tasks ORDER BY created_at LIMIT 6)",
    );
    let out = waiting.wait(Duration::from_secs(30));
    out.assert_success();
    let report = out.json();
    assert_eq!(report["met"], true, "{out}");
    assert_eq!(report["last"]["backlog"], 19, "{out}");
    assert!(report["looks"].as_u64().unwrap() >= 2, "{out}");
}

#[tokio::test]
async fn idle_and_no_claimed_combine_with_and() {
    let db = TestDb::migrated().await;
    let running = db.seed_one(
        task()
            .status("claimed")
            .worker("w1")
            .claimed(NOW)
            .heartbeat(NOW),
    );
    // Delayed: not ready, so it does not keep the queue from being idle.
    db.seed_one(task().available(from_now(hours(1))));
    let short = ["--timeout", "500ms", "--interval", "100ms"];
    let run = |extra: &[&str]| {
        let mut args = vec!["wait"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&short);
        db.cli(&args)
    };
    run(&["--idle"]).assert_code(6);
    run(&["--no-claimed"]).assert_code(6);
    run(&["--backlog-below", "5"]).assert_success();
    run(&["--backlog-below", "5", "--no-claimed"]).assert_code(6);

    db.psql(&format!(
        "UPDATE absurd.tasks SET status = 'completed', completed_at = now() WHERE task_id = '{running}'"
    ));
    run(&["--idle"]).assert_success();
    run(&["--backlog-below", "5", "--no-claimed"]).assert_success();
    run(&["--backlog-below", "1"]).assert_code(6);

    // A ready task keeps the queue from being idle, though nothing runs.
    db.seed_one(task());
    run(&["--idle"]).assert_code(6);
    run(&["--no-claimed"]).assert_success();
}

#[test]
fn a_condition_is_required() {
    let out = absurdctl(&["wait", "--timeout", "1s"]);
    out.assert_code(2);
    assert!(out.stderr.contains("--backlog-below"), "{out}");
}

#[tokio::test]
async fn ctrl_c_stops_waiting_with_exit_130_and_the_last_figures() {
    let db = TestDb::migrated().await;
    db.seed_series(3, &task());
    let mut waiting = Background::start(absurdctl_command(&[
        "--database-url",
        &db.url,
        "-o",
        "json",
        "wait",
        "--idle",
        "--interval",
        "200ms",
    ]));
    waiting.wait_for_event("a first look", Duration::from_secs(20), |e| {
        e["event"] == "look" && e["ready"] == 3
    });
    waiting.signal(libc::SIGINT);
    let out = waiting.wait(Duration::from_secs(20));
    out.assert_code(130);
    let report = out.json();
    assert_eq!(report["interrupted"], true, "{out}");
    assert_eq!(report["met"], false, "{out}");
    assert_eq!(report["last"]["ready"], 3, "{out}");
}
