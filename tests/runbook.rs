//! Every command in the README's runbook table exists with the flags shown:
//! each one is parsed by the real command definition; some rows also run
//! against a database and do what the runbook meant on known rows.

mod common;

use std::path::Path;

use common::*;

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
