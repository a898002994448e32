//! The deployment kit in deploy/, each part checked with its ecosystem's
//! own tool: promtool for the alert rules, systemd-analyze for the units,
//! cargo-deb and dpkg-deb for the package; the dashboard and the rules
//! against the metrics a real exporter emits; the Nagios commands run.
//! A tool missing on this machine skips its test with a message (CI
//! installs them all: .ci/run).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Whether `tool` runs here; if not, says which test it skips.
fn have(tool: &str, args: &[&str], test: &str) -> bool {
    let ok = Command::new(tool)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        // CI installs every tool and sets this, so that nothing is skipped there.
        assert!(
            std::env::var_os("ABSURDCTL_REQUIRE_TOOLS").is_none(),
            "{test}: `{tool}` is missing though ABSURDCTL_REQUIRE_TOOLS is set"
        );
        eprintln!("SKIPPED {test}: `{tool}` is not installed here (CI installs it: .ci/run)");
    }
    ok
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

const RULES: &str = "deploy/prometheus/absurd-alerts.yml";
const RULE_TESTS: &str = "deploy/prometheus/absurd-alerts.test.yml";
const DASHBOARD: &str = "deploy/grafana/absurd.json";

/// The alert names of the rules file.
fn alerts() -> Vec<String> {
    read(RULES)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- alert: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn alert_rules_pass_promtool_check_and_their_unit_tests() {
    if !have("promtool", &["--version"], "alert rules") {
        return;
    }
    let checked = run_ok(
        Command::new("promtool")
            .args(["check", "rules"])
            .arg(repo(RULES)),
    );
    assert!(
        checked.contains(&format!("SUCCESS: {} rules found", alerts().len())),
        "{checked}"
    );
    let config = run_ok(
        Command::new("promtool")
            .args(["check", "config"])
            .arg(repo("deploy/prometheus/prometheus.yml")),
    );
    assert!(config.contains("SUCCESS: 1 rule files found"), "{config}");
    let tested = run_ok(
        Command::new("promtool")
            .args(["test", "rules", "absurd-alerts.test.yml"])
            .current_dir(repo("deploy/prometheus")),
    );
    assert!(tested.contains("SUCCESS"), "{tested}");
}

#[test]
fn every_rule_has_a_test_firing_and_one_not_and_says_what_to_do() {
    let tests = read(RULE_TESTS);
    let lines: Vec<&str> = tests.lines().map(str::trim).collect();
    let readme = read("README.md");
    for alert in alerts() {
        let mut fires = false;
        let mut silent = false;
        for (i, l) in lines.iter().enumerate() {
            if *l == format!("alertname: {alert}") {
                match lines.get(i + 1) {
                    Some(&"exp_alerts: []") => silent = true,
                    Some(&"exp_alerts:") => fires = true,
                    other => panic!("{alert}: unexpected {other:?}"),
                }
            }
        }
        assert!(fires && silent, "{alert}: fires {fires}, silent {silent}");
        assert!(
            readme.contains(&format!("`{alert}`")),
            "README's \"Alerts: what to do\" has no row for {alert}"
        );
    }
    let rules = read(RULES);
    let n = alerts().len();
    for key in ["summary:", "description:", "runbook_url:"] {
        assert_eq!(rules.matches(key).count(), n, "every rule has a {key}");
    }
    // The runbook link is the README section that says what to do.
    assert_eq!(rules.matches("README.md#alerts-what-to-do\"").count(), n);
    assert!(readme.contains("\n### Alerts: what to do\n"));
}

/// Metric names a PromQL text (or any text) names: `absurd_*` ones.
fn absurd_metrics(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("absurd_") {
        let before_ok = rest[..at]
            .chars()
            .last()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
        let name: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if before_ok {
            found.insert(name.clone());
        }
        rest = &rest[at + name.len()..];
    }
    found
}

/// The families an exporter emits: over a queue where every family has a
/// sample, and over a database it cannot reach (absurd_up 0 and the error).
async fn exported_families() -> BTreeSet<String> {
    let db = TestDb::migrated().await;
    let t = factory::task;
    db.seed([
        t().created(ago(mins(20))).available(ago(mins(20))),
        t().status("completed")
            .worker("w-1")
            .created(ago(mins(30)))
            .claimed(ago(mins(25)))
            .completed(ago(mins(20)))
            .wait_time_sec(300.0)
            .execution_time_sec(300.0),
        t().status("failed")
            .attempt(3)
            .worker("w-1")
            .created(ago(mins(30)))
            .claimed(ago(mins(25)))
            .completed(ago(mins(20)))
            .error("boom")
            .wait_time_sec(300.0)
            .execution_time_sec(300.0),
        t().status("claimed")
            .worker("py-legacy-1")
            .created(ago(mins(2)))
            .claimed(ago(mins(1)))
            .heartbeat(ago(secs(5))),
    ]);
    db.psql("ANALYZE absurd.tasks");
    let up = db.cli(&["exporter", "--once"]);
    up.assert_success();
    let down = absurdctl(&[
        "--database-url",
        "postgres://nobody@127.0.0.1:1/x",
        "--connect-timeout",
        "2s",
        "exporter",
        "--once",
    ]);
    down.assert_code(3);
    format!("{}{}", up.stdout, down.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_dashboard_and_the_rules_name_only_metrics_the_exporter_emits() {
    let exported = exported_families().await;
    let dashboard: serde_json::Value = serde_json::from_str(&read(DASHBOARD)).unwrap();
    assert_eq!(dashboard["uid"], "absurd-queue");
    assert!(
        dashboard.get("id").is_none(),
        "a provisioned dashboard has no id"
    );
    let vars = dashboard["templating"]["list"].as_array().unwrap();
    assert!(vars
        .iter()
        .any(|v| v["type"] == "datasource" && v["name"] == "datasource"));
    let mut exprs = Vec::new();
    for v in vars.iter().filter(|v| v["type"] == "query") {
        exprs.push(v["definition"].as_str().unwrap().to_string());
    }
    let mut ids = BTreeSet::new();
    for p in dashboard["panels"].as_array().unwrap() {
        assert!(
            ids.insert(p["id"].as_i64().unwrap()),
            "panel ids are unique"
        );
        if p["type"] == "row" {
            continue;
        }
        assert_eq!(p["datasource"]["uid"], "${datasource}", "{}", p["title"]);
        let targets = p["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "{}", p["title"]);
        for t in targets {
            exprs.push(t["expr"].as_str().unwrap().to_string());
        }
    }
    let used = absurd_metrics(&exprs.join("\n"));
    // The panels the issue asks for: backlog and its states, inflow and
    // outflow, success ratio, wait and run percentiles, workers, stuck, pause.
    for m in [
        "absurd_backlog_tasks",
        "absurd_tasks_created",
        "absurd_completed_per_second",
        "absurd_success_ratio",
        "absurd_wait_seconds",
        "absurd_run_seconds",
        "absurd_workers_live",
        "absurd_tasks_stuck",
        "absurd_queue_paused",
    ] {
        assert!(used.contains(m), "the dashboard shows no {m}");
    }
    let missing: Vec<_> = used.difference(&exported).collect();
    assert!(
        missing.is_empty(),
        "the dashboard names metrics the exporter does not emit: {missing:?}\n(emitted: {exported:?})"
    );
    let ruled = absurd_metrics(&read(RULES));
    let missing: Vec<_> = ruled.difference(&exported).collect();
    assert!(
        missing.is_empty(),
        "the alert rules name metrics the exporter does not emit: {missing:?}"
    );
}

const UNITS: &[&str] = &[
    "absurd-worker@.service",
    "absurdctl-exporter.service",
    "absurdctl-reap.service",
    "absurdctl-reap.timer",
    "absurdctl-vacuum.service",
    "absurdctl-vacuum.timer",
];

#[test]
fn systemd_units_are_hardened_and_pass_systemd_analyze_verify() {
    let listed: BTreeSet<String> = std::fs::read_dir(repo("deploy/systemd"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".service") || n.ends_with(".timer"))
        .collect();
    assert_eq!(
        listed,
        UNITS.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>()
    );
    for unit in UNITS.iter().filter(|u| u.ends_with(".service")) {
        let text = read(&format!("deploy/systemd/{unit}"));
        for line in [
            "NoNewPrivileges=yes",
            "PrivateTmp=yes",
            "EnvironmentFile=/etc/absurdctl/absurdctl.env",
        ] {
            assert!(text.contains(&format!("\n{line}\n")), "{unit}: no {line}");
        }
        assert!(
            text.contains("\nProtectSystem="),
            "{unit}: no ProtectSystem"
        );
        assert!(text.contains("/usr/bin/absurdctl "), "{unit}");
    }
    for timer in UNITS.iter().filter(|u| u.ends_with(".timer")) {
        let service = timer.replace(".timer", ".service");
        assert!(UNITS.contains(&service.as_str()), "{timer} starts nothing");
    }
    if !have("systemd-analyze", &["--version"], "systemd-analyze verify") {
        return;
    }
    // The units as installed, but with this build's binary at
    // /usr/bin/absurdctl (verify checks that ExecStart is executable) and
    // this tree's man pages (it checks Documentation=man:...).
    let scratch = Scratch::new("units");
    let units = scratch.path("system");
    let man1 = scratch.path("man/man1");
    std::fs::create_dir_all(&units).unwrap();
    std::fs::create_dir_all(&man1).unwrap();
    for unit in UNITS {
        let text = read(&format!("deploy/systemd/{unit}"))
            .replace("/usr/bin/absurdctl", env!("CARGO_BIN_EXE_absurdctl"));
        std::fs::write(units.join(unit), text).unwrap();
    }
    for page in std::fs::read_dir(repo("man")).unwrap() {
        let page = page.unwrap().path();
        std::fs::copy(&page, man1.join(page.file_name().unwrap())).unwrap();
    }
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .args(UNITS.iter().map(|u| units.join(u)))
        .env("MANPATH", scratch.path("man"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "systemd-analyze verify:\n{stderr}");
    // Nothing said about our units (warnings exit 0 too).
    for unit in UNITS {
        let stem = unit.trim_end_matches(".service").trim_end_matches(".timer");
        assert!(!stderr.contains(stem), "systemd-analyze verify:\n{stderr}");
    }
}

#[tokio::test]
async fn the_nagios_commands_run_as_defined() {
    let db = TestDb::migrated().await;
    db.seed([factory::task()]);
    let scratch = Scratch::new("nagios");
    let url_file = scratch.path("absurd-db-url");
    std::fs::write(&url_file, &db.url).unwrap();
    std::fs::set_permissions(
        &url_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let cfg = read("deploy/nagios/absurdctl.cfg");
    let commands: Vec<&str> = cfg
        .lines()
        .filter_map(|l| l.trim().strip_prefix("command_line"))
        .map(str::trim)
        .collect();
    assert_eq!(commands.len(), 3, "{cfg}");
    for command in commands {
        let line = command
            .replace("/usr/bin/absurdctl", env!("CARGO_BIN_EXE_absurdctl"))
            .replace("/etc/nagios/absurd-db-url", url_file.to_str().unwrap())
            .replace("'$ARG1$'", "dsa110-pipeline")
            .replace("$ARG1$", "")
            .replace("$ARG2$", "");
        let out = Command::new("sh").args(["-c", &line]).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        // A pending task and no worker: WARNING or CRITICAL, never UNKNOWN
        // nor a usage error (which exits 2 too, with nothing on stdout).
        let code = out.status.code().unwrap();
        assert!(
            (1..=2).contains(&code) && !stderr.contains("error:"),
            "{line}: exit {code}\n{stdout}{stderr}"
        );
        if line.contains(" status ") {
            assert!(
                stdout.starts_with("ABSURD WARNING - ") || stdout.starts_with("ABSURD CRITICAL - "),
                "{line}:\n{stdout}"
            );
            assert!(stdout.contains("'round_trip'="), "{stdout}");
        } else {
            assert!(stdout.contains("workers"), "{line}:\n{stdout}");
        }
    }
}

#[test]
fn the_debian_package_holds_the_binary_man_pages_completions_units_and_env_file() {
    if !have("dpkg-deb", &["--version"], "debian package") {
        return;
    }
    // CI builds the release package first (.ci/run) and names it here;
    // otherwise package this test build's binary (cargo deb --no-build).
    let scratch = Scratch::new("deb");
    let deb = match std::env::var_os("ABSURDCTL_DEB") {
        Some(deb) => PathBuf::from(deb),
        None => {
            if !have("cargo", &["deb", "--version"], "debian package") {
                return;
            }
            let deb = scratch.path("absurdctl.deb");
            run_ok(
                Command::new(env!("CARGO"))
                    .args(["deb", "--no-build", "--profile", "dev", "--output"])
                    .arg(&deb)
                    .current_dir(repo(".")),
            );
            deb
        }
    };
    let listing = run_ok(Command::new("dpkg-deb").arg("-c").arg(&deb));
    let files: BTreeSet<&str> = listing
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .collect();
    let mut want = vec![
        "./usr/bin/absurdctl".to_string(),
        "./usr/share/bash-completion/completions/absurdctl".into(),
        "./usr/share/zsh/vendor-completions/_absurdctl".into(),
        "./usr/share/fish/vendor_completions.d/absurdctl.fish".into(),
        "./etc/absurdctl/absurdctl.env".into(),
        "./usr/share/absurdctl/prometheus/absurd-alerts.yml".into(),
        "./usr/share/absurdctl/grafana/absurd.json".into(),
        "./usr/share/absurdctl/nagios/absurdctl.cfg".into(),
    ];
    for page in std::fs::read_dir(repo("man")).unwrap() {
        let name = page.unwrap().file_name().to_string_lossy().into_owned();
        want.push(format!("./usr/share/man/man1/{name}.gz"));
    }
    for unit in UNITS {
        want.push(format!("./lib/systemd/system/{unit}"));
    }
    for w in &want {
        assert!(
            files.contains(w.as_str()),
            "{} lacks {w}:\n{listing}",
            deb.display()
        );
    }
    // The environment file is a conffile: an upgrade keeps the operator's URL.
    let conffiles = run_ok(
        Command::new("dpkg-deb")
            .args(["-I"])
            .arg(&deb)
            .arg("conffiles"),
    );
    assert!(
        conffiles.contains("/etc/absurdctl/absurdctl.env"),
        "{conffiles}"
    );
}
