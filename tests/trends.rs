//! `trends`: every bucket equals a hand-written SQL count over the same
//! rows (a queue of known tasks spread over hours and days and task names,
//! with their attempts in the history), by hour, day and minute, per task
//! name and for a few; CSV agrees with JSON; the terminal view fits 80
//! columns; bad input changes nothing.

mod common;

use common::*;
use serde_json::Value;

const Q: &str = "trends-q";
const NAMES: [&str; 3] = ["imaging", "calibration", "validation"];

/// Tasks of every status over the last ~40 hours, three task names, some
/// retried; a few created days ago and finished in the window (backlog
/// unwinding); another queue's rows that must not count; and their attempts
/// in the history, with a running task's early row (its output) that must
/// not count twice.
fn seed(db: &TestDb) {
    let statuses = [
        "completed",
        "completed",
        "failed",
        "cancelled",
        "pending",
        "claimed",
        "completed",
        "retrying",
    ];
    let mut rows = Vec::new();
    for i in 0..96u64 {
        let name = NAMES[(i % 3) as usize];
        let status = statuses[(i % 8) as usize];
        let created_ago = 25.0 * 60.0 * i as f64 + 90.0;
        let created = ago(secs(0)).plus(-created_ago);
        let wait = 30.0 + (i % 7) as f64 * 45.0;
        let run = 60.0 + (i % 5) as f64 * 300.0;
        let attempt = if i % 4 == 0 { 2 } else { 1 };
        let mut t = task()
            .queue(Q)
            .name(name)
            .status(status)
            .created(created)
            .attempt(attempt);
        match status {
            "completed" | "failed" => {
                // Never in the future: the last tasks finish just before now.
                let end = (created_ago - wait - run).max(5.0);
                t = t
                    .claimed(created.plus(wait))
                    .completed(ago(secs(0)).plus(-end))
                    .wait_time_sec(wait)
                    .execution_time_sec(run);
            }
            "cancelled" => t = t.completed(created.plus(wait)),
            "claimed" => {
                let claimed = (created_ago - wait).max(10.0);
                t = t
                    .claimed(ago(secs(0)).plus(-claimed))
                    .heartbeat(NOW)
                    .worker("w-1");
            }
            _ => t = t.attempt(0),
        }
        rows.push(t);
    }
    // Created before any window, finished within it.
    for d in 2..6u64 {
        rows.push(
            task()
                .queue(Q)
                .name("imaging")
                .status("completed")
                .created(ago(days(d)))
                .claimed(ago(hours(d * 3)))
                .completed(ago(hours(d * 3 - 1)))
                .attempt(1)
                .wait_time_sec(1.0)
                .execution_time_sec(3600.0),
        );
        rows.push(
            task()
                .queue(Q)
                .name("validation")
                .status("pending")
                .created(ago(days(d))),
        );
    }
    for i in 0..10u64 {
        rows.push(
            task()
                .queue("other-q")
                .name("imaging")
                .status("completed")
                .created(ago(hours(i)))
                .claimed(ago(hours(i)).plus(1.0))
                .completed(ago(hours(i)).plus(2.0))
                .attempt(1),
        );
    }
    db.seed(rows);
    db.psql(
        "INSERT INTO absurd.task_attempts
                (task_id, attempt, queue_name, task_name, claimed_at, ended_at, outcome)
         SELECT task_id, attempt, queue_name, task_name, claimed_at, completed_at, status
           FROM absurd.tasks WHERE status IN ('completed', 'failed') AND claimed_at IS NOT NULL;
         INSERT INTO absurd.task_attempts
                (task_id, attempt, queue_name, task_name, claimed_at, ended_at, outcome)
         SELECT task_id, attempt - 1, queue_name, task_name,
                claimed_at - interval '50 minutes', claimed_at - interval '40 minutes', 'failed'
           FROM absurd.tasks WHERE attempt > 1 AND claimed_at IS NOT NULL;
         INSERT INTO absurd.task_attempts
                (task_id, attempt, queue_name, task_name, claimed_at, progress)
         SELECT task_id, attempt, queue_name, task_name, claimed_at, 0.5
           FROM absurd.tasks WHERE status = 'claimed' AND queue_name = 'trends-q';",
    );
}

fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The buckets of `series` by hand: plain counts over the rows, bucket by
/// bucket, with the definitions README gives.
fn hand_counts(db: &TestDb, series: &Value, names: &[String]) -> Vec<Vec<String>> {
    let buckets = series["buckets"].as_array().unwrap();
    let values: Vec<String> = buckets
        .iter()
        .enumerate()
        .map(|(i, b)| {
            format!(
                "({i}, {}::timestamptz, {}::timestamptz)",
                sql_text(b["start"].as_str().unwrap()),
                sql_text(b["end"].as_str().unwrap())
            )
        })
        .collect();
    let names = if names.is_empty() {
        "true".to_string()
    } else {
        format!(
            "task_name IN ({})",
            names
                .iter()
                .map(|n| sql_text(n))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let t = format!(
        "FROM absurd.tasks WHERE queue_name = {} AND {names}",
        sql_text(Q)
    );
    let a = format!(
        "FROM absurd.task_attempts WHERE queue_name = {} AND {names}",
        sql_text(Q)
    );
    let fin = "completed_at >= b.s AND completed_at < b.e";
    let pct = |p: &str, col: &str| {
        format!(
            "(SELECT round(percentile_cont({p}) WITHIN GROUP (ORDER BY {col})::numeric, 6) {t} \
             AND status IN ('completed', 'failed') AND {fin})"
        )
    };
    let sql = format!(
        "SELECT (SELECT count(*) {t} AND created_at >= b.s AND created_at < b.e),
                (SELECT count(*) {a} AND ended_at IS NOT NULL AND claimed_at >= b.s AND claimed_at < b.e)
                + (SELECT count(*) {t} AND status = 'claimed' AND claimed_at >= b.s AND claimed_at < b.e),
                (SELECT count(*) {a} AND ended_at IS NOT NULL AND attempt > 1
                    AND claimed_at >= b.s AND claimed_at < b.e)
                + (SELECT count(*) {t} AND status = 'claimed' AND attempt > 1
                    AND claimed_at >= b.s AND claimed_at < b.e),
                (SELECT count(*) {t} AND status = 'completed' AND {fin}),
                (SELECT count(*) {t} AND status = 'failed' AND {fin}),
                (SELECT count(*) {t} AND status = 'cancelled' AND {fin}),
                (SELECT count(*) {t} AND created_at < b.e
                    AND NOT (status IN ('completed', 'failed', 'cancelled') AND completed_at < b.e)),
                {}, {}, {}, {}
           FROM (VALUES {}) b(i, s, e) ORDER BY b.i",
        pct("0.5", "wait_time_sec"),
        pct("0.95", "wait_time_sec"),
        pct("0.5", "execution_time_sec"),
        pct("0.95", "execution_time_sec"),
        values.join(", ")
    );
    db.psql(&sql)
        .lines()
        .map(|l| l.split('|').map(str::to_string).collect())
        .collect()
}

/// A bucket of `trends -o json` as the hand query prints it.
fn as_row(b: &Value) -> Vec<String> {
    let n = |k: &str| b[k].as_i64().unwrap().to_string();
    let p = |k: &str| match b[k].as_f64() {
        Some(v) => format!("{:.6}", (v * 1e6).round() / 1e6),
        None => String::new(),
    };
    vec![
        n("created"),
        n("started"),
        n("retried"),
        n("completed"),
        n("failed"),
        n("cancelled"),
        n("backlog"),
        p("wait_p50_sec"),
        p("wait_p95_sec"),
        p("run_p50_sec"),
        p("run_p95_sec"),
    ]
}

/// Runs trends, then checks every bucket of every series by hand.
fn check(db: &TestDb, args: &[&str], filter: &[&str]) -> Value {
    let mut full = vec!["--queue", Q, "trends", "-o", "json"];
    full.extend_from_slice(args);
    let out = db.cli(&full);
    out.assert_success();
    let doc = out.json();
    let mut active = 0;
    for series in doc["series"].as_array().unwrap() {
        let names: Vec<String> = match series["task_name"].as_str() {
            Some(n) => vec![n.to_string()],
            None => filter.iter().map(|s| s.to_string()).collect(),
        };
        let want = hand_counts(db, series, &names);
        let got: Vec<Vec<String>> = series["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(as_row)
            .collect();
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "bucket {i} of {names:?} ({args:?})");
        }
        active += got
            .iter()
            .filter(|r| r[..6].iter().any(|v| v != "0"))
            .count();
        for b in series["buckets"].as_array().unwrap() {
            let (c, f) = (
                b["completed"].as_f64().unwrap(),
                b["failed"].as_f64().unwrap(),
            );
            match b["success_rate"].as_f64() {
                Some(r) => assert!((r - c / (c + f)).abs() < 1e-9),
                None => assert_eq!(c + f, 0.0),
            }
        }
    }
    // The rows were spread so that the window is not empty.
    assert!(active > 0, "no activity found: {doc}");
    doc
}

#[tokio::test]
async fn hourly_buckets_equal_hand_written_counts() {
    let db = TestDb::migrated().await;
    seed(&db);
    let doc = check(&db, &[], &[]);
    assert_eq!(doc["by"], "hour");
    assert_eq!(doc["bucket_sec"], 3600);
    let series = doc["series"].as_array().unwrap();
    assert_eq!(series.len(), 1);
    assert_eq!(series[0]["task_name"], Value::Null);
    assert_eq!(series[0]["buckets"].as_array().unwrap().len(), 24);
    // Another queue's tasks are not counted; backlog moves.
    let buckets = series[0]["buckets"].as_array().unwrap();
    let backlogs: std::collections::BTreeSet<i64> = buckets
        .iter()
        .map(|b| b["backlog"].as_i64().unwrap())
        .collect();
    assert!(backlogs.len() > 1, "backlog never changes: {backlogs:?}");
}

#[tokio::test]
async fn daily_and_minute_buckets_equal_hand_written_counts() {
    let db = TestDb::migrated().await;
    seed(&db);
    let doc = check(&db, &["--by", "day", "--since", "7d"], &[]);
    assert_eq!(doc["series"][0]["buckets"].as_array().unwrap().len(), 7);
    let doc = check(&db, &["--by", "minute", "--since", "3h"], &[]);
    assert_eq!(doc["series"][0]["buckets"].as_array().unwrap().len(), 180);
}

#[tokio::test]
async fn task_name_and_by_task_equal_hand_written_counts() {
    let db = TestDb::migrated().await;
    seed(&db);
    let doc = check(
        &db,
        &["--task-name", "calibration", "--since", "2d"],
        &["calibration"],
    );
    assert_eq!(doc["task_names"], serde_json::json!(["calibration"]));
    check(
        &db,
        &["--task-name", "imaging", "--task-name", "validation"],
        &["imaging", "validation"],
    );
    let doc = check(&db, &["--by-task", "--since", "2d"], &[]);
    let names: Vec<&str> = doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["task_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["calibration", "imaging", "validation"]);
}

#[tokio::test]
async fn csv_has_a_row_per_bucket_with_the_json_values() {
    let db = TestDb::migrated().await;
    seed(&db);
    let json = db
        .cli(&["--queue", Q, "trends", "--by-task", "-o", "json"])
        .json();
    let out = db.cli(&["--queue", Q, "trends", "--by-task", "-o", "csv"]);
    out.assert_success();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "task_name,bucket_start,bucket_end,created,started,retried,completed,failed,\
         cancelled,backlog,wait_p50_sec,wait_p95_sec,run_p50_sec,run_p95_sec,success_rate"
    );
    let mut want = Vec::new();
    for s in json["series"].as_array().unwrap() {
        for b in s["buckets"].as_array().unwrap() {
            want.push((
                s["task_name"].as_str().unwrap().to_string(),
                b["created"].as_i64().unwrap(),
                b["completed"].as_i64().unwrap(),
                b["backlog"].as_i64().unwrap(),
            ));
        }
    }
    let got: Vec<(String, i64, i64, i64)> = lines[1..]
        .iter()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 15, "{l}");
            (
                f[0].to_string(),
                f[3].parse().unwrap(),
                f[6].parse().unwrap(),
                f[9].parse().unwrap(),
            )
        })
        .collect();
    // The hour may have turned between the two runs: compare the counts that
    // cannot move with it only when both windows start alike.
    if json["window_start"].as_str().unwrap()
        == lines[1].split(',').nth(1).unwrap().replace("+00:00", "Z")
    {
        assert_eq!(got, want);
    } else {
        assert_eq!(got.len(), want.len());
    }
}

#[tokio::test]
async fn terminal_view_fits_80_columns() {
    let db = TestDb::migrated().await;
    seed(&db);
    for args in [
        vec!["--queue", Q, "trends"],
        vec![
            "--queue",
            Q,
            "trends",
            "--by-task",
            "--by",
            "day",
            "--since",
            "3d",
        ],
    ] {
        let mut full = vec!["--database-url", db.url.as_str()];
        full.extend_from_slice(&args);
        let out = absurdctl_command(&full)
            .env("COLUMNS", "80")
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "wider than 80: {line:?}");
        }
        assert!(text.contains('█'), "no bar:\n{text}");
        assert!(text.contains("backlog"), "{text}");
    }
    // One line per bucket (24 by hour) under the title and the header.
    let mut full = vec!["--database-url", db.url.as_str()];
    full.extend_from_slice(&["--queue", Q, "trends"]);
    let out = absurdctl_command(&full)
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 26);
    // Wider terminals get more columns.
    let out = absurdctl_command(&full)
        .env("COLUMNS", "160")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("run95"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 160));
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let db = TestDb::migrated().await;
    seed(&db);
    let before = db.tasks_checksum();
    for (args, want) in [
        (vec!["trends", "--by", "week"], "--by"),
        (vec!["trends", "--since", "soon"], "--since"),
        (
            vec!["trends", "--by", "minute", "--since", "30d"],
            "buckets",
        ),
        (vec!["trends", "--task-name", ""], "must not be empty"),
        (vec!["trends", "-o", "prometheus"], "prometheus"),
        (vec!["errors", "-o", "csv"], "csv"),
        (vec!["status", "-o", "csv"], "csv"),
    ] {
        let out = db.cli(&args);
        out.assert_code(2);
        assert!(out.stderr.contains(want), "{args:?}: {out}");
        assert!(out.stdout.is_empty(), "{args:?}: {out}");
    }
    assert_eq!(db.tasks_checksum(), before);
}
