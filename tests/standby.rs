//! Reads from a hot standby: a real primary and a streaming replica made by
//! `pg_basebackup -R`, the read-only commands pointed at the replica with
//! --read-url giving the primary's figures and the replica's lag, writes
//! still going to the primary, and a write pointed at the replica refused.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// The directory of the PostgreSQL binaries that has pg_basebackup (as
/// scripts/pg-throwaway.sh finds initdb).
fn bindir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("PG_BINDIR") {
        return Some(PathBuf::from(d));
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|d| d.join("pg_basebackup").is_file())
        .collect();
    // The newest version (the primary's, as the script picks it).
    dirs.sort_by_key(|d| {
        d.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
    });
    dirs.pop()
}

fn is_root() -> bool {
    // SAFETY: getuid has no preconditions.
    unsafe { libc::getuid() == 0 }
}

/// A command run as the `postgres` OS user when we are root (PostgreSQL
/// refuses root), as scripts/pg-throwaway.sh does.
fn as_owner(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// A primary and its streaming standby; both clusters are stopped and
/// removed when it drops, also when the test fails (the standby first).
struct Pair {
    standby: PgCluster,
    primary: PgCluster,
}

impl Pair {
    /// None (the test skips) when pg_basebackup is missing, unless
    /// ABSURDCTL_REQUIRE_TOOLS says CI has it.
    fn start() -> Option<Pair> {
        let Some(bin) = bindir() else {
            assert!(
                std::env::var_os("ABSURDCTL_REQUIRE_TOOLS").is_none(),
                "pg_basebackup is missing though ABSURDCTL_REQUIRE_TOOLS is set"
            );
            eprintln!("standby: skipped, no pg_basebackup (apt-get install postgresql)");
            return None;
        };
        // PostgreSQL 15's defaults stream: wal_level replica,
        // max_wal_senders 10, and initdb -A trust lets replication in.
        let primary = PgCluster::start();
        let port = std::fs::read_to_string(primary.dir.join("port")).unwrap();
        let dir = std::env::temp_dir().join(format!(
            "absurdctl-standby-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        // Owned by the pair from here on, so that a failure cleans it up.
        let mut pair = Pair {
            standby: PgCluster {
                dir: dir.clone(),
                url: String::new(),
            },
            primary,
        };
        if is_root() {
            let out = Command::new("chown")
                .args(["postgres"])
                .arg(&dir)
                .output()
                .unwrap();
            assert!(out.status.success(), "chown: {out:?}");
        }
        let out = as_owner(&bin.join("pg_basebackup"))
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-R", "-X", "stream", "-c", "fast", "-h", "127.0.0.1"])
            .args(["-p", port.trim(), "-U", "postgres"])
            .output()
            .expect("run pg_basebackup");
        assert!(
            out.status.success(),
            "pg_basebackup: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The script finds a data directory and only starts it, on a port of its own.
        let out =
            Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-throwaway.sh"))
                .arg("start")
                .arg(&dir)
                .output()
                .unwrap();
        assert!(
            out.status.success(),
            "starting the standby: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pair.standby.url = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert_eq!(
            psql_stdin(&pair.standby.url, "SELECT pg_is_in_recovery()"),
            "t"
        );
        Some(pair)
    }

    /// Waits until the standby has replayed all the primary has written.
    fn wait_for_replay(&self) {
        let lsn = psql_stdin(&self.primary.url, "SELECT pg_current_wal_lsn()");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let done = psql_stdin(
                &self.standby.url,
                &format!("SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn"),
            );
            if done == "t" {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the standby did not replay up to {lsn} in 120 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Runs absurdctl with --database-url `primary` and --read-url `standby`.
fn both(primary: &str, standby: &str, args: &[&str]) -> CliOutput {
    let mut full = vec!["--database-url", primary, "--read-url", standby];
    full.extend_from_slice(args);
    absurdctl(&full)
}

fn counts(status: &Value) -> Vec<Value> {
    let q = &status["queues"][0];
    [
        "pending",
        "retrying",
        "claimed",
        "failed",
        "cancelled",
        "backlog",
        "completed_1h",
        "failed_1h",
    ]
    .iter()
    .map(|k| q[*k].clone())
    .collect()
}

fn ids(rows: &Value, key: &str) -> Vec<String> {
    let mut ids: Vec<String> = rows
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {rows:#}"))
        .iter()
        .map(|r| r[key].to_string())
        .collect();
    ids.sort();
    ids
}

fn assert_lag(v: &Value, what: &str) {
    let r = &v["replica"];
    assert!(r["lag_sec"].is_number(), "{what}: no replica lag in {v:#}");
    assert!(r["replay_gap_bytes"].is_number(), "{what}: {v:#}");
    assert!(r["replay_lsn"].is_string(), "{what}: {v:#}");
}

/// The preflight items that do not depend on the server read from: name
/// and result.
fn comparable(preflight: &Value) -> Vec<(String, Value)> {
    preflight["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            !matches!(
                c["check"].as_str().unwrap(),
                "replica" | "reaper_lock" | "dead_tuples" | "database" | "connections"
            )
        })
        .map(|c| {
            (
                c["check"].as_str().unwrap().to_string(),
                c["result"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn read_only_commands_read_the_standby_and_say_how_far_it_lags() {
    let Some(pair) = Pair::start() else {
        return;
    };
    let db = TestDb::empty_on(&pair.primary.url).await;
    db.cli(&["migrate"]).assert_success();
    db.psql(
        "INSERT INTO absurd.worker_registry (worker_id, queue_name, hostname) VALUES ('w1', 'dsa110-pipeline', 'node1')",
    );
    db.seed_series(
        3,
        &task()
            .name("imaging")
            .status("completed")
            .claimed(ago(mins(12)))
            .completed(ago(mins(10))),
    );
    db.seed_series(
        2,
        &task()
            .name("calibration-solve")
            .status("failed")
            .attempt(3)
            .error("disk full on /stage")
            .completed(ago(mins(5))),
    );
    let pending = db.seed([task().name("imaging"), task().name("imaging")]);
    db.seed_one(task().name("imaging").status("claimed").worker("w1"));
    // An audit row (and a cancelled task).
    db.cli(&["cancel", "--id", &pending[1].to_string(), "--yes"])
        .assert_success();
    pair.wait_for_replay();

    let p = db.url.as_str();
    let s = url_with_db(&pair.standby.url, &db.name);
    let s = s.as_str();
    let on_primary = |args: &[&str]| db.cli(args);
    let on_standby = |args: &[&str]| both(p, s, args);

    // status: the same counts, the lag in JSON, text and Prometheus.
    let primary = on_primary(&["-o", "json", "status"]);
    let standby = on_standby(&["-o", "json", "status"]);
    standby.assert_success();
    assert_eq!(
        counts(&primary.json()),
        counts(&standby.json()),
        "{standby}"
    );
    assert_eq!(primary.json()["queues"][0]["failed"], 2);
    assert_lag(&standby.json(), "status");
    assert!(primary.json().get("replica").is_none(), "{primary}");
    assert!(
        standby.stderr.contains("reading from a hot standby at"),
        "{standby}"
    );
    let text = on_standby(&["status"]);
    text.assert_success();
    assert!(
        text.stdout
            .contains("read from a hot standby: last replayed transaction"),
        "{text}"
    );
    let prom = on_standby(&["-o", "prometheus", "status"]);
    prom.assert_success();
    assert!(
        prom.stdout.contains("\nabsurd_replica_lag_seconds ")
            && prom.stdout.contains("\nabsurd_replica_replay_gap_bytes "),
        "{prom}"
    );
    assert_eq!(
        on_primary(&["status", "--check"]).code,
        on_standby(&["status", "--check"]).code
    );

    // tasks list / show / logs.
    let primary = on_primary(&["-o", "json", "tasks", "list", "--limit", "0"]);
    let standby = on_standby(&["-o", "json", "tasks", "list", "--limit", "0"]);
    standby.assert_success();
    assert_eq!(
        ids(&primary.json(), "task_id"),
        ids(&standby.json(), "task_id")
    );
    assert_eq!(standby.json().as_array().unwrap().len(), 8);
    assert!(standby.stderr.contains("hot standby"), "{standby}");
    let id = pending[1].to_string();
    let show = on_standby(&["-o", "json", "tasks", "show", &id]);
    show.assert_success();
    assert_eq!(show.json()["status"], "cancelled", "{show}");
    assert_lag(&show.json(), "tasks show");
    let claimed = db.psql("SELECT task_id FROM absurd.tasks WHERE status = 'claimed'");
    let primary = on_primary(&["tasks", "logs", &claimed]);
    let standby = on_standby(&["tasks", "logs", &claimed]);
    assert_eq!(
        (primary.code, &primary.stdout),
        (standby.code, &standby.stdout),
        "{standby}"
    );

    // errors, trends.
    let primary = on_primary(&["-o", "json", "errors"]);
    let standby = on_standby(&["-o", "json", "errors"]);
    standby.assert_success();
    assert_eq!(primary.json()["groups"], standby.json()["groups"]);
    assert_eq!(standby.json()["tasks"], 2, "{standby}");
    assert_lag(&standby.json(), "errors");
    let primary = on_primary(&["-o", "json", "trends", "--since", "1h"]);
    let standby = on_standby(&["-o", "json", "trends", "--since", "1h"]);
    standby.assert_success();
    let buckets = |v: &Value| -> Vec<(Value, Value, Value)> {
        v["series"][0]["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["created"].clone(),
                    b["completed"].clone(),
                    b["failed"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(buckets(&primary.json()), buckets(&standby.json()));
    assert_lag(&standby.json(), "trends");

    // workers and audit print arrays: the lag is on stderr.
    let primary = on_primary(&["-o", "json", "workers"]);
    let standby = on_standby(&["-o", "json", "workers"]);
    standby.assert_success();
    assert_eq!(
        ids(&primary.json(), "worker_id"),
        ids(&standby.json(), "worker_id")
    );
    assert!(standby.stderr.contains("hot standby"), "{standby}");
    let primary = on_primary(&["-o", "json", "audit"]);
    let standby = on_standby(&["-o", "json", "audit"]);
    standby.assert_success();
    assert_eq!(
        ids(&primary.json(), "audit_id"),
        ids(&standby.json(), "audit_id")
    );
    assert!(!standby.json().as_array().unwrap().is_empty());

    // preflight: the same verdicts, the lag as an item, and the checks a
    // standby cannot make skipped.
    let primary = on_primary(&["-o", "json", "preflight"]);
    let standby = on_standby(&["-o", "json", "preflight"]);
    assert_eq!(primary.code, standby.code, "{standby}");
    assert_eq!(comparable(&primary.json()), comparable(&standby.json()));
    let item = |v: &Value, name: &str| -> Value {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in {v:#}"))
    };
    let pre = standby.json();
    assert_eq!(item(&pre, "replica")["result"], "PASS");
    assert_eq!(item(&pre, "reaper_lock")["result"], "SKIP");
    assert_eq!(item(&pre, "dead_tuples")["result"], "SKIP");
    assert_lag(&pre, "preflight");

    // wait reads too.
    on_standby(&["wait", "--backlog-below", "100"]).assert_success();
}

#[tokio::test]
async fn writes_go_to_the_primary_and_a_write_at_a_standby_is_refused() {
    let Some(pair) = Pair::start() else {
        return;
    };
    let db = TestDb::empty_on(&pair.primary.url).await;
    db.cli(&["migrate"]).assert_success();
    db.seed_series(
        3,
        &task()
            .name("calibration-solve")
            .status("failed")
            .attempt(3)
            .error("disk full"),
    );
    pair.wait_for_replay();
    let s = url_with_db(&pair.standby.url, &db.name);

    // --read-url does not take a write away from the primary.
    let retry = both(&db.url, &s, &["retry-failed", "--all", "--yes"]);
    retry.assert_success();
    let failed = "SELECT count(*) FROM absurd.tasks WHERE status = 'failed'";
    assert_eq!(db.psql(failed), "0", "{retry}");
    pair.wait_for_replay();
    assert_eq!(psql_stdin(&s, failed), "0");

    // A write with the standby as its database: refused before anything,
    // saying to use the primary; nothing changes.
    db.psql("UPDATE absurd.tasks SET status = 'failed'");
    pair.wait_for_replay();
    let before = db.tasks_checksum();
    let audits = "SELECT count(*) FROM absurd.audit_log";
    let audits_before = db.psql(audits);
    for args in [
        &["retry-failed", "--all", "--yes"][..],
        &["spawn", "--task-name", "imaging"],
        &["reap-stuck"],
        &["migrate"],
    ] {
        let out = absurdctl_command(args)
            .env("DATABASE_URL", &s)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("is a hot standby") && stderr.contains("at the primary"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("(from DATABASE_URL)"), "{stderr}");
    }
    assert_eq!(db.tasks_checksum(), before);
    assert_eq!(db.psql(audits), audits_before);
}
