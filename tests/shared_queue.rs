//! One queue shared by the pipeline's Python workers, API and scripts and by
//! absurdctl (issue 15): the legacy calls cannot overwrite an absurdctl
//! worker's task, a task waiting for its retry is a `pending` row to every
//! legacy reader and writer (and `retrying` to absurdctl), a completed task
//! carries no error, and idle legacy workers count as live.
//!
//! The legacy side is played with the Python client's exact statements
//! (legacy-schema.md).

mod common;

use common::*;
use serde_json::Value;
use sqlx::{PgPool, Row};
use std::time::Duration;
use uuid::Uuid;

const Q: &str = "dsa110-pipeline";

fn spawn(db: &TestDb, task_name: &str, max_retries: i32) -> Uuid {
    db.seed_one(task().queue(Q).name(task_name).max_retries(max_retries))
}

/// The Python worker's claim: `SELECT * FROM absurd.claim_task($1,$2)`.
async fn legacy_claim(pool: &PgPool, worker: &str) -> Option<Uuid> {
    sqlx::query("SELECT * FROM absurd.claim_task($1,$2)")
        .bind(Q)
        .bind(worker)
        .fetch_optional(pool)
        .await
        .unwrap()
        .map(|r| r.get("task_id"))
}

/// absurdctl's worker claim (src/queue/tasks.rs `claim`).
async fn absurdctl_claim(pool: &PgPool, worker: &str) -> Uuid {
    sqlx::query_scalar("SELECT task_id FROM absurd.claim_tasks($1, $2, $3, $4)")
        .bind(Q)
        .bind(worker)
        .bind(1)
        .bind(None::<Vec<String>>)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn legacy_bool(pool: &PgPool, sql: &str, id: Uuid, arg: Option<&str>) -> bool {
    let q = sqlx::query_scalar(sql).bind(id);
    match arg {
        Some(a) => q.bind(a).fetch_one(pool).await.unwrap(),
        None => q.fetch_one(pool).await.unwrap(),
    }
}

/// Every column of one task, to prove a call changed nothing.
fn row_text(db: &TestDb, id: Uuid) -> String {
    db.psql(&format!(
        "SELECT t::text FROM absurd.tasks t WHERE task_id = '{id}'"
    ))
}

/// Makes a retry's backoff elapse now, as time would.
fn backoff_over(db: &TestDb, id: Uuid) {
    db.psql(&format!(
        "UPDATE absurd.tasks SET available_at = now() WHERE task_id = '{id}'"
    ));
}

fn error_of(db: &TestDb, id: Uuid) -> String {
    db.psql(&format!(
        "SELECT status || '|' || coalesce(error, 'NULL') FROM absurd.tasks WHERE task_id = '{id}'"
    ))
}

#[tokio::test]
async fn late_legacy_calls_cannot_overwrite_an_absurdctl_worker() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let id = spawn(&db, "imaging", 3);
    let py = "pipeline-node1-0a1b2c3d";
    assert_eq!(legacy_claim(&pool, py).await, Some(id));

    // The operator gives the Python worker's task back; absurdctl's worker
    // claims it.
    db.psql(&format!(
        "UPDATE absurd.tasks SET claimed_at = now() - interval '2 hours' WHERE task_id = '{id}'"
    ));
    db.cli(&["reap-stuck", "--older-than", "1h", "--yes"])
        .assert_success();
    backoff_over(&db, id);
    assert_eq!(absurdctl_claim(&pool, "absurdctl-node2-1").await, id);
    let held = row_text(&db, id);

    // The Python worker, unaware, heartbeats, then completes or fails.
    assert!(!legacy_bool(&pool, "SELECT absurd.heartbeat_task($1)", id, None).await);
    assert!(
        !legacy_bool(
            &pool,
            "SELECT absurd.complete_task($1,$2::jsonb)",
            id,
            Some(r#"{"by": "python"}"#)
        )
        .await
    );
    assert!(
        !legacy_bool(
            &pool,
            "SELECT absurd.fail_task($1,$2)",
            id,
            Some("Task cancelled")
        )
        .await
    );
    let with_deps = db.psql(&format!(
        "SELECT count(*) FROM absurd.tasks WHERE task_id = '{id}' AND status = 'claimed'"
    ));
    assert_eq!(with_deps, "1");
    assert_eq!(row_text(&db, id), held, "the late calls changed nothing");

    // absurdctl's worker heartbeats and completes with its own (fenced) calls.
    let hb: bool = sqlx::query_scalar("SELECT absurd.heartbeat_task($1, $2)")
        .bind(id)
        .bind("absurdctl-node2-1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(hb);
    let done: bool = sqlx::query_scalar("SELECT absurd.complete_task($1, $2, $3)")
        .bind(id)
        .bind(serde_json::json!({"by": "absurdctl"}))
        .bind("absurdctl-node2-1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(done);
    assert!(
        !legacy_bool(
            &pool,
            "SELECT absurd.complete_task($1,$2::jsonb)",
            id,
            Some(r#"{"by": "python"}"#)
        )
        .await
    );
    assert_eq!(
        db.psql(&format!(
            "SELECT status || '|' || result::text || '|' || worker_id FROM absurd.tasks WHERE task_id = '{id}'"
        )),
        r#"completed|{"by": "absurdctl"}|absurdctl-node2-1"#
    );

    // The Python worker's own tasks still take its two-argument calls.
    let own = spawn(&db, "validation", 3);
    assert_eq!(legacy_claim(&pool, py).await, Some(own));
    assert!(legacy_bool(&pool, "SELECT absurd.heartbeat_task($1)", own, None).await);
    assert!(
        legacy_bool(
            &pool,
            "SELECT absurd.complete_task($1,$2::jsonb)",
            own,
            Some(r#"{"by": "python"}"#)
        )
        .await
    );
}

/// The Python client's list statement (legacy-schema.md), with its filters.
const PY_LIST: &str = "SELECT t.task_id, t.queue_name, t.task_name, t.params, t.priority, t.status,
        t.created_at, t.claimed_at, t.completed_at, t.attempt as retry_count
   FROM absurd.tasks t WHERE 1=1 AND t.queue_name = $1 AND t.status = $2
  ORDER BY t.created_at DESC LIMIT $3";

/// The Python client's cancel statement.
const PY_CANCEL: &str = "UPDATE absurd.tasks SET status = 'cancelled', completed_at = NOW(), \
     error = 'Cancelled by user' WHERE task_id = $1 AND status IN ('pending', 'claimed')";

fn tasks_json(db: &TestDb, args: &[&str]) -> Vec<Value> {
    let mut full = vec!["tasks", "list", "-o", "json"];
    full.extend_from_slice(args);
    let out = db.cli(&full);
    out.assert_success();
    out.json().as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_task_waiting_for_its_retry_is_pending_to_python_and_retrying_to_absurdctl() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let a = spawn(&db, "imaging", 3);
    let b = spawn(&db, "imaging", 3);
    for id in [a, b] {
        assert_eq!(legacy_claim(&pool, "node1-0a1b2c3d").await, Some(id));
        assert!(
            legacy_bool(
                &pool,
                "SELECT absurd.fail_task($1,$2)",
                id,
                Some("OSError: disk full")
            )
            .await
        );
    }
    assert_eq!(
        db.psql("SELECT string_agg(DISTINCT status || '/' || (available_at > now()), ',') FROM absurd.tasks"),
        "pending/true"
    );

    // Python lists them as pending, with their retry count; its queue stats
    // and health check count them.
    let listed = sqlx::query(PY_LIST)
        .bind(Q)
        .bind("pending")
        .bind(100i64)
        .fetch_all(&pool)
        .await
        .unwrap();
    let mut ids: Vec<Uuid> = listed.iter().map(|r| r.get("task_id")).collect();
    ids.sort();
    let mut want = vec![a, b];
    want.sort();
    assert_eq!(ids, want);
    assert!(listed.iter().all(|r| r.get::<i32, _>("retry_count") == 1));
    let stats: Vec<(String, i64)> = sqlx::query_as(
        "SELECT status, COUNT(*) as count FROM absurd.tasks WHERE queue_name = $1 GROUP BY status",
    )
    .bind(Q)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(stats, vec![("pending".to_string(), 2)]);

    // absurdctl shows them retrying, attempt 1 of 3, next at available_at.
    let shown = tasks_json(&db, &["--status", "retrying"]);
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(tasks_json(&db, &["--status", "pending"]).is_empty());
    let show = db.cli(&["tasks", "show", &a.to_string(), "-o", "json"]);
    show.assert_success();
    let t = show.json();
    assert_eq!(
        (&t["status"], &t["attempt"], &t["max_retries"]),
        (&Value::from("retrying"), &Value::from(1), &Value::from(3))
    );
    assert!(t["available_at"].is_string());
    let table = db.cli(&["tasks", "show", &a.to_string()]);
    assert!(
        table.stdout.contains("retrying") && table.stdout.contains("1 of 3, next in"),
        "{table}"
    );
    let list = db.cli(&["tasks", "list", "--status", "retrying"]);
    assert!(list.stdout.contains("1/3, next in"), "{list}");
    let status = db.cli(&["status", "-o", "json"]);
    let q = status.json()["queues"][0].clone();
    assert_eq!(
        (&q["pending"], &q["retrying"], &q["delayed"]),
        (&Value::from(0), &Value::from(2), &Value::from(2)),
        "{q:#}"
    );
    let errors = db.cli(&["errors", "-o", "json"]);
    errors.assert_success();
    assert!(errors.stdout.contains("\"retrying\": 2"), "{errors}");
    let prom = db.cli(&["status", "-o", "prometheus"]);
    assert!(
        prom.stdout
            .lines()
            .any(|l| l.contains("status=\"retrying\"") && l.ends_with(" 2")),
        "{prom}"
    );

    // Python's cancel takes one; absurdctl's `cancel --status retrying` the other.
    let done = sqlx::query(PY_CANCEL).bind(a).execute(&pool).await.unwrap();
    assert_eq!(done.rows_affected(), 1);
    let dry = db.cli(&["cancel", "--status", "retrying", "--dry-run", "-o", "json"]);
    dry.assert_success();
    db.cli(&["cancel", "--status", "pending", "--yes"])
        .assert_success();
    assert_eq!(
        error_of(&db, b),
        "pending|OSError: disk full",
        "not pending"
    );
    db.cli(&["cancel", "--status", "retrying", "--yes"])
        .assert_success();
    assert_eq!(
        db.psql("SELECT string_agg(status, ',' ORDER BY status) FROM absurd.tasks"),
        "cancelled,cancelled"
    );
}

#[tokio::test]
async fn a_completed_task_has_no_error() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;

    // Legacy: fail, retry, succeed.
    let id = spawn(&db, "imaging", 3);
    legacy_claim(&pool, "node1-0a1b2c3d").await.unwrap();
    assert!(
        legacy_bool(
            &pool,
            "SELECT absurd.fail_task($1,$2)",
            id,
            Some("OSError: disk full")
        )
        .await
    );
    backoff_over(&db, id);
    assert_eq!(legacy_claim(&pool, "node1-0a1b2c3d").await, Some(id));
    assert!(
        legacy_bool(
            &pool,
            "SELECT absurd.complete_task($1,$2::jsonb)",
            id,
            Some("{}")
        )
        .await
    );
    assert_eq!(error_of(&db, id), "completed|NULL");

    // absurdctl's worker: fenced fail, then batched completion.
    let id = spawn(&db, "imaging", 3);
    absurdctl_claim(&pool, "w1").await;
    let failed: bool = sqlx::query_scalar("SELECT absurd.fail_task($1, $2, $3)")
        .bind(id)
        .bind("exit status 1")
        .bind("w1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(failed);
    backoff_over(&db, id);
    assert_eq!(absurdctl_claim(&pool, "w1").await, id);
    let done: Vec<Uuid> = sqlx::query_scalar("SELECT * FROM absurd.complete_tasks($1, $2, $3)")
        .bind(vec![id])
        .bind(vec![serde_json::json!({})])
        .bind("w1")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(done, vec![id]);
    assert_eq!(error_of(&db, id), "completed|NULL");

    // Failed for good, replayed by retry-failed, then completed (fenced).
    let id = spawn(&db, "imaging", 1);
    absurdctl_claim(&pool, "w1").await;
    let _: bool = sqlx::query_scalar("SELECT absurd.fail_task($1, $2, $3)")
        .bind(id)
        .bind("exit status 1")
        .bind("w1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(error_of(&db, id), "failed|exit status 1");
    db.cli(&["retry-failed", "--yes", "--all"]).assert_success();
    assert_eq!(absurdctl_claim(&pool, "w1").await, id);
    let done: bool = sqlx::query_scalar("SELECT absurd.complete_task($1, $2, $3)")
        .bind(id)
        .bind(serde_json::json!({}))
        .bind("w1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(done);
    assert_eq!(error_of(&db, id), "completed|NULL");

    // Reaped, claimed again, completed.
    let id = spawn(&db, "imaging", 3);
    legacy_claim(&pool, "node1-0a1b2c3d").await.unwrap();
    db.psql(&format!(
        "UPDATE absurd.tasks SET claimed_at = now() - interval '2 hours' WHERE task_id = '{id}'"
    ));
    db.cli(&["reap-stuck", "--older-than", "1h", "--yes"])
        .assert_success();
    assert!(error_of(&db, id).contains("|"), "reaped with an error");
    backoff_over(&db, id);
    assert_eq!(legacy_claim(&pool, "node1-0a1b2c3d").await, Some(id));
    assert!(
        legacy_bool(
            &pool,
            "SELECT absurd.complete_task($1,$2::jsonb)",
            id,
            Some("{}")
        )
        .await
    );
    assert_eq!(error_of(&db, id), "completed|NULL");
}

#[tokio::test]
async fn completion_with_dependencies_clears_the_error() {
    let db = TestDb::empty().await;
    db.load_fixture("legacy_base_l2.sql");
    db.load_fixture("legacy_ext_d.sql");
    db.cli(&["migrate"]).assert_success();
    let pool = db.pool().await;
    let id = spawn(&db, "create-mosaic", 3);
    legacy_claim(&pool, "node1-0a1b2c3d").await.unwrap();
    assert!(
        legacy_bool(
            &pool,
            "SELECT absurd.fail_task($1,$2)",
            id,
            Some("OSError: disk full")
        )
        .await
    );
    backoff_over(&db, id);
    assert_eq!(legacy_claim(&pool, "node1-0a1b2c3d").await, Some(id));
    assert_eq!(
        db.psql(&format!(
            "SELECT success FROM absurd.complete_task_with_deps('{id}', '{{}}'::jsonb)"
        )),
        "t"
    );
    assert_eq!(error_of(&db, id), "completed|NULL");
}

/// The Python worker idle: `claim_task` every second on an empty queue.
async fn poll_idle(pool: &PgPool, worker: &str, times: usize) {
    for _ in 0..times {
        assert_eq!(legacy_claim(pool, worker).await, None);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[tokio::test]
async fn an_idle_legacy_poller_is_a_live_worker() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let worker = "dsa110-node7-5e6f7a8b";
    assert_eq!(preflight_workers(&db)["result"], "FAIL", "no worker yet");

    poll_idle(&pool, worker, 1).await;
    // Further polls within a few seconds write nothing: the poller's row
    // keeps its version, not even locked (xmax), and no task row changes.
    let row = || {
        db.psql(
            "SELECT ctid::text || '|' || xmin::text || '|' || xmax::text || '|' || last_seen_at
               FROM absurd.legacy_pollers",
        )
    };
    let seen = row();
    let tasks = db.tasks_checksum();
    poll_idle(&pool, worker, 3).await;
    assert_eq!(row(), seen, "an idle poll dirtied the poller's row");
    assert_eq!(db.tasks_checksum(), tasks);

    let status = db.cli(&["status", "-o", "json"]);
    status.assert_success();
    let report = status.json();
    let q = report["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queue"] == Q)
        .unwrap_or_else(|| panic!("the polled queue is known: {report:#}"))
        .clone();
    assert_eq!(q["workers"]["live"], 1, "{q:#}");
    let w = &q["workers"]["list"][0];
    assert_eq!(
        (&w["worker_id"], &w["hostname"], &w["registered"]),
        (
            &Value::from(worker),
            &Value::from("dsa110-node7"),
            &Value::from(false)
        ),
        "{q:#}"
    );
    assert_eq!(
        q["workers"]["hosts"],
        serde_json::json!([{"host": "dsa110-node7", "workers": 1, "running": 0}])
    );

    let workers = preflight_workers(&db);
    assert_eq!(workers["result"], "PASS", "{workers:#}");
}

/// preflight's `workers` check, asking for one live worker.
fn preflight_workers(db: &TestDb) -> Value {
    let out = db.cli(&["--output", "json", "preflight", "--min-workers", "1"]);
    let report = out.json();
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "workers")
        .cloned()
        .unwrap_or_else(|| panic!("no workers check: {out}"))
}

/// Whichever function gives a claimed task back with a new error (the
/// reaper's reap_task does, with plain UPDATEs like this one) leaves a task
/// waiting for its retry: `pending` to Python, retrying to absurdctl. A task
/// released by a draining worker, or replayed by hand, is plain pending.
#[tokio::test]
async fn a_task_given_back_with_a_new_error_waits_for_its_retry() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let shown = |id: Uuid| {
        let out = db.cli(&["--output", "json", "tasks", "show", &id.to_string()]);
        out.assert_success();
        out.json()["status"].as_str().unwrap().to_string()
    };

    let reaped = spawn(&db, "imaging", 3);
    legacy_claim(&pool, "node1-0a1b2c3d").await.unwrap();
    db.psql(&format!(
        "UPDATE absurd.tasks SET status = 'pending', worker_id = NULL,
                available_at = now() + interval '1 hour',
                error = 'reaped by absurdctl: no heartbeat' WHERE task_id = '{reaped}'"
    ));
    assert_eq!(shown(reaped), "retrying");
    assert_eq!(
        error_of(&db, reaped),
        "pending|reaped by absurdctl: no heartbeat"
    );

    let released = spawn(&db, "imaging", 3);
    assert_eq!(absurdctl_claim(&pool, "w1").await, released);
    let ok: bool = sqlx::query_scalar("SELECT absurd.release_task($1, $2)")
        .bind(released)
        .bind("w1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(ok);
    assert_eq!(shown(released), "pending");

    // Claimed again, the mark is gone.
    backoff_over(&db, reaped);
    db.psql(&format!(
        "UPDATE absurd.tasks SET available_at = now() + interval '1 hour' WHERE task_id = '{released}'"
    ));
    assert_eq!(legacy_claim(&pool, "node1-0a1b2c3d").await, Some(reaped));
    assert_eq!(shown(reaped), "claimed");
}

/// The same seam with the real `worker run`: a Python worker reaped while
/// alive makes its late two-argument calls while absurdctl's worker runs the
/// task again; they are refused and absurdctl's result is the one stored.
#[tokio::test]
async fn a_reaped_python_worker_cannot_overwrite_a_running_absurdctl_worker() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let id = spawn(&db, "imaging", 3);
    assert_eq!(
        legacy_claim(&pool, "pipeline-node1-0a1b2c3d").await,
        Some(id)
    );
    db.psql(&format!(
        "UPDATE absurd.tasks SET claimed_at = now() - interval '2 hours' WHERE task_id = '{id}'"
    ));
    db.cli(&["reap-stuck", "--older-than", "1h", "--yes"])
        .assert_success();
    backoff_over(&db, id);

    let dir = Scratch::new("shared-queue");
    let go = dir.join("go");
    let handler = dir.join("handler.sh");
    std::fs::write(
        &handler,
        format!(
            "#!/bin/sh\nwhile [ ! -e '{}' ]; do sleep 0.05; done\necho '{{\"by\": \"absurdctl\"}}'\n",
            go.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &handler,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let handler = handler.display().to_string();
    let mut worker = Background::start(absurdctl_command(&[
        "--database-url",
        &db.url,
        "--queue",
        Q,
        "worker",
        "run",
        "--worker-id",
        "absurdctl-node2-1",
        "--max-tasks",
        "1",
        "--log-format",
        "json",
        "--",
        &handler,
    ]));
    let owner = || {
        db.psql(&format!(
            "SELECT status || '|' || coalesce(worker_id, '') || '|' || coalesce(result::text, '')
               FROM absurd.tasks WHERE task_id = '{id}'"
        ))
    };
    let started = std::time::Instant::now();
    while owner() != "claimed|absurdctl-node2-1|" {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "not claimed by absurdctl's worker: {}\n{}",
            owner(),
            worker.lines().join("\n")
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    assert!(!legacy_bool(&pool, "SELECT absurd.heartbeat_task($1)", id, None).await);
    assert!(
        !legacy_bool(
            &pool,
            "SELECT absurd.complete_task($1,$2::jsonb)",
            id,
            Some(r#"{"by": "python"}"#)
        )
        .await
    );
    assert!(!legacy_bool(&pool, "SELECT absurd.fail_task($1,$2)", id, Some("late")).await);
    assert_eq!(owner(), "claimed|absurdctl-node2-1|");

    std::fs::write(&go, "").unwrap();
    worker.wait(Duration::from_secs(30));
    assert_eq!(
        owner(),
        r#"completed|absurdctl-node2-1|{"by": "absurdctl"}"#,
        "{}",
        worker.lines().join("\n")
    );
    assert_eq!(error_of(&db, id), "completed|NULL");
}
