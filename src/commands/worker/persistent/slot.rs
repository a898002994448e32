//! One slot's handler: started, given tasks, watched for answers, deadlines
//! and stops, and started again when it ends.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;
use tokio::time::{sleep_until, timeout, Instant};

use super::super::handler::{
    command, describe_exit, signal_group, wait4, Groups, Logs, Outcome, Reply, StopReason, Tail,
    PIPE_DRAIN, STDERR_TAIL,
};
use super::super::log::{Level, Logger};
use super::super::results::error_text;
use super::pipes::{read_chunks, read_lines, write_lines};
use super::{Cmd, Event, Settings};

/// The backoff after a handler died having answered nothing (at start, or
/// on its first task), doubled after each one more,
/// up to the most.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MOST_BACKOFF: Duration = Duration::from_secs(30);
/// Such deaths in a row after which each one is logged as an error.
const REPORT_AFTER: u32 = 3;
/// A task a handler holds.
pub(super) struct Held {
    pub(super) run_id: u64,
    pub(super) id: String,
    pub(super) given: Instant,
    pub(super) deadline: Option<Instant>,
    pub(super) logs: Logs,
    pub(super) stopped: Option<StopReason>,
}

pub(super) struct SlotRunner {
    pub(super) index: usize,
    pub(super) cfg: Arc<Settings>,
    pub(super) cmds: mpsc::UnboundedReceiver<Cmd>,
    pub(super) events: mpsc::UnboundedSender<Event>,
    pub(super) done: mpsc::UnboundedSender<(u64, Outcome)>,
    pub(super) groups: Groups,
    pub(super) log: Logger,
}

/// How one handler process ended.
struct Ended {
    /// The worker closed the slot: no restart.
    closed: bool,
    /// It died by itself having answered nothing.
    quick: bool,
    /// What to log of its end, when it ended by itself.
    why: Option<String>,
}

impl SlotRunner {
    pub(super) async fn run(mut self) {
        let mut deaths = 0u32;
        loop {
            let ended = match self.spawn() {
                Ok(child) => {
                    let _ = self.events.send(Event::Ready(self.index));
                    let ended = self.drive(child).await;
                    let _ = self.events.send(Event::Down(self.index));
                    ended
                }
                Err(e) => Ended {
                    closed: false,
                    quick: true,
                    why: Some(format!("cannot start `{}`: {e}", self.cfg.program)),
                },
            };
            if ended.closed {
                return;
            }
            deaths = if ended.quick { deaths + 1 } else { 0 };
            let wait = match deaths {
                0 => Duration::ZERO,
                n => (FIRST_BACKOFF * 2u32.saturating_pow(n - 1)).min(MOST_BACKOFF),
            };
            if let Some(why) = ended.why {
                let (level, message) = if deaths >= REPORT_AFTER {
                    (
                        Level::Error,
                        format!(
                            "persistent handler {} keeps dying before answering anything ({deaths} \
                             times in a row), last: {why}; check the handler (and that it \
                             reads tasks from stdin); next start in {}",
                            self.index,
                            crate::output::fmt_secs(wait.as_secs_f64())
                        ),
                    )
                } else {
                    (
                        Level::Warn,
                        format!(
                            "persistent handler {} ended: {why}; starting it again{}",
                            self.index,
                            if wait.is_zero() {
                                String::new()
                            } else {
                                format!(" in {}", crate::output::fmt_secs(wait.as_secs_f64()))
                            }
                        ),
                    )
                };
                self.log.worker(
                    level,
                    "handler_exited",
                    &message,
                    json!({ "slot": self.index, "deaths_in_a_row": deaths, "why": why }),
                );
            }
            if !self.pause(wait).await {
                return;
            }
        }
    }

    /// Waits `wait` before the next start, giving back what is given
    /// meanwhile (a task sent before the supervisor heard the handler was
    /// down); false when the worker closed the slot.
    async fn pause(&mut self, wait: Duration) -> bool {
        let until = Instant::now() + wait;
        loop {
            tokio::select! {
                _ = sleep_until(until) => return true,
                cmd = self.cmds.recv() => match cmd {
                    Some(Cmd::Assign(task)) => {
                        self.report(task.run_id, Instant::now(), interrupted("its persistent handler is restarting"));
                    }
                    Some(Cmd::Stop(..)) => {}
                    None => return false,
                }
            }
        }
    }

    fn spawn(&self) -> std::io::Result<std::process::Child> {
        let mut cmd = command(
            &self.cfg.program,
            &self.cfg.args,
            &self.cfg.env,
            &self.cfg.env_override,
        );
        cmd.env("ABSURD_PERSISTENT_SLOT", self.index.to_string());
        cmd.spawn()
    }

    /// SIGTERM to the group and a time for SIGKILL, unless already
    /// stopping; the supervisor gives it no more tasks meanwhile.
    fn begin_stop(&self, kill_at: &mut Option<Instant>, pgid: i32) {
        if kill_at.is_none() {
            signal_group(pgid, libc::SIGTERM);
            *kill_at = Some(Instant::now() + self.cfg.kill_grace);
            let _ = self.events.send(Event::Down(self.index));
        }
    }

    pub(super) fn report(&self, run_id: u64, given: Instant, outcome: Outcome) {
        let outcome = Outcome {
            elapsed: given.elapsed(),
            ..outcome
        };
        let _ = self.done.send((run_id, outcome));
    }

    /// Runs one handler process until it exits.
    async fn drive(&mut self, mut child: std::process::Child) -> Ended {
        let started = Instant::now();
        let pgid = child.id() as i32;
        self.groups.add(pgid);
        let mut waiter = tokio::task::spawn_blocking(move || wait4(pgid));
        let stdin = child
            .stdin
            .take()
            .and_then(|w| tokio::process::ChildStdin::from_std(w).ok());
        let stdout = child
            .stdout
            .take()
            .and_then(|r| tokio::process::ChildStdout::from_std(r).ok());
        let stderr = child
            .stderr
            .take()
            .and_then(|r| tokio::process::ChildStderr::from_std(r).ok());
        let (write_tx, write_rx) = mpsc::unbounded_channel();
        let mut writer = Some(write_tx);
        let write_task = stdin.map(|w| tokio::spawn(write_lines(w, write_rx)));
        let (line_tx, mut lines) = mpsc::channel(1024);
        let read_task = stdout.map(|r| tokio::spawn(read_lines(r, self.cfg.max_output, line_tx)));
        let (chunk_tx, mut chunks) = mpsc::channel(64);
        let err_task = stderr.map(|r| tokio::spawn(read_chunks(r, chunk_tx)));

        let mut held: VecDeque<Held> = VecDeque::new();
        let mut stderr_tail = Tail::new(STDERR_TAIL);
        let mut answered = 0u64;
        // Why the handler is being stopped, when it is for what it wrote.
        let mut blame: Option<String> = None;
        let mut kill_at: Option<Instant> = None;
        let mut closed = false;
        let mut lines_open = true;
        let mut chunks_open = true;
        let far = started + Duration::from_secs(100 * 365 * 86400);
        let status = loop {
            let deadline = held
                .iter()
                .filter(|h| h.stopped.is_none())
                .filter_map(|h| h.deadline)
                .min();
            tokio::select! {
                biased;
                waited = &mut waiter => {
                    break waited.unwrap_or_else(|e| Err(std::io::Error::other(e)));
                }
                line = lines.recv(), if lines_open => match line {
                    Some(line) => {
                        if let Some(why) = self.on_line(line, &mut held, &mut answered) {
                            blame.get_or_insert(why);
                            self.begin_stop(&mut kill_at, pgid);
                        }
                    }
                    None => lines_open = false,
                },
                chunk = chunks.recv(), if chunks_open => match chunk {
                    Some(chunk) => {
                        stderr_tail.push(&chunk);
                        if let [only] = held.make_contiguous() {
                            only.logs.push_stderr(&chunk);
                        }
                    }
                    None => chunks_open = false,
                },
                cmd = self.cmds.recv(), if !closed => match cmd {
                    Some(Cmd::Assign(task)) => {
                        let now = Instant::now();
                        match (&writer, kill_at) {
                            (Some(w), None) => {
                                let _ = w.send(task.line);
                                held.push_back(Held {
                                    run_id: task.run_id,
                                    id: task.id,
                                    given: now,
                                    deadline: task.timeout.map(|t| now + t),
                                    logs: task.logs,
                                    stopped: None,
                                });
                            }
                            _ => self.report(task.run_id, now, interrupted("its persistent handler is restarting")),
                        }
                    }
                    Some(Cmd::Stop(run_id, reason)) => {
                        if let Some(h) = held.iter_mut().find(|h| h.run_id == run_id && h.stopped.is_none()) {
                            h.stopped = Some(reason);
                            self.begin_stop(&mut kill_at, pgid);
                        }
                    }
                    None => {
                        // The worker is done with it: EOF, and a grace to exit.
                        closed = true;
                        writer = None;
                        kill_at.get_or_insert(Instant::now() + self.cfg.kill_grace);
                    }
                },
                _ = sleep_until(deadline.unwrap_or(far)), if deadline.is_some() => {
                    let now = Instant::now();
                    for h in held.iter_mut().filter(|h| h.stopped.is_none() && h.deadline.is_some_and(|d| d <= now)) {
                        h.stopped = Some(StopReason::Timeout);
                    }
                    self.begin_stop(&mut kill_at, pgid);
                }
                _ = sleep_until(kill_at.unwrap_or(far)), if kill_at.is_some() => {
                    signal_group(pgid, libc::SIGKILL);
                    kill_at = None;
                }
            }
        };
        // Nothing it started outlives it; that also closes its pipes.
        signal_group(pgid, libc::SIGKILL);
        self.groups.remove(pgid);
        drop(writer);
        if let Some(w) = write_task {
            w.abort();
        }
        // Answers it wrote just before it ended still count.
        while lines_open {
            match timeout(PIPE_DRAIN, lines.recv()).await {
                Ok(Some(line)) => {
                    if let Some(why) = self.on_line(line, &mut held, &mut answered) {
                        blame.get_or_insert(why);
                    }
                }
                _ => lines_open = false,
            }
        }
        while chunks_open {
            match timeout(PIPE_DRAIN, chunks.recv()).await {
                Ok(Some(chunk)) => stderr_tail.push(&chunk),
                _ => chunks_open = false,
            }
        }
        for task in [read_task, err_task].into_iter().flatten() {
            task.abort();
        }
        let status = status.map(|(s, _)| s);
        let stopped_by_us = held.iter().any(|h| h.stopped.is_some());
        let exit = match &status {
            Ok(s) => describe_exit(s),
            Err(e) => format!("lost track of it ({e})"),
        };
        let died = (!stopped_by_us && !closed).then(|| match &blame {
            Some(why) => format!("{why}; its persistent handler was stopped ({exit})"),
            None => format!("its persistent handler ended ({exit}) before answering"),
        });
        let mut charged = died.is_none();
        for h in held {
            let reply = match h.stopped {
                Some(StopReason::Shutdown) => {
                    Some(Reply::Interrupted("the worker is shutting down"))
                }
                Some(_) => None,
                None if !charged => {
                    charged = true;
                    Some(Reply::Died(error_text(
                        died.as_deref().unwrap_or_default(),
                        &stderr_tail,
                    )))
                }
                None => Some(Reply::Interrupted(
                    "its persistent handler was stopped or ended while holding another task",
                )),
            };
            let outcome = Outcome {
                status: status
                    .as_ref()
                    .map(|s| *s)
                    .map_err(|e| std::io::Error::new(e.kind(), e.to_string())),
                stopped: h.stopped,
                stdout: Tail::new(0),
                stderr: stderr_tail.clone(),
                elapsed: Duration::ZERO,
                usage: None,
                reply,
            };
            self.report(h.run_id, h.given, outcome);
        }
        Ended {
            closed,
            quick: answered == 0 && !stopped_by_us && !closed,
            why: (!stopped_by_us && !closed).then(|| match blame {
                Some(why) => why,
                None => format!(
                    "{exit}{}",
                    match stderr_tail.text().lines().rfind(|l| !l.trim().is_empty()) {
                        Some(last) => format!(": {}", last.trim()),
                        None => String::new(),
                    }
                ),
            }),
        }
    }
}

fn interrupted(why: &'static str) -> Outcome {
    Outcome::replied(Reply::Interrupted(why))
}
