//! Every command in the README's runbook table exists with the flags shown
//! (each one is parsed by the real command definition), and runs, as
//! written, against known rows and does what its row says
//! (`every_runbook_row_runs_and_does_what_it_says`).

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use serde_json::Value;

/// Splits a command line like a shell would for these simple cases: quotes
/// group words, `$(...)` stands for one word.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut depth = 0;
    let mut started = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, '$') if chars.peek() == Some(&'(') => {
                depth += 1;
                cur.push(c);
                started = true;
            }
            (None, ')') if depth > 0 => {
                depth -= 1;
                cur.push(c);
            }
            (None, c) if c.is_whitespace() && depth == 0 => {
                if started {
                    out.push(std::mem::take(&mut cur));
                    started = false;
                }
            }
            (None, c) => {
                cur.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(cur);
    }
    out
}

/// The `absurdctl ...` commands in the "now" column of the runbook table.
fn runbook_commands() -> Vec<String> {
    runbook_rows("")
}

/// The `absurdctl ...` commands of the rows whose scenario contains `scenario`.
fn runbook_rows(scenario: &str) -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("## Runbook → command")
        .nth(1)
        .expect("README has a runbook section")
        .split("\n## ")
        .next()
        .unwrap();
    let mut commands = Vec::new();
    for row in section
        .lines()
        .filter(|l| l.starts_with('|'))
        .filter(|l| l.split('|').nth(1).is_some_and(|c| c.contains(scenario)))
    {
        let now = row.trim_end_matches('|').rsplit('|').next().unwrap_or("");
        for (i, part) in now.split('`').enumerate() {
            if i % 2 == 1 && part.starts_with("absurdctl ") {
                commands.push(part.to_string());
            }
        }
    }
    commands
}

#[test]
fn every_runbook_command_parses() {
    let commands = runbook_commands();
    assert!(
        commands.len() >= 20,
        "found only {} commands",
        commands.len()
    );
    let mut bad = Vec::new();
    for line in &commands {
        // Placeholders and host paths of the runbook stand for values that
        // exist here.
        let args: Vec<String> = words(line)
            .into_iter()
            .map(|w| match w.as_str() {
                "TASK_ID" => "0b6e6f3c-8a1e-4f4e-9a55-0d2d8c1f2a10".to_string(),
                "/data" | "/stage" => std::env::temp_dir().display().to_string(),
                _ => w,
            })
            .collect();
        if let Err(e) = absurdctl::docs::command().try_get_matches_from(&args) {
            bad.push(format!(
                "{line}\n  {}",
                e.to_string().lines().next().unwrap_or("")
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "runbook commands that do not parse:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_runbook_table_covers_the_scenarios() {
    let commands = runbook_commands().join("\n");
    for cmd in [
        "tasks list",
        "tasks show",
        "errors",
        "retry-failed",
        "status",
        "prioritize",
        "cancel",
        "fail",
        "drain",
        "resume",
        "reap-stuck",
        "preflight",
        "vacuum",
        "worker run",
        "spawn",
        "bench",
        "audit",
        "migrate",
        "workers",
        "workers stop",
        "workers prune",
        "wait",
    ] {
        assert!(
            commands.contains(&format!("absurdctl {cmd}")),
            "no runbook row uses `absurdctl {cmd}`"
        );
    }
}

#[test]
fn words_split_like_a_shell() {
    assert_eq!(
        words(r#"absurdctl spawn --params '{"a": 1}' --x $(date +%F).gz"#),
        vec![
            "absurdctl",
            "spawn",
            "--params",
            r#"{"a": 1}"#,
            "--x",
            "$(date +%F).gz"
        ]
    );
}

const Q: &str = "dsa110-pipeline";

/// A runbook row's command as arguments, its placeholders replaced, with
/// `extra` after it (`--yes`, `-o json`: what a script adds).
fn args_of(line: &str, subst: &[(&str, String)], extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = words(line)
        .into_iter()
        .skip(1)
        .map(|w| {
            subst
                .iter()
                .find(|(k, _)| w == *k || (k.ends_with('/') && w.starts_with(k)))
                .map(|(_, v)| v.clone())
                .unwrap_or(w)
        })
        .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn run(db: &TestDb, line: &str, subst: &[(&str, String)], extra: &[&str]) -> CliOutput {
    let args = args_of(line, subst, extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    db.cli(&args)
}

fn count(db: &TestDb, filter: &str) -> i64 {
    db.psql(&format!("SELECT count(*) FROM absurd.tasks WHERE {filter}"))
        .parse()
        .unwrap()
}

fn failed(name: &str, attempt: i32, error: &str, finished: At) -> TaskSeed {
    task()
        .name(name)
        .status("failed")
        .attempt(attempt)
        .max_retries(attempt)
        .error(error)
        .created(finished.plus(-60.0))
        .completed(finished)
}

fn claimed(worker: &str, since: At) -> TaskSeed {
    task()
        .status("claimed")
        .attempt(1)
        .worker(worker)
        .claimed(since)
        .heartbeat(since)
}

fn completed(name: &str, finished: At) -> TaskSeed {
    task()
        .name(name)
        .status("completed")
        .attempt(1)
        .created(finished.plus(-120.0))
        .claimed(finished.plus(-60.0))
        .completed(finished)
}

/// A worker handler that prints to both streams.
fn handler(dir: &Scratch) -> String {
    dir.script(
        "run-task",
        "cat > /dev/null; echo 'flagged 2 antennas' >&2; echo '{\"images\": 1}'",
    )
}

/// `worker run` of the default queue in the background, logging JSON.
fn start_worker(db: &TestDb, dir: &Scratch, extra: &[&str]) -> Background {
    let h = handler(dir);
    let mut args = vec!["--database-url", db.url.as_str(), "worker", "run"];
    args.extend_from_slice(&["--log-format", "json", "--worker-id", "lxd110h17-1"]);
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--", h.as_str()]);
    Background::start(absurdctl_command(&args))
}

/// Runs one runbook row against a database seeded for it and asserts its
/// effect on the rows (and its exit code).
async fn check_row(line: &str, dir: &Scratch) {
    let db = if line == "absurdctl migrate" {
        TestDb::empty().await
    } else {
        TestDb::migrated().await
    };
    let none: &[(&str, String)] = &[];
    match line {
        "absurdctl tasks list --status failed --limit 10" => {
            db.seed_series(12, &failed("imaging", 3, "boom", ago(hours(1))));
            db.seed_series(3, &task());
            let out = run(&db, line, none, &["-o", "json"]);
            out.assert_success();
            let rows = out.json();
            let rows = rows.as_array().unwrap();
            assert_eq!(rows.len(), 10, "{out}");
            assert!(rows.iter().all(|r| r["status"] == "failed"), "{out}");
            assert!(out.stderr.contains("10 of 12 shown"), "{out}");
        }
        "absurdctl tasks show TASK_ID" => {
            let id = db.seed_one(failed("calibration-solve", 2, "casa: table not found", ago(hours(2))));
            let out = run(&db, line, &[("TASK_ID", id.to_string())], &["-o", "json"]);
            out.assert_success();
            let t = out.json();
            assert_eq!(t["task_id"], id.to_string().as_str());
            assert_eq!(t["error"], "casa: table not found");
            assert_eq!(t["attempt"], 2);
        }
        "absurdctl errors --since 24h" => {
            for (n, h) in [(1, 1), (2, 5), (3, 20)] {
                db.seed_one(failed("calibration-solve", 3, &format!("casa: table /data/x{n} not found"), ago(hours(h))));
            }
            db.seed_one(failed("calibration-solve", 3, "casa: table /data/old not found", ago(days(3))));
            db.seed_one(failed("imaging", 3, "out of memory", ago(hours(1))));
            let out = run(&db, line, none, &["-o", "json"]);
            out.assert_success();
            let report = out.json();
            assert_eq!(report["tasks"], 4, "the one of 3 days ago is out: {out}");
            let groups = report["groups"].as_array().unwrap();
            assert_eq!(groups.len(), 2, "{out}");
            assert_eq!(groups[0]["count"], 3, "{out}");
            assert_eq!(groups[0]["pattern"], "casa: table <path> not found", "{out}");
        }
        "absurdctl retry-failed --task-name calibration-solve --dry-run" => {
            db.seed_series(2, &failed("calibration-solve", 3, "boom", ago(hours(1))));
            db.seed_one(failed("imaging", 3, "boom", ago(hours(1))));
            let before = db.tasks_checksum();
            let out = run(&db, line, none, &["-o", "json"]);
            out.assert_success();
            assert_eq!(db.tasks_checksum(), before, "a dry run changes nothing");
            let report = out.json();
            assert_eq!((&report["selected"], &report["changed"]), (&2.into(), &0.into()), "{out}");
            assert_eq!(
                db.psql("SELECT count(*) || ' ' || bool_and(dry_run) FROM absurd.audit_log"),
                "1 true",
                "the dry run is recorded"
            );
        }
        "absurdctl retry-failed --attempts-below 3" => {
            // Runbook 001: reset failed records with retry count < 3.
            let retried: Vec<_> = [1, 2]
                .iter()
                .map(|&a| db.seed_one(failed("imaging", a, "boom", ago(days(2)))))
                .collect();
            db.seed_one(failed("imaging", 3, "boom", ago(days(2))));
            db.seed_one(failed("imaging", 5, "boom", ago(hours(1))));
            run(&db, line, none, &["--yes"]).assert_success();
            assert_eq!(count(&db, "status = 'failed'"), 2);
            for id in retried {
                assert_eq!(count(&db, &format!("task_id = '{id}' AND status = 'pending'")), 1);
            }
            assert_eq!(count(&db, "status = 'failed' AND attempt < 3"), 0);
        }
        "absurdctl status" => {
            db.seed_series(5, &task());
            db.seed_one(claimed("lxd110h17-1", NOW));
            db.seed_one(failed("imaging", 3, "boom", ago(hours(1))));
            db.seed_one(completed("imaging", ago(mins(10))));
            let out = run(&db, line, none, &["-o", "json"]);
            out.assert_success();
            let q = &out.json()["queues"][0];
            assert_eq!(
                (&q["pending"], &q["claimed"], &q["failed"], &q["completed_1h"], &q["created_24h"]),
                (&5.into(), &1.into(), &1.into(), &1.into(), &8.into()),
                "{out}"
            );
            let text = run(&db, line, none, &[]);
            text.assert_success();
            assert!(text.stdout.contains("5 pending"), "{text}");
        }
        "absurdctl status --watch 5" => {
            db.seed_series(3, &task());
            let args = args_of(line, none, &[]);
            let mut full = vec!["--database-url", db.url.as_str()];
            full.extend(args.iter().map(String::as_str));
            let mut watch = Background::start(absurdctl_command(&full));
            std::thread::sleep(Duration::from_secs(2));
            watch.signal(libc::SIGINT);
            let out = watch.wait(Duration::from_secs(20));
            out.assert_code(130);
            assert!(out.stdout.contains("backlog      3 (3 pending"), "{out}");
        }
        "absurdctl status --headroom 50" => {
            db.seed_series(4, &task());
            let out = run(&db, line, none, &["-o", "json"]);
            out.assert_success();
            let report = out.json();
            assert_eq!(report["thresholds"]["headroom_percent"], 50.0, "{out}");
            assert_eq!(report["queues"][0]["backlog"], 4, "{out}");
        }
        "absurdctl status --check --rate-warn 50 --rate-crit 10 --min-workers 1" => {
            // Tasks ready and no worker: critical.
            db.seed_series(3, &task());
            let out = run(&db, line, none, &[]);
            out.assert_code(2);
            assert!(out.stdout.starts_with("ABSURD CRITICAL"), "{out}");
            assert!(out.stdout.contains("0 live workers"), "{out}");
        }
        "absurdctl tasks logs TASK_ID" => {
            let id = db.seed_one(task().name("calibration-solve"));
            let ended = start_worker(&db, dir, &["--exit-when-empty"]).wait(Duration::from_secs(30));
            ended.assert_success();
            let out = run(&db, line, &[("TASK_ID", id.to_string())], &[]);
            out.assert_success();
            assert!(out.stdout.contains("flagged 2 antennas"), "{out}");
            assert!(out.stdout.contains("\"images\": 1"), "{out}");
        }
        "absurdctl errors --attempts" => {
            // An attempt failed, and the task then completed: only the
            // history remembers it.
            let id = db.seed_one(claimed("lxd110h17-1", ago(mins(5))));
            db.psql(&format!(
                "UPDATE absurd.tasks SET status = 'pending', worker_id = NULL, error = 'exit 137: killed'
                  WHERE task_id = '{id}'"
            ));
            db.psql(&format!(
                "UPDATE absurd.tasks SET status = 'completed', completed_at = now(), error = NULL
                  WHERE task_id = '{id}'"
            ));
            let out = run(&db, line, none, &["-o", "json"]);
            out.assert_success();
            let report = out.json();
            assert_eq!(report["attempts"], true, "{out}");
            assert_eq!(report["groups"][0]["count"], 1, "{out}");
            assert!(report["groups"][0]["example_error"].as_str().unwrap().contains("137"), "{out}");
        }
        "absurdctl trends" | "absurdctl trends --by day --since 30d" | "absurdctl trends --by-task" => {
            for h in [1, 2, 2] {
                db.seed_one(completed("imaging", ago(hours(h))));
            }
            db.seed_one(completed("calibration-solve", ago(hours(3))));
            db.seed_one(completed("imaging", ago(days(3))));
            let out = run(&db, line, none, &["-o", "json"]);
            out.assert_success();
            let report = out.json();
            let series = report["series"].as_array().unwrap();
            let done = |s: &Value| -> i64 {
                s["buckets"].as_array().unwrap().iter().map(|b| b["completed"].as_i64().unwrap()).sum()
            };
            match line {
                "absurdctl trends" => {
                    assert_eq!(report["by"], "hour");
                    assert_eq!(done(&series[0]), 4, "3 days ago is out of 24 h: {out}");
                }
                "absurdctl trends --by-task" => {
                    let of = |n: &str| series.iter().find(|s| s["task_name"] == n).map(done);
                    assert_eq!((of("imaging"), of("calibration-solve")), (Some(3), Some(1)), "{out}");
                }
                _ => {
                    assert_eq!(report["by"], "day");
                    assert_eq!(done(&series[0]), 5, "{out}");
                }
            }
        }
        "absurdctl prioritize --priority 100 --task-name calibration-solve" => {
            db.seed_series(2, &task().name("calibration-solve"));
            db.seed_one(task().name("imaging"));
            db.seed_one(claimed("lxd110h17-1", NOW).name("calibration-solve"));
            run(&db, line, none, &["--yes"]).assert_success();
            assert_eq!(count(&db, "priority = 100"), 2);
            assert_eq!(count(&db, "priority = 100 AND (task_name <> 'calibration-solve' OR status <> 'pending')"), 0);
        }
        l if l.starts_with("absurdctl cancel --task-name validation") => {
            db.seed_series(2, &task().name("validation"));
            db.seed_one(claimed("lxd110h17-1", NOW).name("validation"));
            db.seed_one(task().name("imaging"));
            run(&db, line, none, &["--yes"]).assert_success();
            assert_eq!(count(&db, "status = 'cancelled'"), 2);
            assert_eq!(count(&db, "status = 'cancelled' AND task_name <> 'validation'"), 0);
            assert_eq!(count(&db, "status = 'claimed'"), 1, "running tasks go on");
            if l.contains("--reason") {
                assert_eq!(
                    count(&db, "status = 'cancelled' AND error LIKE '%backlog over 500, validation deferred%'"),
                    2,
                    "the reason is kept"
                );
            }
        }
        "absurdctl top" => {
            // Its screens are tests/top.rs's (through tmux); from a script,
            // with no terminal, it refuses and points to the watch.
            db.seed_series(3, &task());
            let out = run(&db, line, none, &[]);
            out.assert_code(2);
            assert!(out.stderr.contains("status --watch"), "{out}");
        }
        "absurdctl tasks list --sort failed_at --since 24h" => {
            let recent = db.seed_one(failed("imaging", 3, "boom", ago(hours(1))));
            let older = db.seed_one(failed("imaging", 3, "boom", ago(hours(5))));
            db.seed_one(failed("imaging", 3, "boom", ago(hours(30))));
            db.seed_one(task());
            let out = run(&db, line, none, &["-o", "json"]);
            out.assert_success();
            let ids: Vec<String> = out
                .json()
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["task_id"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(ids, [recent.to_string(), older.to_string()], "the last day's failures, latest first");
        }
        l if l.starts_with("absurdctl fail --id TASK_ID") => {
            let stuck = db.seed_one(claimed("lxd110h17-1", ago(hours(3))).name("imaging"));
            db.seed_one(claimed("lxd110h18-1", ago(hours(3))).name("imaging"));
            run(&db, line, &[("TASK_ID", stuck.to_string())], &["--yes"]).assert_success();
            assert_eq!(
                count(&db, &format!("task_id = '{stuck}' AND status = 'failed' AND error = 'Execution stuck, manually failed by operator'")),
                1
            );
            assert_eq!(count(&db, "status = 'claimed'"), 1, "only the task named");
        }
        "absurdctl wait --backlog-below 20 --timeout 2h" => {
            // Runbook 000: the daemon stopped, the workers drained the
            // queue to 19: time to start it again.
            db.seed_series(19, &task());
            db.seed_one(claimed("lxd110h17-1", NOW));
            let before = db.tasks_checksum();
            let out = run(&db, line, none, &[]);
            out.assert_success();
            assert!(out.stdout.contains("backlog 19"), "{out}");
            assert_eq!(db.tasks_checksum(), before);
            db.seed_one(task());
            let out = run(&db, "absurdctl wait --backlog-below 20 --timeout 1s", none, &["--interval", "200ms"]);
            out.assert_code(6);
        }
        "absurdctl drain --reason \"maintenance\" --timeout 2h" => {
            db.seed_series(3, &task());
            let out = run(&db, line, none, &["--yes"]);
            out.assert_success();
            assert_eq!(
                db.psql("SELECT paused || ' ' || pause_reason FROM absurd.queue_controls"),
                "true maintenance"
            );
            let claimed: i64 = db.psql(&format!("SELECT count(*) FROM absurd.claim_task('{Q}', 'py-1')")).parse().unwrap();
            assert_eq!(claimed, 0, "a drained queue hands out nothing");
            assert_eq!(count(&db, "status = 'pending'"), 3);
        }
        "absurdctl resume" => {
            db.seed_series(2, &task());
            db.cli(&["drain", "--yes", "--no-wait"]).assert_success();
            run(&db, line, none, &["--yes"]).assert_success();
            assert_eq!(db.psql("SELECT paused FROM absurd.queue_controls"), "f");
            let claimed: i64 = db.psql(&format!("SELECT count(*) FROM absurd.claim_task('{Q}', 'py-1')")).parse().unwrap();
            assert_eq!(claimed, 1);
        }
        "absurdctl reap-stuck --dry-run" | "absurdctl reap-stuck" => {
            let stuck = db.seed_one(claimed("lxd110h17-1", ago(hours(1))).max_retries(3));
            let live = db.seed_one(claimed("lxd110h17-2", NOW));
            let before = db.tasks_checksum();
            let out = run(&db, line, none, &["-o", "json"]);
            out.assert_success();
            if line.ends_with("--dry-run") {
                assert_eq!(db.tasks_checksum(), before, "{out}");
                assert!(out.stdout.contains(&stuck.to_string()), "{out}");
            } else {
                assert_eq!(count(&db, &format!("task_id = '{stuck}' AND status = 'pending' AND worker_id IS NULL")), 1, "{out}");
                assert_eq!(count(&db, &format!("task_id = '{live}' AND status = 'claimed'")), 1);
            }
        }
        "absurdctl workers" | "absurdctl workers stop ID" => {
            db.seed_series(200, &task());
            let mut w = start_worker(&db, dir, &["--concurrency", "1"]);
            w.wait_for_named("worker_started", Duration::from_secs(20));
            if line == "absurdctl workers" {
                let out = run(&db, line, none, &[]);
                out.assert_success();
                assert!(out.stdout.contains("lxd110h17-1"), "{out}");
                w.signal(libc::SIGTERM);
                w.wait(Duration::from_secs(30)).assert_success();
            } else {
                run(&db, line, &[("ID", "lxd110h17-1".into())], &["--yes"]).assert_success();
                let ended = w.wait(Duration::from_secs(30));
                ended.assert_success();
                assert_eq!(
                    db.psql("SELECT status FROM absurd.worker_registry WHERE worker_id = 'lxd110h17-1'"),
                    "stopped"
                );
                assert_eq!(count(&db, "status = 'claimed'"), 0, "it finished what it held");
            }
        }
        "absurdctl workers prune --older-than 7d" => {
            db.psql(
                "INSERT INTO absurd.worker_registry (worker_id, queue_name, hostname, status, last_seen_at, stopped_at) VALUES
                   ('old-stopped', 'dsa110-pipeline', 'n1', 'stopped', now() - interval '9 days', now() - interval '9 days'),
                   ('new-stopped', 'dsa110-pipeline', 'n1', 'stopped', now() - interval '1 day', now() - interval '1 day')",
            );
            run(&db, line, none, &["--yes"]).assert_success();
            assert_eq!(db.psql("SELECT string_agg(worker_id, ',') FROM absurd.worker_registry"), "new-stopped");
        }
        "absurdctl preflight --min-workers 4 --disk /data --disk /stage" => {
            db.seed_series(3, &task());
            let tmp = std::env::temp_dir().display().to_string();
            let out = run(&db, line, &[("/data", tmp.clone()), ("/stage", tmp)], &[]);
            out.assert_code(2);
            assert!(out.stdout.contains("FAIL"), "no worker of 4 wanted: {out}");
        }
        "absurdctl preflight" => {
            db.seed_series(3, &task());
            let mut w = start_worker(&db, dir, &["--poll-interval", "1s"]);
            w.wait_for_named("worker_started", Duration::from_secs(20));
            let out = run(&db, line, none, &[]);
            w.signal(libc::SIGTERM);
            w.wait(Duration::from_secs(30));
            assert!(
                out.code == Some(0) || out.code == Some(1),
                "a live worker and a small backlog pass (or warn): {out}"
            );
        }
        "absurdctl vacuum --all-queues" => {
            for q in [Q, "mosaic"] {
                db.seed_one(completed("imaging", ago(days(31))).queue(q));
                db.seed_one(completed("imaging", ago(days(1))).queue(q));
            }
            run(&db, line, none, &["--yes"]).assert_success();
            assert_eq!(count(&db, "true"), 2);
            assert_eq!(count(&db, "completed_at < now() - interval '30 days'"), 0);
        }
        "absurdctl vacuum --analyze-only" => {
            db.seed_one(completed("imaging", ago(days(31))));
            let before = db.tasks_checksum();
            run(&db, line, none, &[]).assert_success();
            assert_eq!(db.tasks_checksum(), before);
            assert_eq!(db.psql("SELECT details->>'analyze_only' FROM absurd.audit_log"), "true");
        }
        "absurdctl vacuum --completed-older-than 30d --archive /backup/absurd-$(date +%F).jsonl.gz" => {
            let old = db.seed_one(completed("imaging", ago(days(31))));
            db.seed_one(completed("imaging", ago(days(29))));
            let archive = dir.path("absurd-today.jsonl.gz");
            let out = run(&db, line, &[("/backup/", archive.display().to_string())], &["--yes"]);
            out.assert_success();
            assert_eq!(count(&db, "true"), 1);
            let mut text = String::new();
            use std::io::Read;
            flate2::read::MultiGzDecoder::new(std::fs::File::open(&archive).unwrap())
                .read_to_string(&mut text)
                .unwrap();
            assert_eq!(text.lines().count(), 1);
            assert!(text.contains(&old.to_string()));
        }
        "absurdctl vacuum --failed-older-than 7d --attempts-at-least 5" => {
            db.seed_one(failed("imaging", 5, "boom", ago(days(8))));
            let kept = db.seed_one(failed("imaging", 4, "boom", ago(days(8))));
            let recent = db.seed_one(failed("imaging", 6, "boom", ago(days(6))));
            run(&db, line, none, &["--yes"]).assert_success();
            let left: Vec<String> = db.psql("SELECT task_id FROM absurd.tasks ORDER BY task_id").lines().map(str::to_string).collect();
            let mut want = vec![kept.to_string(), recent.to_string()];
            want.sort();
            assert_eq!(left, want);
        }
        "absurdctl status --check" => {
            db.seed_series(2, &task());
            let mut w = start_worker(&db, dir, &["--exit-when-empty"]);
            let ended = w.wait(Duration::from_secs(30));
            ended.assert_success();
            // Nothing left to do, and done well.
            let out = run(&db, line, none, &[]);
            assert!(out.stdout.starts_with("ABSURD "), "{out}");
            assert!(out.stdout.contains("'backlog'=0"), "{out}");
        }
        "absurdctl status --output prometheus" => {
            db.seed_series(3, &task().name("imaging"));
            let out = run(&db, line, none, &[]);
            out.assert_success();
            assert!(
                out.stdout.contains(r#"absurd_tasks{queue="dsa110-pipeline",task_name="imaging",status="pending"} 3"#),
                "{out}"
            );
        }
        "absurdctl worker run -- /opt/dsa110/bin/run-task" => {
            db.seed_series(3, &task());
            let h = handler(dir);
            let mut args = args_of(line, &[("/opt/dsa110/bin/run-task", h)], &[]);
            // Unattended here: it stops once the queue is empty.
            args.insert(2, "--exit-when-empty".into());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            db.cli(&args).assert_success();
            assert_eq!(count(&db, "status = 'completed' AND result = '{\"images\": 1}'"), 3);
        }
        "absurdctl spawn --task-name imaging --params '{\"group\": \"...\"}'" => {
            let out = run(&db, line, none, &["-o", "json"]);
            out.assert_success();
            let id = out.json()["task_id"].as_str().unwrap().to_string();
            assert_eq!(
                db.psql(&format!("SELECT task_name || ' ' || status || ' ' || (params->>'group') FROM absurd.tasks WHERE task_id = '{id}'")),
                "imaging pending ..."
            );
        }
        "absurdctl bench" => {
            db.seed_series(3, &task());
            let before = db.tasks_checksum();
            // Small, for a test: it measures, it does not load.
            let out = run(&db, line, none, &["--yes", "--tasks", "20", "--samples", "2", "--workers", "1", "-o", "json"]);
            out.assert_success();
            assert_eq!(db.tasks_checksum(), before, "the queues' rows are untouched, its own gone: {out}");
        }
        "absurdctl audit" => {
            db.seed_series(2, &task().name("validation"));
            db.cli(&["cancel", "--task-name", "validation", "--yes"]).assert_success();
            let out = run(&db, line, none, &["-o", "json"]);
            out.assert_success();
            let rows = out.json();
            let row = &rows.as_array().unwrap()[0];
            assert_eq!(row["command"], "cancel", "{out}");
            assert_eq!(row["affected"], 2, "{out}");
        }
        "absurdctl migrate" => {
            run(&db, line, none, &[]).assert_success();
            assert_eq!(db.psql("SELECT to_regclass('absurd.tasks') IS NOT NULL"), "t");
            db.cli(&["migrate", "--check"]).assert_success();
        }
        _ => panic!("README's runbook row `{line}` has no scenario in tests/runbook.rs: add one"),
    }
}

#[tokio::test]
async fn every_runbook_row_runs_and_does_what_it_says() {
    let dir = Scratch::new("absurdctl-runbook");
    let mut seen = std::collections::BTreeSet::new();
    for line in runbook_commands() {
        if seen.insert(line.clone()) {
            check_row(&line, &dir).await;
        }
    }
}

/// The row's commands as a script runs them: `TASK_ID` is `id`, and `extra`
/// (`--yes`, `--output json`) follows.
fn run_row(db: &TestDb, scenario: &str, id: &str, extra: &[&str]) -> Vec<CliOutput> {
    let rows = runbook_rows(scenario);
    assert!(!rows.is_empty(), "no runbook row for {scenario:?}");
    rows.iter()
        .map(|line| {
            let mut args: Vec<String> = words(line)
                .into_iter()
                .skip(1)
                .map(|w| if w == "TASK_ID" { id.to_string() } else { w })
                .collect();
            args.extend(extra.iter().map(|s| s.to_string()));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            db.cli(&args)
        })
        .collect()
}

/// 003's force-fail, the last-resort cancel and "view failed tasks" (recent
/// failures first), run as README writes them, on known rows.
#[tokio::test]
async fn the_force_fail_cancel_and_failed_tasks_rows_do_what_the_runbooks_mean() {
    let db = TestDb::migrated().await;
    let stuck = db.seed_one(
        task()
            .name("imaging")
            .status("claimed")
            .worker("lxd110h17-1a2b3c4d"),
    );
    let other = db.seed_one(
        task()
            .name("imaging")
            .status("claimed")
            .worker("lxd110h18-1a2b3c4d"),
    );
    let out = run_row(&db, "Force Complete Stuck", &stuck.to_string(), &["--yes"]);
    out[0].assert_success();
    assert_eq!(
        db.psql(&format!(
            "SELECT status || '|' || error FROM absurd.tasks WHERE task_id = '{stuck}'"
        )),
        "failed|Execution stuck, manually failed by operator"
    );
    assert_eq!(
        db.psql(&format!(
            "SELECT status FROM absurd.tasks WHERE task_id = '{other}'"
        )),
        "claimed",
        "only the task named"
    );

    let validation = db.seed(vec![task().name("validation"); 3]);
    let imaging = db.seed_one(task().name("imaging"));
    for out in run_row(&db, "Cancel Low-Priority", "", &["--yes"]) {
        out.assert_success();
    }
    assert_eq!(
        db.psql(
            "SELECT count(*) FROM absurd.tasks WHERE task_name = 'validation' \
             AND status = 'cancelled' AND error LIKE 'Cancelled by absurdctl: %'"
        ),
        validation.len().to_string()
    );
    assert_eq!(
        db.psql(&format!(
            "SELECT status FROM absurd.tasks WHERE task_id = '{imaging}'"
        )),
        "pending"
    );

    let old_failure = db.seed_one(
        task()
            .status("failed")
            .created(ago(mins(5)))
            .completed(ago(hours(30))),
    );
    let outs = run_row(&db, "view failed tasks", "", &["--output", "json"]);
    let ids: Vec<Vec<String>> = outs
        .iter()
        .map(|o| {
            o.assert_success();
            o.json()
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["task_id"].as_str().unwrap().to_string())
                .collect()
        })
        .collect();
    assert_eq!(
        ids,
        [
            vec![stuck.to_string(), old_failure.to_string()],
            vec![stuck.to_string()],
        ],
        "every failed task newest first; then the last 24 h's failures, latest first"
    );
}
