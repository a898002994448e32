//! The supervisor: one loop that owns every database call of the worker
//! (claims, heartbeats, results, the registry) and the handlers it starts,
//! and the timers that pace it (polls, heartbeats, the watchdog, the grace
//! of a drain).
//!
//! Handlers run as tokio tasks of their own and report back on a channel;
//! they enforce their own timeouts and kills, so a slow or lost database
//! never keeps a handler from being stopped. What they leave waits in the
//! outbox (`outbox.rs`) until the database has it; calls go through the
//! database backoff (`backoff.rs`). The claim side (`claims.rs`), the
//! heartbeat side (`heartbeat.rs`) and the way out (`stopping.rs`: drains,
//! the grace, when to exit) are the loop's other jobs; `run.rs` is what it
//! keeps of each running task.

mod claims;
mod heartbeat;
mod run;
mod stopping;

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};

use super::backoff::DbHealth;
use super::handler::{Groups, Outcome};
use super::log::{Level, Logger};
use super::outbox::Outbox;
use super::persistent;
use super::progress::{self};
use super::systemd::Notifier;
use crate::queue::workers::{self, WorkerInfo};
use run::Run;

/// `stopped_by` when another process took this worker's id.
pub const EVICTED: &str = "worker-id-taken";

/// `stopped_by` when an operator asked it to stop (`absurdctl workers stop`).
pub const STOP_REQUEST: &str = "stop-request";

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
    /// Bytes kept of each attempt's stdout and stderr for its history.
    pub log_tail: usize,
    /// The database variables as handlers get them (see handler::Spec).
    pub env_override: Vec<(&'static str, Option<String>)>,
    /// Most bytes of results stored in one statement; a single result
    /// larger than this fails its task instead.
    pub result_batch_bytes: usize,
    /// With --persistent: the tasks each handler holds at once.
    pub pipeline: Option<usize>,
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
    outbox: Outbox,
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
    /// When stopping with results the database will not take: last try.
    give_up_at: Option<Instant>,
    /// Where handlers write their progress (None: it could not be made).
    progress_dir: Option<progress::Dir>,
    /// The history refused the output and progress (logged once).
    history_refused: bool,
    /// With --persistent: the handlers, one per slot.
    persistent: Option<persistent::Pool>,
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
        let persistent = cfg.pipeline.map(|pipeline| {
            let settings = persistent::Settings {
                program: cfg.program.clone(),
                args: cfg.args.clone(),
                env: vec![
                    ("ABSURD_QUEUE_NAME", cfg.info.queue_name.clone()),
                    ("ABSURD_WORKER_ID", cfg.info.worker_id.clone()),
                ],
                env_override: cfg.env_override.clone(),
                kill_grace: cfg.kill_grace,
                max_output: cfg.max_output,
                pipeline,
            };
            let count = cfg.info.concurrency as usize;
            persistent::Pool::start(
                settings,
                count,
                log.clone(),
                groups.clone(),
                done_tx.clone(),
            )
        });
        Supervisor {
            persistent,
            outbox: Outbox::new(cfg.result_batch_bytes),
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
            give_up_at: None,
            progress_dir: progress::Dir::create().ok(),
            history_refused: false,
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
        if let Some(handlers) = self.persistent.take() {
            // Nothing runs any more: EOF to each persistent handler.
            handlers.close().await;
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
        self.summary.unstored += self.outbox.abandon(&self.log);
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
        if self.health.ready() && !self.outbox.is_empty() {
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

    /// Stores what the outbox holds; a busy row gets a heartbeat waiting
    /// for its lock.
    async fn store(&mut self) {
        let pool = self.pool.clone();
        let stored = self
            .outbox
            .store(
                &pool,
                &self.cfg.info.worker_id,
                &mut self.health,
                &self.log,
                &mut self.summary,
            )
            .await;
        self.more_work |= stored.more_work;
        self.wait_for_busy_row(&stored.busy);
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
        let unstored = !self.outbox.is_empty();
        if !self.health.ready() && (unstored || (idle_slots && self.more_work)) {
            until = until.min(self.health.retry_at);
        }
        if idle_slots && !self.more_work {
            until = until.min(self.next_poll);
            if let Some(at) = self.alarm {
                until = until.min(at);
            }
        }
        if ((idle_slots && self.more_work) || self.outbox.store_again) && self.health.ready() {
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
            up = handler_changed(&mut self.persistent) => self.more_work |= up,
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
        let free = match &self.persistent {
            Some(handlers) => handlers.free(),
            None => (self.cfg.info.concurrency as usize).saturating_sub(self.runs.len()),
        };
        free.min(usize::try_from(left).unwrap_or(usize::MAX))
    }

    /// Free slots, and claims not held back.
    fn may_claim(&self) -> bool {
        self.free_slots() > 0 && Instant::now() >= self.hold_until
    }

    fn notify(&self, state: &str) {
        if let Some(n) = &self.notifier {
            n.notify(state);
        }
    }
}

/// A persistent handler came up (true: there may be room) or went down;
/// never, without persistent handlers.
async fn handler_changed(handlers: &mut Option<persistent::Pool>) -> bool {
    match handlers {
        Some(h) => h.changed().await,
        None => std::future::pending().await,
    }
}
