//! `absurdctl reap-stuck` (alias `reap`): give back the tasks of dead or
//! hung workers. Made for cron: it never prompts, two runs never both act
//! on a queue (the reaper's lock, a row only reaping roles may lock), and it
//! is silent with -q when there was nothing to do. A live worker's task is
//! never reaped by default: one that overran its timeout while its worker
//! heartbeats is reported, and reaped with --reap-overrun only.

use std::process::ExitCode;
use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use sqlx::PgConnection;

mod render;

use crate::cli::ReapStuckArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::CliError;
use crate::host;
use crate::interact::Interrupt;
use crate::queue::reap::{self, LockHolder, ReapRule, SilentWorker, StuckTask};
use crate::queue::{audit, history, TaskStatus};

/// What one run did (or, with --dry-run, would do). Stable JSON.
#[derive(Serialize)]
struct Report {
    dry_run: bool,
    heartbeat_timeout_sec: u64,
    timeout_grace_sec: u64,
    older_than_sec: Option<u64>,
    queues: Vec<QueueReport>,
    totals: Totals,
}

#[derive(Serialize, Default)]
struct QueueReport {
    queue_name: String,
    lock: Lock,
    lock_holder: Option<LockHolder>,
    /// Reaped tasks (with --dry-run: the tasks that would be).
    reaped: Vec<Reaped>,
    /// Seen stuck, but changed (or busy) by the time of reaping: left alone.
    left_alone: Vec<StuckTask>,
    /// Past their timeout plus the grace while their worker still
    /// heartbeats: not reaped without --reap-overrun.
    overran_timeout: Vec<StuckTask>,
    /// Registered workers marked dead (with --dry-run: would be).
    workers_marked_dead: Vec<SilentWorker>,
}

/// The reaper's advisory lock on a queue.
#[derive(Serialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Lock {
    Acquired,
    /// Another reaper is at work on the queue: nothing was done there.
    HeldElsewhere,
    /// Held by another session for longer than a reap could take
    /// (--reaper-lock-stale-after): a hung session, nothing done there.
    HeldTooLong,
    /// A dry run takes no lock.
    #[default]
    NotTaken,
}

#[derive(Serialize)]
struct Reaped {
    #[serde(flatten)]
    task: StuckTask,
    /// `retrying` (back in the queue) or `failed` (out of attempts).
    new_status: TaskStatus,
    /// The error recorded on the task.
    error: String,
}

#[derive(Serialize, Default)]
struct Totals {
    reaped: usize,
    retrying: usize,
    failed: usize,
    left_alone: usize,
    workers_marked_dead: usize,
    overran_timeout: usize,
    queues_locked_elsewhere: usize,
}

pub async fn run(ctx: &Ctx, args: ReapStuckArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let heartbeat_timeout: Duration = args.heartbeat_timeout.into();
    let timeout_grace: Duration = args.timeout_grace.into();
    let older_than: Option<Duration> = args.older_than.map(Into::into);
    let shortest = older_than.unwrap_or(heartbeat_timeout);
    if shortest < Duration::from_secs(60) {
        ctx.out.warn(format!(
            "warning: a limit of {} is shorter than the legacy Python worker's 30 s heartbeat \
             and its event-loop stalls: only safe when every worker of the queue is absurdctl's \
             with a shorter --heartbeat-interval",
            humantime::format_duration(shortest)
        ));
    }
    let rule = match older_than {
        Some(age) => ReapRule::ClaimedLongerThan(age),
        None => ReapRule::Stuck {
            heartbeat_timeout,
            timeout_grace,
            reap_overrun: args.reap_overrun,
        },
    };
    let access = if args.dry_run {
        Access::ReadOnly
    } else {
        Access::ReadWrite
    };
    let pool = ctx.connect(access, 2).await?;
    // One connection does the work; another holds the reaper's lock of the
    // queue being reaped (a transaction left open, ended by unlock or when
    // the connection ends, also on a crash).
    let mut conn = pool.acquire().await?;
    let mut lock_conn = if args.dry_run {
        None
    } else {
        Some(pool.acquire().await?)
    };
    let queues = if args.all_queues {
        reap::queues(&mut *conn).await?
    } else {
        vec![ctx.global.queue.clone()]
    };
    let interrupt = Interrupt::install();
    let mut report = Report {
        dry_run: args.dry_run,
        heartbeat_timeout_sec: heartbeat_timeout.as_secs(),
        timeout_grace_sec: timeout_grace.as_secs(),
        older_than_sec: older_than.map(|d| d.as_secs()),
        queues: Vec::new(),
        totals: Totals::default(),
    };
    let mut failure = None;
    for queue in queues {
        if interrupt.is_set() {
            break;
        }
        let mut qr = QueueReport {
            queue_name: queue.clone(),
            ..QueueReport::default()
        };
        let outcome = match lock_conn.as_mut() {
            None => preview_queue(&mut conn, &mut qr, rule, heartbeat_timeout).await,
            Some(lock_conn) => {
                reap_queue(
                    &mut conn,
                    lock_conn,
                    &mut qr,
                    rule,
                    heartbeat_timeout,
                    args.reaper_lock_stale_after,
                    &report,
                    &interrupt,
                )
                .await
            }
        };
        report.queues.push(qr);
        if let Err(e) = outcome {
            failure = Some(e);
            break;
        }
    }
    report.totals = totals(&report.queues);
    render::render(ctx, &report)?;
    if let Some(e) = failure {
        return Err(e.context(if report.totals.reaped == 0 {
            "reaping stopped before any task was reaped".to_string()
        } else {
            format!(
                "reaping stopped: {} task(s) reaped before the failure (listed above, and audited)",
                report.totals.reaped
            )
        }));
    }
    if interrupt.is_set() {
        return Err(CliError::Interrupted(format!(
            ": {} task(s) reaped before the interruption",
            report.totals.reaped
        ))
        .into());
    }
    let stale: Vec<&str> = report
        .queues
        .iter()
        .filter(|q| q.lock == Lock::HeldTooLong)
        .map(|q| q.queue_name.as_str())
        .collect();
    if !stale.is_empty() {
        return Err(anyhow::anyhow!(
            "the reaper's lock of queue(s) {} has been held for longer than {} (a reap takes \
             seconds): nothing is reaped there until that session ends; look at it in \
             pg_stat_activity and end it with pg_terminate_backend(pid) if it hangs",
            stale.join(", "),
            humantime::format_duration(args.reaper_lock_stale_after)
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// --dry-run: what would be reaped; reads only, takes no lock.
async fn preview_queue(
    conn: &mut PgConnection,
    qr: &mut QueueReport,
    rule: ReapRule,
    heartbeat_timeout: Duration,
) -> anyhow::Result<()> {
    qr.lock = Lock::NotTaken;
    for task in reap::find(&mut *conn, &qr.queue_name, rule).await? {
        if !task.worker_silent() && !reaps_overrun(rule) {
            qr.overran_timeout.push(task);
            continue;
        }
        qr.reaped.push(Reaped {
            new_status: if task.attempts_left() {
                TaskStatus::Retrying
            } else {
                TaskStatus::Failed
            },
            error: task.reap_error(),
            task,
        });
    }
    qr.workers_marked_dead =
        reap::silent_workers(&mut *conn, &qr.queue_name, heartbeat_timeout, false).await?;
    Ok(())
}

fn reaps_overrun(rule: ReapRule) -> bool {
    matches!(
        rule,
        ReapRule::Stuck {
            reap_overrun: true,
            ..
        }
    )
}

/// Reaps one queue under the reaper's lock (taken on `lock_conn`), and
/// audits what changed (also when the run is interrupted) in the same
/// transaction: a failure, the audit row's included, leaves the queue as it was.
#[allow(clippy::too_many_arguments)]
async fn reap_queue(
    conn: &mut PgConnection,
    lock_conn: &mut PgConnection,
    qr: &mut QueueReport,
    rule: ReapRule,
    heartbeat_timeout: Duration,
    stale_after: Duration,
    report: &Report,
    interrupt: &Interrupt,
) -> anyhow::Result<()> {
    if !reap::try_lock(&mut *lock_conn, &qr.queue_name).await? {
        qr.lock_holder = reap::lock_holder(&mut *conn, &qr.queue_name).await?;
        qr.lock = match &qr.lock_holder {
            Some(h) if h.stale(stale_after) => Lock::HeldTooLong,
            _ => Lock::HeldElsewhere,
        };
        return Ok(());
    }
    qr.lock = Lock::Acquired;
    let work = reap_audited(&mut *conn, qr, rule, heartbeat_timeout, report, interrupt).await;
    if work.is_err() {
        // Rolled back: nothing of it happened.
        qr.reaped.clear();
        qr.workers_marked_dead.clear();
    }
    let unlocked = reap::unlock(&mut *lock_conn).await;
    work?;
    unlocked?;
    Ok(())
}

async fn reap_audited(
    conn: &mut PgConnection,
    qr: &mut QueueReport,
    rule: ReapRule,
    heartbeat_timeout: Duration,
    report: &Report,
    interrupt: &Interrupt,
) -> anyhow::Result<()> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    // The reaped attempts and their tasks' history point to this run's audit row.
    let run_id = uuid::Uuid::new_v4();
    history::name_action(&mut *tx, "reap-stuck", run_id).await?;
    reap_locked(&mut tx, qr, rule, heartbeat_timeout, interrupt).await?;
    if !(qr.reaped.is_empty() && qr.workers_marked_dead.is_empty()) {
        audit::record_run(&mut *tx, &audit_entry(qr, report), run_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn reap_locked(
    conn: &mut PgConnection,
    qr: &mut QueueReport,
    rule: ReapRule,
    heartbeat_timeout: Duration,
    interrupt: &Interrupt,
) -> anyhow::Result<()> {
    let stuck = reap::find(&mut *conn, &qr.queue_name, rule).await?;
    for task in stuck {
        if interrupt.is_set() {
            return Ok(());
        }
        if !task.worker_silent() && !reaps_overrun(rule) {
            qr.overran_timeout.push(task);
            continue;
        }
        match reap::reap(&mut *conn, &task).await? {
            Some(new_status) => qr.reaped.push(Reaped {
                new_status,
                error: task.reap_error(),
                task,
            }),
            None => qr.left_alone.push(task),
        }
    }
    qr.workers_marked_dead =
        reap::silent_workers(&mut *conn, &qr.queue_name, heartbeat_timeout, true).await?;
    Ok(())
}

fn audit_entry(qr: &QueueReport, report: &Report) -> audit::AuditEntry {
    audit::AuditEntry {
        operator: host::operator(),
        command: "reap-stuck".into(),
        queue_name: Some(qr.queue_name.clone()),
        filter: json!({
            "heartbeat_timeout_sec": report.heartbeat_timeout_sec,
            "timeout_grace_sec": report.timeout_grace_sec,
            "older_than_sec": report.older_than_sec,
        }),
        details: json!({
            "reaped": qr.reaped.iter().map(|r| json!({
                "task_id": r.task.task_id,
                "task_name": r.task.task_name,
                "worker_id": r.task.worker_id,
                "reason": r.task.reason,
                "new_status": r.new_status,
            })).collect::<Vec<_>>(),
            "left_alone": qr.left_alone.iter().map(|t| t.task_id).collect::<Vec<_>>(),
            "workers_marked_dead": qr.workers_marked_dead.iter()
                .map(|w| w.worker_id.as_str()).collect::<Vec<_>>(),
        }),
        affected: qr.reaped.len() as i64,
        dry_run: false,
    }
}

fn totals(queues: &[QueueReport]) -> Totals {
    let mut t = Totals::default();
    for q in queues {
        t.reaped += q.reaped.len();
        t.retrying += q
            .reaped
            .iter()
            .filter(|r| r.new_status == TaskStatus::Retrying)
            .count();
        t.failed += q
            .reaped
            .iter()
            .filter(|r| r.new_status == TaskStatus::Failed)
            .count();
        t.left_alone += q.left_alone.len();
        t.workers_marked_dead += q.workers_marked_dead.len();
        t.overran_timeout += q.overran_timeout.len();
        t.queues_locked_elsewhere +=
            usize::from(matches!(q.lock, Lock::HeldElsewhere | Lock::HeldTooLong));
    }
    t
}
