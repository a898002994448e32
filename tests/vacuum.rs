//! `vacuum`: retention by status, what is never deleted, the archive and its
//! crash safety, interruption, dry run, and the table maintenance after.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, Read};
use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// Inserts a task of `queue` in `status`, created and finished `days` ago.
fn finished_task(db: &TestDb, queue: &str, status: &str, days: f64) -> String {
    let finished = ago(Duration::from_secs_f64(days * 86_400.0));
    db.seed_one(
        task()
            .queue(queue)
            .status(status)
            .params(serde_json::json!({"n": 1}))
            .created(finished.plus(-60.0))
            .completed(finished),
    )
    .to_string()
}

/// `n` tasks finished `days` ago, cycling through the finished statuses.
fn finished_tasks(db: &TestDb, n: usize, days: f64) {
    let finished = ago(Duration::from_secs_f64(days * 86_400.0));
    db.seed((1..=n).map(|i| {
        task()
            .status(["completed", "cancelled", "failed"][i % 3])
            .params(serde_json::json!({"i": i}))
            .result(serde_json::json!({"ok": true}))
            .created(finished.plus(-60.0))
            .completed(finished.plus(i as f64))
    }));
}

fn ids(db: &TestDb) -> BTreeSet<String> {
    db.psql("SELECT task_id FROM absurd.tasks")
        .lines()
        .map(str::to_string)
        .collect()
}

fn temp_dir() -> Scratch {
    Scratch::new("absurdctl-vacuum")
}

/// Every complete row of an archive, plain or gzip. A crash may cut the
/// last line or gzip member short: what follows the last complete one is
/// ignored, as the crash-safety promise is about rows that were deleted.
fn archived(path: &Path) -> Vec<Value> {
    let mut bytes = Vec::new();
    if path.extension().is_some_and(|e| e == "gz") {
        let _ = flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
            .read_to_end(&mut bytes);
    } else {
        bytes = std::fs::read(path).unwrap();
    }
    let text = String::from_utf8(bytes).unwrap();
    let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
    complete
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad archive line {l}: {e}")))
        .collect()
}

fn archived_ids(path: &Path) -> BTreeSet<String> {
    archived(path)
        .iter()
        .map(|r| r["task_id"].as_str().unwrap().to_string())
        .collect()
}

/// Makes every deletion take a while, so that a run can be caught mid-way.
fn slow_deletes(db: &TestDb, secs_per_row: f64) {
    db.psql(&format!(
        "CREATE FUNCTION public.slow_delete() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN PERFORM pg_sleep({secs_per_row}); RETURN OLD; END $$;
         CREATE TRIGGER slow_delete BEFORE DELETE ON absurd.tasks
           FOR EACH ROW EXECUTE FUNCTION public.slow_delete();"
    ));
}

fn by_status(report: &Value, status: &str) -> i64 {
    report["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["status"] == status)
        .unwrap()["rows"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn exactly_the_rows_past_each_retention_go() {
    let db = TestDb::migrated().await;
    let completed_old = finished_task(&db, "dsa110-pipeline", "completed", 31.0);
    let completed_new = finished_task(&db, "dsa110-pipeline", "completed", 29.0);
    let cancelled_old = finished_task(&db, "dsa110-pipeline", "cancelled", 31.0);
    let cancelled_new = finished_task(&db, "dsa110-pipeline", "cancelled", 29.0);
    let failed_31 = finished_task(&db, "dsa110-pipeline", "failed", 31.0);
    let failed_89 = finished_task(&db, "dsa110-pipeline", "failed", 89.0);
    let failed_old = finished_task(&db, "dsa110-pipeline", "failed", 91.0);
    let other_queue = finished_task(&db, "mosaic", "completed", 400.0);
    // Unfinished tasks of any age stay, even with a completed_at (a failed
    // attempt sets it on retrying tasks).
    let unfinished: Vec<String> = ["pending", "retrying", "claimed"]
        .iter()
        .map(|s| finished_task(&db, "dsa110-pipeline", s, 400.0))
        .collect();

    let out = db.cli(&["--output", "json", "vacuum", "--yes", "--batch-size", "2"]);
    out.assert_success();
    let report = out.json();
    assert_eq!(
        (
            by_status(&report, "completed"),
            by_status(&report, "cancelled"),
            by_status(&report, "failed")
        ),
        (1, 1, 1),
        "{out}"
    );
    assert_eq!(report["rows"], 3);
    assert_eq!(report["stopped"], "done");
    assert_eq!(report["vacuum"], "analyze");
    assert!(report["bytes"].as_i64().unwrap() > 0);
    let left = ids(&db);
    for gone in [&completed_old, &cancelled_old, &failed_old] {
        assert!(!left.contains(gone), "{gone} should be gone");
    }
    for kept in [
        &completed_new,
        &cancelled_new,
        &failed_31,
        &failed_89,
        &other_queue,
    ]
    .into_iter()
    .chain(&unfinished)
    {
        assert!(left.contains(kept), "{kept} should stay");
    }

    let audit = db.psql(
        "SELECT affected || ' ' || (details->>'rows') || ' ' || dry_run FROM absurd.audit_log
          WHERE command = 'vacuum'",
    );
    assert_eq!(audit, "3 3 false");

    // Shorter retentions, per status; unfinished tasks still stay.
    let out = db.cli(&[
        "--output",
        "json",
        "vacuum",
        "--yes",
        "--completed-older-than",
        "7d",
        "--failed-older-than",
        "30d",
        "--no-vacuum",
    ]);
    out.assert_success();
    let report = out.json();
    assert_eq!(by_status(&report, "completed"), 1, "{out}");
    assert_eq!(by_status(&report, "failed"), 2, "{out}");
    assert_eq!(by_status(&report, "cancelled"), 0, "{out}");
    assert_eq!(report["vacuum"], Value::Null);
    assert_eq!(report["vacuum_skipped"], "--no-vacuum");
    let left = ids(&db);
    let expected: BTreeSet<String> = [cancelled_new, other_queue]
        .into_iter()
        .chain(unfinished)
        .collect();
    assert_eq!(left, expected);

    // The mosaic queue is its own.
    let out = db.cli(&["--queue", "mosaic", "vacuum", "--yes"]);
    out.assert_success();
    assert!(
        out.stdout
            .contains("deleted 1 finished tasks of queue mosaic"),
        "{out}"
    );
}

/// A failed task of `queue`, claimed `attempts` times, finished `days` ago.
fn failed_after(db: &TestDb, queue: &str, attempts: i32, days: f64) -> String {
    let finished = ago(Duration::from_secs_f64(days * 86_400.0));
    db.seed_one(
        task()
            .queue(queue)
            .status("failed")
            .attempt(attempts)
            .max_retries(attempts)
            .created(finished.plus(-60.0))
            .completed(finished),
    )
    .to_string()
}

#[tokio::test]
async fn attempts_at_least_keeps_failed_tasks_with_fewer_attempts() {
    // Runbook 001: "clean up old failed records (older than 7 days,
    // retry_count >= 5)", beside completed older than 30 days.
    let db = TestDb::migrated().await;
    let q = "dsa110-pipeline";
    let gone_5 = failed_after(&db, q, 5, 8.0);
    let gone_7 = failed_after(&db, q, 7, 20.0);
    let kept_4 = failed_after(&db, q, 4, 8.0);
    let kept_recent = failed_after(&db, q, 6, 6.0);
    let completed_old = finished_task(&db, q, "completed", 31.0);
    let out = db.cli(&[
        "-o",
        "json",
        "vacuum",
        "--yes",
        "--failed-older-than",
        "7d",
        "--attempts-at-least",
        "5",
    ]);
    out.assert_success();
    let report = out.json();
    assert_eq!(by_status(&report, "failed"), 2, "{out}");
    assert_eq!(by_status(&report, "completed"), 1, "{out}");
    assert_eq!(report["retention"]["failed_attempts_at_least"], 5);
    let left = ids(&db);
    for gone in [&gone_5, &gone_7, &completed_old] {
        assert!(!left.contains(gone), "{gone} should be gone");
    }
    for kept in [&kept_4, &kept_recent] {
        assert!(left.contains(kept), "{kept} should stay");
    }
    assert_eq!(
        db.psql(
            "SELECT affected || ' ' || (filter->>'failed_attempts_at_least') FROM absurd.audit_log
              WHERE command = 'vacuum'"
        ),
        "3 5"
    );
    // The dry run agrees with what went: nothing more is past retention.
    let dry = db.cli(&[
        "-o",
        "json",
        "vacuum",
        "--dry-run",
        "--failed-older-than",
        "7d",
        "--attempts-at-least",
        "5",
    ]);
    dry.assert_success();
    assert_eq!(dry.json()["rows"], 0, "{dry}");
}

#[tokio::test]
async fn all_queues_cleans_every_queue_in_one_run() {
    let db = TestDb::migrated().await;
    let old: Vec<String> = ["dsa110-pipeline", "mosaic", "calibration"]
        .iter()
        .map(|q| finished_task(&db, q, "completed", 31.0))
        .collect();
    let recent = finished_task(&db, "mosaic", "completed", 2.0);
    let pending = finished_task(&db, "calibration", "pending", 400.0);
    let dry = db.cli(&["-o", "json", "vacuum", "--all-queues", "--dry-run"]);
    dry.assert_success();
    assert_eq!(dry.json()["rows"], 3, "{dry}");
    assert_eq!(ids(&db).len(), 5, "the dry run deleted nothing");

    let dir = temp_dir();
    let archive = dir.path("all.jsonl");
    let out = db.cli(&[
        "vacuum",
        "--all-queues",
        "--yes",
        "--batch-size",
        "1",
        "--archive",
        archive.to_str().unwrap(),
    ]);
    out.assert_success();
    assert_eq!(
        archived_ids(&archive),
        old.iter().cloned().collect::<BTreeSet<String>>(),
        "one archive holds the rows of every queue"
    );
    assert!(
        out.stdout
            .contains("deleted 3 finished tasks of queues calibration, dsa110-pipeline, mosaic"),
        "{out}"
    );
    let left = ids(&db);
    assert_eq!(left, [recent, pending].into_iter().collect(), "{out}");
    assert!(old.iter().all(|id| !left.contains(id)));
    // One audit row for the run, of every queue (no queue name).
    assert_eq!(
        db.psql(
            "SELECT affected || ' ' || coalesce(queue_name, 'every queue') FROM absurd.audit_log
              WHERE command = 'vacuum' AND NOT dry_run"
        ),
        "3 every queue"
    );
}

#[tokio::test]
async fn analyze_only_refreshes_statistics_and_deletes_nothing() {
    let db = TestDb::migrated().await;
    finished_tasks(&db, 30, 40.0);
    let before = db.tasks_checksum();
    assert_eq!(
        db.psql(
            "SELECT coalesce(last_analyze::text, 'never') FROM pg_stat_user_tables
              WHERE schemaname = 'absurd' AND relname = 'tasks'"
        ),
        "never"
    );
    let out = db.cli(&["-o", "json", "vacuum", "--analyze-only"]);
    out.assert_success();
    let report = out.json();
    assert_eq!(report["analyzed"], true, "{out}");
    assert_eq!(report["rows"], 0);
    assert_eq!(db.tasks_checksum(), before, "nothing deleted");
    // The statistics collector reports the ANALYZE (it may take a moment).
    let mut analyzed = String::new();
    for _ in 0..50 {
        analyzed = db.psql(
            "SELECT last_analyze IS NOT NULL AND last_vacuum IS NULL FROM pg_stat_user_tables
              WHERE schemaname = 'absurd' AND relname = 'tasks'",
        );
        if analyzed == "t" {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(analyzed, "t", "ANALYZE ran, VACUUM did not");
    assert_eq!(
        db.psql(
            "SELECT affected || ' ' || (details->>'analyze_only') FROM absurd.audit_log
              WHERE command = 'vacuum'"
        ),
        "0 true"
    );
    let refused = db.cli(&["vacuum", "--analyze-only", "--archive", "/tmp/x.jsonl"]);
    refused.assert_code(2);
}

#[tokio::test]
async fn a_finished_task_still_depended_on_stays() {
    let db = TestDb::migrated().await;
    let solve = finished_task(&db, "dsa110-pipeline", "completed", 60.0);
    let failed = finished_task(&db, "dsa110-pipeline", "failed", 120.0);
    let done_dep = finished_task(&db, "dsa110-pipeline", "completed", 60.0);
    // A pending task waits for `solve`, a retrying one for `failed`; a
    // finished one depended on `done_dep`, which no longer matters.
    let waiting = db
        .seed_one(
            task()
                .queue("dsa110-ingestion")
                .name("calibration-apply")
                .depends_on(&[&solve]),
        )
        .to_string();
    db.seed_one(
        task()
            .status("retrying")
            .depends_on(&[&failed, &solve])
            .completed(NOW),
    );
    let finished_dependent = db
        .seed_one(
            task()
                .status("completed")
                .depends_on(&[&done_dep])
                .completed(ago(days(60))),
        )
        .to_string();

    let dry = db.cli(&["--output", "json", "vacuum", "--dry-run"]).json();
    assert_eq!(dry["rows"], 2, "{dry}");
    assert_eq!(dry["kept_depended_on"], 2, "{dry}");

    let out = db.cli(&["--output", "json", "vacuum", "--yes", "--batch-size", "1"]);
    out.assert_success();
    assert_eq!(out.json()["rows"], 2, "{out}");
    assert_eq!(out.json()["kept_depended_on"], 2, "{out}");
    let left = ids(&db);
    assert!(left.contains(&solve) && left.contains(&failed));
    assert!(!left.contains(&done_dep) && !left.contains(&finished_dependent));
    assert!(left.contains(&waiting));

    // Once the dependent is finished too, its dependency may go.
    db.psql(
        "UPDATE absurd.tasks SET status = 'completed', completed_at = now()
          WHERE status IN ('pending', 'retrying')",
    );
    let out = db.cli(&["--output", "json", "vacuum", "--yes", "--no-vacuum"]);
    out.assert_success();
    assert_eq!(out.json()["rows"], 2, "{out}");
}

#[tokio::test]
async fn dry_run_changes_nothing() {
    let db = TestDb::migrated().await;
    finished_tasks(&db, 30, 100.0);
    finished_tasks(&db, 9, 1.0);
    finished_task(&db, "dsa110-pipeline", "pending", 500.0);
    let before = db.tasks_checksum();
    let dir = temp_dir();
    let archive = dir.join("dry.jsonl");

    let out = db.cli(&[
        "--output",
        "json",
        "vacuum",
        "--dry-run",
        "--reindex",
        "--archive",
        archive.to_str().unwrap(),
    ]);
    out.assert_success();
    let report = out.json();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["rows"], 30, "{out}");
    assert_eq!(by_status(&report, "completed"), 10);
    assert_eq!(by_status(&report, "failed"), 10);
    assert_eq!(by_status(&report, "cancelled"), 10);
    assert!(report["bytes"].as_i64().unwrap() > 30 * 50, "{out}");
    assert!(!report["index_bloat"].as_array().unwrap().is_empty());

    let table = db.cli(&["vacuum", "--dry-run"]);
    table.assert_success();
    assert!(
        table.stdout.contains("would delete 30 finished tasks"),
        "{table}"
    );
    assert_eq!(before, db.tasks_checksum());
    assert!(!archive.exists(), "a dry run writes no archive");
    assert_eq!(db.psql("SELECT count(*) FROM absurd.audit_log"), "0");
    assert_eq!(
        db.psql(
            "SELECT vacuum_count FROM pg_stat_user_tables WHERE relid = 'absurd.tasks'::regclass"
        ),
        "0"
    );
}

#[tokio::test]
async fn without_a_terminal_it_refuses_unless_yes() {
    let db = TestDb::migrated().await;
    finished_tasks(&db, 12, 100.0);
    let before = db.tasks_checksum();
    let out = db.cli(&["vacuum"]);
    out.assert_code(5);
    assert!(out.stderr.contains("--yes"), "{out}");
    assert_eq!(before, db.tasks_checksum());

    // VACUUM FULL asks even when nothing is to be deleted.
    db.cli(&["vacuum", "--yes", "--no-vacuum"]).assert_success();
    let out = db.cli(&["vacuum", "--full"]);
    out.assert_code(5);
    assert_eq!(
        db.psql(
            "SELECT vacuum_count FROM pg_stat_user_tables WHERE relid = 'absurd.tasks'::regclass"
        ),
        "0"
    );
    // Bad input changes nothing either.
    db.cli(&["vacuum", "--yes", "--batch-size", "0"])
        .assert_code(2);
    db.cli(&["vacuum", "--yes", "--full", "--no-vacuum"])
        .assert_code(2);
    finished_tasks(&db, 3, 100.0);
    let before = db.tasks_checksum();
    let out = db.cli(&["vacuum", "--yes", "--archive", "/nonexistent-dir/a.jsonl"]);
    out.assert_code(2);
    assert!(out.stderr.contains("no directory"), "{out}");
    assert_eq!(before, db.tasks_checksum());
}

#[tokio::test]
async fn bloat_comes_from_pgstattuple_when_it_is_installed() {
    let db = TestDb::migrated().await;
    let available =
        db.psql("SELECT count(*) FROM pg_available_extensions WHERE name = 'pgstattuple'");
    if available == "0" {
        eprintln!("pgstattuple is not available on this server: nothing to check");
        return;
    }
    finished_tasks(&db, 3000, 100.0);
    let source = |out: &CliOutput| {
        out.json()["index_bloat"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == "tasks_pkey")
            .unwrap()["source"]
            .clone()
    };
    db.psql("ANALYZE absurd.tasks");
    let out = db.cli(&["--output", "json", "vacuum", "--dry-run", "--reindex"]);
    assert_eq!(source(&out), "statistics", "{out}");
    db.psql("CREATE EXTENSION pgstattuple");
    let out = db.cli(&["--output", "json", "vacuum", "--dry-run", "--reindex"]);
    assert_eq!(source(&out), "pgstattuple", "{out}");
}

#[tokio::test]
async fn the_archive_holds_every_deleted_row_and_nothing_else() {
    for name in ["tasks.jsonl", "tasks.jsonl.gz"] {
        let db = TestDb::migrated().await;
        finished_tasks(&db, 50, 100.0);
        finished_tasks(&db, 7, 2.0);
        let original: Vec<Value> = serde_json::from_str(&db.psql(
            "SELECT json_agg(t) FROM absurd.tasks t WHERE completed_at < now() - interval '30 days'",
        ))
        .unwrap();
        let before = ids(&db);
        let dir = temp_dir();
        let path = dir.join(name);

        let out = db.cli(&[
            "--output",
            "json",
            "vacuum",
            "--yes",
            "--batch-size",
            "7",
            "--archive",
            path.to_str().unwrap(),
        ]);
        out.assert_success();
        let report = out.json();
        assert_eq!(report["rows"], 50, "{out}");
        assert_eq!(report["archive"]["rows"], 50, "{out}");
        assert_eq!(report["archive"]["gzip"], name.ends_with(".gz"));
        let deleted: BTreeSet<String> = before.difference(&ids(&db)).cloned().collect();
        assert_eq!(deleted.len(), 50);
        let rows = archived(&path);
        assert_eq!(rows.len(), 50, "each row once");
        assert_eq!(archived_ids(&path), deleted, "{name}");
        // Every column, as it was.
        for row in &rows {
            let orig = original
                .iter()
                .find(|o| o["task_id"] == row["task_id"])
                .unwrap();
            assert_eq!(row["params"], orig["params"]);
            assert_eq!(row["status"], orig["status"]);
            assert_eq!(row["result"], serde_json::json!({"ok": true}));
            assert!(row["completed_at"].is_string() && row.get("depends_on").is_some());
        }
        if name.ends_with(".gz") {
            // Standard tools read it: one gzip member per batch.
            let zcat = std::process::Command::new("gzip")
                .args(["-dc", path.to_str().unwrap()])
                .output()
                .unwrap();
            assert!(zcat.status.success());
            assert_eq!(String::from_utf8_lossy(&zcat.stdout).lines().count(), 50);
        }
    }
}

#[tokio::test]
async fn an_existing_archive_is_refused_unless_appending() {
    for name in ["old.jsonl", "old.jsonl.gz"] {
        let db = TestDb::migrated().await;
        finished_tasks(&db, 10, 100.0);
        let dir = temp_dir();
        let path = dir.join(name);
        // An earlier run's archive.
        let first = db.cli(&[
            "vacuum",
            "--yes",
            "--no-vacuum",
            "--archive",
            path.to_str().unwrap(),
        ]);
        first.assert_success();
        let first_bytes = std::fs::read(&path).unwrap();
        finished_tasks(&db, 4, 100.0);
        let before = db.tasks_checksum();

        let out = db.cli(&["vacuum", "--yes", "--archive", path.to_str().unwrap()]);
        out.assert_code(2);
        assert!(out.stderr.contains("--append"), "{out}");
        assert_eq!(before, db.tasks_checksum(), "nothing deleted");
        assert_eq!(first_bytes, std::fs::read(&path).unwrap(), "file untouched");

        let out = db.cli(&[
            "vacuum",
            "--yes",
            "--no-vacuum",
            "--append",
            "--archive",
            path.to_str().unwrap(),
        ]);
        out.assert_success();
        assert!(std::fs::read(&path).unwrap().starts_with(&first_bytes));
        assert_eq!(archived(&path).len(), 14, "{name}");
        assert_eq!(db.psql("SELECT count(*) FROM absurd.tasks"), "0");

        // A tail cut short by a crash is refused, with the fix.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map(|mut f| std::io::Write::write_all(&mut f, b"{\"task_id\":"))
            .unwrap()
            .unwrap();
        finished_tasks(&db, 2, 100.0);
        let out = db.cli(&[
            "vacuum",
            "--yes",
            "--append",
            "--archive",
            path.to_str().unwrap(),
        ]);
        out.assert_code(2);
        assert!(out.stderr.contains("truncate -s"), "{out}");
        assert_eq!(db.psql("SELECT count(*) FROM absurd.tasks"), "2");
    }
}

/// Runs vacuum in the background with slow deletions, signals it once some
/// rows are gone, and returns its exit status and stdout.
async fn signal_mid_run(db: &TestDb, archive: &Path, signal: i32) -> (Option<i32>, String) {
    let pool = db.pool().await;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM absurd.tasks")
        .fetch_one(&pool)
        .await
        .unwrap();
    let child = absurdctl_command(&[
        "--database-url",
        &db.url,
        "--output",
        "json",
        "vacuum",
        "--yes",
        "--batch-size",
        "5",
        "--archive",
        archive.to_str().unwrap(),
    ])
    .stdout(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let started = Instant::now();
    loop {
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM absurd.tasks")
            .fetch_one(&pool)
            .await
            .unwrap();
        if left < total {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "nothing deleted"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, signal) };
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn after_an_interruption_the_archive_holds_every_deleted_row() {
    for name in ["int.jsonl", "int.jsonl.gz"] {
        let db = TestDb::migrated().await;
        finished_tasks(&db, 200, 100.0);
        slow_deletes(&db, 0.01);
        let before = ids(&db);
        let dir = temp_dir();
        let path = dir.join(name);

        let (code, stdout) = signal_mid_run(&db, &path, libc::SIGINT).await;
        assert_eq!(code, Some(130), "{stdout}");
        let report: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(report["stopped"], "interrupted");
        assert_eq!(report["vacuum"], Value::Null);
        let deleted: BTreeSet<String> = before.difference(&ids(&db)).cloned().collect();
        assert!(
            !deleted.is_empty() && deleted.len() < 200,
            "stopped mid-way"
        );
        assert_eq!(report["rows"], deleted.len() as i64);
        let archived = archived_ids(&path);
        assert!(archived.is_superset(&deleted), "{name}");
        assert_eq!(
            db.psql("SELECT affected FROM absurd.audit_log"),
            deleted.len().to_string(),
            "what was deleted is audited"
        );
        // The archive is whole: the next run appends to it.
        db.psql("DROP TRIGGER slow_delete ON absurd.tasks");
        db.cli(&[
            "vacuum",
            "--yes",
            "--append",
            "--archive",
            path.to_str().unwrap(),
        ])
        .assert_success();
        assert_eq!(archived_ids(&path), before);
    }
}

#[tokio::test]
async fn after_a_crash_the_archive_holds_every_deleted_row() {
    for name in ["crash.jsonl", "crash.jsonl.gz"] {
        let db = TestDb::migrated().await;
        finished_tasks(&db, 200, 100.0);
        slow_deletes(&db, 0.01);
        let before = ids(&db);
        let dir = temp_dir();
        let path = dir.join(name);

        let (code, _) = signal_mid_run(&db, &path, libc::SIGKILL).await;
        assert_eq!(code, None, "killed");
        // The killed session's batch ends when the server notices.
        let pool = db.pool().await;
        for _ in 0..100 {
            let busy: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                    AND application_name = 'absurdctl vacuum'",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            if busy == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let deleted: BTreeSet<String> = before.difference(&ids(&db)).cloned().collect();
        assert!(!deleted.is_empty() && deleted.len() < 200);
        assert!(archived_ids(&path).is_superset(&deleted), "{name}");
    }
}

#[tokio::test]
async fn max_duration_stops_between_batches() {
    let db = TestDb::migrated().await;
    finished_tasks(&db, 100, 100.0);
    slow_deletes(&db, 0.02);
    let before = ids(&db);
    let dir = temp_dir();
    let path = dir.join("window.jsonl.gz");
    let out = db.cli(&[
        "--output",
        "json",
        "vacuum",
        "--yes",
        "--batch-size",
        "5",
        "--max-duration",
        "300ms",
        "--archive",
        path.to_str().unwrap(),
    ]);
    out.assert_success();
    let report = out.json();
    assert_eq!(report["stopped"], "max_duration", "{out}");
    assert_eq!(report["vacuum"], Value::Null);
    let deleted: BTreeSet<String> = before.difference(&ids(&db)).cloned().collect();
    assert!(deleted.len() < 100, "{out}");
    assert_eq!(report["rows"], deleted.len() as i64);
    assert!(archived_ids(&path).is_superset(&deleted));
}

#[tokio::test]
async fn reindex_rebuilds_bloated_indexes_and_full_shrinks_the_table() {
    let db = TestDb::migrated().await;
    let n: usize = std::env::var("ABSURDCTL_VACUUM_TEST_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40_000);
    finished_tasks(&db, n * 9 / 10, 100.0);
    finished_tasks(&db, n / 10, 1.0);

    let out = db.cli(&[
        "--output",
        "json",
        "vacuum",
        "--yes",
        "--batch-size",
        "5000",
        "--reindex",
    ]);
    out.assert_success();
    let report = out.json();
    assert_eq!(report["rows"], (n * 9 / 10) as i64, "{out}");
    let reindexed = report["reindexed"].as_array().unwrap();
    let pkey = reindexed
        .iter()
        .find(|r| r["name"] == "tasks_pkey")
        .unwrap_or_else(|| panic!("tasks_pkey not rebuilt: {out}"));
    assert!(pkey["estimated_bloat_pct"].as_f64().unwrap() >= 40.0);
    assert!(
        pkey["bytes_after"].as_i64().unwrap() < pkey["bytes_before"].as_i64().unwrap() / 2,
        "{out}"
    );
    assert_eq!(
        db.psql(
            "SELECT count(*) FROM pg_index WHERE indrelid = 'absurd.tasks'::regclass AND NOT indisvalid"
        ),
        "0"
    );

    let out = db.cli(&["--output", "json", "vacuum", "--yes", "--full"]);
    out.assert_success();
    let report = out.json();
    assert_eq!(report["vacuum"], "full", "{out}");
    assert!(
        report["table_bytes_after"].as_i64().unwrap()
            < report["table_bytes_before"].as_i64().unwrap() / 2,
        "{out}"
    );
    // The queue still works afterwards.
    db.cli(&["spawn", "--task-name", "imaging"])
        .assert_success();
}

/// Starts vacuum with `args` while `blocker` holds a snapshot and a lock on
/// absurd.tasks, interrupts it once it waits for them, releases them, and
/// returns its exit code and stdout.
async fn interrupt_while_it_waits(db: &TestDb, args: &[&str]) -> (Option<i32>, Value) {
    let pool = db.pool().await;
    let mut blocker = pool.begin().await.unwrap();
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        .execute(&mut *blocker)
        .await
        .unwrap();
    sqlx::query("SELECT count(*) FROM absurd.tasks")
        .execute(&mut *blocker)
        .await
        .unwrap();
    let mut full = vec![
        "--database-url",
        &db.url,
        "--output",
        "json",
        "--lock-timeout",
        "60s",
    ];
    full.extend_from_slice(args);
    let child = absurdctl_command(&full)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
              WHERE datname = current_database() AND application_name = 'absurdctl vacuum'
                AND wait_event_type = 'Lock'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if waiting > 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "never waited");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    tokio::time::sleep(Duration::from_millis(500)).await;
    blocker.commit().await.unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (out.status.code(), report)
}

#[tokio::test]
async fn interrupting_reindex_or_vacuum_full_cancels_it_and_leaves_no_invalid_index() {
    let db = TestDb::migrated().await;
    finished_tasks(&db, 36_000, 100.0);
    finished_tasks(&db, 4_000, 1.0);
    db.cli(&["vacuum", "--yes", "--duty-cycle", "100"])
        .assert_success();

    let (code, report) =
        interrupt_while_it_waits(&db, &["vacuum", "--yes", "--reindex", "--no-vacuum"]).await;
    assert_eq!(code, Some(130), "{report}");
    assert_eq!(report["stopped"], "interrupted");
    assert_eq!(report["reindexed"], serde_json::json!([]), "{report}");
    assert!(
        !report["dropped_invalid_indexes"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{report}"
    );
    let invalid = "SELECT count(*) FROM pg_index WHERE indrelid = 'absurd.tasks'::regclass AND NOT indisvalid";
    assert_eq!(db.psql(invalid), "0");

    let before = db.tasks_checksum();
    let (code, report) = interrupt_while_it_waits(&db, &["vacuum", "--yes", "--full"]).await;
    assert_eq!(code, Some(130), "{report}");
    assert_eq!(report["vacuum"], Value::Null, "{report}");
    assert_eq!(report["vacuum_skipped"], "interrupted while it ran");
    assert_eq!(before, db.tasks_checksum());
    db.cli(&["spawn", "--task-name", "imaging"])
        .assert_success();
}

#[tokio::test]
async fn the_summary_says_what_was_done() {
    let db = TestDb::migrated().await;
    finished_tasks(&db, 6, 100.0);
    let out = db.cli(&["vacuum", "--yes"]);
    out.assert_success();
    assert!(
        out.stdout
            .contains("deleted 6 finished tasks of queue dsa110-pipeline"),
        "{out}"
    );
    assert!(
        out.stdout.contains("VACUUM (ANALYZE) absurd.tasks"),
        "{out}"
    );
    assert!(out.stdout.contains("size before"), "{out}");
    let quiet = db.cli(&["vacuum", "--yes", "-q"]);
    quiet.assert_success();
    assert_eq!(quiet.stdout, "", "{quiet}");
}

/// The measurement behind the defaults (not a test: run it by hand, see
/// the report). With ABSURDCTL_BENCH_ROWS (1 M) finished rows and 10 k
/// pending, a worker claims, completes and re-spawns tasks of the same queue
/// while vacuum deletes in windows of ABSURDCTL_BENCH_WINDOW_SECS (5) that
/// alternate with windows without it, so that both see the same load from
/// the rest of the machine; then one run only VACUUMs. Prints rows/s and the
/// worker's claim latency percentiles off and on, for each batch size in
/// ABSURDCTL_BENCH_BATCHES (default 5000), with ABSURDCTL_BENCH_ARGS added.
#[tokio::test]
#[ignore = "a measurement of minutes, run by hand"]
async fn measure_vacuum_under_load() {
    use absurdctl::queue::tasks;
    use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
    use std::sync::{Arc, Mutex};
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    let rows: usize = env("ABSURDCTL_BENCH_ROWS", "1000000").parse().unwrap();
    let window: u64 = env("ABSURDCTL_BENCH_WINDOW_SECS", "5").parse().unwrap();
    let extra: Vec<String> = env("ABSURDCTL_BENCH_ARGS", "")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    for batch in env("ABSURDCTL_BENCH_BATCHES", "5000").split(',') {
        let db = TestDb::migrated().await;
        // A history of a million calibrations, numbered `i` by the database.
        db.seed_series(
            rows,
            &task()
                .name("calibration-apply")
                .computed(
                    "status",
                    "(ARRAY['completed','completed','completed','failed','cancelled'])[1 + i % 5]",
                )
                .computed(
                    "params",
                    "jsonb_build_object('group', '2025-11-30T12:00:00', 'subband', i % 16,
                       'ms', '/data/dsa110/ms/2025-11-30T12:00:00_sb' || (i % 16) || '.ms')",
                )
                .computed(
                    "result",
                    "jsonb_build_object('ok', true, 'output', '/data/dsa110/cal/' || i || '.bcal')",
                )
                .attempt(1)
                .created(ago(days(200)))
                .claimed(ago(days(200)))
                .computed(
                    "completed_at",
                    "now() - interval '200 days' + make_interval(secs => i)",
                )
                .worker("worker-1")
                .wait_time_sec(1.5)
                .execution_time_sec(120.0),
        );
        db.seed_series(
            10_000,
            &task().computed("params", "jsonb_build_object('i', i)"),
        );
        db.psql("VACUUM ANALYZE absurd.tasks");
        db.psql("CHECKPOINT");

        // The phase each claim falls in: 0 off, 1 deleting, 2 VACUUM.
        let phase = Arc::new(AtomicU8::new(0));
        let samples: Arc<Mutex<[Vec<f64>; 3]>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let pool = db.pool().await;
        let worker = {
            let (phase, samples, stop) = (phase.clone(), samples.clone(), stop.clone());
            tokio::spawn(async move {
                let mut conn = pool.acquire().await.unwrap();
                while !stop.load(Ordering::Relaxed) {
                    let during = phase.load(Ordering::Relaxed);
                    let t = Instant::now();
                    let claimed = tasks::claim(&mut *conn, "dsa110-pipeline", "bench", 1, None)
                        .await
                        .unwrap();
                    let ms = t.elapsed().as_secs_f64() * 1000.0;
                    if during == phase.load(Ordering::Relaxed) {
                        samples.lock().unwrap()[during as usize].push(ms);
                    }
                    for task in claimed {
                        tasks::complete(&mut *conn, task.task_id, "bench", &serde_json::json!({}))
                            .await
                            .unwrap();
                        sqlx::query("SELECT absurd.spawn_task('dsa110-pipeline', 'imaging', '{}')")
                            .execute(&mut *conn)
                            .await
                            .unwrap();
                    }
                }
            })
        };
        // ABSURDCTL_BENCH_BIN: a copy of the binary, so that rebuilding
        // meanwhile does not change what is measured.
        let bin = env("ABSURDCTL_BENCH_BIN", env!("CARGO_BIN_EXE_absurdctl"));
        let run = |args: Vec<String>| {
            let (url, bin) = (db.url.clone(), bin.clone());
            tokio::task::spawn_blocking(move || {
                let out = std::process::Command::new(bin)
                    .args(["--database-url", &url, "--output", "json"])
                    .args(args)
                    .stdin(std::process::Stdio::null())
                    .output()
                    .unwrap();
                CliOutput {
                    code: out.status.code(),
                    stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                    stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                }
            })
        };
        let (mut deleted, mut delete_secs, mut runs) = (0, 0.0, 0);
        loop {
            tokio::time::sleep(Duration::from_secs(window)).await;
            phase.store(1, Ordering::Relaxed);
            let mut args: Vec<String> = ["vacuum", "--yes", "--no-vacuum", "--batch-size", batch]
                .iter()
                .map(|s| s.to_string())
                .collect();
            args.extend(["--max-duration".to_string(), format!("{window}s")]);
            args.extend(extra.iter().cloned());
            let out = run(args).await.unwrap();
            phase.store(0, Ordering::Relaxed);
            out.assert_success();
            let report = out.json();
            deleted += report["rows"].as_i64().unwrap();
            delete_secs += report["delete_seconds"].as_f64().unwrap();
            runs += 1;
            if report["stopped"] == "done" {
                break;
            }
        }
        tokio::time::sleep(Duration::from_secs(window)).await;
        phase.store(2, Ordering::Relaxed);
        let mut args = vec!["vacuum".to_string(), "--yes".to_string()];
        args.extend(extra.iter().cloned());
        let out = run(args).await.unwrap();
        out.assert_success();
        let vacuum_secs = out.json()["vacuum_seconds"].as_f64().unwrap();
        stop.store(true, Ordering::Relaxed);
        worker.await.unwrap();

        let pct = |v: &[f64], p: f64| -> f64 {
            let mut v = v.to_vec();
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            v.get(((v.len() as f64 - 1.0) * p).round() as usize)
                .copied()
                .unwrap_or(f64::NAN)
        };
        println!(
            "batch {batch} {}: {deleted} rows in {delete_secs:.1}s of deleting ({runs} windows) = {:.0} rows/s; VACUUM {vacuum_secs:.1}s",
            extra.join(" "),
            deleted as f64 / delete_secs
        );
        let samples = samples.lock().unwrap();
        for (name, v) in ["off", "deleting", "vacuum"].iter().zip(samples.iter()) {
            println!(
                "  claims {name:>8}: n={:>6} p50={:.2}ms p99={:.2}ms max={:.1}ms",
                v.len(),
                pct(v, 0.5),
                pct(v, 0.99),
                pct(v, 1.0)
            );
        }
    }
}

/// Two vacuums appending to one archive (issue 16.3): the second refuses
/// before it deletes anything and names the run holding the file; the
/// first's rows are each in the archive once, and every gzip member decodes.
#[tokio::test]
async fn a_second_vacuum_on_the_same_archive_refuses_and_deletes_nothing() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    finished_tasks(&db, 60, 100.0);
    db.seed(vec![
        task()
            .queue("other")
            .status("completed")
            .result(serde_json::json!({"ok": true}))
            .created(ago(days(101)))
            .completed(ago(days(100)));
        30
    ]);
    slow_deletes(&db, 0.05);
    let first_queue = ids(&db);
    let other_before =
        db.psql("SELECT md5(string_agg(t::text, '|' ORDER BY task_id)) FROM absurd.tasks t WHERE queue_name = 'other'");
    let dir = temp_dir();
    let path = dir.join("shared.jsonl.gz");
    let archive = path.to_str().unwrap();

    let mut first = Background::start(absurdctl_command(&[
        "--database-url",
        &db.url,
        "--output",
        "json",
        "vacuum",
        "--yes",
        "--no-vacuum",
        "--batch-size",
        "5",
        "--archive",
        archive,
    ]));
    let started = Instant::now();
    loop {
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM absurd.tasks")
            .fetch_one(&pool)
            .await
            .unwrap();
        if left < 90 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "nothing deleted"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = db.cli(&[
        "--queue",
        "other",
        "vacuum",
        "--yes",
        "--no-vacuum",
        "--append",
        "--archive",
        archive,
    ]);
    second.assert_code(5);
    assert!(
        second.stderr.contains("another run is writing to it")
            && second.stderr.contains(&format!("process {}", first.pid())),
        "{second}"
    );
    assert!(second.stderr.contains("nothing was deleted"), "{second}");
    assert_eq!(
        db.psql("SELECT md5(string_agg(t::text, '|' ORDER BY task_id)) FROM absurd.tasks t WHERE queue_name = 'other'"),
        other_before,
        "the refused run deleted nothing"
    );

    let out = first.wait(Duration::from_secs(120));
    out.assert_success();
    assert_eq!(out.json()["rows"], 60, "{out}");
    let deleted: BTreeSet<String> = first_queue.difference(&ids(&db)).cloned().collect();
    assert_eq!(deleted.len(), 60);
    // Strict decoding: every member whole, no trailing garbage.
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(&path).unwrap())
        .read_to_string(&mut text)
        .expect("every gzip member decodes");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 60, "each deleted row archived exactly once");
    assert_eq!(archived_ids(&path), deleted);
}

/// The peak resident memory of a child that has exited (getrusage of it
/// alone, through wait4), in bytes, with its exit code, stdout and stderr.
/// Linux carries a process's peak over exec, so the caller keeps its own
/// memory small when it starts the child.
// Reaped by wait4, which gives its rusage, not by Child::wait.
#[allow(clippy::zombie_processes)]
fn run_measuring_memory(mut cmd: std::process::Command) -> (i32, String, String, u64) {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).unwrap();
        s
    });
    let mut out = String::new();
    stdout.read_to_string(&mut out).unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain data, filled by wait4 for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    // ru_maxrss is in KiB on Linux.
    (
        code,
        out,
        err.join().unwrap(),
        usage.ru_maxrss as u64 * 1024,
    )
}

/// `vacuum --archive` streams (issue 16.7): 120 rows of 1 MB results in one
/// batch of 120 must not take 120 MB (it held two copies of the batch), and
/// the archive holds each row exactly as the table had it. The rows are
/// compared in the database, so that this test stays small itself.
#[tokio::test]
async fn archiving_large_rows_does_not_hold_the_batch_in_memory() {
    const ROWS: u64 = 120;
    const ROW_BYTES: u64 = 1_000_000;
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    // Compressible: 1 MB each on the wire and in the archive, little on disk.
    db.seed_series(
        ROWS as usize,
        &task()
            .status("completed")
            .computed(
                "result",
                &format!("jsonb_build_object('image', repeat(md5(i::text), {ROW_BYTES} / 32))"),
            )
            .created(ago(days(101)))
            .computed(
                "completed_at",
                "now() - interval '100 days' + make_interval(secs => i)",
            ),
    );
    db.psql(
        "CREATE TABLE public.before_vacuum AS SELECT row_to_json(t)::text AS line FROM absurd.tasks t;
         CREATE TABLE public.archived (line text);",
    );
    let dir = temp_dir();
    for name in ["big.jsonl", "big.jsonl.gz"] {
        let path = dir.join(name);
        let (code, stdout, stderr, peak) = run_measuring_memory(absurdctl_command(&[
            "--database-url",
            &db.url,
            "--output",
            "json",
            "vacuum",
            "--yes",
            "--no-vacuum",
            "--batch-size",
            &ROWS.to_string(),
            "--archive",
            path.to_str().unwrap(),
        ]));
        assert_eq!(code, 0, "{stderr}");
        let report: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(report["rows"], ROWS, "{stdout}");
        assert_eq!(report["batches"], 1, "one batch of all the rows");
        assert!(
            peak < ROWS * ROW_BYTES / 2,
            "{name}: peak RSS {} MiB for a batch of {} MiB",
            peak >> 20,
            (ROWS * ROW_BYTES) >> 20
        );

        // One line at a time into the database, then compared there.
        let file = std::fs::File::open(&path).unwrap();
        let reader: Box<dyn std::io::BufRead> = if name.ends_with(".gz") {
            Box::new(std::io::BufReader::new(flate2::read::MultiGzDecoder::new(
                file,
            )))
        } else {
            Box::new(std::io::BufReader::new(file))
        };
        sqlx::query("TRUNCATE public.archived")
            .execute(&pool)
            .await
            .unwrap();
        for line in reader.lines() {
            sqlx::query("INSERT INTO public.archived VALUES ($1)")
                .bind(line.unwrap())
                .execute(&pool)
                .await
                .unwrap();
        }
        assert_eq!(
            db.psql(
                "SELECT (SELECT count(*) FROM public.archived) || ' ' ||
                        (SELECT count(*) FROM (SELECT line FROM public.before_vacuum
                                               EXCEPT ALL SELECT line FROM public.archived) m) || ' ' ||
                        (SELECT count(*) FROM (SELECT line FROM public.archived
                                               EXCEPT ALL SELECT line FROM public.before_vacuum) x)"
            ),
            format!("{ROWS} 0 0"),
            "{name}: the archive holds every row exactly once, exactly as it was"
        );
        // The same rows again, for the other format.
        db.psql(
            "INSERT INTO absurd.tasks
             SELECT r.* FROM public.before_vacuum b,
                    json_populate_record(NULL::absurd.tasks, b.line::json) r",
        );
    }
}
