//! `absurdctl worker run`: the worker operators deploy, whatever language
//! the task code is in. It claims tasks and runs a command for each, with
//! heartbeats, timeouts, cancellation, a graceful drain on SIGTERM, and
//! the systemd notify protocol.

mod backoff;
mod handler;
mod log;
mod outbox;
mod persistent;
mod progress;
mod results;
mod supervisor;
pub(super) mod systemd;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;
use sqlx::postgres::PgListener;
use sqlx::PgConnection;
use tokio::sync::mpsc;

use crate::cli::WorkerRunArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::CliError;
use crate::host::hostname;
use crate::output::fmt_secs;
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
        heartbeat_interval_sec: args.heartbeat_interval.as_secs_f64(),
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

    for warning in crate::config::ignored_settings() {
        log.worker(Level::Warn, "ignored_setting", &warning, json!({}));
    }

    // The schema must fit before anything is claimed.
    ctx.connect(Access::ReadWrite, 1).await?.close().await;
    let config = ctx.connect_config()?;
    // The listener and the worker id's lock have connections of their own
    // (detached); the loop needs one, a heartbeat waiting for a locked row
    // another, a spare covers a reconnect.
    let pool = config.lazy_pool(3);
    let id_lock = hold_worker_id(&pool, &info.worker_id).await?;
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
            "poll_interval_sec": args.poll_interval.as_secs_f64(),
            "default_timeout_sec": args.default_timeout.map(|d| d.as_secs_f64()),
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
        log_tail: usize::try_from(args.log_tail).unwrap_or(usize::MAX),
        env_override: handler_env(args.pass_database_password),
        result_batch_bytes: usize::try_from(args.result_batch_bytes).unwrap_or(usize::MAX),
        pipeline: args.persistent.then_some(args.pipeline as usize),
        target: format!(
            "{}:{} (database {})",
            config.options.get_host(),
            config.options.get_port(),
            config.options.get_database().unwrap_or("<default>")
        ),
        op_timeout: ctx.global.connect_timeout + Duration::from_secs(15),
        info,
    };
    let summary = Supervisor::new(settings, pool, log, groups, notifier, wake_rx, signals)
        .holding_worker_id(id_lock)
        .run()
        .await;
    render(ctx, &summary)?;
    if summary.stopped_by == supervisor::EVICTED {
        anyhow::bail!(
            "worker id {} was taken by another process while the database was away; this one stopped",
            summary.worker_id
        );
    }
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

/// Takes this worker id for the process: a live worker with the same id
/// (its session holds the id's lock) is refused with who holds it, since
/// two workers under one id would give back and overwrite each other's
/// tasks. A dead one's session is gone, and so is its lock.
async fn hold_worker_id(pool: &sqlx::PgPool, worker_id: &str) -> anyhow::Result<PgConnection> {
    let mut conn = pool.acquire().await?.detach();
    if workers::hold_worker_id(&mut conn, worker_id).await? {
        return Ok(conn);
    }
    let h = workers::worker_id_holder(&mut conn, worker_id).await?;
    let mut who = match (&h.hostname, h.pid) {
        (Some(host), Some(pid)) => format!("pid {pid} on host {host}"),
        _ => "another session".to_string(),
    };
    if let Some(q) = &h.queue_name {
        who.push_str(&format!(", queue {q}"));
    }
    if let Some(s) = h.last_seen_secs {
        who.push_str(&format!(", last seen {} ago", fmt_secs(s.max(0.0))));
    }
    if let Some(a) = &h.client_addr {
        who.push_str(&format!(", connected from {a}"));
    }
    Err(CliError::usage(format!(
        "worker id {worker_id} is held by a running worker ({who}): give this one another \
         --worker-id, or stop that one first; nothing was claimed"
    )))
}

/// The database variables as handlers see them: without the password
/// (URLs keep user, host, port and database), unless `pass` says otherwise.
fn handler_env(pass: bool) -> Vec<(&'static str, Option<String>)> {
    if pass {
        return Vec::new();
    }
    let mut env = vec![("PGPASSWORD", None)];
    for name in ["ABSURD_DATABASE_URL", "DATABASE_URL"] {
        if let Ok(value) = std::env::var(name) {
            env.push((name, Some(without_password(&value))));
        }
    }
    env
}

/// A connection string without its password: `user:pw@` in a URL becomes
/// `user@`, and `password=...` (URL query or key/value form) goes.
fn without_password(conn: &str) -> String {
    if let Some((scheme, rest)) = conn.split_once("://") {
        let (main, query) = match rest.split_once('?') {
            Some((m, q)) => (m, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match main.find('/') {
            Some(i) => main.split_at(i),
            None => (main, ""),
        };
        let authority = match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
                format!("{user}@{host}")
            }
            None => authority.to_string(),
        };
        let query: Vec<&str> = query
            .into_iter()
            .flat_map(|q| q.split('&'))
            .filter(|kv| !kv.to_ascii_lowercase().starts_with("password="))
            .collect();
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{}", query.join("&"))
        };
        return format!("{scheme}://{authority}{path}{query}");
    }
    // Key/value form; a quoted password may hold spaces.
    let mut out = Vec::new();
    let mut words = conn.split_whitespace();
    while let Some(word) = words.next() {
        if let Some(value) = word.strip_prefix("password=") {
            if let Some(quoted) = value.strip_prefix('\'') {
                let mut rest = quoted.to_string();
                while !closes_quote(&rest) {
                    match words.next() {
                        Some(w) => rest = format!("{rest} {w}"),
                        None => break,
                    }
                }
            }
            continue;
        }
        out.push(word);
    }
    out.join(" ")
}

/// Whether a quoted value's rest ends its quote (an unescaped `'`).
fn closes_quote(rest: &str) -> bool {
    rest.ends_with('\'') && !rest.ends_with("\\'")
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

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn passwords_are_taken_out_of_connection_strings() {
        for (given, passed) in [
            (
                "postgres://app:s3cret@db:5432/absurd?sslmode=require",
                "postgres://app@db:5432/absurd?sslmode=require",
            ),
            (
                "postgresql://app:p%40ss@db/absurd?password=x&application_name=a",
                "postgresql://app@db/absurd?application_name=a",
            ),
            ("postgres://db/absurd?Password=x", "postgres://db/absurd"),
            ("postgres://app@db/absurd", "postgres://app@db/absurd"),
            ("host=db password='a b' user=app", "host=db user=app"),
            ("host=db password=x dbname=absurd", "host=db dbname=absurd"),
        ] {
            assert_eq!(without_password(given), passed, "{given}");
        }
    }
}
