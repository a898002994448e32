//! Task history (issue 18): every attempt with its worker, outcome, exit,
//! resources and output, whoever claimed it (absurdctl's worker or the
//! legacy functions); operator actions with their audit row; logs and
//! progress while a handler runs; retention takes the history with its task.

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;
use sqlx::Row;
use uuid::Uuid;

const Q: &str = "hq";

fn hq(task_name: &str) -> TaskSeed {
    task().queue(Q).name(task_name)
}

fn worker(db: &TestDb, options: &str, handler: &str) -> Background {
    let mut full = vec!["--database-url", &db.url, "--queue", Q, "worker", "run"];
    full.extend(options.split_whitespace());
    full.extend(["--", handler]);
    Background::start(absurdctl_command(&full))
}

fn cli(db: &TestDb, args: &[&str]) -> CliOutput {
    let mut full = vec!["--queue", Q];
    full.extend_from_slice(args);
    db.cli(&full)
}

/// The attempts of `id` as `tasks show --output json` gives them.
fn shown_attempts(db: &TestDb, id: Uuid) -> Vec<Value> {
    let out = cli(db, &["--output", "json", "tasks", "show", &id.to_string()]);
    out.assert_success();
    out.json()["attempts"].as_array().unwrap().clone()
}

#[tokio::test]
async fn failures_by_exit_code_signal_and_timeout_then_a_completion_are_four_attempts() {
    let db = TestDb::migrated().await;
    db.psql(&format!(
        "ALTER DATABASE \"{}\" SET absurd.retry_backoff_base = '0.1'",
        db.name
    ));
    let dir = Scratch::new("absurdctl-history");
    let handler = dir.script(
        "attempts.sh",
        r#"case "$ABSURD_ATTEMPT" in
  1) echo "bad calibration table" >&2; exit 3 ;;
  2) echo "about to crash" >&2; kill -9 $$ ;;
  3) echo "hanging" >&2; sleep 30 ;;
  *) echo '{"image": "done"}' ;;
esac"#,
    );
    let id = db.seed_one(hq("calibrate").max_retries(4).timeout_sec(1));
    worker(
        &db,
        "--max-tasks 4 --poll-interval 1s --kill-grace 1s",
        &handler,
    )
    .wait(Duration::from_secs(60))
    .assert_code(0);

    let attempts = shown_attempts(&db, id);
    let field = |k: &str| attempts.iter().map(|a| a[k].clone()).collect::<Vec<_>>();
    assert_eq!(
        field("outcome"),
        ["failed", "failed", "timed_out", "completed"],
        "{attempts:#?}"
    );
    assert_eq!(field("attempt"), [1, 2, 3, 4]);
    assert_eq!(
        field("exit_code"),
        [Value::from(3), Value::Null, Value::Null, 0.into()]
    );
    assert_eq!(field("exit_signal")[1], 9);
    assert_eq!(field("exit_signal")[2], 15, "SIGTERM at the timeout");
    assert_eq!(field("timed_out"), [false, false, true, false]);
    let errors = field("error");
    assert!(
        errors[0]
            .as_str()
            .unwrap()
            .starts_with("exit status 3: bad calibration table"),
        "{errors:?}"
    );
    assert!(
        errors[1].as_str().unwrap().contains("killed by signal 9"),
        "{errors:?}"
    );
    assert!(
        errors[2].as_str().unwrap().starts_with("timed out after"),
        "{errors:?}"
    );
    assert_eq!(errors[3], Value::Null, "a completed attempt has no error");
    let host = db.psql("SELECT DISTINCT hostname FROM absurd.worker_registry");
    for a in &attempts {
        assert_eq!(a["hostname"], host.as_str(), "{a}");
        assert!(a["run_time_sec"].as_f64().unwrap() >= 0.0, "{a}");
        assert!(a["cpu_time_sec"].as_f64().is_some(), "{a}");
        assert!(a["peak_rss_kib"].as_i64().unwrap() > 0, "{a}");
        assert!(a["ended_at"].is_string(), "{a}");
    }
    assert!(attempts[2]["run_time_sec"].as_f64().unwrap() >= 1.0);
    // The task itself: completed, no current error.
    assert_eq!(
        db.psql(&format!(
            "SELECT status || ' ' || coalesce(error, '<none>') FROM absurd.tasks WHERE task_id = '{id}'"
        )),
        "completed <none>"
    );
    // The timeline at a terminal's width: one line per attempt.
    let out = cli(&db, &["tasks", "show", &id.to_string()]);
    out.assert_success();
    for word in ["attempt 1", "attempt 4", "timed_out", "exit 3", "signal 9"] {
        assert!(out.stdout.contains(word), "{word}: {out}");
    }
    // Every failed attempt, also of a task that then completed.
    let out = cli(&db, &["--output", "json", "errors", "--attempts"]);
    out.assert_success();
    assert_eq!(out.json()["tasks"], 3, "{out}");
    let out = cli(&db, &["--output", "json", "errors"]);
    assert_eq!(out.json()["tasks"], 0, "the task is not failed now: {out}");
    // Tasks that failed on this host.
    let out = cli(
        &db,
        &["--output", "json", "tasks", "list", "--worker", &host],
    );
    assert_eq!(out.json().as_array().unwrap().len(), 1, "{out}");
    let out = cli(
        &db,
        &["--output", "json", "tasks", "list", "--worker", "elsewhere"],
    );
    assert_eq!(out.json().as_array().unwrap().len(), 0, "{out}");
}

#[tokio::test]
async fn attempts_made_through_the_legacy_functions_are_recorded() {
    let db = TestDb::migrated().await;
    let id = db.seed_one(hq("imaging").max_retries(3));
    // As the Python worker calls them: two-argument claim, one-argument
    // heartbeat, two-argument fail and complete.
    let claimed = db.psql(&format!(
        "SELECT task_id FROM absurd.claim_task('{Q}', 'lxd110h17-0a1b2c3d');
         SELECT absurd.heartbeat_task('{id}');
         SELECT absurd.fail_task('{id}', 'CASA error: table locked');"
    ));
    assert!(claimed.contains(&id.to_string()), "{claimed}");
    db.psql(&format!(
        "UPDATE absurd.tasks SET available_at = now() WHERE task_id = '{id}';
         SELECT task_id FROM absurd.claim_task('{Q}', 'lxd110h18-0a1b2c3e');
         SELECT absurd.heartbeat_task('{id}');
         SELECT absurd.complete_task('{id}', '{{\"ok\": true}}');"
    ));
    let rows = db.psql(&format!(
        "SELECT string_agg(concat_ws(' ', attempt, worker_id, hostname, outcome,
                                     coalesce(error, '-'), heartbeat_at IS NOT NULL,
                                     ended_at >= claimed_at), ' | ' ORDER BY claimed_at)
           FROM absurd.task_attempts WHERE task_id = '{id}'"
    ));
    assert_eq!(
        rows,
        "1 lxd110h17-0a1b2c3d lxd110h17 failed CASA error: table locked t t | \
         2 lxd110h18-0a1b2c3e lxd110h18 completed - t t"
    );
}

#[tokio::test]
async fn a_reaped_and_a_cancelled_attempt_name_the_audit_row_of_who_did_it() {
    let db = TestDb::migrated().await;
    let reaped = db.seed_one(hq("imaging"));
    let cancelled = db.seed_one(hq("imaging").priority(-1));
    db.psql(&format!(
        "SELECT task_id FROM absurd.claim_task('{Q}', 'gone-0a1b2c3d');
         SELECT task_id FROM absurd.claim_task('{Q}', 'busy-0a1b2c3d');
         UPDATE absurd.tasks SET heartbeat_at = now() - interval '1 hour'
          WHERE task_id = '{reaped}';
         UPDATE absurd._sqlx_migrations SET installed_on = installed_on - interval '2 hours'
          WHERE version = 1;"
    ));
    cli(&db, &["reap-stuck"]).assert_success();
    cli(
        &db,
        &[
            "cancel",
            "--yes",
            "--include-claimed",
            "--id",
            &cancelled.to_string(),
        ],
    )
    .assert_success();
    let audit = cli(&db, &["--output", "json", "audit"]).json();
    let audit_id = |command: &str| {
        audit
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["command"] == command)
            .unwrap_or_else(|| panic!("no {command} row: {audit}"))["audit_id"]
            .clone()
    };
    for (id, outcome, command) in [
        (reaped, "reaped", "reap-stuck"),
        (cancelled, "cancelled", "cancel"),
    ] {
        let attempts = shown_attempts(&db, id);
        assert_eq!(attempts.len(), 1, "{attempts:?}");
        assert_eq!(attempts[0]["outcome"], outcome);
        assert_eq!(
            attempts[0]["ended_by_audit_id"],
            audit_id(command),
            "{attempts:?}"
        );
        let out = cli(&db, &["--output", "json", "tasks", "show", &id.to_string()]);
        let events = out.json()["events"].clone();
        assert_eq!(events.as_array().unwrap().len(), 1, "{events}");
        assert_eq!(events[0]["action"], command);
        assert_eq!(events[0]["audit_id"], audit_id(command));
        assert_eq!(events[0]["old_status"], "claimed");
        let shown = cli(&db, &["tasks", "show", &id.to_string()]);
        let line = format!("audit #{}", audit_id(command));
        assert!(shown.stdout.contains(&line), "{line}: {shown}");
    }
    // retry-failed and prioritize are in the history too.
    let failed = db.seed_one(hq("imaging").status("failed").error("x"));
    cli(&db, &["retry-failed", "--yes", "--id", &failed.to_string()]).assert_success();
    cli(
        &db,
        &[
            "prioritize",
            "--yes",
            "--id",
            &failed.to_string(),
            "--priority",
            "9",
        ],
    )
    .assert_success();
    let out = cli(
        &db,
        &["--output", "json", "tasks", "show", &failed.to_string()],
    );
    let actions: Vec<Value> = out.json()["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(actions, ["retry-failed", "prioritize"], "{out}");
}

#[tokio::test]
async fn logs_and_progress_are_seen_while_the_handler_runs_and_after() {
    let db = TestDb::migrated().await;
    let dir = Scratch::new("absurdctl-history");
    let handler = dir.script(
        "slow.sh",
        r#"echo "step one: flagging" >&2
echo "40% calibrating field 3" > "$ABSURD_PROGRESS_FILE"
while [ ! -e "$DIR/go" ]; do sleep 0.1; done
echo "step two: imaging" >&2
echo '{"ok": true}'"#,
    );
    let id = db.seed_one(hq("imaging"));
    let mut w = worker(&db, "--max-tasks 1 --heartbeat-interval 1s", &handler);
    // Stored at a heartbeat while it runs.
    let started = std::time::Instant::now();
    let logs = loop {
        let out = cli(
            &db,
            &["tasks", "logs", &id.to_string(), "--stream", "stderr"],
        );
        if out.code == Some(0) && out.stdout.contains("step one") {
            break out;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{out}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(logs.stdout, "step one: flagging\n");
    loop {
        let a = &shown_attempts(&db, id)[0];
        if a["progress"].as_f64() == Some(0.4) {
            assert_eq!(a["progress_message"], "calibrating field 3");
            assert!(a["eta_sec"].as_f64().is_some(), "{a}");
            assert_eq!(a["outcome"], Value::Null, "running");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{a}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let shown = cli(&db, &["tasks", "show", &id.to_string()]);
    assert!(shown.stdout.contains("40% calibrating field 3"), "{shown}");
    let status = cli(&db, &["--output", "json", "status"]).json();
    let running = &status["queues"][0]["running"];
    assert_eq!(running[0]["task_id"], id.to_string(), "{status}");
    assert_eq!(running[0]["progress"], 0.4);
    assert_eq!(running[0]["progress_message"], "calibrating field 3");
    let list = cli(
        &db,
        &["--output", "json", "tasks", "list", "--status", "claimed"],
    )
    .json();
    assert_eq!(list[0]["progress"], 0.4, "{list}");
    let text = cli(&db, &["status"]);
    assert!(
        text.stdout.contains(&id.to_string()) && text.stdout.contains("40%"),
        "{text}"
    );
    let text = cli(&db, &["tasks", "list", "--status", "claimed"]);
    assert!(text.stdout.contains("40%"), "{text}");

    // Followed until it ends.
    let mut follow = Background::start(absurdctl_command(&[
        "--database-url",
        &db.url,
        "tasks",
        "logs",
        &id.to_string(),
        "--follow",
        "--stream",
        "stderr",
        "--interval",
        "200ms",
    ]));
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(dir.path("go"), "").unwrap();
    let followed = follow.wait(Duration::from_secs(30));
    followed.assert_success();
    assert_eq!(
        followed.stdout, "step one: flagging\nstep two: imaging\n",
        "each line once: {followed}"
    );
    w.wait(Duration::from_secs(30)).assert_code(0);
    let after = cli(&db, &["tasks", "logs", &id.to_string()]);
    after.assert_success();
    assert!(
        after.stdout.contains("--- stdout of attempt 1 (ended")
            && after.stdout.contains("{\"ok\": true}")
            && after.stdout.contains("step two: imaging"),
        "{after}"
    );
    // A wrong attempt number is said so, non-zero.
    let out = cli(&db, &["tasks", "logs", &id.to_string(), "--attempt", "7"]);
    assert_eq!(out.code, Some(1), "{out}");
    assert!(out.stderr.contains("no attempt 7"), "{out}");
}

#[tokio::test]
async fn vacuum_archives_the_history_with_its_task_and_deletes_both() {
    let db = TestDb::migrated().await;
    let old = db.seed_one(hq("imaging"));
    let kept = db.seed_one(hq("imaging").priority(-1));
    db.psql(&format!(
        "SELECT task_id FROM absurd.claim_task('{Q}', 'h1-0a1b2c3d');
         SELECT absurd.complete_task('{old}', '{{}}');
         SELECT task_id FROM absurd.claim_task('{Q}', 'h1-0a1b2c3d');
         SELECT absurd.complete_task('{kept}', '{{}}');
         UPDATE absurd.tasks SET completed_at = now() - interval '90 days' WHERE task_id = '{old}';"
    ));
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-history");
    let archive = dir.path("tasks.jsonl");
    cli(
        &db,
        &[
            "vacuum",
            "--yes",
            "--no-vacuum",
            "--archive",
            archive.to_str().unwrap(),
        ],
    )
    .assert_success();
    let text = std::fs::read_to_string(&archive).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert_eq!(lines[0]["task_id"], old.to_string());
    assert_eq!(lines[0]["attempts"][0]["outcome"], "completed", "{text}");
    assert_eq!(lines[0]["attempts"][0]["worker_id"], "h1-0a1b2c3d");
    let left = |id: Uuid| {
        let pool = pool.clone();
        async move {
            sqlx::query(
                "SELECT (SELECT count(*) FROM absurd.task_attempts WHERE task_id = $1)
                      + (SELECT count(*) FROM absurd.task_events WHERE task_id = $1) AS n",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
            .get::<i64, _>("n")
        }
    };
    assert_eq!(left(old).await, 0, "the history went with its task");
    assert_eq!(left(kept).await, 1, "a kept task keeps its history");
}
