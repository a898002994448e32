//! retry-failed, cancel, fail, prioritize and audit: the shared filter, the one
//! bulk pipeline (preview, confirmation, batches, audit) and what each
//! command may change.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use absurdctl::queue::bulk::{self, BulkAction};
use absurdctl::queue::{audit, tasks, TaskFilter, TaskId, TaskStatus};
use chrono::Utc;
use common::*;
use sqlx::{Connection, PgPool};
use uuid::Uuid;

const Q: &str = "dsa110-pipeline";

/// One task of the grid fixture, as the oracle sees it (in the order a
/// bulk command takes them: oldest first).
#[derive(Debug, Clone, sqlx::FromRow)]
struct Row {
    task_id: Uuid,
    queue_name: String,
    task_name: String,
    status: String,
    error: Option<String>,
    attempt: i32,
    age_sec: f64,
    /// Since its latest change: finished then, or created then.
    changed_sec: f64,
}

/// Every status x three task names x three ages (10 min, 3 h, 3 days) in
/// the default queue, errors and attempts spread over them (a `%` and a `_`
/// error among them, to prove they are literal), and one task per status in
/// queue `mosaic`.
fn grid() -> Vec<TaskSeed> {
    const STATUSES: [&str; 6] = [
        "pending",
        "retrying",
        "claimed",
        "completed",
        "failed",
        "cancelled",
    ];
    const ERRORS: [Option<&str>; 6] = [
        None,
        Some("CASA: Table not found"),
        Some("disk 100% full"),
        Some("disk 1000 full"),
        Some("bad key a_b"),
        Some("bad key axb"),
    ];
    let mut rows = Vec::new();
    let mut k = 0;
    for status in STATUSES {
        for name in ["imaging", "calibration-solve", "validation"] {
            for age in [mins(10), hours(3), days(3)] {
                k += 1;
                let mut t = task()
                    .name(name)
                    .status(status)
                    .attempt((k * 5 + 1) % 4)
                    .max_retries(3)
                    .created(ago(age));
                if let Some(error) = ERRORS[(k as usize * 7 + 3) % 6] {
                    t = t.error(error);
                }
                if status == "claimed" {
                    t = t.worker("w-fixture").heartbeat(NOW);
                }
                if ["claimed", "completed", "failed"].contains(&status) {
                    t = t.claimed(ago(age / 2));
                }
                if ["completed", "failed", "cancelled"].contains(&status) {
                    t = t.completed(ago(age / 4));
                }
                rows.push(t);
            }
        }
    }
    for status in STATUSES {
        rows.push(
            task()
                .queue("mosaic")
                .status(status)
                .attempt(3)
                .error("CASA: Table not found")
                .created(ago(hours(3))),
        );
    }
    rows
}

async fn load_grid(db: &TestDb) -> Vec<Row> {
    db.seed(grid());
    rows(&db.pool().await).await
}

async fn rows(pool: &PgPool) -> Vec<Row> {
    sqlx::query_as(
        "SELECT task_id, queue_name, task_name, status, error, attempt,
                extract(epoch FROM now() - created_at)::float8 AS age_sec,
                extract(epoch FROM now() - coalesce(completed_at, created_at))::float8 AS changed_sec
           FROM absurd.tasks ORDER BY created_at, task_id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Each row as text, to tell exactly which rows a command changed.
async fn row_texts(pool: &PgPool) -> HashMap<Uuid, String> {
    sqlx::query_as::<_, (Uuid, String)>("SELECT task_id, t::text FROM absurd.tasks t")
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// A command line and the statuses it changes.
type Variant = (Vec<&'static str>, Vec<&'static str>);

/// The three commands, with and without the flags that widen them.
fn variants() -> Vec<Variant> {
    vec![
        (vec!["retry-failed"], vec!["failed"]),
        (
            vec!["retry", "--include-cancelled"],
            vec!["failed", "cancelled"],
        ),
        (vec!["cancel"], vec!["pending", "retrying"]),
        (
            vec!["cancel", "--include-claimed"],
            vec!["pending", "retrying", "claimed"],
        ),
        (
            vec!["fail", "--reason", "stuck"],
            vec!["pending", "retrying", "claimed"],
        ),
        (
            vec!["prioritize", "--priority", "7"],
            vec!["pending", "retrying"],
        ),
    ]
}

fn selected_ids(report: &serde_json::Value) -> BTreeSet<Uuid> {
    report["sample"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|t| t["task_id"].as_str().unwrap().parse().unwrap())
                .collect()
        })
        .unwrap_or_default()
}

type Pred = Box<dyn Fn(&Row) -> bool + Sync>;

struct Case {
    name: &'static str,
    args: Vec<String>,
    pred: Pred,
    all_queues: bool,
    /// --status given: the command must change these, or refuse.
    statuses: Option<Vec<&'static str>>,
    limit: Option<usize>,
}

fn case(name: &'static str, args: &[&str], pred: impl Fn(&Row) -> bool + Sync + 'static) -> Case {
    Case {
        name,
        args: args.iter().map(|s| s.to_string()).collect(),
        pred: Box::new(pred),
        all_queues: false,
        statuses: None,
        limit: None,
    }
}

fn has_error(r: &Row, text: &str) -> bool {
    r.error
        .as_deref()
        .is_some_and(|e| e.to_lowercase().contains(&text.to_lowercase()))
}

#[tokio::test]
async fn every_filter_selects_the_same_rows_in_every_command() {
    let db = TestDb::migrated().await;
    let grid = load_grid(&db).await;
    let before = db.tasks_checksum();

    // One task of each status (plus one of another queue, never selected
    // without --all-queues) by --id; every fifth task through --ids-from.
    let mut by_id: Vec<Uuid> = Vec::new();
    for status in [
        "pending",
        "retrying",
        "claimed",
        "completed",
        "failed",
        "cancelled",
    ] {
        by_id.push(
            grid.iter()
                .find(|r| r.status == status && r.queue_name == Q)
                .unwrap()
                .task_id,
        );
    }
    let mosaic_failed = grid
        .iter()
        .find(|r| r.queue_name == "mosaic" && r.status == "failed")
        .unwrap()
        .task_id;
    by_id.push(mosaic_failed);
    let from_file: BTreeSet<Uuid> = grid.iter().step_by(5).map(|r| r.task_id).collect();
    let dir = tempdir();
    let ids_file = dir.join("ids.txt");
    let mut text = String::from("# tasks to act on\n\n");
    for id in &from_file {
        text.push_str(&format!("  {id}  # from the grid\n\n"));
    }
    std::fs::write(&ids_file, text).unwrap();

    let mut id_args = Vec::new();
    for id in &by_id {
        id_args.push("--id".to_string());
        id_args.push(id.to_string());
    }
    let id_set: BTreeSet<Uuid> = by_id.iter().copied().collect();

    let mut cases = vec![
        case("no filter", &[], |_| true),
        case("one task name", &["--task-name", "imaging"], |r| {
            r.task_name == "imaging"
        }),
        case(
            "two task names",
            &["--task-name", "imaging", "--task-name", "validation"],
            |r| r.task_name != "calibration-solve",
        ),
        Case {
            args: id_args.clone(),
            ..case("ids", &[], move |r| id_set.contains(&r.task_id))
        },
        case(
            "ids from a file",
            &["--ids-from", ids_file.to_str().unwrap()],
            move |r| from_file.contains(&r.task_id),
        ),
        case("older than", &["--older-than", "1h"], |r| {
            r.age_sec > 3600.0
        }),
        case("newer than", &["--newer-than", "1h"], |r| {
            r.age_sec < 3600.0
        }),
        case(
            "a window",
            &["--older-than", "1h", "--newer-than", "2d"],
            |r| r.age_sec > 3600.0 && r.age_sec < 2.0 * 86400.0,
        ),
        case("error, any case", &["--error-like", "casa: TABLE"], |r| {
            has_error(r, "casa: table")
        }),
        case("error with %", &["--error-like", "100%"], |r| {
            has_error(r, "100%")
        }),
        case("error with _", &["--error-like", "a_b"], |r| {
            has_error(r, "a_b")
        }),
        case("attempts", &["--attempts-at-least", "2"], |r| {
            r.attempt >= 2
        }),
        // The window `errors --since` counts in: finished within it, or
        // (unfinished) created within it.
        case("since", &["--since", "1h"], |r| r.changed_sec <= 3600.0),
        // A cause as `errors` folds it: `disk 100% full`, not `disk 1000 full`.
        case(
            "error pattern",
            &["--error-pattern", "disk <n>% full"],
            |r| r.error.as_deref() == Some("disk 100% full"),
        ),
        case("attempts below", &["--attempts-below", "2"], |r| {
            r.attempt < 2
        }),
        case(
            "an attempts range",
            &["--attempts-at-least", "1", "--attempts-below", "3"],
            |r| (1..3).contains(&r.attempt),
        ),
        case(
            "everything at once",
            &[
                "--task-name",
                "validation",
                "--older-than",
                "1h",
                "--attempts-at-least",
                "1",
            ],
            |r| r.task_name == "validation" && r.age_sec > 3600.0 && r.attempt >= 1,
        ),
        Case {
            limit: Some(2),
            ..case("limit", &["--limit", "2"], |_| true)
        },
        Case {
            all_queues: true,
            ..case("all queues", &["--all-queues"], |_| true)
        },
        Case {
            statuses: Some(vec!["retrying"]),
            ..case("status", &["--status", "retrying"], |_| true)
        },
        Case {
            statuses: Some(vec!["cancelled"]),
            ..case("status needing a flag", &["--status", "cancelled"], |_| {
                true
            })
        },
    ];
    // --id and --all-queues together reach the other queue's task.
    let with_mosaic: BTreeSet<Uuid> = by_id.iter().copied().collect();
    let mut args = id_args.clone();
    args.push("--all-queues".into());
    cases.push(Case {
        args,
        all_queues: true,
        ..case("ids in any queue", &[], move |r| {
            with_mosaic.contains(&r.task_id)
        })
    });

    let variants = variants();
    let jobs: Vec<(&Case, &Variant)> = cases
        .iter()
        .flat_map(|c| variants.iter().map(move |v| (c, v)))
        .collect();
    let results: Vec<(String, Result<BTreeSet<Uuid>, CliOutput>, usize)> =
        std::thread::scope(|s| {
            let chunks: Vec<_> = jobs.chunks(jobs.len().div_ceil(4)).collect();
            let handles: Vec<_> = chunks
                .into_iter()
                .map(|chunk| {
                    let db = &db;
                    s.spawn(move || {
                        chunk
                            .iter()
                            .map(|(c, (cmd, _))| {
                                let mut args: Vec<&str> = vec!["--output", "json"];
                                args.extend(cmd.iter());
                                args.extend(["--dry-run", "--sample", "1000"]);
                                args.extend(c.args.iter().map(String::as_str));
                                let out = db.cli(&args);
                                let label = format!("{} / {}", c.name, cmd.join(" "));
                                if out.code == Some(0) {
                                    let report = out.json();
                                    let n = report["selected"].as_u64().unwrap() as usize;
                                    (label, Ok(selected_ids(&report)), n)
                                } else {
                                    (label, Err(out), 0)
                                }
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });

    for ((c, (_, eligible)), (label, got, selected)) in jobs.iter().zip(results) {
        let statuses: Vec<&str> = match &c.statuses {
            Some(asked) if asked.iter().any(|s| !eligible.contains(s)) => {
                let out = got.expect_err(&label);
                out.assert_code(2);
                assert!(out.stderr.contains("--status"), "{label}: {out}");
                continue;
            }
            Some(asked) => asked.clone(),
            None => eligible.clone(),
        };
        let mut expected: Vec<&Row> = grid
            .iter()
            .filter(|r| c.all_queues || r.queue_name == Q)
            .filter(|r| statuses.contains(&r.status.as_str()))
            .filter(|r| (c.pred)(r))
            .collect();
        if let Some(n) = c.limit {
            expected.truncate(n);
        }
        let expected: BTreeSet<Uuid> = expected.iter().map(|r| r.task_id).collect();
        let got = got.unwrap_or_else(|out| panic!("{label}: {out}"));
        assert_eq!(got, expected, "{label}");
        assert_eq!(selected, expected.len(), "{label}");
    }
    // Every case that narrows selects something, and not everything, somewhere.
    for c in cases
        .iter()
        .filter(|c| c.statuses.is_none() && !c.args.is_empty())
    {
        let all: BTreeSet<Uuid> = grid
            .iter()
            .filter(|r| c.all_queues || r.queue_name == Q)
            .map(|r| r.task_id)
            .collect();
        let picked: BTreeSet<Uuid> = grid
            .iter()
            .filter(|r| all.contains(&r.task_id) && (c.pred)(r))
            .map(|r| r.task_id)
            .collect();
        assert!(!picked.is_empty(), "{}: selects nothing", c.name);
        assert!(
            picked.len() < all.len() || c.all_queues || c.limit.is_some(),
            "{}: selects everything",
            c.name
        );
    }
    assert_eq!(before, db.tasks_checksum(), "dry runs changed nothing");
}

fn tempdir() -> Scratch {
    Scratch::new("absurdctl-bulk")
}

#[tokio::test]
async fn each_command_changes_only_its_statuses() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    for (cmd, eligible) in variants() {
        db.psql("TRUNCATE absurd.tasks");
        let grid = load_grid(&db).await;
        let before = row_texts(&pool).await;
        let mut args = vec!["--output", "json"];
        args.extend(cmd.iter());
        args.extend(["--yes", "--all", "--batch-size", "7"]);
        let out = db.cli(&args);
        out.assert_success();
        let after = row_texts(&pool).await;
        let changed: BTreeSet<Uuid> = before
            .iter()
            .filter(|(id, text)| after[*id] != **text)
            .map(|(id, _)| *id)
            .collect();
        let expected: BTreeSet<Uuid> = grid
            .iter()
            .filter(|r| r.queue_name == Q && eligible.contains(&r.status.as_str()))
            .map(|r| r.task_id)
            .collect();
        assert_eq!(changed, expected, "{cmd:?}");
        let report = out.json();
        assert_eq!(report["outcome"], "completed", "{out}");
        assert_eq!(report["changed"], expected.len() as u64, "{out}");
        assert_eq!(
            report["batches"],
            expected.len().div_ceil(7) as u64,
            "{out}"
        );
        let now: BTreeSet<(String, i32)> = sqlx::query_as::<_, (Uuid, String, i32)>(
            "SELECT task_id, status, priority FROM absurd.tasks",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .filter(|(id, _, _)| expected.contains(id))
        .map(|(_, status, priority)| (status, priority))
        .collect();
        let want: BTreeSet<(String, i32)> = match cmd[0] {
            "prioritize" => eligible.iter().map(|s| (s.to_string(), 7)).collect(),
            "cancel" => [("cancelled".to_string(), 0)].into(),
            "fail" => [("failed".to_string(), 0)].into(),
            _ => [("pending".to_string(), 0)].into(),
        };
        assert_eq!(now, want, "{cmd:?}");
    }
}

#[tokio::test]
async fn dry_run_changes_nothing_and_is_audited() {
    let db = TestDb::migrated().await;
    load_grid(&db).await;
    let before = db.tasks_checksum();
    for (cmd, _) in variants() {
        let mut args = cmd.clone();
        args.push("--dry-run");
        let out = db.cli(&args);
        out.assert_success();
        assert!(out.stdout.contains("nothing was changed"), "{out}");
        assert!(out.stdout.contains("task name"), "a preview: {out}");
    }
    assert_eq!(before, db.tasks_checksum());
    let audit = db.cli(&["--output", "json", "audit"]).json();
    let audit = audit.as_array().unwrap();
    assert_eq!(audit.len(), variants().len());
    for row in audit {
        assert_eq!(row["dry_run"], true, "{row}");
        assert_eq!(row["details"]["outcome"], "dry_run", "{row}");
        assert_eq!(row["affected"], row["details"]["selected"], "{row}");
        assert_eq!(row["details"]["changed"], 0, "{row}");
    }
}

#[tokio::test]
async fn without_a_terminal_and_without_yes_nothing_changes() {
    let db = TestDb::migrated().await;
    load_grid(&db).await;
    let before = db.tasks_checksum();
    for (cmd, _) in variants() {
        for output in ["table", "json"] {
            let mut args = vec!["--output", output];
            args.extend(cmd.iter());
            args.push("--all");
            let out = db.cli(&args);
            out.assert_code(5);
            assert!(out.stderr.contains("--yes"), "{out}");
            assert!(out.stderr.contains("no terminal"), "{out}");
        }
    }
    assert_eq!(before, db.tasks_checksum());
    assert_eq!(db.psql("SELECT count(*) FROM absurd.audit_log"), "0");
}

#[tokio::test]
async fn retry_failed_requeues_failed_tasks_and_grants_attempts() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let spawn = |status: &str, attempt: i32, error: &str| {
        TaskId(
            db.seed_one(
                task()
                    .queue(Q)
                    .name("calibration-solve")
                    .status(status)
                    .attempt(attempt)
                    .max_retries(3)
                    .error(error)
                    .worker("w-old")
                    .claimed(ago(hours(2)))
                    .heartbeat(ago(hours(1)))
                    .completed(ago(hours(1)))
                    .available(ago(hours(3)))
                    .created(ago(hours(3))),
            ),
        )
    };
    let exhausted = spawn("failed", 3, "Table not found: cal.B0");
    let early = spawn("failed", 1, "legacy fail_task, attempts left");
    let cancelled = spawn("cancelled", 3, "Cancelled by user");
    spawn("pending", 0, "");

    let out = db.cli(&["--output", "json", "retry", "--yes", "--all"]);
    out.assert_success();
    assert_eq!(out.json()["changed"], 2, "{out}");

    let t = tasks::get(&pool, exhausted).await.unwrap();
    assert_eq!(t.status, TaskStatus::Pending);
    assert_eq!(
        (t.attempt, t.max_retries),
        (3, 4),
        "exactly one more attempt"
    );
    assert_eq!(t.error.as_deref(), Some("Table not found: cal.B0"));
    assert!(t.worker_id.is_none() && t.claimed_at.is_none());
    assert!(t.heartbeat_at.is_none() && t.completed_at.is_none());
    let age = (Utc::now() - t.available_at).num_seconds();
    assert!((0..60).contains(&age), "available now, not 3 h ago: {age}");
    let t = tasks::get(&pool, early).await.unwrap();
    assert_eq!(
        (t.attempt, t.max_retries),
        (1, 3),
        "attempts left: unchanged"
    );
    assert_eq!(
        tasks::get(&pool, cancelled).await.unwrap().status,
        TaskStatus::Cancelled
    );
    let shown = db
        .cli(&["--output", "json", "tasks", "show", &exhausted.to_string()])
        .json();
    assert_eq!(
        shown["error"], "Table not found: cal.B0",
        "visible until it runs"
    );

    // The granted attempt is exactly one: failing it again leaves it failed.
    sqlx::query("UPDATE absurd.tasks SET status = 'completed' WHERE task_id = $1")
        .bind(early)
        .execute(&pool)
        .await
        .unwrap();
    let claimed = tasks::claim(&pool, Q, "w1", 1, None).await.unwrap();
    assert_eq!(claimed[0].task_id, exhausted, "the oldest");
    assert!(tasks::fail(&pool, exhausted, "w1", "again").await.unwrap());
    assert_eq!(
        tasks::get(&pool, exhausted).await.unwrap().status,
        TaskStatus::Failed
    );

    // A fresh count; cancelled ones too when asked.
    let out = db.cli(&[
        "--output",
        "json",
        "retry-failed",
        "--include-cancelled",
        "--reset-attempts",
        "--yes",
        "--all",
    ]);
    out.assert_success();
    assert_eq!(out.json()["changed"], 2, "{out}");
    for id in [exhausted, cancelled] {
        let t = tasks::get(&pool, id).await.unwrap();
        assert_eq!(t.status, TaskStatus::Pending);
        assert_eq!(t.attempt, 0, "fresh count");
    }
    assert_eq!(tasks::get(&pool, exhausted).await.unwrap().max_retries, 4);
    assert_eq!(tasks::get(&pool, cancelled).await.unwrap().max_retries, 3);
}

#[tokio::test]
async fn cancel_include_claimed_makes_the_legacy_worker_s_completion_a_no_op() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let id = |out: CliOutput| out.stdout.trim().parse::<TaskId>().unwrap();
    let running = id(db.cli(&["spawn", "--task-name", "imaging", "--priority", "9"]));
    let waiting = id(db.cli(&["spawn", "--task-name", "imaging"]));
    // The legacy Python worker claims the first.
    let legacy = db.psql(&format!(
        "SELECT task_id FROM absurd.claim_task('{Q}', 'python-worker-1')"
    ));
    assert_eq!(legacy, running.to_string());

    let out = db.cli(&["--output", "json", "cancel", "--yes", "--all"]);
    out.assert_success();
    assert_eq!(out.json()["changed"], 1, "claimed tasks only when asked");
    let t = tasks::get(&pool, waiting).await.unwrap();
    assert_eq!(t.status, TaskStatus::Cancelled);
    assert_eq!(t.error.as_deref(), Some(bulk::CANCELLED_ERROR));
    assert!(t.completed_at.is_some());
    assert_eq!(
        tasks::get(&pool, running).await.unwrap().status,
        TaskStatus::Claimed
    );

    db.cli(&["cancel", "--include-claimed", "--yes", "--all"])
        .assert_success();
    let t = tasks::get(&pool, running).await.unwrap();
    assert_eq!(t.status, TaskStatus::Cancelled);
    assert_eq!(t.worker_id.as_deref(), Some("python-worker-1"));

    let completed: bool = sqlx::query_scalar("SELECT absurd.complete_task($1, $2::jsonb)")
        .bind(running)
        .bind(serde_json::json!({"image": "x.fits"}))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!completed, "the legacy complete_task returns false");
    let failed: bool = sqlx::query_scalar("SELECT absurd.fail_task($1, $2)")
        .bind(running)
        .bind("late failure")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!failed, "the legacy fail_task returns false");
    let heartbeat: bool = sqlx::query_scalar("SELECT absurd.heartbeat_task($1)")
        .bind(running)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!heartbeat, "the legacy heartbeat says stop");
    assert!(!tasks::heartbeat(&pool, running, "python-worker-1")
        .await
        .unwrap());
    let t = tasks::get(&pool, running).await.unwrap();
    assert_eq!(t.status, TaskStatus::Cancelled);
    assert!(t.result.is_none(), "the late result is not recorded");
    assert_eq!(t.error.as_deref(), Some(bulk::CANCELLED_ERROR));
}

#[tokio::test]
async fn prioritize_changes_the_claim_order_at_once() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let id = |out: CliOutput| out.stdout.trim().parse::<TaskId>().unwrap();
    let first = id(db.cli(&["spawn", "--task-name", "imaging"]));
    let second = id(db.cli(&["spawn", "--task-name", "imaging"]));
    let urgent = id(db.cli(&["spawn", "--task-name", "calibration-solve"]));
    let running = id(db.cli(&[
        "spawn",
        "--task-name",
        "calibration-solve",
        "--priority",
        "-1",
    ]));
    db.psql(&format!(
        "UPDATE absurd.tasks SET status = 'claimed', worker_id = 'w0' WHERE task_id = '{running}'"
    ));

    let out = db.cli(&[
        "--output",
        "json",
        "prioritize",
        "--priority",
        "100",
        "--task-name",
        "calibration-solve",
        "--yes",
    ]);
    out.assert_success();
    assert_eq!(out.json()["changed"], 1, "{out}");
    assert_eq!(tasks::get(&pool, running).await.unwrap().priority, -1);
    // Negative priorities are priorities too.
    db.cli(&[
        "prioritize",
        "--priority",
        "-5",
        "--id",
        &first.to_string(),
        "--yes",
    ])
    .assert_success();

    let order: Vec<TaskId> = tasks::claim(&pool, Q, "w1", 3, None)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.task_id)
        .collect();
    assert_eq!(order, vec![urgent, second, first]);

    // Tasks already at the priority are not selected again.
    let again = db.cli(&[
        "--output",
        "json",
        "prioritize",
        "--priority",
        "100",
        "--yes",
        "--status",
        "pending",
    ]);
    again.assert_success();
    assert_eq!(again.json()["outcome"], "nothing_to_do");
}

#[tokio::test]
async fn a_task_a_worker_holds_locked_is_not_touched() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    db.seed(vec![
        task()
            .queue(Q)
            .status("failed")
            .attempt(3)
            .error("boom");
        5
    ]);
    let locked: Uuid = sqlx::query_scalar("SELECT task_id FROM absurd.tasks LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    // A worker in the middle of a transaction on that row.
    let mut worker = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let mut tx = worker.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM absurd.tasks WHERE task_id = $1 FOR UPDATE")
        .bind(locked)
        .execute(&mut *tx)
        .await
        .unwrap();

    // It never waits for the row lock (it would give up after --lock-timeout).
    let out = db.cli(&[
        "--output",
        "json",
        "retry",
        "--yes",
        "--all",
        "--batch-size",
        "2",
    ]);
    out.assert_success();
    let report = out.json();
    assert_eq!(report["changed"], 4, "{out}");
    assert_eq!(report["skipped_locked"], 1, "{out}");
    assert_eq!(report["outcome"], "completed", "{out}");
    tx.rollback().await.unwrap();
    let status: String = sqlx::query_scalar("SELECT status FROM absurd.tasks WHERE task_id = $1")
        .bind(locked)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "failed");
}

/// A worker claims a task between the preview and the batch: the batch
/// re-checks the filter and leaves it alone.
#[tokio::test]
async fn a_task_claimed_after_the_preview_is_not_touched() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    for _ in 0..3 {
        db.cli(&["spawn", "--task-name", "imaging"])
            .assert_success();
    }
    let action = BulkAction::Cancel {
        include_claimed: false,
        reason: None,
    };
    let filter = TaskFilter {
        queue: Some(Q.into()),
        ..TaskFilter::default()
    };
    let mut conn = pool.acquire().await.unwrap();
    let selection = bulk::select(&mut conn, &action, &filter, 10).await.unwrap();
    assert_eq!(selection.ids.len(), 3);
    let claimed = tasks::claim(&pool, Q, "w1", 1, None)
        .await
        .unwrap()
        .remove(0);

    let run = audit::Run::start(&mut *conn, absurdctl::host::operator(), "cancel", Some(Q))
        .await
        .unwrap();
    let outcome = bulk::apply_batch(&mut conn, &run, 1, &action, &filter, &selection.ids)
        .await
        .unwrap();
    assert_eq!(
        (
            outcome.changed,
            outcome.skipped_changed,
            outcome.skipped_locked
        ),
        (2, 1, 0)
    );
    let t = tasks::get(&pool, claimed.task_id).await.unwrap();
    assert_eq!(t.status, TaskStatus::Claimed);
    assert!(
        tasks::complete(&pool, t.task_id, "w1", &serde_json::json!({}))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn the_audit_row_says_who_did_what() {
    let db = TestDb::migrated().await;
    load_grid(&db).await;
    db.cli(&[
        "retry",
        "--task-name",
        "imaging",
        "--older-than",
        "1h",
        "--yes",
    ])
    .assert_success();
    db.cli(&["--queue", "mosaic", "cancel", "--yes", "--all"])
        .assert_success();
    db.cli(&["prioritize", "--priority", "3", "--dry-run"])
        .assert_success();
    // Nothing selected: nothing to record.
    db.cli(&["retry", "--task-name", "no-such-task", "--yes"])
        .assert_success();

    let out = db.cli(&["--output", "json", "audit"]);
    out.assert_success();
    let rows = out.json();
    let rows = rows.as_array().unwrap();
    let commands: Vec<&str> = rows
        .iter()
        .map(|r| r["command"].as_str().unwrap())
        .collect();
    assert_eq!(
        commands,
        ["prioritize", "retry-failed"],
        "newest first, this queue"
    );
    let retry = &rows[1];
    assert_eq!(retry["affected"], 2, "{retry}");
    assert_eq!(retry["dry_run"], false);
    assert_eq!(retry["queue_name"], Q);
    assert_eq!(retry["filter"]["task_names"][0], "imaging");
    assert_eq!(retry["filter"]["older_than"], "1h");
    assert_eq!(retry["filter"]["statuses"][0], "failed");
    assert_eq!(retry["details"]["outcome"], "completed");
    assert_eq!(retry["details"]["changed"], 2);
    assert_eq!(retry["details"]["reset_attempts"], false);
    assert!(retry["db_user"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(retry["client_host"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(retry["at"].as_str().is_some());
    assert!(retry["audit_id"].as_i64().is_some());
    assert!(retry["details"]["argv"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "--older-than"));

    let all = db
        .cli(&["--output", "json", "audit", "--all-queues"])
        .json();
    assert_eq!(all.as_array().unwrap().len(), 3);
    assert_eq!(all[1]["command"], "cancel");
    assert_eq!(all[1]["queue_name"], "mosaic");
    assert_eq!(all[1]["affected"], 2, "mosaic's pending and retrying");
    let one = db
        .cli(&["--output", "json", "audit", "--limit", "1"])
        .json();
    assert_eq!(one.as_array().unwrap().len(), 1);

    let table = db.cli(&["audit"]);
    table.assert_success();
    assert!(table.stdout.contains("retry-failed"), "{table}");
    assert!(table.stdout.contains("(dry run)"), "{table}");
    assert!(table.stdout.contains("older_than=1h"), "{table}");
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let db = TestDb::migrated().await;
    load_grid(&db).await;
    let before = db.tasks_checksum();
    let dir = tempdir();
    let bad_file = dir.join("ids.txt");
    std::fs::write(
        &bad_file,
        format!("# ids\n{}\nnot-a-uuid\n", Uuid::new_v4()),
    )
    .unwrap();
    let empty_file = dir.join("empty.txt");
    std::fs::write(&empty_file, "# nothing here\n\n").unwrap();
    let missing = dir.join("missing.txt");

    let matrix: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--status", "bogus"], "bogus"),
        (vec!["--older-than", "3 fortnights"], "--older-than"),
        (vec!["--newer-than", "soon"], "--newer-than"),
        (vec!["--older-than", "200y"], "century"),
        (
            vec!["--older-than", "2h", "--newer-than", "1h"],
            "--newer-than",
        ),
        (vec!["--id", "not-a-uuid"], "not-a-uuid"),
        (vec!["--ids-from", bad_file.to_str().unwrap()], "line 3"),
        (
            vec!["--ids-from", empty_file.to_str().unwrap()],
            "no task ids",
        ),
        (vec!["--ids-from", missing.to_str().unwrap()], "missing.txt"),
        (vec!["--attempts-at-least", "-1"], "--attempts-at-least"),
        (vec!["--attempts-below", "0"], "--attempts-below"),
        (
            vec!["--attempts-at-least", "3", "--attempts-below", "3"],
            "select nothing",
        ),
        (vec!["--limit", "0"], "--limit"),
        (vec!["--batch-size", "0"], "--batch-size"),
        (vec!["--error-like", ""], "--error-like"),
        (vec!["--task-name", " "], "--task-name"),
        (vec!["--status", "completed"], "--status completed"),
    ];
    for (cmd, _) in variants() {
        for (bad, needle) in &matrix {
            let mut args = cmd.clone();
            args.extend(bad.iter());
            args.push("--yes");
            let out = db.cli(&args);
            out.assert_code(2);
            assert!(out.stderr.contains(needle), "{args:?}: {out}");
        }
    }
    for priority in ["2147483648", "-2147483649", "high", "1.5"] {
        let out = db.cli(&["prioritize", "--priority", priority, "--yes", "--all"]);
        out.assert_code(2);
        assert!(out.stderr.contains("--priority"), "{out}");
    }
    db.cli(&["prioritize", "--yes", "--all"]).assert_code(2);
    assert_eq!(before, db.tasks_checksum());
    assert_eq!(db.psql("SELECT count(*) FROM absurd.audit_log"), "0");
}

#[tokio::test]
async fn ids_from_standard_input() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let a = db.cli(&["spawn", "--task-name", "imaging"]).stdout;
    db.cli(&["spawn", "--task-name", "imaging"])
        .assert_success();
    let mut child = absurdctl_command(&[
        "--database-url",
        &db.url,
        "--output",
        "json",
        "cancel",
        "--ids-from",
        "-",
        "--yes",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("# from tasks list\n{a}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["changed"], 1);
    let id: TaskId = a.trim().parse().unwrap();
    assert_eq!(
        tasks::get(&pool, id).await.unwrap().status,
        TaskStatus::Cancelled
    );
}

/// Ctrl-C while a batch runs: that batch commits, no other starts, the
/// summary says how far it got, the audit row records it, exit 130.
#[tokio::test]
async fn interrupted_between_batches_keeps_what_was_done() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    for _ in 0..3 {
        db.cli(&["spawn", "--task-name", "imaging"])
            .assert_success();
    }
    // Hold the first batch's UPDATE (not its selection) behind a table lock.
    let mut blocker = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let mut tx = blocker.begin().await.unwrap();
    sqlx::query("LOCK TABLE absurd.tasks IN SHARE MODE")
        .execute(&mut *tx)
        .await
        .unwrap();
    let child = absurdctl_command(&[
        "--database-url",
        &db.url,
        "--output",
        "json",
        "--lock-timeout",
        "60s",
        "cancel",
        "--yes",
        "--all",
        "--batch-size",
        "1",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
              WHERE datname = current_database() AND application_name = 'absurdctl cancel'
                AND wait_event_type = 'Lock'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if waiting > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the batch never blocked");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // SAFETY: kill only sends a signal to the child we started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    tokio::time::sleep(Duration::from_millis(200)).await;
    tx.rollback().await.unwrap();

    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(stderr.contains("2 tasks not reached"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["outcome"], "interrupted");
    assert_eq!(report["changed"], 1);
    assert_eq!(report["not_reached"], 2);
    assert_eq!(
        db.psql("SELECT count(*) FROM absurd.tasks WHERE status = 'cancelled'"),
        "1"
    );
    assert_eq!(
        db.psql("SELECT affected || ' ' || (details->>'outcome') FROM absurd.audit_log"),
        "1 interrupted"
    );
}

/// A role with every privilege a mutating command checks for, whose audit
/// inserts (log and batch records) a trigger refuses.
fn no_audit_role(db: &TestDb) -> TestRole {
    TestRole::create(
        db,
        "noaudit",
        "GRANT USAGE ON SCHEMA absurd TO {name};
             GRANT SELECT ON ALL TABLES IN SCHEMA absurd TO {name};
             GRANT INSERT, UPDATE, DELETE ON absurd.tasks, absurd.queue_controls,
                   absurd.worker_registry TO {name};
             GRANT INSERT ON absurd.audit_batches, absurd.audit_log TO {name};
             GRANT UPDATE ON absurd.reaper_locks TO {name};
             GRANT USAGE ON ALL SEQUENCES IN SCHEMA absurd TO {name};
             -- Every privilege check passes; the audit insert itself fails, as
             -- it would on a full disk: only the transaction can keep the change out.
             CREATE FUNCTION absurd.refuse_audit_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF current_user = '{name}' THEN
                 RAISE EXCEPTION 'audit refused for this test' USING ERRCODE = 'insufficient_privilege';
               END IF;
               RETURN NEW;
             END $$;
             CREATE TRIGGER refuse_audit_{name} BEFORE INSERT ON absurd.audit_log
               FOR EACH ROW EXECUTE FUNCTION absurd.refuse_audit_{name}();
             CREATE TRIGGER refuse_audit_{name} BEFORE INSERT ON absurd.audit_batches
               FOR EACH ROW EXECUTE FUNCTION absurd.refuse_audit_{name}();",
    )
}

/// Issue 16.4: a role that may change tasks but not write the audit log
/// changes nothing with any command that changes the queue, and is told
/// why (it used to retry, drain, resume, vacuum and reap, unaudited).
#[tokio::test]
async fn without_the_right_to_audit_no_command_changes_anything() {
    let db = TestDb::migrated().await;
    let failed = task()
        .status("failed")
        .attempt(3)
        .max_retries(3)
        .error("boom")
        .completed(NOW);
    let old = task()
        .name("old")
        .status("completed")
        .completed(ago(days(100)));
    let hung = task()
        .name("hung")
        .status("claimed")
        .attempt(1)
        .max_retries(3)
        .worker("w-dead")
        .claimed(ago(hours(2)))
        .heartbeat(ago(hours(2)));
    db.seed(
        [
            vec![failed; 3],
            vec![task().name("calib"); 3],
            vec![old; 3],
            vec![hung; 2],
        ]
        .concat(),
    );
    db.cli(&["--queue", "paused-q", "drain", "--yes", "--no-wait"])
        .assert_success();
    let state = || {
        db.psql(
            "SELECT md5(concat_ws('#',
               (SELECT string_agg(t::text, '|' ORDER BY task_id) FROM absurd.tasks t),
               (SELECT string_agg(c::text, '|' ORDER BY queue_name) FROM absurd.queue_controls c),
               (SELECT string_agg(w::text, '|' ORDER BY worker_id) FROM absurd.worker_registry w),
               (SELECT count(*) FROM absurd.audit_log),
               (SELECT count(*) FROM absurd.audit_batches)))",
        )
    };
    let before = state();
    let role = no_audit_role(&db);

    let commands: [&[&str]; 7] = [
        &["retry-failed", "--yes", "--all"],
        &["cancel", "--yes", "--all"],
        &["prioritize", "--priority", "7", "--yes", "--all"],
        &["drain", "--yes", "--no-wait"],
        &["--queue", "paused-q", "resume", "--yes"],
        &["vacuum", "--yes", "--no-vacuum"],
        &["reap-stuck"],
    ];
    for args in commands {
        let mut full = vec!["--database-url", role.url.as_str()];
        full.extend_from_slice(args);
        let out = absurdctl(&full);
        assert_ne!(out.code, Some(0), "{args:?}: {out}");
        assert!(out.stderr.contains("audit"), "{args:?}: {out}");
        assert_eq!(state(), before, "{args:?} changed something: {out}");
    }
}

/// Issue 16.4: SIGINT then SIGTERM during a long bulk run: it still stops
/// after the batch in flight, prints its summary and writes its audit row;
/// the batches' records and the run's row both add up to what changed.
#[tokio::test]
async fn a_second_signal_does_not_skip_the_audit_or_the_summary() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    db.seed(vec![task(); 60]);
    db.psql(
        "CREATE FUNCTION public.slow_update() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN PERFORM pg_sleep(0.05); RETURN NEW; END $$;
         CREATE TRIGGER slow_update BEFORE UPDATE ON absurd.tasks
           FOR EACH ROW EXECUTE FUNCTION public.slow_update();",
    );
    let child = absurdctl_command(&[
        "--database-url",
        &db.url,
        "--output",
        "json",
        "cancel",
        "--yes",
        "--all",
        "--batch-size",
        "5",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done: i64 =
            sqlx::query_scalar("SELECT count(*) FROM absurd.tasks WHERE status = 'cancelled'")
                .fetch_one(&pool)
                .await
                .unwrap();
        if done > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "no batch committed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    signal(child.id() as i32, libc::SIGINT);
    tokio::time::sleep(Duration::from_millis(30)).await;
    signal(child.id() as i32, libc::SIGTERM);

    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("already stopping"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no summary ({e}): {stderr}"));
    assert_eq!(report["outcome"], "interrupted", "{report}");
    let cancelled: i64 = db
        .psql("SELECT count(*) FROM absurd.tasks WHERE status = 'cancelled'")
        .parse()
        .unwrap();
    assert!(
        cancelled > 0 && cancelled < 60,
        "stopped mid-way: {cancelled}"
    );
    assert_eq!(report["changed"], cancelled, "{report}");
    assert_eq!(
        db.psql(
            "SELECT l.affected || ' ' || (SELECT sum(b.affected) FROM absurd.audit_batches b
                                           WHERE b.run_id = l.run_id)
               FROM absurd.audit_log l WHERE command = 'cancel'"
        ),
        format!("{cancelled} {cancelled}"),
        "the run's row and its batches' records add up to what changed"
    );
}

/// A run of many batches is one line of `audit`, with its total, and its
/// batches' records add up to it; a run killed before its own row (here:
/// only its batch records) still shows, as unfinished.
#[tokio::test]
async fn audit_shows_one_line_per_run_also_unfinished_ones() {
    let db = TestDb::migrated().await;
    db.seed(vec![task(); 7]);
    db.cli(&["cancel", "--yes", "--all", "--batch-size", "2"])
        .assert_success();
    assert_eq!(
        db.psql(
            "SELECT count(*) || ' ' || sum(b.affected) FROM absurd.audit_batches b
               JOIN absurd.audit_log l USING (run_id) WHERE l.command = 'cancel'"
        ),
        "4 7",
        "four batches, recorded with the run's row"
    );
    db.psql(
        "INSERT INTO absurd.audit_batches (run_id, command, queue_name, affected)
         VALUES ('00000000-0000-4000-8000-000000000001', 'retry-failed', 'dsa110-pipeline', 3),
                ('00000000-0000-4000-8000-000000000001', 'retry-failed', 'dsa110-pipeline', 2)",
    );

    let rows = db.cli(&["--output", "json", "audit"]).json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["command"], "retry-failed");
    assert_eq!(rows[0]["affected"], 5);
    assert_eq!(rows[0]["unfinished"], true);
    assert_eq!(rows[0]["audit_id"], serde_json::Value::Null);
    assert_eq!(rows[1]["command"], "cancel");
    assert_eq!(rows[1]["affected"], 7);
    assert_eq!(rows[1]["unfinished"], false);
    let table = db.cli(&["audit"]);
    table.assert_success();
    assert!(table.stdout.contains("5 (unfinished run)"), "{table}");
}

#[tokio::test]
async fn a_change_with_no_filter_needs_all_and_a_dry_run_does_not() {
    let db = TestDb::migrated().await;
    load_grid(&db).await;
    let before = db.tasks_checksum();
    for (cmd, _) in variants() {
        let mut args = cmd.clone();
        args.push("--yes");
        let out = db.cli(&args);
        out.assert_code(2);
        assert!(
            out.stderr
                .contains("with no filter would change every task of queue"),
            "{out}"
        );
        assert!(out.stderr.contains("--all"), "{out}");
        assert!(out.stderr.contains("nothing was changed"), "{out}");
        // --limit and --all-queues widen or cap; they are no filter.
        let mut capped = args.clone();
        capped.extend(["--limit", "1", "--all-queues"]);
        db.cli(&capped).assert_code(2);
        let mut dry = cmd.clone();
        dry.push("--dry-run");
        db.cli(&dry).assert_success();
    }
    assert_eq!(before, db.tasks_checksum(), "nothing changed");
    assert_eq!(
        db.psql("SELECT count(*) FROM absurd.audit_log WHERE NOT dry_run"),
        "0"
    );
    // With --all, the whole queue: every cancellable task is cancelled.
    let out = db.cli(&["-o", "json", "cancel", "--yes", "--all"]);
    out.assert_success();
    assert!(out.json()["changed"].as_i64().unwrap() > 0, "{out}");
    assert_eq!(
        db.psql(&format!(
            "SELECT count(*) FROM absurd.tasks WHERE queue_name = '{Q}' AND status = 'pending'"
        )),
        "0"
    );
}

/// Runbook 003's force-fail: pending, retrying and running tasks (one held
/// by a legacy Python worker) straight to failed, however many attempts they
/// have left, the reason as their error, the running attempt closed with it,
/// and the legacy worker's late result refused; a prefix names a task.
#[tokio::test]
async fn fail_sends_waiting_and_running_tasks_to_the_dead_letters_with_the_reason() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let id = |out: CliOutput| out.stdout.trim().parse::<TaskId>().unwrap();
    let running = id(db.cli(&["spawn", "--task-name", "imaging", "--priority", "9"]));
    let waiting = id(db.cli(&["spawn", "--task-name", "imaging"]));
    let legacy = db.psql(&format!(
        "SELECT task_id FROM absurd.claim_task('{Q}', 'python-worker-1')"
    ));
    assert_eq!(legacy, running.to_string());
    let retrying = db.seed_one(
        task()
            .name("calibration-solve")
            .status("retrying")
            .attempt(1)
            .error("timeout talking to casa"),
    );
    let done = db.seed_one(task().name("imaging").status("completed"));
    let bystander = db.seed_one(task().name("imaging"));
    let reason = "hung in CASA since 02:10, ticket 412";
    let prefix = &waiting.to_string()[..8];
    // The preview says who runs a running task, and when it was last heard of.
    let dry = db.cli(&[
        "fail",
        "--reason",
        reason,
        "--id",
        &running.to_string(),
        "--dry-run",
    ]);
    dry.assert_success();
    assert!(dry.stdout.contains("python-worker-1"), "{dry}");
    assert!(dry.stdout.contains("heartbeat"), "{dry}");

    let out = db.cli(&[
        "--output",
        "json",
        "fail",
        "--reason",
        reason,
        "--id",
        prefix,
        "--id",
        &running.to_string(),
        "--id",
        &retrying.to_string(),
        "--id",
        &done.to_string(),
        "--yes",
    ]);
    out.assert_success();
    let report = out.json();
    assert_eq!(report["changed"], 3, "{out}");
    assert_eq!(report["action"], "fail");
    assert_eq!(report["reason"], reason);
    assert_eq!(
        report["running_on_legacy_workers"], 1,
        "the Python worker is not stopped: the report says so"
    );

    for t in [running, waiting, TaskId(retrying)] {
        let t = tasks::get(&pool, t).await.unwrap();
        assert_eq!(t.status, TaskStatus::Failed, "{t:?}");
        assert_eq!(t.error.as_deref(), Some(reason));
        assert!(t.completed_at.is_some());
        assert!(t.attempt < t.max_retries, "attempts left, and no retry");
    }
    assert_eq!(
        db.psql(&format!(
            "SELECT count(*) FROM absurd.tasks WHERE awaiting_retry AND task_id IN \
             ('{running}', '{waiting}', '{retrying}')"
        )),
        "0"
    );
    assert_eq!(
        tasks::get(&pool, TaskId(done)).await.unwrap().status,
        TaskStatus::Completed
    );
    assert_eq!(
        tasks::get(&pool, TaskId(bystander)).await.unwrap().status,
        TaskStatus::Pending
    );

    // The running attempt ended, outcome failed, by this run.
    let audit_id = report["audit_id"].as_i64().unwrap();
    assert_eq!(
        db.psql(&format!(
            "SELECT outcome || '|' || error || '|' || absurd.audit_id_of_run(ended_by_run_id)
               FROM absurd.task_attempts WHERE task_id = '{running}'"
        )),
        format!("failed|{reason}|{audit_id}")
    );
    // The legacy worker is told to stop, and what it sends late changes nothing.
    let heartbeat: bool = sqlx::query_scalar("SELECT absurd.heartbeat_task($1)")
        .bind(running)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!heartbeat, "the legacy heartbeat says stop");
    let completed: bool = sqlx::query_scalar("SELECT absurd.complete_task($1, $2::jsonb)")
        .bind(running)
        .bind(serde_json::json!({"image": "x.fits"}))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!completed, "the legacy complete_task returns false");
    let t = tasks::get(&pool, running).await.unwrap();
    assert_eq!(t.status, TaskStatus::Failed);
    assert!(t.result.is_none());

    let rows = db.cli(&["--output", "json", "audit"]).json();
    assert_eq!(rows[0]["command"], "fail");
    assert_eq!(rows[0]["affected"], 3);
    assert_eq!(rows[0]["details"]["reason"], reason);
    let table = db.cli(&["audit"]);
    assert!(table.stdout.contains("reason"), "{table}");
    assert!(table.stdout.contains("hung in CASA"), "{table}");
    // Failed tasks are dead letters: retry-failed replays them.
    let out = db.cli(&["-o", "json", "retry", "--error-like", "ticket 412", "--yes"]);
    out.assert_success();
    assert_eq!(out.json()["changed"], 3, "{out}");
}

/// A running handler of `absurdctl worker` is stopped when its task is
/// force-failed, and the task stays failed with the reason.
#[tokio::test]
async fn fail_stops_the_running_handler_of_an_absurdctl_worker() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let dir = tempdir();
    let handler = dir.script(
        "long.sh",
        r#"echo $$ > "$DIR/$ABSURD_TASK_ID.pid"
sleep 1000
echo '{"finished": true}'"#,
    );
    let id = db.seed_one(task().queue("fq").name("imaging"));
    let mut worker = Background::start(absurdctl_command(&[
        "--database-url",
        &db.url,
        "--queue",
        "fq",
        "worker",
        "run",
        "--max-tasks",
        "1",
        "--heartbeat-interval",
        "200ms",
        "--kill-grace",
        "1s",
        "--output",
        "json",
        "--",
        &handler,
    ]));
    let pid: i32 = dir
        .wait_for(&format!("{id}.pid"), Duration::from_secs(15))
        .parse()
        .unwrap();
    let out = db.cli(&[
        "--queue",
        "fq",
        "fail",
        "--id",
        &id.to_string(),
        "--reason",
        "stuck",
        "--yes",
    ]);
    out.assert_success();
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains("1 of them was running under `absurdctl worker`"),
        "{out}"
    );
    assert!(!said.contains("legacy Python worker"), "{out}");
    let ended = worker.wait(Duration::from_secs(20));
    ended.assert_code(0);
    let waited = Instant::now();
    while !process_gone(pid) {
        assert!(
            waited.elapsed() < Duration::from_secs(10),
            "the handler (pid {pid}) is still running"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let t = tasks::get(&pool, TaskId(id)).await.unwrap();
    assert_eq!(t.status, TaskStatus::Failed);
    assert_eq!(t.error.as_deref(), Some("stuck"));
    assert!(t.result.is_none());
}

/// `cancel --reason` is kept in the tasks' error and in the audit row; the
/// audit view shows the reason, and drain's filter (its queue).
#[tokio::test]
async fn cancel_and_drain_reasons_are_kept_and_shown_in_the_audit() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let id = db.seed_one(task().name("validation"));
    db.cli(&[
        "cancel",
        "--task-name",
        "validation",
        "--reason",
        "superseded by reprocessing",
        "--yes",
    ])
    .assert_success();
    let t = tasks::get(&pool, TaskId(id)).await.unwrap();
    assert_eq!(t.status, TaskStatus::Cancelled);
    assert_eq!(
        t.error.as_deref(),
        Some("Cancelled by absurdctl: superseded by reprocessing")
    );
    db.cli(&["drain", "--no-wait", "--reason", "disk swap", "--yes"])
        .assert_success();

    let rows = db.cli(&["--output", "json", "audit"]).json();
    assert_eq!(rows[0]["command"], "drain");
    assert_eq!(rows[0]["filter"]["queue"], Q);
    assert_eq!(rows[1]["command"], "cancel");
    assert_eq!(rows[1]["details"]["reason"], "superseded by reprocessing");
    let table = db.cli(&["audit"]);
    table.assert_success();
    let line = |cmd: &str| {
        table
            .stdout
            .lines()
            .find(|l| l.contains(cmd))
            .unwrap_or_else(|| panic!("no {cmd} line: {table}"))
            .to_string()
    };
    assert!(line("drain").contains(&format!("queue={Q}")), "{table}");
    assert!(line("drain").contains("disk swap"), "{table}");
    assert!(
        line("cancel").contains("superseded by reprocessing"),
        "{table}"
    );
}
