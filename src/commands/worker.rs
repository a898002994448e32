//! `absurdctl worker run`: the worker operators deploy, whatever language
//! the task code is in. It claims tasks and runs a command for each, with
//! heartbeats, timeouts, cancellation, a graceful drain on SIGTERM, and
//! the systemd notify protocol.

mod handler;
mod log;
mod supervisor;
mod systemd;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;
use sqlx::postgres::PgListener;
use tokio::sync::mpsc;

use crate::cli::WorkerRunArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::CliError;
use crate::queue::audit::hostname;
use crate::queue::workers::{self, WorkerInfo};
use handler::Groups;
use log::{Level, Logger};
use supervisor::{Settings, Summary, Supervisor};
use systemd::Notifier;

pub async fn run(ctx: &Ctx, args: WorkerRunArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let Some((program, handler_args)) = args.command.split_first() else {
        return Err(CliError::usage("give the handler to run after `--`"));
    };
    ensure_runnable(program)?;
    let info = WorkerInfo {
        worker_id: args.worker_id.clone().unwrap_or_else(default_worker_id),
        queue_name: ctx.global.queue.clone(),
        hostname: hostname(),
        pid: std::process::id() as i32,
        version: env!("CARGO_PKG_VERSION").to_string(),
        concurrency: args.concurrency as i32,
        task_names: (!args.task_name.is_empty()).then(|| args.task_name.clone()),
    };
    let log = Logger::new(
        args.log_format,
        ctx.out.quiet,
        &info.worker_id,
        &info.queue_name,
    );
    let notifier = Notifier::from_env().unwrap_or_else(|e| {
        log.worker(
            Level::Warn,
            "systemd",
            &format!("NOTIFY_SOCKET is set but unusable ({e}); no notifications sent"),
            json!({}),
        );
        None
    });

    // The schema must fit before anything is claimed.
    ctx.connect(Access::ReadWrite, 1).await?.close().await;
    let config = ctx.connect_config()?;
    // One connection listens; the loop needs one, a spare covers a reconnect.
    let pool = config.lazy_pool(3);
    let groups = Groups::default();
    let signals = watch_signals(groups.clone(), log.clone())?;
    let listener = workers::listen_for_tasks(&pool).await?;
    workers::register(&pool, &info).await?;
    let (wake_tx, wake_rx) = mpsc::channel(1);
    tokio::spawn(relay_wakeups(listener, info.queue_name.clone(), wake_tx));

    log.worker(
        Level::Info,
        "worker_started",
        &format!(
            "started on queue {} (pid {}, concurrency {}{}): {}",
            info.queue_name,
            info.pid,
            info.concurrency,
            match &info.task_names {
                Some(names) => format!(", task names {}", names.join(", ")),
                None => String::new(),
            },
            args.command.join(" ")
        ),
        json!({
            "pid": info.pid,
            "concurrency": info.concurrency,
            "task_names": info.task_names,
            "command": args.command,
        }),
    );
    if let Some(n) = &notifier {
        n.notify("READY=1");
    }
    let settings = Settings {
        program: program.clone(),
        args: handler_args.to_vec(),
        heartbeat_interval: args.heartbeat_interval,
        default_timeout: args.default_timeout,
        kill_grace: args.kill_grace,
        grace: args.grace,
        poll_interval: args.poll_interval,
        max_tasks: args.max_tasks,
        exit_when_empty: args.exit_when_empty,
        max_output: usize::try_from(args.max_output).unwrap_or(usize::MAX),
        op_timeout: ctx.global.connect_timeout + Duration::from_secs(15),
        info,
    };
    let summary = Supervisor::new(settings, pool, log, groups, notifier, wake_rx, signals)
        .run()
        .await;
    render(ctx, &summary)?;
    if summary.unstored > 0 {
        anyhow::bail!(
            "{} task result(s) could not be stored: the database did not answer (see the log)",
            summary.unstored
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn render(ctx: &Ctx, s: &Summary) -> anyhow::Result<()> {
    if ctx.out.is_json() {
        return ctx.out.json(s);
    }
    ctx.out.note(format!(
        "worker {} stopped ({}): {} task(s) claimed, {} completed, {} failed ({} timed out), \
         {} given back, {} no longer its own",
        s.worker_id,
        s.stopped_by,
        s.claimed,
        s.completed,
        s.failed,
        s.timed_out,
        s.released,
        s.lost
    ))?;
    Ok(())
}

/// HOST-PID-RANDOM: unique among live workers, and it says where to look.
fn default_worker_id() -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{}-{}-{}", hostname(), std::process::id(), &random[..6])
}

/// A handler that cannot be started is a configuration error: refuse it
/// now rather than give every task back one by one.
fn ensure_runnable(program: &str) -> anyhow::Result<()> {
    let executable = |p: &Path| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    let found = if program.contains('/') {
        executable(Path::new(program))
    } else {
        std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|d| executable(&d.join(program)))
        })
    };
    if found {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "cannot run `{program}`: no such executable file{}; nothing was claimed",
            if program.contains('/') {
                ""
            } else {
                " in PATH"
            }
        )))
    }
}

/// The first SIGTERM or SIGINT starts a graceful stop (sent to the
/// supervisor); a second one kills every handler and exits at once.
fn watch_signals(groups: Groups, log: Logger) -> anyhow::Result<mpsc::Receiver<&'static str>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(async move {
        let mut seen = false;
        loop {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            };
            if !seen {
                seen = true;
                let _ = tx.try_send(name);
                continue;
            }
            log.worker(
                Level::Error,
                "killed",
                &format!(
                    "second signal ({name}): killing every handler and exiting now; \
                     their tasks stay claimed until reaped"
                ),
                json!({ "signal": name }),
            );
            groups.kill_all();
            crate::interact::abort();
            return;
        }
    });
    Ok(rx)
}

/// Passes notifications of new tasks in our queue on to the supervisor.
/// A lost connection is re-established by the listener itself; whatever was
/// announced meanwhile is lost, so the supervisor is woken to look anyway.
async fn relay_wakeups(mut listener: PgListener, queue: String, wake: mpsc::Sender<()>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match listener.try_recv().await {
            Ok(Some(n)) => {
                backoff = Duration::from_millis(100);
                if n.payload() == queue {
                    let _ = wake.try_send(());
                }
            }
            Ok(None) => {
                let _ = wake.try_send(());
            }
            Err(_) => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                let _ = wake.try_send(());
            }
        }
    }
}
