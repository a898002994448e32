//! `absurdctl status`: the operator's first look and a monitor's check.
//! One consistent snapshot of the queue statistics, judged by
//! `crate::checks`, shown as text, JSON, Prometheus text or a Nagios line.
//!
//! `report` reads and judges; `text`, `nagios` and `prometheus` print a
//! report; `watch` refreshes it until the operator quits.

mod nagios;
mod prometheus;
pub(crate) mod report;
mod text;
mod watch;

use std::process::ExitCode;
use std::time::Duration;

use sqlx::PgPool;

use crate::checks::thresholds::Thresholds;
use crate::checks::Level;
use crate::cli::StatusArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::{redact, CliError};
use crate::output::OutputFormat;
use crate::output::{prometheus_text, write_stdout};
use crate::queue::stats;

pub async fn run(ctx: &Ctx, args: StatusArgs) -> anyhow::Result<ExitCode> {
    if ctx.out.format == OutputFormat::Csv {
        return Err(CliError::usage(
            "--output csv is only supported by `trends`; `status` prints table, json or prometheus",
        ));
    }
    let thresholds = Thresholds::from_judging(&args.judging)?;
    if args.check {
        if ctx.out.format == OutputFormat::Prometheus {
            return Err(CliError::usage(
                "--check prints a Nagios line (or JSON with --output json), not Prometheus text",
            ));
        }
        return check(ctx, &args, &thresholds).await;
    }
    if let Some(secs) = args.watch {
        if ctx.out.format == OutputFormat::Prometheus {
            return Err(CliError::usage(
                "--watch prints tables or JSON lines; for Prometheus, run `absurdctl status --output prometheus` \
                 from cron into node_exporter's textfile directory",
            ));
        }
        return watch::watch(ctx, &args, &thresholds, Duration::from_secs(secs)).await;
    }
    let result = once(ctx, &args, &thresholds).await;
    if result.is_err() && ctx.out.format == OutputFormat::Prometheus {
        // So that a textfile collector learns that the queue could not be read.
        // The read's error is what the caller needs, not a failed write.
        let _ = write_stdout(&prometheus_text(&[prometheus::up_family(0.0)]));
    }
    result
}

async fn once(ctx: &Ctx, args: &StatusArgs, thresholds: &Thresholds) -> anyhow::Result<ExitCode> {
    let pool = ctx.connect(Access::ReadOnly, 1).await?;
    let queues = queues(ctx, args, &pool).await?;
    let report = report::collect(args, thresholds, &pool, &queues, None).await?;
    match ctx.out.format {
        OutputFormat::Json => ctx.out.json(&report)?,
        OutputFormat::Prometheus => write_stdout(&prometheus::prometheus(&report))?,
        OutputFormat::Table | OutputFormat::Csv => write_stdout(&text::render(&ctx.out, &report))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `--check`: one line (or the JSON report) and the Nagios exit code; any
/// failure to read the queue is UNKNOWN (3).
async fn check(ctx: &Ctx, args: &StatusArgs, thresholds: &Thresholds) -> anyhow::Result<ExitCode> {
    let outcome = async {
        let pool = ctx.connect(Access::ReadOnly, 1).await?;
        let queues = queues(ctx, args, &pool).await?;
        report::collect(args, thresholds, &pool, &queues, None).await
    }
    .await;
    let report = match outcome {
        Ok(report) => report,
        Err(e) => {
            let msg = redact(&format!("{e:#}"));
            let first = msg
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("absurdctl: ");
            if ctx.out.is_json() {
                ctx.out
                    .json(&serde_json::json!({"verdict": Level::Unknown, "error": msg}))?;
            } else {
                ctx.out.line(nagios::unknown_line(first))?;
            }
            eprintln!("absurdctl: {msg}");
            return Ok(ExitCode::from(Level::Unknown.exit_code()));
        }
    };
    if ctx.out.is_json() {
        ctx.out.json(&report)?;
    } else {
        ctx.out.line(nagios::nagios_line(&report))?;
    }
    Ok(ExitCode::from(report.verdict.exit_code()))
}

/// One scrape of `absurdctl exporter`: the queues of `args` read and judged
/// as by `status --output prometheus`, as Prometheus text.
pub(crate) async fn prometheus_snapshot(
    ctx: &Ctx,
    args: &StatusArgs,
    thresholds: &Thresholds,
    pool: &PgPool,
) -> anyhow::Result<String> {
    let queues = queues(ctx, args, pool).await?;
    let report = report::collect(args, thresholds, pool, &queues, None).await?;
    Ok(prometheus::prometheus(&report))
}

/// The Prometheus text of a queue that could not be read: `absurd_up 0`.
pub(crate) fn prometheus_down() -> String {
    prometheus_text(&[prometheus::up_family(0.0)])
}

/// The queues to report on: --all-queues, or the one of --queue.
async fn queues(ctx: &Ctx, args: &StatusArgs, pool: &PgPool) -> anyhow::Result<Vec<String>> {
    if args.all_queues {
        Ok(stats::known_queues(pool).await?)
    } else {
        Ok(vec![ctx.global.queue.clone()])
    }
}
