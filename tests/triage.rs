//! The triage flow and the flags' one vocabulary: `errors` groups one cause
//! however its numbers are written (but tells exit codes apart) and prints
//! the `retry-failed` command that retries exactly that cause in its window;
//! the same words mean the same thing in every command.

mod common;

use common::*;

fn failed(name: &str, error: &str, at: At) -> TaskSeed {
    task()
        .name(name)
        .status("failed")
        .error(error)
        .created(at.plus(-60.0))
        .completed(at)
}

#[tokio::test]
async fn errors_prints_the_command_that_retries_exactly_that_cause() {
    let db = TestDb::migrated().await;
    let ids = db.seed([
        // One cause, its durations written two ways: one group of 3.
        failed("imaging", "tclean timed out after 3h 2m 1s", ago(mins(20))),
        failed("imaging", "tclean timed out after 2m 1s", ago(mins(40))),
        failed("imaging", "tclean timed out after 45s", ago(hours(2))),
        // Exit codes are causes: two groups.
        failed("imaging", "handler exited with exit code 137", ago(mins(5))),
        failed("imaging", "handler exited with exit code 1", ago(mins(6))),
        // The same cause before the window: not retried.
        failed("imaging", "tclean timed out after 9m 9s", ago(days(3))),
        // Another task name, the same cause in the window: not asked for.
        failed(
            "mosaic-build",
            "tclean timed out after 1m 1s",
            ago(mins(10)),
        ),
        // An IP address is one thing, not <n>.<n>.
        failed(
            "imaging",
            "connection to 10.0.0.5:5432 refused",
            ago(mins(7)),
        ),
    ]);
    let out = db.cli(&["-o", "json", "errors", "--task-name", "imaging"]);
    out.assert_success();
    let report = out.json();
    let groups = report["groups"].as_array().unwrap();
    let patterns: Vec<&str> = groups
        .iter()
        .map(|g| g["pattern"].as_str().unwrap())
        .collect();
    assert_eq!(
        patterns,
        vec![
            "tclean timed out after <duration>",
            "handler exited with exit code 137",
            "handler exited with exit code 1",
            "connection to <ip>:<n> refused",
        ],
        "{report:#}"
    );
    assert_eq!(groups[0]["count"], 3);
    let cmd = groups[0]["retry_command"].as_str().unwrap().to_string();
    assert_eq!(
        cmd,
        "absurdctl retry-failed --since 1d --task-name imaging --error-pattern 'tclean timed out after <duration>'"
    );

    // The table says it too.
    let table = db.cli(&["errors", "--task-name", "imaging"]);
    assert!(table.stdout.contains(&cmd), "{table}");

    // Run it (as the shell would split it): exactly the three are retried.
    let words = shlex_split(&cmd);
    let mut args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    args.push("--yes");
    db.cli(&args).assert_success();
    let pending = db.psql(
        "SELECT string_agg(task_id::text, ',' ORDER BY task_id) FROM absurd.tasks WHERE status = 'pending'",
    );
    let mut want: Vec<String> = ids[..3].iter().map(|i| i.to_string()).collect();
    want.sort();
    assert_eq!(pending.trim(), want.join(","));
}

/// Splits a command as a POSIX shell does (single quotes only, as the
/// printed commands use).
fn shlex_split(cmd: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in cmd.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    words.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        words.push(word);
    }
    words
}

#[tokio::test]
async fn one_vocabulary_of_flags_and_durations() {
    let db = TestDb::migrated().await;
    let running = db.seed_one(
        task()
            .status("claimed")
            .worker("w-1")
            .heartbeat(NOW)
            .claimed(ago(hours(3))),
    );
    db.seed_one(task().created(ago(days(100))));

    // `status` says running; --status takes the word.
    let list = db.cli(&["-o", "json", "tasks", "list", "--status", "running"]);
    list.assert_success();
    let rows = list.json();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows:#}");
    assert_eq!(rows[0]["task_id"], running.to_string());

    // reap-stuck's age is a claim age, named so; the old name still works.
    for flag in ["--claimed-longer-than", "--older-than"] {
        let out = db.cli(&["-o", "json", "reap-stuck", flag, "2h", "--dry-run"]);
        out.assert_success();
        let reaped = &out.json()["queues"][0]["reaped"];
        assert_eq!(reaped.as_array().map(|a| a.len()), Some(1), "{flag}: {out}");
    }

    // Durations are written back as they are typed, in JSON and the audit.
    let out = db.cli(&["-o", "json", "cancel", "--older-than", "90d", "--dry-run"]);
    assert_eq!(out.json()["filter"]["older_than"], "90d", "{out}");
    let audit = db.cli(&["audit"]);
    assert!(audit.stdout.contains("90d"), "{audit}");
    assert!(!audit.stdout.contains("months"), "{audit}");

    // --watch takes a duration as every other interval does.
    let mut child = absurdctl_command(&["--database-url", &db.url, "status", "--watch", "5s"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    signal(child.id() as i32, libc::SIGINT);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "a refused --watch 5s exits 2");
}
