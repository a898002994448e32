//! The foundation: connection handling, schema checks, spawn and tasks, and
//! the queue layer's claim / heartbeat / complete / fail primitives.

mod common;
#[path = "common/silent_proxy.rs"]
mod silent_proxy;

use absurdctl::queue::{tasks, TaskId, TaskStatus};
use common::*;
use std::time::{Duration, Instant};

#[test]
fn unreachable_database_is_named_without_the_password() {
    let started = Instant::now();
    let out = absurdctl(&[
        "--database-url",
        "postgres://u:secret@127.0.0.1:1/x",
        "--connect-timeout",
        "3s",
        "tasks",
        "list",
    ]);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    out.assert_code(3);
    assert!(out.stderr.contains("127.0.0.1:1"), "{out}");
    assert!(
        !out.stderr.contains("secret") && !out.stdout.contains("secret"),
        "{out}"
    );
}

#[test]
fn password_from_pgpassword_is_never_printed() {
    let out = absurdctl_command(&["--connect-timeout", "2s", "status"])
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", "1")
        .env("PGUSER", "someone")
        .env("PGPASSWORD", "hunter2-planted")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("hunter2-planted"), "{text}");
}

#[tokio::test]
async fn a_database_never_migrated_is_refused_with_what_to_do() {
    let db = TestDb::empty().await;
    let out = db.cli(&["tasks", "list"]);
    out.assert_code(4);
    assert!(out.stderr.contains("absurdctl migrate"), "{out}");
    let out = db.cli(&["spawn", "--task-name", "imaging"]);
    out.assert_code(4);
    assert_eq!(db.psql("SELECT to_regclass('absurd.tasks') IS NULL"), "t");
}

#[tokio::test]
async fn migrate_check_dry_run_and_rerun() {
    let db = TestDb::empty().await;
    db.cli(&["migrate", "--check"]).assert_code(1);
    let out = db.cli(&["migrate", "--dry-run"]);
    out.assert_success();
    assert!(out.stdout.contains("pending"), "{out}");
    assert_eq!(
        db.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'absurd'"),
        "0"
    );

    db.cli(&["migrate"]).assert_success();
    db.cli(&["migrate", "--check"]).assert_success();
    let again = db.cli(&["migrate", "--output", "json"]);
    again.assert_success();
    assert_eq!(
        again.json()["applied"].as_array().unwrap().len(),
        0,
        "{again}"
    );
    // Bookkeeping lives inside the absurd schema, nowhere else.
    assert_eq!(
        db.psql("SELECT to_regclass('public._sqlx_migrations') IS NULL"),
        "t"
    );
    assert_eq!(
        db.psql("SELECT to_regclass('absurd._sqlx_migrations') IS NOT NULL"),
        "t"
    );
}

#[tokio::test]
async fn a_schema_from_a_newer_absurdctl_is_read_but_never_written() {
    let db = TestDb::migrated().await;
    db.cli(&["spawn", "--task-name", "imaging"])
        .assert_success();
    db.psql(
        "INSERT INTO absurd._sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99999, 'from the future', true, '\\x00', 0)",
    );
    let before = db.tasks_checksum();
    let out = db.cli(&["spawn", "--task-name", "imaging"]);
    out.assert_code(4);
    assert!(out.stderr.contains("newer absurdctl"), "{out}");
    db.cli(&["migrate"]).assert_code(4);
    db.cli(&["tasks", "list"]).assert_success();
    assert_eq!(before, db.tasks_checksum());
}

#[tokio::test]
async fn spawn_rejects_bad_json_and_inserts_nothing() {
    let db = TestDb::migrated().await;
    let out = db.cli(&["spawn", "--task-name", "imaging", "--params", "{bad"]);
    out.assert_code(2);
    assert!(out.stderr.contains("not valid JSON"), "{out}");
    let out = db.cli(&["spawn", "--task-name", "imaging", "--params", "[1,2]"]);
    out.assert_code(2);
    let out = db.cli(&[
        "spawn",
        "--task-name",
        "imaging",
        "--depends-on",
        "not-a-uuid",
    ]);
    out.assert_code(2);
    let out = db.cli(&[
        "spawn",
        "--task-name",
        "imaging",
        "--depends-on",
        &uuid::Uuid::new_v4().to_string(),
    ]);
    out.assert_code(2);
    assert!(out.stderr.contains("no such task"), "{out}");
    assert_eq!(db.psql("SELECT count(*) FROM absurd.tasks"), "0");
}

#[tokio::test]
async fn spawn_then_list_and_show() {
    let db = TestDb::migrated().await;
    let first = db.cli(&[
        "spawn",
        "--task-name",
        "calibration-solve",
        "--params",
        r#"{"cal":"3C286"}"#,
        "--priority",
        "5",
        "--timeout",
        "2h",
        "--max-retries",
        "4",
    ]);
    first.assert_success();
    let first_id = first.stdout.trim().to_string();
    let second = db.cli(&[
        "--output",
        "json",
        "spawn",
        "--task-name",
        "imaging",
        "--depends-on",
        &first_id,
    ]);
    second.assert_success();
    let second_id = second.json()["task_id"].as_str().unwrap().to_string();
    db.cli(&["--queue", "mosaic", "spawn", "--task-name", "create-mosaic"])
        .assert_success();

    let list = db.cli(&["--output", "json", "tasks", "list"]).json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "only the default queue");
    assert_eq!(list[0]["task_id"], second_id.as_str(), "newest first");
    let all = db
        .cli(&["--output", "json", "tasks", "list", "--all-queues"])
        .json();
    assert_eq!(all.as_array().unwrap().len(), 3);
    let filtered = db
        .cli(&[
            "--output",
            "json",
            "tasks",
            "list",
            "--task-name",
            "imaging",
            "--status",
            "pending",
        ])
        .json();
    assert_eq!(filtered.as_array().unwrap().len(), 1);
    let none = db
        .cli(&["--output", "json", "tasks", "list", "--status", "failed"])
        .json();
    assert_eq!(none.as_array().unwrap().len(), 0);

    let shown = db
        .cli(&["--output", "json", "tasks", "show", &first_id])
        .json();
    assert_eq!(shown["params"]["cal"], "3C286");
    assert_eq!(shown["priority"], 5);
    assert_eq!(shown["timeout_sec"], 7200);
    assert_eq!(shown["max_retries"], 4);
    assert_eq!(shown["status"], "pending");
    let dep = db
        .cli(&["--output", "json", "tasks", "show", &second_id])
        .json();
    assert_eq!(dep["dependencies"][0]["task_id"], first_id.as_str());
    assert_eq!(dep["dependencies"][0]["status"], "pending");

    let table = db.cli(&["tasks", "show", &first_id]);
    table.assert_success();
    assert!(table.stdout.contains("3C286"), "{table}");
    db.cli(&["tasks", "show", &uuid::Uuid::new_v4().to_string()])
        .assert_code(1);
    db.cli(&["tasks", "show", "nope"]).assert_code(2);
}

#[tokio::test]
async fn a_list_cut_by_its_limit_says_how_many_of_how_many_and_limit_0_lists_all() {
    let db = TestDb::migrated().await;
    db.seed_series(120, &task().status("failed"));
    db.seed_series(7, &task().status("completed"));

    // The default limit, 50, cuts the 120 failed tasks: JSON on stdout
    // holds the 50, stderr says so.
    let out = db.cli(&["-o", "json", "tasks", "list", "--status", "failed"]);
    out.assert_success();
    assert_eq!(out.json().as_array().unwrap().len(), 50);
    assert!(out.stderr.contains("50 of 120 shown"), "{out}");

    let out = db.cli(&[
        "tasks", "list", "--status", "failed", "--limit", "0", "-o", "json",
    ]);
    out.assert_success();
    assert_eq!(out.json().as_array().unwrap().len(), 120);
    assert!(!out.stderr.contains("shown"), "{out}");

    // A limit that cuts nothing says nothing; the table says it too.
    let out = db.cli(&["tasks", "list", "--status", "completed", "--limit", "7"]);
    out.assert_success();
    assert!(!out.stderr.contains("shown"), "{out}");
    let out = db.cli(&["tasks", "list", "--limit", "100"]);
    out.assert_success();
    assert!(out.stderr.contains("100 of 127 shown"), "{out}");
}

#[tokio::test]
async fn claim_heartbeat_complete_are_fenced_by_worker() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    db.cli(&["spawn", "--task-name", "imaging", "--priority", "1"])
        .assert_success();
    db.cli(&["spawn", "--task-name", "validation", "--priority", "9"])
        .assert_success();

    let claimed = tasks::claim(&pool, "dsa110-pipeline", "w1", 1, None)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let t = &claimed[0];
    assert_eq!(t.task_name, "validation", "highest priority first");
    assert_eq!(t.status, TaskStatus::Claimed);
    assert_eq!(t.attempt, 1);
    assert!(t.heartbeat_at.is_some(), "a claim records a heartbeat");

    assert!(tasks::heartbeat(&pool, t.task_id, "w1").await.unwrap());
    assert!(
        !tasks::heartbeat(&pool, t.task_id, "w2").await.unwrap(),
        "not w2's task"
    );
    assert!(
        !tasks::complete(&pool, t.task_id, "w2", &serde_json::json!({}))
            .await
            .unwrap()
    );
    assert!(
        tasks::complete(&pool, t.task_id, "w1", &serde_json::json!({"ok": true}))
            .await
            .unwrap()
    );
    assert!(
        !tasks::heartbeat(&pool, t.task_id, "w1").await.unwrap(),
        "finished: stop"
    );
    let done = tasks::get(&pool, t.task_id).await.unwrap();
    assert_eq!(done.status, TaskStatus::Completed);
    assert_eq!(done.result, Some(serde_json::json!({"ok": true})));
    assert!(done.execution_time_sec.is_some() && done.wait_time_sec.is_some());

    // Filter by task name.
    let none = tasks::claim(
        &pool,
        "dsa110-pipeline",
        "w1",
        5,
        Some(&["calibration-solve".to_string()]),
    )
    .await
    .unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn failure_retries_with_backoff_until_attempts_run_out() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let out = db.cli(&["spawn", "--task-name", "imaging", "--max-retries", "2"]);
    let id: TaskId = out.stdout.trim().parse().unwrap();

    let t = tasks::claim(&pool, "dsa110-pipeline", "w1", 1, None)
        .await
        .unwrap()
        .remove(0);
    assert!(tasks::fail(&pool, t.task_id, "w1", "CASA exploded")
        .await
        .unwrap());
    let t = tasks::get(&pool, id).await.unwrap();
    assert_eq!(t.status, TaskStatus::Retrying);
    let delay = (t.available_at - t.completed_at.unwrap()).num_milliseconds();
    assert!(
        (9_000..=11_000).contains(&delay),
        "first backoff is about 10 s, got {delay} ms"
    );
    assert!(
        tasks::claim(&pool, "dsa110-pipeline", "w1", 1, None)
            .await
            .unwrap()
            .is_empty(),
        "not before its backoff"
    );

    sqlx::query("UPDATE absurd.tasks SET available_at = now() WHERE task_id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    let t = tasks::claim(&pool, "dsa110-pipeline", "w2", 1, None)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(t.attempt, 2);
    assert!(
        !tasks::fail(&pool, id, "w1", "stale worker").await.unwrap(),
        "fenced"
    );
    assert!(tasks::fail(&pool, id, "w2", "CASA exploded again")
        .await
        .unwrap());
    let t = tasks::get(&pool, id).await.unwrap();
    assert_eq!(t.status, TaskStatus::Failed, "out of attempts");
    assert_eq!(t.error.as_deref(), Some("CASA exploded again"));
}

#[tokio::test]
async fn release_gives_a_task_back_without_charging_an_attempt() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    db.cli(&["spawn", "--task-name", "imaging"])
        .assert_success();
    let t = tasks::claim(&pool, "dsa110-pipeline", "w1", 1, None)
        .await
        .unwrap()
        .remove(0);
    assert!(!tasks::release(&pool, t.task_id, "w2").await.unwrap());
    assert!(tasks::release(&pool, t.task_id, "w1").await.unwrap());
    let t = tasks::get(&pool, t.task_id).await.unwrap();
    assert_eq!(
        (t.status, t.attempt, t.worker_id.as_deref()),
        (TaskStatus::Pending, 0, None)
    );
}

#[tokio::test]
async fn dependencies_and_pause_hold_claims_back() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let first = db
        .cli(&["spawn", "--task-name", "calibration-solve"])
        .stdout
        .trim()
        .to_string();
    db.cli(&[
        "spawn",
        "--task-name",
        "calibration-apply",
        "--priority",
        "10",
        "--depends-on",
        &first,
    ])
    .assert_success();

    let got = tasks::claim(&pool, "dsa110-pipeline", "w1", 10, None)
        .await
        .unwrap();
    assert_eq!(got.len(), 1, "the dependent task waits");
    assert_eq!(got[0].task_name, "calibration-solve");
    tasks::complete(&pool, got[0].task_id, "w1", &serde_json::json!({}))
        .await
        .unwrap();

    db.psql(
        "INSERT INTO absurd.queue_controls (queue_name, paused) VALUES ('dsa110-pipeline', true)",
    );
    assert!(
        tasks::claim(&pool, "dsa110-pipeline", "w1", 10, None)
            .await
            .unwrap()
            .is_empty(),
        "paused"
    );
    let legacy = db.psql("SELECT count(*) FROM absurd.claim_task('dsa110-pipeline', 'py')");
    assert_eq!(legacy, "0", "the legacy claim honours the pause too");
    db.psql("UPDATE absurd.queue_controls SET paused = false");
    let got = tasks::claim(&pool, "dsa110-pipeline", "w1", 10, None)
        .await
        .unwrap();
    assert_eq!(
        got[0].task_name, "calibration-apply",
        "released once its dependency completed"
    );
}

#[tokio::test]
async fn spawning_notifies_listeners() {
    let db = TestDb::migrated().await;
    let mut listener = sqlx::postgres::PgListener::connect(&db.url).await.unwrap();
    listener.listen("absurd_task_ready").await.unwrap();
    db.cli(&["--queue", "mosaic", "spawn", "--task-name", "create-mosaic"])
        .assert_success();
    let n = tokio::time::timeout(Duration::from_secs(10), listener.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n.payload(), "mosaic");
}

#[test]
fn prometheus_output_is_refused_where_unsupported() {
    let out = absurdctl(&[
        "--database-url",
        "postgres://u@127.0.0.1:1/x",
        "--output",
        "prometheus",
        "tasks",
        "list",
    ]);
    out.assert_code(2);
    assert!(out.stderr.contains("prometheus"), "{out}");
}

/// Waits until no session of absurdctl is left on the server (the proxy
/// closes the server's end once absurdctl has closed its own).
async fn no_absurdctl_session_left(pool: &sqlx::PgPool) {
    for _ in 0..200 {
        let left: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
              WHERE application_name LIKE 'absurdctl %' AND datname = current_database()",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if left == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("a session of absurdctl is still open on the server");
}

/// Issue 16.5: a network that goes silent after connecting. reap-stuck went
/// silent just after taking the reaper lock (its reap statement never reaches
/// the server, no answer comes back), retry-failed just as it sent its
/// UPDATE: each gives up after --statement-timeout plus --connect-timeout,
/// exits 3 naming the server and what it waited for, changes nothing, and
/// once it is gone nothing it took is left locked.
#[tokio::test]
async fn a_network_gone_silent_ends_reap_and_retry_with_exit_3_and_nothing_locked() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    db.cli(&["spawn", "--task-name", "imaging"])
        .assert_success();
    tasks::claim(&pool, "dsa110-pipeline", "w-gone", 1, None)
        .await
        .unwrap();
    db.psql(
        "UPDATE absurd.tasks SET claimed_at = now() - interval '2 hours', \
                heartbeat_at = now() - interval '2 hours'",
    );
    db.cli(&["spawn", "--task-name", "calibration"])
        .assert_success();
    db.psql("UPDATE absurd.tasks SET status = 'failed', error = 'boom' WHERE status = 'pending'");
    for (command, trigger) in [
        ("reap-stuck", "reap_task("),
        ("retry-failed", "UPDATE absurd.tasks"),
    ] {
        let before = db.tasks_checksum();
        let proxy = silent_proxy::SilentProxy::start(&db.url, trigger);
        let url = proxy.url(&db.url);
        let mut run = Background::start(absurdctl_command(
            &[
                "--database-url",
                &url,
                "--statement-timeout",
                "2s",
                "--connect-timeout",
                "2s",
                command,
                "--yes",
            ]
            .into_iter()
            .chain((command == "retry-failed").then_some("--all"))
            .collect::<Vec<_>>(),
        ));
        // Without a client-side deadline it waits for ever: fail instead.
        let out = run.wait(Duration::from_secs(90));
        assert_eq!(
            proxy.silenced(),
            1,
            "{command}: the network went silent once: {out}"
        );
        out.assert_code(3);
        let host = format!("127.0.0.1:{}", proxy.port);
        assert!(
            out.stderr.contains(&host),
            "{command}: names the server: {out}"
        );
        assert!(
            out.stderr.contains("stopped answering")
                && out.stderr.contains(&format!("a statement of `{command}`")),
            "{command}: says what it waited for: {out}"
        );
        drop(proxy);
        no_absurdctl_session_left(&pool).await;
        assert_eq!(db.tasks_checksum(), before, "{command} changed nothing");
        // Nothing it took is left held: the reaper's lock (a row lock of
        // absurd.reaper_locks) is free, and the same command run directly
        // does its work at once.
        let held: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
              WHERE c.relname = 'reaper_locks' AND l.pid <> pg_backend_pid()
                -- pg_locks spans the cluster: this test's database only.
                AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(held, 0, "{command} left the reaper's lock held");
        let (status, args): (&str, &[&str]) = if command == "reap-stuck" {
            ("claimed", &["reap-stuck", "--yes"])
        } else {
            ("failed", &["retry-failed", "--yes", "--all"])
        };
        let out = db.cli(args);
        out.assert_success();
        assert!(
            !out.stderr.contains("holds the lock"),
            "{command}: no lock left behind: {out}"
        );
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM absurd.tasks WHERE status = $1")
            .bind(status)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(
            left, 0,
            "{command} run directly afterwards did its work: {out}"
        );
    }
}

/// Issue 16.6: a password given as `?password=` in the URL was never
/// redacted and stayed in the audit row's argv.
#[tokio::test]
async fn a_password_in_the_url_query_stays_out_of_the_audit_row_and_the_output() {
    let db = TestDb::migrated().await;
    db.cli(&["spawn", "--task-name", "imaging"])
        .assert_success();
    db.psql("UPDATE absurd.tasks SET status = 'failed', error = 'boom'");
    // The test server trusts its clients: the password is carried, unused.
    let url = format!("{}?password=Qp-planted-77", db.url);
    let out = absurdctl(&[
        "--database-url",
        &url,
        "-v",
        "retry-failed",
        "--yes",
        "--all",
    ]);
    out.assert_success();
    let audit = db.psql("SELECT string_agg(a::text, '|') FROM absurd.audit_log a");
    assert!(audit.contains("retry-failed"), "{audit}");
    for (what, text) in [
        ("audit row", &audit),
        ("stdout", &out.stdout),
        ("stderr", &out.stderr),
    ] {
        assert!(!text.contains("Qp-planted-77"), "{what}: {text}");
    }
    assert!(audit.contains("password=***"), "{audit}");
}

/// A private cluster that asks TCP clients for a password (scram), with a
/// superuser `ops` whose password is `password`.
fn cluster_with_password(password: &str) -> PgCluster {
    let cluster = PgCluster::start();
    psql_as(
        &cluster.url,
        &format!("CREATE ROLE ops LOGIN SUPERUSER PASSWORD '{password}'"),
    );
    let hba = cluster.dir.join("data/pg_hba.conf");
    std::fs::write(
        &hba,
        "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n",
    )
    .unwrap();
    let port = std::fs::read_to_string(cluster.dir.join("port")).unwrap();
    let over_socket = format!(
        "host={} port={} user=postgres dbname=postgres",
        cluster.dir.display(),
        port.trim()
    );
    psql_as(&over_socket, "SELECT pg_reload_conf()");
    cluster
}

fn psql_as(url: &str, sql: &str) {
    let out = std::process::Command::new("psql")
        .args([url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write_private(path: &std::path::Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Issue 16.6: no password has to be on a command line. libpq's password
/// file ($PGPASSFILE) and --database-url-file (or ABSURD_DATABASE_URL_FILE)
/// both work against a server that asks for a password, a file others may
/// read is refused (and said so), and the password is never printed.
#[test]
fn a_password_comes_from_a_password_file_or_a_url_file_and_is_never_printed() {
    let pw = "Pf-planted-31";
    let cluster = cluster_with_password(pw);
    let port = cluster
        .url
        .rsplit_once(':')
        .unwrap()
        .1
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let no_password = format!("postgres://ops@127.0.0.1:{port}/postgres");
    let dir = Scratch::new("absurdctl-pw");
    let run = |args: &[&str], env: &[(&str, &std::path::Path)]| {
        let mut cmd = absurdctl_command(args);
        cmd.env("HOME", &*dir);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let out = CliOutput {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(
            !out.stdout.contains(pw) && !out.stderr.contains(pw),
            "{out}"
        );
        out
    };
    let migrate = ["--database-url", no_password.as_str(), "-vv", "migrate"];

    // Without a password the server refuses.
    run(&migrate, &[]).assert_code(3);

    // From $PGPASSFILE...
    let pgpass = dir.join("pgpass");
    write_private(&pgpass, &format!("127.0.0.1:{port}:*:ops:{pw}\n"), 0o600);
    run(&migrate, &[("PGPASSFILE", &pgpass)]).assert_success();
    // ...but not when others may read it, and the error says why.
    write_private(&pgpass, &format!("127.0.0.1:{port}:*:ops:{pw}\n"), 0o644);
    let out = run(&migrate, &[("PGPASSFILE", &pgpass)]);
    out.assert_code(3);
    assert!(
        out.stderr
            .contains("is ignored because group or others may read it"),
        "{out}"
    );

    // From --database-url-file and ABSURD_DATABASE_URL_FILE.
    let url_file = dir.join("url");
    let with_password = format!("postgres://ops:{pw}@127.0.0.1:{port}/postgres\n");
    write_private(&url_file, &with_password, 0o600);
    let path = url_file.to_str().unwrap();
    run(&["--database-url-file", path, "-vv", "status"], &[]).assert_success();
    run(
        &["-vv", "status"],
        &[("ABSURD_DATABASE_URL_FILE", &url_file)],
    )
    .assert_success();
    write_private(&url_file, &with_password, 0o644);
    let out = run(&["--database-url-file", path, "status"], &[]);
    out.assert_code(2);
    assert!(out.stderr.contains("chmod 600"), "{out}");
    // --database-url wins over a URL file from the environment.
    run(
        &["--database-url", with_password.trim(), "status"],
        &[("ABSURD_DATABASE_URL_FILE", &url_file)],
    )
    .assert_success();
}

/// Issue 16.11: `status --watch` went silent for 30 s when the database
/// stopped (the pool's acquire timeout) and then printed "pool timed out"
/// without host or port. Now an UNKNOWN frame naming host, port and
/// database comes within --connect-timeout plus the interval, and good
/// frames again once the database is back.
#[tokio::test]
async fn status_watch_prints_unknown_frames_while_the_database_is_down_and_recovers() {
    use std::io::BufRead;
    let cluster = PgCluster::start();
    let db = TestDb::empty_on(&cluster.url).await;
    db.cli(&["migrate"]).assert_success();
    let mut child = absurdctl_command(&[
        "--database-url",
        &db.url,
        "--connect-timeout",
        "1s",
        "-o",
        "json",
        "status",
        "--watch",
        "1",
    ])
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
    let frames = std::sync::Arc::new(std::sync::Mutex::new(Vec::<serde_json::Value>::new()));
    let sink = frames.clone();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            sink.lock()
                .unwrap()
                .push(serde_json::from_str(&line).unwrap());
        }
    });
    let wait_for = |what: &str, want: &dyn Fn(&[serde_json::Value]) -> bool| {
        for _ in 0..300 {
            if want(&frames.lock().unwrap()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("no {what}: {:?}", frames.lock().unwrap());
    };
    let good = |f: &serde_json::Value| f.get("queues").is_some();
    wait_for("first good frame", &|f| f.iter().any(good));
    let port: u16 = std::fs::read_to_string(cluster.dir.join("port"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let seen = frames.lock().unwrap().len();
    cluster.restart_after(Duration::from_secs(6));
    let all = frames.lock().unwrap().clone();
    let unknown = all[seen..]
        .iter()
        .find(|f| f["verdict"] == "UNKNOWN")
        .unwrap_or_else(|| panic!("no UNKNOWN frame while down: {all:?}"));
    assert_eq!(unknown["host"], "127.0.0.1", "{unknown}");
    assert_eq!(unknown["port"], port, "{unknown}");
    assert_eq!(unknown["database"], db.name.as_str(), "{unknown}");
    let error = unknown["error"].as_str().unwrap();
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
    let after = all.len();
    wait_for("good frame after the restart", &|f| {
        f[after..].iter().any(good)
    });
    // Ctrl-C ends a watch as README's exit-code table says: 130.
    signal(child.id() as i32, libc::SIGINT);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
}

/// Runs absurdctl with its stdout a pipe whose reader is gone at once (as
/// `absurdctl ... | head` after head exits), and returns (code, stderr).
fn run_into_closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    let mut child = absurdctl_command(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run absurdctl");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait for absurdctl");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A closed stdout ends the run quietly with success, as ripgrep does: the
/// failed write goes up to main as an error like any other (through the
/// commands' error mapping), and main alone turns it into exit 0.
#[tokio::test]
async fn a_closed_stdout_is_a_quiet_success() {
    // More than a pipe holds, written without a database.
    let (code, stderr) = run_into_closed_pipe(&["completions", "bash"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "");
    // A command's JSON, after connecting.
    let db = TestDb::migrated().await;
    let (code, stderr) =
        run_into_closed_pipe(&["--database-url", &db.url, "tasks", "list", "-o", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

/// Any unique prefix of a task id names the task, as git takes commits
/// (drain and errors print shortened ids); a prefix two tasks share is a
/// usage error that lists them, one that matches nothing is "not found".
#[tokio::test]
async fn a_unique_prefix_of_a_task_id_names_the_task_everywhere_an_id_is_taken() {
    let db = TestDb::migrated().await;
    let alone = "7f3a1111-0000-4000-8000-000000000001";
    let twin_a = "0bcd2222-0000-4000-8000-000000000001";
    let twin_b = "0bcd2233-0000-4000-8000-000000000002";
    db.seed([
        task().id(alone).params(serde_json::json!({"cal": "3C48"})),
        task().id(twin_a),
        task().id(twin_b),
    ]);

    let shown = db.cli(&["-o", "json", "tasks", "show", "7f3a"]);
    shown.assert_success();
    assert_eq!(shown.json()["task_id"], alone);
    assert_eq!(shown.json()["params"]["cal"], "3C48");
    // logs resolves the prefix too (the task has no attempt yet).
    let logs = db.cli(&["tasks", "logs", "7F3A-11"]);
    assert!(logs.stderr.contains(alone), "{logs}");

    let ambiguous = db.cli(&["tasks", "show", "0bcd"]);
    ambiguous.assert_code(2);
    assert!(
        ambiguous.stderr.contains("ambiguous") && ambiguous.stderr.contains(twin_a),
        "names the candidates: {ambiguous}"
    );
    let nothing = db.cli(&["tasks", "show", "dead"]);
    nothing.assert_code(1);
    assert!(nothing.stderr.contains("dead"), "{nothing}");

    // A bulk command takes prefixes too, and changes only that task.
    db.cli(&["cancel", "--id", "0bcd22", "--yes"])
        .assert_code(2);
    db.cli(&["cancel", "--id", "0bcd223", "--yes"])
        .assert_success();
    let states = db.psql(
        "SELECT string_agg(left(task_id::text, 8) || '=' || status, ',' ORDER BY task_id) FROM absurd.tasks",
    );
    assert_eq!(
        states.trim(),
        "0bcd2222=pending,0bcd2233=cancelled,7f3a1111=pending"
    );
}
