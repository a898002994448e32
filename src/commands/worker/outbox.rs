//! The result outbox of the worker: how each handler ended (a result to
//! store, a failure, a task to give back), kept in memory until the
//! database has it. Completions go in batches of at most
//! --result-batch-bytes; a row another session holds locked is skipped, not
//! waited for; nothing is dropped while the database is away.

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::PgPool;

use super::backoff::DbHealth;
use super::handler::Tail;
use super::log::{Level, Logger};
use super::results::{ascii_only, json_size, result_of};
use super::supervisor::Summary;
use crate::output::fmt_secs;
use crate::queue::history::Ended;
use crate::queue::workers;
use crate::queue::{Task, TaskId};

/// A successful run waiting to be stored.
pub(super) struct Completion {
    pub(super) task: Task,
    /// None (SQL NULL) when the handler printed nothing.
    pub(super) result: Option<Value>,
    /// Bytes of the result as JSON text, as sent to the database.
    pub(super) size: usize,
    pub(super) elapsed: Duration,
    /// The handler's side of the attempt, for its history.
    pub(super) ended: Ended,
}

/// Any other ending waiting to be stored.
pub(super) struct Settlement {
    pub(super) task: Task,
    pub(super) kind: Settle,
    pub(super) elapsed: Duration,
    pub(super) ended: Ended,
}

pub(super) enum Settle {
    Fail { error: String, timed_out: bool },
    Release { why: &'static str },
}

/// What a store round leaves to the claim loop.
pub(super) struct Stored {
    /// A completion, retry or release may have made tasks claimable.
    pub(super) more_work: bool,
    /// Tasks whose rows another session holds locked.
    pub(super) busy: Vec<TaskId>,
}

pub(super) struct Outbox {
    batch_bytes: usize,
    completions: Vec<Completion>,
    settlements: Vec<Settlement>,
    /// Something to store may be tried again at once (a failure rewritten
    /// after the database refused it).
    pub(super) store_again: bool,
}

impl Outbox {
    /// An outbox storing completions in batches of at most `batch_bytes`.
    pub(super) fn new(batch_bytes: usize) -> Outbox {
        Outbox {
            batch_bytes,
            completions: Vec::new(),
            settlements: Vec::new(),
            store_again: false,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.completions.is_empty() && self.settlements.is_empty()
    }

    /// The tasks whose ending waits here.
    pub(super) fn task_ids(&self) -> impl Iterator<Item = TaskId> + '_ {
        self.completions
            .iter()
            .map(|c| c.task.task_id)
            .chain(self.settlements.iter().map(|s| s.task.task_id))
    }

    /// Drops what waits for task `id`: claimed again, its old ending is stale.
    pub(super) fn forget(&mut self, id: TaskId) {
        self.completions.retain(|c| c.task.task_id != id);
        self.settlements.retain(|s| s.task.task_id != id);
    }

    /// A failure or a release, to be stored.
    pub(super) fn settle(&mut self, task: Task, kind: Settle, elapsed: Duration, ended: Ended) {
        self.settlements.push(Settlement {
            task,
            kind,
            elapsed,
            ended,
        });
    }

    /// A successful run's result, to be stored; one larger than a batch may
    /// hold fails its task instead (it could never be stored).
    pub(super) fn push_completion(
        &mut self,
        task: Task,
        stdout: &Tail,
        elapsed: Duration,
        ended: Ended,
    ) {
        let result = result_of(stdout);
        let size = result.as_ref().map_or(0, json_size);
        if size > self.batch_bytes {
            self.settlements.push(Settlement {
                task,
                kind: Settle::Fail {
                    error: format!(
                        "succeeded, but its result ({size} bytes of JSON) is larger than the {} bytes \
                         a worker stores at once (--result-batch-bytes): not stored",
                        self.batch_bytes
                    ),
                    timed_out: false,
                },
                elapsed,
                ended,
            });
            return;
        }
        self.completions.push(Completion {
            task,
            result,
            size,
            elapsed,
            ended,
        });
    }

    /// Stores what finished handlers left: completions in batches of at
    /// most --result-batch-bytes, failures and releases (rarer) one by one.
    /// A task whose row another session holds locked is skipped, not waited
    /// for; it and whatever the database does not take stay for the next try.
    pub(super) async fn store(
        &mut self,
        pool: &PgPool,
        worker_id: &str,
        health: &mut DbHealth,
        log: &Logger,
        summary: &mut Summary,
    ) -> Stored {
        self.store_again = false;
        let mut more_work = false;
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
                        bytes <= self.batch_bytes
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
                    ended: Some(&c.ended),
                })
                .collect();
            let round = health
                .run_refusable("storing results", async {
                    let mut conn = pool.acquire().await?;
                    workers::complete_unlocked(&mut conn, &finished, worker_id).await
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
                            ended: c.ended,
                        });
                    }
                    continue;
                }
            };
            for c in batch {
                let id = c.task.task_id;
                let took = c.elapsed.as_secs_f64();
                if round.done.contains(&id) {
                    summary.completed += 1;
                    log.task(
                        Level::Info,
                        "completed",
                        &c.task,
                        &format!("completed in {} (result {} bytes)", fmt_secs(took), c.size),
                        json!({ "duration_sec": took, "result_bytes": c.size }),
                    );
                    // A completion may release tasks that depend on it.
                    more_work = true;
                } else if round.busy.contains(&id) {
                    busy.push(id);
                    kept.push(c);
                } else {
                    summary.lost += 1;
                    log.task(
                        Level::Warn,
                        "lost",
                        &c.task,
                        "succeeded, but the task is no longer this worker's (cancelled, failed by an operator or reaped): result not stored",
                        json!({ "duration_sec": took }),
                    );
                }
            }
        }
        self.completions = kept;
        if !health.ready() {
            // The database failed just now: the rest, and the heartbeat
            // behind a busy row's lock, wait for its backoff.
            return Stored {
                more_work,
                busy: Vec::new(),
            };
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
            let stored = health
                .run_refusable(call, async {
                    let mut conn = pool.acquire().await?;
                    workers::settle_unlocked(
                        &mut conn,
                        id,
                        claimed_at,
                        worker_id,
                        what,
                        Some(&s.ended),
                    )
                    .await
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
                            summary.unstored += 1;
                            log.task(
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
                    log_settled(log, summary, &s, settled == workers::Settled::Done);
                    // A retry or a release is work again, now or after a
                    // backoff (the claim that follows sets the alarm for it).
                    more_work = true;
                }
            }
        }
        kept.extend(settlements);
        self.settlements = kept;
        Stored { more_work, busy }
    }

    /// Logs what the database never took, at the worker's exit, and says
    /// how many tasks that leaves claimed until reaped.
    pub(super) fn abandon(&self, log: &Logger) -> u64 {
        for c in &self.completions {
            // Its size, never its content: a result may be gigabytes.
            log.task(
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
            log.task(
                Level::Error,
                "unstored",
                &s.task,
                &format!(
                    "{what}; the database did not take it, the task stays claimed until reaped"
                ),
                json!({}),
            );
        }
        (self.completions.len() + self.settlements.len()) as u64
    }
}

fn log_settled(log: &Logger, summary: &mut Summary, s: &Settlement, ours: bool) {
    let took = s.elapsed.as_secs_f64();
    let task = &s.task;
    if !ours {
        summary.lost += 1;
        log.task(
            Level::Warn,
            "lost",
            task,
            "ended, but the task is no longer this worker's (cancelled, failed by an operator or reaped): nothing stored",
            json!({ "duration_sec": took }),
        );
        return;
    }
    match &s.kind {
        Settle::Fail { error, timed_out } => {
            summary.failed += 1;
            if *timed_out {
                summary.timed_out += 1;
            }
            let retrying = task.attempt < task.max_retries;
            let fate = if retrying {
                "will retry after a backoff"
            } else {
                "no attempts left: failed"
            };
            let what = error.lines().next().unwrap_or_default();
            log.task(
                Level::Warn,
                if *timed_out { "timed_out" } else { "failed" },
                task,
                &format!("{what}; {fate}"),
                json!({ "duration_sec": took, "retrying": retrying, "error": error }),
            );
        }
        Settle::Release { why } => {
            summary.released += 1;
            log.task(
                Level::Warn,
                "released",
                task,
                &format!("given back to the queue, attempt not charged: {why}"),
                json!({ "duration_sec": took }),
            );
        }
    }
}
