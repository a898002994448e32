//! `tasks list` filters and orders (time window, error text, recent
//! failures, claim order) and the dependency views: why a task is blocked,
//! who waits on it, "blocked for good" in `tasks list`, `tasks show` and
//! `status`, and `spawn --depends-on` a failed task.

mod common;

use common::*;
use serde_json::Value;
use uuid::Uuid;

const Q: &str = "dsa110-pipeline";

/// The task ids of a `tasks list -o json`, in its order.
fn listed(db: &TestDb, extra: &[&str]) -> Vec<Uuid> {
    let mut args = vec!["--output", "json", "tasks", "list"];
    args.extend_from_slice(extra);
    let out = db.cli(&args);
    out.assert_success();
    out.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn list_filters_by_time_and_error_and_sorts_recent_failures_first() {
    let db = TestDb::migrated().await;
    let failed = |created: At, finished: At, error: &str| {
        task()
            .status("failed")
            .attempt(3)
            .error(error)
            .created(created)
            .completed(finished)
    };
    // Created long ago, failed just now: first among recent failures, last
    // by creation.
    let f_new = db.seed_one(failed(ago(days(10)), ago(mins(5)), "CASA timeout"));
    let f_mid = db.seed_one(failed(ago(hours(1)), ago(mins(30)), "casa TIMEOUT again"));
    let f_old = db.seed_one(failed(ago(days(3)), ago(hours(2)), "disk full: 100%"));
    let done = db.seed_one(
        task()
            .status("completed")
            .created(ago(mins(20)))
            .completed(ago(mins(1))),
    );
    let p_low = db.seed_one(task().created(ago(mins(10))));
    let p_high = db.seed_one(task().priority(5).created(ago(hours(3))));

    assert_eq!(
        listed(&db, &[]),
        [p_low, done, f_mid, p_high, f_old, f_new],
        "newest first by default"
    );
    assert_eq!(
        listed(&db, &["--sort", "failed_at"]),
        [f_new, f_mid, f_old],
        "failed tasks only, the latest failure first"
    );
    assert_eq!(
        listed(&db, &["--sort", "failed_at", "--since", "1h"]),
        [f_new, f_mid],
        "the window is on the failure time"
    );
    assert_eq!(
        listed(&db, &["--sort", "failed_at", "--until", "1h"]),
        [f_old]
    );
    assert_eq!(
        listed(&db, &["--sort", "finished_at", "--limit", "2"]),
        [done, f_new]
    );
    assert_eq!(
        listed(&db, &["--since", "2h"]),
        [p_low, done, f_mid],
        "without a time order, the window is on creation"
    );
    assert_eq!(
        listed(&db, &["--since", "5d", "--until", "2h"]),
        [p_high, f_old]
    );
    assert_eq!(
        listed(&db, &["--error-contains", "casa"]),
        [f_mid, f_new],
        "case-insensitive"
    );
    assert_eq!(
        listed(&db, &["--error-like", "100%"]),
        [f_old],
        "the bulk commands' name, literal %"
    );
    assert_eq!(listed(&db, &["--error-contains", "0%"]), [f_old]);
    assert_eq!(
        listed(&db, &["--sort", "priority", "--status", "pending"]),
        [p_high, p_low],
        "claim order"
    );

    let before = db.tasks_checksum();
    for (args, text) in [
        (
            &[
                "tasks",
                "list",
                "--sort",
                "failed_at",
                "--status",
                "completed",
            ][..],
            "--sort failed_at",
        ),
        (
            &[
                "tasks",
                "list",
                "--sort",
                "finished_at",
                "--status",
                "pending",
            ][..],
            "--sort finished_at",
        ),
        (
            &["tasks", "list", "--since", "1h", "--until", "2h"][..],
            "select nothing",
        ),
        (&["tasks", "list", "--sort", "oldest"][..], "--sort"),
        (&["tasks", "list", "--since", "soon"][..], "--since"),
    ] {
        let out = db.cli(args);
        out.assert_code(2);
        assert!(out.stderr.contains(text), "{args:?}: {out}");
    }
    assert_eq!(before, db.tasks_checksum());
}

fn show(db: &TestDb, id: Uuid) -> Value {
    let out = db.cli(&["--output", "json", "tasks", "show", &id.to_string()]);
    out.assert_success();
    out.json()
}

fn ids(v: &Value) -> Vec<Uuid> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| d["task_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn a_task_whose_dependency_failed_is_blocked_for_good_everywhere() {
    let db = TestDb::migrated().await;
    let dead = db.seed_one(
        task()
            .name("calibration-solve")
            .status("failed")
            .error("no solution"),
    );
    let running = db.seed_one(task().name("calibration-solve").status("claimed"));
    let done = db.seed_one(task().name("convert-group").status("completed"));

    let out = db.cli(&[
        "spawn",
        "--task-name",
        "imaging",
        "--depends-on",
        &dead.to_string(),
    ]);
    out.assert_success();
    let orphan: Uuid = out.stdout.trim().parse().unwrap();
    assert!(out.stderr.contains("warning"), "{out}");
    assert!(out.stderr.contains(&dead.to_string()), "{out}");
    assert!(out.stderr.contains("is failed"), "{out}");
    assert!(out.stderr.contains("blocked for good"), "{out}");

    let out = db.cli(&[
        "spawn",
        "--task-name",
        "imaging",
        "--depends-on",
        &running.to_string(),
        "--depends-on",
        &done.to_string(),
    ]);
    out.assert_success();
    assert_eq!(out.stderr, "", "a live dependency is no warning");
    let waiting: Uuid = out.stdout.trim().parse().unwrap();
    // Waiting on the orphan: blocked for good through it.
    let out = db.cli(&[
        "spawn",
        "--task-name",
        "create-mosaic",
        "--depends-on",
        &orphan.to_string(),
    ]);
    out.assert_success();
    let chained: Uuid = out.stdout.trim().parse().unwrap();
    assert!(out.stderr.contains("a dependency's dependency"), "{out}");
    assert!(out.stderr.contains(&dead.to_string()), "{out}");

    // tasks show: which dependency, in which state.
    let o = show(&db, orphan);
    assert_eq!(o["blocked_for_good"], true);
    assert_eq!(ids(&o["blocked_by"]), [dead]);
    assert_eq!(o["blocked_by"][0]["status"], "failed");
    let c = show(&db, chained);
    assert_eq!(c["blocked_for_good"], true, "through the orphan");
    assert_eq!(ids(&c["blocked_by"]), [orphan]);
    assert_eq!(ids(&c["blocked_for_good_by"]), [dead]);
    assert_eq!(ids(&o["blocked_for_good_by"]), [dead]);
    let w = show(&db, waiting);
    assert_eq!(w["blocked_for_good"], false);
    assert_eq!(
        ids(&w["blocked_by"]),
        [running],
        "the completed one is done"
    );
    assert_eq!(w["blocked_by"][0]["status"], "claimed");
    // ... and who waits on a task.
    assert_eq!(ids(&show(&db, dead)["dependents"]), [orphan]);
    assert_eq!(ids(&show(&db, orphan)["dependents"]), [chained]);
    assert_eq!(ids(&show(&db, running)["dependents"]), [waiting]);
    assert_eq!(ids(&show(&db, done)["dependents"]), [waiting]);
    assert!(show(&db, chained)["dependents"]
        .as_array()
        .unwrap()
        .is_empty());

    let text = db.cli(&["tasks", "show", &orphan.to_string()]);
    text.assert_success();
    assert!(text.stdout.contains("for good"), "{text}");
    assert!(
        text.stdout
            .contains(&format!("{dead} calibration-solve (failed)")),
        "{text}"
    );
    let text = db.cli(&["tasks", "show", &waiting.to_string()]);
    assert!(
        text.stdout.contains("waiting for 1 of 2 dependencies"),
        "{text}"
    );
    let text = db.cli(&["tasks", "show", &dead.to_string()]);
    assert!(text.stdout.contains("waited on by"), "{text}");
    assert!(
        text.stdout.contains(&format!("{orphan} imaging (pending)")),
        "{text}"
    );

    // tasks list: a marker on the orphan only.
    let out = db.cli(&["--output", "json", "tasks", "list", "--status", "pending"]);
    out.assert_success();
    let rows = out.json();
    let flag = |id: Uuid| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["task_id"] == id.to_string())
            .unwrap()["blocked_for_good"]
            .clone()
    };
    assert_eq!(flag(orphan), true);
    assert_eq!(flag(chained), true);
    assert_eq!(flag(waiting), false);
    let table = db.cli(&["tasks", "list", "--status", "pending"]);
    let line = |id: Uuid| {
        table
            .stdout
            .lines()
            .find(|l| l.contains(&id.to_string()))
            .unwrap_or_else(|| panic!("{id} not listed: {table}"))
            .to_string()
    };
    assert!(line(orphan).contains("blocked for good"), "{table}");
    assert!(!line(waiting).contains("blocked for good"), "{table}");

    // status: a count and a finding; cancelling the live dependency makes
    // the second one blocked for good too.
    let status = |db: &TestDb| {
        let out = db.cli(&["--output", "json", "status"]);
        out.assert_success();
        out.json()
    };
    let r = status(&db);
    let q = r["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queue"] == Q)
        .unwrap()
        .clone();
    assert_eq!(q["blocked_for_good"], 2, "{q:#}");
    let finding = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "blocked_for_good" && c["queue"] == Q)
        .unwrap_or_else(|| panic!("no blocked_for_good check: {r:#}"))
        .clone();
    assert_eq!(finding["level"], "WARNING");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("2 tasks blocked for good"),
        "{finding}"
    );
    let text = db.cli(&["status"]);
    assert!(text.stdout.contains("2 of them for good"), "{text}");
    let prom = db.cli(&["--output", "prometheus", "status"]);
    prom.assert_success();
    assert!(
        prom.stdout
            .lines()
            .any(|l| l == format!("absurd_blocked_for_good_tasks{{queue=\"{Q}\"}} 2")),
        "{prom}"
    );

    db.cli(&[
        "cancel",
        "--include-claimed",
        "--id",
        &running.to_string(),
        "--yes",
    ])
    .assert_success();
    let r = status(&db);
    let q = r["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queue"] == Q)
        .unwrap()
        .clone();
    assert_eq!(q["blocked_for_good"], 3, "{q:#}");
    assert_eq!(show(&db, waiting)["blocked_for_good"], true);

    // Retried, the dependency can complete: the orphan is only waiting.
    db.cli(&["retry", "--id", &dead.to_string(), "--yes"])
        .assert_success();
    assert_eq!(show(&db, orphan)["blocked_for_good"], false);
    assert_eq!(show(&db, chained)["blocked_for_good"], false);
}
