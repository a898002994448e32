//! `preflight`: each check made to pass, warn and fail on purpose, with
//! the exit code and the JSON asserted; bad `--disk` input refused.

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;
use sqlx::{Connection, Executor};

const Q: &str = "dsa110-pipeline";

/// A queue ready for ingestion: one live registered worker, one task done.
async fn healthy() -> TestDb {
    let db = TestDb::migrated().await;
    db.psql(
        "INSERT INTO absurd.worker_registry (worker_id, queue_name, hostname) VALUES ('w1', 'dsa110-pipeline', 'node1')",
    );
    db.seed_one(task().status("completed").completed(ago(mins(1))));
    db
}

fn tmp() -> String {
    std::env::temp_dir().display().to_string()
}

fn preflight(db: &TestDb, extra: &[&str]) -> (Value, i32) {
    let mut args = vec!["--output", "json", "preflight"];
    args.extend_from_slice(extra);
    let out = db.cli(&args);
    let code = out.code.expect("exit code");
    let report = out.json();
    assert_eq!(report["exit_code"], code, "{out}");
    (report, code)
}

fn item<'a>(r: &'a Value, check: &str) -> &'a Value {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == check)
        .unwrap_or_else(|| panic!("no check {check} in {r:#}"))
}

fn result(r: &Value, check: &str) -> String {
    item(r, check)["result"].as_str().unwrap().to_string()
}

/// Every check but these passes.
fn others_pass(r: &Value, except: &[&str]) {
    for c in r["checks"].as_array().unwrap() {
        let name = c["check"].as_str().unwrap();
        if !except.contains(&name) {
            assert_eq!(c["result"], "PASS", "{c:#}");
        }
    }
}

#[tokio::test]
async fn a_healthy_queue_passes_every_check() {
    let db = healthy().await;
    let disk = format!("{}:100:100", tmp());
    let before = db.tasks_checksum();
    let (r, code) = preflight(&db, &["--disk", &disk]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["verdict"], "PASS");
    assert_eq!(r["queue"], Q);
    let names: Vec<&str> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    let disk_name = format!("disk:{}", tmp());
    assert_eq!(
        names,
        vec![
            "database",
            "server_version",
            "schema",
            "queue",
            "workers",
            "stuck_tasks",
            "reaper_lock",
            "failures",
            "backlog",
            "connections",
            "long_transactions",
            "dead_tuples",
            disk_name.as_str(),
        ]
    );
    others_pass(&r, &[]);
    for c in r["checks"].as_array().unwrap() {
        assert!(c["remedy"].is_null(), "no remedy when PASS: {c:#}");
    }
    assert_eq!(item(&r, "workers")["value"], 1.0);
    assert_eq!(before, db.tasks_checksum(), "preflight changes nothing");

    let text = db.cli(&["preflight"]);
    text.assert_success();
    assert!(
        text.stdout
            .contains("preflight PASS for queue dsa110-pipeline (exit 0)"),
        "{text}"
    );
}

#[tokio::test]
async fn a_paused_queue_fails_and_says_who_paused_it() {
    let db = healthy().await;
    db.psql(
        "INSERT INTO absurd.queue_controls (queue_name, paused, paused_at, paused_by, pause_reason)
         VALUES ('dsa110-pipeline', true, now(), 'alice', 'disk swap')",
    );
    let (r, code) = preflight(&db, &[]);
    assert_eq!(code, 2);
    assert_eq!(r["verdict"], "FAIL");
    let q = item(&r, "queue");
    assert_eq!(q["result"], "FAIL");
    let detail = q["detail"].as_str().unwrap();
    assert!(
        detail.contains("PAUSED") && detail.contains("alice") && detail.contains("disk swap"),
        "{detail}"
    );
    assert!(
        q["remedy"].as_str().unwrap().contains("absurdctl resume"),
        "{q:#}"
    );
    others_pass(&r, &["queue"]);

    // Resumed: it passes again.
    db.psql("UPDATE absurd.queue_controls SET paused = false");
    assert_eq!(preflight(&db, &[]).1, 0);

    // A queue nobody has heard of warns, naming the queues there are.
    let (r, code) = preflight(&db, &["--queue", "dsa110-ingest", "--min-workers", "0"]);
    assert_eq!(code, 1);
    assert_eq!(result(&r, "queue"), "WARN");
    assert!(
        item(&r, "queue")["detail"]
            .as_str()
            .unwrap()
            .contains("known queues: dsa110-pipeline"),
        "{r:#}"
    );
}

#[tokio::test]
async fn workers_below_the_minimum_warn_and_none_fail() {
    let db = healthy().await;
    let (r, code) = preflight(&db, &["--min-workers", "2"]);
    assert_eq!((result(&r, "workers").as_str(), code), ("WARN", 1));
    // A legacy worker with a fresh heartbeat counts too.
    db.seed_one(
        task()
            .status("claimed")
            .worker("py-1")
            .claimed(NOW)
            .heartbeat(NOW),
    );
    let (r, code) = preflight(&db, &["--min-workers", "2"]);
    assert_eq!((result(&r, "workers").as_str(), code), ("PASS", 0), "{r:#}");
    db.psql(
        "DELETE FROM absurd.worker_registry; DELETE FROM absurd.tasks WHERE status = 'claimed'",
    );
    let (r, code) = preflight(&db, &[]);
    assert_eq!((result(&r, "workers").as_str(), code), ("FAIL", 2));
    // The remedy names README's unit, or the one the setting gives.
    assert!(item(&r, "workers")["remedy"]
        .as_str()
        .unwrap()
        .contains("`systemctl start absurd-worker@{1..4}`"));
    let (r, _) = preflight(&db, &["--worker-unit", "contimg-absurd-worker@"]);
    assert!(item(&r, "workers")["remedy"]
        .as_str()
        .unwrap()
        .contains("`systemctl start contimg-absurd-worker@{1..4}`"));
    // status takes it from the environment, as a unit file sets it.
    db.seed_one(task());
    let status = absurdctl_command(&["--database-url", &db.url, "-o", "json", "status"])
        .env("ABSURD_WORKER_UNIT", "contimg-absurd-worker@")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&status.stdout).unwrap();
    let workers = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "min_workers")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert!(
        workers["remedy"]
            .as_str()
            .is_some_and(|r| r.contains("`systemctl start contimg-absurd-worker@{1..4}`")),
        "{workers:#}"
    );
    let (r, code) = preflight(&db, &["--min-workers", "0"]);
    assert_eq!((result(&r, "workers").as_str(), code), ("PASS", 0));
}

#[tokio::test]
async fn a_stuck_task_warns_and_many_fail() {
    let db = healthy().await;
    db.seed_one(
        task()
            .status("claimed")
            .worker("py-dead")
            .claimed(ago(hours(2)))
            .heartbeat(ago(hours(1))),
    );
    let (r, code) = preflight(&db, &[]);
    assert_eq!((result(&r, "stuck_tasks").as_str(), code), ("WARN", 1));
    assert_eq!(item(&r, "stuck_tasks")["value"], 1.0);
    assert!(item(&r, "stuck_tasks")["remedy"]
        .as_str()
        .unwrap()
        .contains("reap-stuck"));
    others_pass(&r, &["stuck_tasks"]);
    let (r, code) = preflight(&db, &["--stuck-crit", "0"]);
    assert_eq!((result(&r, "stuck_tasks").as_str(), code), ("FAIL", 2));
    // The same rule as reap-stuck: with a longer timeout it is not stuck.
    let (r, code) = preflight(&db, &["--heartbeat-timeout", "2h"]);
    assert_eq!((result(&r, "stuck_tasks").as_str(), code), ("PASS", 0));
}

#[tokio::test]
async fn failures_and_backlog_over_their_thresholds() {
    let db = healthy().await;
    let failed = task()
        .status("failed")
        .completed(ago(mins(10)))
        .error("boom");
    db.seed([
        failed.clone(),
        failed.clone(),
        failed,
        task(),
        task(),
        task(),
    ]);
    let (r, code) = preflight(&db, &[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(item(&r, "failures")["value"], 3.0);
    assert_eq!(item(&r, "backlog")["value"], 3.0);
    let (r, code) = preflight(&db, &["--failures-warn", "2"]);
    assert_eq!((result(&r, "failures").as_str(), code), ("WARN", 1));
    let (r, code) = preflight(&db, &["--failures-warn", "1", "--failures-crit", "2"]);
    assert_eq!((result(&r, "failures").as_str(), code), ("FAIL", 2));
    let (r, code) = preflight(&db, &["--backlog-warn", "2"]);
    assert_eq!((result(&r, "backlog").as_str(), code), ("WARN", 1));
    let (r, code) = preflight(&db, &["--backlog-warn", "1", "--backlog-crit", "2"]);
    assert_eq!((result(&r, "backlog").as_str(), code), ("FAIL", 2));
}

#[tokio::test]
async fn a_missing_migration_fails_and_a_newer_schema_warns() {
    let db = healthy().await;
    db.psql("DELETE FROM absurd._sqlx_migrations WHERE version = (SELECT max(version) FROM absurd._sqlx_migrations)");
    let (r, code) = preflight(&db, &[]);
    assert_eq!((result(&r, "schema").as_str(), code), ("FAIL", 2));
    assert!(item(&r, "schema")["remedy"]
        .as_str()
        .unwrap()
        .contains("absurdctl migrate"));
    for q in ["queue", "workers", "stuck_tasks", "failures", "backlog"] {
        assert_eq!(result(&r, q), "SKIP", "{q}");
    }
    db.cli(&["migrate"]).assert_success();
    assert_eq!(preflight(&db, &[]).1, 0);

    db.psql(
        "INSERT INTO absurd._sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99999, 'from the future', true, '\\x00', 0)",
    );
    let (r, code) = preflight(&db, &[]);
    assert_eq!((result(&r, "schema").as_str(), code), ("WARN", 1));
    assert_eq!(result(&r, "queue"), "PASS", "a newer schema is still read");

    let empty = TestDb::empty().await;
    let (r, code) = preflight(&empty, &[]);
    assert_eq!((result(&r, "schema").as_str(), code), ("FAIL", 2));
    assert_eq!(result(&r, "database"), "PASS");
}

#[tokio::test]
async fn a_long_open_transaction_warns_then_fails() {
    let db = healthy().await;
    let mut holder = sqlx::PgConnection::connect_with(
        &quiet_options(&db.url).application_name("nightly-report"),
    )
    .await
    .unwrap();
    holder.execute("BEGIN").await.unwrap();
    holder
        .execute("SELECT count(*) FROM absurd.tasks")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let (r, code) = preflight(&db, &[]);
    assert_eq!(
        (result(&r, "long_transactions").as_str(), code),
        ("PASS", 0),
        "under 5 minutes"
    );
    let (r, code) = preflight(&db, &["--long-transaction-warn", "1s"]);
    assert_eq!(
        (result(&r, "long_transactions").as_str(), code),
        ("WARN", 1)
    );
    let lt = item(&r, "long_transactions");
    assert!(
        lt["detail"].as_str().unwrap().contains("nightly-report"),
        "{lt:#}"
    );
    assert!(lt["value"].as_f64().unwrap() >= 1.0);
    assert!(lt["remedy"]
        .as_str()
        .unwrap()
        .contains("pg_terminate_backend"));
    let (r, code) = preflight(
        &db,
        &[
            "--long-transaction-warn",
            "1s",
            "--long-transaction-crit",
            "1s",
        ],
    );
    assert_eq!(
        (result(&r, "long_transactions").as_str(), code),
        ("FAIL", 2)
    );

    holder.execute("COMMIT").await.unwrap();
    let (r, code) = preflight(&db, &["--long-transaction-warn", "1s"]);
    assert_eq!(
        (result(&r, "long_transactions").as_str(), code),
        ("PASS", 0)
    );
}

#[tokio::test]
async fn dead_tuples_suggest_vacuum() {
    let db = healthy().await;
    // 2000 live and 2000 dead rows, and no autovacuum to clean them meanwhile.
    db.psql("ALTER TABLE absurd.tasks SET (autovacuum_enabled = false)");
    db.seed(vec![
        task().status("completed").completed(ago(days(3)));
        1999
    ]);
    db.psql("UPDATE absurd.tasks SET priority = 1");
    // psql's session flushed its statistics as it ended.
    let (r, code) = preflight(&db, &[]);
    let dt = item(&r, "dead_tuples");
    assert_eq!((dt["result"].as_str(), code), (Some("FAIL"), 2), "{dt:#}");
    assert!((dt["value"].as_f64().unwrap() - 50.0).abs() < 0.1, "{dt:#}");
    assert!(dt["remedy"].as_str().unwrap().contains("absurdctl vacuum"));
    let (r, code) = preflight(&db, &["--dead-tuples-crit", "60"]);
    assert_eq!((result(&r, "dead_tuples").as_str(), code), ("WARN", 1));
    let (r, code) = preflight(
        &db,
        &["--dead-tuples-warn", "60", "--dead-tuples-crit", "70"],
    );
    assert_eq!((result(&r, "dead_tuples").as_str(), code), ("PASS", 0));
}

#[tokio::test]
async fn a_disk_over_its_threshold_warns_then_fails() {
    let db = healthy().await;
    let dir = tmp();
    // Any real disk is at least 0 % used.
    let (r, code) = preflight(&db, &["--disk", &format!("{dir}:0:100")]);
    let name = format!("disk:{dir}");
    assert_eq!((result(&r, &name).as_str(), code), ("WARN", 1), "{r:#}");
    let used = item(&r, &name)["value"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&used));
    let (r, code) = preflight(&db, &["--disk", &format!("{dir}:0:0")]);
    assert_eq!((result(&r, &name).as_str(), code), ("FAIL", 2));
    assert!(item(&r, &name)["remedy"]
        .as_str()
        .unwrap()
        .contains("Disk Space"));
    let (r, code) = preflight(&db, &["--disk", &format!("{dir}:100%:100%")]);
    assert_eq!((result(&r, &name).as_str(), code), ("PASS", 0));
}

#[tokio::test]
async fn connections_and_round_trip_over_their_thresholds() {
    let db = healthy().await;
    let (r, code) = preflight(&db, &["--connections-warn", "0"]);
    assert_eq!((result(&r, "connections").as_str(), code), ("WARN", 1));
    let (r, code) = preflight(&db, &["--connections-warn", "0", "--connections-crit", "0"]);
    assert_eq!((result(&r, "connections").as_str(), code), ("FAIL", 2));
    let (r, code) = preflight(&db, &["--rtt-warn", "0s"]);
    assert_eq!((result(&r, "database").as_str(), code), ("WARN", 1));
    let (r, code) = preflight(&db, &["--rtt-warn", "0s", "--rtt-crit", "0s"]);
    assert_eq!((result(&r, "database").as_str(), code), ("FAIL", 2));
}

#[test]
fn an_unreachable_database_fails_and_the_disks_are_still_checked() {
    let dir = tmp();
    let out = absurdctl(&[
        "--database-url",
        "postgres://u:pw@127.0.0.1:1/x",
        "--connect-timeout",
        "2s",
        "--output",
        "json",
        "preflight",
        "--disk",
        &dir,
    ]);
    out.assert_code(2);
    let r = out.json();
    assert_eq!(result(&r, "database"), "FAIL");
    assert!(!out.stdout.contains("pw@"), "{out}");
    assert_eq!(result(&r, "schema"), "SKIP");
    assert_eq!(result(&r, "queue"), "SKIP");
    assert_ne!(result(&r, &format!("disk:{dir}")), "SKIP");
}

#[tokio::test]
async fn bad_disk_specs_and_thresholds_are_refused() {
    let db = healthy().await;
    let before = db.tasks_checksum();
    let dir = tmp();
    let d = |spec: &str| vec!["--disk".to_string(), format!("{dir}{spec}")];
    let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let cases = [
        (owned(&["--disk", "/no/such/dir"]), "/no/such/dir"),
        (d(":abc"), "not a percentage"),
        (d(":90:101"), "not a percentage"),
        (d(":95:90"), "above the critical"),
        (d(":1:2:3"), "expected PATH[:WARN%[:CRIT%]]"),
        (owned(&["--disk", ""]), "expected PATH"),
        (
            owned(&[
                "--long-transaction-warn",
                "1h",
                "--long-transaction-crit",
                "1m",
            ]),
            "--long-transaction-warn must not be above",
        ),
        (owned(&["--min-workers", "-1"]), ""),
    ];
    for (flags, message) in cases {
        let mut args = vec!["preflight"];
        args.extend(flags.iter().map(String::as_str));
        let out = db.cli(&args);
        out.assert_code(2);
        assert!(out.stdout.is_empty(), "no checklist on bad input: {out}");
        assert!(out.stderr.contains(message), "{flags:?}: {out}");
    }
    assert_eq!(before, db.tasks_checksum());
}

#[tokio::test]
async fn preflight_works_for_a_select_only_role() {
    let db = healthy().await;
    let role = TestRole::read_only(&db);
    let out = absurdctl(&["--database-url", &role.url, "--output", "json", "preflight"]);
    out.assert_success();
    others_pass(&out.json(), &[]);
}

/// Issue 17.1: status and preflight judge the same figures with the same
/// checks, and say the same level (OK/PASS, WARNING/WARN, CRITICAL/FAIL),
/// in every state of the queue tried here.
#[tokio::test]
async fn status_and_preflight_give_one_verdict_on_the_same_figures() {
    let db = healthy().await;
    // The same check under two names. The pause and a hung reaper's lock
    // are judged by preflight as blockers of an ingestion (FAIL) where a
    // monitor warns: asserted apart below.
    let pairs = [("workers", "min_workers"), ("stuck_tasks", "stuck")];
    let compare = |state: &str| {
        let (p, _) = preflight(&db, &[]);
        let out = db.cli(&["-o", "json", "status", "--check"]);
        let s = out.json();
        for (pre, st) in pairs {
            let level = status_level(&s, st);
            let printed = match level.as_str() {
                "OK" => "PASS",
                "WARNING" => "WARN",
                "CRITICAL" => "FAIL",
                other => other,
            };
            assert_eq!(
                result(&p, pre).as_str(),
                printed,
                "{state}: preflight {pre} and status {st}: {p:#} {s:#}"
            );
        }
        p
    };
    let p = compare("healthy");
    assert_eq!(p["verdict"], "PASS");
    db.psql(
        "INSERT INTO absurd.queue_controls (queue_name, paused, paused_at, paused_by, pause_reason)
         VALUES ('dsa110-pipeline', true, now(), 'alice', 'disk swap')",
    );
    let p = compare("paused");
    assert_eq!(result(&p, "queue"), "FAIL");
    let s = db.cli(&["-o", "json", "status", "--check"]).json();
    assert_eq!(status_level(&s, "paused"), "WARNING", "{s:#}");
    let message = status_check(&s, "paused")["message"].as_str().unwrap();
    for text in [item(&p, "queue")["detail"].as_str().unwrap(), message] {
        assert!(text.contains("PAUSED") && text.contains("alice"), "{text}");
    }
    db.psql("UPDATE absurd.queue_controls SET paused = false; DELETE FROM absurd.worker_registry");
    db.seed_one(task());
    let p = compare("ready tasks and no worker");
    assert_eq!(result(&p, "workers"), "FAIL");
    db.seed([task()
        .status("claimed")
        .attempt(1)
        .worker("w-dead")
        .claimed(ago(hours(3)))
        .heartbeat(ago(hours(2)))]);
    let p = compare("a silent claimed task");
    assert_ne!(result(&p, "stuck_tasks"), "PASS", "{p:#}");
}
