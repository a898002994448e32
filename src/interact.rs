//! Talking to the operator: confirmations, progress bars and Ctrl-C. All of
//! it only on a terminal; scripts get `--yes`, no bars, and a refusal
//! instead of a prompt.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::CliError;
use crate::output::Output;

/// Asks before a destructive change. `--yes` answers for the operator; with
/// no terminal and no `--yes` the change is refused (exit 5), never assumed.
/// The default answer is no.
pub fn confirm(out: &Output, yes: bool, prompt: &str) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    let term = std::io::IsTerminal::is_terminal(&std::io::stdin()) && out.stderr_tty;
    if !term {
        return Err(CliError::Refused(
            "refusing to change anything without confirmation: no terminal to ask on; \
             pass --yes to proceed"
                .to_string(),
        )
        .into());
    }
    let answer = dialoguer::Confirm::new()
        .with_prompt(prompt)
        .default(false)
        .show_default(true)
        .wait_for_newline(true)
        .interact_opt();
    match answer {
        Ok(Some(true)) => Ok(()),
        Ok(_) => Err(CliError::Refused("not confirmed; nothing was changed".into()).into()),
        Err(e) => Err(CliError::Refused(format!("no answer ({e}); nothing was changed")).into()),
    }
}

/// A progress bar over `len` items on a terminal; hidden otherwise (and with -q).
pub fn progress(out: &Output, len: u64, what: &str) -> ProgressBar {
    if !out.stderr_tty || out.quiet || out.is_json() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40.cyan/blue}] {pos}/{len} ({rate}, ETA {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        // `6226/s`, not indicatif's `6,225.8129/s`.
        .with_key(
            "rate",
            |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", s.per_sec());
            },
        )
        .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// A spinner for waits of unknown length (terminal only).
pub fn spinner(out: &Output, what: &str) -> ProgressBar {
    if !out.stderr_tty || out.quiet || out.is_json() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_draw_target(ProgressDrawTarget::stderr());
    bar.set_message(what.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Set once Ctrl-C (SIGINT) or SIGTERM arrives. Long commands check it
/// between batches so that what was committed stays consistent and the
/// summary can say how far they got.
#[derive(Clone)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// Starts listening for SIGINT and SIGTERM; a second signal ends the
    /// process at once (the operator means it).
    pub fn install() -> Interrupt {
        Self::listen(true)
    }

    /// For commands that change the queue in batches: a second signal
    /// (SIGINT then SIGTERM, as a shell script's `trap` or systemd sends)
    /// does not end the process, which would skip the run's audit row and
    /// summary; it stops after the batch in flight (a short transaction)
    /// like the first one, and says so.
    pub fn install_for_batches() -> Interrupt {
        Self::listen(false)
    }

    fn listen(exit_on_second: bool) -> Interrupt {
        let flag = Arc::new(AtomicBool::new(false));
        for kind in [
            tokio::signal::unix::SignalKind::interrupt(),
            tokio::signal::unix::SignalKind::terminate(),
        ] {
            if let Ok(mut sig) = tokio::signal::unix::signal(kind) {
                let flag = flag.clone();
                tokio::spawn(async move {
                    while sig.recv().await.is_some() {
                        if !flag.swap(true, Ordering::SeqCst) {
                            continue;
                        }
                        if exit_on_second {
                            abort();
                            return;
                        }
                        eprintln!(
                            "absurdctl: already stopping: the batch in flight finishes, then the \
                             audit row and the summary are written"
                        );
                    }
                });
            }
        }
        Interrupt(flag)
    }

    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Set by `abort`; `main` waits on it beside the command.
fn abort_flag() -> &'static tokio::sync::watch::Sender<bool> {
    static ABORT: OnceLock<tokio::sync::watch::Sender<bool>> = OnceLock::new();
    ABORT.get_or_init(|| tokio::sync::watch::Sender::new(false))
}

/// Ends the run at once with exit 130 (the operator's second signal):
/// `main` stops waiting for the command, restores the terminal and exits.
/// Never `process::exit`, which would skip both.
pub fn abort() {
    abort_flag().send_replace(true);
}

/// Resolves once `abort` has been called.
pub async fn aborted() {
    let mut rx = abort_flag().subscribe();
    let _ = rx.wait_for(|set| *set).await;
}

/// The terminal settings a `KeyWatcher` changed, to put back on any exit.
static SAVED_TERMINAL: Mutex<Option<libc::termios>> = Mutex::new(None);

/// Puts back the terminal settings a `KeyWatcher` changed, if any are still
/// changed; `main` calls it on every way out.
pub fn restore_terminal() {
    if let Some(saved) = SAVED_TERMINAL.lock().ok().and_then(|mut s| s.take()) {
        // SAFETY: restores settings read by tcgetattr in `KeyWatcher::start`.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &saved);
        }
    }
}

/// Watches the terminal for `q` while a view refreshes (`status --watch`).
/// The terminal is put in non-canonical, no-echo mode, so a key counts at
/// once and is not printed; Ctrl-C still raises SIGINT. Dropping it stops
/// the watching thread and restores the terminal (and `main` restores it
/// on any exit, should it not be dropped).
pub struct KeyWatcher {
    quit: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl KeyWatcher {
    /// Starts watching standard input; None when it is not a terminal.
    pub fn start() -> Option<KeyWatcher> {
        let fd = libc::STDIN_FILENO;
        // SAFETY: termios is plain data; tcgetattr fills it or fails.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
            return None;
        }
        let mut raw = saved;
        raw.c_lflag &= !(libc::ICANON | libc::ECHO);
        raw.c_cc[libc::VMIN] = 1;
        raw.c_cc[libc::VTIME] = 0;
        // SAFETY: fd is standard input and raw a valid termios.
        if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &raw) } != 0 {
            return None;
        }
        if let Ok(mut s) = SAVED_TERMINAL.lock() {
            *s = Some(saved);
        }
        let quit = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (quit, stop) = (quit.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let mut pfd = libc::pollfd {
                        fd,
                        events: libc::POLLIN,
                        revents: 0,
                    };
                    // SAFETY: one valid pollfd; a short timeout so that `stop` is seen.
                    let ready = unsafe { libc::poll(&mut pfd, 1, 100) };
                    if ready <= 0 {
                        continue;
                    }
                    let mut byte = 0u8;
                    // SAFETY: reads at most one byte into a valid buffer.
                    let n = unsafe { libc::read(fd, (&mut byte as *mut u8).cast(), 1) };
                    if n <= 0 {
                        break;
                    }
                    if byte == b'q' || byte == b'Q' {
                        quit.store(true, Ordering::SeqCst);
                        break;
                    }
                }
            })
        };
        Some(KeyWatcher {
            quit,
            stop,
            thread: Some(thread),
        })
    }

    /// True once `q` was pressed.
    pub fn quit_requested(&self) -> bool {
        self.quit.load(Ordering::SeqCst)
    }
}

impl Drop for KeyWatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        restore_terminal();
    }
}
