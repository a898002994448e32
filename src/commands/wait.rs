//! `absurdctl wait`: block until the queue's backlog, ready and claimed
//! tasks meet the conditions given (a maintenance window's "let the workers
//! drain the queue, restart when it is below 20"). Read-only.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::cli::WaitArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::CliError;
use crate::interact::{self, Interrupt};
use crate::output::{fmt_count, fmt_secs};
use crate::queue::stats;

/// How often an interrupt is noticed while sleeping between looks.
const TICK: Duration = Duration::from_millis(100);

/// The figures of one look at the queue.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
struct Depth {
    /// Pending and retrying tasks, ready or not (`status`'s backlog).
    backlog: i64,
    /// Of the backlog: claimable now.
    ready: i64,
    claimed: i64,
}

/// The conditions asked for; each one given must hold.
#[derive(Debug, Clone, Copy, Serialize)]
struct Conditions {
    backlog_below: Option<i64>,
    idle: bool,
    no_claimed: bool,
}

impl Conditions {
    fn met(&self, d: &Depth) -> bool {
        self.backlog_below.is_none_or(|n| d.backlog < n)
            && (!self.idle || (d.ready == 0 && d.claimed == 0))
            && (!self.no_claimed || d.claimed == 0)
    }

    /// `backlog < 20 and no claimed task`.
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(n) = self.backlog_below {
            parts.push(format!("backlog < {}", fmt_count(n)));
        }
        if self.idle {
            parts.push("no ready or claimed task".to_string());
        }
        if self.no_claimed {
            parts.push("no claimed task".to_string());
        }
        parts.join(" and ")
    }
}

fn figures(d: &Depth) -> String {
    format!(
        "backlog {} ({} ready), {} claimed",
        fmt_count(d.backlog),
        fmt_count(d.ready),
        fmt_count(d.claimed)
    )
}

/// The outcome, as JSON on stdout.
#[derive(Serialize)]
struct Report<'a> {
    queue: &'a str,
    conditions: Conditions,
    met: bool,
    timed_out: bool,
    interrupted: bool,
    waited_sec: f64,
    looks: u64,
    last: Depth,
}

/// One look, as a JSON line on stderr.
#[derive(Serialize)]
struct Look<'a> {
    event: &'static str,
    queue: &'a str,
    waited_sec: f64,
    #[serde(flatten)]
    depth: Depth,
    met: bool,
}

async fn look(pool: &sqlx::PgPool, queue: &str) -> anyhow::Result<Depth> {
    let queues = [queue.to_string()];
    // Both counts from one snapshot: a task that goes from ready to claimed
    // between two reads is counted once.
    let mut tx = stats::begin_snapshot(pool).await?;
    let backlog = stats::backlog(&mut *tx, &queues).await?;
    let claimed = stats::claimed(&mut *tx, &queues).await?;
    tx.commit().await?;
    Ok(Depth {
        backlog: backlog.iter().map(|r| r.pending + r.retrying).sum(),
        ready: backlog.iter().map(|r| r.ready).sum(),
        claimed: claimed.iter().map(|r| r.n).sum(),
    })
}

enum End {
    Met,
    TimedOut,
    Interrupted,
}

pub async fn run(ctx: &Ctx, args: WaitArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let conditions = Conditions {
        backlog_below: args.backlog_below,
        idle: args.idle,
        no_claimed: args.no_claimed,
    };
    let queue = ctx.global.queue.as_str();
    let pool = ctx.connect(Access::ReadOnly, 1).await?;
    let interrupt = Interrupt::install();
    let spinner = interact::spinner(&ctx.out, "");
    let started = Instant::now();
    let mut looks = 0u64;
    let (end, last) = loop {
        let depth = look(&pool, queue).await?;
        looks += 1;
        let met = conditions.met(&depth);
        let waited = started.elapsed();
        if ctx.out.is_json() {
            let line = Look {
                event: "look",
                queue,
                waited_sec: waited.as_secs_f64(),
                depth,
                met,
            };
            eprintln!("{}", serde_json::to_string(&line)?);
        }
        spinner.set_message(format!(
            "waiting for {} on {queue}: {}, waited {}",
            conditions.describe(),
            figures(&depth),
            fmt_secs(waited.as_secs_f64().floor())
        ));
        if met {
            break (End::Met, depth);
        }
        let next = waited + args.interval;
        if args.timeout.is_some_and(|t| waited >= t) {
            break (End::TimedOut, depth);
        }
        // Sleep until the next look, or the timeout when it comes first
        // (one last look then), noticing Ctrl-C.
        let until = match args.timeout {
            Some(t) => next.min(t),
            None => next,
        };
        while started.elapsed() < until && !interrupt.is_set() {
            tokio::time::sleep(TICK.min(until.saturating_sub(started.elapsed()))).await;
        }
        if interrupt.is_set() {
            break (End::Interrupted, depth);
        }
    };
    spinner.finish_and_clear();
    let waited_sec = started.elapsed().as_secs_f64();
    if ctx.out.is_json() {
        ctx.out.json(&Report {
            queue,
            conditions,
            met: matches!(end, End::Met),
            timed_out: matches!(end, End::TimedOut),
            interrupted: matches!(end, End::Interrupted),
            waited_sec,
            looks,
            last,
        })?;
    }
    let waited = fmt_secs(waited_sec);
    match end {
        End::Met => {
            if !ctx.out.is_json() {
                ctx.out.note(format!(
                    "{queue}: {} (waited {waited}): {}",
                    conditions.describe(),
                    figures(&last)
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        End::TimedOut => Err(CliError::TimedOut(format!(
            "timed out after {waited} waiting for {} on {queue}: {}",
            conditions.describe(),
            figures(&last)
        ))
        .into()),
        End::Interrupted => Err(CliError::Interrupted(format!(
            ": stopped waiting for {} on {queue} after {waited}: {}",
            conditions.describe(),
            figures(&last)
        ))
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(backlog: i64, ready: i64, claimed: i64) -> Depth {
        Depth {
            backlog,
            ready,
            claimed,
        }
    }

    #[test]
    fn conditions_combine_with_and() {
        let below = Conditions {
            backlog_below: Some(20),
            idle: false,
            no_claimed: false,
        };
        assert!(below.met(&depth(19, 19, 4)));
        assert!(!below.met(&depth(20, 0, 0)), "20 is not below 20");
        let both = Conditions {
            no_claimed: true,
            ..below
        };
        assert!(!both.met(&depth(19, 19, 4)));
        assert!(both.met(&depth(19, 19, 0)));
        let idle = Conditions {
            backlog_below: None,
            idle: true,
            no_claimed: false,
        };
        assert!(
            idle.met(&depth(5, 0, 0)),
            "delayed or blocked tasks may remain"
        );
        assert!(!idle.met(&depth(5, 1, 0)));
        assert!(!idle.met(&depth(0, 0, 1)));
        assert_eq!(both.describe(), "backlog < 20 and no claimed task");
    }
}
