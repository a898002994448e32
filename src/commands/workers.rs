//! `absurdctl workers`: the queue's workers with their state and current
//! tasks (`list`, the default), `prune` of old registrations, and `stop`,
//! the request one of absurdctl's workers reads at its next heartbeat.

use std::process::ExitCode;

use comfy_table::Cell;
use serde::Serialize;
use serde_json::json;

use crate::cli::{WorkersArgs, WorkersCommand, WorkersListArgs, WorkersPruneArgs, WorkersStopArgs};
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::CliError;
use crate::host;
use crate::interact;
use crate::output::{ellipsize, fmt_ago, fmt_secs};
use crate::queue::audit;
use crate::queue::roster::{self, WorkerRow, WorkerState};

pub async fn run(ctx: &Ctx, args: WorkersArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    match args.command {
        None => list(ctx, args.list).await,
        Some(WorkersCommand::List(a)) => list(ctx, a).await,
        Some(WorkersCommand::Prune(a)) => prune(ctx, a).await,
        Some(WorkersCommand::Stop(a)) => stop(ctx, a).await,
    }
}

async fn list(ctx: &Ctx, args: WorkersListArgs) -> anyhow::Result<ExitCode> {
    let pool = ctx.connect(Access::ReadOnly, 1).await?;
    let mut conn = pool.acquire().await?;
    let recent = (!args.all).then_some(roster::RECENT);
    let rows = roster::list(&mut conn, &ctx.global.queue, recent).await?;
    if ctx.out.is_json() {
        ctx.out.json(&rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        ctx.out.note(format!(
            "no worker of queue {} seen {}",
            ctx.global.queue,
            if args.all {
                "ever"
            } else {
                "in the last hour (--all for older ones)"
            }
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = ctx.out.table([
        "worker",
        "kind",
        "host",
        "pid",
        "version",
        "state",
        "started",
        "last seen",
        "slots",
        "tasks",
    ]);
    for w in &rows {
        table.add_row(vec![
            Cell::new(&w.worker_id),
            Cell::new(&w.kind),
            Cell::new(w.hostname.as_deref().unwrap_or("-")),
            Cell::new(w.pid.map_or_else(|| "-".into(), |p| p.to_string())),
            Cell::new(w.version.as_deref().unwrap_or("-")),
            Cell::new(state_text(w)),
            Cell::new(fmt_ago(w.started_at)),
            Cell::new(fmt_ago(w.last_seen_at)),
            Cell::new(match w.concurrency {
                Some(c) => format!("{}/{c}", w.running),
                None => w.running.to_string(),
            }),
            Cell::new(tasks_text(w)),
        ]);
    }
    ctx.out.print_table(&table)?;
    Ok(ExitCode::SUCCESS)
}

/// `draining (stop requested by alice@ops1)`.
fn state_text(w: &WorkerRow) -> String {
    let state = w.state.map_or("-", WorkerState::as_str);
    match (&w.stop_requested_at, w.state) {
        (Some(_), Some(WorkerState::Stopped | WorkerState::Dead)) | (None, _) => state.into(),
        (Some(_), _) => format!(
            "{state} (stop{} requested by {})",
            if w.stop_now == Some(true) { " now" } else { "" },
            w.stop_requested_by.as_deref().unwrap_or("?")
        ),
    }
}

/// One line per task: `imaging 1a2b3c4d 4m 10s 40% (eta 6m 0s)`.
fn tasks_text(w: &WorkerRow) -> String {
    w.tasks
        .iter()
        .map(|t| {
            let mut s = format!(
                "{} {} {}",
                ellipsize(&t.task_name, 30),
                &t.task_id.to_string()[..8],
                fmt_secs(t.run_time_sec)
            );
            if let Some(p) = t.progress {
                s.push_str(&format!(" {:.0}%", p * 100.0));
            }
            if let Some(eta) = t.eta_sec {
                s.push_str(&format!(" (eta {})", fmt_secs(eta)));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Serialize)]
struct PruneReport {
    dry_run: bool,
    older_than_sec: f64,
    #[serde(flatten)]
    pruned: roster::Pruned,
}

async fn prune(ctx: &Ctx, args: WorkersPruneArgs) -> anyhow::Result<ExitCode> {
    let access = if args.dry_run {
        Access::ReadOnly
    } else {
        Access::ReadWrite
    };
    let pool = ctx.connect(access, 1).await?;
    let mut conn = pool.acquire().await?;
    let age = fmt_secs(args.older_than.as_secs_f64());
    let preview = roster::prune(&mut conn, None, args.older_than, true).await?;
    let nothing = preview.registrations.is_empty() && preview.legacy_pollers.is_empty();
    if args.dry_run || nothing {
        return prune_report(ctx, &args, preview, true, &age);
    }
    interact::confirm(
        &ctx.out,
        ctx.global.yes,
        &format!(
            "Delete {} registration(s) of workers stopped or dead for over {age} and {} legacy \
             poller(s) unseen that long?",
            preview.registrations.len(),
            preview.legacy_pollers.len()
        ),
    )?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let pruned = roster::prune(&mut tx, None, args.older_than, false).await?;
    audit::record(
        &mut *tx,
        &audit::AuditEntry {
            operator: host::operator(),
            command: "workers prune".into(),
            queue_name: None,
            filter: json!({ "older_than_sec": args.older_than.as_secs_f64() }),
            details: json!({
                "registrations": pruned.registrations,
                "legacy_pollers": pruned.legacy_pollers,
            }),
            affected: (pruned.registrations.len() + pruned.legacy_pollers.len()) as i64,
            dry_run: false,
        },
    )
    .await?;
    tx.commit().await?;
    prune_report(ctx, &args, pruned, false, &age)
}

fn prune_report(
    ctx: &Ctx,
    args: &WorkersPruneArgs,
    pruned: roster::Pruned,
    dry_run: bool,
    age: &str,
) -> anyhow::Result<ExitCode> {
    if ctx.out.is_json() {
        ctx.out.json(&PruneReport {
            dry_run: args.dry_run,
            older_than_sec: args.older_than.as_secs_f64(),
            pruned,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let verb = if dry_run && args.dry_run {
        "would delete"
    } else {
        "deleted"
    };
    ctx.out.note(format!(
        "{verb} {} registration(s) of workers stopped or dead for over {age}{} and {} legacy poller(s){}",
        pruned.registrations.len(),
        list_of(&pruned.registrations),
        pruned.legacy_pollers.len(),
        list_of(&pruned.legacy_pollers),
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn list_of(ids: &[String]) -> String {
    if ids.is_empty() {
        String::new()
    } else {
        format!(" ({})", ellipsize(&ids.join(", "), 200))
    }
}

#[derive(Serialize)]
struct StopReport<'a> {
    worker_id: &'a str,
    queue_name: &'a str,
    hostname: Option<&'a str>,
    pid: Option<i32>,
    now: bool,
    requested_by: &'a str,
    requested_at: chrono::DateTime<chrono::Utc>,
    /// Its heartbeat interval: it acts on the request within about that long.
    heartbeat_interval_sec: f64,
}

async fn stop(ctx: &Ctx, args: WorkersStopArgs) -> anyhow::Result<ExitCode> {
    let pool = ctx.connect(Access::ReadWrite, 1).await?;
    let mut conn = pool.acquire().await?;
    let id = &args.worker_id;
    let Some(w) = roster::registered(&mut conn, id).await? else {
        return Err(CliError::usage(format!(
            "no registered worker with id {id} (see `absurdctl workers --all`; a legacy worker \
             cannot be stopped through the database)"
        )));
    };
    match w.state {
        Some(WorkerState::Stopped) => {
            anyhow::bail!(
                "worker {id} already stopped ({}): nothing to stop; nothing was changed",
                fmt_ago(w.stopped_at.or(w.last_seen_at))
            )
        }
        Some(WorkerState::Dead) => anyhow::bail!(
            "worker {id} is dead (last seen {}, no session holds its id): nothing can stop it; \
             its tasks go back with `absurdctl reap`; nothing was changed",
            fmt_ago(w.last_seen_at)
        ),
        _ => {}
    }
    let host_pid = format!(
        "{} pid {}",
        w.hostname.as_deref().unwrap_or("?"),
        w.pid.map_or_else(|| "?".into(), |p| p.to_string())
    );
    interact::confirm(
        &ctx.out,
        ctx.global.yes,
        &format!(
            "Ask worker {id} ({host_pid}, {} running task(s)) to {}?",
            w.running,
            if args.now {
                "stop now, giving its tasks back"
            } else {
                "drain and exit"
            }
        ),
    )?;
    let op = host::operator();
    let by = format!("{}@{}", op.os_user.as_deref().unwrap_or("?"), op.host);
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let Some(at) = roster::request_stop(&mut *tx, id, &by, args.now).await? else {
        anyhow::bail!("worker {id} stopped meanwhile: nothing to stop; nothing was changed");
    };
    audit::record(
        &mut *tx,
        &audit::AuditEntry {
            operator: op,
            command: "workers stop".into(),
            queue_name: Some(w.queue_name.clone()),
            filter: json!({ "worker_id": id }),
            details: json!({
                "now": args.now,
                "hostname": w.hostname,
                "pid": w.pid,
                "running": w.running,
            }),
            affected: w.running,
            dry_run: false,
        },
    )
    .await?;
    tx.commit().await?;
    let interval = w
        .heartbeat_interval_sec
        .unwrap_or(roster::DEFAULT_INTERVAL_SEC);
    if ctx.out.is_json() {
        ctx.out.json(&StopReport {
            worker_id: id,
            queue_name: &w.queue_name,
            hostname: w.hostname.as_deref(),
            pid: w.pid,
            now: args.now,
            requested_by: &by,
            requested_at: at,
            heartbeat_interval_sec: interval,
        })?;
    } else {
        ctx.out.note(format!(
            "asked worker {id} ({host_pid}) to {}; it acts at its next heartbeat (every {})",
            if args.now {
                "stop now and give its tasks back"
            } else {
                "drain and exit"
            },
            fmt_secs(interval)
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
