//! One run of the handler: COMMAND in a process group of its own, the task
//! on its standard input, its output captured within bounds, and the whole
//! group stopped (SIGTERM, then SIGKILL after a grace) on request or at its
//! deadline. It knows nothing of the database: the supervisor decides what
//! an outcome means for the task.

use std::collections::HashSet;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use tokio::time::{sleep_until, Instant};

mod process;
pub use process::describe_exit;
pub(super) use process::{command, signal_group, wait4};

/// Bytes of standard error kept for a failed task's error.
pub(super) const STDERR_TAIL: usize = 4096;

/// How long output still in the pipes is read once the handler has exited
/// (a process that left the group could hold them open forever).
pub(super) const PIPE_DRAIN: Duration = Duration::from_secs(1);

/// Why a handler was stopped before it exited on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// It ran past its timeout.
    Timeout,
    /// Its task is no longer this worker's (cancelled, reaped).
    Lost,
    /// The worker is shutting down and its grace is over.
    Shutdown,
}

/// What to run for one task.
pub struct Spec {
    pub program: String,
    pub args: Vec<String>,
    pub env: Vec<(&'static str, String)>,
    /// Variables of the worker's environment changed for the handler: a
    /// value replaces it, None removes it (the database password).
    pub env_override: Vec<(&'static str, Option<String>)>,
    pub stdin: Vec<u8>,
    pub timeout: Option<Duration>,
    pub kill_grace: Duration,
    pub max_output: usize,
    /// The tails of its output kept for `tasks logs`, shared with the
    /// supervisor, which stores them at heartbeats.
    pub logs: Logs,
}

/// The last bytes of a running handler's standard output and error, as
/// the supervisor reads them while it runs.
#[derive(Clone)]
pub struct Logs {
    stdout: Arc<Mutex<Tail>>,
    stderr: Arc<Mutex<Tail>>,
}

impl Logs {
    /// Tails of at most `cap` bytes each.
    pub fn new(cap: usize) -> Logs {
        Logs {
            stdout: Arc::new(Mutex::new(Tail::new(cap))),
            stderr: Arc::new(Mutex::new(Tail::new(cap))),
        }
    }

    /// Adds what a persistent handler wrote on stderr while this task was
    /// the only one it held.
    pub(super) fn push_stderr(&self, chunk: &[u8]) {
        self.stderr
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(chunk);
    }

    /// Copies of both tails as they are now.
    pub fn snapshot(&self) -> (Tail, Tail) {
        let take = |t: &Arc<Mutex<Tail>>| t.lock().unwrap_or_else(PoisonError::into_inner).clone();
        (take(&self.stdout), take(&self.stderr))
    }
}

/// What the handler's process used, as wait4 reports it: its own and that
/// of the processes it waited for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// User plus system CPU time.
    pub cpu: Duration,
    /// Peak resident set size, KiB.
    pub peak_rss_kib: i64,
}

/// How a run ended.
pub struct Outcome {
    /// The exit status, or why the command could not be started.
    pub status: std::io::Result<ExitStatus>,
    /// Why it was stopped, when it was (the first reason wins).
    pub stopped: Option<StopReason>,
    pub stdout: Tail,
    pub stderr: Tail,
    pub elapsed: Duration,
    /// None when it could not be started.
    pub usage: Option<Usage>,
    /// What a persistent handler made of the task (None: a run of its own,
    /// or a timeout or loss, told by `stopped` as for one).
    pub reply: Option<Reply>,
}

/// How a task given to a persistent handler ended, besides a timeout or loss.
pub enum Reply {
    /// It answered with a result: its JSON text, as if printed by a handler
    /// of its own.
    Result(Tail),
    /// It answered with an error, or with a reply that is not one: the
    /// task's error.
    Error(String),
    /// The handler ended (by itself, or stopped for writing what is not a
    /// reply) while this was its oldest unanswered task: the task's error;
    /// the exit is in `status`.
    Died(String),
    /// The handler was stopped or ended for another task, or the worker is
    /// shutting down: the task goes back uncharged, for this reason.
    Interrupted(&'static str),
}

impl Outcome {
    /// A persistent handler's answer for a task, or why it has none; the
    /// handler's own status stays that of a clean exit.
    pub(super) fn replied(reply: Reply) -> Outcome {
        Outcome {
            status: Ok(ExitStatus::from_raw(0)),
            stopped: None,
            stdout: Tail::new(0),
            stderr: Tail::new(0),
            elapsed: Duration::ZERO,
            usage: None,
            reply: Some(reply),
        }
    }

    /// The handler's exit status, when this task's ending is one.
    pub(super) fn exit(&self) -> Option<&ExitStatus> {
        match self.reply {
            None | Some(Reply::Died(_)) => self.status.as_ref().ok(),
            Some(_) => None,
        }
    }
}

/// The process groups of running handlers, so that a second signal can
/// kill them all at once whatever the supervisor is doing.
#[derive(Clone, Default)]
pub struct Groups(Arc<Mutex<HashSet<i32>>>);

impl Groups {
    pub(super) fn add(&self, pgid: i32) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(pgid);
    }

    pub(super) fn remove(&self, pgid: i32) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&pgid);
    }

    /// SIGKILLs every running handler's process group.
    pub fn kill_all(&self) {
        for &pgid in self.0.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            signal_group(pgid, libc::SIGKILL);
        }
    }
}

/// Runs the handler to its end. `stop` asks for it to be stopped early.
pub async fn run(spec: Spec, mut stop: oneshot::Receiver<StopReason>, groups: Groups) -> Outcome {
    let started = Instant::now();
    let stdout = Arc::new(Mutex::new(Tail::new(spec.max_output)));
    let stderr = Arc::new(Mutex::new(Tail::new(STDERR_TAIL)));
    let spawned = command(&spec.program, &spec.args, &spec.env, &spec.env_override)
        .spawn()
        .and_then(|mut child| {
            let stdin = child
                .stdin
                .take()
                .map(tokio::process::ChildStdin::from_std)
                .transpose()?;
            let out = child
                .stdout
                .take()
                .map(tokio::process::ChildStdout::from_std)
                .transpose()?;
            let err = child
                .stderr
                .take()
                .map(tokio::process::ChildStderr::from_std)
                .transpose()?;
            Ok((child, stdin, out, err))
        });
    let (child, child_stdin, child_stdout, child_stderr) = match spawned {
        Ok(parts) => parts,
        Err(e) => {
            return Outcome {
                status: Err(e),
                stopped: None,
                stdout: Tail::new(0),
                stderr: Tail::new(0),
                elapsed: started.elapsed(),
                usage: None,
                reply: None,
            }
        }
    };
    let pgid = child.id() as i32;
    let mut waiter = tokio::task::spawn_blocking(move || wait4(pgid));
    if pgid > 0 {
        groups.add(pgid);
    }
    // Written on the side: a handler that never reads its input must not
    // hold the worker up.
    let writer = child_stdin.map(|mut w| {
        let data = spec.stdin;
        tokio::spawn(async move {
            let _ = w.write_all(&data).await;
        })
    });
    let readers = [
        child_stdout.map(|r| tokio::spawn(capture(r, [stdout.clone(), spec.logs.stdout.clone()]))),
        child_stderr.map(|r| tokio::spawn(capture(r, [stderr.clone(), spec.logs.stderr.clone()]))),
    ];

    let far = started + Duration::from_secs(100 * 365 * 86400);
    let deadline = spec.timeout.map(|t| started + t);
    let mut stopped = None;
    let mut kill_at: Option<Instant> = None;
    let mut stop_open = true;
    let grace = spec.kill_grace;
    let status = loop {
        tokio::select! {
            // An exit already there wins over a stop asked at the same
            // moment: a handler done as its grace ends keeps its result.
            biased;
            waited = &mut waiter => {
                break waited.unwrap_or_else(|e| Err(std::io::Error::other(e)));
            }
            reason = &mut stop, if stop_open => {
                stop_open = false;
                if let Ok(reason) = reason {
                    begin_stop(reason, &mut stopped, &mut kill_at, pgid, grace);
                }
            }
            _ = sleep_until(deadline.unwrap_or(far)), if deadline.is_some() && stopped.is_none() => {
                begin_stop(StopReason::Timeout, &mut stopped, &mut kill_at, pgid, grace);
            }
            _ = sleep_until(kill_at.unwrap_or(far)), if kill_at.is_some() => {
                signal_group(pgid, libc::SIGKILL);
                kill_at = None;
            }
        }
    };
    // Nothing a handler started outlives it: what is left of its group goes
    // now, which also closes the output pipes it may have passed on.
    signal_group(pgid, libc::SIGKILL);
    groups.remove(pgid);
    for reader in readers.into_iter().flatten() {
        let abort = reader.abort_handle();
        if tokio::time::timeout(PIPE_DRAIN, reader).await.is_err() {
            abort.abort();
        }
    }
    if let Some(writer) = writer {
        writer.abort();
    }
    let take = |t: &Arc<Mutex<Tail>>| t.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let elapsed = started.elapsed();
    let (status, usage) = match status {
        Ok((status, usage)) => (Ok(status), Some(usage)),
        Err(e) => (Err(e), None),
    };
    Outcome {
        status,
        stopped,
        stdout: take(&stdout),
        stderr: take(&stderr),
        elapsed,
        usage,
        reply: None,
    }
}

/// SIGTERM to the group, and a time for SIGKILL; only the first reason counts.
fn begin_stop(
    reason: StopReason,
    stopped: &mut Option<StopReason>,
    kill_at: &mut Option<Instant>,
    pgid: i32,
    grace: Duration,
) {
    if stopped.is_none() {
        *stopped = Some(reason);
        signal_group(pgid, libc::SIGTERM);
        *kill_at = Some(Instant::now() + grace);
    }
}

async fn capture<const N: usize>(mut from: impl AsyncRead + Unpin, into: [Arc<Mutex<Tail>>; N]) {
    let mut chunk = vec![0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut chunk).await {
        if n == 0 {
            break;
        }
        for tail in &into {
            tail.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(&chunk[..n]);
        }
    }
}

/// The last `cap` bytes of a stream, and whether that is all of it.
#[derive(Debug, Clone)]
pub struct Tail {
    buf: Vec<u8>,
    cap: usize,
    total: u64,
}

impl Tail {
    pub fn new(cap: usize) -> Tail {
        Tail {
            buf: Vec::new(),
            cap,
            total: 0,
        }
    }

    pub(super) fn push(&mut self, chunk: &[u8]) {
        self.total += chunk.len() as u64;
        self.buf.extend_from_slice(chunk);
        // Trimmed in bulk, so that a chatty handler costs amortised O(1) a byte.
        if self.buf.len() > 2 * self.cap.max(4096) {
            let cut = self.buf.len() - self.cap;
            self.buf.drain(..cut);
        }
    }

    /// The kept bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.buf[self.buf.len().saturating_sub(self.cap)..]
    }

    /// Bytes of the whole stream so far.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The kept bytes as stored for `tasks logs`: untrimmed, NULs replaced,
    /// without a character cut in half, passwords redacted (all of one cut
    /// by the tail's start).
    pub fn log_text(&self) -> String {
        let text = String::from_utf8_lossy(self.whole_chars()).replace('\0', "\u{FFFD}");
        if self.is_whole() {
            crate::error::redact(&text)
        } else {
            crate::error::redact_cut(&text)
        }
    }

    /// The kept bytes without a character cut in half by the tail's start.
    fn whole_chars(&self) -> &[u8] {
        let mut bytes = self.bytes();
        if !self.is_whole() {
            while let Some((&b, rest)) = bytes.split_first() {
                if b & 0xC0 != 0x80 {
                    break;
                }
                bytes = rest;
            }
        }
        bytes
    }

    /// Whether the kept bytes are the whole stream.
    pub fn is_whole(&self) -> bool {
        self.total == self.bytes().len() as u64
    }

    /// The kept bytes as text, trimmed, marked with `…` when cut.
    pub fn text(&self) -> String {
        let text = String::from_utf8_lossy(self.whole_chars());
        let text = text.trim();
        if self.is_whole() {
            text.to_string()
        } else {
            // The cut may fall inside a password: none of it is kept.
            format!("…{}", crate::error::redact_cut(text))
        }
    }
}

#[cfg(test)]
mod tests;
