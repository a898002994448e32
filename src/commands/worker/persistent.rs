//! Persistent handlers (`worker run --persistent`): one long-running
//! handler process per slot, in a process group of its own, given tasks as
//! JSON lines on its standard input (up to --pipeline at once) and
//! answering each with a JSON line on its standard output, `{"id", "result"}`
//! or `{"id", "error"}`. Like a run of its own (`handler.rs`) it knows
//! nothing of the database: each task's ending goes to the supervisor as an
//! [`Outcome`] on the same channel.
//!
//! A timeout, a cancellation or the end of a drain's grace stops the whole
//! handler (SIGTERM to its group, SIGKILL after --kill-grace): the task it
//! was stopped for ends as it would with a handler of its own, the others it
//! held go back to the queue uncharged. A handler that ends by itself fails
//! its oldest unanswered task (a handler answering in order was working on
//! it) with its exit status and the tail of its stderr. Either way it is
//! started again: at once after a stop, after a growing backoff when it
//! keeps dying without answering, so a broken handler never spins.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::handler::{Groups, Logs, Outcome, StopReason};
use super::log::Logger;
use slot::SlotRunner;

mod answer;
mod pipes;
mod slot;

/// How the handlers run, from the command line.
pub struct Settings {
    pub program: String,
    pub args: Vec<String>,
    /// Variables set for every handler (ABSURD_QUEUE_NAME, ABSURD_WORKER_ID).
    pub env: Vec<(&'static str, String)>,
    pub env_override: Vec<(&'static str, Option<String>)>,
    pub kill_grace: Duration,
    /// Longest line of a handler's standard output (--max-output).
    pub max_output: usize,
    /// Tasks a handler holds at once.
    pub pipeline: usize,
}

/// One task for a handler.
pub struct Assign {
    pub run_id: u64,
    /// The task as the handler sees it: its id, and its JSON line.
    pub id: String,
    pub line: Vec<u8>,
    pub timeout: Option<Duration>,
    /// Where its stderr goes while it is the handler's only task.
    pub logs: Logs,
}

enum Cmd {
    Assign(Assign),
    Stop(u64, StopReason),
}

/// A slot's handler is up (may be given tasks) or down (restarting).
enum Event {
    Ready(usize),
    Down(usize),
}

struct Slot {
    tx: mpsc::UnboundedSender<Cmd>,
    ready: bool,
    held: usize,
    task: JoinHandle<()>,
}

/// The persistent handlers of a worker, one per slot.
pub struct Pool {
    slots: Vec<Slot>,
    pipeline: usize,
    events: mpsc::UnboundedReceiver<Event>,
}

impl Pool {
    /// Starts `count` handlers; their tasks' endings go to `done`.
    pub fn start(
        settings: Settings,
        count: usize,
        log: Logger,
        groups: Groups,
        done: mpsc::UnboundedSender<(u64, Outcome)>,
    ) -> Pool {
        let settings = Arc::new(settings);
        let (events_tx, events) = mpsc::unbounded_channel();
        let slots = (0..count)
            .map(|index| {
                let (tx, rx) = mpsc::unbounded_channel();
                let slot = SlotRunner {
                    index,
                    cfg: settings.clone(),
                    cmds: rx,
                    events: events_tx.clone(),
                    done: done.clone(),
                    groups: groups.clone(),
                    log: log.clone(),
                };
                Slot {
                    tx,
                    ready: false,
                    held: 0,
                    task: tokio::spawn(slot.run()),
                }
            })
            .collect();
        Pool {
            slots,
            pipeline: settings.pipeline,
            events,
        }
    }

    /// Tasks the handlers that are up can take now.
    pub fn free(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| s.ready)
            .map(|s| self.pipeline.saturating_sub(s.held))
            .sum()
    }

    /// Gives a task to the least busy handler that is up (the caller made
    /// sure one has room): its slot.
    pub fn assign(&mut self, task: Assign, stop: oneshot::Receiver<StopReason>) -> usize {
        let (index, slot) = self
            .slots
            .iter_mut()
            .enumerate()
            .filter(|(_, s)| s.ready)
            .min_by_key(|(_, s)| s.held)
            .expect("a handler that is up");
        slot.held += 1;
        // A stop asked through the run's channel reaches the slot as a command.
        let weak = slot.tx.downgrade();
        let run_id = task.run_id;
        tokio::spawn(async move {
            if let (Ok(reason), Some(tx)) = (stop.await, weak.upgrade()) {
                let _ = tx.send(Cmd::Stop(run_id, reason));
            }
        });
        let _ = slot.tx.send(Cmd::Assign(task));
        index
    }

    /// A task given to `slot` has ended.
    pub fn ended(&mut self, slot: usize) {
        if let Some(s) = self.slots.get_mut(slot) {
            s.held = s.held.saturating_sub(1);
        }
    }

    /// Waits for a handler to come up or go down; true when one came up
    /// (there may be room for tasks).
    pub async fn changed(&mut self) -> bool {
        let Some(event) = self.events.recv().await else {
            return std::future::pending().await;
        };
        match event {
            Event::Ready(i) => {
                self.slots[i].ready = true;
                true
            }
            Event::Down(i) => {
                self.slots[i].ready = false;
                false
            }
        }
    }

    /// Ends every handler: standard input closed (EOF), --kill-grace to
    /// exit, then SIGKILL.
    pub async fn close(self) {
        let tasks: Vec<JoinHandle<()>> = self
            .slots
            .into_iter()
            .map(|s| {
                drop(s.tx);
                s.task
            })
            .collect();
        for task in tasks {
            let _ = task.await;
        }
    }
}
