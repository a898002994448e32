//! `status --watch`: the report refreshed in place until `q` or Ctrl-C, and
//! the terminal given back as it was, whichever way the loop ends.

use std::io::IsTerminal;
use std::process::ExitCode;

use crate::error::EXIT_INTERRUPTED as INTERRUPTED;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::checks::thresholds::Thresholds;
use crate::checks::Level;
use crate::cli::StatusArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::redact;
use crate::interact::KeyWatcher;
use crate::output::OutputFormat;
use crate::output::{fmt_secs, fmt_time, write_stdout, Screen};

use super::report::{collect, Report};
use super::{queues, text::render_on};

/// `--watch`: a refresh every `every` until Ctrl-C or `q`; on a terminal the
/// view is redrawn in place, otherwise snapshots follow each other.
pub(super) async fn watch(
    ctx: &Ctx,
    args: &StatusArgs,
    thresholds: &Thresholds,
    every: Duration,
) -> anyhow::Result<ExitCode> {
    let pool = ctx.connect(Access::ReadOnly, 1).await?;
    let server = {
        let c = ctx.config_for(Access::ReadOnly)?;
        let o = &c.options;
        (
            o.get_host().to_string(),
            o.get_port(),
            o.get_database().unwrap_or(o.get_username()).to_string(),
        )
    };
    let mut stop = StopSignals::install();
    let redraw = ctx.out.stdout_tty && ctx.out.format == OutputFormat::Table;
    let terminal = redraw.then(Terminal::take);
    let keys = terminal.as_ref().and_then(|t| t.keys.as_ref());
    let mut previous: Option<Report> = None;
    let outcome = loop {
        let read = async {
            let queues = queues(ctx, args, &pool).await?;
            collect(args, thresholds, &pool, &queues, previous.as_ref()).await
        };
        // Ctrl-C also ends a read that hangs (a database gone silent).
        let read = tokio::select! {
            _ = stop.recv() => break Ok(ExitCode::from(INTERRUPTED)),
            read = read => read,
        };
        let frame = match read {
            Ok(report) => {
                let frame = match ctx.out.format {
                    OutputFormat::Json => {
                        let mut line = serde_json::to_string(&report)?;
                        line.push('\n');
                        line
                    }
                    // The watch's own header takes two lines of the screen.
                    _ => render_on(
                        &ctx.out,
                        &report,
                        ctx.out.screen().map(|s| Screen {
                            height: s.height.saturating_sub(2),
                            ..s
                        }),
                    ),
                };
                previous = Some(report);
                frame
            }
            // A monitor keeps watching through a restart of the database:
            // an UNKNOWN frame naming the server, then the next try.
            Err(e) => {
                let (host, port, database) = server.clone();
                let msg = redact(&format!(
                    "cannot read database {database} at {host}:{port}: {e:#}"
                ));
                match ctx.out.format {
                    OutputFormat::Json => {
                        let mut line = serde_json::to_string(&serde_json::json!({
                            "generated_at": Utc::now(),
                            "verdict": Level::Unknown,
                            "error": msg,
                            "host": host,
                            "port": port,
                            "database": database,
                        }))?;
                        line.push('\n');
                        line
                    }
                    _ => format!(
                        "ABSURD UNKNOWN - {msg}\n(retrying every {})\n",
                        fmt_secs(every.as_secs_f64())
                    ),
                }
            }
        };
        if redraw {
            let header = format!(
                "absurdctl status · every {} · {} · q or Ctrl-C to quit\n\n",
                fmt_secs(every.as_secs_f64()),
                fmt_time(Some(Utc::now()))
            );
            let mut screen = String::from("\x1b[H");
            for line in header.lines().chain(frame.lines()) {
                screen.push_str(line);
                screen.push_str("\x1b[K\n");
            }
            screen.push_str("\x1b[J");
            write_stdout(&screen)?;
        } else if ctx.out.format == OutputFormat::Table && !frame.is_empty() {
            write_stdout(&format!("--- {}\n{frame}", fmt_time(Some(Utc::now()))))?;
        } else {
            write_stdout(&frame)?;
        }
        let until = Instant::now() + every;
        // `q` is the way out asked for (0); a signal interrupts (130, as
        // every command interrupted by Ctrl-C exits).
        let quit = loop {
            if keys.is_some_and(|k| k.quit_requested()) {
                break Some(ExitCode::SUCCESS);
            }
            if Instant::now() >= until {
                break None;
            }
            tokio::select! {
                _ = stop.recv() => break Some(ExitCode::from(INTERRUPTED)),
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
        };
        if let Some(code) = quit {
            break Ok(code);
        }
    };
    // The terminal is given back however the loop ended (an error frame
    // returned with `?` included); the signal handlers stay installed for
    // the rest of the process, so a late Ctrl-C cannot interrupt that.
    drop(terminal);
    outcome
}

/// The terminal while the view is redrawn in place: cursor hidden and, when
/// standard input is a terminal too, keys read one at a time without echo.
/// Dropping it restores both.
struct Terminal {
    keys: Option<KeyWatcher>,
}

impl Terminal {
    fn take() -> Terminal {
        let keys = if std::io::stdin().is_terminal() {
            KeyWatcher::start()
        } else {
            None
        };
        // Hide the cursor and clear the screen once; each frame then overwrites in place.
        // A closed stdout ends the loop at its first frame.
        let _ = write_stdout("\x1b[?25l\x1b[2J");
        Terminal { keys }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        // Echo and line mode first (KeyWatcher's drop), then the cursor.
        self.keys = None;
        let _ = write_stdout("\x1b[?25h");
    }
}

/// Ctrl-C and SIGTERM for the watch loop. Not `Interrupt::install`, whose
/// second signal ends the process at once: a quick double Ctrl-C would then
/// exit before the terminal is given back (echo off, cursor hidden). Here
/// every signal only asks the loop to stop, which it does at once, and the
/// terminal is restored on the way out.
struct StopSignals {
    interrupt: Option<Signal>,
    terminate: Option<Signal>,
}

impl StopSignals {
    fn install() -> StopSignals {
        StopSignals {
            interrupt: signal(SignalKind::interrupt()).ok(),
            terminate: signal(SignalKind::terminate()).ok(),
        }
    }

    /// Waits for the next signal (forever when none could be installed).
    async fn recv(&mut self) {
        async fn next(s: &mut Option<Signal>) {
            match s {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            _ = next(&mut self.interrupt) => {}
            _ = next(&mut self.terminate) => {}
        }
    }
}
