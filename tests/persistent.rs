//! `worker run --persistent`: one long-running handler per slot, tasks and
//! answers as JSON lines. Results stored once and to the right task with
//! several tasks in flight, a timeout and a cancellation that stop the
//! handler and leave the next task to a restarted one, a handler that
//! crashes (exit code, signal), a stray answer, and a SIGTERM drain. The
//! handler is README's example, `examples/persistent-handler.py`.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use sqlx::{PgPool, Row};
use uuid::Uuid;

const HANDLER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/persistent-handler.py"
);

/// `worker run --persistent OPTIONS -- HANDLER` on queue `pq`.
fn start_worker(url: &str, options: &str, handler: &str) -> Background {
    let mut full = vec![
        "--database-url",
        url,
        "--queue",
        "pq",
        "worker",
        "run",
        "--persistent",
        "--log-format",
        "json",
        "--output",
        "json",
    ];
    full.extend(options.split_whitespace());
    full.extend(["--", handler]);
    Background::start(absurdctl_command(&full))
}

fn pq(task_name: &str) -> TaskSeed {
    task().queue("pq").name(task_name)
}

/// An attempt: (outcome, exit_code, exit_signal, timed_out).
type Attempt = (Option<String>, Option<i32>, Option<i32>, Option<bool>);

/// Every attempt of a task, oldest first.
async fn attempts(pool: &PgPool, id: Uuid) -> Vec<Attempt> {
    sqlx::query(
        "SELECT outcome, exit_code, exit_signal, timed_out FROM absurd.task_attempts
          WHERE task_id = $1 ORDER BY claimed_at",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.get("outcome"),
            r.get("exit_code"),
            r.get("exit_signal"),
            r.get("timed_out"),
        )
    })
    .collect()
}

/// The one attempt a task was charged for: a task a dying handler held
/// unanswered besides the one it died on goes back uncharged (`released`)
/// and runs again, so any attempt before the last must be that.
fn charged(tried: Vec<Attempt>) -> Attempt {
    let (last, before) = tried.split_last().expect("at least one attempt");
    assert!(
        before.iter().all(|a| a.0.as_deref() == Some("released")),
        "{tried:?}"
    );
    last.clone()
}

async fn status_and_result(pool: &PgPool, id: Uuid) -> (String, Option<Value>) {
    let row = sqlx::query("SELECT status, result FROM absurd.tasks WHERE task_id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap();
    (row.get("status"), row.get("result"))
}

async fn wait_for_status(pool: &PgPool, id: Uuid, status: &str, timeout: Duration) {
    let started = Instant::now();
    loop {
        let (now, _) = status_and_result(pool, id).await;
        if now == status {
            return;
        }
        assert!(
            started.elapsed() < timeout,
            "task {id} is {now}, not {status}, after {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn answers_in_any_order_are_stored_once_each_on_their_own_task() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-persistent");
    // Records every task it is given, answers the even ones at once and
    // holds an odd one until the next task has been answered (or 50 ms of
    // silence): answers come out of order with several tasks in flight.
    std::fs::write(
        dir.path("ordered.py"),
        r#"import json, os, select, sys
seen = open(sys.argv[1] + "/seen." + str(os.getpid()), "a")
buf, held = b"", None
while True:
    if held and b"\n" not in buf and not select.select([0], [], [], 0.05)[0]:
        print(held, flush=True)
        held = None
        continue
    if b"\n" not in buf:
        chunk = os.read(0, 65536)
        if not chunk:
            break
        buf += chunk
        continue
    line, buf = buf.split(b"\n", 1)
    task = json.loads(line)
    seen.write(task["task_id"] + "\n")
    seen.flush()
    n = task["params"]["n"]
    reply = json.dumps({"id": task["id"], "result": {"n": n, "pid": os.getpid()}})
    if held is None and n % 2:
        held = reply
    else:
        print(reply, flush=True)
        if held:
            print(held, flush=True)
        held = None
if held:
    print(held, flush=True)
"#,
    )
    .unwrap();
    let handler = dir.script("ordered.sh", r#"exec python3 "$DIR/ordered.py" "$DIR""#);
    let ids = db.seed((0..60).map(|n| pq("echo").params(json!({ "n": n }))));
    let ended = start_worker(
        &db.url,
        "--concurrency 2 --pipeline 4 --exit-when-empty",
        &handler,
    )
    .wait(Duration::from_secs(60));
    ended.assert_code(0);
    assert_eq!(ended.json()["completed"], 60, "{:?}", ended.json());

    let mut pids = std::collections::HashSet::new();
    for (n, id) in ids.iter().enumerate() {
        let (status, result) = status_and_result(&pool, *id).await;
        assert_eq!(status, "completed", "task {n}");
        let result = result.unwrap();
        assert_eq!(result["n"], n, "task {n} has its own answer");
        pids.insert(result["pid"].as_i64().unwrap());
        let tried = attempts(&pool, *id).await;
        assert_eq!(tried.len(), 1, "task {n}: {tried:?}");
        assert_eq!(tried[0].0.as_deref(), Some("completed"));
    }
    assert!(
        pids.len() <= 2,
        "one handler per slot, not per task: {pids:?}"
    );
    // No task was given to a handler twice.
    let mut given: HashMap<String, usize> = HashMap::new();
    for entry in std::fs::read_dir(dir.path(".")).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("seen.")
        {
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                *given.entry(line.to_string()).or_default() += 1;
            }
        }
    }
    assert_eq!(given.len(), 60);
    assert!(given.values().all(|&n| n == 1), "{given:?}");
}

#[tokio::test]
async fn a_task_past_its_timeout_is_failed_as_timed_out_and_the_next_runs_on_a_new_handler() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let slow = db.seed_one(
        pq("sleep")
            .params(json!({"seconds": 60}))
            .timeout_sec(1)
            .max_retries(1)
            .priority(10),
    );
    let next = db.seed_one(pq("echo").params(json!({"after": "timeout"})));
    let ended = start_worker(
        &db.url,
        "--concurrency 1 --kill-grace 1s --exit-when-empty",
        HANDLER,
    )
    .wait(Duration::from_secs(60));
    ended.assert_code(0);

    let (status, result) = status_and_result(&pool, slow).await;
    assert_eq!(status, "failed");
    assert_eq!(result, None);
    let tried = attempts(&pool, slow).await;
    assert_eq!(tried.len(), 1, "{tried:?}");
    assert_eq!(tried[0].0.as_deref(), Some("timed_out"));
    assert_eq!(tried[0].3, Some(true), "killed for its timeout");
    let error: String = sqlx::query_scalar("SELECT error FROM absurd.tasks WHERE task_id = $1")
        .bind(slow)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(error.starts_with("timed out after 1.0s"), "{error}");

    let (status, result) = status_and_result(&pool, next).await;
    assert_eq!(status, "completed");
    assert_eq!(
        result.unwrap()["task"]["params"],
        json!({"after": "timeout"})
    );
}

#[tokio::test]
async fn a_task_cancelled_while_running_stays_cancelled_and_the_next_still_runs() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let long = db.seed_one(pq("sleep").params(json!({"seconds": 60})).priority(10));
    let mut worker = start_worker(
        &db.url,
        "--concurrency 1 --heartbeat-interval 200ms --kill-grace 1s",
        HANDLER,
    );
    wait_for_status(&pool, long, "claimed", Duration::from_secs(20)).await;
    // What `cancel --include-claimed` does to a claimed task.
    let id = long.to_string();
    let cancelled = db.cli(&[
        "--queue",
        "pq",
        "cancel",
        "--id",
        &id,
        "--include-claimed",
        "--yes",
    ]);
    cancelled.assert_success();
    let next = db.seed_one(pq("echo"));
    wait_for_status(&pool, next, "completed", Duration::from_secs(30)).await;
    worker.signal(libc::SIGTERM);
    worker.wait(Duration::from_secs(20)).assert_code(0);

    let (status, result) = status_and_result(&pool, long).await;
    assert_eq!(status, "cancelled");
    assert_eq!(result, None, "nothing stored over the cancellation");
    let tried = attempts(&pool, long).await;
    assert_eq!(tried.len(), 1, "{tried:?}");
    assert_eq!(tried[0].0.as_deref(), Some("cancelled"));
}

#[tokio::test]
async fn a_handler_that_crashes_fails_its_task_with_the_exit_and_is_restarted() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let crash = db.seed_one(
        pq("crash")
            .params(json!({"code": 3}))
            .max_retries(1)
            .priority(10),
    );
    let killed = db.seed_one(pq("kill-self").max_retries(1).priority(5));
    let after = db.seed(
        (0..5)
            .map(|n| pq("echo").params(json!({ "n": n })))
            .collect::<Vec<_>>(),
    );
    let ended = start_worker(&db.url, "--concurrency 1 --exit-when-empty", HANDLER)
        .wait(Duration::from_secs(60));
    ended.assert_code(0);

    let (status, _) = status_and_result(&pool, crash).await;
    assert_eq!(status, "failed");
    let tried = charged(attempts(&pool, crash).await);
    assert_eq!(tried.0.as_deref(), Some("failed"));
    assert_eq!(tried.1, Some(3), "exit code 3");
    let error: String = sqlx::query_scalar("SELECT error FROM absurd.tasks WHERE task_id = $1")
        .bind(crash)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(error.contains("crashing, as asked"), "stderr tail: {error}");

    let (status, _) = status_and_result(&pool, killed).await;
    assert_eq!(status, "failed");
    let tried = charged(attempts(&pool, killed).await);
    assert_eq!(tried.0.as_deref(), Some("failed"));
    assert_eq!(tried.2, Some(libc::SIGKILL), "killed by SIGKILL");

    for id in after {
        assert_eq!(status_and_result(&pool, id).await.0, "completed");
    }
}

#[tokio::test]
async fn an_answer_for_an_unknown_id_is_ignored_and_the_real_one_stored() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let stray = db.seed_one(pq("stray"));
    let ended = start_worker(&db.url, "--exit-when-empty", HANDLER).wait(Duration::from_secs(30));
    ended.assert_code(0);
    let (status, result) = status_and_result(&pool, stray).await;
    assert_eq!(status, "completed");
    assert_eq!(result, Some(json!({"stray": true})));
    assert_eq!(attempts(&pool, stray).await.len(), 1);
    assert!(
        ended.log().iter().any(|l| l.contains("no-such-id")),
        "the stray answer is logged: {:?}",
        ended.log()
    );
}

#[tokio::test]
async fn sigterm_lets_the_tasks_in_flight_finish_then_the_handler_exits() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let running = db.seed_one(pq("sleep").params(json!({"seconds": 2})).priority(10));
    let waiting = db.seed_one(pq("echo"));
    let mut worker = start_worker(&db.url, "--concurrency 1 --grace 30s", HANDLER);
    wait_for_status(&pool, running, "claimed", Duration::from_secs(20)).await;
    worker.signal(libc::SIGTERM);
    let ended = worker.wait(Duration::from_secs(30));
    ended.assert_code(0);
    assert_eq!(ended.json()["stopped_by"], "SIGTERM");

    let (status, result) = status_and_result(&pool, running).await;
    assert_eq!(status, "completed");
    assert_eq!(result.unwrap()["slept"], true);
    assert_eq!(
        status_and_result(&pool, waiting).await.0,
        "pending",
        "nothing claimed after SIGTERM"
    );
}
