//! Every command in the README's runbook table exists with the flags shown:
//! each one is parsed by the real command definition.

use std::path::Path;

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
    for row in section.lines().filter(|l| l.starts_with('|')) {
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
