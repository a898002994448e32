//! Grants and roles (issue 15 item 8): `migrate` gives PUBLIC nothing on
//! absurdctl's tables (and, on a fresh install, nothing on absurd.tasks),
//! leaves the legacy grants as they were, keeps the audit log append-only,
//! and sets up absurd_reader, absurd_worker and absurd_operator, each able to
//! do exactly its job; a refused command changes nothing and names the role
//! it needs. Also the reaper's lock (issue 16 item 10): only a reaping role
//! can take it.

mod common;

use common::*;

/// A LOGIN role for the test, granted `grant` (one of the three roles) if any.
fn login(db: &TestDb, prefix: &str, grant: Option<&str>) -> TestRole {
    let setup = grant
        .map(|g| format!("GRANT {g} TO {{name}}"))
        .unwrap_or_default();
    TestRole::create(db, prefix, &setup)
}

/// PUBLIC's privileges on a table, sorted ("" when none).
fn public_rights(db: &TestDb, table: &str) -> String {
    db.psql(&format!(
        "SELECT coalesce(string_agg(a.privilege_type, ',' ORDER BY a.privilege_type), '')
           FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
          WHERE c.oid = '{table}'::regclass AND a.grantee = 0"
    ))
}

/// Everything a command could change: tasks, pauses, workers, audit, locks.
fn state(db: &TestDb) -> String {
    db.psql(
        "SELECT md5(concat_ws('#',
           (SELECT string_agg(t::text, '|' ORDER BY task_id) FROM absurd.tasks t),
           (SELECT string_agg(c::text, '|' ORDER BY queue_name) FROM absurd.queue_controls c),
           (SELECT string_agg(w::text, '|' ORDER BY worker_id) FROM absurd.worker_registry w),
           (SELECT string_agg(a::text, '|' ORDER BY audit_id) FROM absurd.audit_log a),
           (SELECT string_agg(r.queue_name, '|' ORDER BY queue_name) FROM absurd.reaper_locks r)))",
    )
}

const ABSURDCTL_TABLES: [&str; 5] = [
    "absurd.queue_controls",
    "absurd.worker_registry",
    "absurd.audit_log",
    "absurd._sqlx_migrations",
    "absurd.reaper_locks",
];

#[tokio::test]
async fn a_fresh_install_gives_public_nothing() {
    let db = TestDb::migrated().await;
    for table in ["absurd.tasks"].iter().chain(ABSURDCTL_TABLES.iter()) {
        assert_eq!(public_rights(&db, table), "", "{table}");
    }
    assert_eq!(
        db.psql(
            "SELECT has_sequence_privilege('public', 'absurd.audit_log_audit_id_seq', 'USAGE')"
        ),
        "f"
    );
}

#[tokio::test]
async fn a_legacy_database_keeps_its_grants_and_public_gains_nothing() {
    let db = TestDb::empty().await;
    db.load_fixture("legacy_base_l2.sql");
    db.load_fixture("legacy_ext_d.sql");
    // The DBA had narrowed PUBLIC's rights before absurdctl came.
    db.psql("REVOKE DELETE ON absurd.tasks FROM PUBLIC");
    let tasks_before = public_rights(&db, "absurd.tasks");
    let workflows_before = public_rights(&db, "absurd.workflows");
    assert_eq!(tasks_before, "INSERT,SELECT,UPDATE");
    db.cli(&["migrate"]).assert_success();
    db.cli(&["migrate"]).assert_success();
    assert_eq!(public_rights(&db, "absurd.tasks"), tasks_before);
    assert_eq!(public_rights(&db, "absurd.workflows"), workflows_before);
    for table in ABSURDCTL_TABLES {
        assert_eq!(public_rights(&db, table), "", "{table}");
    }
}

#[tokio::test]
async fn the_audit_log_is_append_only_for_all_but_its_owner() {
    let db = TestDb::migrated().await;
    let operator = login(&db, "op", Some("absurd_operator"));
    db.cli(&["drain", "--yes", "--no-wait"]).assert_success();
    let before = db.psql("SELECT string_agg(a::text, '|') FROM absurd.audit_log a");
    for sql in [
        "UPDATE absurd.audit_log SET command = 'nothing happened'",
        "DELETE FROM absurd.audit_log",
        "TRUNCATE absurd.audit_log",
    ] {
        let out = operator.psql(sql);
        assert!(!out.status.success(), "{sql}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("permission denied")
                || String::from_utf8_lossy(&out.stderr).contains("append-only"),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Even a role granted UPDATE and DELETE on it cannot rewrite history.
    db.psql(&format!(
        "GRANT UPDATE, DELETE ON absurd.audit_log TO {}",
        operator.name
    ));
    let out = operator.psql("DELETE FROM absurd.audit_log");
    assert!(String::from_utf8_lossy(&out.stderr).contains("append-only"));
    assert_eq!(
        before,
        db.psql("SELECT string_agg(a::text, '|') FROM absurd.audit_log a")
    );
    // It appends, and its owner may still prune.
    let out =
        operator.psql("INSERT INTO absurd.audit_log (command) VALUES ('note') RETURNING audit_id");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    db.psql("DELETE FROM absurd.audit_log WHERE command = 'note'");
    db.psql(&format!(
        "REVOKE ALL ON absurd.audit_log FROM {}",
        operator.name
    ));

    // The batch records of bulk runs likewise.
    db.cli(&["spawn", "--task-name", "imaging"])
        .assert_success();
    db.cli(&["cancel", "--task-name", "imaging", "--yes"])
        .assert_success();
    let batches = || db.psql("SELECT string_agg(b::text, '|') FROM absurd.audit_batches b");
    let before = batches();
    assert!(!before.is_empty(), "cancel recorded its batch");
    db.psql(&format!(
        "GRANT UPDATE, DELETE ON absurd.audit_batches TO {}",
        operator.name
    ));
    for sql in [
        "UPDATE absurd.audit_batches SET affected = 0",
        "DELETE FROM absurd.audit_batches",
    ] {
        let out = operator.psql(sql);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("append-only"),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(before, batches());
    db.psql(&format!(
        "REVOKE ALL ON absurd.audit_batches FROM {}",
        operator.name
    ));
}

/// What a command needs, of the three roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Reader,
    Worker,
    Operator,
}

impl Need {
    fn role(self) -> &'static str {
        match self {
            Need::Reader => "absurd_reader",
            Need::Worker => "absurd_worker",
            Need::Operator => "absurd_operator",
        }
    }
}

#[tokio::test]
async fn each_role_does_exactly_its_job_and_a_refusal_names_the_role_needed() {
    let db = TestDb::migrated().await;
    db.seed([
        task()
            .name("calibration-solve")
            .status("failed")
            .attempt(1)
            .error("boom")
            .claimed(ago(hours(3)))
            .completed(ago(hours(2))),
        task()
            .status("claimed")
            .attempt(1)
            .worker("w-dead")
            .claimed(ago(hours(3)))
            .heartbeat(ago(hours(2))),
    ]);
    let id = db.seed_one(task()).to_string();
    let public = login(&db, "pub", None);
    let reader = login(&db, "rdr", Some("absurd_reader"));
    let worker = login(&db, "wrk", Some("absurd_worker"));
    let operator = login(&db, "opr", Some("absurd_operator"));
    let commands: Vec<(Vec<&str>, Need)> = vec![
        (vec!["status"], Need::Reader),
        (vec!["-o", "json", "status"], Need::Reader),
        (vec!["errors"], Need::Reader),
        (vec!["tasks", "list"], Need::Reader),
        (vec!["tasks", "show", id.as_str()], Need::Reader),
        (vec!["audit"], Need::Reader),
        (vec!["preflight", "--min-workers", "0"], Need::Reader),
        (vec!["reap-stuck", "--dry-run"], Need::Reader),
        (vec!["spawn", "--task-name", "imaging"], Need::Operator),
        (
            vec!["prioritize", "--priority", "7", "--yes", "--all"],
            Need::Operator,
        ),
        (vec!["retry-failed", "--yes", "--all"], Need::Operator),
        (vec!["reap-stuck"], Need::Operator),
        (vec!["drain", "--yes", "--no-wait"], Need::Operator),
        (vec!["resume", "--yes"], Need::Operator),
        (
            vec!["worker", "run", "--exit-when-empty", "--", "/bin/true"],
            Need::Worker,
        ),
        (vec!["cancel", "--yes", "--all"], Need::Operator),
        (vec!["vacuum", "--yes"], Need::Operator),
    ];
    for (args, need) in &commands {
        for (who, login) in [
            ("PUBLIC", &public),
            ("absurd_reader", &reader),
            ("absurd_worker", &worker),
            ("absurd_operator", &operator),
        ] {
            let allowed = match who {
                "absurd_operator" => true,
                // A worker reads the tasks it claims, not the audit log.
                "absurd_worker" => {
                    *need == Need::Worker || (*need == Need::Reader && args[0] != "audit")
                }
                "absurd_reader" => *need == Need::Reader,
                _ => false,
            };
            let before = state(&db);
            let out = login.cli(args);
            if allowed {
                assert!(
                    !out.stderr.contains("permission denied") && matches!(out.code, Some(0..=2)),
                    "{who} may run {args:?}\n{out}"
                );
            } else if args[0] == "preflight" {
                // A checklist: the items it could not check say why (exit 3).
                assert_eq!(out.code, Some(3), "{who} running {args:?}\n{out}");
                assert!(
                    out.stdout
                        .contains("preflight needs the role absurd_reader"),
                    "{who} running {args:?}\n{out}"
                );
            } else {
                assert_eq!(out.code, Some(1), "{who} is refused {args:?}\n{out}");
                let needed = match (who, args[0]) {
                    ("absurd_worker", "audit") => "absurd_reader",
                    _ => need.role(),
                };
                assert!(
                    out.stderr.contains("permission denied")
                        && out.stderr.contains(&login.name)
                        && out.stderr.contains(&format!(
                            "needs the role {needed}: GRANT {needed} TO `{}`",
                            login.name
                        )),
                    "{who} running {args:?}: says which role it needs\n{out}"
                );
                assert_eq!(
                    before,
                    state(&db),
                    "{who} running {args:?} changed something"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_public_only_role_cannot_take_the_reapers_lock() {
    // A legacy database: PUBLIC may still change tasks, as the DBA left it,
    // but not take the reaper's lock and so stop every reaper.
    let db = TestDb::empty().await;
    db.load_fixture("legacy_base_l2.sql");
    db.load_fixture("legacy_rows.sql");
    db.cli(&["migrate"]).assert_success();
    let public = login(&db, "pub", None);
    for sql in [
        "INSERT INTO absurd.reaper_locks (queue_name) VALUES ('dsa110-pipeline')",
        "SELECT 1 FROM absurd.reaper_locks FOR UPDATE",
        "BEGIN; SELECT queue_name FROM absurd.reaper_locks FOR UPDATE NOWAIT; COMMIT",
    ] {
        let out = public.psql(sql);
        assert!(!out.status.success(), "{sql}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("permission denied"),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    db.psql(
        "UPDATE absurd.tasks SET heartbeat_at = now() - interval '1 hour' WHERE status = 'claimed'",
    );
    db.psql(
        "UPDATE absurd._sqlx_migrations SET installed_on = installed_on - interval '1 hour'
          WHERE version = 1",
    );
    let out = db.cli(&["--output", "json", "reap", "--all-queues"]);
    out.assert_success();
    assert_eq!(out.json()["totals"]["queues_locked_elsewhere"], 0, "{out}");
    assert!(
        out.json()["totals"]["reaped"].as_u64().unwrap() > 0,
        "{out}"
    );
    // absurdctl's reap-stuck as that role is refused, naming the role.
    let before = state(&db);
    let out = public.cli(&["reap-stuck", "--all-queues"]);
    assert_eq!(out.code, Some(1), "{out}");
    assert!(
        out.stderr.contains("needs the role absurd_operator"),
        "{out}"
    );
    assert_eq!(before, state(&db));
}

#[tokio::test]
async fn migrate_prints_the_role_statements_when_it_may_not_run_them() {
    let db = TestDb::migrated().await;
    let reader = login(&db, "rdr", Some("absurd_reader"));
    // Nothing missing: nothing to say.
    let out = reader.cli(&["migrate"]);
    out.assert_success();
    assert!(!out.stdout.contains("GRANT"), "{out}");
    // This database's grants to the operator are gone.
    db.psql("REVOKE ALL ON absurd.reaper_locks FROM absurd_operator");
    let out = reader.cli(&["migrate"]);
    out.assert_success();
    assert!(
        out.stderr.contains("may not create the roles")
            && out.stdout.contains("CREATE ROLE absurd_operator NOLOGIN")
            && out.stdout.contains(
                "GRANT SELECT, INSERT, UPDATE ON absurd.reaper_locks TO absurd_operator;"
            ),
        "{out}"
    );
    assert_eq!(
        db.psql("SELECT has_table_privilege('absurd_operator', 'absurd.reaper_locks', 'UPDATE')"),
        "f",
        "it ran none of them"
    );
    // A DBA runs them as printed (-q: the statements alone).
    let quiet = reader.cli(&["-q", "migrate"]);
    quiet.assert_success();
    let file = Scratch::new("roles");
    let path = file.join("roles.sql");
    std::fs::write(&path, &quiet.stdout).unwrap();
    psql_file(&db.url, &path);
    assert_eq!(
        db.psql("SELECT has_table_privilege('absurd_operator', 'absurd.reaper_locks', 'UPDATE')"),
        "t"
    );
}

/// absurd_worker's second job: every call the pipeline's Python worker and
/// API make (legacy-schema.md), run as a login that holds only that role.
#[tokio::test]
async fn the_worker_role_makes_every_call_of_the_python_worker_and_api() {
    let db = TestDb::migrated().await;
    let worker = login(&db, "pyw", Some("absurd_worker"));
    let run = |sql: &str| -> String {
        let out = worker.psql(sql);
        assert!(
            out.status.success(),
            "absurd_worker may run {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let spawn =
        "SELECT absurd.spawn_task('dsa110-pipeline', 'imaging', '{\"field\": 3}'::jsonb, 0, 600)";
    let ids: Vec<String> = (0..3).map(|_| run(spawn)).collect();
    let claim = "SELECT task_id FROM absurd.claim_task('dsa110-pipeline', 'node7-0badc0de')";
    let first = run(claim);
    assert_eq!(first, ids[0], "the oldest task is claimed first");
    assert_eq!(
        run(&format!("SELECT absurd.heartbeat_task('{first}')")),
        "t"
    );
    assert_eq!(
        run(&format!(
            "SELECT absurd.complete_task('{first}', '{{\"ok\": 1}}'::jsonb)"
        )),
        "t"
    );
    let second = run(claim);
    assert_eq!(
        run(&format!(
            "SELECT absurd.fail_task('{second}', 'OSError: disk full')"
        )),
        "t"
    );
    // The client's plain SQL: get, list, queue stats, cancel.
    assert!(run(&format!(
        "SELECT t.task_id, t.status, t.result, t.error FROM absurd.tasks t WHERE t.task_id = '{first}'"
    ))
    .contains("completed"));
    let listed = run(
        "SELECT t.task_id, t.queue_name, t.task_name, t.params, t.priority, t.status,
                t.created_at, t.claimed_at, t.completed_at, t.attempt as retry_count
           FROM absurd.tasks t WHERE 1=1 AND t.queue_name = 'dsa110-pipeline'
          ORDER BY t.created_at DESC LIMIT 10",
    );
    assert_eq!(listed.lines().count(), 3, "{listed}");
    run("SELECT status, COUNT(*) as count FROM absurd.tasks WHERE queue_name = 'dsa110-pipeline' GROUP BY status");
    run("SELECT * FROM absurd.get_queue_stats('dsa110-pipeline')");
    run(&format!(
        "UPDATE absurd.tasks SET status = 'cancelled', completed_at = NOW(), \
         error = 'Cancelled by user' WHERE task_id = '{}' AND status IN ('pending', 'claimed')",
        ids[2]
    ));
    // What the calls did, seen by the owner: the rows and their history.
    let rows = db.psql(&format!(
        "SELECT string_agg(status || ' ' || coalesce(result::text, '-') || ' ' || coalesce(error, '-'),
                           ' | ' ORDER BY array_position(ARRAY['{}', '{}', '{}']::uuid[], task_id))
           FROM absurd.tasks",
        ids[0], ids[1], ids[2]
    ));
    assert_eq!(
        rows,
        "completed {\"ok\": 1} - | pending - OSError: disk full | cancelled - Cancelled by user"
    );
    let attempts = db.psql(
        "SELECT string_agg(outcome || ' ' || worker_id, ',' ORDER BY claimed_at) FROM absurd.task_attempts",
    );
    assert_eq!(attempts, "completed node7-0badc0de,failed node7-0badc0de");
    // And nothing of an operator's: no pause, no audit row.
    let refused = worker.psql(
        "INSERT INTO absurd.queue_controls (queue_name, paused, paused_by) VALUES ('dsa110-pipeline', true, 'x')",
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("permission denied"));
}

/// complete_tasks runs as its owner (it writes the attempts, where
/// absurd_worker may not insert), so it checks the session's own right to
/// update the tasks: PUBLIC and absurd_reader complete nothing through it,
/// absurd_worker completes its task with one attempt recorded.
#[tokio::test]
async fn the_batched_completion_completes_nothing_for_a_role_that_may_not_update_the_tasks() {
    let db = TestDb::migrated().await;
    let id = db
        .seed_one(
            task()
                .status("claimed")
                .attempt(1)
                .worker("lxd110h4-0000beef")
                .claimed(ago(mins(2)))
                .heartbeat(ago(mins(1))),
        )
        .to_string();
    let complete = format!(
        "SELECT * FROM absurd.complete_tasks(ARRAY['{id}']::uuid[], ARRAY['{{\"ok\": 1}}']::jsonb[], \
         'lxd110h4-0000beef')"
    );
    let row = || {
        db.psql(&format!(
            "SELECT t.status || ' ' || coalesce(t.result::text, '-') || ' '
                    || (SELECT count(*) FROM absurd.task_attempts a WHERE a.task_id = t.task_id)
               FROM absurd.tasks t WHERE t.task_id = '{id}'"
        ))
    };
    for who in [
        login(&db, "pub", None),
        login(&db, "rdr", Some("absurd_reader")),
    ] {
        let out = who.psql(&complete);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("permission denied for table tasks"),
            "{}: {err}",
            who.name
        );
        assert!(err.contains(&who.name), "the hint names the role: {err}");
        assert_eq!(row(), "claimed - 0", "{} changed the task", who.name);
    }
    let worker = login(&db, "wrk", Some("absurd_worker"));
    let out = worker.psql(&complete);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), id);
    assert_eq!(row(), "completed {\"ok\": 1} 1");
    assert_eq!(
        db.psql(&format!(
            "SELECT outcome || ' ' || hostname FROM absurd.task_attempts WHERE task_id = '{id}'"
        )),
        "completed lxd110h4"
    );
}
