//! `migrate` adopts every legacy shape in place: no row lost or changed, and
//! every call the Python clients make keeps working with the same argument
//! and result shapes (legacy-schema.md).

mod common;

use common::*;
use sqlx::{Column, PgPool, Row, TypeInfo};

/// get_queue_stats of dsa110-ingestion once `migrate` stored task 21 (the
/// fixture's `retrying`) as one of the pending.
const MIGRATED_INGESTION: [i32; 7] = [3, 1, 2, 1, 1, 0, 8];

const ROW01: &str = "00000000-0000-4000-8000-000000000001";

/// Every legacy column of every row, as text, in task_id order. The one
/// change `migrate` makes to them is folded in: a task stored `retrying` (a
/// status no legacy code reads) becomes the `pending` row every legacy
/// reader sees, everything else of it kept.
fn snapshot(db: &TestDb) -> String {
    db.psql(
        "SELECT string_agg(concat_ws('|', task_id, queue_name, task_name, params, priority, timeout_sec,
                 CASE status WHEN 'retrying' THEN 'pending' ELSE status END, worker_id,
                 attempt, max_retries, result, error, created_at, claimed_at,
                 completed_at, wait_time_sec, execution_time_sec), E'\\n' ORDER BY task_id)
           FROM absurd.tasks",
    )
}

async fn adopt(files: &[&str]) -> (TestDb, String) {
    let db = TestDb::empty().await;
    for f in files {
        db.load_fixture(f);
    }
    let before = snapshot(&db);
    assert!(!before.is_empty());
    let retrying = db.psql(
        "SELECT coalesce(string_agg(task_id::text, ',' ORDER BY task_id), '')
           FROM absurd.tasks WHERE status = 'retrying'",
    );
    let out = db.cli(&["migrate"]);
    out.assert_success();
    assert_eq!(before, snapshot(&db), "migrate changed legacy rows");
    assert_eq!(
        db.psql("SELECT count(*) FROM absurd.tasks WHERE status = 'retrying'"),
        "0",
        "migrate stores every task waiting for its retry as pending"
    );
    // absurdctl's own columns: exactly the converted tasks await their
    // retry, and no claim made before counts as an absurdctl worker's.
    assert_eq!(
        db.psql(
            "SELECT coalesce(string_agg(task_id::text, ',' ORDER BY task_id), '')
               FROM absurd.tasks WHERE awaiting_retry"
        ),
        retrying
    );
    assert_eq!(
        db.psql("SELECT count(*) FROM absurd.tasks WHERE claim_fenced"),
        "0"
    );
    db.cli(&["migrate", "--check"]).assert_success();
    db.cli(&["migrate"]).assert_success();
    assert_eq!(before, snapshot(&db), "a second migrate changed rows");
    (db, before)
}

fn column_shape(row: &sqlx::postgres::PgRow) -> Vec<(String, String)> {
    row.columns()
        .iter()
        .map(|c| (c.name().to_string(), c.type_info().name().to_lowercase()))
        .collect()
}

/// The Python client's exact statements, with its argument and result shapes.
/// `ingestion_stats`: what get_queue_stats counts in dsa110-ingestion.
async fn python_client_calls_work(pool: &PgPool, ingestion_stats: [i32; 7]) {
    // spawn_task with five arguments returns a uuid.
    let spawned: uuid::Uuid = sqlx::query_scalar("SELECT absurd.spawn_task($1,$2,$3,$4,$5)")
        .bind("dsa110-pipeline")
        .bind("photometry")
        .bind(serde_json::json!({"field": 1}))
        .bind(0)
        .bind(None::<i32>)
        .fetch_one(pool)
        .await
        .expect("spawn_task");

    // claim_task: same columns by name and type, highest priority first.
    let row = sqlx::query("SELECT * FROM absurd.claim_task($1,$2)")
        .bind("dsa110-pipeline")
        .bind("python-worker-1")
        .fetch_one(pool)
        .await
        .expect("claim_task returns a row");
    let expected: Vec<(String, String)> = [
        ("task_id", "uuid"),
        ("queue_name", "text"),
        ("task_name", "text"),
        ("params", "jsonb"),
        ("task_priority", "int4"),
        ("timeout_sec", "int4"),
        ("status", "text"),
        ("worker_id", "text"),
        ("attempt", "int4"),
        ("max_retries", "int4"),
        ("created_at", "timestamptz"),
        ("claimed_at", "timestamptz"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(column_shape(&row), expected);
    let claimed: uuid::Uuid = row.get("task_id");
    assert_eq!(claimed.to_string(), ROW01, "priority 10 first");
    assert_eq!(row.get::<i32, _>("task_priority"), 10);
    assert_eq!(row.get::<String, _>("status"), "claimed");
    assert_eq!(row.get::<i32, _>("attempt"), 1);

    // heartbeat_task now records heartbeat_at.
    sqlx::query(
        "UPDATE absurd.tasks SET heartbeat_at = now() - interval '1 hour' WHERE task_id = $1",
    )
    .bind(claimed)
    .execute(pool)
    .await
    .unwrap();
    let hb: bool = sqlx::query_scalar("SELECT absurd.heartbeat_task($1)")
        .bind(claimed)
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(hb);
    let fresh: bool = sqlx::query_scalar(
        "SELECT heartbeat_at > now() - interval '1 minute' FROM absurd.tasks WHERE task_id = $1",
    )
    .bind(claimed)
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(fresh, "heartbeat_task records heartbeat_at");

    // complete_task(task, result::jsonb) -> boolean.
    let done: bool = sqlx::query_scalar("SELECT absurd.complete_task($1,$2::jsonb)")
        .bind(claimed)
        .bind(r#"{"ok": true}"#)
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(done);
    let again: bool = sqlx::query_scalar("SELECT absurd.complete_task($1,$2::jsonb)")
        .bind(claimed)
        .bind("{}")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(!again, "only a claimed task completes");

    // fail_task(task, error) -> boolean; now retries while attempts remain.
    let row = sqlx::query("SELECT * FROM absurd.claim_task($1,$2)")
        .bind("dsa110-pipeline")
        .bind("python-worker-1")
        .fetch_one(pool)
        .await
        .unwrap();
    let second: uuid::Uuid = row.get("task_id");
    let failed: bool = sqlx::query_scalar("SELECT absurd.fail_task($1,$2)")
        .bind(second)
        .bind("FileNotFoundError: /data/incoming/x.uvh5")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(failed);
    // Waiting for its retry: a pending row, available after the backoff.
    let (status, later): (String, bool) =
        sqlx::query_as("SELECT status, available_at > now() FROM absurd.tasks WHERE task_id = $1")
            .bind(second)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), later), ("pending", true));

    // get_queue_stats: seven integer columns by name.
    let stats = sqlx::query("SELECT * FROM absurd.get_queue_stats($1)")
        .bind("dsa110-ingestion")
        .fetch_one(pool)
        .await
        .unwrap();
    let names: Vec<(String, String)> = column_shape(&stats);
    assert_eq!(
        names,
        [
            "pending",
            "claimed",
            "completed",
            "failed",
            "cancelled",
            "retrying",
            "total"
        ]
        .iter()
        .map(|n| (n.to_string(), "int4".to_string()))
        .collect::<Vec<_>>()
    );
    let counts: [i32; 7] = std::array::from_fn(|i| stats.get::<i32, _>(i));
    assert_eq!(counts, ingestion_stats);

    // Plain SQL: cancel, list/get with retry_count, prune.
    let cancelled = sqlx::query(
        "UPDATE absurd.tasks SET status='cancelled', completed_at=now(), error='Cancelled by user'
          WHERE task_id=$1 AND status IN ('pending','claimed')",
    )
    .bind(spawned)
    .execute(pool)
    .await
    .unwrap();
    assert_eq!(cancelled.rows_affected(), 1);
    let listed = sqlx::query(
        "SELECT task_id, task_name, status, attempt AS retry_count FROM absurd.tasks WHERE queue_name = $1",
    )
    .bind("dsa110-ingestion")
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(listed.len(), 8);
    let pruned = sqlx::query(
        "DELETE FROM absurd.tasks WHERE completed_at < now() - $1::interval
           AND status IN ('completed','failed','cancelled')",
    )
    .bind("30 days")
    .execute(pool)
    .await
    .unwrap();
    assert!(pruned.rows_affected() > 0);
}

#[tokio::test]
async fn shape_l1_claim_task_works_after_migrate() {
    let db = TestDb::empty().await;
    db.load_fixture("legacy_base_l1.sql");
    db.load_fixture("legacy_rows.sql");
    let pool = db.pool().await;
    let broken = sqlx::query("SELECT * FROM absurd.claim_task($1,$2)")
        .bind("dsa110-pipeline")
        .bind("w")
        .fetch_optional(&pool)
        .await;
    assert!(
        broken.unwrap_err().to_string().contains("ambiguous"),
        "the fixture is L1"
    );
    pool.close().await;

    let dry = db.cli(&["migrate", "--dry-run"]);
    dry.assert_success();
    assert!(dry.stdout.contains("L1"), "{dry}");
    drop(db);

    let (db, _) = adopt(&["legacy_base_l1.sql", "legacy_rows.sql"]).await;
    python_client_calls_work(&db.pool().await, MIGRATED_INGESTION).await;
}

#[tokio::test]
async fn shape_l2() {
    let (db, _) = adopt(&["legacy_base_l2.sql", "legacy_rows.sql"]).await;
    // Tasks 13 and 21, stored `retrying` by the fixture, are pending rows now
    // and absurdctl still shows them retrying.
    let out = db.cli(&[
        "--output",
        "json",
        "tasks",
        "list",
        "--all-queues",
        "--status",
        "retrying",
    ]);
    out.assert_success();
    let ids: Vec<String> = out
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2, "{out}");
    assert!(
        ids.iter().all(|i| i.ends_with("13") || i.ends_with("21")),
        "{ids:?}"
    );
    python_client_calls_work(&db.pool().await, MIGRATED_INGESTION).await;
}

#[tokio::test]
async fn shape_l1_with_dependencies() {
    let (db, _) = adopt(&[
        "legacy_base_l1.sql",
        "legacy_ext_d.sql",
        "legacy_rows.sql",
        "legacy_rows_d.sql",
    ])
    .await;
    python_client_calls_work(&db.pool().await, MIGRATED_INGESTION).await;
}

#[tokio::test]
async fn shape_l2_with_dependencies_schedules_and_upstream_absurd() {
    let db = TestDb::empty().await;
    for f in [
        "legacy_base_l2.sql",
        "legacy_ext_d.sql",
        "legacy_ext_s.sql",
        "upstream_absurd.sql",
    ] {
        db.load_fixture(f);
    }
    let upstream_before = db.psql(
        "SELECT string_agg(c.relname || ':' || c.relkind::text, ',' ORDER BY c.relname) FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'absurd' AND (c.relname IN ('queues', 'scheduled_tasks', 'workflows')
                                         OR c.relname LIKE 't\\_%' OR c.relname LIKE 'r\\_%')",
    );
    let rows_before = db.psql("SELECT (SELECT count(*) FROM absurd.t_default) || '/' || (SELECT count(*) FROM absurd.queues)");
    drop(db);

    let (db, _) = adopt(&[
        "legacy_base_l2.sql",
        "legacy_ext_d.sql",
        "legacy_ext_s.sql",
        "upstream_absurd.sql",
        "legacy_rows.sql",
        "legacy_rows_d.sql",
    ])
    .await;
    let upstream_after = db.psql(
        "SELECT string_agg(c.relname || ':' || c.relkind::text, ',' ORDER BY c.relname) FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'absurd' AND (c.relname IN ('queues', 'scheduled_tasks', 'workflows')
                                         OR c.relname LIKE 't\\_%' OR c.relname LIKE 'r\\_%')",
    );
    assert_eq!(
        upstream_before, upstream_after,
        "upstream and extension objects untouched"
    );
    assert_eq!(
        rows_before,
        db.psql("SELECT (SELECT count(*) FROM absurd.t_default) || '/' || (SELECT count(*) FROM absurd.queues)")
    );
    assert_eq!(db.psql("SELECT count(*) FROM absurd.scheduled_tasks"), "0");
    python_client_calls_work(&db.pool().await, MIGRATED_INGESTION).await;

    // Extension D's functions still work, and claims now honour depends_on:
    // task 23 (priority 10) waits for task 04.
    let pool = db.pool().await;
    let mut seen = Vec::new();
    while let Some(row) = sqlx::query("SELECT * FROM absurd.claim_task($1,$2)")
        .bind("dsa110-pipeline")
        .bind("w")
        .fetch_optional(&pool)
        .await
        .unwrap()
    {
        let id: uuid::Uuid = row.get("task_id");
        seen.push(id.to_string());
    }
    let pos = |nn: &str| seen.iter().position(|s| s.ends_with(nn));
    assert!(pos("000000000004").is_some());
    assert!(
        pos("000000000023").is_none(),
        "23 is held until 04 completes: {seen:?}"
    );
    let id04 = "00000000-0000-4000-8000-000000000004";
    let res = db.psql(&format!(
        "SELECT success, released_tasks FROM absurd.complete_task_with_deps('{id04}', '{{}}'::jsonb)"
    ));
    assert_eq!(res, "t|1");
    let next = db.psql("SELECT task_id FROM absurd.claim_task('dsa110-pipeline', 'w')");
    assert!(next.ends_with("000000000023"), "{next}");
}

#[tokio::test]
async fn shape_l0_gets_everything() {
    let db = TestDb::empty().await;
    let out = db.cli(&["migrate", "--dry-run"]);
    assert!(out.stdout.contains("L0"), "{out}");
    db.cli(&["migrate"]).assert_success();
    db.load_fixture("legacy_rows.sql");
    // Loaded after migrate: task 21 stays as the fixture stored it.
    python_client_calls_work(&db.pool().await, [2, 1, 2, 1, 1, 1, 8]).await;
}

/// The released signatures (legacy-schema.md): parameter names, defaults and
/// result columns exactly, as PostgreSQL prints them.
const RELEASED: &[(&str, &str, &str)] = &[
    (
        "spawn_task",
        "p_queue_name text, p_task_name text, p_params jsonb, p_priority integer DEFAULT 0, \
         p_timeout_sec integer DEFAULT NULL::integer, p_max_retries integer DEFAULT 3",
        "uuid",
    ),
    (
        "claim_task",
        "p_queue_name text, p_worker_id text",
        "TABLE(task_id uuid, queue_name text, task_name text, params jsonb, task_priority integer, \
         timeout_sec integer, status text, worker_id text, attempt integer, max_retries integer, \
         created_at timestamp with time zone, claimed_at timestamp with time zone)",
    ),
    ("complete_task", "p_task_id uuid, p_result jsonb", "boolean"),
    ("fail_task", "p_task_id uuid, p_error text", "boolean"),
    ("cancel_task", "p_task_id uuid", "boolean"),
    ("retry_task", "p_task_id uuid", "boolean"),
    (
        "get_queue_stats",
        "p_queue_name text",
        "TABLE(pending integer, claimed integer, completed integer, failed integer, \
         cancelled integer, retrying integer, total integer)",
    ),
    ("heartbeat_task", "p_task_id uuid", "boolean"),
];

const RELEASED_D: &[(&str, &str, &str)] = &[
    (
        "spawn_task_with_deps",
        "p_queue_name text, p_task_name text, p_params jsonb, p_depends_on uuid[], \
         p_workflow_id uuid DEFAULT NULL::uuid, p_priority integer DEFAULT 0, \
         p_timeout_sec integer DEFAULT NULL::integer, p_max_retries integer DEFAULT 3",
        "uuid",
    ),
    ("check_blocked_tasks", "p_completed_task_id uuid", "integer"),
    (
        "complete_task_with_deps",
        "p_task_id uuid, p_result jsonb",
        "TABLE(success boolean, released_tasks integer)",
    ),
];

fn assert_released_signatures(db: &TestDb, released: &[(&str, &str, &str)]) {
    for (name, args, result) in released {
        // The legacy forms: absurdctl's fenced overloads have one more argument.
        let got = db.psql(&format!(
            "SELECT pg_get_function_arguments(p.oid) || ' -> ' || pg_get_function_result(p.oid)
               FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = 'absurd' AND p.proname = '{name}'
                AND p.pronargs = {}",
            args.split(", ").count()
        ));
        let args = args.split_whitespace().collect::<Vec<_>>().join(" ");
        let result = result.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(got, format!("{args} -> {result}"), "absurd.{name}");
    }
}

/// Every legacy function called in named notation with its released
/// parameter names, as a client may call it.
fn named_notation_calls_work(db: &TestDb, with_d: bool) {
    assert_released_signatures(db, RELEASED);
    let id = db.psql(
        "SELECT absurd.spawn_task(p_queue_name => 'named', p_task_name => 'photometry',
                                  p_params => '{\"field\": 1}'::jsonb, p_priority => 7,
                                  p_timeout_sec => 600, p_max_retries => 2)",
    );
    assert_eq!(
        db.psql(&format!(
            "SELECT priority || '/' || timeout_sec || '/' || max_retries FROM absurd.tasks WHERE task_id = '{id}'"
        )),
        "7/600/2"
    );
    let short = db.psql(
        "SELECT absurd.spawn_task(p_queue_name => 'named', p_task_name => 'imaging', p_params => '{}'::jsonb)",
    );
    let claimed = db.psql(
        "SELECT task_id || '|' || task_priority FROM absurd.claim_task(p_queue_name => 'named',
                                                                       p_worker_id => 'host-0123abcd')",
    );
    assert_eq!(claimed, format!("{id}|7"));
    assert_eq!(
        db.psql(&format!(
            "SELECT absurd.heartbeat_task(p_task_id => '{id}')"
        )),
        "t"
    );
    assert_eq!(
        db.psql(&format!(
            "SELECT absurd.fail_task(p_task_id => '{id}', p_error => 'OSError: disk full')"
        )),
        "t"
    );
    assert_eq!(
        db.psql(&format!("SELECT absurd.cancel_task(p_task_id => '{id}')")),
        "t",
        "waiting for its retry: cancellable"
    );
    assert_eq!(
        db.psql(&format!("SELECT absurd.retry_task(p_task_id => '{id}')")),
        "t"
    );
    assert_eq!(
        db.psql(
            "SELECT task_id FROM absurd.claim_task(p_queue_name => 'named', p_worker_id => 'h-0123abcd')"
        ),
        id
    );
    assert_eq!(
        db.psql(&format!(
            "SELECT absurd.complete_task(p_task_id => '{id}', p_result => '{{\"ok\": true}}'::jsonb)"
        )),
        "t"
    );
    assert_eq!(
        db.psql("SELECT pending || '/' || completed || '/' || total FROM absurd.get_queue_stats(p_queue_name => 'named')"),
        "1/1/2"
    );
    if !with_d {
        return;
    }
    assert_released_signatures(db, RELEASED_D);
    let dep = db.psql(&format!(
        "SELECT absurd.spawn_task_with_deps(p_queue_name => 'named', p_task_name => 'create-mosaic',
                                            p_params => '{{}}'::jsonb, p_depends_on => ARRAY['{short}']::uuid[],
                                            p_workflow_id => NULL, p_priority => 9,
                                            p_timeout_sec => NULL, p_max_retries => 1)"
    ));
    assert_eq!(
        db.psql(&format!(
            "SELECT absurd.check_blocked_tasks(p_completed_task_id => '{short}')"
        )),
        "0"
    );
    assert_eq!(
        db.psql("SELECT task_id FROM absurd.claim_task(p_queue_name => 'named', p_worker_id => 'h-0123abcd')"),
        short,
        "the dependent task waits"
    );
    assert_eq!(
        db.psql(&format!(
            "SELECT success || '|' || released_tasks
               FROM absurd.complete_task_with_deps(p_task_id => '{short}', p_result => '{{}}'::jsonb)"
        )),
        "true|1"
    );
    assert_eq!(
        db.psql("SELECT task_id FROM absurd.claim_task(p_queue_name => 'named', p_worker_id => 'h-0123abcd')"),
        dep
    );
}

#[tokio::test]
async fn released_parameter_names_l1_with_dependencies() {
    let (db, _) = adopt(&["legacy_base_l1.sql", "legacy_ext_d.sql", "legacy_rows.sql"]).await;
    named_notation_calls_work(&db, true);
}

#[tokio::test]
async fn released_parameter_names_l2_with_dependencies() {
    // The fixtures are the released schema: same signatures before migrate.
    let before = TestDb::empty().await;
    before.load_fixture("legacy_base_l2.sql");
    before.load_fixture("legacy_ext_d.sql");
    assert_released_signatures(&before, RELEASED);
    assert_released_signatures(&before, RELEASED_D);
    drop(before);
    let (db, _) = adopt(&["legacy_base_l2.sql", "legacy_ext_d.sql", "legacy_rows.sql"]).await;
    named_notation_calls_work(&db, true);
}

#[tokio::test]
async fn released_parameter_names_l2_and_l0() {
    let (db, _) = adopt(&["legacy_base_l2.sql", "legacy_rows.sql"]).await;
    named_notation_calls_work(&db, false);
    let db = TestDb::migrated().await;
    named_notation_calls_work(&db, false);
}

/// A DBA who took EXECUTE on a legacy function away from PUBLIC and gave it
/// to the pipeline's role keeps exactly that when a migration redefines the
/// function (here 1100, applied again).
#[tokio::test]
async fn redefined_functions_keep_their_grants() {
    let db = TestDb::migrated().await;
    db.psql(
        "DO $$ BEGIN
           IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'compat_pipeline') THEN
             CREATE ROLE compat_pipeline NOLOGIN;
           END IF;
         END $$;
         REVOKE EXECUTE ON FUNCTION absurd.complete_task(uuid, jsonb) FROM PUBLIC;
         GRANT EXECUTE ON FUNCTION absurd.complete_task(uuid, jsonb) TO compat_pipeline;
         DELETE FROM absurd._sqlx_migrations WHERE version = 1100",
    );
    let rights = || {
        db.psql(
            "SELECT has_function_privilege('public', 'absurd.complete_task(uuid, jsonb)', 'EXECUTE')
                    || '/' || has_function_privilege('compat_pipeline', 'absurd.complete_task(uuid, jsonb)', 'EXECUTE')",
        )
    };
    assert_eq!(rights(), "false/true");
    let out = db.cli(&["migrate"]);
    out.assert_success();
    assert_eq!(
        db.psql("SELECT count(*) FROM absurd._sqlx_migrations WHERE version = 1100"),
        "1",
        "{out}"
    );
    assert_eq!(rights(), "false/true");
}
