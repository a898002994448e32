//! Commands racing each other and live workers: no row changed twice,
//! nothing lost. A trigger installed by each test records every status
//! change of absurd.tasks, so "changed twice" is counted, not guessed.
//!
//! Reaping racing a completion is covered in tests/reap.rs
//! (`completing_while_the_reaper_acts_is_one_or_the_other_never_both`).

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::*;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// Records every status change of absurd.tasks (and every deletion) in
/// public.task_changes, with the wall-clock time it happened.
fn record_changes(db: &TestDb) {
    db.psql(
        "CREATE TABLE public.task_changes (
           seq bigserial PRIMARY KEY, task_id uuid NOT NULL, old_status text, new_status text,
           old_worker text, new_worker text, at timestamptz NOT NULL DEFAULT clock_timestamp());
         CREATE FUNCTION public.log_task_change() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF TG_OP = 'DELETE' THEN
             INSERT INTO public.task_changes (task_id, old_status, new_status, old_worker)
             VALUES (OLD.task_id, OLD.status, NULL, OLD.worker_id);
           ELSE
             INSERT INTO public.task_changes (task_id, old_status, new_status, old_worker, new_worker)
             VALUES (NEW.task_id, OLD.status, NEW.status, OLD.worker_id, NEW.worker_id);
           END IF;
           RETURN NULL;
         END $$;
         CREATE TRIGGER log_task_change AFTER UPDATE ON absurd.tasks FOR EACH ROW
           WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION public.log_task_change();
         CREATE TRIGGER log_task_delete AFTER DELETE ON absurd.tasks FOR EACH ROW
           EXECUTE FUNCTION public.log_task_change();",
    );
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct Change {
    task_id: Uuid,
    old_status: Option<String>,
    new_status: Option<String>,
    at: DateTime<Utc>,
}

async fn changes(pool: &PgPool) -> Vec<Change> {
    sqlx::query_as(
        "SELECT task_id, old_status, new_status, at FROM public.task_changes ORDER BY seq",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// How many changes of each kind (`old->new`) there were.
fn kinds(changes: &[Change]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for c in changes {
        *out.entry(format!(
            "{}->{}",
            c.old_status.as_deref().unwrap_or("-"),
            c.new_status.as_deref().unwrap_or("deleted")
        ))
        .or_default() += 1;
    }
    out
}

async fn statuses(pool: &PgPool, queue: &str) -> BTreeMap<String, i64> {
    sqlx::query_as::<_, (String, i64)>(
        "SELECT status, count(*) FROM absurd.tasks WHERE queue_name = $1 GROUP BY 1",
    )
    .bind(queue)
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

/// `absurdctl worker run` on `queue`, logging JSON, its summary JSON on stdout.
fn worker(db: &TestDb, queue: &str, options: &str, handler: &str) -> Background {
    let mut args = vec![
        "--database-url",
        db.url.as_str(),
        "--queue",
        queue,
        "--output",
        "json",
        "worker",
        "run",
        "--log-format",
        "json",
    ];
    args.extend(options.split_whitespace());
    args.extend(["--", handler]);
    Background::start(absurdctl_command(&args))
}

/// SIGTERM, then the worker's summary; it must exit 0.
fn stop(mut w: Background) -> (Value, Vec<Value>) {
    signal(w.pid(), libc::SIGTERM);
    let out = w.wait(Duration::from_secs(60));
    out.assert_success();
    let events = w.events();
    (out.json(), events)
}

fn count_events(events: &[Value], event: &str) -> usize {
    events.iter().filter(|e| e["event"] == event).count()
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < timeout,
            "{what}: not within {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn wait_until_db(pool: &PgPool, what: &str, timeout: Duration, sql: &str) {
    let started = Instant::now();
    loop {
        let done: bool = sqlx::query_scalar(sql).fetch_one(pool).await.unwrap();
        if done {
            return;
        }
        assert!(
            started.elapsed() < timeout,
            "{what}: not within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn cancel_include_claimed_stops_the_running_handler_and_the_worker_carries_on() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    record_changes(&db);
    let dir = Scratch::new("absurdctl-conc");
    // The long handler would store a result if its SIGTERM were taken for
    // an ending: the worker must not store it.
    let handler = dir.script(
        "h.sh",
        r#"echo $$ > "$DIR/$ABSURD_TASK_ID.pid"
if [ "$ABSURD_TASK_NAME" = long ]; then
  trap 'echo "{\"late\": true}"; exit 0' TERM
  sleep 1000 & wait
fi
echo '{"done": true}'"#,
    );
    let long = db.seed_one(task().queue("cq").name("long").priority(10));
    let short = db.seed_one(task().queue("cq").name("short"));
    let mut w = worker(
        &db,
        "cq",
        "--concurrency 1 --heartbeat-interval 200ms --kill-grace 5s",
        &handler,
    );
    let pid: i32 = dir
        .wait_for(&format!("{long}.pid"), Duration::from_secs(20))
        .parse()
        .unwrap();

    let out = db.cli(&[
        "--queue",
        "cq",
        "cancel",
        "--include-claimed",
        "--yes",
        "--id",
        &long.to_string(),
        "--output",
        "json",
    ]);
    out.assert_success();
    assert_eq!(out.json()["changed"], 1, "{out}");

    let lost = w.wait_for_event(
        "the cancelled task given up",
        Duration::from_secs(20),
        |e| e["event"] == "lost" && e["task_id"] == long.to_string(),
    );
    assert!(
        lost["message"].as_str().unwrap().contains("no longer"),
        "{lost}"
    );
    wait_until(
        "the handler's process is gone",
        Duration::from_secs(10),
        || process_gone(pid),
    );
    // It carries on with the next task.
    w.wait_for_event("the next task completed", Duration::from_secs(20), |e| {
        e["event"] == "completed" && e["task_id"] == short.to_string()
    });
    let (summary, events) = stop(w);
    assert_eq!(summary["lost"], 1, "{summary}");
    assert_eq!(summary["completed"], 1, "{summary}");
    assert_eq!(
        count_events(&events, "stopping"),
        1,
        "the worker said it stopped the handler"
    );

    let (status, result, error): (String, Option<Value>, Option<String>) =
        sqlx::query_as("SELECT status, result, error FROM absurd.tasks WHERE task_id = $1")
            .bind(long)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "cancelled");
    assert_eq!(result, None, "the stopped handler's output is not stored");
    assert_eq!(error.as_deref(), Some("Cancelled by absurdctl"));
    let changed = changes(&pool).await;
    assert_eq!(
        kinds(&changed),
        BTreeMap::from([
            ("claimed->cancelled".to_string(), 1),
            ("claimed->completed".to_string(), 1),
            ("pending->claimed".to_string(), 2),
        ]),
        "{changed:?}"
    );
}

#[tokio::test]
async fn a_real_reap_stops_a_frozen_workers_handler_and_its_late_completion_is_refused() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    record_changes(&db);
    let dir = Scratch::new("absurdctl-conc");
    // First attempt: `long` runs until stopped, `short` ends after a second
    // (while its worker is frozen). Later attempts end at once.
    let handler = dir.script(
        "h.sh",
        r#"echo $$ > "$DIR/$ABSURD_TASK_ID.$ABSURD_ATTEMPT.pid"
if [ "$ABSURD_ATTEMPT" = 1 ]; then
  if [ "$ABSURD_TASK_NAME" = long ]; then
    trap 'echo "{\"run\": \"first\", \"late\": true}"; exit 0' TERM
    sleep 1000 & wait
  fi
  sleep 1
  echo '{"run": "first"}'
  exit 0
fi
echo '{"run": "second"}'"#,
    );
    let long = db.seed_one(task().queue("rq").name("long"));
    let short = db.seed_one(task().queue("rq").name("short"));
    let mut w1 = worker(
        &db,
        "rq",
        "--worker-id w1 --concurrency 2 --heartbeat-interval 200ms --kill-grace 1s",
        &handler,
    );
    let long_pid: i32 = dir
        .wait_for(&format!("{long}.1.pid"), Duration::from_secs(20))
        .parse()
        .unwrap();
    let short_pid: i32 = dir
        .wait_for(&format!("{short}.1.pid"), Duration::from_secs(20))
        .parse()
        .unwrap();

    // Frozen: it heartbeats no more. Its handlers (own process groups) run on.
    signal(w1.pid(), libc::SIGSTOP);
    let frozen = Instant::now();
    wait_until("the short handler ends", Duration::from_secs(10), || {
        process_gone(short_pid)
    });
    std::thread::sleep(Duration::from_millis(1500).saturating_sub(frozen.elapsed()));
    let reap = db.cli(&[
        "--queue",
        "rq",
        "reap",
        "--heartbeat-timeout",
        "1s",
        "--yes",
        "--output",
        "json",
    ]);
    reap.assert_success();
    assert!(
        reap.stderr.contains("warning"),
        "a limit under 1m is warned about: {reap}"
    );
    let report = reap.json();
    assert_eq!(report["totals"]["reaped"], 2, "{reap}");
    assert_eq!(report["totals"]["retrying"], 2, "{reap}");

    // Another worker runs both again and completes them.
    let mut w2 = worker(
        &db,
        "rq",
        "--worker-id w2 --max-tasks 2 --heartbeat-interval 200ms",
        &handler,
    );
    let out = w2.wait(Duration::from_secs(30));
    out.assert_success();
    assert_eq!(out.json()["completed"], 2, "{out}");

    // Thawed, the first worker learns both tasks are gone: the running
    // handler is stopped, the finished one's completion refused.
    signal(w1.pid(), libc::SIGCONT);
    // Whichever it learns first: the refusal of the completion it tries
    // to store, or its next heartbeat's answer (then it does not try).
    let late = w1.wait_for_event(
        "the late completion refused",
        Duration::from_secs(20),
        |e| e["event"] == "lost" && e["task_id"] == short.to_string(),
    );
    let message = late["message"].as_str().unwrap().to_string();
    assert!(
        message.starts_with("succeeded, but")
            || message.starts_with("handler ended (exit status 0)"),
        "{late}"
    );
    w1.wait_for_event("the stale handler stopped", Duration::from_secs(20), |e| {
        e["event"] == "lost" && e["task_id"] == long.to_string()
    });
    wait_until(
        "the stale handler's process is gone",
        Duration::from_secs(10),
        || process_gone(long_pid),
    );
    let (summary, events) = stop(w1);
    assert_eq!(summary["completed"], 0, "{summary}");
    assert_eq!(summary["lost"], 2, "{summary}");
    assert!(count_events(&events, "stopping") >= 1, "{events:?}");
    eprintln!("the frozen worker learned of the reap by: {message}");

    for id in [long, short] {
        let (status, worker, result, attempt): (String, Option<String>, Option<Value>, i32) =
            sqlx::query_as(
                "SELECT status, worker_id, result, attempt FROM absurd.tasks WHERE task_id = $1",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(status, "completed");
        assert_eq!(worker.as_deref(), Some("w2"));
        assert_eq!(result, Some(serde_json::json!({"run": "second"})));
        assert_eq!(attempt, 2);
    }
    let changed = changes(&pool).await;
    assert_eq!(
        kinds(&changed),
        BTreeMap::from([
            ("claimed->completed".to_string(), 2),
            // A reaped task waits for its next attempt as `pending`.
            ("claimed->pending".to_string(), 2),
            ("pending->claimed".to_string(), 4),
        ]),
        "each task ends exactly once: {changed:?}"
    );
}

#[tokio::test]
async fn two_retry_failed_runs_at_once_change_each_task_once() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let failed = 3000;
    let dead = (1..=failed).map(|i| {
        task()
            .queue("bq")
            .name(&format!("calib-{}", i % 5))
            .status("failed")
            .attempt(3)
            .max_retries(3)
            .error(&format!("boom {i}"))
            .completed(ago(hours(1)))
    });
    let bq = task().queue("bq").name("calib").attempt(1);
    let others = (0..200).flat_map(|_| {
        [
            bq.clone().status("completed").completed(NOW),
            bq.clone().status("pending"),
            bq.clone().status("cancelled").completed(NOW),
        ]
    });
    let other_queue = task()
        .queue("other")
        .name("calib")
        .status("failed")
        .attempt(3)
        .max_retries(3)
        .completed(NOW);
    db.seed(dead.chain(others).chain(vec![other_queue; 200]));
    record_changes(&db);
    let untouched = "SELECT md5(string_agg(t::text, '|' ORDER BY task_id)) FROM absurd.tasks t
                      WHERE NOT (queue_name = 'bq' AND error LIKE 'boom %')";
    let before = db.psql(untouched);

    // Both runs select the same tasks from the same state: they wait for
    // a table lock held here, and go on together once it is released.
    let mut lock = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE absurd.tasks IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let run = || {
        Background::start(absurdctl_command(&[
            "--database-url",
            &db.url,
            "--queue",
            "bq",
            "--lock-timeout",
            "60s",
            "retry-failed",
            "--yes",
            "--all",
            "--batch-size",
            "50",
            "--output",
            "json",
        ]))
    };
    let mut runs = [run(), run()];
    wait_until_db(
        &pool,
        "both runs wait for the lock",
        Duration::from_secs(30),
        "SELECT count(*) = 2 FROM pg_stat_activity
          WHERE application_name = 'absurdctl retry-failed' AND wait_event_type = 'Lock'",
    )
    .await;
    lock.commit().await.unwrap();
    let reports: Vec<Value> = runs
        .iter_mut()
        .map(|r| {
            let out = r.wait(Duration::from_secs(60));
            out.assert_success();
            out.json()
        })
        .collect();

    let mut changed_total = 0;
    for r in &reports {
        assert_eq!(r["selected"], failed, "{r}");
        assert_eq!(r["outcome"], "completed", "{r}");
        let (changed, locked, gone) = (
            r["changed"].as_i64().unwrap(),
            r["skipped_locked"].as_i64().unwrap(),
            r["skipped_changed"].as_i64().unwrap(),
        );
        assert_eq!(
            changed + locked + gone,
            failed,
            "every selected task accounted for: {r}"
        );
        changed_total += changed;
    }
    assert_eq!(changed_total, failed, "each failed task retried by one run");
    let changed = changes(&pool).await;
    assert_eq!(
        kinds(&changed),
        BTreeMap::from([("failed->pending".to_string(), failed as usize)])
    );
    let distinct: HashSet<Uuid> = changed.iter().map(|c| c.task_id).collect();
    assert_eq!(distinct.len(), failed as usize, "no task changed twice");
    let audited: Vec<i64> = sqlx::query_scalar(
        "SELECT affected FROM absurd.audit_log WHERE command = 'retry-failed' ORDER BY audit_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(audited.len(), 2);
    assert_eq!(
        audited.iter().sum::<i64>(),
        failed,
        "audit rows sum to what changed"
    );
    assert_eq!(
        statuses(&pool, "bq").await,
        BTreeMap::from([
            ("cancelled".to_string(), 200),
            ("completed".to_string(), 200),
            ("pending".to_string(), 200 + failed),
        ])
    );
    assert_eq!(before, db.psql(untouched), "no other task changed");
    eprintln!(
        "two retry-failed runs: changed {} and {} of {failed}",
        reports[0]["changed"], reports[1]["changed"]
    );
}

#[tokio::test]
async fn cancel_include_claimed_while_workers_run_ends_each_task_once() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    record_changes(&db);
    let dir = Scratch::new("absurdctl-conc");
    let handler = dir.script(
        "h.sh",
        r#"echo "$ABSURD_TASK_ID" >> "$DIR/executions"
sleep 0.0$(( $$ % 10 ))"#,
    );
    let total = 600;
    db.seed((1..=total).map(|i| task().queue("cw").params(serde_json::json!({"i": i}))));
    let options = "--concurrency 4 --heartbeat-interval 200ms --kill-grace 1s";
    let workers = [
        worker(&db, "cw", options, &handler),
        worker(&db, "cw", options, &handler),
    ];
    wait_until_db(
        &pool,
        "a first hundred tasks completed",
        Duration::from_secs(60),
        "SELECT count(*) >= 100 FROM absurd.tasks WHERE status = 'completed'",
    )
    .await;
    let out = db.cli(&[
        "--queue",
        "cw",
        "cancel",
        "--include-claimed",
        "--yes",
        "--all",
        "--batch-size",
        "50",
        "--output",
        "json",
    ]);
    out.assert_success();
    let report = out.json();
    wait_until_db(
        &pool,
        "no task claimed any more",
        Duration::from_secs(30),
        "SELECT count(*) = 0 FROM absurd.tasks WHERE status = 'claimed'",
    )
    .await;
    let mut lost = 0;
    for w in workers {
        let (summary, events) = stop(w);
        assert_eq!(summary["unstored"], 0, "{summary}");
        lost += count_events(&events, "lost");
    }

    let st = statuses(&pool, "cw").await;
    let cancelled = st.get("cancelled").copied().unwrap_or(0);
    let completed = st.get("completed").copied().unwrap_or(0);
    assert_eq!(cancelled + completed, total, "nothing lost: {st:?}");
    assert_eq!(report["changed"], cancelled, "{report}");
    let audited: i64 =
        sqlx::query_scalar("SELECT affected FROM absurd.audit_log WHERE command = 'cancel'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audited, cancelled);

    let changed = changes(&pool).await;
    let mut ends: HashMap<Uuid, Vec<&str>> = HashMap::new();
    for c in &changed {
        if let Some(s @ ("completed" | "cancelled" | "failed")) = c.new_status.as_deref() {
            ends.entry(c.task_id).or_default().push(s);
        }
    }
    assert_eq!(ends.len(), total as usize, "every task ended");
    assert!(
        ends.values().all(|e| e.len() == 1),
        "a task ended twice: {:?}",
        ends.iter().find(|(_, e)| e.len() > 1)
    );
    let k = kinds(&changed);
    let cancelled_running = k.get("claimed->cancelled").copied().unwrap_or(0);
    assert_eq!(
        lost, cancelled_running,
        "each task cancelled while it ran was given up by its worker: {k:?}"
    );
    // A task cancelled before it was claimed never ran; one that ran, ran once.
    let executions = dir.read("executions");
    let mut runs: HashMap<Uuid, usize> = HashMap::new();
    for line in executions.lines() {
        *runs.entry(line.parse().unwrap()).or_default() += 1;
    }
    assert!(runs.values().all(|&n| n == 1), "a task ran twice");
    for c in changed
        .iter()
        .filter(|c| c.new_status.as_deref() == Some("cancelled"))
    {
        let ran = runs.contains_key(&c.task_id);
        assert_eq!(
            ran,
            c.old_status.as_deref() == Some("claimed"),
            "task {} ({:?} -> cancelled) ran: {ran}",
            c.task_id,
            c.old_status
        );
    }
    eprintln!(
        "cancel while workers run: {completed} completed, {cancelled} cancelled \
         ({cancelled_running} of them while running), skipped locked {}, changed meanwhile {}",
        report["skipped_locked"], report["skipped_changed"]
    );
}

#[tokio::test]
async fn drain_while_tasks_are_spawned_pauses_claims_and_loses_nothing() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    record_changes(&db);
    let dir = Scratch::new("absurdctl-conc");
    let handler = dir.script("h.sh", "sleep 0.05");
    let w = worker(
        &db,
        "dq",
        "--concurrency 2 --heartbeat-interval 200ms --poll-interval 200ms",
        &handler,
    );

    // Two spawners, each spawning one task after the other until told to stop.
    let stop_spawning = Arc::new(AtomicBool::new(false));
    let spawners: Vec<_> = (0..2)
        .map(|n| {
            let url = db.url.clone();
            let stop = stop_spawning.clone();
            std::thread::spawn(move || {
                let mut ids = Vec::new();
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    i += 1;
                    let out = absurdctl(&[
                        "--database-url",
                        &url,
                        "--queue",
                        "dq",
                        "spawn",
                        "--task-name",
                        &format!("s{n}-{i}"),
                    ]);
                    out.assert_success();
                    ids.push(out.stdout.trim().parse::<Uuid>().unwrap());
                }
                ids
            })
        })
        .collect();
    wait_until_db(
        &pool,
        "some tasks spawned and completed",
        Duration::from_secs(30),
        "SELECT count(*) >= 5 FROM absurd.tasks WHERE status = 'completed'",
    )
    .await;

    let out = db.cli(&[
        "--queue",
        "dq",
        "drain",
        "--yes",
        "--timeout",
        "60s",
        "--reason",
        "concurrency test",
        "--output",
        "json",
    ]);
    out.assert_success();
    assert_eq!(out.json()["drained"], true, "{out}");
    let drained_at: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(&pool)
        .await
        .unwrap();
    let claimed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM absurd.tasks WHERE status = 'claimed'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(claimed, 0, "drained means nothing runs");
    // Spawning goes on while drained; nothing is claimed.
    let pending_at_drain: i64 =
        sqlx::query_scalar("SELECT count(*) FROM absurd.tasks WHERE status = 'pending'")
            .fetch_one(&pool)
            .await
            .unwrap();
    wait_until_db(
        &pool,
        "more tasks spawned while drained",
        Duration::from_secs(30),
        &format!(
            "SELECT count(*) >= {} FROM absurd.tasks WHERE status = 'pending'",
            pending_at_drain + 5
        ),
    )
    .await;
    stop_spawning.store(true, Ordering::SeqCst);
    let spawned: Vec<Uuid> = spawners
        .into_iter()
        .flat_map(|s| s.join().unwrap())
        .collect();
    let resumed_at: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(&pool)
        .await
        .unwrap();
    let claims_while_drained = changes(&pool)
        .await
        .into_iter()
        .filter(|c| c.new_status.as_deref() == Some("claimed") && c.at > drained_at)
        .count();
    assert_eq!(claims_while_drained, 0, "a claim while drained");
    db.cli(&["--queue", "dq", "resume", "--yes"])
        .assert_success();

    wait_until_db(
        &pool,
        "every task completed after the resume",
        Duration::from_secs(60),
        "SELECT bool_and(status = 'completed') FROM absurd.tasks",
    )
    .await;
    let (summary, _) = stop(w);
    assert_eq!(summary["unstored"], 0);

    let in_table: HashSet<Uuid> = sqlx::query_scalar("SELECT task_id FROM absurd.tasks")
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let spawned_set: HashSet<Uuid> = spawned.iter().copied().collect();
    assert_eq!(
        spawned_set.len(),
        spawned.len(),
        "spawn returned an id twice"
    );
    assert_eq!(
        in_table, spawned_set,
        "every spawned task, and nothing else"
    );
    let changed = changes(&pool).await;
    let mut per_task: HashMap<Uuid, Vec<&str>> = HashMap::new();
    for c in &changed {
        per_task
            .entry(c.task_id)
            .or_default()
            .push(c.new_status.as_deref().unwrap_or("deleted"));
    }
    for id in &spawned {
        assert_eq!(
            per_task.get(id).map(Vec::as_slice),
            Some(&["claimed", "completed"][..]),
            "task {id}: claimed and completed once each"
        );
    }
    let after_resume = changed
        .iter()
        .filter(|c| c.new_status.as_deref() == Some("claimed") && c.at > resumed_at)
        .count();
    eprintln!(
        "drain while spawning: {} tasks spawned, {} of them claimed only after the resume",
        spawned.len(),
        after_resume
    );
    assert!(
        after_resume > 0,
        "tasks spawned while drained ran after the resume"
    );
}

#[tokio::test]
async fn vacuum_while_workers_run_deletes_only_old_finished_tasks_each_once() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-conc");
    let handler = dir.script("h.sh", "sleep 0.0$(( $$ % 5 ))");
    // History past retention, history within it, and new work.
    let finished = |n: usize, created: At, completed: At| {
        (0..n).flat_map(move |_| {
            ["completed", "cancelled", "failed"].map(|s| {
                task()
                    .queue("vq")
                    .status(s)
                    .attempt(1)
                    .created(created)
                    .completed(completed)
            })
        })
    };
    db.seed(
        finished(1500, ago(days(120)), ago(days(100)))
            .chain(finished(100, ago(days(20)), ago(days(10))))
            .chain((1..=600).map(|i| task().queue("vq").params(serde_json::json!({"i": i})))),
    );
    // An old finished task that a waiting task depends on stays.
    let kept = db
        .seed_one(
            task()
                .queue("vq")
                .name("calibration")
                .status("completed")
                .attempt(1)
                .created(ago(days(120)))
                .completed(ago(days(100))),
        )
        .to_string();
    db.seed_one(
        task()
            .queue("vq")
            .name("needs-calibration")
            .depends_on(&[&kept])
            .available(from_now(days(1))),
    );
    let old: HashSet<Uuid> = sqlx::query_scalar(
        "SELECT task_id FROM absurd.tasks WHERE completed_at < now() - interval '90 days' AND task_id <> $1",
    )
    .bind(kept.parse::<Uuid>().unwrap())
    .fetch_all(&pool)
    .await
    .unwrap()
    .into_iter()
    .collect();
    let new: HashSet<Uuid> = sqlx::query_scalar(
        "SELECT task_id FROM absurd.tasks WHERE status = 'pending' AND task_name = 'imaging'",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .into_iter()
    .collect();
    record_changes(&db);

    let options = "--concurrency 4 --heartbeat-interval 200ms";
    let workers = [
        worker(&db, "vq", options, &handler),
        worker(&db, "vq", options, &handler),
    ];
    wait_until_db(
        &pool,
        "workers under way",
        Duration::from_secs(60),
        "SELECT count(*) >= 50 FROM absurd.tasks WHERE status = 'completed' AND completed_at > now() - interval '1 hour'",
    )
    .await;
    let out = db.cli(&[
        "--queue",
        "vq",
        "vacuum",
        "--yes",
        "--batch-size",
        "100",
        "--output",
        "json",
    ]);
    out.assert_success();
    let report = out.json();
    wait_until_db(
        &pool,
        "every new task completed",
        Duration::from_secs(60),
        "SELECT count(*) = 0 FROM absurd.tasks WHERE status IN ('pending', 'claimed') AND task_name = 'imaging'",
    )
    .await;
    for w in workers {
        let (summary, _) = stop(w);
        assert_eq!(summary["unstored"], 0, "{summary}");
    }

    let changed = changes(&pool).await;
    let deleted: Vec<Uuid> = changed
        .iter()
        .filter(|c| c.new_status.is_none())
        .map(|c| c.task_id)
        .collect();
    let deleted_set: HashSet<Uuid> = deleted.iter().copied().collect();
    assert_eq!(deleted.len(), deleted_set.len(), "a task deleted twice");
    assert_eq!(
        deleted_set, old,
        "exactly the tasks past retention were deleted"
    );
    assert_eq!(report["rows"], old.len(), "{report}");
    assert_eq!(report["kept_depended_on"], 1, "{report}");
    let audited: i64 =
        sqlx::query_scalar("SELECT affected FROM absurd.audit_log WHERE command = 'vacuum'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audited, old.len() as i64);
    let mut per_task: HashMap<Uuid, Vec<&str>> = HashMap::new();
    for c in changed.iter().filter(|c| new.contains(&c.task_id)) {
        per_task
            .entry(c.task_id)
            .or_default()
            .push(c.new_status.as_deref().unwrap_or("deleted"));
    }
    assert_eq!(per_task.len(), new.len(), "every new task ran");
    for (id, steps) in &per_task {
        assert_eq!(steps, &["claimed", "completed"], "task {id}");
    }
    // The deletes and the workers' changes interleaved.
    let first_delete = changed
        .iter()
        .filter(|c| c.new_status.is_none())
        .map(|c| c.at)
        .min();
    let last_delete = changed
        .iter()
        .filter(|c| c.new_status.is_none())
        .map(|c| c.at)
        .max();
    let during = changed
        .iter()
        .filter(|c| new.contains(&c.task_id))
        .filter(|c| Some(c.at) > first_delete && Some(c.at) < last_delete)
        .count();
    eprintln!(
        "vacuum while workers run: {} deleted in {} batches; {during} worker changes between its first and last delete",
        old.len(),
        report["batches"]
    );
    assert!(during > 0, "the workers ran while vacuum deleted");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM absurd.tasks")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        left,
        300 + 600 + 2,
        "recent history, new work and the kept pair remain"
    );
}
