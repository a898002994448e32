//! `worker run` with real handler scripts: results, failures and retries,
//! timeouts that kill a whole process group, cancellation and reaping,
//! graceful and hurried shutdown, wake-up on NOTIFY, a PostgreSQL restart,
//! and the systemd notify protocol.

mod common;

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// `worker run OPTIONS -- HANDLER` on queue `wq`, in the background.
fn start_worker(url: &str, options: &str, handler: &str) -> Background {
    start_worker_with_env(url, options, handler, &[])
}

fn start_worker_with_env(
    url: &str,
    options: &str,
    handler: &str,
    env: &[(&str, &str)],
) -> Background {
    let mut full = vec!["--database-url", url, "--queue", "wq", "worker", "run"];
    full.extend(options.split_whitespace());
    full.extend(["--", handler]);
    let mut cmd = absurdctl_command(&full);
    cmd.envs(env.iter().copied());
    Background::start(cmd)
}

fn assert_process_gone(pid: &str, what: &str) {
    let started = Instant::now();
    while !process_gone(pid.parse().unwrap()) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{what} (pid {pid}) is still running"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A task of the queue the workers here run, `wq`.
fn wq(task_name: &str) -> TaskSeed {
    task().queue("wq").name(task_name)
}

async fn task_row(pool: &PgPool, id: Uuid) -> sqlx::postgres::PgRow {
    sqlx::query(
        "SELECT status, attempt, result, error, worker_id, claimed_at, created_at
           FROM absurd.tasks WHERE task_id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap()
}

fn backoff_base(db: &TestDb, secs: &str) {
    db.psql(&format!(
        "ALTER DATABASE \"{}\" SET absurd.retry_backoff_base = '{secs}'",
        db.name
    ));
}

#[tokio::test]
async fn a_handler_gets_the_task_and_its_json_output_becomes_the_result() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "handler.sh",
        r#"cat > "$DIR/$ABSURD_TASK_ID.json"
env | grep '^ABSURD_' | sort > "$DIR/$ABSURD_TASK_ID.env"
case "$ABSURD_TASK_NAME" in
  imaging) echo '{"answer": 42, "images": ["a.fits"]}' ;;
  calibrate) echo 'line one'; echo 'calibrated fine' ;;
  quiet) ;;
esac"#,
    );
    let imaging = db.seed_one(
        wq("imaging")
            .params(json!({"group": "2025-11-30T12:00"}))
            .timeout_sec(600)
            .max_retries(2),
    );
    let calibrate = db.seed_one(wq("calibrate"));
    let quiet = db.seed_one(wq("quiet"));
    let other = db.seed_one(wq("mosaic"));

    let ended = start_worker(
        &db.url,
        "--concurrency 2 --exit-when-empty --output json --task-name imaging --task-name calibrate --task-name quiet",
        &handler,
    )
    .wait(Duration::from_secs(30));
    ended.assert_code(0);
    let summary = ended.json();
    assert_eq!(summary["completed"], 3, "{summary}");
    assert_eq!(summary["stopped_by"], "exit-when-empty");
    let worker_id = summary["worker_id"].as_str().unwrap().to_string();
    assert!(
        ended.log().iter().any(|l| l.contains("completed in")),
        "human log lines: {:?}",
        ended.log()
    );

    let row = task_row(&pool, imaging).await;
    assert_eq!(row.get::<String, _>("status"), "completed");
    assert_eq!(
        row.get::<Value, _>("result"),
        json!({"answer": 42, "images": ["a.fits"]})
    );
    let row = task_row(&pool, calibrate).await;
    assert_eq!(
        row.get::<Value, _>("result"),
        json!({"output": "line one\ncalibrated fine"}),
        "text is stored under `output`: a result is always a JSON object"
    );
    let row = task_row(&pool, quiet).await;
    assert_eq!(row.get::<String, _>("status"), "completed");
    assert_eq!(
        row.get::<Option<Value>, _>("result"),
        None,
        "nothing printed, no result"
    );
    let row = task_row(&pool, other).await;
    assert_eq!(
        row.get::<String, _>("status"),
        "pending",
        "not in --task-name"
    );
    assert_eq!(row.get::<i32, _>("attempt"), 0);

    let input: Value = serde_json::from_str(&dir.read(&format!("{imaging}.json"))).unwrap();
    assert_eq!(
        input,
        json!({
            "task_id": imaging.to_string(),
            "queue_name": "wq",
            "task_name": "imaging",
            "params": {"group": "2025-11-30T12:00"},
            "attempt": 1,
            "max_retries": 2,
            "priority": 0,
            "timeout_sec": 600,
            "worker_id": worker_id,
        })
    );
    let env = dir.read(&format!("{imaging}.env"));
    let mut lines: Vec<&str> = env.lines().collect();
    // A file of the worker's own, only its user's, for the handler's progress.
    let progress = lines.remove(1);
    let path = progress.strip_prefix("ABSURD_PROGRESS_FILE=").unwrap();
    assert!(
        path.contains("absurdctl-worker-") && path.ends_with(".progress"),
        "{path}"
    );
    assert_eq!(
        lines,
        [
            "ABSURD_ATTEMPT=1".to_string(),
            "ABSURD_QUEUE_NAME=wq".to_string(),
            format!("ABSURD_TASK_ID={imaging}"),
            "ABSURD_TASK_NAME=imaging".to_string(),
            format!("ABSURD_WORKER_ID={worker_id}"),
        ]
    );

    let reg = sqlx::query(
        "SELECT status, concurrency, task_names, stopped_at IS NOT NULL AS stopped
           FROM absurd.worker_registry WHERE worker_id = $1",
    )
    .bind(&worker_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(reg.get::<String, _>("status"), "stopped");
    assert_eq!(reg.get::<i32, _>("concurrency"), 2);
    assert_eq!(
        reg.get::<Vec<String>, _>("task_names"),
        ["imaging", "calibrate", "quiet"]
    );
    assert!(reg.get::<bool, _>("stopped"));
}

#[tokio::test]
async fn a_failure_keeps_stderr_and_retries_after_backoff_until_attempts_run_out() {
    let db = TestDb::migrated().await;
    backoff_base(&db, "0.2");
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "fail.sh",
        r#"echo "noise on stdout"
echo "reading the measurement set" >&2
echo "boom on attempt $ABSURD_ATTEMPT" >&2
exit 3"#,
    );
    let id = db.seed_one(wq("calibrate"));
    // A long poll interval: retries must come from the backoff alarm.
    let ended = start_worker(
        &db.url,
        "--log-format json --max-tasks 3 --poll-interval 60s",
        &handler,
    )
    .wait(Duration::from_secs(30));
    ended.assert_code(0);

    let row = task_row(&pool, id).await;
    assert_eq!(row.get::<String, _>("status"), "failed");
    assert_eq!(row.get::<i32, _>("attempt"), 3);
    let error: String = row.get("error");
    assert!(
        error.starts_with("exit status 3: boom on attempt 3\n"),
        "{error}"
    );
    assert!(
        error.contains("reading the measurement set\nboom on attempt 3"),
        "{error}"
    );
    assert!(!error.contains("noise on stdout"), "{error}");

    let events = ended.events();
    let failed: Vec<&Value> = events.iter().filter(|e| e["event"] == "failed").collect();
    assert_eq!(failed.len(), 3, "{events:?}");
    assert_eq!(
        failed
            .iter()
            .map(|e| e["retrying"].as_bool().unwrap())
            .collect::<Vec<_>>(),
        [true, true, false]
    );
    // Each retry starts no sooner than its backoff (0.2 s, then 0.4 s).
    let ts = |e: &Value| chrono::DateTime::parse_from_rfc3339(e["ts"].as_str().unwrap()).unwrap();
    let started: Vec<&Value> = events.iter().filter(|e| e["event"] == "started").collect();
    assert_eq!(started.len(), 3);
    for (i, min_ms) in [(1, 150), (2, 350)] {
        let gap = ts(started[i]) - ts(failed[i - 1]);
        assert!(
            gap.num_milliseconds() >= min_ms,
            "retry {i} came after {gap}"
        );
    }
}

#[tokio::test]
async fn a_handler_past_its_timeout_is_killed_with_its_whole_group_and_failed() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    // The default-timeout task ignores SIGTERM (and so does its grandchild,
    // which inherits that): only SIGKILL after the kill grace ends them.
    let handler = dir.script(
        "slow.sh",
        r#"[ "$ABSURD_TASK_NAME" = stubborn ] && trap '' TERM
sleep 1000 &
echo $! > "$DIR/$ABSURD_TASK_ID.grandchild"
echo $$ > "$DIR/$ABSURD_TASK_ID.leader"
echo "working" >&2
sleep 1000"#,
    );
    let own = db.seed_one(wq("imaging").timeout_sec(1).max_retries(1));
    let stubborn = db.seed_one(wq("stubborn").max_retries(1));
    let ended = start_worker(
        &db.url,
        "--log-format json --concurrency 2 --max-tasks 2 --default-timeout 2s --kill-grace 1s --output json",
        &handler,
    )
    .wait(Duration::from_secs(30));
    ended.assert_code(0);
    assert_eq!(ended.json()["timed_out"], 2);

    let row = task_row(&pool, own).await;
    assert_eq!(row.get::<String, _>("status"), "failed");
    let error: String = row.get("error");
    assert!(
        error.starts_with("timed out after 1.0s and was stopped (killed by signal 15 (SIGTERM))"),
        "{error}"
    );
    assert!(error.ends_with("working"), "{error}");
    let row = task_row(&pool, stubborn).await;
    assert_eq!(row.get::<String, _>("status"), "failed");
    let error: String = row.get("error");
    assert!(
        error.starts_with("timed out after 2.0s and was stopped (killed by signal 9 (SIGKILL))"),
        "{error}"
    );
    for id in [own, stubborn] {
        assert_process_gone(&dir.read(&format!("{id}.leader")), "the handler");
        assert_process_gone(
            &dir.read(&format!("{id}.grandchild")),
            "the handler's child",
        );
    }
    assert_eq!(
        ended
            .events()
            .iter()
            .filter(|e| e["event"] == "timed_out")
            .count(),
        2
    );
}

#[tokio::test]
async fn cancelling_or_reaping_a_running_task_stops_its_handler() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "long.sh",
        r#"echo $$ > "$DIR/$ABSURD_TASK_ID.pid"
sleep 1000
echo '{"finished": true}'"#,
    );
    let cancelled = db.seed_one(wq("imaging"));
    let reaped = db.seed_one(wq("imaging"));
    let mut worker = start_worker(
        &db.url,
        "--log-format json --concurrency 2 --max-tasks 2 --heartbeat-interval 200ms --kill-grace 1s --output json",
        &handler,
    );
    let pid_a = dir.wait_for(&format!("{cancelled}.pid"), Duration::from_secs(15));
    let pid_b = dir.wait_for(&format!("{reaped}.pid"), Duration::from_secs(15));
    // What `cancel --include-claimed` and `reap` do to a claimed task.
    db.psql(&format!(
        "UPDATE absurd.tasks SET status = 'cancelled', completed_at = now() WHERE task_id = '{cancelled}'"
    ));
    db.psql(&format!(
        "UPDATE absurd.tasks SET status = 'retrying', worker_id = NULL,
                available_at = now() + interval '1 hour' WHERE task_id = '{reaped}'"
    ));
    let ended = worker.wait(Duration::from_secs(20));
    ended.assert_code(0);
    assert_eq!(ended.json()["lost"], 2);
    assert_process_gone(&pid_a, "the cancelled task's handler");
    assert_process_gone(&pid_b, "the reaped task's handler");

    let row = task_row(&pool, cancelled).await;
    assert_eq!(row.get::<String, _>("status"), "cancelled");
    assert_eq!(row.get::<Option<Value>, _>("result"), None);
    let row = task_row(&pool, reaped).await;
    assert_eq!(row.get::<String, _>("status"), "retrying");
    assert_eq!(row.get::<Option<String>, _>("worker_id"), None);
    assert_eq!(
        row.get::<i32, _>("attempt"),
        1,
        "the worker charged nothing more"
    );
    assert_eq!(
        ended
            .events()
            .iter()
            .filter(|e| e["event"] == "stopping")
            .count(),
        2
    );
}

#[tokio::test]
async fn sigterm_waits_for_the_running_handler_then_exits_0() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "short.sh",
        r#"echo $$ > "$DIR/$ABSURD_TASK_ID.pid"
sleep 1
echo '{"done": true}'"#,
    );
    let first = db.seed_one(wq("imaging"));
    let second = db.seed_one(wq("imaging"));
    let mut worker = start_worker(
        &db.url,
        "--log-format json --grace 30s --output json",
        &handler,
    );
    let claimed = worker.wait_for_named("started", Duration::from_secs(15));
    dir.wait_for(
        &format!("{}.pid", claimed["task_id"].as_str().unwrap()),
        Duration::from_secs(15),
    );
    let running: Uuid = claimed["task_id"].as_str().unwrap().parse().unwrap();
    let waiting = if running == first { second } else { first };
    worker.signal(libc::SIGTERM);
    let ended = worker.wait(Duration::from_secs(20));
    ended.assert_code(0);
    let summary = ended.json();
    assert_eq!(summary["stopped_by"], "SIGTERM");
    assert_eq!(summary["completed"], 1);

    let row = task_row(&pool, running).await;
    assert_eq!(row.get::<String, _>("status"), "completed");
    assert_eq!(row.get::<Value, _>("result"), json!({"done": true}));
    let row = task_row(&pool, waiting).await;
    assert_eq!(
        row.get::<String, _>("status"),
        "pending",
        "nothing claimed after SIGTERM"
    );
    let status: String =
        sqlx::query_scalar("SELECT status FROM absurd.worker_registry WHERE worker_id = $1")
            .bind(summary["worker_id"].as_str().unwrap())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "stopped");
}

#[tokio::test]
async fn a_handler_still_running_after_the_grace_is_killed_and_its_task_given_back() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "forever.sh",
        r#"echo $$ > "$DIR/$ABSURD_TASK_ID.pid"
sleep 1000"#,
    );
    let id = db.seed_one(wq("imaging"));
    let mut worker = start_worker(
        &db.url,
        "--log-format json --grace 1s --kill-grace 1s --output json",
        &handler,
    );
    worker.wait_for_named("started", Duration::from_secs(15));
    let pid = dir.wait_for(&format!("{id}.pid"), Duration::from_secs(15));
    worker.signal(libc::SIGINT);
    let ended = worker.wait(Duration::from_secs(20));
    ended.assert_code(0);
    assert_eq!(ended.json()["released"], 1);
    assert_process_gone(&pid, "the handler");

    let row = task_row(&pool, id).await;
    assert_eq!(row.get::<String, _>("status"), "pending");
    assert_eq!(
        row.get::<i32, _>("attempt"),
        0,
        "the attempt is not charged"
    );
    assert_eq!(row.get::<Option<String>, _>("worker_id"), None);
}

#[tokio::test]
async fn a_second_signal_kills_the_handlers_and_exits_at_once() {
    let db = TestDb::migrated().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "forever.sh",
        r#"echo $$ > "$DIR/$ABSURD_TASK_ID.pid"
sleep 1000"#,
    );
    let id = db.seed_one(wq("imaging"));
    let mut worker = start_worker(&db.url, "--log-format json --grace 10m", &handler);
    let pid = dir.wait_for(&format!("{id}.pid"), Duration::from_secs(15));
    worker.signal(libc::SIGTERM);
    worker.wait_for_named("draining", Duration::from_secs(10));
    worker.signal(libc::SIGTERM);
    let ended = worker.wait(Duration::from_secs(10));
    ended.assert_code(130);
    assert_process_gone(&pid, "the handler");
}

#[tokio::test]
async fn an_idle_worker_picks_up_a_spawned_task_without_waiting_for_the_poll() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script("noop.sh", "true");
    let poll = Duration::from_secs(10);
    let mut worker = start_worker(
        &db.url,
        "--log-format json --poll-interval 10s --output json",
        &handler,
    );
    worker.wait_for_named("worker_started", Duration::from_secs(15));
    // Past its first (empty) claim; the next poll is seconds away.
    std::thread::sleep(Duration::from_millis(1000));
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(db.seed_one(wq("imaging")));
        std::thread::sleep(Duration::from_millis(300));
    }
    let started = Instant::now();
    loop {
        let done: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM absurd.tasks WHERE task_id = ANY($1) AND status = 'completed'",
        )
        .bind(&ids)
        .fetch_one(&pool)
        .await
        .unwrap();
        if done == 3 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "tasks not completed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let pickups: Vec<f64> = sqlx::query_scalar(
        "SELECT extract(epoch FROM claimed_at - created_at)::float8 FROM absurd.tasks WHERE task_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&pool)
    .await
    .unwrap();
    eprintln!("pickup delays (s): {pickups:?}");
    for p in &pickups {
        assert!(
            *p < poll.as_secs_f64() / 2.0,
            "picked up after {p} s, poll interval {poll:?}: {pickups:?}"
        );
    }
    worker.signal(libc::SIGTERM);
    worker.wait(Duration::from_secs(20)).assert_code(0);
}

#[tokio::test]
async fn the_worker_survives_a_postgres_restart_and_finishes_every_task() {
    let cluster = PgCluster::start();
    let db = TestDb::empty_on(&cluster.url).await;
    db.cli(&["migrate"]).assert_success();
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "work.sh",
        r#"sleep 0.3
echo "{\"attempt\": $ABSURD_ATTEMPT}""#,
    );
    let n = 12usize;
    for _ in 0..n {
        db.seed_one(wq("imaging"));
    }
    pool.close().await;
    let mut worker = start_worker(
        &db.url,
        &format!(
            "--log-format json --concurrency 2 --max-tasks {n} --connect-timeout 1s \
             --heartbeat-interval 300ms --poll-interval 1s --output json"
        ),
        &handler,
    );
    // Restart once a few tasks are done, with others running.
    let started = Instant::now();
    loop {
        let done = db.psql("SELECT count(*) FROM absurd.tasks WHERE status = 'completed'");
        if done.parse::<i32>().unwrap() >= 3 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no progress:\n{}",
            worker.lines().join("\n")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Down for longer than the worker waits for a connection: its calls
    // fail, handlers finish meanwhile, their results must wait.
    cluster.restart_after(Duration::from_millis(2500));
    let ended = worker.wait(Duration::from_secs(90));
    ended.assert_code(0);
    let events = ended.events();
    for noticed in ["db_error", "db_restored"] {
        assert!(
            events.iter().any(|e| e["event"] == noticed),
            "no {noticed}: {}",
            ended.log().join("\n")
        );
    }
    let runs = events.iter().filter(|e| e["event"] == "started").count();
    assert_eq!(runs, n, "each task ran once");
    assert_eq!(
        db.psql("SELECT count(*) FROM absurd.tasks WHERE status = 'completed'"),
        n.to_string(),
        "{}",
        ended.log().join("\n")
    );
}

#[tokio::test]
async fn systemd_hears_ready_watchdog_and_stopping() {
    use std::os::unix::net::UnixDatagram;
    let db = TestDb::migrated().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "env.sh",
        r#"env > "$DIR/$ABSURD_TASK_ID.env"
sleep 0.5"#,
    );
    let path_socket = dir.path("notify.sock");
    let by_path = UnixDatagram::bind(&path_socket).unwrap();
    let name = format!("absurdctl-test-{}", Uuid::new_v4().simple());
    let by_name = {
        use std::os::linux::net::SocketAddrExt;
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        UnixDatagram::bind_addr(&addr).unwrap()
    };
    for (socket, address) in [
        (&by_path, path_socket.to_str().unwrap().to_string()),
        (&by_name, format!("@{name}")),
    ] {
        let id = db.seed_one(wq("imaging"));
        let listener = socket.try_clone().unwrap();
        listener
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let heard = std::thread::spawn(move || {
            let mut heard = Vec::new();
            let mut buf = [0u8; 256];
            while let Ok(n) = listener.recv(&mut buf) {
                heard.push(String::from_utf8_lossy(&buf[..n]).into_owned());
                if heard.last().unwrap() == "STOPPING=1" {
                    break;
                }
            }
            heard
        });
        let ended = start_worker_with_env(
            &db.url,
            "--max-tasks 1",
            &handler,
            &[("NOTIFY_SOCKET", &address), ("WATCHDOG_USEC", "200000")],
        )
        .wait(Duration::from_secs(20));
        ended.assert_code(0);
        let heard = heard.join().unwrap();
        assert_eq!(
            heard.first().map(String::as_str),
            Some("READY=1"),
            "{address}: {heard:?}"
        );
        assert!(
            heard.iter().any(|m| m == "WATCHDOG=1"),
            "{address}: {heard:?}"
        );
        assert_eq!(
            heard.last().map(String::as_str),
            Some("STOPPING=1"),
            "{address}: {heard:?}"
        );
        let env = dir.read(&format!("{id}.env"));
        assert!(
            !env.contains("NOTIFY_SOCKET"),
            "the handler must not speak for the worker"
        );
    }
}

#[tokio::test]
async fn concurrency_claims_in_batches_and_runs_handlers_side_by_side() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "side.sh",
        r#"touch "$DIR/running.$$"
ls "$DIR" | grep -c '^running\.' >> "$DIR/overlap"
sleep 1
rm "$DIR/running.$$""#,
    );
    for _ in 0..8 {
        db.seed_one(wq("imaging"));
    }
    let ended = start_worker(
        &db.url,
        "--concurrency 4 --exit-when-empty --output json",
        &handler,
    )
    .wait(Duration::from_secs(30));
    ended.assert_code(0);
    assert_eq!(ended.json()["completed"], 8);
    // One claim took four tasks: they share the claiming transaction's now().
    let batch: i64 = sqlx::query_scalar(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM absurd.tasks GROUP BY claimed_at) c",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(batch, 4);
    let most = dir
        .read("overlap")
        .lines()
        .map(|l| l.trim().parse::<u32>().unwrap())
        .max()
        .unwrap();
    assert!(most >= 2, "handlers ran one at a time");
}

#[tokio::test]
async fn a_handler_that_cannot_run_is_refused_before_anything_is_claimed() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let id = db.seed_one(wq("imaging"));
    let out = db.cli(&[
        "--queue",
        "wq",
        "worker",
        "run",
        "--",
        "/nonexistent/handler",
    ]);
    out.assert_code(2);
    assert!(out.stderr.contains("/nonexistent/handler"), "{out}");
    let out = db.cli(&[
        "--queue",
        "wq",
        "worker",
        "run",
        "--",
        "no-such-handler-anywhere",
    ]);
    out.assert_code(2);
    let row = task_row(&pool, id).await;
    assert_eq!(row.get::<String, _>("status"), "pending");
    assert_eq!(db.psql("SELECT count(*) FROM absurd.worker_registry"), "0");
}

#[tokio::test]
async fn a_handler_that_cannot_start_gives_its_task_back_uncharged() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script("flaky.sh", r#"echo '{"ran": true}'"#);
    let mut worker = start_worker(
        &db.url,
        "--log-format json --poll-interval 300ms --max-tasks 2 --output json",
        &handler,
    );
    worker.wait_for_named("worker_started", Duration::from_secs(15));
    // Broken after the start-up check, as by a deployment gone wrong.
    std::fs::set_permissions(&handler, std::fs::Permissions::from_mode(0o644)).unwrap();
    let id = db.seed_one(wq("imaging"));
    worker.wait_for_named("spawn_failed", Duration::from_secs(15));
    std::fs::set_permissions(&handler, std::fs::Permissions::from_mode(0o755)).unwrap();
    let ended = worker.wait(Duration::from_secs(20));
    ended.assert_code(0);
    let row = task_row(&pool, id).await;
    assert_eq!(row.get::<String, _>("status"), "completed");
    assert_eq!(
        row.get::<i32, _>("attempt"),
        1,
        "the failed start was not charged"
    );
    assert_eq!(row.get::<Value, _>("result"), json!({"ran": true}));
    let released = ended
        .events()
        .iter()
        .filter(|e| e["event"] == "released")
        .count();
    assert!(released >= 1, "{:?}", ended.log());
}

#[tokio::test]
async fn the_example_handler_completes_and_fails_tasks() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let handler = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/handler.sh");
    let echo = db.seed_one(wq("echo").params(json!({"group": "g1"})));
    let unknown = db.seed_one(wq("mystery").max_retries(1));
    start_worker(&db.url, "--exit-when-empty", handler)
        .wait(Duration::from_secs(20))
        .assert_code(0);
    let row = task_row(&pool, echo).await;
    assert_eq!(row.get::<String, _>("status"), "completed");
    let result: Value = row.get("result");
    assert_eq!(result["task"]["params"], json!({"group": "g1"}));
    let row = task_row(&pool, unknown).await;
    assert_eq!(row.get::<String, _>("status"), "failed");
    assert!(row
        .get::<String, _>("error")
        .contains("unknown task name: mystery"));
}

/// README's quick start, then the example handler it points to, touch only
/// the queue `quickstart`: every task it spawned completes, and the
/// production queue stays empty.
#[tokio::test]
async fn the_quick_start_and_its_example_worker_stay_on_their_own_queue() {
    let db = TestDb::migrated().await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/quickstart.sh");
    let out = std::process::Command::new(script)
        .env("ABSURD_DATABASE_URL", &db.url)
        .env_remove("ABSURD_QUEUE_NAME")
        .current_dir("/")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("ABSURD_QUEUE_NAME=quickstart"), "{stderr}");
    // The hint names the handler by an absolute path: it works from anywhere.
    let hint = stderr
        .lines()
        .find(|l| l.contains("worker run"))
        .expect("a worker hint");
    let handler = hint
        .split_whitespace()
        .find(|w| w.ends_with("examples/handler.sh"))
        .unwrap();
    assert!(handler.starts_with('/'), "{hint}");
    let mut cmd = absurdctl_command(&[
        "--database-url",
        &db.url,
        "--queue",
        "quickstart",
        "worker",
        "run",
        "--exit-when-empty",
        "--",
        handler,
    ]);
    cmd.current_dir("/");
    Background::start(cmd)
        .wait(Duration::from_secs(30))
        .assert_code(0);
    let by_status = db.psql(
        "SELECT string_agg(queue_name || ':' || status || ':' || n, ',' ORDER BY queue_name, status)
           FROM (SELECT queue_name, status, count(*) n FROM absurd.tasks GROUP BY 1, 2) s",
    );
    assert_eq!(by_status.trim(), "quickstart:completed:6");
}

/// The test database's URL with a password in it. The throwaway servers
/// trust local connections, so it is never checked: it only has to stay
/// out of everything printed, stored or passed on.
fn url_with_password(db: &TestDb, password: &str) -> String {
    let url = db
        .url
        .replacen("postgres@", &format!("postgres:{password}@"), 1);
    assert_ne!(url, db.url, "the test URL names the user postgres");
    url
}

async fn heartbeat_epoch(pool: &PgPool, id: Uuid) -> f64 {
    sqlx::query_scalar(
        "SELECT extract(epoch FROM heartbeat_at)::float8 FROM absurd.tasks WHERE task_id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn wait_for_status(pool: &PgPool, id: Uuid, status: &str, timeout: Duration) {
    let started = Instant::now();
    loop {
        let now: String = sqlx::query_scalar("SELECT status FROM absurd.tasks WHERE task_id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .unwrap();
        if now == status {
            return;
        }
        assert!(
            started.elapsed() < timeout,
            "task {id} is {now}, not {status}, after {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn a_row_locked_by_another_session_delays_no_other_tasks_heartbeat_or_result() {
    use sqlx::{Connection, PgConnection};
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "h.sh",
        r#"echo $$ > "$DIR/$ABSURD_TASK_ID.pid"
[ "$ABSURD_TASK_NAME" = quick ] && go=quick.go || go=go
while [ ! -e "$DIR/$go" ]; do sleep 0.05; done
echo "{\"name\": \"$ABSURD_TASK_NAME\"}""#,
    );
    let locked = db.seed_one(wq("locked"));
    let other = db.seed_one(wq("other"));
    let quick = db.seed_one(wq("quick"));
    let mut worker = start_worker(
        &db.url,
        "--log-format json --concurrency 3 --max-tasks 3 --heartbeat-interval 200ms --output json",
        &handler,
    );
    for id in [locked, other, quick] {
        dir.wait_for(&format!("{id}.pid"), Duration::from_secs(15));
    }

    // Another session holds one running task's row, for longer than the
    // reaper's limit below, as an operator's open transaction would.
    let mut holder = PgConnection::connect(&db.url).await.unwrap();
    let mut tx = holder.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM absurd.tasks WHERE task_id = $1 FOR UPDATE")
        .bind(locked)
        .execute(&mut *tx)
        .await
        .unwrap();
    let before = heartbeat_epoch(&pool, other).await;
    std::fs::write(dir.path("quick.go"), "").unwrap();
    wait_for_status(&pool, quick, "completed", Duration::from_secs(15)).await;
    std::thread::sleep(Duration::from_millis(1500));
    let after = heartbeat_epoch(&pool, other).await;
    assert!(
        after > before,
        "the other task's heartbeat stood still while a row was locked:\n{}",
        worker.lines().join("\n")
    );
    let reap = db.cli(&[
        "--queue",
        "wq",
        "reap",
        "--heartbeat-timeout",
        "1s",
        "--yes",
        "--output",
        "json",
    ]);
    reap.assert_success();
    assert_eq!(reap.json()["totals"]["reaped"], 0, "{reap}");
    tx.commit().await.unwrap();

    std::fs::write(dir.path("go"), "").unwrap();
    let ended = worker.wait(Duration::from_secs(30));
    ended.assert_code(0);
    let summary = ended.json();
    assert_eq!(summary["completed"], 3, "{summary}");
    assert_eq!(
        summary["lost"], 0,
        "a busy row is not a lost task: {summary}"
    );
    for (id, name) in [(locked, "locked"), (other, "other"), (quick, "quick")] {
        let row = task_row(&pool, id).await;
        assert_eq!(row.get::<String, _>("status"), "completed");
        assert_eq!(row.get::<i32, _>("attempt"), 1, "{name} ran once");
        assert_eq!(row.get::<Value, _>("result"), json!({ "name": name }));
    }
    let events = ended.events();
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "row_locked" && e["task_id"] == locked.to_string()),
        "{events:?}"
    );
    assert!(
        !events.iter().any(|e| e["event"] == "stopping"),
        "{events:?}"
    );
    assert!(
        !events.iter().any(|e| e["event"] == "db_error"),
        "{events:?}"
    );
}

#[tokio::test]
async fn results_are_stored_in_batches_bounded_by_bytes_and_one_too_big_fails_saying_so() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    // Everyone prints at once, so that the results wait together.
    let handler = dir.script(
        "big.sh",
        r#"echo $$ > "$DIR/$ABSURD_TASK_ID.pid"
while [ ! -e "$DIR/go" ]; do sleep 0.05; done
[ "$ABSURD_TASK_NAME" = huge ] && n=300000 || n=100000
printf '{"blob": "%s"}' "$(head -c $n /dev/zero | tr '\0' x)""#,
    );
    let mut big = Vec::new();
    for _ in 0..6 {
        big.push(db.seed_one(wq("big")));
    }
    let huge = db.seed_one(wq("huge").max_retries(1));
    let mut worker = start_worker(
        &db.url,
        "--log-format json --concurrency 7 --max-tasks 7 --result-batch-bytes 250000 --output json",
        &handler,
    );
    for id in big.iter().chain([&huge]) {
        dir.wait_for(&format!("{id}.pid"), Duration::from_secs(15));
    }
    std::fs::write(dir.path("go"), "").unwrap();
    let ended = worker.wait(Duration::from_secs(60));
    ended.assert_code(0);
    let summary = ended.json();
    assert_eq!(summary["completed"], 6, "{summary}");
    assert_eq!(summary["failed"], 1, "{summary}");

    let lengths: Vec<i32> = sqlx::query_scalar(
        "SELECT length(result->>'blob') FROM absurd.tasks WHERE task_id = ANY($1) AND status = 'completed'",
    )
    .bind(&big)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(lengths, vec![100_000; 6]);
    // One statement stores a batch: its tasks share its transaction's now().
    let per_batch: i64 = sqlx::query_scalar(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM absurd.tasks
                              WHERE task_id = ANY($1) GROUP BY completed_at) b",
    )
    .bind(&big)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        per_batch <= 2,
        "{per_batch} results of 100 kB in one batch of 250 kB"
    );

    let row = task_row(&pool, huge).await;
    assert_eq!(row.get::<String, _>("status"), "failed");
    let error: String = row.get("error");
    assert!(
        error.contains("300011 bytes") && error.contains("--result-batch-bytes"),
        "{error}"
    );
    assert!(
        !ended.log().iter().any(|l| l.contains("xxxxxxxxxxxxxxxx")),
        "a result's content was logged"
    );
}

/// The throwaway script, for a cluster stopped and started by hand.
fn pg_script(args: &[&str], port: Option<&str>) -> bool {
    let mut cmd = std::process::Command::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/pg-throwaway.sh"
    ));
    cmd.args(args);
    if let Some(p) = port {
        cmd.env("PG_PORT", p);
    }
    cmd.output().unwrap().status.success()
}

fn stop_cluster(cluster: &PgCluster) {
    assert!(pg_script(&["stop", cluster.dir.to_str().unwrap()], None));
}

fn start_cluster(cluster: &PgCluster) {
    let port = std::fs::read_to_string(cluster.dir.join("port")).unwrap();
    for _ in 0..20 {
        if pg_script(&["start", cluster.dir.to_str().unwrap()], Some(port.trim())) {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("PostgreSQL did not start again");
}

#[tokio::test]
async fn a_stopped_database_is_named_in_the_log_and_unstored_results_are_logged_by_size() {
    let cluster = PgCluster::start();
    let db = TestDb::empty_on(&cluster.url).await;
    db.cli(&["migrate"]).assert_success();
    let pool = db.pool().await;
    let id = db.seed_one(wq("imaging"));
    pool.close().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "late.sh",
        r#"echo $$ > "$DIR/$ABSURD_TASK_ID.pid"
while [ ! -e "$DIR/go" ]; do sleep 0.05; done
head -c 200000 /dev/zero | tr '\0' y"#,
    );
    let url = url_with_password(&db, "pw-never-shown-5f1");
    let mut worker = start_worker(
        &url,
        "--log-format json --connect-timeout 1s --heartbeat-interval 300ms --grace 1s --output json",
        &handler,
    );
    dir.wait_for(&format!("{id}.pid"), Duration::from_secs(15));
    let port = url
        .split(':')
        .nth(3)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();

    stop_cluster(&cluster);
    let down = worker.wait_for_named("db_error", Duration::from_secs(20));
    let message = down["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("127.0.0.1:{port}")) && message.contains(&db.name),
        "host, port and database named: {message}"
    );
    assert!(!message.contains("pool timed out"), "{message}");
    // It keeps trying, and hears the database come back.
    start_cluster(&cluster);
    worker.wait_for_named("db_restored", Duration::from_secs(30));

    // Down again when the result comes: it cannot be stored.
    stop_cluster(&cluster);
    std::fs::write(dir.path("go"), "").unwrap();
    std::thread::sleep(Duration::from_millis(500));
    worker.signal(libc::SIGTERM);
    let ended = worker.wait(Duration::from_secs(60));
    ended.assert_code(1);
    assert_eq!(ended.json()["unstored"], 1);
    let unstored = ended
        .events()
        .into_iter()
        .find(|e| e["event"] == "unstored")
        .unwrap_or_else(|| panic!("no unstored event:\n{}", ended.log().join("\n")));
    assert_eq!(unstored["result_bytes"], 200_013, "{unstored}");
    let log = ended.log().join("\n");
    assert!(
        !log.contains("yyyyyyyyyyyyyyyy"),
        "a result's content was logged"
    );
    assert!(
        !log.contains("pw-never-shown-5f1"),
        "the password was logged"
    );
}

#[tokio::test]
async fn a_second_worker_with_a_live_workers_id_refuses_to_start() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "wait.sh",
        r#"echo $$ > "$DIR/$ABSURD_TASK_ID.pid"
while [ ! -e "$DIR/go" ]; do sleep 0.05; done
echo '{"by": "first"}'"#,
    );
    let id = db.seed_one(wq("imaging"));
    let mut first = start_worker(
        &db.url,
        "--log-format json --worker-id dup-1 --max-tasks 1 --heartbeat-interval 200ms --output json",
        &handler,
    );
    dir.wait_for(&format!("{id}.pid"), Duration::from_secs(15));

    let second = start_worker(
        &db.url,
        "--log-format json --worker-id dup-1 --heartbeat-interval 200ms",
        &handler,
    )
    .wait(Duration::from_secs(20));
    second.assert_code(2);
    let said = second.log().join("\n");
    assert!(
        said.contains("dup-1") && said.contains(&format!("pid {}", first.pid())),
        "says who holds the id: {said}"
    );
    let row = task_row(&pool, id).await;
    assert_eq!(
        row.get::<String, _>("status"),
        "claimed",
        "the first one's task stays"
    );
    let pid: i32 =
        sqlx::query_scalar("SELECT pid FROM absurd.worker_registry WHERE worker_id = 'dup-1'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(pid, first.pid(), "the registry keeps the first one");

    std::fs::write(dir.path("go"), "").unwrap();
    let ended = first.wait(Duration::from_secs(20));
    ended.assert_code(0);
    assert_eq!(ended.json()["completed"], 1);
    assert!(!ended.events().iter().any(|e| e["event"] == "stopping"));
    let row = task_row(&pool, id).await;
    assert_eq!(row.get::<Value, _>("result"), json!({"by": "first"}));
}

#[tokio::test]
async fn a_worker_restarted_with_its_id_after_sigkill_takes_back_its_tasks_at_once() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "h.sh",
        r#"echo $$ > "$DIR/$ABSURD_TASK_ID.$ABSURD_ATTEMPT.$$.pid"
[ -e "$DIR/go" ] || sleep 1000
echo "{\"attempt\": $ABSURD_ATTEMPT}""#,
    );
    let ids = [db.seed_one(wq("imaging")), db.seed_one(wq("imaging"))];
    let mut crashed = start_worker(
        &db.url,
        "--log-format json --worker-id crash-1 --concurrency 2",
        &handler,
    );
    let mut handlers = Vec::new();
    let started = Instant::now();
    while handlers.len() < 2 {
        handlers = std::fs::read_dir(&*dir)
            .unwrap()
            .flatten()
            .filter_map(|e| {
                e.file_name()
                    .to_str()?
                    .strip_suffix(".pid")
                    .map(str::to_string)
            })
            .collect();
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "handlers not started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The worker and its handlers die at once, as with a host's power cut
    // or systemd's control-group kill; the tasks stay claimed by crash-1.
    crashed.signal(libc::SIGKILL);
    let _ = crashed.child.wait();
    for name in &handlers {
        let pid: i32 = name.rsplit('.').next().unwrap().parse().unwrap();
        signal(-pid, libc::SIGKILL);
    }
    std::fs::write(dir.path("go"), "").unwrap();
    assert_eq!(
        db.psql(
            "SELECT count(*) FROM absurd.tasks WHERE status = 'claimed' AND worker_id = 'crash-1'"
        ),
        "2"
    );

    // Restarted with the same id (systemd's Restart=): no reaper runs.
    let ended = start_worker(
        &db.url,
        "--log-format json --worker-id crash-1 --concurrency 2 --max-tasks 2 --output json",
        &handler,
    )
    .wait(Duration::from_secs(30));
    ended.assert_code(0);
    let summary = ended.json();
    assert_eq!(summary["released"], 2, "{summary}");
    assert_eq!(summary["completed"], 2, "{summary}");
    for id in ids {
        let row = task_row(&pool, id).await;
        assert_eq!(row.get::<String, _>("status"), "completed");
        assert_eq!(
            row.get::<i32, _>("attempt"),
            1,
            "given back uncharged, as a release is"
        );
        assert_eq!(row.get::<Value, _>("result"), json!({"attempt": 1}));
    }
}

#[tokio::test]
async fn a_newline_in_a_task_name_forges_no_line_of_the_log() {
    let db = TestDb::migrated().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script("ok.sh", "true");
    let forged = "evil\n2030-01-01T00:00:00.000Z INFO  worker forged: \u{1b}[2Kall is well";
    db.seed_one(wq(forged));
    let ended = start_worker(&db.url, "--exit-when-empty", &handler).wait(Duration::from_secs(20));
    ended.assert_code(0);
    assert!(
        !ended.log().iter().any(|l| l.starts_with("2030-01-01")),
        "a forged line: {:?}",
        ended.log()
    );
    assert!(
        ended
            .log()
            .iter()
            .any(|l| l
                .contains("evil\\n2030-01-01T00:00:00.000Z INFO  worker forged: \\u{1b}[2Kall")),
        "{:?}",
        ended.log()
    );
}

#[tokio::test]
async fn a_handler_that_exits_0_as_the_grace_ends_has_its_result_stored() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    // It finishes when told to stop: its result is ready as the grace ends.
    let handler = dir.script(
        "finish.sh",
        r#"trap 'echo "{\"finished\": \"at the end of the grace\"}"; exit 0' TERM
echo $$ > "$DIR/$ABSURD_TASK_ID.pid"
sleep 1000 &
wait"#,
    );
    let id = db.seed_one(wq("imaging"));
    let mut worker = start_worker(
        &db.url,
        "--log-format json --grace 1s --kill-grace 10s --output json",
        &handler,
    );
    dir.wait_for(&format!("{id}.pid"), Duration::from_secs(15));
    worker.signal(libc::SIGTERM);
    let ended = worker.wait(Duration::from_secs(30));
    ended.assert_code(0);
    let summary = ended.json();
    assert_eq!(summary["completed"], 1, "{summary}");
    assert_eq!(summary["released"], 0, "{summary}");
    let row = task_row(&pool, id).await;
    assert_eq!(row.get::<String, _>("status"), "completed");
    assert_eq!(row.get::<i32, _>("attempt"), 1);
    assert_eq!(
        row.get::<Value, _>("result"),
        json!({"finished": "at the end of the grace"})
    );
}

#[tokio::test]
async fn handlers_get_no_database_password_and_nothing_stored_shows_it() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "leak.sh",
        r#"env > "$DIR/$ABSURD_TASK_ID.env"
echo "connecting with url-pw-7c2 and env-pw-3d9" >&2
if [ "$ABSURD_TASK_NAME" = fail ]; then exit 1; fi
printf '{"url": "%s", "said": "url-pw-7c2 env-pw-3d9", "url-pw-7c2": 1}' "$ABSURD_DATABASE_URL""#,
    );
    let url = url_with_password(&db, "url-pw-7c2");
    let run = |extra: &[&str]| {
        let mut args = vec!["--queue", "wq", "worker", "run", "--exit-when-empty"];
        args.extend_from_slice(extra);
        args.extend(["--", handler.as_str()]);
        let mut cmd = absurdctl_command(&args);
        cmd.env("ABSURD_DATABASE_URL", &url)
            .env("DATABASE_URL", &url)
            .env("PGPASSWORD", "env-pw-3d9");
        let mut bg = Background::start(cmd);
        bg.wait(Duration::from_secs(30))
    };

    let done = db.seed_one(wq("ok"));
    let failed = db.seed_one(wq("fail").max_retries(1));
    let out = run(&[]);
    out.assert_success();
    let env = dir.read(&format!("{done}.env"));
    let without = db.url.clone();
    assert!(
        env.lines()
            .any(|l| l == format!("ABSURD_DATABASE_URL={without}"))
            && env.lines().any(|l| l == format!("DATABASE_URL={without}")),
        "the URLs are passed on without the password:\n{env}"
    );
    assert!(
        !env.contains("url-pw-7c2") && !env.contains("env-pw-3d9"),
        "{env}"
    );
    assert!(!env.contains("PGPASSWORD"), "{env}");

    let row = task_row(&pool, done).await;
    assert_eq!(
        row.get::<Value, _>("result"),
        json!({"url": without, "said": "*** ***", "***": 1})
    );
    let row = task_row(&pool, failed).await;
    let error: String = row.get("error");
    assert!(error.contains("connecting with *** and ***"), "{error}");
    let everything = db.psql("SELECT string_agg(t::text, ' ') FROM absurd.tasks t");
    assert!(!everything.contains("-pw-"), "{everything}");
    assert!(!out.stderr.contains("-pw-"), "{out}");

    // Passed on only when asked for.
    let asked = db.seed_one(wq("ok"));
    run(&["--pass-database-password"]).assert_success();
    let env = dir.read(&format!("{asked}.env"));
    assert!(
        env.lines()
            .any(|l| l == format!("ABSURD_DATABASE_URL={url}"))
            && env.lines().any(|l| l == "PGPASSWORD=env-pw-3d9"),
        "{env}"
    );
}

/// Issue 16.6: the tail of a handler's stderr that begins inside the
/// password keeps none of it (the worker keeps the last 4096 bytes).
#[tokio::test]
async fn a_stderr_tail_cut_inside_the_password_keeps_none_of_it() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    // "url-pw-7c2" and 4,090 bytes after it: the tail begins at "pw-7c2".
    let handler = dir.script(
        "cut.sh",
        r#"printf 'url-pw-7c2' >&2; head -c 4090 /dev/zero | tr '\0' x >&2; exit 1"#,
    );
    let url = url_with_password(&db, "url-pw-7c2");
    let failed = db.seed_one(wq("fail").max_retries(1));
    let mut cmd = absurdctl_command(&[
        "--queue",
        "wq",
        "worker",
        "run",
        "--exit-when-empty",
        "--",
        handler.as_str(),
    ]);
    cmd.env("ABSURD_DATABASE_URL", &url);
    Background::start(cmd)
        .wait(Duration::from_secs(30))
        .assert_success();
    let row = task_row(&pool, failed).await;
    let error: String = row.get("error");
    assert!(error.contains("…***xxx"), "the tail was cut: {error}");
    assert!(!error.contains("7c2"), "{error}");
}

#[tokio::test]
async fn every_result_is_stored_as_a_json_object() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "kinds.sh",
        r#"case "$ABSURD_TASK_NAME" in
  object) echo '{"images": 3}' ;;
  array) echo '[1, "two"]' ;;
  number) echo '42' ;;
  string) echo '"a JSON string"' ;;
  bool) echo 'true' ;;
  null) echo 'null' ;;
  text) echo 'calibrated'; echo 'fine' ;;
  long) head -c 3000 /dev/zero | tr '\0' z ;;
esac"#,
    );
    let expected = [
        ("object", json!({"images": 3})),
        ("array", json!({"output": [1, "two"]})),
        ("number", json!({"output": 42})),
        ("string", json!({"output": "a JSON string"})),
        ("bool", json!({"output": true})),
        ("null", json!({"output": null})),
        ("text", json!({"output": "calibrated\nfine"})),
        ("long", json!({"output": format!("…{}", "z".repeat(1024))})),
    ];
    let mut ids = Vec::new();
    for (name, _) in &expected {
        ids.push(db.seed_one(wq(name)));
    }
    start_worker(&db.url, "--exit-when-empty --max-output 1024", &handler)
        .wait(Duration::from_secs(30))
        .assert_code(0);
    for ((name, want), id) in expected.iter().zip(ids) {
        let (kind, result): (String, Value) = sqlx::query_as(
            "SELECT jsonb_typeof(result), result FROM absurd.tasks WHERE task_id = $1",
        )
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(kind, "object", "{name}: {result}");
        assert_eq!(&result, want, "{name}");
    }
}

/// A TCP proxy in front of PostgreSQL whose answers can be slowed down and
/// whose connections can all be cut at once: what a server crash does to a
/// statement that committed before its answer reached the client.
struct Proxy {
    port: u16,
    lag: Arc<std::sync::atomic::AtomicBool>,
    conns: Arc<Mutex<Vec<std::net::TcpStream>>>,
}

impl Proxy {
    fn start(upstream: String) -> Proxy {
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let lag = Arc::new(AtomicBool::new(false));
        let conns: Arc<Mutex<Vec<std::net::TcpStream>>> = Arc::default();
        let (lag2, conns2) = (lag.clone(), conns.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = std::net::TcpStream::connect(&upstream) else {
                    continue;
                };
                let mut all = conns2.lock().unwrap();
                all.push(client.try_clone().unwrap());
                all.push(server.try_clone().unwrap());
                let pump = |mut from: std::net::TcpStream,
                            mut to: std::net::TcpStream,
                            lag: Option<Arc<AtomicBool>>| {
                    std::thread::spawn(move || {
                        use std::io::Write;
                        let mut buf = vec![0u8; 64 * 1024];
                        while let Ok(n) = from.read(&mut buf) {
                            if n == 0 {
                                break;
                            }
                            if lag.as_ref().is_some_and(|l| l.load(Ordering::SeqCst)) {
                                std::thread::sleep(Duration::from_millis(300));
                            }
                            if to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                };
                pump(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    None,
                );
                pump(server, client, Some(lag2.clone()));
            }
        });
        Proxy { port, lag, conns }
    }

    fn set_lag(&self, on: bool) {
        self.lag.store(on, std::sync::atomic::Ordering::SeqCst);
    }

    /// Cuts every connection made so far.
    fn cut(&self) {
        for c in self.conns.lock().unwrap().drain(..) {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
    }
}

#[tokio::test]
async fn a_result_stored_just_before_the_connection_died_is_confirmed_not_counted_lost() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "h.sh",
        r#"echo $$ > "$DIR/$ABSURD_TASK_ID.pid"
while [ ! -e "$DIR/go" ]; do sleep 0.05; done
echo '{"stored": "once"}'"#,
    );
    let id = db.seed_one(wq("imaging"));
    let authority = db.url.split('@').nth(1).unwrap().split('/').next().unwrap();
    let proxy = Proxy::start(authority.to_string());
    let url = db
        .url
        .replace(authority, &format!("127.0.0.1:{}", proxy.port));
    let mut worker = start_worker(
        &url,
        "--log-format json --max-tasks 1 --heartbeat-interval 60s --connect-timeout 2s --output json",
        &handler,
    );
    dir.wait_for(&format!("{id}.pid"), Duration::from_secs(15));
    // Answers now take 300 ms: the result commits, and the connection dies
    // while its answer is on the way.
    proxy.set_lag(true);
    std::fs::write(dir.path("go"), "").unwrap();
    wait_for_status(&pool, id, "completed", Duration::from_secs(30)).await;
    proxy.cut();
    proxy.set_lag(false);

    let ended = worker.wait(Duration::from_secs(30));
    ended.assert_code(0);
    let summary = ended.json();
    assert_eq!(
        summary["completed"],
        1,
        "{summary}\n{}",
        ended.log().join("\n")
    );
    assert_eq!(summary["lost"], 0, "{summary}");
    let events = ended.events();
    assert!(
        events.iter().any(|e| e["event"] == "db_error"),
        "the connection was cut: {events:?}"
    );
    assert!(!events.iter().any(|e| e["event"] == "lost"), "{events:?}");
    let row = task_row(&pool, id).await;
    assert_eq!(row.get::<Value, _>("result"), json!({"stored": "once"}));
}

#[tokio::test]
async fn a_worker_whose_id_was_taken_while_it_was_away_stops_and_exits_1() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "h.sh",
        r#"echo $$ > "$DIR/$$.pid"
while [ ! -e "$DIR/go" ]; do sleep 0.05; done
echo "{\"pid\": $$}""#,
    );
    let id = db.seed_one(wq("imaging"));
    let mut first = start_worker(
        &db.url,
        "--log-format json --worker-id taken-1 --heartbeat-interval 200ms --kill-grace 1s",
        &handler,
    );
    wait_for_status(&pool, id, "claimed", Duration::from_secs(15)).await;
    let started = Instant::now();
    let first_handler = loop {
        let pids: Vec<String> = std::fs::read_dir(&*dir)
            .unwrap()
            .flatten()
            .filter_map(|e| {
                e.file_name()
                    .to_str()?
                    .strip_suffix(".pid")
                    .map(str::to_string)
            })
            .collect();
        if let Some(p) = pids.first() {
            break p.clone();
        }
        assert!(started.elapsed() < Duration::from_secs(15), "no handler");
        std::thread::sleep(Duration::from_millis(20));
    };
    // Frozen, and its id's session gone (as in an outage): another process
    // takes the id meanwhile, and with it the task.
    first.signal(libc::SIGSTOP);
    db.psql(
        "SELECT pg_terminate_backend(l.pid) FROM pg_locks l
          WHERE l.locktype = 'advisory' AND l.objsubid = 1
            AND ((l.classid::bigint << 32) | l.objid::bigint)
                = hashtextextended('absurdctl worker id ' || 'taken-1', 0)",
    );
    let mut second = start_worker(
        &db.url,
        "--log-format json --worker-id taken-1 --max-tasks 1 --heartbeat-interval 200ms --output json",
        &handler,
    );
    second.wait_for_named("started", Duration::from_secs(15));
    first.signal(libc::SIGCONT);
    let ended = first.wait(Duration::from_secs(20));
    ended.assert_code(1);
    assert!(
        ended
            .events()
            .iter()
            .any(|e| e["event"] == "worker_id_taken"),
        "{}",
        ended.log().join("\n")
    );
    assert_process_gone(&first_handler, "the first worker's handler");

    std::fs::write(dir.path("go"), "").unwrap();
    let ended = second.wait(Duration::from_secs(20));
    ended.assert_code(0);
    let summary = ended.json();
    assert_eq!(summary["released"], 1, "{summary}");
    assert_eq!(summary["completed"], 1, "{summary}");
    let row = task_row(&pool, id).await;
    assert_eq!(row.get::<String, _>("status"), "completed");
    let result: Value = row.get("result");
    assert_ne!(
        result["pid"].to_string(),
        first_handler,
        "the result is the second worker's run"
    );
}

/// A database in LATIN1, which cannot hold most of Unicode: a real way for
/// PostgreSQL to refuse a result for what it carries. Dropped at the end.
struct Latin1Db {
    name: String,
    url: String,
}

impl Latin1Db {
    fn create() -> Latin1Db {
        let name = format!("absurdctl_latin1_{}", Uuid::new_v4().simple());
        let server = server_url();
        let out = std::process::Command::new("psql")
            .args([server.as_str(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c"])
            .arg(format!(
                "CREATE DATABASE \"{name}\" ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
            ))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Latin1Db {
            url: url_with_db(&server, &name),
            name,
        }
    }
}

impl Drop for Latin1Db {
    fn drop(&mut self) {
        let _ = std::process::Command::new("psql")
            .args([server_url().as_str(), "-X", "-q", "-c"])
            .arg(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ))
            .output();
    }
}

#[tokio::test]
async fn a_result_the_database_refuses_fails_its_task_instead_of_being_retried_for_ever() {
    let db = Latin1Db::create();
    let migrate = absurdctl(&["--database-url", &db.url, "migrate"]);
    migrate.assert_success();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&db.url)
        .await
        .unwrap();
    let dir = Scratch::new("absurdctl-worker");
    let handler = dir.script(
        "h.sh",
        r#"echo $$ > "$DIR/$ABSURD_TASK_ID.pid"
while [ ! -e "$DIR/go" ]; do sleep 0.05; done
case "$ABSURD_TASK_NAME" in
  ascii) echo '{"city": "Owens Valley"}' ;;
  latin) echo '{"city": "Zürich"}' ;;
  cjk) echo '{"city": "日本"}' ;;
  stderr) echo "失败 on the way" >&2; exit 1 ;;
esac"#,
    );
    let mut ids = Vec::new();
    for (name, retries) in [("ascii", 3), ("latin", 3), ("cjk", 1), ("stderr", 1)] {
        ids.push(seed_url(&db.url, [wq(name).max_retries(retries)])[0]);
    }
    let mut worker = start_worker(
        &db.url,
        "--log-format json --concurrency 4 --max-tasks 4 --output json",
        &handler,
    );
    for id in &ids {
        dir.wait_for(&format!("{id}.pid"), Duration::from_secs(15));
    }
    // All at once, so that the refused result shares its batch.
    std::fs::write(dir.path("go"), "").unwrap();
    let ended = worker.wait(Duration::from_secs(30));
    ended.assert_code(0);
    let summary = ended.json();
    assert_eq!(summary["completed"], 2, "{summary}");
    assert_eq!(summary["failed"], 2, "{summary}");
    assert_eq!(summary["unstored"], 0, "{summary}");

    let row = |i: usize| task_row(&pool, ids[i]);
    let ascii = row(0).await;
    assert_eq!(
        ascii.get::<Value, _>("result"),
        json!({"city": "Owens Valley"})
    );
    let latin = row(1).await;
    assert_eq!(latin.get::<Value, _>("result"), json!({"city": "Zürich"}));
    let cjk = row(2).await;
    assert_eq!(cjk.get::<String, _>("status"), "failed");
    let error: String = cjk.get("error");
    assert!(error.contains("the database refused its result"), "{error}");
    let stderr = row(3).await;
    assert_eq!(stderr.get::<String, _>("status"), "failed");
    let error: String = stderr.get("error");
    assert!(error.contains("\\u{5931}\\u{8d25} on the way"), "{error}");
}

/// The environment the pipeline's units set (shared/seeds 002) sets the
/// flags that mean the same, in its own format (bare seconds), and a flag
/// given beats its variable.
#[tokio::test]
async fn the_pipelines_environment_sets_concurrency_poll_interval_and_timeout_flags_first() {
    let db = TestDb::migrated().await;
    let pipeline_env = [
        ("ABSURD_WORKER_CONCURRENCY", "3"),
        ("ABSURD_WORKER_POLL_INTERVAL", "1.5"),
        ("ABSURD_TASK_TIMEOUT", "3600"),
        ("ABSURD_DLQ_ENABLED", "false"),
    ];
    let task = db.seed_one(wq("imaging"));
    let mut w = start_worker_with_env(
        &db.url,
        "--log-format json --exit-when-empty",
        "/bin/true",
        &pipeline_env,
    );
    let started = w.wait_for_named("worker_started", Duration::from_secs(20));
    assert_eq!(started["concurrency"], 3, "{started}");
    assert_eq!(started["poll_interval_sec"], 1.5, "{started}");
    assert_eq!(started["default_timeout_sec"], 3600.0, "{started}");
    let ended = w.wait(Duration::from_secs(30));
    ended.assert_success();
    let events = ended.events();
    let run = events
        .iter()
        .find(|e| e["event"] == "started" && e["task_id"] == task.to_string().as_str())
        .unwrap_or_else(|| panic!("no started event: {ended}"));
    assert_eq!(run["timeout_sec"], 3600, "{run}");
    assert!(
        events.iter().any(|e| e["event"] == "ignored_setting"
            && e["message"]
                .as_str()
                .unwrap_or("")
                .contains("ABSURD_DLQ_ENABLED")),
        "ABSURD_DLQ_ENABLED=false is said to be ignored: {ended}"
    );
    assert_eq!(
        db.psql("SELECT concurrency FROM absurd.worker_registry"),
        "3"
    );

    // Flags first.
    let w = start_worker_with_env(
        &db.url,
        "--log-format json --exit-when-empty --concurrency 2 --poll-interval 5s --default-timeout 1m",
        "/bin/true",
        &pipeline_env,
    )
    .wait(Duration::from_secs(30));
    w.assert_success();
    let started = w
        .events()
        .into_iter()
        .find(|e| e["event"] == "worker_started")
        .unwrap();
    assert_eq!(started["concurrency"], 2, "{started}");
    assert_eq!(started["poll_interval_sec"], 5.0, "{started}");
    assert_eq!(started["default_timeout_sec"], 60.0, "{started}");

    // A value that is not one is refused, naming the variable's flag.
    let mut cmd = absurdctl_command(&[
        "--database-url",
        &db.url,
        "worker",
        "run",
        "--",
        "/bin/true",
    ]);
    cmd.env("ABSURD_WORKER_POLL_INTERVAL", "often");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--poll-interval"));
}

#[tokio::test]
async fn absurd_max_retries_is_spawns_default_and_a_dead_letter_queue_turned_off_is_warned_about() {
    let db = TestDb::migrated().await;
    let spawn = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["--database-url", db.url.as_str(), "-o", "json", "spawn"];
        args.extend_from_slice(&["--task-name", "imaging"]);
        args.extend_from_slice(extra);
        let mut cmd = absurdctl_command(&args);
        cmd.envs(env.iter().copied());
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let id = v["task_id"].as_str().unwrap().to_string();
        (
            db.psql(&format!(
                "SELECT max_retries FROM absurd.tasks WHERE task_id = '{id}'"
            )),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(spawn(&[], &[]).0, "3");
    assert_eq!(spawn(&[], &[("ABSURD_MAX_RETRIES", "5")]).0, "5");
    assert_eq!(
        spawn(&["--max-retries", "2"], &[("ABSURD_MAX_RETRIES", "5")]).0,
        "2",
        "the flag first"
    );
    let (_, stderr) = spawn(&[], &[("ABSURD_DLQ_ENABLED", "false")]);
    assert!(
        stderr.contains("ABSURD_DLQ_ENABLED=false is ignored"),
        "{stderr}"
    );
    let (_, stderr) = spawn(&[], &[("ABSURD_DLQ_ENABLED", "true")]);
    assert!(!stderr.contains("ABSURD_DLQ_ENABLED"), "{stderr}");
}
