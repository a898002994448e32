//! The handler's process: its command (a process group of its own), the
//! signals to its group, its reaping with wait4, and its exit in words.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use super::Usage;

/// The command for a handler: in a process group of its own (a terminal's
/// Ctrl-C reaches the worker only, and one kill(-pgid) reaches everything
/// the handler started), its three streams piped, without the worker's
/// notify socket (the worker's to speak on, not its handlers'). std's
/// Command: the worker reaps the handler itself (wait4, for its resource
/// usage); tokio's would reap it first.
pub(in crate::commands::worker) fn command(
    program: &str,
    args: &[String],
    env: &[(&'static str, String)],
    env_override: &[(&'static str, Option<String>)],
) -> std::process::Command {
    let mut cmd = std::process::Command::new(program);
    cmd.args(args)
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC")
        .env_remove("WATCHDOG_PID")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    for (name, value) in env_override {
        match value {
            Some(v) => cmd.env(name, v),
            None => cmd.env_remove(name),
        };
    }
    cmd
}

/// Waits for process `pid` to exit and reaps it, with its resource usage
/// (blocking: run it on a thread of its own).
pub(in crate::commands::worker) fn wait4(pid: i32) -> std::io::Result<(ExitStatus, Usage)> {
    let seconds = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    loop {
        let mut status = 0;
        // SAFETY: rusage is plain data that wait4 fills in.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: both pointers are to live locals.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
        if r == pid {
            return Ok((
                ExitStatus::from_raw(status),
                Usage {
                    cpu: seconds(ru.ru_utime) + seconds(ru.ru_stime),
                    peak_rss_kib: ru.ru_maxrss,
                },
            ));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

pub(in crate::commands::worker) fn signal_group(pgid: i32, signal: i32) {
    // Never 0 or 1 here: kill(0) and kill(-1) would reach far more than a handler.
    if pgid > 1 {
        // SAFETY: kill has no memory-safety preconditions.
        unsafe {
            libc::kill(-pgid, signal);
        }
    }
}

/// "exit status 3", "killed by signal 9 (SIGKILL)".
pub fn describe_exit(status: &ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    match status.signal() {
        Some(sig) => format!("killed by signal {sig} ({})", signal_name(sig)),
        None => format!("{status}"),
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        _ => "signal",
    }
}
