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

use std::collections::VecDeque;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, timeout, Instant};

use super::handler::{
    describe_exit, signal_group, wait4, Groups, Logs, Outcome, Reply, StopReason, Tail, PIPE_DRAIN,
    STDERR_TAIL,
};
use super::log::{Level, Logger};
use super::results::error_text;

/// The backoff after a handler died having answered nothing (at start, or
/// on its first task), doubled after each one more,
/// up to the most.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MOST_BACKOFF: Duration = Duration::from_secs(30);
/// Such deaths in a row after which each one is logged as an error.
const REPORT_AFTER: u32 = 3;
/// Most bytes of a line that is not a reply quoted in the log and error.
const QUOTED: usize = 200;

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

/// A task a handler holds.
struct Held {
    run_id: u64,
    id: String,
    given: Instant,
    deadline: Option<Instant>,
    logs: Logs,
    stopped: Option<StopReason>,
}

/// A line of a handler's standard output, or one too long to keep.
enum Line {
    Text(Vec<u8>),
    TooLong,
}

struct SlotRunner {
    index: usize,
    cfg: Arc<Settings>,
    cmds: mpsc::UnboundedReceiver<Cmd>,
    events: mpsc::UnboundedSender<Event>,
    done: mpsc::UnboundedSender<(u64, Outcome)>,
    groups: Groups,
    log: Logger,
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
    async fn run(mut self) {
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
        let mut cmd = std::process::Command::new(&self.cfg.program);
        cmd.args(&self.cfg.args)
            .envs(self.cfg.env.iter().map(|(k, v)| (*k, v)))
            .env("ABSURD_PERSISTENT_SLOT", self.index.to_string())
            .env_remove("NOTIFY_SOCKET")
            .env_remove("WATCHDOG_USEC")
            .env_remove("WATCHDOG_PID")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        for (name, value) in &self.cfg.env_override {
            match value {
                Some(v) => cmd.env(name, v),
                None => cmd.env_remove(name),
            };
        }
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

    fn report(&self, run_id: u64, given: Instant, outcome: Outcome) {
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

    /// A line of the handler's standard output: the answer for one of its
    /// tasks, reported. Some(why) when the line is no answer at all: the
    /// handler is to be stopped.
    fn on_line(&self, line: Line, held: &mut VecDeque<Held>, answered: &mut u64) -> Option<String> {
        let text = match line {
            Line::Text(text) => text,
            Line::TooLong => {
                return Some(format!(
                    "the handler wrote a line longer than --max-output ({} bytes) on stdout",
                    self.cfg.max_output
                ))
            }
        };
        let parsed: Option<serde_json::Map<String, Value>> = serde_json::from_slice(&text).ok();
        let id = parsed.as_ref().and_then(|m| match m.get("id") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        });
        let (Some(mut reply), Some(id)) = (parsed, id) else {
            if text.trim_ascii().is_empty() {
                return None;
            }
            let quoted = quote(&text);
            self.log.worker(
                Level::Warn,
                "malformed_line",
                &format!(
                    "persistent handler {} wrote a line that is not a JSON object with an id \
                     (stdout is for answers only; log on stderr): {quoted}; stopping it",
                    self.index
                ),
                json!({ "slot": self.index, "line": quoted }),
            );
            return Some(format!(
                "the handler wrote a line on stdout that is not a JSON object with an id: {quoted}"
            ));
        };
        let Some(at) = held.iter().position(|h| h.id == id) else {
            self.log.worker(
                Level::Warn,
                "unknown_reply",
                &format!(
                    "persistent handler {} answered for id {id}, which it does not hold \
                     (answered already, stopped, or never given): ignored",
                    self.index
                ),
                json!({ "slot": self.index, "id": id }),
            );
            return None;
        };
        if held[at].stopped.is_some() {
            // Being stopped (timeout, loss, shutdown): the stop wins.
            return None;
        }
        let h = held.remove(at).expect("a held task");
        *answered += 1;
        let result = reply.remove("result");
        let error = reply.remove("error");
        let reply = match (result, error) {
            (Some(result), None) => {
                let mut tail = Tail::new(self.cfg.max_output);
                tail.push(&serde_json::to_vec(&result).unwrap_or_default());
                Reply::Result(tail)
            }
            (None, Some(error)) => Reply::Error(crate::error::redact(
                &match error {
                    Value::String(s) => s,
                    other => other.to_string(),
                }
                .replace('\0', "\u{FFFD}"),
            )),
            _ => Reply::Error(format!(
                "the handler's answer has not exactly one of result and error: {}",
                quote(&text)
            )),
        };
        let outcome = Outcome {
            status: Ok(ExitStatus::from_raw(0)),
            stopped: None,
            stdout: Tail::new(0),
            stderr: Tail::new(0),
            elapsed: Duration::ZERO,
            usage: None,
            reply: Some(reply),
        };
        self.report(h.run_id, h.given, outcome);
        None
    }
}

fn interrupted(why: &'static str) -> Outcome {
    Outcome {
        status: Ok(ExitStatus::from_raw(0)),
        stopped: None,
        stdout: Tail::new(0),
        stderr: Tail::new(0),
        elapsed: Duration::ZERO,
        usage: None,
        reply: Some(Reply::Interrupted(why)),
    }
}

/// The start of a line, for the log and an error (redacted there).
fn quote(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    let text = text.trim();
    match text.char_indices().nth(QUOTED) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Writes the tasks' lines, as many as are waiting in one write.
async fn write_lines(
    mut to: tokio::process::ChildStdin,
    mut lines: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let mut buf = Vec::new();
    while let Some(line) = lines.recv().await {
        buf.clear();
        buf.extend_from_slice(&line);
        while let Ok(more) = lines.try_recv() {
            buf.extend_from_slice(&more);
        }
        if to.write_all(&buf).await.is_err() {
            return;
        }
    }
}

/// Splits standard output into lines of at most `max` bytes (a longer one
/// is reported as such, once, and skipped to its end).
async fn read_lines(mut from: impl AsyncRead + Unpin, max: usize, lines: mpsc::Sender<Line>) {
    let mut chunk = vec![0u8; 64 * 1024];
    let mut line = Vec::new();
    let mut too_long = false;
    while let Ok(n) = from.read(&mut chunk).await {
        if n == 0 {
            break;
        }
        let mut rest = &chunk[..n];
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            if !too_long {
                line.extend_from_slice(&rest[..end]);
                let whole = std::mem::take(&mut line);
                let sent = if whole.len() > max {
                    Line::TooLong
                } else {
                    Line::Text(whole)
                };
                if lines.send(sent).await.is_err() {
                    return;
                }
            }
            too_long = false;
            rest = &rest[end + 1..];
        }
        if !too_long {
            line.extend_from_slice(rest);
            if line.len() > max {
                too_long = true;
                line.clear();
                if lines.send(Line::TooLong).await.is_err() {
                    return;
                }
            }
        }
    }
    if !too_long && !line.is_empty() {
        let _ = lines.send(Line::Text(line)).await;
    }
}

async fn read_chunks(mut from: impl AsyncRead + Unpin, chunks: mpsc::Sender<Vec<u8>>) {
    let mut chunk = vec![0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut chunk).await {
        if n == 0 || chunks.send(chunk[..n].to_vec()).await.is_err() {
            return;
        }
    }
}
