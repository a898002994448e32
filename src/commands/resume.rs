//! `absurdctl resume`: lift the pause a `drain` put on a queue.

use std::process::ExitCode;

use serde::Serialize;
use serde_json::json;

use crate::cli::ResumeArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::host;
use crate::interact;
use crate::output::{fmt_secs, pause_details};
use crate::queue::audit;
use crate::queue::controls::{self, QueueControl};

/// The outcome, as JSON.
#[derive(Serialize)]
struct Report {
    /// The pauses lifted, as they were (who paused, when, why).
    resumed: Vec<QueueControl>,
    /// Queues asked for that were not paused (nothing changed there).
    not_paused: Vec<String>,
}

pub async fn run(ctx: &Ctx, args: ResumeArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let pool = ctx.connect(Access::ReadWrite, 1).await?;
    let mut conn = pool.acquire().await?;
    let (paused, not_paused) = if args.all_queues {
        (controls::paused(&mut *conn).await?, Vec::new())
    } else {
        let queue = &ctx.global.queue;
        match controls::get(&mut *conn, queue).await? {
            Some(c) if c.paused => (vec![c], Vec::new()),
            _ => (Vec::new(), vec![queue.clone()]),
        }
    };
    if paused.is_empty() {
        if ctx.out.is_json() {
            ctx.out.json(&Report {
                resumed: Vec::new(),
                not_paused,
            })?;
        } else if args.all_queues {
            ctx.out.note("no queue is paused; nothing to do")?;
        } else {
            ctx.out.note(format!(
                "queue {} is not paused; nothing to do",
                ctx.global.queue
            ))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let described: Vec<String> = paused.iter().map(describe).collect();
    interact::confirm(
        &ctx.out,
        ctx.global.yes,
        &format!(
            "Resume claims on {}? Workers start taking tasks at once",
            described.join("; ")
        ),
    )?;

    let (resumed, not_paused) = resume_recorded(&mut conn, paused, not_paused).await?;
    if !ctx.out.is_json() {
        for (ended, paused_for_sec) in &resumed {
            ctx.out.note(format!(
                "resumed claims on {}{}",
                describe(ended),
                paused_for_sec
                    .map(|s| format!(", paused for {}", fmt_secs(s)))
                    .unwrap_or_default()
            ))?;
        }
    }
    let resumed: Vec<QueueControl> = resumed.into_iter().map(|(c, _)| c).collect();
    if ctx.out.is_json() {
        ctx.out.json(&Report {
            resumed,
            not_paused,
        })?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Lifts these pauses, with an audit row of command `resume` for each, all
/// in one transaction: `resume` and `top`'s `p` on a paused queue. Returns
/// the pauses lifted (with how long they lasted) and `not_paused` plus the
/// queues resumed by someone else meanwhile.
pub(crate) async fn resume_recorded(
    conn: &mut sqlx::PgConnection,
    paused: Vec<QueueControl>,
    not_paused: Vec<String>,
) -> anyhow::Result<(Vec<(QueueControl, Option<f64>)>, Vec<String>)> {
    // The resumes and their audit rows commit together, or none of them;
    // what is said happened is said after the commit.
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let mut resumed = Vec::new();
    let mut not_paused = not_paused;
    for c in paused {
        // Resumed by someone else since we looked: nothing to do there.
        let Some(ended) = controls::resume(&mut tx, &c.queue_name).await? else {
            not_paused.push(c.queue_name);
            continue;
        };
        let paused_for_sec = ended
            .paused_at
            .map(|t| (chrono::Utc::now() - t).num_milliseconds() as f64 / 1000.0);
        audit::record(
            &mut *tx,
            &audit::AuditEntry {
                operator: host::operator(),
                command: "resume".into(),
                queue_name: Some(ended.queue_name.clone()),
                filter: json!({}),
                details: json!({
                    "paused_at": ended.paused_at,
                    "paused_by": ended.paused_by,
                    "pause_reason": ended.pause_reason,
                    "paused_for_sec": paused_for_sec,
                }),
                affected: 0,
                dry_run: false,
            },
        )
        .await?;
        resumed.push((ended, paused_for_sec));
    }
    tx.commit().await?;
    Ok((resumed, not_paused))
}

/// `queue (paused by alice@host since 2025-11-30 12:00:00Z (2h ago): reason)`.
fn describe(c: &QueueControl) -> String {
    format!(
        "{} (paused{})",
        c.queue_name,
        pause_details(
            Some(c.paused_by.as_deref().unwrap_or("unknown")),
            c.paused_at,
            c.pause_reason.as_deref()
        )
    )
}
