//! Concurrent and interrupted `migrate` runs (issue 16 item 8): two at once,
//! and a rerun right after one SIGKILLed during CREATE INDEX CONCURRENTLY,
//! both end at the current schema and exit 0. Real processes, a real
//! SIGKILL; an old snapshot held by a second session keeps the first run
//! inside its concurrent index build for as long as the test needs.

mod common;

use std::time::{Duration, Instant};

use common::*;
use sqlx::{Connection, PgConnection, PgPool};

/// A session whose open snapshot every CREATE INDEX CONCURRENTLY of this
/// database waits for, until `release`.
async fn hold_old_snapshot(db: &TestDb) -> PgConnection {
    let mut conn = PgConnection::connect_with(&quiet_options(&db.url))
        .await
        .unwrap();
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("SELECT count(*) FROM pg_class")
        .execute(&mut conn)
        .await
        .unwrap();
    conn
}

async fn release(mut conn: PgConnection) {
    sqlx::query("ROLLBACK").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}

/// Waits until some session of the database is building an index
/// concurrently (whose statement contains `index`, when given).
async fn wait_for_concurrent_build(pool: &PgPool) {
    wait_for_build_of(pool, "").await
}

async fn wait_for_build_of(pool: &PgPool, index: &str) {
    let started = Instant::now();
    loop {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
              WHERE datname = current_database() AND state = 'active'
                AND query ILIKE '%CREATE INDEX CONCURRENTLY%' AND query LIKE '%' || $1 || '%'
                AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
        )
        .bind(index)
        .fetch_one(pool)
        .await
        .unwrap();
        if n > 0 {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no CREATE INDEX CONCURRENTLY"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn start_migrate(db: &TestDb) -> Background {
    Background::start(absurdctl_command(&["--database-url", &db.url, "migrate"]))
}

/// Waits until `run` says it waits for another migrate.
fn wait_until_waiting(run: &Background) {
    let started = Instant::now();
    while !run
        .lines()
        .iter()
        .any(|l| l.contains("waiting for another `absurdctl migrate`"))
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the second migrate does not wait: {:?}",
            run.lines()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The schema is current and every index absurdctl built is valid.
fn assert_current(db: &TestDb) {
    db.cli(&["migrate", "--check"]).assert_success();
    assert_eq!(
        db.psql(
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
              WHERE c.relnamespace = 'absurd'::regnamespace AND NOT i.indisvalid"
        ),
        "0",
        "no invalid index left"
    );
    assert_eq!(
        db.psql(
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'absurd'::regnamespace
                AND relname IN ('tasks_claimable_idx', 'tasks_claimed_idx', 'tasks_finished_covering_idx')"
        ),
        "3"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_migrates_at_once_both_end_at_the_current_schema() {
    let db = TestDb::empty().await;
    db.load_fixture("legacy_base_l2.sql");
    db.load_fixture("legacy_rows.sql");
    let pool = db.pool().await;
    let snapshot = hold_old_snapshot(&db).await;
    let mut first = start_migrate(&db);
    wait_for_concurrent_build(&pool).await;
    // The second starts while the first builds an index concurrently.
    let mut second = start_migrate(&db);
    wait_until_waiting(&second);
    release(snapshot).await;
    let a = first.wait(Duration::from_secs(120));
    let b = second.wait(Duration::from_secs(120));
    a.assert_success();
    b.assert_success();
    assert!(!a.stderr.contains("deadlock") && !b.stderr.contains("deadlock"));
    assert_current(&db);
}

/// A session holding a write lock on absurd.tasks: a concurrent index build
/// waits for it before it builds, until `release`.
async fn hold_write_lock(db: &TestDb) -> PgConnection {
    let mut conn = PgConnection::connect_with(&quiet_options(&db.url))
        .await
        .unwrap();
    sqlx::query("BEGIN").execute(&mut conn).await.unwrap();
    sqlx::query("UPDATE absurd.tasks SET priority = priority WHERE false")
        .execute(&mut conn)
        .await
        .unwrap();
    conn
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_right_after_a_sigkilled_migrate_ends_at_the_current_schema() {
    let db = TestDb::empty().await;
    db.load_fixture("legacy_base_l2.sql");
    db.load_fixture("legacy_rows.sql");
    let pool = db.pool().await;
    // Hold the first run in its first index build, then make its second
    // build wait, before building, for a writer on absurd.tasks.
    let snapshot = hold_old_snapshot(&db).await;
    let mut killed = start_migrate(&db);
    wait_for_build_of(&pool, "tasks_claimable_idx").await;
    let writer = hold_write_lock(&db).await;
    release(snapshot).await;
    wait_for_build_of(&pool, "tasks_claimed_idx").await;
    killed.child.kill().unwrap(); // SIGKILL
    killed.child.wait().unwrap();
    // Its server session goes on with the build of the (still invalid) index.
    assert_eq!(
        db.psql(
            "SELECT string_agg(c.relname, ',') FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
              WHERE c.relnamespace = 'absurd'::regnamespace AND NOT i.indisvalid"
        ),
        "tasks_claimed_idx"
    );
    let building = db.psql("SELECT 'absurd.tasks_claimed_idx'::regclass::oid");
    // The rerun starts at once: it must neither drop that index under the
    // build nor hold a snapshot the build waits for.
    let mut rerun = start_migrate(&db);
    wait_until_waiting(&rerun);
    release(writer).await;
    let out = rerun.wait(Duration::from_secs(120));
    out.assert_success();
    assert!(!out.stderr.contains("deadlock"), "{out}");
    assert_current(&db);
    assert_eq!(
        db.psql("SELECT 'absurd.tasks_claimed_idx'::regclass::oid"),
        building,
        "the index the killed run's session was building was finished, not dropped"
    );
    // The legacy rows are all there.
    assert_eq!(db.psql("SELECT count(*) > 0 FROM absurd.tasks"), "t");
}

/// An invalid index that nobody builds any more (its builder is long gone)
/// is dropped and built again.
#[tokio::test]
async fn an_index_left_invalid_is_built_again() {
    let db = TestDb::migrated().await;
    // What an interrupted build leaves: the index, marked invalid, and its
    // migration not recorded.
    db.psql(
        "UPDATE pg_index SET indisvalid = false
          WHERE indexrelid = 'absurd.tasks_claimed_idx'::regclass;
         DELETE FROM absurd._sqlx_migrations WHERE version = 3",
    );
    db.cli(&["migrate"]).assert_success();
    assert_current(&db);
}
