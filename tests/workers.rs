//! `absurdctl workers` (issue 19 item 1): real workers live, idle,
//! SIGKILLed and stopped, as `workers` lists them; `workers stop` drains a
//! worker of another process through the database (and `--now` stops it at
//! once); `workers prune` deletes only old registrations.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// `worker run --worker-id ID OPTIONS -- HANDLER` on queue `wq`, logging
/// JSON, with a heartbeat every second; waits until it has registered.
fn start_worker(url: &str, id: &str, options: &str, handler: &str) -> Background {
    let mut full = vec![
        "--database-url",
        url,
        "--queue",
        "wq",
        "worker",
        "run",
        "--worker-id",
        id,
        "--heartbeat-interval",
        "1s",
        "--log-format",
        "json",
    ];
    full.extend(options.split_whitespace());
    full.extend(["--", handler]);
    let mut w = Background::start(absurdctl_command(&full));
    w.wait_for_named("worker_started", Duration::from_secs(30));
    w
}

/// A handler that says it started, then waits for the file `go`.
fn waiting_handler(dir: &Scratch) -> String {
    dir.script(
        "handler.sh",
        r#"echo '40% calibrating field 3' > "$ABSURD_PROGRESS_FILE"
echo "$ABSURD_TASK_ID" > "$DIR/started"
while [ ! -f "$DIR/go" ]; do sleep 0.05; done
echo '{"done": true}'"#,
    )
}

/// `workers -o json` of queue wq, by worker id.
fn workers(db: &TestDb, all: bool) -> Vec<Value> {
    let mut args = vec!["--queue", "wq", "-o", "json", "workers"];
    if all {
        args.push("--all");
    }
    let out = db.cli(&args);
    out.assert_success();
    out.json().as_array().unwrap().clone()
}

fn worker<'a>(list: &'a [Value], id: &str) -> &'a Value {
    list.iter()
        .find(|w| w["worker_id"] == id)
        .unwrap_or_else(|| panic!("{id} not listed: {list:?}"))
}

/// The first `workers --all -o json` listing in which each `(id, state)`
/// holds: a worker seen a moment ago can look silent to a listing that
/// lands just before a late heartbeat on a loaded machine. `and` must
/// hold too.
fn listing_with(
    db: &TestDb,
    states: &[(&str, &str)],
    and: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let list = workers(db, true);
        if states.iter().all(|(id, state)| {
            list.iter()
                .any(|w| w["worker_id"] == *id && w["state"] == *state)
        }) && and(&list)
        {
            return list;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never {states:?}: {list:#?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn state_of(db: &TestDb, id: &str) -> String {
    worker(&workers(db, true), id)["state"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn workers_lists_live_idle_killed_and_stopped_workers() {
    let db = TestDb::migrated().await;
    let dir = Scratch::new("absurdctl-workers");
    let handler = waiting_handler(&dir);
    let long = db.seed_one(task().queue("wq").name("long"));
    let live = start_worker(&db.url, "w-live", "--task-name long", &handler);
    dir.wait_for("started", Duration::from_secs(30));
    let _idle = start_worker(&db.url, "w-idle", "--task-name nothing", &handler);
    let killed = start_worker(&db.url, "w-killed", "--task-name nothing", &handler);
    let mut stopped = start_worker(&db.url, "w-stopped", "--task-name nothing", &handler);
    stopped.signal(libc::SIGTERM);
    stopped.wait(Duration::from_secs(30)).assert_success();

    killed.signal(libc::SIGKILL);
    let killed_at = Instant::now();
    // Dead within three of its heartbeat intervals (1s each).
    while state_of(&db, "w-killed") != "dead" {
        assert!(
            killed_at.elapsed() < Duration::from_secs(3),
            "the SIGKILLed worker is still {} after 3 intervals",
            state_of(&db, "w-killed")
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let list = listing_with(
        &db,
        &[
            ("w-live", "live"),
            ("w-idle", "idle"),
            ("w-killed", "dead"),
            ("w-stopped", "stopped"),
        ],
        // Progress is stored at the heartbeat after the handler wrote it.
        |list| worker(list, "w-live")["tasks"][0]["progress"] == 0.4,
    );
    let w = worker(&list, "w-live");
    assert_eq!(w["kind"], "absurdctl");
    assert_eq!(w["pid"], live.pid());
    assert_eq!(w["heartbeat_interval_sec"], 1.0);
    assert_eq!(w["concurrency"], 1);
    assert_eq!(w["running"], 1);
    assert_eq!(w["tasks"][0]["task_id"], long.to_string(), "{w}");
    assert_eq!(w["tasks"][0]["task_name"], "long");
    assert_eq!(w["tasks"][0]["progress_message"], "calibrating field 3");
    assert!(w["tasks"][0]["run_time_sec"].as_f64().unwrap() >= 0.0);
    assert_eq!(worker(&list, "w-idle")["tasks"], serde_json::json!([]));
    assert_eq!(worker(&list, "w-killed")["id_lock_held"], false);

    // A legacy worker, seen through its polls and the task it holds.
    db.psql(
        "INSERT INTO absurd.legacy_pollers (queue_name, worker_id, hostname)
         VALUES ('wq', 'node7-0badc0de', 'node7')",
    );
    db.seed_one(
        task()
            .queue("wq")
            .name("py")
            .status("claimed")
            .worker("node7-0badc0de")
            .claimed(ago(secs(5))),
    );
    let list = workers(&db, false);
    let py = worker(&list, "node7-0badc0de");
    assert_eq!(py["kind"], "legacy");
    assert_eq!(py["hostname"], "node7");
    assert_eq!(py["state"], "live", "{py}");
    assert_eq!(worker(&list, "w-killed")["state"], "dead");
    assert_eq!(py["running"], 1);

    // The table names them too.
    let out = db.cli(&["--queue", "wq", "workers"]);
    out.assert_success();
    for text in [
        "w-live", "w-idle", "dead", "stopped", "long", "40%", "node7",
    ] {
        assert!(out.stdout.contains(text), "{text}\n{out}");
    }

    // Long-dead ones only with --all.
    db.psql("UPDATE absurd.worker_registry SET last_seen_at = now() - interval '2 hours', stopped_at = now() - interval '2 hours' WHERE worker_id = 'w-stopped'");
    assert!(workers(&db, false)
        .iter()
        .all(|w| w["worker_id"] != "w-stopped"));
    assert_eq!(worker(&workers(&db, true), "w-stopped")["state"], "stopped");
    // The handler runs in a process group of its own, which killing its
    // worker at the end of the test would leave behind: it ends first.
    std::fs::write(dir.path("go"), "").unwrap();
    let started = Instant::now();
    while db.psql(&format!(
        "SELECT status FROM absurd.tasks WHERE task_id = '{long}'"
    )) != "completed"
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the live worker's task never completed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn workers_stop_drains_a_worker_of_another_process() {
    let db = TestDb::migrated().await;
    let dir = Scratch::new("absurdctl-workers");
    let handler = waiting_handler(&dir);
    let long = db.seed_one(task().queue("wq").name("long"));
    let mut w = start_worker(&db.url, "w-drain", "--grace 60s", &handler);
    dir.wait_for("started", Duration::from_secs(30));

    // Without a terminal and without --yes: refused, nothing asked.
    let out = db.cli(&["workers", "stop", "w-drain"]);
    out.assert_code(5);
    assert_eq!(
        db.psql("SELECT stop_requested_at IS NULL FROM absurd.worker_registry WHERE worker_id = 'w-drain'"),
        "t"
    );

    let out = db.cli(&["-o", "json", "workers", "stop", "w-drain", "--yes"]);
    out.assert_success();
    assert_eq!(out.json()["worker_id"], "w-drain");
    assert_eq!(out.json()["now"], false);
    let asked = w.wait_for_named("stop_requested", Duration::from_secs(10));
    assert_eq!(asked["now"], false);
    w.wait_for_named("draining", Duration::from_secs(10));
    let started = Instant::now();
    while state_of(&db, "w-drain") != "draining" {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never shown draining"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // It lets its task finish, then exits 0.
    std::fs::write(dir.path("go"), "").unwrap();
    let ended = w.wait(Duration::from_secs(30));
    ended.assert_success();
    assert!(
        ended.stderr.contains("stop-request"),
        "stopped by the request\n{ended}"
    );
    assert_eq!(
        db.psql(&format!(
            "SELECT status FROM absurd.tasks WHERE task_id = '{long}'"
        )),
        "completed"
    );
    assert_eq!(state_of(&db, "w-drain"), "stopped");
    assert_eq!(
        db.psql("SELECT count(*) FROM absurd.audit_log WHERE command = 'workers stop' AND filter->>'worker_id' = 'w-drain'"),
        "1"
    );
}

#[tokio::test]
async fn workers_stop_now_stops_the_handlers_and_gives_the_tasks_back() {
    let db = TestDb::migrated().await;
    let dir = Scratch::new("absurdctl-workers");
    let handler = waiting_handler(&dir);
    let long = db.seed_one(task().queue("wq").name("long"));
    let mut w = start_worker(&db.url, "w-now", "--grace 1h --kill-grace 1s", &handler);
    dir.wait_for("started", Duration::from_secs(30));
    db.cli(&["workers", "stop", "w-now", "--now", "--yes"])
        .assert_success();
    let ended = w.wait(Duration::from_secs(30));
    ended.assert_success();
    assert!(ended.stderr.contains("stop_now"), "{ended}");
    assert_eq!(
        db.psql(&format!(
            "SELECT status || ' ' || attempt || ' ' || coalesce(worker_id, '-') FROM absurd.tasks WHERE task_id = '{long}'"
        )),
        "pending 0 -",
        "given back without charging the attempt"
    );
}

#[tokio::test]
async fn workers_stop_refuses_unknown_stopped_and_dead_workers_and_changes_nothing() {
    let db = TestDb::migrated().await;
    db.psql(
        "INSERT INTO absurd.worker_registry (worker_id, queue_name, hostname, status, stopped_at, heartbeat_interval_sec)
         VALUES ('w-gone', 'wq', 'node1', 'stopped', now() - interval '1 hour', 1),
                ('w-dead', 'wq', 'node2', 'running', NULL, 1)",
    );
    let state = || {
        db.psql(
            "SELECT (SELECT string_agg(w::text, '|' ORDER BY worker_id) FROM absurd.worker_registry w)
                 || (SELECT count(*) FROM absurd.audit_log)",
        )
    };
    let before = state();
    let out = db.cli(&["workers", "stop", "no-such-worker", "--yes"]);
    out.assert_code(2);
    assert!(
        out.stderr
            .contains("no registered worker with id no-such-worker"),
        "{out}"
    );
    let out = db.cli(&["workers", "stop", "w-gone", "--yes"]);
    out.assert_code(1);
    assert!(out.stderr.contains("already stopped"), "{out}");
    // Registered as running, but no session holds its id: dead.
    let out = db.cli(&["workers", "stop", "w-dead", "--yes"]);
    out.assert_code(1);
    assert!(out.stderr.contains("is dead"), "{out}");
    assert_eq!(before, state());
}

#[tokio::test]
async fn workers_prune_deletes_only_the_old_rows() {
    let db = TestDb::migrated().await;
    db.psql(
        "INSERT INTO absurd.worker_registry (worker_id, queue_name, hostname, status, last_seen_at, stopped_at) VALUES
           ('old-stopped', 'wq', 'n1', 'stopped', now() - interval '9 days', now() - interval '9 days'),
           ('old-dead', 'wq', 'n1', 'running', now() - interval '8 days', NULL),
           ('old-marked', 'wq', 'n1', 'dead', now() - interval '30 days', NULL),
           ('new-stopped', 'wq', 'n1', 'stopped', now() - interval '1 day', now() - interval '1 day'),
           ('new-dead', 'wq', 'n1', 'running', now() - interval '2 days', NULL);
         INSERT INTO absurd.legacy_pollers (queue_name, worker_id, hostname, first_seen_at, last_seen_at) VALUES
           ('wq', 'n2-00000001', 'n2', now() - interval '20 days', now() - interval '8 days'),
           ('wq', 'n2-00000002', 'n2', now() - interval '1 day', now() - interval '1 hour');",
    );
    let rows = || {
        db.psql(
            "SELECT string_agg(worker_id, ',' ORDER BY worker_id) FROM
               (SELECT worker_id FROM absurd.worker_registry UNION ALL
                SELECT worker_id FROM absurd.legacy_pollers) w",
        )
    };
    let all = "n2-00000001,n2-00000002,new-dead,new-stopped,old-dead,old-marked,old-stopped";
    let out = db.cli(&[
        "-o",
        "json",
        "workers",
        "prune",
        "--older-than",
        "7d",
        "--dry-run",
    ]);
    out.assert_success();
    assert_eq!(
        out.json()["registrations"],
        serde_json::json!(["old-dead", "old-marked", "old-stopped"])
    );
    assert_eq!(
        out.json()["legacy_pollers"],
        serde_json::json!(["n2-00000001"])
    );
    assert_eq!(rows(), all, "a dry run deletes nothing");
    db.cli(&["workers", "prune", "--older-than", "7d"])
        .assert_code(5);
    assert_eq!(rows(), all, "unconfirmed: nothing deleted");

    let out = db.cli(&["workers", "prune", "--older-than", "7d", "--yes"]);
    out.assert_success();
    assert!(out.stdout.contains("deleted 3 registration(s)"), "{out}");
    assert_eq!(rows(), "n2-00000002,new-dead,new-stopped");
    assert_eq!(
        db.psql("SELECT affected FROM absurd.audit_log WHERE command = 'workers prune'"),
        "4"
    );
    // The operator role may do it.
    let op = TestRole::create(&db, "op", "GRANT absurd_operator TO {name}");
    op.cli(&["workers", "prune", "--older-than", "36h", "--yes"])
        .assert_success();
    assert_eq!(rows(), "n2-00000002,new-stopped");
}

#[tokio::test]
async fn vacuum_prunes_the_queues_old_registrations_with_its_retention() {
    let db = TestDb::migrated().await;
    db.psql(
        "INSERT INTO absurd.worker_registry (worker_id, queue_name, hostname, status, last_seen_at, stopped_at) VALUES
           ('old-wq', 'wq', 'n1', 'stopped', now() - interval '40 days', now() - interval '40 days'),
           ('old-other', 'other', 'n1', 'stopped', now() - interval '40 days', now() - interval '40 days'),
           ('new-wq', 'wq', 'n1', 'stopped', now() - interval '1 day', now() - interval '1 day');
         INSERT INTO absurd.legacy_pollers (queue_name, worker_id, last_seen_at) VALUES
           ('wq', 'n2-00000001', now() - interval '40 days');",
    );
    let rows = || {
        db.psql(
            "SELECT string_agg(worker_id, ',' ORDER BY worker_id) FROM
               (SELECT worker_id FROM absurd.worker_registry UNION ALL
                SELECT worker_id FROM absurd.legacy_pollers) w",
        )
    };
    let out = db.cli(&["--queue", "wq", "-o", "json", "vacuum", "--dry-run"]);
    out.assert_success();
    assert_eq!(
        out.json()["workers_pruned"]["registrations"],
        serde_json::json!(["old-wq"])
    );
    assert_eq!(rows(), "n2-00000001,new-wq,old-other,old-wq");
    let out = db.cli(&["--queue", "wq", "vacuum", "--yes", "--no-vacuum"]);
    out.assert_success();
    assert!(
        out.stdout
            .contains("deleted 1 worker registration(s) and 1 legacy poller(s)"),
        "{out}"
    );
    assert_eq!(rows(), "new-wq,old-other", "only the queue's old rows");
}
