//! The supervisor: one loop that owns every database call of the worker
//! (claims, heartbeats, results, the registry) and the handlers it starts.
//!
//! Handlers run as tokio tasks of their own and report back on a channel;
//! they enforce their own timeouts and kills, so a slow or lost database
//! never keeps a handler from being stopped. Results wait in memory until
//! the database has them: when it is unreachable they are retried with
//! backoff, never dropped.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Value};
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{sleep_until, Instant};

use super::handler::{self, describe_exit, Groups, Outcome, Spec, StopReason, Tail};
use super::log::{Level, Logger};
use super::systemd::Notifier;
use crate::output::fmt_secs;
use crate::queue::workers::{self, WorkerInfo, WorkerStatus};
use crate::queue::{tasks, Task, TaskId};

const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// How often the log says again that the database is still away.
const STILL_DOWN_EVERY: Duration = Duration::from_secs(60);

/// `stopped_by` when another process took this worker's id.
pub const EVICTED: &str = "worker-id-taken";

/// The key under which a result that is not a JSON object is stored: the
/// pipeline's API reads only objects (or no result).
pub const RESULT_KEY: &str = "output";

/// How the worker runs, from the command line.
pub struct Settings {
    pub info: WorkerInfo,
    pub program: String,
    pub args: Vec<String>,
    pub heartbeat_interval: Duration,
    pub default_timeout: Option<Duration>,
    pub kill_grace: Duration,
    pub grace: Duration,
    pub poll_interval: Duration,
    pub max_tasks: Option<u64>,
    pub exit_when_empty: bool,
    pub max_output: usize,
    /// The database variables as handlers get them (see handler::Spec).
    pub env_override: Vec<(&'static str, Option<String>)>,
    /// Most bytes of results stored in one statement; a single result
    /// larger than this fails its task instead.
    pub result_batch_bytes: usize,
    /// Where the database is (host, port, database; never the password),
    /// for the log.
    pub target: String,
    /// Longest a database call may take, connecting included, before it
    /// counts as failed (for networks that drop packets silently).
    pub op_timeout: Duration,
}

/// What a worker did, printed when it exits (`--output json`: this object).
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub worker_id: String,
    pub queue_name: String,
    /// `SIGTERM`, `SIGINT`, `max-tasks` or `exit-when-empty`.
    pub stopped_by: String,
    pub claimed: u64,
    pub completed: u64,
    /// Failures stored (timeouts included); retrying or failed for good.
    pub failed: u64,
    pub timed_out: u64,
    /// Tasks that stopped being this worker's (cancelled, reaped) while
    /// they ran or before their result was stored; nothing was stored.
    pub lost: u64,
    /// Tasks given back to the queue without charging an attempt (also
    /// those a dead predecessor with the same worker id still held).
    pub released: u64,
    /// Results the database could not take before the worker gave up.
    pub unstored: u64,
    pub run_time_sec: f64,
}

/// A claimed task whose handler is running.
struct Run {
    task: Task,
    timeout: Option<Duration>,
    /// Taken when the handler is asked to stop.
    stop: Option<oneshot::Sender<StopReason>>,
    /// The task is no longer ours: whatever the handler does is not stored.
    lost: bool,
    /// Another session holds the task's row locked (logged once).
    busy: bool,
}

/// A successful run waiting to be stored.
struct Completion {
    task: Task,
    /// None (SQL NULL) when the handler printed nothing.
    result: Option<Value>,
    /// Bytes of the result as JSON text, as sent to the database.
    size: usize,
    elapsed: Duration,
}

/// Any other ending waiting to be stored.
struct Settlement {
    task: Task,
    kind: Settle,
    elapsed: Duration,
}

enum Settle {
    Fail { error: String, timed_out: bool },
    Release { why: &'static str },
}

pub struct Supervisor {
    cfg: Settings,
    pool: PgPool,
    log: Logger,
    health: DbHealth,
    groups: Groups,
    notifier: Option<Notifier>,
    wake: mpsc::Receiver<()>,
    signals: mpsc::Receiver<&'static str>,
    done_tx: mpsc::UnboundedSender<(u64, Outcome)>,
    done_rx: mpsc::UnboundedReceiver<(u64, Outcome)>,
    runs: HashMap<u64, Run>,
    next_run: u64,
    completions: Vec<Completion>,
    settlements: Vec<Settlement>,
    /// A claim may find something (set by notifications, polls, freed slots).
    more_work: bool,
    /// The last claim found fewer tasks than it asked for.
    queue_empty: bool,
    next_poll: Instant,
    /// No claims before this (after a handler could not be started).
    hold_until: Instant,
    /// When the next task waiting for a backoff or delay becomes claimable.
    alarm: Option<Instant>,
    next_heartbeat: Instant,
    next_watchdog: Option<Instant>,
    /// The signal that started a graceful stop, and the end of its grace.
    signal: Option<&'static str>,
    drain_deadline: Option<Instant>,
    stopping_all: bool,
    /// Look for claims this worker holds without knowing (after an outage,
    /// and at start: a dead predecessor with this worker id may hold some).
    check_claims: bool,
    /// Whether those claims would be a predecessor's (for the log).
    at_start: bool,
    /// The session holding this worker id's lock; None when it was lost
    /// with the connection and must be taken again.
    id_lock: Option<sqlx::PgConnection>,
    /// Another process took this worker id while the database was away.
    evicted: bool,
    /// A heartbeat waiting for a busy row's lock, on a connection of its own.
    patient: Option<tokio::task::JoinHandle<()>>,
    /// Something to store may be tried again at once (a failure rewritten
    /// after the database refused it).
    store_again: bool,
    /// When stopping with results the database will not take: last try.
    give_up_at: Option<Instant>,
    summary: Summary,
}

impl Supervisor {
    pub fn new(
        cfg: Settings,
        pool: PgPool,
        log: Logger,
        groups: Groups,
        notifier: Option<Notifier>,
        wake: mpsc::Receiver<()>,
        signals: mpsc::Receiver<&'static str>,
    ) -> Supervisor {
        let now = Instant::now();
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        let next_watchdog = notifier
            .as_ref()
            .and_then(Notifier::watchdog_every)
            .map(|_| now);
        let summary = Summary {
            worker_id: cfg.info.worker_id.clone(),
            queue_name: cfg.info.queue_name.clone(),
            ..Summary::default()
        };
        Supervisor {
            health: DbHealth::new(cfg.op_timeout, cfg.target.clone(), log.clone()),
            next_heartbeat: now + cfg.heartbeat_interval,
            cfg,
            pool,
            log,
            groups,
            notifier,
            wake,
            signals,
            done_tx,
            done_rx,
            runs: HashMap::new(),
            next_run: 0,
            completions: Vec::new(),
            settlements: Vec::new(),
            more_work: true,
            queue_empty: false,
            next_poll: now,
            hold_until: now,
            alarm: None,
            next_watchdog,
            signal: None,
            drain_deadline: None,
            stopping_all: false,
            check_claims: true,
            at_start: true,
            id_lock: None,
            evicted: false,
            patient: None,
            store_again: false,
            give_up_at: None,
            summary,
        }
    }

    /// The session holding this worker's id lock (else the first
    /// heartbeat round takes it).
    pub fn holding_worker_id(mut self, conn: sqlx::PgConnection) -> Supervisor {
        self.id_lock = Some(conn);
        self
    }

    /// Runs until a graceful stop, --max-tasks or --exit-when-empty.
    pub async fn run(mut self) -> Summary {
        let started = Instant::now();
        loop {
            while let Ok((id, outcome)) = self.done_rx.try_recv() {
                self.on_exit(id, outcome);
            }
            self.maintain().await;
            if self.should_exit() {
                break;
            }
            self.wait().await;
        }
        self.notify("STOPPING=1");
        if self.health.ready() {
            let pool = self.pool.clone();
            self.health
                .run(
                    "marking the worker stopped",
                    workers::mark_stopped(&pool, &self.cfg.info.worker_id),
                )
                .await;
        }
        for c in &self.completions {
            // Its size, never its content: a result may be gigabytes.
            self.log.task(
                Level::Error,
                "unstored",
                &c.task,
                &format!(
                    "succeeded, but its result ({} bytes) was not stored: the database did not take it; \
                     the task stays claimed until reaped",
                    c.size
                ),
                json!({ "result_bytes": c.size }),
            );
        }
        for s in &self.settlements {
            let what = match &s.kind {
                Settle::Fail { error, .. } => format!(
                    "failure not stored: {}",
                    error.lines().next().unwrap_or_default()
                ),
                Settle::Release { .. } => "not given back to the queue".to_string(),
            };
            self.log.task(
                Level::Error,
                "unstored",
                &s.task,
                &format!(
                    "{what}; the database did not take it, the task stays claimed until reaped"
                ),
                json!({}),
            );
        }
        self.summary.unstored += (self.completions.len() + self.settlements.len()) as u64;
        self.summary.run_time_sec = started.elapsed().as_secs_f64();
        let s = &self.summary;
        self.log.worker(
            Level::Info,
            "worker_stopped",
            &format!(
                "stopped ({}): {} claimed, {} completed, {} failed, {} given back",
                s.stopped_by, s.claimed, s.completed, s.failed, s.released
            ),
            json!({ "stopped_by": s.stopped_by }),
        );
        self.summary
    }

    /// One turn: store results, heartbeat, claim, tell systemd we live.
    async fn maintain(&mut self) {
        let now = Instant::now();
        if self.drain_deadline.is_some_and(|d| now >= d) && !self.stopping_all {
            self.stop_all();
        }
        if self.health.ready() && (!self.completions.is_empty() || !self.settlements.is_empty()) {
            self.store().await;
        }
        if now >= self.next_heartbeat {
            // Skipped, not retried, while the database is away.
            self.next_heartbeat = now + self.cfg.heartbeat_interval;
            if self.health.ready() {
                self.heartbeat().await;
            }
        }
        if self.health.take_restored() {
            // Notifications sent while it was away are lost, and a claim may
            // have committed without its answer reaching us.
            self.more_work = true;
            self.check_claims = true;
        }
        if self.check_claims && self.health.ready() {
            self.release_unknown_claims().await;
        }
        if self.more_work && self.may_claim() && self.health.ready() {
            self.claim().await;
        }
        if let (Some(at), Some(every)) = (
            self.next_watchdog,
            self.notifier.as_ref().and_then(Notifier::watchdog_every),
        ) {
            if now >= at {
                self.notify("WATCHDOG=1");
                self.next_watchdog = Some(now + every);
            }
        }
    }

    /// Sleeps until something happens or something is due.
    async fn wait(&mut self) {
        let idle_slots = self.may_claim();
        let mut until = self.next_heartbeat;
        if self.free_slots() > 0 && !idle_slots {
            until = until.min(self.hold_until);
        }
        if let Some(at) = self.next_watchdog {
            until = until.min(at);
        }
        let unstored = !self.completions.is_empty() || !self.settlements.is_empty();
        if !self.health.ready() && (unstored || (idle_slots && self.more_work)) {
            until = until.min(self.health.retry_at);
        }
        if idle_slots && !self.more_work {
            until = until.min(self.next_poll);
            if let Some(at) = self.alarm {
                until = until.min(at);
            }
        }
        if ((idle_slots && self.more_work) || self.store_again) && self.health.ready() {
            until = Instant::now();
        }
        if let (Some(at), false) = (self.drain_deadline, self.stopping_all) {
            until = until.min(at);
        }
        if let Some(at) = self.give_up_at {
            until = until.min(at);
        }
        let draining = self.drain_deadline.is_some();
        tokio::select! {
            Some((id, outcome)) = self.done_rx.recv() => self.on_exit(id, outcome),
            Some(()) = self.wake.recv(), if idle_slots => self.more_work = true,
            Some(signal) = self.signals.recv(), if !draining => self.begin_drain(signal).await,
            _ = sleep_until(until) => {}
        }
        let now = Instant::now();
        if self.free_slots() > 0 && now >= self.next_poll {
            self.more_work = true;
        }
        if self.alarm.is_some_and(|at| now >= at) {
            self.alarm = None;
            self.more_work = true;
        }
    }

    /// Slots a claim may fill now: none while draining or past --max-tasks.
    fn free_slots(&self) -> usize {
        if self.drain_deadline.is_some() || self.evicted {
            return 0;
        }
        let left = self
            .cfg
            .max_tasks
            .map_or(u64::MAX, |m| m.saturating_sub(self.summary.claimed));
        let free = (self.cfg.info.concurrency as usize).saturating_sub(self.runs.len());
        free.min(usize::try_from(left).unwrap_or(usize::MAX))
    }

    /// Free slots, and claims not held back.
    fn may_claim(&self) -> bool {
        self.free_slots() > 0 && Instant::now() >= self.hold_until
    }

    fn should_exit(&mut self) -> bool {
        if !self.runs.is_empty() {
            return false;
        }
        let reason = if self.evicted {
            // Whatever is left unstored belongs to the id's new holder.
            self.summary.stopped_by = EVICTED.to_string();
            return true;
        } else if let Some(signal) = self.signal {
            signal
        } else if self
            .cfg
            .max_tasks
            .is_some_and(|m| self.summary.claimed >= m)
        {
            "max-tasks"
        } else if self.cfg.exit_when_empty && self.queue_empty && !self.more_work {
            "exit-when-empty"
        } else {
            return false;
        };
        let unstored = !self.completions.is_empty() || !self.settlements.is_empty();
        if unstored {
            // Results outlive the handlers: give the database a while more.
            let wait = self.cfg.grace.max(Duration::from_secs(10));
            let give_up = *self.give_up_at.get_or_insert_with(|| Instant::now() + wait);
            if Instant::now() < give_up {
                return false;
            }
        }
        self.summary.stopped_by = reason.to_string();
        true
    }

    async fn claim(&mut self) {
        let want = self.free_slots();
        self.next_poll = Instant::now() + self.cfg.poll_interval;
        let pool = self.pool.clone();
        let names = self.cfg.info.task_names.as_deref();
        let Some(claimed) = self
            .health
            .run(
                "claiming tasks",
                tasks::claim(
                    &pool,
                    &self.cfg.info.queue_name,
                    &self.cfg.info.worker_id,
                    i32::try_from(want).unwrap_or(i32::MAX),
                    names,
                ),
            )
            .await
        else {
            return;
        };
        self.queue_empty = claimed.len() < want;
        self.more_work = !self.queue_empty;
        self.alarm = None;
        if self.queue_empty {
            let next = self
                .health
                .run(
                    "looking for delayed tasks",
                    tasks::next_available_in(&pool, &self.cfg.info.queue_name, names),
                )
                .await;
            if let Some(Some(secs)) = next {
                // A hair late rather than early, so the claim finds it.
                let secs = secs.clamp(0.0, 86400.0) + 0.005;
                self.alarm = Some(Instant::now() + Duration::from_secs_f64(secs));
            }
        }
        for task in claimed {
            self.start(task);
        }
    }

    fn start(&mut self, task: Task) {
        let id = task.task_id;
        // Ours again after a reap while its old handler still runs: that
        // run and any result it left are stale.
        for run in self.runs.values_mut().filter(|r| r.task.task_id == id) {
            run.lost = true;
            if let Some(stop) = run.stop.take() {
                let _ = stop.send(StopReason::Lost);
            }
        }
        self.completions.retain(|c| c.task.task_id != id);
        self.settlements.retain(|s| s.task.task_id != id);

        let timeout = task
            .timeout_sec
            .filter(|&s| s > 0)
            .map(|s| Duration::from_secs(s as u64))
            .or(self.cfg.default_timeout);
        let worker_id = &self.cfg.info.worker_id;
        let input = json!({
            "task_id": task.task_id,
            "queue_name": task.queue_name,
            "task_name": task.task_name,
            "params": task.params,
            "attempt": task.attempt,
            "max_retries": task.max_retries,
            "priority": task.priority,
            "timeout_sec": timeout.map(|t| t.as_secs()),
            "worker_id": worker_id,
        });
        let mut stdin = input.to_string().into_bytes();
        stdin.push(b'\n');
        let spec = Spec {
            program: self.cfg.program.clone(),
            args: self.cfg.args.clone(),
            env: vec![
                ("ABSURD_TASK_ID", task.task_id.to_string()),
                ("ABSURD_TASK_NAME", task.task_name.clone()),
                ("ABSURD_QUEUE_NAME", task.queue_name.clone()),
                ("ABSURD_ATTEMPT", task.attempt.to_string()),
                ("ABSURD_WORKER_ID", worker_id.clone()),
            ],
            env_override: self.cfg.env_override.clone(),
            stdin,
            timeout,
            kill_grace: self.cfg.kill_grace,
            max_output: self.cfg.max_output,
        };
        let (stop_tx, stop_rx) = oneshot::channel();
        let run_id = self.next_run;
        self.next_run += 1;
        let done = self.done_tx.clone();
        let groups = self.groups.clone();
        tokio::spawn(async move {
            let outcome = handler::run(spec, stop_rx, groups).await;
            let _ = done.send((run_id, outcome));
        });
        self.log.task(
            Level::Info,
            "started",
            &task,
            &match timeout {
                Some(t) => format!("started (timeout {})", fmt_secs(t.as_secs_f64())),
                None => "started".to_string(),
            },
            json!({ "timeout_sec": timeout.map(|t| t.as_secs()) }),
        );
        self.summary.claimed += 1;
        self.runs.insert(
            run_id,
            Run {
                task,
                timeout,
                stop: Some(stop_tx),
                lost: false,
                busy: false,
            },
        );
    }

    /// A handler ended: decide what its task becomes, to be stored.
    fn on_exit(&mut self, run_id: u64, out: Outcome) {
        let Some(run) = self.runs.remove(&run_id) else {
            return;
        };
        let task = run.task;
        let elapsed = out.elapsed;
        let took = fmt_secs(elapsed.as_secs_f64());
        if run.lost || out.stopped == Some(StopReason::Lost) {
            self.summary.lost += 1;
            self.log.task(
                Level::Warn,
                "lost",
                &task,
                &format!(
                    "{} after {took}; nothing stored, the task is no longer this worker's",
                    // A handler that ended by itself before the worker knew:
                    // its result, if any, is what is being thrown away.
                    match (out.stopped, &out.status) {
                        (None, Ok(status)) => format!("handler ended ({})", describe_exit(status)),
                        _ => "handler stopped".to_string(),
                    }
                ),
                json!({ "duration_sec": elapsed.as_secs_f64() }),
            );
            return;
        }
        let kind = match (out.stopped, &out.status) {
            // Done just as the grace ran out: the result is there, keep it
            // rather than run the task again.
            (Some(StopReason::Shutdown), Ok(status)) if status.success() => {
                self.push_completion(task, &out.stdout, elapsed);
                return;
            }
            (Some(StopReason::Shutdown), _) => Settle::Release {
                why: "the worker is shutting down",
            },
            (_, Err(e)) => {
                self.log.task(
                    Level::Error,
                    "spawn_failed",
                    &task,
                    &format!("cannot start `{}`: {e}", self.cfg.program),
                    json!({ "error": e.to_string() }),
                );
                // No claiming for a poll interval, whatever wakes us (the
                // release itself notifies): the same failure would follow.
                self.hold_until = Instant::now() + self.cfg.poll_interval;
                Settle::Release {
                    why: "its handler could not be started",
                }
            }
            (Some(StopReason::Timeout), Ok(status)) => Settle::Fail {
                error: error_text(
                    &format!(
                        "timed out after {} and was stopped ({})",
                        fmt_secs(run.timeout.unwrap_or(elapsed).as_secs_f64()),
                        describe_exit(status)
                    ),
                    &out.stderr,
                ),
                timed_out: true,
            },
            (_, Ok(status)) if status.success() => {
                self.push_completion(task, &out.stdout, elapsed);
                return;
            }
            (_, Ok(status)) => Settle::Fail {
                error: error_text(&describe_exit(status), &out.stderr),
                timed_out: false,
            },
        };
        self.settlements.push(Settlement {
            task,
            kind,
            elapsed,
        });
    }

    /// A successful run's result, to be stored; one larger than a batch may
    /// hold fails its task instead (it could never be stored).
    fn push_completion(&mut self, task: Task, stdout: &Tail, elapsed: Duration) {
        let result = result_of(stdout);
        let size = result.as_ref().map_or(0, json_size);
        if size > self.cfg.result_batch_bytes {
            self.settlements.push(Settlement {
                task,
                kind: Settle::Fail {
                    error: format!(
                        "succeeded, but its result ({size} bytes of JSON) is larger than the {} bytes \
                         a worker stores at once (--result-batch-bytes): not stored",
                        self.cfg.result_batch_bytes
                    ),
                    timed_out: false,
                },
                elapsed,
            });
            return;
        }
        self.completions.push(Completion {
            task,
            result,
            size,
            elapsed,
        });
    }

    /// Stores what finished handlers left: completions in batches of at
    /// most --result-batch-bytes, failures and releases (rarer) one by one.
    /// A task whose row another session holds locked is skipped, not waited
    /// for; it and whatever the database does not take stay for the next try.
    async fn store(&mut self) {
        self.store_again = false;
        let pool = self.pool.clone();
        let worker_id = self.cfg.info.worker_id.clone();
        let mut pending = std::mem::take(&mut self.completions);
        let mut kept = Vec::new();
        let mut busy = Vec::new();
        // Batches of one, after a batch was refused for its content.
        let mut singles = 0usize;
        while !pending.is_empty() {
            let mut bytes = 0;
            let take = if singles > 0 {
                singles -= 1;
                1
            } else {
                pending
                    .iter()
                    .take_while(|c| {
                        bytes += c.size;
                        bytes <= self.cfg.result_batch_bytes
                    })
                    .count()
                    .max(1)
            };
            let rest = pending.split_off(take);
            let batch = std::mem::replace(&mut pending, rest);
            let finished: Vec<workers::Finished> = batch
                .iter()
                .map(|c| workers::Finished {
                    task_id: c.task.task_id,
                    claimed_at: c.task.claimed_at,
                    result: c.result.as_ref(),
                })
                .collect();
            let round = self
                .health
                .run_refusable("storing results", async {
                    let mut conn = pool.acquire().await?;
                    workers::complete_unlocked(&mut conn, &finished, &worker_id).await
                })
                .await;
            drop(finished);
            let round = match round {
                None => {
                    kept.extend(batch);
                    kept.append(&mut pending);
                    break;
                }
                Some(Ok(round)) => round,
                // One result spoils its batch: they go again one by one,
                // and the one refused alone fails its task.
                Some(Err(_)) if batch.len() > 1 => {
                    singles = batch.len();
                    let mut again = batch;
                    again.append(&mut pending);
                    pending = again;
                    continue;
                }
                Some(Err(why)) => {
                    for c in batch {
                        self.settlements.push(Settlement {
                            task: c.task,
                            kind: Settle::Fail {
                                error: format!(
                                    "succeeded, but the database refused its result ({} bytes): {}",
                                    c.size,
                                    ascii_only(&why)
                                ),
                                timed_out: false,
                            },
                            elapsed: c.elapsed,
                        });
                    }
                    continue;
                }
            };
            for c in batch {
                let id = c.task.task_id;
                let took = c.elapsed.as_secs_f64();
                if round.done.contains(&id) {
                    self.summary.completed += 1;
                    self.log.task(
                        Level::Info,
                        "completed",
                        &c.task,
                        &format!("completed in {} (result {} bytes)", fmt_secs(took), c.size),
                        json!({ "duration_sec": took, "result_bytes": c.size }),
                    );
                    // A completion may release tasks that depend on it.
                    self.more_work = true;
                } else if round.busy.contains(&id) {
                    busy.push(id);
                    kept.push(c);
                } else {
                    self.summary.lost += 1;
                    self.log.task(
                        Level::Warn,
                        "lost",
                        &c.task,
                        "succeeded, but the task is no longer this worker's (cancelled or reaped): result not stored",
                        json!({ "duration_sec": took }),
                    );
                }
            }
        }
        self.completions = kept;
        if !self.health.ready() {
            // The database failed just now: the rest waits for its backoff.
            return;
        }
        let mut kept = Vec::new();
        let mut settlements = std::mem::take(&mut self.settlements).into_iter();
        for mut s in settlements.by_ref() {
            let id = s.task.task_id;
            let what = match &s.kind {
                Settle::Fail { error, .. } => workers::Settlement::Fail(error),
                Settle::Release { .. } => workers::Settlement::Release,
            };
            let claimed_at = s.task.claimed_at;
            let call = match s.kind {
                Settle::Fail { .. } => "storing a failure",
                Settle::Release { .. } => "giving a task back",
            };
            let stored = self
                .health
                .run_refusable(call, async {
                    let mut conn = pool.acquire().await?;
                    workers::settle_unlocked(&mut conn, id, claimed_at, &worker_id, what).await
                })
                .await;
            let stored = match stored {
                Some(Err(why)) => {
                    match &mut s.kind {
                        // A character of stderr the database's encoding
                        // cannot hold: the error again, in plain ASCII.
                        Settle::Fail { error, .. } if ascii_only(error) != *error => {
                            *error = ascii_only(error);
                            kept.push(s);
                            self.store_again = true;
                        }
                        _ => {
                            self.summary.unstored += 1;
                            self.log.task(
                                Level::Error,
                                "unstored",
                                &s.task,
                                &format!(
                                    "the database refused to store how it ended ({}); \
                                     the task stays claimed until reaped",
                                    ascii_only(&why)
                                ),
                                json!({ "error": why }),
                            );
                        }
                    }
                    continue;
                }
                Some(Ok(settled)) => Some(settled),
                None => None,
            };
            match stored {
                None => {
                    kept.push(s);
                    break;
                }
                Some(workers::Settled::Busy) => {
                    busy.push(id);
                    kept.push(s);
                }
                Some(settled) => {
                    self.log_settled(&s, settled == workers::Settled::Done);
                    // A retry or a release is work again, now or after a
                    // backoff (the claim that follows sets the alarm for it).
                    self.more_work = true;
                }
            }
        }
        kept.extend(settlements);
        self.settlements = kept;
        self.wait_for_busy_row(&busy);
    }

    fn log_settled(&mut self, s: &Settlement, ours: bool) {
        let took = s.elapsed.as_secs_f64();
        let task = &s.task;
        if !ours {
            self.summary.lost += 1;
            self.log.task(
                Level::Warn,
                "lost",
                task,
                "ended, but the task is no longer this worker's (cancelled or reaped): nothing stored",
                json!({ "duration_sec": took }),
            );
            return;
        }
        match &s.kind {
            Settle::Fail { error, timed_out } => {
                self.summary.failed += 1;
                if *timed_out {
                    self.summary.timed_out += 1;
                }
                let retrying = task.attempt < task.max_retries;
                let fate = if retrying {
                    "will retry after a backoff"
                } else {
                    "no attempts left: failed"
                };
                let what = error.lines().next().unwrap_or_default();
                self.log.task(
                    Level::Warn,
                    if *timed_out { "timed_out" } else { "failed" },
                    task,
                    &format!("{what}; {fate}"),
                    json!({ "duration_sec": took, "retrying": retrying, "error": error }),
                );
            }
            Settle::Release { why } => {
                self.summary.released += 1;
                self.log.task(
                    Level::Warn,
                    "released",
                    task,
                    &format!("given back to the queue, attempt not charged: {why}"),
                    json!({ "duration_sec": took }),
                );
            }
        }
    }

    /// Heartbeats every running task (stopping those no longer ours),
    /// checks that this worker id is still this process's, and keeps the
    /// registry row fresh. A task whose row another session holds locked is
    /// skipped, never waited for: the other tasks' heartbeats go on.
    async fn heartbeat(&mut self) {
        let pool = self.pool.clone();
        let worker_id = self.cfg.info.worker_id.clone();
        let ids: Vec<TaskId> = self
            .runs
            .values()
            .filter(|r| !r.lost)
            .map(|r| r.task.task_id)
            .collect();
        if !ids.is_empty() {
            let Some(round) = self
                .health
                .run("recording heartbeats", async {
                    let mut conn = pool.acquire().await?;
                    workers::heartbeat_unlocked(&mut conn, &ids, &worker_id).await
                })
                .await
            else {
                return;
            };
            for run in self.runs.values_mut().filter(|r| !r.lost) {
                let id = run.task.task_id;
                if round.gone.contains(&id) {
                    run.lost = true;
                    if let Some(stop) = run.stop.take() {
                        let _ = stop.send(StopReason::Lost);
                    }
                    self.log.task(
                        Level::Warn,
                        "stopping",
                        &run.task,
                        "the task is no longer this worker's (cancelled or reaped): stopping its handler",
                        json!({}),
                    );
                } else if round.busy.contains(&id) {
                    if !run.busy {
                        run.busy = true;
                        self.log.task(
                            Level::Warn,
                            "row_locked",
                            &run.task,
                            "another session holds this task's row locked: its heartbeat waits \
                             for the lock, the other tasks' go on",
                            json!({}),
                        );
                    }
                } else {
                    run.busy = false;
                }
            }
            self.wait_for_busy_row(&round.busy);
        }
        self.keep_worker_id().await;
        self.touch_registry().await;
    }

    /// Queues a heartbeat behind the lock of one busy row (a running task's,
    /// or a finished one's whose result waits), on a connection of its own,
    /// so that it lands the moment the lock is released, before a reaper can
    /// see the task silent. One at a time: a connection each for many locked
    /// rows would be more than the worker's share.
    fn wait_for_busy_row(&mut self, busy: &[TaskId]) {
        if self.patient.as_ref().is_some_and(|p| !p.is_finished()) {
            return;
        }
        let Some(&id) = busy.first() else {
            return;
        };
        let pool = self.pool.clone();
        let worker_id = self.cfg.info.worker_id.clone();
        // Its answer does not matter: the next round reads the row.
        self.patient = Some(tokio::spawn(async move {
            if let Ok(mut conn) = pool.acquire().await {
                let _ = workers::heartbeat_when_free(&mut conn, id, &worker_id).await;
            }
        }));
    }

    /// The session holding this worker id's lock dies with its connection
    /// (a PostgreSQL restart): take the lock again. When another process
    /// took the id meanwhile, it is that process's now: stop everything.
    async fn keep_worker_id(&mut self) {
        let pool = self.pool.clone();
        let worker_id = self.cfg.info.worker_id.clone();
        if let Some(mut conn) = self.id_lock.take() {
            let alive = self
                .health
                .run("checking the worker id's lock", async {
                    sqlx::Connection::ping(&mut conn).await?;
                    Ok(())
                })
                .await;
            if alive.is_some() {
                self.id_lock = Some(conn);
            }
            return;
        }
        let Some(taken) = self
            .health
            .run("taking the worker id's lock again", async {
                let mut conn = pool.acquire().await?.detach();
                let held = workers::hold_worker_id(&mut conn, &worker_id).await?;
                Ok(held.then_some(conn))
            })
            .await
        else {
            return;
        };
        if taken.is_some() {
            self.id_lock = taken;
            return;
        }
        self.evicted = true;
        let mut stopped = 0;
        for run in self.runs.values_mut() {
            run.lost = true;
            if let Some(stop) = run.stop.take() {
                let _ = stop.send(StopReason::Lost);
                stopped += 1;
            }
        }
        self.log.worker(
            Level::Error,
            "worker_id_taken",
            &format!(
                "another process took worker id {worker_id} while the database was away: \
                 stopping {stopped} handler(s), storing nothing, exiting"
            ),
            json!({ "stopping": stopped }),
        );
    }

    async fn touch_registry(&mut self) {
        let pool = self.pool.clone();
        let status = if self.drain_deadline.is_some() {
            WorkerStatus::Draining
        } else {
            WorkerStatus::Running
        };
        let worker_id = self.cfg.info.worker_id.clone();
        let present = self
            .health
            .run("updating the worker registry", async {
                let mut conn = pool.acquire().await?;
                workers::touch(&mut conn, &worker_id, status).await
            })
            .await;
        if present == Some(workers::Touched::Missing) {
            self.health
                .run(
                    "registering the worker again",
                    workers::register(&pool, &self.cfg.info),
                )
                .await;
        }
    }

    async fn begin_drain(&mut self, signal: &'static str) {
        self.signal = Some(signal);
        self.drain_deadline = Some(Instant::now() + self.cfg.grace);
        self.alarm = None;
        self.notify("STOPPING=1");
        self.log.worker(
            Level::Info,
            "draining",
            &format!(
                "{signal}: claiming nothing more; waiting up to {} for {} running task(s) (a second signal kills them)",
                fmt_secs(self.cfg.grace.as_secs_f64()),
                self.runs.len()
            ),
            json!({ "signal": signal, "running": self.runs.len() }),
        );
        if self.health.ready() {
            self.touch_registry().await;
        }
    }

    /// Gives back tasks claimed under this worker's id that it does not
    /// run: at start, what a dead predecessor with this id still held (at
    /// once, rather than after the reaper's limit); after an outage, claims
    /// whose commit reached the database while the answer was lost with
    /// the connection. No attempt is charged.
    async fn release_unknown_claims(&mut self) {
        let pool = self.pool.clone();
        let worker_id = self.cfg.info.worker_id.clone();
        let Some(held) = self
            .health
            .run(
                "looking for claims this worker does not know of",
                workers::held_by(&pool, &worker_id),
            )
            .await
        else {
            return;
        };
        let known: HashSet<TaskId> = self
            .runs
            .values()
            .map(|r| r.task.task_id)
            .chain(self.completions.iter().map(|c| c.task.task_id))
            .chain(self.settlements.iter().map(|s| s.task.task_id))
            .collect();
        let mut busy = false;
        for id in held.into_iter().filter(|id| !known.contains(id)) {
            let Some(released) = self
                .health
                .run("giving back a claim this worker does not run", async {
                    let mut conn = pool.acquire().await?;
                    workers::settle_unlocked(
                        &mut conn,
                        id,
                        None,
                        &worker_id,
                        workers::Settlement::Release,
                    )
                    .await
                })
                .await
            else {
                return;
            };
            match released {
                workers::Settled::Done => {
                    self.summary.released += 1;
                    let why = if self.at_start {
                        "held under this worker id by a predecessor that is gone"
                    } else {
                        "claimed while the connection was lost, never run"
                    };
                    self.log.worker(
                        Level::Warn,
                        "released",
                        &format!("task {id}: {why}: given back, attempt not charged"),
                        json!({ "task_id": id }),
                    );
                }
                workers::Settled::Busy => busy = true,
                workers::Settled::Gone => {}
            }
        }
        // A locked row is tried again at the next turn.
        self.check_claims = busy;
        self.at_start &= busy;
    }

    /// The grace is over: stop every handler; their tasks go back.
    fn stop_all(&mut self) {
        self.stopping_all = true;
        let mut stopped = 0;
        for run in self.runs.values_mut() {
            if let Some(stop) = run.stop.take() {
                let _ = stop.send(StopReason::Shutdown);
                stopped += 1;
            }
        }
        if stopped > 0 {
            self.log.worker(
                Level::Warn,
                "grace_over",
                &format!(
                    "grace over: stopping {stopped} handler(s); their tasks go back to the queue"
                ),
                json!({ "stopping": stopped }),
            );
        }
    }

    fn notify(&self, state: &str) {
        if let Some(n) = &self.notifier {
            n.notify(state);
        }
    }
}

/// The result of a successful run, always a JSON object (or none when
/// standard output is empty): a JSON object printed is stored as it is;
/// any other JSON (array, number, string...) or text (its tail when cut)
/// under [`RESULT_KEY`]. PostgreSQL refuses NUL in text and jsonb, so NULs
/// become U+FFFD; passwords the worker knows become `***`.
fn result_of(stdout: &Tail) -> Option<Value> {
    let mut value = None;
    if stdout.is_whole() {
        let bytes = stdout.bytes();
        if bytes.trim_ascii().is_empty() {
            return None;
        }
        value = serde_json::from_slice::<Value>(bytes).ok();
    }
    let mut value = value.unwrap_or_else(|| Value::String(stdout.text()));
    scrub(&mut value);
    Some(match value {
        Value::Object(_) => value,
        other => json!({ RESULT_KEY: other }),
    })
}

/// Bytes of `value` as compact JSON text, counted without building it.
fn json_size(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

/// Every string and key of a result: NUL replaced, passwords redacted.
fn scrub(value: &mut Value) {
    let clean = |s: &str| crate::error::redact(&s.replace('\0', "\u{FFFD}"));
    match value {
        Value::String(s) => *s = clean(s),
        Value::Array(items) => items.iter_mut().for_each(scrub),
        Value::Object(map) => {
            *map = std::mem::take(map)
                .into_iter()
                .map(|(k, mut v)| {
                    scrub(&mut v);
                    (clean(&k), v)
                })
                .collect();
        }
        _ => {}
    }
}

/// The task's error: what happened and the last line of standard error
/// (where a traceback says what went wrong) on the first line, for lists
/// and grouping; then the tail of standard error.
fn error_text(what: &str, stderr: &Tail) -> String {
    let tail = stderr.text();
    let text = match tail.lines().map(str::trim).rfind(|l| !l.is_empty()) {
        Some(last) => format!("{what}: {last}\n{tail}"),
        None => format!("{what} (nothing on stderr)"),
    };
    // Stored where every reader of the queue sees it: no password in it.
    crate::error::redact(&text.replace('\0', "\u{FFFD}"))
}

fn refused_for_content(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| c.starts_with("22") || c.starts_with("54"))
}

/// `text` with every character outside printable ASCII written as an
/// escape: what any database encoding can hold.
fn ascii_only(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '\n' || (' '..='~').contains(&c) {
                c.to_string()
            } else {
                c.escape_unicode().to_string()
            }
        })
        .collect()
}

/// Whether the database answers, and when to try again when it does not.
/// A failed call is logged once per outage, not once per retry.
struct DbHealth {
    up: bool,
    restored: bool,
    retry_at: Instant,
    backoff: Duration,
    op_timeout: Duration,
    /// Host, port and database, for the log.
    target: String,
    /// When the outage began, and when the log last said so.
    down_since: Instant,
    said_at: Instant,
    log: Logger,
}

impl DbHealth {
    fn new(op_timeout: Duration, target: String, log: Logger) -> DbHealth {
        let now = Instant::now();
        DbHealth {
            up: true,
            restored: false,
            retry_at: now,
            backoff: BACKOFF_MIN,
            op_timeout,
            target,
            down_since: now,
            said_at: now,
            log,
        }
    }

    /// Whether a call may be made now.
    fn ready(&self) -> bool {
        self.up || Instant::now() >= self.retry_at
    }

    /// True once after the database came back.
    fn take_restored(&mut self) -> bool {
        std::mem::take(&mut self.restored)
    }

    /// Like `run`, but a statement the database refused for what it
    /// carries (SQLSTATE class 22, data exception: a character the
    /// database's encoding cannot hold; class 54, a program limit: a value
    /// too large for jsonb) is no outage: its message comes back, since
    /// sending it again would be refused again, for ever.
    async fn run_refusable<T>(
        &mut self,
        what: &str,
        call: impl Future<Output = crate::queue::Result<T>>,
    ) -> Option<Result<T, String>> {
        self.run(what, async {
            match call.await {
                Err(crate::queue::QueueError::Db(e)) if refused_for_content(&e) => {
                    Ok(Err(e.to_string()))
                }
                other => other.map(Ok),
            }
        })
        .await
    }

    async fn run<T>(
        &mut self,
        what: &str,
        call: impl Future<Output = crate::queue::Result<T>>,
    ) -> Option<T> {
        let failure = match tokio::time::timeout(self.op_timeout, call).await {
            Ok(Ok(value)) => {
                if !self.up {
                    self.up = true;
                    self.restored = true;
                    let down = self.down_since.elapsed().as_secs_f64();
                    self.log.worker(
                        Level::Info,
                        "db_restored",
                        &format!(
                            "the database at {} answers again (after {})",
                            self.target,
                            fmt_secs(down)
                        ),
                        json!({ "database": self.target, "down_sec": down }),
                    );
                }
                self.backoff = BACKOFF_MIN;
                return Some(value);
            }
            // The pool's own words ("pool timed out while waiting for an
            // open connection") say neither where nor why.
            Ok(Err(crate::queue::QueueError::Db(sqlx::Error::PoolTimedOut))) => {
                "no connection could be opened (the server is down or unreachable)".to_string()
            }
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!(
                "no answer within {}",
                fmt_secs(self.op_timeout.as_secs_f64())
            ),
        };
        let now = Instant::now();
        if self.up {
            self.down_since = now;
            self.said_at = now;
            self.log.worker(
                Level::Error,
                "db_error",
                &format!(
                    "database at {} failed while {what}: {failure}; retrying with backoff, \
                     running handlers carry on",
                    self.target
                ),
                json!({ "database": self.target, "error": failure }),
            );
        } else if now.duration_since(self.said_at) >= STILL_DOWN_EVERY {
            self.said_at = now;
            let down = now.duration_since(self.down_since).as_secs_f64();
            self.log.worker(
                Level::Error,
                "db_error",
                &format!(
                    "database at {} still unreachable after {} ({failure}); still retrying",
                    self.target,
                    fmt_secs(down)
                ),
                json!({ "database": self.target, "error": failure, "down_sec": down }),
            );
        }
        self.up = false;
        self.retry_at = Instant::now() + self.backoff;
        self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tail(bytes: &[u8]) -> Tail {
        let mut t = Tail::new(1024);
        t.push(bytes);
        t
    }

    #[test]
    fn results_are_json_objects_or_null() {
        assert_eq!(result_of(&tail(b"{\"a\": 1}\n")), Some(json!({"a": 1})));
        assert_eq!(result_of(&tail(b"done\n")), Some(json!({"output": "done"})));
        assert_eq!(result_of(&tail(b"null")), Some(json!({"output": null})));
        assert_eq!(result_of(&tail(b"[1, 2]")), Some(json!({"output": [1, 2]})));
        assert_eq!(result_of(&tail(b" \n")), None);
        assert_eq!(
            result_of(&tail(b"{\"k\\u0000\": \"v\\u0000\"}")),
            Some(json!({"k\u{FFFD}": "v\u{FFFD}"}))
        );
    }
}
