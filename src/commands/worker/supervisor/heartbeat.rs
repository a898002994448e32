//! The heartbeat side of the supervisor: heartbeats of the running tasks
//! (a locked row never holds up the others), the worker id's lock kept
//! across database restarts, and the registry row kept fresh.

use serde_json::json;

use super::run::Seen;
use super::{Supervisor, STOP_REQUEST};
use crate::commands::worker::handler::StopReason;
use crate::commands::worker::log::Level;
use crate::queue::history::Live;
use crate::queue::workers::{self, WorkerStatus};
use crate::queue::TaskId;

impl Supervisor {
    /// Heartbeats every running task (stopping those no longer ours),
    /// checks that this worker id is still this process's, and keeps the
    /// registry row fresh. A task whose row another session holds locked is
    /// skipped, never waited for: the other tasks' heartbeats go on.
    pub(super) async fn heartbeat(&mut self) {
        let pool = self.pool.clone();
        let worker_id = self.cfg.info.worker_id.clone();
        let ids: Vec<TaskId> = self
            .runs
            .values()
            .filter(|r| !r.lost)
            .map(|r| r.task.task_id)
            .collect();
        if !ids.is_empty() {
            // Output and progress that changed since the last heartbeat.
            let changed: Vec<(u64, Live, Seen)> = self
                .runs
                .iter()
                .filter(|(_, r)| !r.lost)
                .filter_map(|(&id, r)| r.changed().map(|(live, seen)| (id, live, seen)))
                .collect();
            let live: Vec<Live> = changed.iter().map(|(_, l, _)| l.clone()).collect();
            let hostname = self.cfg.info.hostname.clone();
            let Some((round, history)) = self
                .health
                .run("recording heartbeats", async {
                    let mut conn = pool.acquire().await?;
                    workers::heartbeat_unlocked(&mut conn, &ids, &worker_id, &hostname, &live).await
                })
                .await
            else {
                return;
            };
            self.stored_live(&round.done, changed, history);
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
                        "the task is no longer this worker's (cancelled, failed by an operator or reaped): stopping its handler",
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
        if let Some(stop) = self.touch_registry().await {
            self.on_stop_request(stop).await;
        }
    }

    /// An operator asked this worker to stop (`absurdctl workers stop`,
    /// from any host): drain as on SIGTERM, or with `--now` stop the
    /// handlers at once and give their tasks back, as when the grace is over.
    async fn on_stop_request(&mut self, stop: workers::StopRequest) {
        let by = stop.requested_by.as_deref().unwrap_or("an operator");
        if self.drain_deadline.is_none() {
            self.log.worker(
                Level::Info,
                "stop_requested",
                &format!(
                    "{by} asked this worker to stop{} (absurdctl workers stop)",
                    if stop.now { " now" } else { "" }
                ),
                json!({ "requested_by": stop.requested_by, "now": stop.now }),
            );
            self.begin_drain(STOP_REQUEST).await;
        }
        if stop.now && !self.stopping_all {
            if self.signal.is_none() {
                self.signal = Some(STOP_REQUEST);
            }
            self.log.worker(
                Level::Warn,
                "stop_now",
                &format!(
                    "{by} asked this worker to stop now: stopping {} handler(s); their tasks go back to the queue",
                    self.runs.len()
                ),
                json!({ "requested_by": stop.requested_by, "running": self.runs.len() }),
            );
            self.drain_deadline = Some(tokio::time::Instant::now());
        }
    }

    /// Notes what the history now has of each run heartbeated; its refusal
    /// (a role without UPDATE on absurd.task_attempts) is logged once and
    /// changes nothing else.
    fn stored_live(
        &mut self,
        done: &[TaskId],
        changed: Vec<(u64, Live, Seen)>,
        history: Result<(), String>,
    ) {
        match history {
            Ok(()) => {
                for (id, live, seen) in changed {
                    if !done.contains(&live.task_id) {
                        continue;
                    }
                    if let Some(run) = self.runs.get_mut(&id) {
                        run.stored = Some(seen);
                    }
                }
            }
            Err(e) if !self.history_refused => {
                self.history_refused = true;
                self.log.worker(
                    Level::Warn,
                    "history_refused",
                    &format!(
                        "the task history did not take the handlers' output and progress ({}): \
                         tasks run and results are stored as before",
                        crate::error::redact(&e)
                    ),
                    json!({}),
                );
            }
            Err(_) => {}
        }
    }

    /// Queues a heartbeat behind the lock of one busy row (a running task's,
    /// or a finished one's whose result waits), on a connection of its own,
    /// so that it lands the moment the lock is released, before a reaper can
    /// see the task silent. One at a time: a connection each for many locked
    /// rows would be more than the worker's share.
    pub(super) fn wait_for_busy_row(&mut self, busy: &[TaskId]) {
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
    pub(super) async fn keep_worker_id(&mut self) {
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

    /// Refreshes the registry row; the stop request addressed to this
    /// worker, if any.
    pub(super) async fn touch_registry(&mut self) -> Option<workers::StopRequest> {
        let pool = self.pool.clone();
        let status = if self.drain_deadline.is_some() {
            WorkerStatus::Draining
        } else {
            WorkerStatus::Running
        };
        let worker_id = self.cfg.info.worker_id.clone();
        let touch = self
            .health
            .run("updating the worker registry", async {
                let mut conn = pool.acquire().await?;
                workers::touch(&mut conn, &worker_id, status).await
            })
            .await?;
        if touch.touched == workers::Touched::Missing {
            self.health
                .run(
                    "registering the worker again",
                    workers::register(&pool, &self.cfg.info),
                )
                .await;
        }
        touch.stop
    }
}
