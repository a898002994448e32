//! `absurdctl bench` and the batched queue operations it measures: the
//! report has every figure, the bench queue is gone afterwards (also after
//! Ctrl-C), and no other queue's rows change.

mod common;

use std::time::{Duration, Instant};

use absurdctl::queue::{tasks, NewTask, TaskId, TaskStatus};
use common::*;

/// A task for `tasks::spawn_many`, the batched spawn that bench measures.
fn new_task(queue: &str, name: &str, priority: i32) -> NewTask {
    NewTask {
        queue_name: queue.into(),
        task_name: name.into(),
        params: serde_json::json!({ "name": name }),
        priority,
        timeout_sec: None,
        max_retries: 3,
        depends_on: Vec::new(),
        delay: None,
    }
}

fn bench_rows(db: &TestDb) -> String {
    db.psql("SELECT count(*) FROM absurd.tasks WHERE queue_name LIKE 'absurdctl-bench-%'")
}

#[tokio::test]
async fn bench_json_reports_every_figure_and_leaves_other_queues_alone() {
    let db = TestDb::migrated().await;
    // Other queues with pending, claimed and finished tasks: the bench's
    // workers must not claim them, and its cleanup must not delete them.
    db.load_fixture("legacy_rows.sql");
    db.cli(&["spawn", "--task-name", "imaging"])
        .assert_success();
    let before = db.tasks_checksum();

    // Other queues live here: without a terminal to ask on, bench needs --yes
    // and touches nothing.
    let refused = db.cli(&["bench", "--tasks", "10", "--samples", "2"]);
    refused.assert_code(5);
    assert!(refused.stderr.contains("--yes"), "{refused}");
    assert_eq!(bench_rows(&db).trim(), "0");
    assert_eq!(db.tasks_checksum(), before);

    let out = db.cli(&[
        "--yes",
        "bench",
        "--output",
        "json",
        "--tasks",
        "40",
        "--samples",
        "5",
        "--workers",
        "2",
        "--batch",
        "7",
        "--history",
        "100",
    ]);
    out.assert_success();
    let report = out.json();

    let queue = report["queue"].as_str().unwrap();
    assert!(queue.starts_with("absurdctl-bench-"), "{report}");
    assert!(report["server_version"].as_str().is_some(), "{report}");
    for key in ["client_cpus", "workers", "batch", "tasks", "samples"] {
        assert!(report[key].as_u64().is_some(), "{key}: {report}");
    }
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "{report}");
    for (run, history) in runs.iter().zip([0, 100]) {
        assert_eq!(run["history_rows"], history, "{run}");
        for key in [
            "history_insert_sec",
            "spawn_one_per_sec",
            "spawn_batched_per_sec",
            "drain_sec",
            "drain_per_sec",
        ] {
            let v = run[key].as_f64().unwrap_or_else(|| panic!("{key}: {run}"));
            assert!(v.is_finite() && v >= 0.0, "{key}: {run}");
        }
        assert!(run["spawn_one_per_sec"].as_f64().unwrap() > 0.0, "{run}");
        assert_eq!(run["drain_tasks"], 40, "{run}");
        for latency in ["claim_latency_ms", "pickup_latency_ms"] {
            let l = &run[latency];
            assert_eq!(l["samples"], 5, "{latency}: {run}");
            for key in ["mean", "p50", "p90", "p99", "max"] {
                let v = l[key]
                    .as_f64()
                    .unwrap_or_else(|| panic!("{latency}.{key}: {run}"));
                assert!(v > 0.0 && v.is_finite(), "{latency}.{key}: {run}");
            }
            assert!(l["p50"].as_f64() <= l["p99"].as_f64(), "{run}");
        }
        // The read-only commands, each timed as its own process.
        let reads = run["reads"]
            .as_array()
            .unwrap_or_else(|| panic!("reads: {run}"));
        let commands: Vec<&str> = reads
            .iter()
            .map(|r| r["command"].as_str().unwrap())
            .collect();
        for c in [
            "status",
            "trends --by day --since 30d",
            "errors --since 24h",
            "tasks list",
        ] {
            assert!(commands.contains(&c), "{c}: {commands:?}");
        }
        assert_eq!(
            commands
                .iter()
                .filter(|c| c.starts_with("tasks list"))
                .count(),
            7,
            "{commands:?}"
        );
        for r in reads {
            let [min, median, max, target] =
                ["min_ms", "median_ms", "max_ms", "target_ms"].map(|k| r[k].as_f64().unwrap());
            assert!(0.0 < min && min <= median && median <= max, "{r}");
            assert!(target >= 100.0, "{r}");
        }
    }
    let ratio = &report["history_ratio"];
    for key in [
        "claim_p50",
        "claim_p99",
        "drain_rate",
        "pickup_p50",
        "pickup_p99",
    ] {
        assert!(ratio[key].as_f64().is_some(), "{key}: {report}");
    }
    // Two runs of 5 single spawns, 40 batched ones and 5 pickups, and the history.
    assert_eq!(report["removed_rows"], 2 * (5 + 40 + 5) + 100, "{report}");

    assert_eq!(bench_rows(&db), "0");
    assert_eq!(db.tasks_checksum(), before, "another queue's rows changed");
    assert_eq!(db.psql("SELECT count(*) FROM absurd.queue_controls"), "0");
    assert_eq!(db.psql("SELECT count(*) FROM absurd.worker_registry"), "0");
    assert_eq!(
        db.psql(&format!(
            "SELECT affected FROM absurd.audit_log WHERE command = 'bench' AND queue_name = '{queue}'"
        )),
        "200"
    );
}

#[tokio::test]
async fn bench_table_names_each_measure() {
    let db = TestDb::migrated().await;
    let out = db.cli(&["bench", "--tasks", "10", "--samples", "2", "--workers", "1"]);
    out.assert_success();
    for line in [
        "spawn, one at a time",
        "spawn, batched",
        "drain",
        "claim latency p50",
        "claim latency p99",
        "pickup latency p50",
        "pickup latency p99",
        "status",
        "trends --by day --since 30d",
        "errors --since 24h",
        "... --task-name",
        "targets at 10 M: status 100 ms, trends 1000 ms, errors 200 ms, tasks list 100 ms",
        "removed",
    ] {
        assert!(out.stdout.contains(line), "{line}: {out}");
    }
    assert_eq!(bench_rows(&db), "0");
}

#[tokio::test]
async fn ctrl_c_removes_the_bench_queue() {
    let db = TestDb::migrated().await;
    db.cli(&["spawn", "--task-name", "imaging"])
        .assert_success();
    let before = db.tasks_checksum();
    // Sizes it would take many minutes to finish: Ctrl-C comes first.
    let child = absurdctl_command(&[
        "--database-url",
        &db.url,
        "--yes",
        "bench",
        "--samples",
        "1000000",
        "--tasks",
        "1000000",
    ])
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while bench_rows(&db) == "0" {
        assert!(Instant::now() < deadline, "the bench never spawned a task");
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("was removed"), "{stderr}");
    assert_eq!(bench_rows(&db), "0");
    assert_eq!(db.tasks_checksum(), before);
}

#[tokio::test]
async fn bad_sizes_are_refused_and_change_nothing() {
    let db = TestDb::migrated().await;
    for args in [
        ["bench", "--workers", "0"],
        ["bench", "--batch", "0"],
        ["bench", "--tasks", "0"],
    ] {
        db.cli(&args).assert_code(2);
    }
    db.cli(&["bench", "--output", "prometheus"]).assert_code(2);
    assert_eq!(db.psql("SELECT count(*) FROM absurd.tasks"), "0");
    assert_eq!(db.psql("SELECT count(*) FROM absurd.audit_log"), "0");
}

#[tokio::test]
async fn batched_claim_hands_out_tasks_by_priority_then_age() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let mut conn = pool.acquire().await.unwrap();
    let spawned = [("low", 0), ("high", 10), ("mid", 5), ("low-2", 0)];
    // One at a time, so that created_at orders them.
    for (name, priority) in spawned {
        db.seed_one(
            task()
                .queue("q")
                .name(name)
                .priority(priority)
                .params(serde_json::json!({ "name": name })),
        );
    }
    let claimed = tasks::claim(&mut *conn, "q", "w1", 3, None).await.unwrap();
    let names: Vec<&str> = claimed.iter().map(|t| t.task_name.as_str()).collect();
    assert_eq!(names, ["high", "mid", "low"]);
    assert!(claimed
        .iter()
        .all(|t| t.status == TaskStatus::Claimed && t.worker_id.as_deref() == Some("w1")));
    let rest = tasks::claim(&mut *conn, "q", "w2", 10, None).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].task_name, "low-2");
    assert!(tasks::claim(&mut *conn, "q", "w2", 10, None)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn batched_completion_is_fenced_by_worker() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let batch: Vec<NewTask> = (0..3).map(|i| new_task("q", &format!("t{i}"), 0)).collect();
    assert_eq!(tasks::spawn_many(&pool, &batch).await.unwrap(), 3);
    let claimed = tasks::claim(&pool, "q", "w1", 3, None).await.unwrap();
    assert_eq!(claimed.len(), 3);
    // The first one was reaped and claimed again by another worker meanwhile.
    let taken = claimed[0].task_id;
    db.psql(&format!(
        "UPDATE absurd.tasks SET worker_id = 'w2' WHERE task_id = '{taken}'"
    ));
    let done: Vec<(TaskId, Option<serde_json::Value>)> = claimed
        .iter()
        .map(|t| (t.task_id, Some(serde_json::json!({ "out": t.task_name }))))
        .collect();
    let mut completed = tasks::complete_many(&pool, &done, "w1").await.unwrap();
    completed.sort();
    let mut expected: Vec<TaskId> = claimed[1..].iter().map(|t| t.task_id).collect();
    expected.sort();
    assert_eq!(completed, expected);

    for t in &claimed[1..] {
        let row = tasks::get(&pool, t.task_id).await.unwrap();
        assert_eq!(row.status, TaskStatus::Completed);
        assert_eq!(row.result, Some(serde_json::json!({ "out": t.task_name })));
        assert!(row.completed_at.is_some() && row.execution_time_sec.is_some());
    }
    let kept = tasks::get(&pool, taken).await.unwrap();
    assert_eq!(kept.status, TaskStatus::Claimed);
    assert_eq!(kept.worker_id.as_deref(), Some("w2"));
    assert_eq!(kept.result, None);
    // Completing again changes nothing.
    assert!(tasks::complete_many(&pool, &done, "w1")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn batched_spawn_refuses_dependencies() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let mut first = new_task("q", "a", 0);
    let mut conn = pool.acquire().await.unwrap();
    let id = tasks::spawn(&mut conn, &first).await.unwrap();
    first.depends_on = vec![id];
    let err = tasks::spawn_many(&pool, &[new_task("q", "b", 0), first])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("dependencies"), "{err}");
    assert_eq!(db.psql("SELECT count(*) FROM absurd.tasks"), "1");
}
