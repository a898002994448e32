//! What the supervisor keeps of each running task, and what it gives the
//! history of it: output tails, progress, and how its attempt ended.

use std::time::Duration;

use tokio::sync::oneshot;

use super::super::handler::{Logs, Outcome, StopReason};
use super::super::progress::{self, Progress};
use crate::queue::history::{Ended, Live};
use crate::queue::Task;

/// A claimed task whose handler is running.
pub(super) struct Run {
    pub(super) task: Task,
    pub(super) timeout: Option<Duration>,
    /// Taken when the handler is asked to stop.
    pub(super) stop: Option<oneshot::Sender<StopReason>>,
    /// The task is no longer ours: whatever the handler does is not stored.
    pub(super) lost: bool,
    /// Another session holds the task's row locked (logged once).
    pub(super) busy: bool,
    /// Its output tails, and the file it may write its progress to.
    pub(super) logs: Logs,
    pub(super) progress_file: Option<std::path::PathBuf>,
    /// What the history last got of it: output sizes and progress.
    pub(super) stored: Option<Seen>,
    /// The persistent handler's slot it was given to.
    pub(super) slot: Option<usize>,
}

/// What the history has of a run: output sizes and progress.
pub(super) type Seen = (u64, u64, Option<Progress>);

impl Run {
    /// Its output and progress now, for the history.
    pub(super) fn snapshot(&self) -> (Live, Seen) {
        let (out, err) = self.logs.snapshot();
        let progress = self.progress_file.as_deref().and_then(progress::read);
        let seen = (out.total(), err.total(), progress.clone());
        let live = Live {
            task_id: self.task.task_id,
            stdout: Some(out.log_text()),
            stderr: Some(err.log_text()),
            stdout_bytes: out.total() as i64,
            stderr_bytes: err.total() as i64,
            progress: progress.as_ref().map(|p| p.fraction),
            progress_message: progress.and_then(|p| p.message),
        };
        (live, seen)
    }

    /// [`Run::snapshot`], unless the history already has exactly that.
    pub(super) fn changed(&self) -> Option<(Live, Seen)> {
        let (live, seen) = self.snapshot();
        (self.stored.as_ref() != Some(&seen)).then_some((live, seen))
    }

    /// The handler's side of how its attempt ended.
    pub(super) fn ended(&self, out: &Outcome) -> Ended {
        use std::os::unix::process::ExitStatusExt;
        let status = out.exit();
        Ended {
            live: self.snapshot().0,
            exit_code: status.and_then(|s| s.code()),
            exit_signal: status.and_then(|s| s.signal()),
            timed_out: out.stopped == Some(StopReason::Timeout),
            run_time_sec: out.elapsed.as_secs_f64(),
            cpu_time_sec: out.usage.map(|u| u.cpu.as_secs_f64()),
            peak_rss_kib: out.usage.map(|u| u.peak_rss_kib),
        }
    }
}
