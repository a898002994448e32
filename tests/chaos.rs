//! Chaos: thousands of tasks through several `absurdctl worker run`
//! processes while a random worker is SIGKILLed every second or so (and a
//! new one started), `absurdctl reap` runs every second as cron would, and
//! PostgreSQL restarts once in the middle. At the end every task must be
//! completed exactly once in the table, and every execution beyond one per
//! task must belong to a worker that was killed while it ran that task.
//!
//! All along, another session locks rows of running tasks (FOR UPDATE in an
//! open transaction, as an operator's forgotten `BEGIN; SELECT ... FOR
//! UPDATE` would), some for longer than the reaper's limit: a locked row
//! must delay no other task's heartbeat or result, and no live worker's
//! task may be reaped for it (the execution checks below would catch it).
//!
//! Kills alternate between two shapes of a crash: the worker alone (its
//! handlers live on as orphans and finish, like systemd's KillMode=process
//! or a supervisor crash) and the worker with its handlers' process groups
//! (like systemd's default KillMode=control-group, or a host losing power).
//!
//! Size: ABSURD_CHAOS_TASKS (default 2000). ABSURD_CHAOS_SEED replays the
//! random choices of a run (the seed is printed).

mod common;
#[path = "common/silent_proxy.rs"]
mod silent_proxy;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::process::Command;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use uuid::Uuid;

const QUEUE: &str = "chaos";
const WORKERS: usize = 3;
/// Longer than PostgreSQL's restart plus the workers' reconnection
/// backoff: a reaper with a shorter limit reaps the tasks of live workers
/// that could not heartbeat through the outage, and those tasks would then
/// run twice for a reason other than a kill.
const HEARTBEAT_TIMEOUT: &str = "5s";
/// Enough attempts that kills (each one a charged attempt once reaped)
/// never exhaust a task.
const MAX_RETRIES: i32 = 1000;

/// A small deterministic generator, so that a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A duration between `lo` and `hi` milliseconds.
    fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.next() % (hi - lo + 1))
    }
}

/// How a worker was killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum KillMode {
    /// The worker process alone; its handlers run on as orphans.
    Process,
    /// The worker and every handler's process group.
    ControlGroup,
}

struct Worker {
    id: String,
    process: Background,
    killed: Option<KillMode>,
    exit: Option<std::process::ExitStatus>,
    stdout: String,
}

impl Worker {
    fn start(url: &str, id: &str, handler: &str) -> Worker {
        let process = Background::start(absurdctl_command(&[
            "--database-url",
            url,
            "--queue",
            QUEUE,
            "--output",
            "json",
            "worker",
            "run",
            "--worker-id",
            id,
            "--concurrency",
            "3",
            "--heartbeat-interval",
            "200ms",
            "--poll-interval",
            "500ms",
            "--kill-grace",
            "1s",
            "--grace",
            "60s",
            "--log-format",
            "json",
            "--",
            handler,
        ]));
        Worker {
            id: id.to_string(),
            process,
            killed: None,
            exit: None,
            stdout: String::new(),
        }
    }

    fn pid(&self) -> i32 {
        self.process.pid()
    }

    fn events(&self) -> Vec<Value> {
        self.process.events()
    }

    fn has_event(&self, event: &str) -> bool {
        self.events().iter().any(|e| e["event"] == event)
    }

    fn log_text(&self) -> String {
        self.process.lines().join("\n")
    }

    /// SIGKILLs the worker (frozen first with SIGSTOP, so that it starts no
    /// handler while its children are listed) and, in control-group mode,
    /// every handler's process group. Returns the handlers left running.
    fn kill(&mut self, mode: KillMode) -> Vec<i32> {
        signal(self.pid(), libc::SIGSTOP);
        let handlers = children_of(self.pid());
        signal(self.pid(), libc::SIGKILL);
        self.exit = Some(self.process.child.wait().unwrap());
        self.killed = Some(mode);
        match mode {
            KillMode::Process => handlers,
            KillMode::ControlGroup => {
                for &pid in &handlers {
                    // The group, and the process itself in case it had not
                    // yet made its own group when the worker froze.
                    signal(-pid, libc::SIGKILL);
                    signal(pid, libc::SIGKILL);
                }
                Vec::new()
            }
        }
    }
}

/// The processes whose parent is `pid`.
fn children_of(pid: i32) -> Vec<i32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        // pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<i32>().ok());
        if ppid == Some(pid) {
            found.push(child);
        }
    }
    found
}

/// (completed, not completed) tasks, or None while the server is away.
fn progress(url: &str) -> Option<(usize, usize)> {
    let out = Command::new("psql")
        .args([
            url,
            "-X",
            "-q",
            "-t",
            "-A",
            "-F",
            " ",
            "-c",
            "SELECT count(*) FILTER (WHERE status = 'completed'),
                    count(*) FILTER (WHERE status <> 'completed')
               FROM absurd.tasks WHERE queue_name = 'chaos'",
        ])
        .env("PGCONNECT_TIMEOUT", "2")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace().map(|n| n.parse::<usize>().ok());
    Some((parts.next()??, parts.next()??))
}

/// Tasks left when the row locker stops.
const LOCKS_STOP_AT: usize = 20;

/// One hold of the row-lock phase: how many rows, for how long.
struct Hold {
    rows: usize,
    secs: u64,
}

/// Locks one or two claimed rows of the queue (long-running tasks first)
/// for a random 1 to 10 s (6 to 10 s until one such hold has locked a
/// row), again and again until `stop`: often longer than
/// HEARTBEAT_TIMEOUT and than the workers' lock_timeout (5 s), so that a
/// worker whose statements wait for the lock goes silent long enough for
/// the reaper to take its other tasks. The holds that locked something.
fn lock_rows(
    url: String,
    seed: u64,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> JoinHandle<Vec<Hold>> {
    std::thread::spawn(move || {
        let mut rng = Rng(seed);
        let mut holds = Vec::new();
        while !stop.load(std::sync::atomic::Ordering::SeqCst) {
            // Until one hold longer than the reaper's limit has locked a
            // row, each is one (a short run, or a hold cut by the restart,
            // could otherwise leave the run without one).
            let secs = if holds.iter().any(|h: &Hold| h.secs > 5) {
                1 + rng.below(10) as u64
            } else {
                6 + rng.below(5) as u64
            };
            let rows = 1 + rng.below(2);
            // One statement, one transaction: the locks taken in the
            // subquery are held through the sleep, until it ends.
            let out = Command::new("psql")
                .args([
                    url.as_str(),
                    "-X",
                    "-q",
                    "-t",
                    "-A",
                    "-c",
                    &format!(
                        "SELECT n FROM (SELECT count(*) AS n FROM (
                             SELECT task_id FROM absurd.tasks
                              WHERE queue_name = '{QUEUE}' AND status = 'claimed'
                              ORDER BY task_name = 'chaos-long' DESC, random()
                              LIMIT {rows} FOR UPDATE SKIP LOCKED) l) c, pg_sleep({secs})"
                    ),
                ])
                .env("PGCONNECT_TIMEOUT", "2")
                .output();
            let locked = out
                .ok()
                .filter(|o| o.status.success())
                .and_then(|o| {
                    String::from_utf8_lossy(&o.stdout)
                        .trim()
                        .parse::<usize>()
                        .ok()
                })
                .unwrap_or(0);
            if locked > 0 {
                holds.push(Hold { rows: locked, secs });
            }
            std::thread::sleep(rng.millis(200, 1000));
        }
        holds
    })
}

/// A reaper run as cron starts it; its exit code and output.
fn start_reaper(url: &str) -> JoinHandle<CliOutput> {
    let url = url.to_string();
    std::thread::spawn(move || {
        let out = absurdctl_command(&[
            "--database-url",
            &url,
            "--queue",
            QUEUE,
            "--connect-timeout",
            "2s",
            "reap",
            "--heartbeat-timeout",
            HEARTBEAT_TIMEOUT,
            "--yes",
            "-q",
        ])
        .output()
        .expect("run absurdctl reap");
        CliOutput {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
}

/// One run of the handler, from the executions log.
#[derive(Debug, Clone)]
struct Execution {
    worker: String,
    pid: String,
    ended: bool,
}

#[tokio::test]
async fn every_task_completes_exactly_once_through_kills_reaps_and_a_restart() {
    let tasks: usize = std::env::var("ABSURD_CHAOS_TASKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let seed: u64 = std::env::var("ABSURD_CHAOS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    let mut rng = Rng(seed);
    eprintln!("chaos: {tasks} tasks, seed {seed} (ABSURD_CHAOS_SEED={seed} replays it)");

    let cluster = PgCluster::start();
    let db = TestDb::empty_on(&cluster.url).await;
    db.cli(&["migrate"]).assert_success();
    let dir = Scratch::new("absurdctl-chaos");
    let log_path = dir.path("executions.log");
    let handler = dir.path("handler.sh");
    // One short O_APPEND write per line (well under PIPE_BUF): lines of
    // concurrent handlers never interleave. $$ varies per run, so the
    // sleep is a few milliseconds that differ from task to task.
    std::fs::write(
        &handler,
        format!(
            "#!/bin/sh\n\
             LOG='{}'\n\
             echo \"start $ABSURD_TASK_ID $ABSURD_WORKER_ID $$\" >> \"$LOG\"\n\
             sleep 0.00$(( $$ % 10 ))\n\
             [ \"$ABSURD_TASK_NAME\" = chaos-long ] && sleep 2\n\
             echo \"end $ABSURD_TASK_ID $ABSURD_WORKER_ID $$\" >> \"$LOG\"\n",
            log_path.display()
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&handler, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let handler = handler.to_str().unwrap().to_string();
    db.seed((1..=tasks).map(|i| {
        let name = if i % 100 == 0 {
            "chaos-long".to_string()
        } else {
            format!("chaos-{}", i % 7)
        };
        task()
            .queue(QUEUE)
            .name(&name)
            .params(json!({"i": i}))
            .max_retries(MAX_RETRIES)
    }));

    let started = Instant::now();
    // Liveness, not speed: on a CI machine busy with the other tests a run
    // took 240 s with one task left (105 s alone). Generous, and when it is
    // passed the tasks not completed are printed with their state.
    let deadline = started + Duration::from_secs(180) + Duration::from_millis(tasks as u64 * 120);
    let mut workers: Vec<Worker> = Vec::new();
    let mut next_worker = 0;
    let mut start_worker = |workers: &mut Vec<Worker>| {
        next_worker += 1;
        workers.push(Worker::start(
            &db.url,
            &format!("chaos-w{next_worker}"),
            &handler,
        ));
    };
    for _ in 0..WORKERS {
        start_worker(&mut workers);
    }
    let mut orphans: Vec<i32> = Vec::new();
    let mut reapers: Vec<JoinHandle<CliOutput>> = Vec::new();
    let mut next_kill = Instant::now() + rng.millis(700, 1300);
    let mut next_reap = Instant::now() + Duration::from_secs(1);
    let mut restarted: Option<f64> = None;
    let mut kills = 0usize;
    let stop_locking = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let locker = lock_rows(db.url.clone(), seed ^ 0x5eed, stop_locking.clone());
    // The restart runs on a thread of its own: reapers go on starting
    // through the outage, as cron's would, and fail to connect.
    std::thread::scope(|scope| {
        let mut restart: Option<std::thread::ScopedJoinHandle<()>> = None;
        loop {
            let now = Instant::now();
            let progress = progress(&db.url);
            if progress.is_some_and(|(_, left)| left == 0) {
                break;
            }
            // The locker prefers the long tasks' rows: once only a few
            // tasks are left it locks the same one or two again and again,
            // 1 to 10 s with gaps under a second, while kills go on, and
            // their last attempt can lose to it for minutes (1999 of 2000
            // at 420 s, attempt 31). Every row lock of the run has been
            // taken by then; the end runs under kills and reaps alone.
            if progress.is_some_and(|(_, left)| left <= LOCKS_STOP_AT) {
                stop_locking.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            assert!(
                now < deadline,
                "not finished after {:?}: {progress:?} (completed, left)\nnot completed:\n{}\n{}",
                started.elapsed(),
                psql_stdin(
                    &db.url,
                    "SELECT task_id, status, worker_id, attempt, claimed_at, heartbeat_at, available_at, \
                            now() AS now, left(error, 200) AS error \
                       FROM absurd.tasks WHERE queue_name = 'chaos' AND status <> 'completed'; \
                     SELECT worker_id, status, last_seen_at, started_at FROM absurd.worker_registry \
                      WHERE status IN ('running', 'draining');"
                ),
                workers
                    .iter()
                    .filter(|w| w.killed.is_none())
                    .map(|w| format!("--- {}\n{}", w.id, w.log_text()))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            for w in workers.iter_mut().filter(|w| w.killed.is_none()) {
                if let Some(status) = w.process.child.try_wait().unwrap() {
                    panic!(
                        "worker {} exited on its own ({status}):\n{}",
                        w.id,
                        w.log_text()
                    );
                }
            }
            let restarting = restart.as_ref().is_some_and(|r| !r.is_finished());
            if restarted.is_none() && progress.is_some_and(|(done, _)| done * 2 >= tasks) {
                // Not while a new worker is still starting: a server going
                // away under its start-up makes it exit, as it should.
                while workers
                    .iter()
                    .any(|w| w.killed.is_none() && !w.has_event("worker_started"))
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                restarted = Some(started.elapsed().as_secs_f64());
                let cluster = &cluster;
                restart =
                    Some(scope.spawn(move || cluster.restart_after(Duration::from_millis(500))));
            } else if now >= next_kill && !restarting {
                let live: Vec<usize> = (0..workers.len())
                    .filter(|&i| workers[i].killed.is_none())
                    .collect();
                let victim = live[rng.below(live.len())];
                kills += 1;
                let mode = if kills % 2 == 1 {
                    KillMode::Process
                } else {
                    KillMode::ControlGroup
                };
                orphans.extend(workers[victim].kill(mode));
                start_worker(&mut workers);
                next_kill = Instant::now() + rng.millis(700, 1300);
            }
            if now >= next_reap {
                reapers.push(start_reaper(&db.url));
                next_reap = now + Duration::from_secs(1);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if let Some(r) = restart {
            r.join().expect("restart PostgreSQL");
        }
    });
    let run_secs = started.elapsed().as_secs_f64();
    stop_locking.store(true, std::sync::atomic::Ordering::SeqCst);
    let holds = locker.join().expect("the row locker");

    // Every worker still alive stops on SIGTERM and exits 0.
    for w in workers.iter().filter(|w| w.killed.is_none()) {
        signal(w.pid(), libc::SIGTERM);
    }
    for w in workers.iter_mut().filter(|w| w.killed.is_none()) {
        let t = Instant::now();
        let status = loop {
            if let Some(status) = w.process.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                t.elapsed() < Duration::from_secs(90),
                "worker {} did not exit after SIGTERM:\n{}",
                w.id,
                w.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        w.exit = Some(status);
        w.process
            .child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut w.stdout)
            .unwrap();
    }
    // The log reader threads finish with the pipes.
    std::thread::sleep(Duration::from_millis(100));
    for w in workers.iter().filter(|w| w.killed.is_none()) {
        assert_eq!(
            w.exit.unwrap().code(),
            Some(0),
            "worker {} did not exit cleanly:\n{}\n{}",
            w.id,
            w.stdout,
            w.log_text()
        );
        let summary: Value = serde_json::from_str(&w.stdout)
            .unwrap_or_else(|e| panic!("{} summary ({e}): {}", w.id, w.stdout));
        assert_eq!(summary["stopped_by"], "SIGTERM", "{summary}");
        assert_eq!(summary["unstored"], 0, "{summary}");
    }
    let reaper_runs: Vec<CliOutput> = reapers.into_iter().map(|r| r.join().unwrap()).collect();
    // Orphaned handlers finish their few milliseconds and log it.
    let t = Instant::now();
    while orphans.iter().any(|&p| !process_gone(p)) {
        assert!(t.elapsed() < Duration::from_secs(30), "orphans still run");
        std::thread::sleep(Duration::from_millis(20));
    }

    // The table: every task completed, exactly once.
    let pool = db.pool().await;
    let rows: Vec<(Uuid, String, Option<String>, i32)> = sqlx::query_as(
        "SELECT task_id, status, worker_id, attempt FROM absurd.tasks WHERE queue_name = $1",
    )
    .bind(QUEUE)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), tasks, "tasks lost or added");
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, status, _, _) in &rows {
        *by_status.entry(status.as_str()).or_default() += 1;
    }
    assert_eq!(
        by_status,
        BTreeMap::from([("completed", tasks)]),
        "every task completed"
    );

    // The executions log.
    let text = std::fs::read_to_string(&log_path).unwrap();
    let mut executions: HashMap<Uuid, Vec<Execution>> = HashMap::new();
    for line in text.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts.len(), 4, "a torn log line: {line:?}");
        let id: Uuid = parts[1].parse().unwrap();
        let runs = executions.entry(id).or_default();
        match parts[0] {
            "start" => runs.push(Execution {
                worker: parts[2].to_string(),
                pid: parts[3].to_string(),
                ended: false,
            }),
            "end" => {
                let run = runs
                    .iter_mut()
                    .find(|r| r.pid == parts[3] && r.worker == parts[2] && !r.ended)
                    .unwrap_or_else(|| panic!("an end without a start: {line}"));
                run.ended = true;
            }
            _ => panic!("unexpected log line {line:?}"),
        }
    }
    let killed: HashMap<&str, KillMode> = workers
        .iter()
        .filter_map(|w| w.killed.map(|m| (w.id.as_str(), m)))
        .collect();
    // The tasks each worker logged as completed, and as no longer its own
    // while it lived (cancelled or reaped under it).
    let logged = |event: &str| -> HashMap<&str, HashSet<String>> {
        workers
            .iter()
            .map(|w| {
                let ids = w
                    .events()
                    .iter()
                    .filter(|e| e["event"] == event)
                    .filter_map(|e| e["task_id"].as_str().map(str::to_string))
                    .collect();
                (w.id.as_str(), ids)
            })
            .collect()
    };
    let completed_by_log = logged("completed");
    let lost_by_log = logged("lost");

    // Why each execution beyond the first of a task happened.
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    let mut tasks_run_more_than_once = 0;
    for (id, _, worker, _) in &rows {
        let worker = worker
            .as_deref()
            .expect("a completed task names its worker");
        let runs = executions
            .get(id)
            .unwrap_or_else(|| panic!("task {id} completed but never ran"));
        let own: Vec<&Execution> = runs.iter().filter(|r| r.worker == worker).collect();
        assert_eq!(
            own.len(),
            1,
            "task {id}: the worker that completed it ({worker}) ran it {} times: {runs:?}",
            own.len()
        );
        assert!(own[0].ended, "task {id} completed before its handler ended");
        if runs.len() > 1 {
            tasks_run_more_than_once += 1;
        }
        for other in runs.iter().filter(|r| r.worker != worker) {
            let Some(mode) = killed.get(other.worker.as_str()) else {
                panic!(
                    "task {id} ran again although its earlier worker {} was never killed: {runs:?}",
                    other.worker
                );
            };
            assert!(
                !completed_by_log[other.worker.as_str()].contains(&id.to_string()),
                "task {id}: worker {} stored its completion, yet the task ran again: {runs:?}",
                other.worker
            );
            assert!(
                !lost_by_log[other.worker.as_str()].contains(&id.to_string()),
                "task {id}: worker {} lost it while alive, before it was killed: {runs:?}",
                other.worker
            );
            *reasons
                .entry(match (mode, other.ended) {
                    (KillMode::ControlGroup, false) => {
                        "worker and handler SIGKILLed mid-run; re-run after reap"
                    }
                    (KillMode::ControlGroup, true) => {
                        "handler finished, worker SIGKILLed before storing the result; re-run after reap"
                    }
                    (KillMode::Process, true) => {
                        "worker SIGKILLed, its orphaned handler ran to the end unheard; re-run after reap"
                    }
                    (KillMode::Process, false) => "worker SIGKILLed, orphaned handler never ended",
                })
                .or_default() += 1;
        }
    }
    let total_executions: usize = executions.values().map(Vec::len).sum();
    assert_eq!(
        executions.len(),
        tasks,
        "executions of tasks not in the table"
    );

    let reaped: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(affected), 0)::bigint FROM absurd.audit_log WHERE command = 'reap-stuck'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let extra_claims: i64 = rows.iter().map(|r| i64::from(r.3) - 1).sum();
    let mut reaper_exits: BTreeMap<String, usize> = BTreeMap::new();
    for r in &reaper_runs {
        *reaper_exits.entry(format!("{:?}", r.code)).or_default() += 1;
    }
    let by_mode = |m: KillMode| killed.values().filter(|&&k| k == m).count();
    let lost: u64 = workers
        .iter()
        .map(|w| w.events().iter().filter(|e| e["event"] == "lost").count() as u64)
        .sum();

    eprintln!("chaos figures (seed {seed}):");
    eprintln!("  tasks: {tasks}, all completed exactly once in the table; run took {run_secs:.1}s");
    eprintln!(
        "  workers started: {}, SIGKILLed: {kills} ({} worker only, {} with their handlers' groups), \
         stopped by SIGTERM and exited 0: {}",
        workers.len(),
        by_mode(KillMode::Process),
        by_mode(KillMode::ControlGroup),
        workers.len() - kills
    );
    eprintln!(
        "  PostgreSQL restarts: 1 (at {:.1}s, down 0.5s)",
        restarted.unwrap_or(f64::NAN)
    );
    eprintln!(
        "  reaper runs: {} (exit codes {:?}), tasks reaped: {reaped}; claims beyond one per task: {extra_claims}",
        reaper_runs.len(),
        reaper_exits
    );
    eprintln!(
        "  executions: {total_executions}, beyond one per task: {} in {tasks_run_more_than_once} task(s), each by a killed worker:",
        total_executions - tasks
    );
    for (why, n) in &reasons {
        eprintln!("    {n}: {why}");
    }
    eprintln!(
        "  claims that never started a handler (worker killed between claim and start): {}",
        extra_claims - (total_executions - tasks) as i64
    );
    eprintln!("  results refused or runs stopped because the task was no longer the worker's (`lost`): {lost}");
    eprintln!(
        "  row locks held by another session: {} hold(s) of {} row(s) in all, {} longer than the reaper's {HEARTBEAT_TIMEOUT}",
        holds.len(),
        holds.iter().map(|h| h.rows).sum::<usize>(),
        holds.iter().filter(|h| h.secs > 5).count()
    );
    assert!(restarted.is_some(), "PostgreSQL was restarted");
    assert!(kills > 0, "some worker was killed");
    assert!(
        holds.iter().any(|h| h.secs > 5),
        "some row was locked for longer than the reaper's limit"
    );
    // No statement of a worker waited for a locked row until its
    // lock_timeout: meanwhile it would have heartbeated nothing else.
    for w in &workers {
        let log = w.log_text();
        assert!(
            !log.contains("lock timeout"),
            "worker {} waited for a locked row:\n{log}",
            w.id
        );
    }
}

/// A worker of the silent-network phase: through `url` (the proxy), with a
/// short statement timeout so that its client-side deadline is 3 s.
fn start_worker_through(url: &str, id: &str, handler: &str) -> Background {
    Background::start(absurdctl_command(&[
        "--database-url",
        url,
        "--queue",
        QUEUE,
        "--statement-timeout",
        "2s",
        "--connect-timeout",
        "1s",
        "--output",
        "json",
        "worker",
        "run",
        "--worker-id",
        id,
        "--concurrency",
        "3",
        "--heartbeat-interval",
        "200ms",
        "--poll-interval",
        "500ms",
        "--log-format",
        "json",
        "--",
        handler,
    ]))
}

/// The silent-network phase (issue 16.5): tasks through two workers and a
/// reaper every second, all connected through a proxy that, every 1.5 s,
/// silences every connection open at that moment (as a firewall losing its
/// state table would: no error, no reset, nothing more gets through), while
/// new connections work. Every command gives up a silent connection after
/// its deadline (statement timeout plus connect timeout, 3 s) and goes on
/// with a new one: no reaper run hangs, no live worker's task is reaped
/// (its heartbeats resume within the deadline), every task runs and
/// completes exactly once, and the workers stop cleanly on SIGTERM.
#[tokio::test]
async fn every_task_completes_exactly_once_through_a_network_that_keeps_going_silent() {
    let tasks = 200;
    let db = TestDb::migrated().await;
    let dir = Scratch::new("absurdctl-chaos-silent");
    let log_path = dir.join("executions.log");
    let handler = dir.join("handler.sh");
    std::fs::write(
        &handler,
        format!(
            "#!/bin/sh\necho \"start $ABSURD_TASK_ID $ABSURD_WORKER_ID\" >> '{}'\nsleep 0.1\n",
            log_path.display()
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&handler, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let handler = handler.to_str().unwrap().to_string();
    db.seed((1..=tasks).map(|i| {
        task()
            .queue(QUEUE)
            .name(&format!("silent-{}", i % 5))
            .params(json!({"i": i}))
            .max_retries(3)
    }));
    let proxy = silent_proxy::SilentProxy::start(&db.url, "");
    let url = proxy.url(&db.url);
    let mut workers: Vec<Background> = (1..=2)
        .map(|i| start_worker_through(&url, &format!("silent-w{i}"), &handler))
        .collect();
    let reaper = |url: String| {
        std::thread::spawn(move || {
            let mut run = Background::start(absurdctl_command(&[
                "--database-url",
                &url,
                "--queue",
                QUEUE,
                "--statement-timeout",
                "2s",
                "--connect-timeout",
                "1s",
                "reap",
                "--heartbeat-timeout",
                "20s",
                "--yes",
            ]));
            // Without a deadline a reaper caught by the silence never ends.
            run.wait(Duration::from_secs(60))
        })
    };
    let started = Instant::now();
    let mut reapers = Vec::new();
    let mut silences = 0;
    let mut next_silence = Instant::now() + Duration::from_millis(1500);
    let mut next_reap = Instant::now();
    loop {
        if progress(&db.url).is_some_and(|(_, left)| left == 0) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "not finished: {:?}\n{}",
            progress(&db.url),
            workers
                .iter()
                .map(|w| w.lines().join("\n"))
                .collect::<Vec<_>>()
                .join("\n---\n")
        );
        for w in workers.iter_mut() {
            if let Ok(Some(status)) = w.child.try_wait() {
                panic!(
                    "a worker exited on its own ({status}):\n{}",
                    w.lines().join("\n")
                );
            }
        }
        if Instant::now() >= next_silence {
            proxy.silence_open_connections();
            silences += 1;
            next_silence = Instant::now() + Duration::from_millis(1500);
        }
        if Instant::now() >= next_reap {
            reapers.push(reaper(url.clone()));
            next_reap = Instant::now() + Duration::from_secs(1);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    for w in &workers {
        signal(w.pid(), libc::SIGTERM);
    }
    for w in workers.iter_mut() {
        let out = w.wait(Duration::from_secs(60));
        assert_eq!(out.code, Some(0), "a worker did not stop cleanly: {out}");
    }
    let mut reaper_exits: BTreeMap<Option<i32>, usize> = BTreeMap::new();
    for r in reapers {
        let out = r.join().expect("a reaper run ended");
        if out.code == Some(3) {
            assert!(out.stderr.contains("stopped answering"), "{out}");
        }
        *reaper_exits.entry(out.code).or_default() += 1;
    }

    let pool = db.pool().await;
    let rows: Vec<(Uuid, String, i32)> =
        sqlx::query_as("SELECT task_id, status, attempt FROM absurd.tasks WHERE queue_name = $1")
            .bind(QUEUE)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), tasks);
    assert!(
        rows.iter().all(|r| r.1 == "completed"),
        "every task completed"
    );
    let text = std::fs::read_to_string(&log_path).unwrap();
    let mut runs: HashMap<Uuid, usize> = HashMap::new();
    for line in text.lines() {
        let id: Uuid = line.split(' ').nth(1).unwrap().parse().unwrap();
        *runs.entry(id).or_default() += 1;
    }
    assert_eq!(runs.len(), tasks, "every task ran");
    let twice: Vec<_> = runs.iter().filter(|(_, &n)| n > 1).collect();
    assert!(twice.is_empty(), "tasks run more than once: {twice:?}");
    let reaped: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(affected), 0)::bigint FROM absurd.audit_log WHERE command = 'reap-stuck'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(reaped, 0, "no task of a live worker was reaped");
    assert!(proxy.silenced() > 0, "connections went silent");
    eprintln!(
        "silent-network phase: {tasks} tasks completed once each in {:.1}s through {silences} \
         silences ({} connections silenced); reaper exits {reaper_exits:?}",
        started.elapsed().as_secs_f64(),
        proxy.silenced()
    );
}
