//! `absurdctl drain`: pause claims on a queue, then wait until its running
//! tasks have finished (a maintenance window's "stop the pipeline").

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use comfy_table::Cell;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use serde_json::json;
use sqlx::PgConnection;

use crate::cli::DrainArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::CliError;
use crate::host;
use crate::interact::{self, Interrupt};
use crate::output::{fmt_secs, Output};
use crate::queue::controls::{self, Pause, RunningTask};
use crate::queue::{audit, tasks, TaskId};

/// How often the claimed tasks are looked at while waiting: a cheap read
/// of the partial index of claimed rows.
const POLL: Duration = Duration::from_millis(500);

/// Running tasks listed under the progress bar; the rest are counted.
const SHOWN: usize = 8;

/// The outcome, as JSON.
#[derive(Serialize)]
struct Report {
    queues: Vec<Pause>,
    /// No task of the queues is claimed any more.
    drained: bool,
    timed_out: bool,
    waited_sec: f64,
    still_running: Vec<RunningTask>,
}

pub async fn run(ctx: &Ctx, args: DrainArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let pool = ctx.connect(Access::ReadWrite, 1).await?;
    let mut conn = pool.acquire().await?;
    let queues = if args.all_queues {
        controls::active_queues(&mut *conn).await?
    } else {
        vec![ctx.global.queue.clone()]
    };
    if queues.is_empty() {
        ctx.out.note("no queue is in use; nothing to drain")?;
        return Ok(ExitCode::SUCCESS);
    }

    let mut unpaused = Vec::new();
    for q in &queues {
        if !controls::get(&mut *conn, q)
            .await?
            .is_some_and(|c| c.paused)
        {
            unpaused.push(q.as_str());
        }
    }
    let running = controls::running(&mut *conn, &queues).await?;
    if !unpaused.is_empty() {
        interact::confirm(
            &ctx.out,
            ctx.global.yes,
            &format!(
                "Pause claims on {}? No new task starts until `absurdctl resume`; the {} task(s) \
                 running now carry on",
                unpaused.join(", "),
                running.len()
            ),
        )?;
    }

    let pauses = pause_recorded(
        &mut conn,
        &queues,
        args.reason.as_deref(),
        &running,
        json!({
            "wait": !args.no_wait,
            "timeout_sec": args.timeout.map(|d| d.as_secs_f64()),
        }),
    )
    .await?;
    if !ctx.out.is_json() {
        for p in &pauses {
            ctx.out.note(pause_line(p))?;
        }
    }

    let started = Instant::now();
    let end = if args.no_wait {
        Wait::NotWaited(controls::running(&mut *conn, &queues).await?)
    } else {
        wait(ctx, &mut conn, &queues, args.timeout).await?
    };
    let waited_sec = started.elapsed().as_secs_f64();
    let names = queues.join(", ");
    let (still_running, timed_out) = match &end {
        Wait::Drained => (Vec::new(), false),
        Wait::NotWaited(r) | Wait::Interrupted(r) => (r.clone(), false),
        Wait::TimedOut(r) => (r.clone(), true),
    };
    let report = Report {
        queues: pauses,
        drained: still_running.is_empty(),
        timed_out,
        waited_sec,
        still_running,
    };
    if ctx.out.is_json() {
        ctx.out.json(&report)?;
    } else if report.drained {
        ctx.out.note(format!(
            "drained {names}: no task running{}; claims stay paused until `absurdctl resume`",
            if args.no_wait {
                String::new()
            } else {
                format!(" (waited {})", fmt_secs(waited_sec))
            }
        ))?;
    } else if timed_out || !ctx.out.quiet {
        print_running(&ctx.out, &report.still_running)?;
        if args.no_wait {
            ctx.out.note(format!(
                "paused {names}; {} task(s) still running (not waiting: --no-wait)",
                report.still_running.len()
            ))?;
        }
    }
    match end {
        Wait::Drained | Wait::NotWaited(_) => Ok(ExitCode::SUCCESS),
        Wait::TimedOut(r) => Err(anyhow::anyhow!(
            "timed out after {}: {} task(s) of {names} still running (listed above); claims stay \
             paused (`absurdctl resume` lifts the pause)",
            fmt_secs(waited_sec),
            r.len()
        )),
        Wait::Interrupted(r) => Err(CliError::Interrupted(format!(
            ": stopped waiting with {} task(s) of {names} still running; claims stay paused \
             (`absurdctl resume` lifts the pause)",
            r.len()
        ))
        .into()),
    }
}

/// Pauses `queues` for the operator, with an audit row of command `drain`
/// for each pause made, all in one transaction: `drain` and `top`'s `p`.
/// `details` are added to the audit rows' (the reason and the tasks
/// running at the pause are always there).
pub(crate) async fn pause_recorded(
    conn: &mut PgConnection,
    queues: &[String],
    reason: Option<&str>,
    running: &[RunningTask],
    details: serde_json::Value,
) -> anyhow::Result<Vec<Pause>> {
    let who = format!(
        "{}@{}",
        host::os_user().unwrap_or_else(|| "unknown".into()),
        host::hostname()
    );
    // The pauses and their audit rows commit together, or none of them.
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let mut pauses = Vec::new();
    for q in queues {
        let pause = controls::pause(&mut tx, q, &who, reason).await?;
        if !pause.already_paused {
            let mut all = json!({
                "reason": reason,
                "running_at_pause": running.iter().filter(|t| &t.queue_name == q).count(),
            });
            if let (Some(all), Some(extra)) = (all.as_object_mut(), details.as_object()) {
                all.extend(extra.clone());
            }
            audit::record(
                &mut *tx,
                &audit::AuditEntry {
                    operator: host::operator(),
                    command: "drain".into(),
                    queue_name: Some(q.clone()),
                    // What drain acts on: the queue, all of it.
                    filter: json!({ "queue": q }),
                    details: all,
                    affected: 0,
                    dry_run: false,
                },
            )
            .await?;
        }
        pauses.push(pause);
    }
    tx.commit().await?;
    Ok(pauses)
}

enum Wait {
    Drained,
    NotWaited(Vec<RunningTask>),
    TimedOut(Vec<RunningTask>),
    Interrupted(Vec<RunningTask>),
}

/// Polls the claimed tasks until there are none, the timeout passes, or
/// Ctrl-C; shows them on a progress bar (terminal) or as one line per
/// change (otherwise, on stderr).
async fn wait(
    ctx: &Ctx,
    conn: &mut PgConnection,
    queues: &[String],
    timeout: Option<Duration>,
) -> anyhow::Result<Wait> {
    let interrupt = Interrupt::install();
    let started = Instant::now();
    let mut current = by_id(controls::running(&mut *conn, queues).await?);
    let mut seen = current.len() as u64;
    let mut finished = 0u64;
    let bar = interact::progress(&ctx.out, seen, "draining");
    let lines = bar.is_hidden();
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} draining {prefix} [{bar:30.cyan/blue}] {pos}/{len} finished, waited {elapsed}\n{msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_prefix(queues.join(", "));
    let several = queues.len() > 1;
    if lines && !current.is_empty() {
        ctx.out.warn(format!(
            "waiting for {} running task(s) of {}",
            current.len(),
            queues.join(", ")
        ));
        for t in current.values() {
            ctx.out.warn(format!("  running: {}", describe(t)));
        }
    }
    loop {
        show(&bar, &current, several);
        if current.is_empty() {
            bar.finish_and_clear();
            return Ok(Wait::Drained);
        }
        if timeout.is_some_and(|t| started.elapsed() >= t) {
            bar.finish_and_clear();
            return Ok(Wait::TimedOut(current.into_values().collect()));
        }
        if interrupt.is_set() {
            bar.finish_and_clear();
            return Ok(Wait::Interrupted(current.into_values().collect()));
        }
        tokio::time::sleep(POLL).await;
        let now = by_id(controls::running(&mut *conn, queues).await?);
        for (id, t) in &current {
            if now.contains_key(id) {
                continue;
            }
            finished += 1;
            bar.set_position(finished);
            if lines {
                let status = match tasks::get(&mut *conn, *id).await {
                    Ok(task) => task.status.to_string(),
                    Err(_) => "deleted".into(),
                };
                ctx.out.warn(format!(
                    "finished ({status}): {}; {} still running",
                    describe(t),
                    now.len()
                ));
            }
        }
        for (id, t) in &now {
            if current.contains_key(id) {
                continue;
            }
            // Claimed in the instant before the pause took effect.
            seen += 1;
            bar.set_length(seen);
            if lines {
                ctx.out.warn(format!("  running: {}", describe(t)));
            }
        }
        current = now;
    }
}

fn by_id(tasks: Vec<RunningTask>) -> BTreeMap<TaskId, RunningTask> {
    tasks.into_iter().map(|t| (t.task_id, t)).collect()
}

fn describe(t: &RunningTask) -> String {
    format!(
        "{} {} ({}) on {} for {}",
        t.queue_name,
        t.task_name,
        t.task_id,
        t.worker_id.as_deref().unwrap_or("no worker"),
        fmt_secs(t.running_sec)
    )
}

/// The bar's message: the running tasks, longest running first, one short
/// line each (the queue only when draining several).
fn show(bar: &ProgressBar, current: &BTreeMap<TaskId, RunningTask>, several: bool) {
    if bar.is_hidden() {
        return;
    }
    let mut running: Vec<&RunningTask> = current.values().collect();
    running.sort_by(|a, b| b.running_sec.total_cmp(&a.running_sec));
    let mut msg: Vec<String> = running
        .iter()
        .take(SHOWN)
        .map(|t| {
            let id = t.task_id.to_string();
            format!(
                "  {}{:<20} {} on {:<16} {:>8}",
                if several {
                    format!("{:<18} ", t.queue_name)
                } else {
                    String::new()
                },
                t.task_name,
                &id[..8],
                t.worker_id.as_deref().unwrap_or("-"),
                fmt_secs(t.running_sec)
            )
        })
        .collect();
    if running.len() > SHOWN {
        msg.push(format!("  ... and {} more", running.len() - SHOWN));
    }
    bar.set_message(msg.join("\n"));
}

fn pause_line(p: &Pause) -> String {
    let c = &p.control;
    format!(
        "{} {} (by {}{}{})",
        if p.already_paused {
            "already paused:"
        } else {
            "paused claims on"
        },
        c.queue_name,
        c.paused_by.as_deref().unwrap_or("unknown"),
        c.paused_at
            .map(|t| format!(" at {}", crate::output::fmt_time(Some(t))))
            .unwrap_or_default(),
        c.pause_reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default()
    )
}

fn print_running(out: &Output, running: &[RunningTask]) -> std::io::Result<()> {
    let mut table = out.table(["queue", "task id", "task name", "worker", "running for"]);
    for t in running {
        table.add_row(vec![
            Cell::new(&t.queue_name),
            Cell::new(t.task_id),
            Cell::new(&t.task_name),
            Cell::new(t.worker_id.as_deref().unwrap_or("-")),
            Cell::new(fmt_secs(t.running_sec)),
        ]);
    }
    out.print_table(&table)?;
    Ok(())
}
