//! drain and resume: a paused queue hands out nothing, to absurdctl or to
//! the legacy claim_task, while spawning goes on; drain waits for the
//! running tasks and gives up on --timeout; resume wakes the workers.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use absurdctl::queue::{tasks, TaskStatus};
use common::*;
use serde_json::json;
use sqlx::PgPool;

const Q: &str = "dsa110-pipeline";

async fn legacy_claims(pool: &PgPool, queue: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM absurd.claim_task($1, $2)")
        .bind(queue)
        .bind("py-worker")
        .fetch_one(pool)
        .await
        .unwrap()
}

fn audit_commands(db: &TestDb) -> String {
    db.psql(
        "SELECT coalesce(string_agg(command || ':' || queue_name, ' ' ORDER BY audit_id), '')
           FROM absurd.audit_log",
    )
}

#[tokio::test]
async fn a_drained_queue_hands_out_nothing_spawning_goes_on_and_resume_undoes_it() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    for _ in 0..4 {
        db.cli(&["spawn", "--task-name", "imaging"])
            .assert_success();
    }
    db.cli(&["--queue", "mosaic", "spawn", "--task-name", "create-mosaic"])
        .assert_success();

    let out = db.cli(&[
        "drain",
        "--no-wait",
        "--yes",
        "--reason",
        "PostgreSQL upgrade",
    ]);
    out.assert_success();
    assert!(
        out.stdout.contains("paused claims on dsa110-pipeline"),
        "{out}"
    );
    assert_eq!(
        db.psql("SELECT paused, pause_reason, paused_by LIKE current_user || ' (%@%)', paused_at IS NOT NULL FROM absurd.queue_controls WHERE queue_name = 'dsa110-pipeline'"),
        "t|PostgreSQL upgrade|t|t"
    );

    assert!(tasks::claim(&pool, Q, "w1", 10, None)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(legacy_claims(&pool, Q).await, 0);
    // Spawning goes on, through absurdctl and through the legacy function.
    db.cli(&["spawn", "--task-name", "imaging"])
        .assert_success();
    db.psql("SELECT absurd.spawn_task('dsa110-pipeline', 'imaging', '{}'::jsonb)");
    assert_eq!(
        db.psql("SELECT count(*) FROM absurd.tasks WHERE queue_name = 'dsa110-pipeline' AND status = 'pending'"),
        "6"
    );
    // Another queue is not paused.
    assert_eq!(
        tasks::claim(&pool, "mosaic", "w1", 1, None)
            .await
            .unwrap()
            .len(),
        1
    );

    let mut listener = sqlx::postgres::PgListener::connect(&db.url).await.unwrap();
    listener.listen("absurd_task_ready").await.unwrap();
    let out = db.cli(&["resume", "--yes"]);
    out.assert_success();
    assert!(
        out.stdout.contains("resumed claims on dsa110-pipeline")
            && out.stdout.contains("PostgreSQL upgrade"),
        "{out}"
    );
    let n = tokio::time::timeout(Duration::from_secs(10), listener.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n.payload(), Q, "idle workers are woken");

    assert_eq!(
        tasks::claim(&pool, Q, "w1", 1, None).await.unwrap().len(),
        1
    );
    assert_eq!(legacy_claims(&pool, Q).await, 1);
    assert_eq!(
        db.psql("SELECT paused FROM absurd.queue_controls WHERE queue_name = 'dsa110-pipeline'"),
        "f"
    );
    assert_eq!(
        audit_commands(&db),
        "drain:dsa110-pipeline resume:dsa110-pipeline"
    );
    let details =
        db.psql("SELECT details->>'pause_reason' FROM absurd.audit_log WHERE command = 'resume'");
    assert_eq!(details, "PostgreSQL upgrade");

    // Resuming what is not paused does nothing, and says so.
    let out = db.cli(&["resume", "--yes"]);
    out.assert_success();
    assert!(out.stdout.contains("not paused"), "{out}");
    let quiet = db.cli(&["resume", "--yes", "-q"]);
    assert_eq!(quiet.stdout, "");
    assert_eq!(
        audit_commands(&db),
        "drain:dsa110-pipeline resume:dsa110-pipeline"
    );
}

#[tokio::test]
async fn without_a_terminal_or_yes_nothing_is_paused_or_resumed() {
    let db = TestDb::migrated().await;
    let out = db.cli(&["drain", "--no-wait"]);
    out.assert_code(5);
    assert_eq!(db.psql("SELECT count(*) FROM absurd.queue_controls"), "0");
    db.cli(&["drain", "--no-wait", "--yes"]).assert_success();
    db.cli(&["resume"]).assert_code(5);
    assert_eq!(db.psql("SELECT paused FROM absurd.queue_controls"), "t");
}

#[tokio::test]
async fn draining_again_keeps_the_first_pause() {
    let db = TestDb::migrated().await;
    db.cli(&["drain", "--no-wait", "--yes", "--reason", "first"])
        .assert_success();
    let first = db.psql("SELECT paused_at FROM absurd.queue_controls");
    let out = db.cli(&[
        "--output",
        "json",
        "drain",
        "--no-wait",
        "--reason",
        "second",
    ]);
    out.assert_success();
    let json = out.json();
    assert_eq!(json["queues"][0]["already_paused"], true);
    assert_eq!(json["queues"][0]["pause_reason"], "first");
    assert_eq!(json["drained"], true);
    assert_eq!(
        db.psql("SELECT paused_at || ' ' || pause_reason FROM absurd.queue_controls"),
        format!("{first} first")
    );
    assert_eq!(audit_commands(&db), "drain:dsa110-pipeline");
}

#[tokio::test]
async fn drain_returns_once_the_running_task_completes() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    db.cli(&["spawn", "--task-name", "calibration-solve"])
        .assert_success();
    db.cli(&["spawn", "--task-name", "imaging"])
        .assert_success();
    let running = tasks::claim(&pool, Q, "w1", 1, None)
        .await
        .unwrap()
        .remove(0);

    let mut child = absurdctl_command(&["--database-url", &db.url, "drain", "--yes"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the pause is in place, then a while longer: drain must still wait.
    let deadline = Instant::now() + Duration::from_secs(30);
    while db.psql("SELECT count(*) FROM absurd.queue_controls WHERE paused") != "1" {
        assert!(Instant::now() < deadline, "drain never paused the queue");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "drain returned while a task was claimed"
    );
    assert!(tasks::claim(&pool, Q, "w2", 1, None)
        .await
        .unwrap()
        .is_empty());

    assert!(
        tasks::complete(&pool, running.task_id, "w1", &json!({"ok": true}))
            .await
            .unwrap()
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "drain did not return after the task completed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("running: dsa110-pipeline calibration-solve"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "finished (completed): dsa110-pipeline calibration-solve ({})",
            running.task_id
        )),
        "{stderr}"
    );
    assert!(stdout.contains("drained dsa110-pipeline"), "{stdout}");
    assert_eq!(
        db.psql("SELECT paused FROM absurd.queue_controls"),
        "t",
        "the pause persists until resume"
    );
}

#[tokio::test]
async fn drain_times_out_listing_what_still_runs_and_stays_paused() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    db.cli(&["spawn", "--task-name", "imaging"])
        .assert_success();
    let running = tasks::claim(&pool, Q, "dsa-node-7", 1, None)
        .await
        .unwrap()
        .remove(0);

    let out = db.cli(&["drain", "--yes", "--timeout", "1s"]);
    out.assert_code(1);
    assert!(
        out.stdout.contains(&running.task_id.to_string()) && out.stdout.contains("dsa-node-7"),
        "{out}"
    );
    assert!(
        out.stderr.contains("timed out") && out.stderr.contains("1 task(s)"),
        "{out}"
    );
    assert_eq!(db.psql("SELECT paused FROM absurd.queue_controls"), "t");

    let out = db.cli(&["--output", "json", "drain", "--timeout", "1s"]);
    out.assert_code(1);
    let json = out.json();
    assert_eq!(json["timed_out"], true);
    assert_eq!(json["drained"], false);
    assert_eq!(
        json["still_running"][0]["task_id"],
        running.task_id.to_string().as_str()
    );
    assert_eq!(json["still_running"][0]["worker_id"], "dsa-node-7");
    assert_eq!(
        tasks::get(&pool, running.task_id).await.unwrap().status,
        TaskStatus::Claimed,
        "drain kills nothing"
    );
}

#[tokio::test]
async fn all_queues_drains_and_resumes_every_queue_in_use() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    for q in ["dsa110-pipeline", "dsa110-ingestion", "mosaic"] {
        db.cli(&["--queue", q, "spawn", "--task-name", "housekeeping"])
            .assert_success();
    }
    let out = db.cli(&[
        "--output",
        "json",
        "drain",
        "--all-queues",
        "--yes",
        "--timeout",
        "30s",
    ]);
    out.assert_success();
    let json = out.json();
    let names: Vec<&str> = json["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["queue_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["dsa110-ingestion", "dsa110-pipeline", "mosaic"]);
    for q in ["dsa110-pipeline", "dsa110-ingestion", "mosaic"] {
        assert!(tasks::claim(&pool, q, "w", 1, None)
            .await
            .unwrap()
            .is_empty());
    }
    assert_eq!(
        db.psql("SELECT count(*) FROM absurd.audit_log WHERE command = 'drain'"),
        "3"
    );

    let out = db.cli(&["--output", "json", "resume", "--all-queues", "--yes"]);
    out.assert_success();
    assert_eq!(out.json()["resumed"].as_array().unwrap().len(), 3);
    for q in ["dsa110-pipeline", "dsa110-ingestion", "mosaic"] {
        assert_eq!(tasks::claim(&pool, q, "w", 1, None).await.unwrap().len(), 1);
    }
    assert_eq!(
        db.psql("SELECT count(*) FROM absurd.audit_log WHERE command = 'resume'"),
        "3"
    );
}

#[tokio::test]
async fn bad_input_changes_nothing() {
    let db = TestDb::migrated().await;
    for args in [
        &["drain", "--yes", "--timeout", "soon"][..],
        &["drain", "--yes", "--no-wait", "--timeout", "1s"],
        &["drain", "--yes", "--reason", " "],
        &["--output", "prometheus", "drain", "--yes", "--no-wait"],
        &["--output", "prometheus", "resume", "--yes"],
    ] {
        let out = db.cli(args);
        out.assert_code(2);
        assert!(!out.stderr.is_empty(), "{out}");
    }
    assert_eq!(db.psql("SELECT count(*) FROM absurd.queue_controls"), "0");
    assert_eq!(db.psql("SELECT count(*) FROM absurd.audit_log"), "0");
}
