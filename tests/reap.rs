//! reap-stuck: which claimed tasks are given back and how, the advisory
//! lock between reapers, and the race with a worker finishing its task at
//! the instant the reaper acts.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use absurdctl::queue::reap::{self, ReapRule};
use absurdctl::queue::{tasks, Task, TaskId, TaskStatus};
use common::*;
use serde_json::json;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

const Q: &str = "dsa110-pipeline";

/// Spawns `n` tasks of `queue` and claims each for a worker of its own
/// (`{prefix}-{i}`), through the real claim path.
async fn spawn_and_claim(
    db: &TestDb,
    pool: &PgPool,
    queue: &str,
    prefix: &str,
    n: usize,
) -> Vec<Task> {
    db.seed(vec![task().queue(queue).max_retries(3); n]);
    let mut claimed = Vec::new();
    for i in 0..n {
        let mut got = tasks::claim(pool, queue, &format!("{prefix}-{i}"), 1, None)
            .await
            .unwrap();
        claimed.push(got.remove(0));
    }
    claimed
}

/// Makes a task's worker look silent since `ago` (a PostgreSQL interval).
async fn silence(pool: &PgPool, id: TaskId, ago: &str) {
    sqlx::query("UPDATE absurd.tasks SET heartbeat_at = now() - $2::interval WHERE task_id = $1")
        .bind(id)
        .bind(ago)
        .execute(pool)
        .await
        .unwrap();
}

async fn audit_rows(pool: &PgPool) -> Vec<(i64, serde_json::Value)> {
    sqlx::query_as(
        "SELECT affected, details FROM absurd.audit_log WHERE command = 'reap-stuck' ORDER BY audit_id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// The stored status of a task, as the legacy clients read it (a reaped
/// task with attempts left is stored `pending`, whatever absurdctl calls it).
async fn stored_status(pool: &PgPool, id: TaskId) -> String {
    sqlx::query_scalar("SELECT status FROM absurd.tasks WHERE task_id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

fn reaped_ids(report: &serde_json::Value) -> Vec<String> {
    report["queues"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|q| q["reaped"].as_array().unwrap().iter())
        .map(|t| t["task_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_stale_heartbeat_is_reaped_and_claimable_again_a_fresh_one_is_not() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let claimed = spawn_and_claim(&db, &pool, Q, "w", 2).await;
    let (stale, fresh) = (&claimed[0], &claimed[1]);
    silence(&pool, stale.task_id, "20 minutes").await;
    silence(&pool, fresh.task_id, "1 minute").await;
    let fresh_before = tasks::get(&pool, fresh.task_id).await.unwrap();

    let out = db.cli(&["--output", "json", "reap-stuck"]);
    out.assert_success();
    let report = out.json();
    assert_eq!(
        reaped_ids(&report),
        vec![stale.task_id.to_string()],
        "{out}"
    );
    assert_eq!(report["queues"][0]["reaped"][0]["new_status"], "retrying");
    assert_eq!(report["queues"][0]["reaped"][0]["reason"], "heartbeat");
    assert_eq!(report["totals"]["reaped"], 1);

    let t = tasks::get(&pool, stale.task_id).await.unwrap();
    assert_eq!(stored_status(&pool, stale.task_id).await, "pending");
    assert_eq!(t.worker_id, None);
    assert_eq!(t.attempt, 1, "reaping does not charge another attempt");
    let error = t.error.unwrap();
    assert!(
        error.starts_with("reaped by absurdctl: no heartbeat from worker w-0 since "),
        "{error}"
    );
    assert!(error.contains("claimed at "), "{error}");
    assert!(t.available_at <= chrono::Utc::now(), "available at once");

    let untouched = tasks::get(&pool, fresh.task_id).await.unwrap();
    assert_eq!(untouched.status, TaskStatus::Claimed);
    assert_eq!(untouched.worker_id.as_deref(), Some("w-1"));
    assert_eq!(untouched.heartbeat_at, fresh_before.heartbeat_at);
    assert_eq!(untouched.error, None);

    let again = tasks::claim(&pool, Q, "w-new", 5, None).await.unwrap();
    assert_eq!(again.len(), 1, "the reaped task is claimable again");
    assert_eq!(again[0].task_id, stale.task_id);
    assert_eq!(again[0].attempt, 2);

    let audit = audit_rows(&pool).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].0, 1);
    assert_eq!(
        audit[0].1["reaped"][0]["task_id"],
        stale.task_id.to_string().as_str()
    );

    // Nothing left to do: silent with -q, and no audit row.
    let quiet = db.cli(&["reap", "-q"]);
    quiet.assert_success();
    assert_eq!((quiet.stdout.as_str(), quiet.stderr.as_str()), ("", ""));
    assert_eq!(audit_rows(&pool).await.len(), 1);
}

#[tokio::test]
async fn a_task_past_its_timeout_while_heartbeating_is_reported_and_reaped_only_on_request() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let out = db.cli(&["spawn", "--task-name", "imaging", "--timeout", "1m"]);
    let id: TaskId = out.stdout.trim().parse().unwrap();
    tasks::claim(&pool, Q, "w1", 1, None).await.unwrap();
    sqlx::query(
        "UPDATE absurd.tasks SET claimed_at = now() - interval '10 minutes' WHERE task_id = $1",
    )
    .bind(id)
    .execute(&pool)
    .await
    .unwrap();
    assert!(tasks::heartbeat(&pool, id, "w1").await.unwrap());
    let before = db.tasks_checksum();

    // 10 min run < 1 min timeout + 1 h grace: not even overrun.
    let out = db.cli(&["--output", "json", "reap", "--timeout-grace", "1h"]);
    out.assert_success();
    assert!(reaped_ids(&out.json()).is_empty(), "{out}");
    assert_eq!(out.json()["totals"]["overran_timeout"], 0);

    // Overrun, but its worker is alive: reported, never reaped by default.
    for args in [&["reap"][..], &["reap", "--dry-run"]] {
        let mut full = vec!["--output", "json"];
        full.extend_from_slice(args);
        let out = db.cli(&full);
        out.assert_success();
        let report = out.json();
        assert!(reaped_ids(&report).is_empty(), "{out}");
        assert_eq!(report["totals"]["overran_timeout"], 1, "{out}");
        let overran = &report["queues"][0]["overran_timeout"][0];
        assert_eq!(overran["task_id"], id.to_string());
        assert_eq!(overran["reason"], "timeout");
    }
    let text = db.cli(&["reap", "--dry-run"]);
    text.assert_success();
    assert!(
        text.stderr
            .contains("1 task(s) of queue dsa110-pipeline overran their timeout while their worker still heartbeats")
            && text.stderr.contains("--reap-overrun")
            && text.stdout.contains(&id.to_string()),
        "{text}"
    );
    assert_eq!(before, db.tasks_checksum());
    assert!(audit_rows(&pool).await.is_empty());

    let out = db.cli(&["--output", "json", "reap", "--reap-overrun"]);
    out.assert_success();
    let report = out.json();
    assert_eq!(reaped_ids(&report), vec![id.to_string()]);
    assert_eq!(report["queues"][0]["reaped"][0]["reason"], "timeout");
    let t = tasks::get(&pool, id).await.unwrap();
    assert_eq!(stored_status(&pool, id).await, "pending");
    assert!(
        t.error
            .as_deref()
            .unwrap()
            .starts_with("reaped by absurdctl --reap-overrun: overran its timeout, ran 6"),
        "{:?}",
        t.error
    );
    assert!(
        !tasks::heartbeat(&pool, id, "w1").await.unwrap(),
        "its worker is told to stop"
    );
}

#[tokio::test]
async fn a_task_out_of_attempts_becomes_failed() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let out = db.cli(&[
        "spawn",
        "--task-name",
        "calibration-solve",
        "--max-retries",
        "1",
    ]);
    let id: TaskId = out.stdout.trim().parse().unwrap();
    tasks::claim(&pool, Q, "w1", 1, None).await.unwrap();
    silence(&pool, id, "1 hour").await;

    let out = db.cli(&["reap"]);
    out.assert_success();
    assert!(
        out.stdout.contains("0 back to the queue, 1 failed"),
        "{out}"
    );
    let t = tasks::get(&pool, id).await.unwrap();
    assert_eq!(t.status, TaskStatus::Failed);
    assert_eq!(t.worker_id, None);
    assert!(t.completed_at.is_some());
    assert!(t
        .error
        .as_deref()
        .unwrap()
        .contains("no heartbeat from worker w1"));
    assert!(tasks::claim(&pool, Q, "w2", 1, None)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_task_claimed_before_migration_is_reaped_once_silent_since_heartbeats_began() {
    let db = TestDb::empty().await;
    db.load_fixture("legacy_base_l2.sql");
    db.load_fixture("legacy_rows.sql");
    // A live legacy worker claims a task just before the upgrade.
    let live = db.psql("SELECT task_id FROM absurd.claim_task('dsa110-pipeline', 'py-worker')");
    db.cli(&["migrate"]).assert_success();
    assert_eq!(
        db.psql(
            "SELECT count(*) FROM absurd.tasks WHERE status = 'claimed' AND heartbeat_at IS NULL"
        ),
        "4",
        "05, 06, 16 from November and the one just claimed: no heartbeat recorded"
    );

    // Right after migrate nothing is silent: heartbeats were recorded
    // nowhere before, so silence counts from the migration.
    let out = db.cli(&["--output", "json", "reap", "--all-queues"]);
    out.assert_success();
    assert!(reaped_ids(&out.json()).is_empty(), "{out}");

    // An hour later, the November claims have still not heartbeated.
    db.psql(
        "UPDATE absurd._sqlx_migrations SET installed_on = installed_on - interval '1 hour'
          WHERE version = 1",
    );
    let out = db.cli(&["--output", "json", "reap"]);
    out.assert_success();
    let mut reaped = reaped_ids(&out.json());
    reaped.sort();
    assert_eq!(
        reaped,
        vec![
            "00000000-0000-4000-8000-000000000005",
            "00000000-0000-4000-8000-000000000006"
        ],
        "{out}"
    );
    let error = db.psql(
        "SELECT error FROM absurd.tasks WHERE task_id = '00000000-0000-4000-8000-000000000005'",
    );
    assert!(
        error.contains(
            "no heartbeat from worker dsa110-worker-01 since its claim at 2025-11-28 10:00:00Z"
        ) && error.contains("claimed before heartbeats were recorded"),
        "{error}"
    );
    assert_eq!(
        db.psql(&format!(
            "SELECT status || ' ' || worker_id FROM absurd.tasks WHERE task_id = '{live}'"
        )),
        "claimed py-worker",
        "claimed minutes ago: left alone"
    );
    assert_eq!(
        db.psql("SELECT status FROM absurd.tasks WHERE task_id = '00000000-0000-4000-8000-000000000016'"),
        "claimed",
        "another queue"
    );
    db.cli(&["reap", "--all-queues", "-q"]).assert_success();
    assert_eq!(
        db.psql("SELECT status FROM absurd.tasks WHERE task_id = '00000000-0000-4000-8000-000000000016'"),
        "pending"
    );
    // The legacy client's completion of a reaped task is refused too.
    assert_eq!(
        db.psql("SELECT absurd.complete_task('00000000-0000-4000-8000-000000000005', '{}'::jsonb)"),
        "f"
    );
}

#[tokio::test]
async fn older_than_reaps_on_claim_age_alone() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let claimed = spawn_and_claim(&db, &pool, Q, "w", 2).await;
    sqlx::query(
        "UPDATE absurd.tasks SET claimed_at = now() - CASE WHEN task_id = $1 THEN interval '3 hours'
                                                          ELSE interval '1 hour' END
          WHERE status = 'claimed'",
    )
    .bind(claimed[0].task_id)
    .execute(&pool)
    .await
    .unwrap();

    let out = db.cli(&["--output", "json", "reap"]);
    assert!(
        reaped_ids(&out.json()).is_empty(),
        "heartbeats are fresh: {out}"
    );
    let out = db.cli(&["--output", "json", "reap", "--older-than", "2h"]);
    out.assert_success();
    let report = out.json();
    assert_eq!(reaped_ids(&report), vec![claimed[0].task_id.to_string()]);
    assert_eq!(report["queues"][0]["reaped"][0]["reason"], "claim_age");
    assert_eq!(report["older_than_sec"], 7200);
    let error = tasks::get(&pool, claimed[0].task_id)
        .await
        .unwrap()
        .error
        .unwrap();
    assert!(
        error.starts_with("reaped by absurdctl: claimed by worker w-0 for 3h"),
        "{error}"
    );
}

#[tokio::test]
async fn dry_run_lists_and_changes_nothing() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let claimed = spawn_and_claim(&db, &pool, Q, "w", 3).await;
    silence(&pool, claimed[1].task_id, "1 hour").await;
    db.psql(
        "INSERT INTO absurd.worker_registry (worker_id, queue_name, hostname, last_seen_at)
         VALUES ('w-1', 'dsa110-pipeline', 'dsa-node-1', now() - interval '1 hour')",
    );
    let before = db.tasks_checksum();

    let out = db.cli(&["reap", "--dry-run"]);
    out.assert_success();
    assert!(
        out.stdout.contains(&claimed[1].task_id.to_string()),
        "{out}"
    );
    assert!(out.stdout.contains("would reap 1 task(s)"), "{out}");
    assert!(out.stdout.contains("would mark 1 worker(s) dead"), "{out}");
    let json = db.cli(&["--output", "json", "reap", "--dry-run"]).json();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["queues"][0]["lock"], "not_taken");
    assert_eq!(json["queues"][0]["reaped"][0]["new_status"], "retrying");
    assert_eq!(
        json["queues"][0]["workers_marked_dead"][0]["worker_id"],
        "w-1"
    );

    assert_eq!(before, db.tasks_checksum());
    assert_eq!(
        db.psql("SELECT status FROM absurd.worker_registry"),
        "running"
    );
    assert!(audit_rows(&pool).await.is_empty());
}

#[tokio::test]
async fn silent_registered_workers_are_marked_dead() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    db.psql(
        "INSERT INTO absurd.worker_registry (worker_id, queue_name, hostname, status, last_seen_at) VALUES
           ('gone',      'dsa110-pipeline', 'n1', 'running',  now() - interval '1 hour'),
           ('leaving',   'dsa110-pipeline', 'n1', 'draining', now() - interval '20 minutes'),
           ('alive',     'dsa110-pipeline', 'n2', 'running',  now() - interval '1 minute'),
           ('stopped',   'dsa110-pipeline', 'n2', 'stopped',  now() - interval '1 day'),
           ('elsewhere', 'mosaic',          'n3', 'running',  now() - interval '1 hour')",
    );
    let out = db.cli(&["reap", "-q"]);
    out.assert_success();
    assert!(
        out.stdout
            .contains("reaped 0 task(s) of queue dsa110-pipeline")
            && out.stdout.contains("marked 2 worker(s) dead"),
        "{out}"
    );
    assert_eq!(
        db.psql("SELECT string_agg(worker_id || '=' || status, ' ' ORDER BY worker_id) FROM absurd.worker_registry"),
        "alive=running elsewhere=running gone=dead leaving=dead stopped=stopped"
    );
    let audit = audit_rows(&pool).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(
        audit[0].1["workers_marked_dead"],
        json!(["gone", "leaving"])
    );
}

#[tokio::test]
async fn a_second_reaper_finds_the_lock_held_and_does_nothing() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let claimed = spawn_and_claim(&db, &pool, Q, "w", 1).await;
    silence(&pool, claimed[0].task_id, "1 hour").await;
    let mut holder = pool.acquire().await.unwrap();
    assert!(reap::try_lock(&mut holder, Q).await.unwrap());
    let holder_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *holder)
        .await
        .unwrap();
    let before = db.tasks_checksum();

    let out = db.cli(&["reap"]);
    out.assert_success();
    assert!(
        out.stderr
            .contains("another reaper holds the lock on queue dsa110-pipeline")
            && out.stderr.contains(&format!("pid {holder_pid}")),
        "{out}"
    );
    // -q does not hide a queue that nobody reaps.
    let quiet = db.cli(&["reap", "-q"]);
    quiet.assert_success();
    assert_eq!(quiet.stdout, "");
    assert!(
        quiet
            .stderr
            .contains("another reaper holds the lock on queue dsa110-pipeline"),
        "{quiet}"
    );
    let json = db.cli(&["--output", "json", "reap"]).json();
    assert_eq!(json["queues"][0]["lock"], "held_elsewhere");
    assert_eq!(json["queues"][0]["lock_holder"]["pid"], holder_pid);
    assert_eq!(json["totals"]["queues_locked_elsewhere"], 1);
    assert_eq!(before, db.tasks_checksum());
    assert!(audit_rows(&pool).await.is_empty());

    // Another queue's reaper is not held back.
    db.cli(&["--queue", "mosaic", "reap", "-q"])
        .assert_success();

    reap::unlock(&mut holder).await.unwrap();
    let out = db.cli(&["--output", "json", "reap"]);
    assert_eq!(reaped_ids(&out.json()).len(), 1, "{out}");
}

#[tokio::test]
async fn two_reapers_started_at_the_same_instant_reap_each_task_once() {
    let n: usize = std::env::var("ABSURD_TEST_REAP_TASKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    spawn_and_claim(&db, &pool, Q, "w", n).await;
    sqlx::query(
        "UPDATE absurd.tasks SET heartbeat_at = now() - interval '1 hour' WHERE status = 'claimed'",
    )
    .execute(&pool)
    .await
    .unwrap();

    let args = ["--database-url", &db.url, "--output", "json", "reap"];
    let mut first = absurdctl_command(&args);
    let mut second = absurdctl_command(&args);
    first.stdout(std::process::Stdio::piped());
    second.stdout(std::process::Stdio::piped());
    let (a, b) = (first.spawn().unwrap(), second.spawn().unwrap());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success() && b.status.success());

    let mut all: Vec<String> = Vec::new();
    let mut acted = 0;
    for out in [&a, &b] {
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let ids = reaped_ids(&report);
        acted += usize::from(!ids.is_empty());
        all.extend(ids);
    }
    assert_eq!(
        acted, 1,
        "one reaper acted; the other found the lock held or nothing left"
    );
    let total = all.len();
    all.sort();
    all.dedup();
    assert_eq!(total, n, "every task reaped, none twice");
    assert_eq!(all.len(), n);
    let audited: i64 = audit_rows(&pool).await.iter().map(|(a, _)| a).sum();
    assert_eq!(audited, n as i64);
    assert_eq!(
        db.psql(
            "SELECT count(*) FROM absurd.tasks
              WHERE status = 'pending' AND attempt = 1 AND worker_id IS NULL
                AND error LIKE 'reaped by absurdctl: %'"
        ),
        n.to_string()
    );
}

/// The deterministic half of the race: the worker acts between the
/// reaper's selection and its reap.
#[tokio::test]
async fn a_worker_that_speaks_up_after_selection_wins() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let claimed = spawn_and_claim(&db, &pool, Q, "w", 3).await;
    for t in &claimed {
        silence(&pool, t.task_id, "1 hour").await;
    }
    let rule = ReapRule::Stuck {
        heartbeat_timeout: Duration::from_secs(900),
        timeout_grace: Duration::from_secs(300),
        reap_overrun: false,
    };
    let seen = reap::find(&pool, Q, rule).await.unwrap();
    assert_eq!(seen.len(), 3);

    assert!(
        tasks::complete(&pool, claimed[0].task_id, "w-0", &json!({"ok": 1}))
            .await
            .unwrap()
    );
    assert!(tasks::heartbeat(&pool, claimed[1].task_id, "w-1")
        .await
        .unwrap());
    let outcomes: Vec<Option<TaskStatus>> = {
        let mut v = Vec::new();
        for t in &seen {
            v.push(reap::reap(&pool, t).await.unwrap());
        }
        v
    };
    assert_eq!(outcomes, vec![None, None, Some(TaskStatus::Retrying)]);
    let states: Vec<String> = {
        let mut v = Vec::new();
        for t in &claimed {
            v.push(stored_status(&pool, t.task_id).await);
        }
        v
    };
    assert_eq!(states, vec!["completed", "claimed", "pending"]);
    assert_eq!(
        reap::reap(&pool, &seen[2]).await.unwrap(),
        None,
        "never reaped twice"
    );
    assert!(
        !tasks::complete(&pool, claimed[2].task_id, "w-2", &json!({}))
            .await
            .unwrap(),
        "the reaped worker's late completion is refused"
    );
}

/// The race, many times over: each worker completes its task at some
/// instant around the reaper's selection and reaping. Every task ends
/// completed exactly once or reaped exactly once, never both, and the
/// return values say which.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn completing_while_the_reaper_acts_is_one_or_the_other_never_both() {
    let rounds: usize = std::env::var("ABSURD_TEST_RACE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    const PER_ROUND: usize = 20;
    let db = TestDb::migrated().await;
    let pool = PgPoolOptions::new()
        .max_connections(PER_ROUND as u32 + 2)
        .connect_with(quiet_options(&db.url))
        .await
        .unwrap();
    let rule = ReapRule::Stuck {
        heartbeat_timeout: Duration::from_secs(900),
        timeout_grace: Duration::from_secs(300),
        reap_overrun: false,
    };
    let (mut completed, mut reaped, mut left_alone) = (0, 0, 0);
    for round in 0..rounds {
        let queue = format!("race-{round}");
        let claimed = spawn_and_claim(&db, &pool, &queue, &format!("w{round}"), PER_ROUND).await;
        sqlx::query(
            "UPDATE absurd.tasks SET heartbeat_at = now() - interval '1 hour' WHERE queue_name = $1",
        )
        .bind(&queue)
        .execute(&pool)
        .await
        .unwrap();
        let start = Arc::new(tokio::sync::Barrier::new(PER_ROUND + 1));

        let reaper = {
            let (pool, start, queue) = (pool.clone(), start.clone(), queue.clone());
            tokio::spawn(async move {
                let mut conn = pool.acquire().await.unwrap();
                start.wait().await;
                let seen = reap::find(&mut *conn, &queue, rule).await.unwrap();
                let mut out = Vec::new();
                for t in &seen {
                    if let Some(status) = reap::reap(&mut *conn, t).await.unwrap() {
                        out.push((t.task_id, status));
                    }
                }
                (seen.len(), out)
            })
        };
        let mut workers = Vec::new();
        for (i, t) in claimed.iter().enumerate() {
            let (pool, start) = (pool.clone(), start.clone());
            let (id, worker) = (t.task_id, t.worker_id.clone().unwrap());
            // Spread the completions over the reaper's work, differently each round.
            let delay = Duration::from_micros((i * (round % 4 + 1) * 300) as u64);
            workers.push(tokio::spawn(async move {
                let mut conn = pool.acquire().await.unwrap();
                start.wait().await;
                tokio::time::sleep(delay).await;
                let ok = tasks::complete(&mut *conn, id, &worker, &json!({ "by": worker }))
                    .await
                    .unwrap();
                (id, ok)
            }));
        }
        let (seen, reaped_now) = reaper.await.unwrap();
        let mut completions = Vec::new();
        for w in workers {
            completions.push(w.await.unwrap());
        }

        for (id, completed_ok) in &completions {
            let was_reaped: Vec<&TaskStatus> = reaped_now
                .iter()
                .filter(|(r, _)| r == id)
                .map(|(_, s)| s)
                .collect();
            assert!(was_reaped.len() <= 1, "{id} reaped twice");
            assert!(
                *completed_ok != (was_reaped.len() == 1),
                "{id}: completed {completed_ok}, reaped {was_reaped:?}: exactly one must hold"
            );
            let t = tasks::get(&pool, *id).await.unwrap();
            if *completed_ok {
                assert_eq!(t.status, TaskStatus::Completed, "{id}");
                assert_eq!(t.result.as_ref().unwrap()["by"], json!(t.worker_id));
                assert_eq!(t.error, None);
                completed += 1;
            } else {
                assert_eq!(stored_status(&pool, *id).await, "pending", "{id}");
                assert_eq!((t.worker_id, t.result), (None, None));
                assert!(t.error.unwrap().starts_with("reaped by absurdctl"));
                reaped += 1;
            }
        }
        left_alone += seen - reaped_now.len();
    }
    eprintln!(
        "{rounds} rounds of {PER_ROUND}: {completed} completed, {reaped} reaped, \
         {left_alone} seen stuck but completed before the reap reached them"
    );
    assert_eq!(completed + reaped, rounds * PER_ROUND);
}

#[tokio::test]
async fn a_reaped_workers_fenced_completion_of_a_reclaimed_task_is_refused() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let t = spawn_and_claim(&db, &pool, Q, "old", 1).await.remove(0);
    silence(&pool, t.task_id, "1 hour").await;
    db.cli(&["reap", "-q"]).assert_success();
    let mine = tasks::claim(&pool, Q, "new", 1, None)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(mine.task_id, t.task_id);
    let before = tasks::get(&pool, t.task_id).await.unwrap();

    // The old worker wakes up and tries everything.
    assert!(!tasks::heartbeat(&pool, t.task_id, "old-0").await.unwrap());
    assert!(
        !tasks::complete(&pool, t.task_id, "old-0", &json!({"stale": true}))
            .await
            .unwrap()
    );
    assert!(!tasks::fail(&pool, t.task_id, "old-0", "stale failure")
        .await
        .unwrap());
    assert!(!tasks::release(&pool, t.task_id, "old-0").await.unwrap());

    let after = tasks::get(&pool, t.task_id).await.unwrap();
    assert_eq!(after.status, TaskStatus::Claimed);
    assert_eq!(after.worker_id.as_deref(), Some("new"));
    assert_eq!(
        (after.attempt, after.heartbeat_at, after.claimed_at),
        (before.attempt, before.heartbeat_at, before.claimed_at)
    );
    assert_eq!(after.result, None);
    assert_eq!(after.error, before.error, "only the reap's note");

    assert!(
        tasks::complete(&pool, t.task_id, "new", &json!({"ok": true}))
            .await
            .unwrap()
    );
    let done = tasks::get(&pool, t.task_id).await.unwrap();
    assert_eq!(done.result, Some(json!({"ok": true})));
}

#[tokio::test]
async fn reaping_wakes_idle_workers() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let t = spawn_and_claim(&db, &pool, Q, "w", 1).await.remove(0);
    silence(&pool, t.task_id, "1 hour").await;
    let mut listener = sqlx::postgres::PgListener::connect(&db.url).await.unwrap();
    listener.listen("absurd_task_ready").await.unwrap();
    db.cli(&["reap", "-q"]).assert_success();
    let n = tokio::time::timeout(Duration::from_secs(10), listener.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n.payload(), Q);
}

#[tokio::test]
async fn bad_input_changes_nothing() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let t = spawn_and_claim(&db, &pool, Q, "w", 1).await.remove(0);
    silence(&pool, t.task_id, "1 hour").await;
    let before = db.tasks_checksum();
    for args in [
        &["reap", "--heartbeat-timeout", "500ms"][..],
        &["reap", "--older-than", "0s"],
        &["reap", "--older-than", "soon"],
        &["reap", "--timeout-grace", "-1m"],
        &["--output", "prometheus", "reap"],
    ] {
        let out = db.cli(args);
        out.assert_code(2);
        assert!(!out.stderr.is_empty(), "{out}");
    }
    let out = db.cli(&["reap", "--heartbeat-timeout", "500ms"]);
    assert!(out.stderr.contains("at least 1s"), "{out}");
    assert_eq!(before, db.tasks_checksum());
    assert!(audit_rows(&pool).await.is_empty());
}

/// A legacy Python worker, as legacy-schema.md describes it: it claims with
/// the two-argument `claim_task`, heartbeats every 30 s with
/// `heartbeat_task(uuid)` while its task runs, ignoring the answer (and
/// errors: a heartbeat during `migrate` may meet the function being
/// replaced), and completes with `complete_task(uuid, jsonb)` when told to.
struct LegacyWorker {
    task_id: TaskId,
    finish: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<bool>,
}

impl LegacyWorker {
    const HEARTBEAT: Duration = Duration::from_secs(30);

    async fn claim(url: &str, queue: &str, worker_id: &str) -> LegacyWorker {
        use sqlx::{Connection, Row};
        let mut conn = sqlx::PgConnection::connect_with(&quiet_options(url))
            .await
            .unwrap();
        let row = sqlx::query("SELECT * FROM absurd.claim_task($1,$2)")
            .bind(queue)
            .bind(worker_id)
            .fetch_one(&mut conn)
            .await
            .expect("the legacy worker claims a task");
        let task_id: TaskId = row.get("task_id");
        let (finish, mut told) = tokio::sync::oneshot::channel();
        let done = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut told => break,
                    _ = tokio::time::sleep(Self::HEARTBEAT) => {
                        let _ = sqlx::query("SELECT absurd.heartbeat_task($1)")
                            .bind(task_id)
                            .execute(&mut conn)
                            .await;
                    }
                }
            }
            sqlx::query_scalar("SELECT absurd.complete_task($1,$2::jsonb)")
                .bind(task_id)
                .bind(r#"{"images": 16}"#)
                .fetch_one(&mut conn)
                .await
                .unwrap()
        });
        LegacyWorker {
            task_id,
            finish,
            done,
        }
    }

    /// Tells it to complete its task: whether `complete_task` said true.
    async fn complete(self) -> bool {
        self.finish.send(()).unwrap();
        self.done.await.unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_legacy_worker_is_never_reaped_across_migrate_and_past_its_timeout() {
    let db = TestDb::empty().await;
    db.load_fixture("legacy_base_l2.sql");
    let pool = db.pool().await;
    // The pipeline spawns with a 10 min timeout; its worker claimed the task
    // two hours ago and is still at work (the Python worker never enforces
    // timeout_sec), heartbeating into a schema that recorded nothing.
    let id = TaskId(db.seed_one(task().params(json!({"field": 7})).timeout_sec(600)));
    let worker = LegacyWorker::claim(&db.url, Q, "dsa-node-3-1a2b3c4d").await;
    assert_eq!(worker.task_id, id);
    db.psql(&format!(
        "UPDATE absurd.tasks SET claimed_at = now() - interval '2 hours' WHERE task_id = '{id}'"
    ));

    // absurdctl is installed while it runs; cron reaps from then on.
    db.cli(&["migrate"]).assert_success();
    let started = Instant::now();
    let mut runs = 0;
    loop {
        let out = db.cli(&["reap-stuck", "--all-queues", "-q"]);
        out.assert_success();
        assert_eq!(out.stdout, "", "nothing reaped: {out}");
        runs += 1;
        let heard = db.psql(&format!(
            "SELECT heartbeat_at IS NOT NULL FROM absurd.tasks WHERE task_id = '{id}'"
        ));
        // Until well after its first recorded heartbeat.
        if heard == "t" && started.elapsed() > LegacyWorker::HEARTBEAT + Duration::from_secs(3) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "no heartbeat recorded"
        );
        std::thread::sleep(Duration::from_secs(3));
    }
    assert!(runs > 5);

    // Past its timeout, its worker alive: reported, not reaped.
    let report = db
        .cli(&["--output", "json", "reap-stuck", "--all-queues"])
        .json();
    assert!(reaped_ids(&report).is_empty(), "{report:#}");
    assert_eq!(
        report["queues"][0]["overran_timeout"][0]["task_id"],
        id.to_string()
    );
    assert_eq!(
        db.psql(&format!(
            "SELECT status || ' ' || worker_id || ' ' || attempt FROM absurd.tasks WHERE task_id = '{id}'"
        )),
        "claimed dsa-node-3-1a2b3c4d 1"
    );
    assert!(audit_rows(&pool).await.is_empty(), "no reap audited");

    assert!(worker.complete().await, "its completion stands");
    assert_eq!(
        db.psql(&format!(
            "SELECT status || ' ' || result::text FROM absurd.tasks WHERE task_id = '{id}'"
        )),
        r#"completed {"images": 16}"#
    );
}

#[tokio::test]
async fn a_reapers_lock_held_longer_than_a_reap_takes_is_reported() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let claimed = spawn_and_claim(&db, &pool, Q, "w", 1).await;
    silence(&pool, claimed[0].task_id, "1 hour").await;
    // A second session takes the lock and hangs.
    let mut holder = pool.acquire().await.unwrap();
    assert!(reap::try_lock(&mut holder, Q).await.unwrap());
    let holder_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *holder)
        .await
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let before = db.tasks_checksum();

    // Within the default limit: a reaper at work, said even with -q.
    let out = db.cli(&["reap", "-q"]);
    out.assert_success();
    assert!(out.stderr.contains(&format!("pid {holder_pid}")), "{out}");

    for args in [
        &["reap", "--reaper-lock-stale-after", "1s"][..],
        &["reap", "-q", "--reaper-lock-stale-after", "1s"],
    ] {
        let out = db.cli(args);
        out.assert_code(1);
        assert!(
            out.stderr
                .contains("another reaper holds the lock on queue dsa110-pipeline")
                && out.stderr.contains("has been held for longer than 1s")
                && out.stderr.contains("pg_terminate_backend"),
            "{args:?}: {out}"
        );
    }
    let json = db.cli(&["-o", "json", "reap", "--reaper-lock-stale-after", "1s"]);
    json.assert_code(1);
    assert_eq!(json.json()["queues"][0]["lock"], "held_too_long");
    assert_eq!(json.json()["queues"][0]["lock_holder"]["pid"], holder_pid);

    let status = db.cli(&["-o", "json", "status", "--reaper-lock-stale-after", "1s"]);
    let lock = status.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "reaper_lock")
        .cloned()
        .unwrap();
    assert_eq!(lock["level"], "WARNING", "{status}");
    assert!(
        lock["message"]
            .as_str()
            .unwrap()
            .contains(&format!("by pid {holder_pid}")),
        "{lock}"
    );
    let text = db.cli(&["status", "--reaper-lock-stale-after", "1s"]);
    assert!(
        text.stdout.contains("the reaper's lock has been held for"),
        "{text}"
    );
    let preflight = db.cli(&["-o", "json", "preflight", "--reaper-lock-stale-after", "1s"]);
    assert_eq!(preflight.code, Some(2), "{preflight}");
    let item = preflight.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "reaper_lock")
        .cloned()
        .unwrap();
    assert_eq!(item["result"], "FAIL", "{preflight}");
    // Not held too long by the default limit.
    let preflight = db.cli(&["-o", "json", "preflight"]);
    let item = preflight.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "reaper_lock")
        .cloned()
        .unwrap();
    assert_eq!(item["result"], "PASS", "{preflight}");

    assert_eq!(
        before,
        db.tasks_checksum(),
        "nothing reaped under a held lock"
    );
    reap::unlock(&mut holder).await.unwrap();
    let out = db.cli(&[
        "--output",
        "json",
        "reap",
        "--reaper-lock-stale-after",
        "1s",
    ]);
    out.assert_success();
    assert_eq!(reaped_ids(&out.json()).len(), 1, "{out}");
}

/// A registry row for `worker`, as `worker run` keeps it: `status`, last
/// seen `seen_ago` and started `started_ago` (PostgreSQL intervals).
async fn register(pool: &PgPool, worker: &str, status: &str, seen_ago: &str, started_ago: &str) {
    sqlx::query(
        "INSERT INTO absurd.worker_registry (worker_id, queue_name, hostname, status, started_at, last_seen_at)
         VALUES ($1, $2, 'host-a', $3, now() - $5::interval, now() - $4::interval)",
    )
    .bind(worker)
    .bind(Q)
    .bind(status)
    .bind(seen_ago)
    .bind(started_ago)
    .execute(pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_stale_heartbeat_of_a_worker_alive_in_its_registry_is_not_reaped() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    // Claimed by w-0..w-4, claims a moment ago; every heartbeat 20 min old.
    let claimed = spawn_and_claim(&db, &pool, Q, "w", 5).await;
    for t in &claimed {
        silence(&pool, t.task_id, "20 minutes").await;
    }
    // w-0: alive (seen 1 s ago, started before its claim); w-1: draining,
    // alive too; w-2: restarted under the same id after its claim (it knows
    // nothing of the task); w-3: seen 20 min ago; w-4: stopped a moment ago.
    register(&pool, "w-0", "running", "1 second", "1 hour").await;
    register(&pool, "w-1", "draining", "1 second", "1 hour").await;
    register(&pool, "w-2", "running", "1 second", "0 seconds").await;
    register(&pool, "w-3", "running", "20 minutes", "1 hour").await;
    register(&pool, "w-4", "stopped", "1 second", "1 hour").await;

    let status = db.cli(&["--queue", Q, "-o", "json", "status"]);
    status.assert_success();
    assert_eq!(status.json()["queues"][0]["stuck"], 3, "{status}");

    let dry = db.cli(&["--queue", Q, "-o", "json", "reap-stuck", "--dry-run"]);
    dry.assert_success();
    let mut want: Vec<String> = claimed[2..].iter().map(|t| t.task_id.to_string()).collect();
    want.sort();
    // A dry run lists what it would reap, as a reap does.
    let mut listed = reaped_ids(&dry.json());
    listed.sort();
    assert_eq!(listed, want, "{dry}");

    let out = db.cli(&["--queue", Q, "-o", "json", "reap-stuck", "--yes"]);
    out.assert_success();
    let mut reaped = reaped_ids(&out.json());
    reaped.sort();
    assert_eq!(reaped, want, "{out}");
    for t in &claimed[..2] {
        let row = tasks::get(&pool, t.task_id).await.unwrap();
        assert_eq!(row.status, TaskStatus::Claimed, "{out}");
        assert_eq!(row.error, None);
    }

    // Once w-0 falls silent in its registry too, its task is reaped.
    sqlx::query("UPDATE absurd.worker_registry SET last_seen_at = now() - interval '20 minutes' WHERE worker_id = 'w-0'")
        .execute(&pool)
        .await
        .unwrap();
    let out = db.cli(&["--queue", Q, "-o", "json", "reap-stuck", "--yes"]);
    out.assert_success();
    assert_eq!(
        reaped_ids(&out.json()),
        vec![claimed[0].task_id.to_string()],
        "{out}"
    );
}

/// The fault itself: another session holds two running tasks' rows locked
/// for longer than the reaper's limit. The worker cannot heartbeat them (it
/// never waits for a lock; one heartbeat waits behind the first row's), so
/// when the lock goes the second row's heartbeat is older than the limit
/// until the worker's next round. A reaper run at that moment must leave
/// both alone: the worker said it was alive all along in its registry row.
#[tokio::test]
async fn rows_locked_past_the_reapers_limit_are_not_reaped_from_their_live_worker() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = Scratch::new("absurdctl-reap-locked");
    let handler = dir.script(
        "handler.sh",
        r#"echo "$ABSURD_TASK_ID" >> "$DIR/started"
while [ ! -f "$DIR/go" ]; do sleep 0.05; done
echo '{"done": true}'"#,
    );
    let ids: Vec<uuid::Uuid> = (0..2)
        .map(|_| db.seed_one(task().queue(Q).max_retries(3)))
        .collect();
    let mut worker = Background::start(absurdctl_command(&[
        "--database-url",
        &db.url,
        "--queue",
        Q,
        "--output",
        "json",
        "worker",
        "run",
        "--worker-id",
        "w-locked",
        "--concurrency",
        "2",
        "--heartbeat-interval",
        "2s",
        "--log-format",
        "json",
        "--",
        &handler,
    ]));
    let t = Instant::now();
    while std::fs::read_to_string(dir.path("started"))
        .unwrap_or_default()
        .lines()
        .count()
        < 2
    {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "{}",
            worker.lines().join("\n")
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let mut locker = pool.begin().await.unwrap();
    let locked: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT task_id FROM absurd.tasks WHERE task_id = ANY ($1) FOR UPDATE")
            .bind(&ids)
            .fetch_all(&mut *locker)
            .await
            .unwrap();
    assert_eq!(locked.len(), 2);
    // Longer than the reaper's 4 s limit plus the worker's 2 s interval:
    // both heartbeats are over the limit when the lock goes.
    tokio::time::sleep(Duration::from_secs(6)).await;
    locker.commit().await.unwrap();
    let out = db.cli(&[
        "--queue",
        Q,
        "-o",
        "json",
        "reap-stuck",
        "--heartbeat-timeout",
        "4s",
        "--yes",
    ]);
    out.assert_success();
    assert_eq!(reaped_ids(&out.json()), Vec::<String>::new(), "{out}");

    std::fs::write(dir.path("go"), "").unwrap();
    let t = Instant::now();
    loop {
        let done: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM absurd.tasks WHERE task_id = ANY ($1) AND status = 'completed' AND worker_id = 'w-locked'",
        )
        .bind(&ids)
        .fetch_one(&pool)
        .await
        .unwrap();
        if done == 2 {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "{}",
            worker.lines().join("\n")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    worker.signal(libc::SIGTERM);
    let exit = worker.wait(Duration::from_secs(30));
    exit.assert_success();
    let lost: Vec<_> = worker
        .events()
        .into_iter()
        .filter(|e| e["event"] == "lost" || e["event"] == "stopping")
        .collect();
    assert!(lost.is_empty(), "the worker lost a task: {lost:?}");
    let attempts: Vec<i32> =
        sqlx::query_scalar("SELECT attempt FROM absurd.tasks WHERE task_id = ANY ($1)")
            .bind(&ids)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(attempts, vec![1, 1], "each ran once");
}
