//! `absurdctl top`: the live dashboard of a queue in the terminal.
//!
//! `app` holds the state and what each key does, `data` reads one refresh
//! (the reads of `status`, `trends` and `errors`), `draw` lays it out;
//! this file runs the loop: the terminal taken and always given back, keys,
//! refreshes in a task of their own (a database gone silent never freezes
//! the view), and the changes asked for with `p` and `r`.

mod app;
mod data;
mod draw;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{self, Event, KeyEventKind};
use serde_json::json;
use sqlx::PgPool;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::checks::thresholds::Thresholds;
use crate::cli::{BulkArgs, StatusArgs, TopArgs};
use crate::commands::{bulk, drain, resume, Ctx};
use crate::config::Access;
use crate::error::{redact, CliError, EXIT_INTERRUPTED};
use crate::output::OutputFormat;
use crate::queue::bulk::BulkAction;
use crate::queue::{controls, errors, TaskFilter};

use app::{App, Change, Todo};
use data::{Frame, Settings};

/// `retry-failed`'s defaults: batches of 1000.
const BULK: BulkArgs = BulkArgs {
    dry_run: false,
    batch_size: 1000,
    sample: 0,
};

pub async fn run(ctx: &Ctx, args: TopArgs) -> anyhow::Result<ExitCode> {
    if ctx.out.format != OutputFormat::Table {
        return Err(CliError::usage(
            "`top` draws on the terminal and prints no --output format; for JSON lines run \
             `absurdctl status --watch --output json`",
        ));
    }
    let thresholds = Thresholds::from_judging(&args.judging)?;
    let interval = Duration::from_secs(args.interval);
    let settings = Arc::new(Settings {
        status: StatusArgs {
            all_queues: args.all_queues,
            check: false,
            watch: None,
            allow_empty: false,
            judging: args.judging,
        },
        thresholds,
    });
    // An unreachable database or an unmigrated schema is said before the
    // screen is taken, with the exit code of every command.
    let pool = ctx.connect(Access::ReadOnly, 2).await?;
    // After connecting: a script learns first that the database is away.
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CliError::usage(
            "`top` needs a terminal (standard input and output); without one, run \
             `absurdctl status --watch` (a snapshot per interval) or `status --output json`",
        ));
    }
    let mut app = App::new(
        ctx.global.queue.clone(),
        args.all_queues,
        interval,
        args.filter,
        // Colour as every command has it (a terminal, no NO_COLOR or
        // --no-color), and not on a terminal that has none.
        ctx.out.color && std::env::var("TERM").map_or(true, |t| t != "dumb"),
    );
    let mut screen = Screen::take()?;
    let outcome = run_loop(ctx, &mut screen, &mut app, &pool, settings, interval).await;
    drop(screen);
    outcome
}

/// The terminal while the view is up: raw mode and the alternate screen,
/// given back when dropped, and by the panic hook `ratatui::try_init`
/// installs when a panic comes first.
struct Screen {
    terminal: ratatui::DefaultTerminal,
    /// Tells the key reader to stop.
    stop: Arc<AtomicBool>,
}

impl Screen {
    fn take() -> anyhow::Result<Screen> {
        let terminal = ratatui::try_init()?;
        Ok(Screen {
            terminal,
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Terminal events, read on a thread of their own (crossterm's reads
    /// block) until the screen is given back.
    fn events(&self) -> mpsc::UnboundedReceiver<Event> {
        let (tx, rx) = mpsc::unbounded_channel();
        let stop = self.stop.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match event::poll(Duration::from_millis(100)) {
                    Ok(true) => match event::read() {
                        Ok(ev) => {
                            if tx.send(ev).is_err() {
                                return;
                            }
                        }
                        Err(_) => return,
                    },
                    Ok(false) => {}
                    Err(_) => return,
                }
            }
        });
        rx
    }

    fn draw(&mut self, app: &App) -> std::io::Result<()> {
        self.terminal.draw(|f| draw::draw(f, app)).map(|_| ())
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        ratatui::restore();
    }
}

async fn run_loop(
    ctx: &Ctx,
    screen: &mut Screen,
    app: &mut App,
    pool: &PgPool,
    settings: Arc<Settings>,
    interval: Duration,
) -> anyhow::Result<ExitCode> {
    let mut events = screen.events();
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let mut refresh: Option<JoinHandle<anyhow::Result<Frame>>> = None;
    let mut started = Instant::now();
    let mut next = Instant::now();
    // The clock of "last good read … ago" moves between refreshes.
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut operator: Option<PgPool> = None;
    loop {
        if refresh.is_none() && Instant::now() >= next {
            started = Instant::now();
            refresh = Some(tokio::spawn(data::refresh(
                pool.clone(),
                settings.clone(),
                app.queue.clone(),
                app.all_queues,
                app.chart_names(),
            )));
        }
        screen.draw(app)?;
        let sleep = tokio::time::sleep_until(next.into());
        tokio::select! {
            ev = events.recv() => {
                let Some(ev) = ev else {
                    return Err(anyhow::anyhow!("the terminal stopped answering"));
                };
                let Event::Key(key) = ev else {
                    // A resize: the next draw fits the new size.
                    continue;
                };
                if key.kind != KeyEventKind::Press {
                    continue;
                }
                match app.key(key) {
                    Todo::Nothing => {}
                    Todo::Quit => return Ok(ExitCode::SUCCESS),
                    Todo::Interrupt => return Ok(ExitCode::from(EXIT_INTERRUPTED)),
                    Todo::Refresh => {
                        if let Some(r) = refresh.take() {
                            r.abort();
                        }
                        next = Instant::now();
                    }
                    Todo::Apply(change) => {
                        app.message = Some("changing…".into());
                        screen.draw(app)?;
                        let said = match apply(ctx, &mut operator, &change).await {
                            Ok(said) => said,
                            // Not "nothing changed": a retry's batches commit
                            // one by one, and its summary says how far it got.
                            Err(e) => redact(&format!(
                                "failed: {:#}",
                                super::explain_refusal(ctx, ctx.lost(e))
                            )),
                        };
                        app.message = Some(said);
                        if let Some(r) = refresh.take() {
                            r.abort();
                        }
                        next = Instant::now();
                    }
                }
            }
            done = async { refresh.as_mut().expect("guarded").await }, if refresh.is_some() => {
                refresh = None;
                next = started + interval;
                match done {
                    Ok(Ok(frame)) => app.read(frame, Instant::now()),
                    Ok(Err(e)) => app.failed(redact(&format!("{:#}", ctx.lost(e)))),
                    Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
                    Err(_) => {}
                }
            }
            () = sleep, if refresh.is_none() => {}
            _ = tick.tick() => {}
            _ = interrupt.recv() => return Ok(ExitCode::from(EXIT_INTERRUPTED)),
            _ = terminate.recv() => return Ok(ExitCode::from(EXIT_INTERRUPTED)),
            _ = hangup.recv() => return Ok(ExitCode::from(EXIT_INTERRUPTED)),
        }
    }
}

/// Makes the change confirmed in the view, through the code of the command
/// that makes it (and its audit row): what to say it did.
async fn apply(
    ctx: &Ctx,
    operator: &mut Option<PgPool>,
    change: &Change,
) -> anyhow::Result<String> {
    let pool = match operator {
        Some(p) => p.clone(),
        None => {
            // The changes need absurd_operator; the view itself only reads.
            let op = Ctx {
                global: ctx.global.clone(),
                out: ctx.out.clone(),
                command: ctx.command,
                role: "absurd_operator",
            };
            let p = op.connect(Access::ReadWrite, 1).await?;
            *operator = Some(p.clone());
            p
        }
    };
    let mut conn = pool.acquire().await?;
    match change {
        Change::Pause { queue } => {
            let queues = [queue.clone()];
            let running = controls::running(&mut *conn, &queues).await?;
            let pauses = drain::pause_recorded(
                &mut conn,
                &queues,
                None,
                &running,
                json!({"wait": false, "timeout_sec": null, "via": "top"}),
            )
            .await?;
            Ok(if pauses.iter().all(|p| p.already_paused) {
                format!("{queue} was already paused; nothing changed")
            } else {
                format!(
                    "paused claims on {queue}; {} running task(s) carry on (audited as drain)",
                    running.len()
                )
            })
        }
        Change::Resume { queue } => {
            let paused = match controls::get(&mut *conn, queue).await? {
                Some(c) if c.paused => vec![c],
                _ => return Ok(format!("{queue} is not paused; nothing changed")),
            };
            let (resumed, _) = resume::resume_recorded(&mut conn, paused, Vec::new()).await?;
            Ok(if resumed.is_empty() {
                format!("{queue} was resumed meanwhile; nothing changed")
            } else {
                format!("resumed claims on {queue} (audited as resume)")
            })
        }
        Change::Retry { queue, group, at } => {
            let queues = [queue.clone()];
            let ids =
                errors::failed_of_group(&mut conn, &queues, data::WINDOW, *at, &group.pattern)
                    .await?;
            drop(conn);
            if ids.is_empty() {
                return Ok("none of the group's tasks is failed any more; nothing changed".into());
            }
            let filter = TaskFilter {
                queue: Some(queue.clone()),
                ids,
                ..TaskFilter::default()
            };
            let retry = Ctx {
                global: ctx.global.clone(),
                out: ctx.out.clone(),
                command: "retry-failed",
                role: "absurd_operator",
            };
            let action = BulkAction::RetryFailed {
                include_cancelled: false,
                reset_attempts: false,
            };
            bulk::run_confirmed(&retry, action, filter, &BULK).await
        }
    }
}
