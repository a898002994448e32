//! No command's hot path reads absurd.tasks or the task history
//! sequentially: every read of `status`, `errors`, `tasks`, `trends`,
//! `workers`, `audit`, a worker's claims and completions and bench's runs,
//! on a history large enough for the planner to choose what it chooses in
//! production, with auto_explain logging the plan of every statement (and
//! of those inside the schema's functions) to the server log of a cluster
//! of the test's own.

mod common;

use std::path::Path;

use common::*;

/// The tables whose sequential scan grows with the history.
const HISTORY_TABLES: [&str; 3] = ["tasks", "task_attempts", "task_events"];

/// Every plan auto_explain logged in `log` (JSON format): its query text
/// and plan. A logged plan is a line `... LOG:  duration: ... plan:`
/// followed by the JSON document, each of its lines starting with a tab.
fn logged_plans(log: &str) -> Vec<serde_json::Value> {
    let mut plans = Vec::new();
    let mut doc: Option<String> = None;
    for line in log.lines() {
        if let Some(d) = doc.as_mut() {
            if let Some(rest) = line.strip_prefix('\t') {
                d.push_str(rest);
                d.push('\n');
                continue;
            }
            let text = doc.take().unwrap();
            plans.push(serde_json::from_str(&text).unwrap_or_else(|e| {
                panic!("a logged plan is not JSON ({e}):\n{text}");
            }));
        }
        if line.contains("duration:") && line.ends_with("plan:") {
            doc = Some(String::new());
        }
    }
    if let Some(text) = doc {
        plans.push(serde_json::from_str(&text).expect("the last logged plan is JSON"));
    }
    plans
}

/// The history tables `node` (a plan node and its children) reads by
/// sequential scan.
fn seq_scans(node: &serde_json::Value, found: &mut Vec<String>) {
    if node["Node Type"] == "Seq Scan" {
        if let Some(rel) = node["Relation Name"].as_str() {
            if HISTORY_TABLES.contains(&rel) {
                found.push(rel.to_string());
            }
        }
    }
    if let Some(children) = node["Plans"].as_array() {
        for c in children {
            seq_scans(c, found);
        }
    }
}

/// The server log from byte `from` on.
fn log_since(path: &Path, from: usize) -> String {
    let bytes = std::fs::read(path).expect("read the server log");
    String::from_utf8_lossy(&bytes[from.min(bytes.len())..]).into_owned()
}

fn log_len(path: &Path) -> usize {
    std::fs::metadata(path).map_or(0, |m| m.len() as usize)
}

/// A worker's claims and completions: 20 tasks through `worker run`.
const WORKER_RUN: [&str; 8] = [
    "worker",
    "run",
    "--max-tasks",
    "20",
    "--poll-interval",
    "100ms",
    "--",
    "true",
];

/// bench's claims, completions and reads, on a queue of its own.
const BENCH: [&str; 10] = [
    "--yes",
    "bench",
    "--tasks",
    "200",
    "--samples",
    "20",
    "--workers",
    "1",
    "--batch",
    "50",
];

/// Has auto_explain log, as JSON, the plan of every statement run in
/// `db` from now on (those inside the schema's functions too), with
/// `extra` settings of the database besides.
fn log_every_plan(db: &TestDb, extra: &[&str]) {
    let logging = [
        "session_preload_libraries = 'auto_explain'",
        "auto_explain.log_min_duration = 0",
        "auto_explain.log_nested_statements = on",
        "auto_explain.log_format = json",
    ];
    for setting in logging.iter().chain(extra) {
        db.psql(&format!("ALTER DATABASE \"{}\" SET {setting}", db.name));
    }
}

#[tokio::test]
async fn no_hot_path_reads_the_tasks_or_their_history_sequentially() {
    let cluster = PgCluster::start();
    let db = TestDb::empty_on(&cluster.url).await;
    db.cli(&["migrate"]).assert_success();
    db.load_fixture("explain_history.sql");
    // As autovacuum leaves a table that grew by inserts: statistics, and
    // the visibility map that index-only scans need.
    db.psql("VACUUM (ANALYZE) absurd.tasks");
    db.psql("VACUUM (ANALYZE) absurd.task_attempts");
    db.psql("VACUUM (ANALYZE) absurd.task_events");
    assert_eq!(
        db.psql("SELECT count(*) FROM absurd.tasks WHERE status IN ('completed', 'failed', 'cancelled')"),
        "260000"
    );
    log_every_plan(&db, &[]);
    let prefix = db.psql(
        "SELECT left(task_id::text, 8) FROM absurd.tasks WHERE status = 'failed' ORDER BY created_at DESC LIMIT 1",
    );
    let runs: Vec<Vec<&str>> = vec![
        vec!["status"],
        vec!["status", "-o", "json"],
        vec!["status", "--all-queues"],
        vec!["errors", "--since", "24h"],
        vec!["errors", "--since", "24h", "--attempts"],
        vec!["tasks", "list"],
        vec!["tasks", "list", "--all-queues"],
        vec!["tasks", "list", "--status", "failed"],
        vec!["tasks", "list", "--status", "completed"],
        vec!["tasks", "list", "--status", "pending"],
        vec!["tasks", "list", "--status", "retrying"],
        vec!["tasks", "list", "--status", "claimed"],
        vec!["tasks", "list", "--task-name", "imaging"],
        vec!["tasks", "list", "--since", "1h"],
        vec!["tasks", "list", "--since", "7d", "--until", "1d"],
        vec!["tasks", "list", "--error-contains", "memoryerror"],
        vec!["tasks", "list", "--worker", "lxd110h3"],
        vec!["tasks", "list", "--worker", "lxd110h3-00000003"],
        vec!["tasks", "list", "--sort", "failed_at"],
        vec!["tasks", "list", "--sort", "finished_at"],
        vec!["tasks", "list", "--sort", "priority", "--status", "pending"],
        vec!["tasks", "show", &prefix],
        vec!["trends", "--by", "day", "--since", "30d"],
        vec!["trends", "--by", "day", "--since", "30d", "--by-task"],
        vec!["trends", "--by", "hour", "--since", "24h"],
        vec!["workers"],
        vec!["audit"],
        WORKER_RUN.to_vec(),
        BENCH.to_vec(),
    ];
    let log = cluster.dir.join("server.log");
    let mut offenders = Vec::new();
    let mut plans_seen = 0;
    for args in &runs {
        let from = log_len(&log);
        db.cli(args).assert_success();
        let plans = logged_plans(&log_since(&log, from));
        assert!(
            !plans.is_empty(),
            "no plan logged for {args:?}: is auto_explain loaded?"
        );
        plans_seen += plans.len();
        for p in plans {
            let text = p["Query Text"]
                .as_str()
                .unwrap_or_default()
                .trim()
                .to_string();
            // A plan asked for its estimate (status's row estimate) is
            // never run.
            if text.starts_with("EXPLAIN") {
                continue;
            }
            let mut found = Vec::new();
            seq_scans(&p["Plan"], &mut found);
            if !found.is_empty() {
                offenders.push(format!(
                    "absurdctl {}: Seq Scan on {}\n  {}\n  plan: {}",
                    args.join(" "),
                    found.join(", "),
                    text,
                    p["Plan"]
                ));
            }
        }
    }
    // The claim (worker and bench) went through the schema's functions:
    // their nested statements were logged too.
    assert!(plans_seen > runs.len() * 2, "{plans_seen} plans logged");
    assert!(
        offenders.is_empty(),
        "{} plan(s) read the tasks or their history sequentially:\n\n{}",
        offenders.len(),
        offenders.join("\n\n")
    );
}

/// Whether `node` (a logged plan) was JIT-compiled.
fn jit_compiled(plan: &serde_json::Value) -> bool {
    plan.get("JIT")
        .is_some_and(|j| j["Functions"].as_u64().unwrap_or(0) > 0)
}

/// The claim and completion statements of the schema's functions are never
/// JIT-compiled, whatever their estimate: claim_tasks runs on a generic
/// plan, whose estimate grows with the backlog the statistics know (180,000
/// with 20,000 pending beside 1 M finished tasks, over jit_above_cost's
/// default), and compiling cost each claim 13 ms. Here jit_above_cost is
/// lowered under the estimate of a claim in a queue of 20,000 pending tasks,
/// so that JIT would compile it, and a statement outside the functions is
/// compiled to show that JIT works on this server.
#[tokio::test]
async fn claims_and_completions_are_never_jit_compiled() {
    let cluster = PgCluster::start();
    let db = TestDb::empty_on(&cluster.url).await;
    db.cli(&["migrate"]).assert_success();
    db.psql(
        "INSERT INTO absurd.tasks (queue_name, task_name, params)
         SELECT 'dsa110-pipeline', 'imaging', jsonb_build_object('n', g)
           FROM generate_series(1, 20000) g",
    );
    db.psql("VACUUM (ANALYZE) absurd.tasks");
    log_every_plan(&db, &["jit = on", "jit_above_cost = 1000"]);
    let log = cluster.dir.join("server.log");
    let from = log_len(&log);
    // Outside the functions: compiled (estimated well over 1,000).
    db.psql("SELECT count(*) FROM absurd.tasks, generate_series(1, 10) g WHERE params ? 'n'");
    // The Python worker's calls, absurdctl's worker and bench's drain.
    let id =
        db.psql("SELECT task_id FROM absurd.claim_task('dsa110-pipeline', 'lxd110h9-0000abcd')");
    assert_eq!(
        db.psql(&format!(
            "SELECT absurd.complete_task('{id}', '{{}}'::jsonb)"
        )),
        "t"
    );
    db.cli(&WORKER_RUN).assert_success();
    db.cli(&BENCH).assert_success();
    let plans = logged_plans(&log_since(&log, from));
    let text = |p: &serde_json::Value| p["Query Text"].as_str().unwrap_or_default().to_string();
    assert!(
        plans
            .iter()
            .any(|p| text(p).contains("params ? 'n'") && jit_compiled(p)),
        "the plain count was not JIT-compiled: is JIT available on this server?"
    );
    let hot: Vec<&serde_json::Value> = plans
        .iter()
        .filter(|p| {
            let t = text(p);
            t.contains("UPDATE absurd.tasks") || t.contains("INSERT INTO absurd.task_attempts")
        })
        .collect();
    let claims = hot
        .iter()
        .filter(|p| text(p).contains("WITH claimed AS"))
        .count();
    let completions = hot
        .iter()
        .filter(|p| text(p).contains("status = 'completed'"))
        .count();
    assert!(
        claims > 20 && completions > 20,
        "{claims} claims, {completions} completions logged"
    );
    let compiled: Vec<String> = hot
        .iter()
        .filter(|p| jit_compiled(p))
        .map(|p| text(p).split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert!(
        compiled.is_empty(),
        "{} claim or completion statement(s) JIT-compiled:\n{}",
        compiled.len(),
        compiled.join("\n")
    );
    assert_eq!(
        db.psql("SELECT count(*) FROM absurd.tasks WHERE status = 'completed' AND task_name = 'imaging'"),
        "21"
    );
}

#[test]
fn a_logged_sequential_scan_is_found() {
    let log = "2026-12-03 08:00:00.000 UTC [1] LOG:  duration: 0.1 ms  plan:\n\
               \t{\n\t  \"Query Text\": \"SELECT 1 FROM absurd.tasks\",\n\
               \t  \"Plan\": {\"Node Type\": \"Aggregate\", \"Plans\": [\n\
               \t    {\"Node Type\": \"Seq Scan\", \"Relation Name\": \"tasks\"}]}\n\t}\n\
               2026-12-03 08:00:00.001 UTC [1] LOG:  duration: 0.1 ms  plan:\n\
               \t{\"Query Text\": \"x\", \"Plan\": {\"Node Type\": \"Index Scan\", \"Relation Name\": \"tasks\"}}\n";
    let plans = logged_plans(log);
    assert_eq!(plans.len(), 2);
    let mut found = Vec::new();
    seq_scans(&plans[0]["Plan"], &mut found);
    assert_eq!(found, ["tasks"]);
    found.clear();
    seq_scans(&plans[1]["Plan"], &mut found);
    assert!(found.is_empty());
}
