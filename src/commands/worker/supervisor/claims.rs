//! The claim side of the supervisor: claiming up to the free slots (and
//! the alarm for the next delayed task), starting a handler per task,
//! deciding what each ending becomes, and giving back claims this worker
//! holds without running them.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::json;
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::{Run, Supervisor};
use crate::commands::worker::handler::{
    self, describe_exit, Logs, Outcome, Reply, Spec, StopReason,
};
use crate::commands::worker::log::Level;
use crate::commands::worker::outbox::Settle;
use crate::commands::worker::persistent;
use crate::commands::worker::results::error_text;
use crate::output::fmt_secs;
use crate::queue::workers;
use crate::queue::{tasks, Task, TaskId};

impl Supervisor {
    pub(super) async fn claim(&mut self) {
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

    pub(super) fn start(&mut self, task: Task) {
        let id = task.task_id;
        // Ours again after a reap while its old handler still runs: that
        // run and any result it left are stale.
        for run in self.runs.values_mut().filter(|r| r.task.task_id == id) {
            run.lost = true;
            if let Some(stop) = run.stop.take() {
                let _ = stop.send(StopReason::Lost);
            }
        }
        self.outbox.forget(id);

        let timeout = task
            .timeout_sec
            .filter(|&s| s > 0)
            .map(|s| Duration::from_secs(s as u64))
            .or(self.cfg.default_timeout);
        let worker_id = &self.cfg.info.worker_id;
        let mut input = json!({
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
        let run_id = self.next_run;
        self.next_run += 1;
        let logs = Logs::new(self.cfg.log_tail);
        let (stop_tx, stop_rx) = oneshot::channel();
        let mut slot = None;
        let mut progress_file = None;
        if let Some(handlers) = &mut self.persistent {
            let id = task.task_id.to_string();
            input["id"] = json!(id);
            let mut line = input.to_string().into_bytes();
            line.push(b'\n');
            let assign = persistent::Assign {
                run_id,
                id,
                line,
                timeout,
                logs: logs.clone(),
            };
            slot = Some(handlers.assign(assign, stop_rx));
        } else {
            progress_file = self.spawn_handler(&task, input, run_id, timeout, &logs, stop_rx);
        }
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
                logs,
                progress_file,
                stored: None,
                slot,
            },
        );
    }

    /// Starts a handler of its own for a task: the file it may write its
    /// progress to.
    fn spawn_handler(
        &self,
        task: &Task,
        input: serde_json::Value,
        run_id: u64,
        timeout: Option<Duration>,
        logs: &Logs,
        stop_rx: oneshot::Receiver<StopReason>,
    ) -> Option<std::path::PathBuf> {
        let worker_id = &self.cfg.info.worker_id;
        let mut stdin = input.to_string().into_bytes();
        stdin.push(b'\n');
        let mut env = vec![
            ("ABSURD_TASK_ID", task.task_id.to_string()),
            ("ABSURD_TASK_NAME", task.task_name.clone()),
            ("ABSURD_QUEUE_NAME", task.queue_name.clone()),
            ("ABSURD_ATTEMPT", task.attempt.to_string()),
            ("ABSURD_WORKER_ID", worker_id.clone()),
        ];
        let progress_file = self.progress_dir.as_ref().map(|d| d.file(run_id));
        if let Some(path) = &progress_file {
            env.push(("ABSURD_PROGRESS_FILE", path.to_string_lossy().into_owned()));
        }
        let spec = Spec {
            program: self.cfg.program.clone(),
            args: self.cfg.args.clone(),
            env,
            env_override: self.cfg.env_override.clone(),
            stdin,
            timeout,
            kill_grace: self.cfg.kill_grace,
            max_output: self.cfg.max_output,
            logs: logs.clone(),
        };
        let done = self.done_tx.clone();
        let groups = self.groups.clone();
        tokio::spawn(async move {
            let outcome = handler::run(spec, stop_rx, groups).await;
            let _ = done.send((run_id, outcome));
        });
        progress_file
    }

    /// A handler ended: decide what its task becomes, to be stored.
    pub(super) fn on_exit(&mut self, run_id: u64, mut out: Outcome) {
        let Some(run) = self.runs.remove(&run_id) else {
            return;
        };
        if let (Some(handlers), Some(slot)) = (&mut self.persistent, run.slot) {
            handlers.ended(slot);
        }
        let ended = run.ended(&out);
        if let Some(path) = &run.progress_file {
            let _ = std::fs::remove_file(path);
        }
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
        if let Some(reply) = out.reply.take() {
            let kind = match reply {
                Reply::Result(result) => {
                    self.outbox.push_completion(task, &result, elapsed, ended);
                    return;
                }
                Reply::Error(error) | Reply::Died(error) => Settle::Fail {
                    error,
                    timed_out: false,
                },
                Reply::Interrupted(why) => Settle::Release { why },
            };
            self.outbox.settle(task, kind, elapsed, ended);
            return;
        }
        let kind = match (out.stopped, &out.status) {
            // Done just as the grace ran out: the result is there, keep it
            // rather than run the task again.
            (Some(StopReason::Shutdown), Ok(status)) if status.success() => {
                self.outbox
                    .push_completion(task, &out.stdout, elapsed, ended);
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
                self.outbox
                    .push_completion(task, &out.stdout, elapsed, ended);
                return;
            }
            (_, Ok(status)) => Settle::Fail {
                error: error_text(&describe_exit(status), &out.stderr),
                timed_out: false,
            },
        };
        self.outbox.settle(task, kind, elapsed, ended);
    }

    /// Gives back tasks claimed under this worker's id that it does not
    /// run: at start, what a dead predecessor with this id still held (at
    /// once, rather than after the reaper's limit); after an outage, claims
    /// whose commit reached the database while the answer was lost with
    /// the connection. No attempt is charged.
    pub(super) async fn release_unknown_claims(&mut self) {
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
            .chain(self.outbox.task_ids())
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
                        None,
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
}
