//! `absurdctl status`: the operator's first look and a monitor's check.
//! One consistent snapshot of the queue statistics, judged against
//! thresholds, shown as text, JSON, Prometheus text or a Nagios line.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use comfy_table::{Cell, ContentArrangement, Table};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use crate::cli::{OutputFormat, StatusArgs};
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::{redact, CliError};
use crate::interact::{Interrupt, KeyWatcher};
use crate::output::{
    fmt_ago, fmt_secs, fmt_time, pause_details, prometheus_text, write_stdout, Output, PromFamily,
    PromSample,
};
use crate::queue::health::{above, below, round_trip, Level};
use crate::queue::reap;
use crate::queue::stats::{
    self, HostWorkers, QueueSnapshot, Snapshot, StuckRule, MIN_SUCCESS_SAMPLES,
};

/// The thresholds in force, as the JSON report shows them.
#[derive(Debug, Clone, Serialize)]
struct Thresholds {
    backlog_warn: i64,
    backlog_crit: i64,
    oldest_ready_warn_sec: f64,
    oldest_ready_crit_sec: f64,
    stuck_warn: i64,
    stuck_crit: i64,
    failures_1h_warn: i64,
    failures_1h_crit: i64,
    success_rate_1h_warn_percent: f64,
    success_rate_1h_crit_percent: f64,
    success_rate_min_samples: i64,
    no_completion_warn_sec: f64,
    no_completion_crit_sec: f64,
    round_trip_warn_ms: f64,
    round_trip_crit_ms: f64,
}

impl Thresholds {
    fn from_args(args: &StatusArgs) -> anyhow::Result<Self> {
        let (l, f, r) = (&args.load, &args.flow, &args.rtt);
        let t = Thresholds {
            backlog_warn: l.backlog_warn,
            backlog_crit: l.backlog_crit,
            oldest_ready_warn_sec: f.oldest_warn.as_secs_f64(),
            oldest_ready_crit_sec: f.oldest_crit.as_secs_f64(),
            stuck_warn: l.stuck_warn,
            stuck_crit: l.stuck_crit,
            failures_1h_warn: l.failures_warn,
            failures_1h_crit: l.failures_crit,
            success_rate_1h_warn_percent: f.success_warn,
            success_rate_1h_crit_percent: f.success_crit,
            success_rate_min_samples: MIN_SUCCESS_SAMPLES,
            no_completion_warn_sec: f.stall_warn.as_secs_f64(),
            no_completion_crit_sec: f.stall_crit.as_secs_f64(),
            round_trip_warn_ms: r.rtt_warn.as_secs_f64() * 1000.0,
            round_trip_crit_ms: r.rtt_crit.as_secs_f64() * 1000.0,
        };
        let upper = [
            (
                "--backlog-warn",
                "--backlog-crit",
                t.backlog_warn as f64,
                t.backlog_crit as f64,
            ),
            (
                "--oldest-warn",
                "--oldest-crit",
                t.oldest_ready_warn_sec,
                t.oldest_ready_crit_sec,
            ),
            (
                "--stuck-warn",
                "--stuck-crit",
                t.stuck_warn as f64,
                t.stuck_crit as f64,
            ),
            (
                "--failures-warn",
                "--failures-crit",
                t.failures_1h_warn as f64,
                t.failures_1h_crit as f64,
            ),
            (
                "--stall-warn",
                "--stall-crit",
                t.no_completion_warn_sec,
                t.no_completion_crit_sec,
            ),
            (
                "--rtt-warn",
                "--rtt-crit",
                t.round_trip_warn_ms,
                t.round_trip_crit_ms,
            ),
        ];
        ensure_ordered(&upper)?;
        if t.success_rate_1h_warn_percent < t.success_rate_1h_crit_percent {
            return Err(CliError::usage(
                "--success-warn must not be below --success-crit: a success rate warns before it is critical",
            ));
        }
        Ok(t)
    }
}

/// Refuses a warning level above its critical one (flag names, values).
pub(crate) fn ensure_ordered(pairs: &[(&str, &str, f64, f64)]) -> anyhow::Result<()> {
    for (w, c, wv, cv) in pairs {
        if wv > cv {
            return Err(CliError::usage(format!(
                "{w} must not be above {c}: a warning comes before the critical level"
            )));
        }
    }
    Ok(())
}

/// One judged figure.
#[derive(Debug, Clone, Serialize)]
struct Finding {
    /// null for the database-wide checks (round trip).
    queue: Option<String>,
    check: &'static str,
    level: Level,
    value: Option<f64>,
    warn: Option<f64>,
    crit: Option<f64>,
    message: String,
}

/// Rates between two refreshes of `--watch`.
#[derive(Debug, Clone, Serialize)]
struct SinceLast {
    seconds: f64,
    completed: i64,
    failed: i64,
    completed_per_min: f64,
    failed_per_min: f64,
    backlog_change: i64,
    backlog_change_per_min: f64,
}

#[derive(Debug, Clone, Serialize)]
struct QueueReport {
    verdict: Level,
    #[serde(flatten)]
    snapshot: QueueSnapshot,
    /// Only with --watch, from the second refresh on.
    #[serde(skip_serializing_if = "Option::is_none")]
    since_last: Option<SinceLast>,
}

/// The JSON document of `status --output json`.
#[derive(Debug, Clone, Serialize)]
struct Report {
    generated_at: DateTime<Utc>,
    verdict: Level,
    round_trip_ms: f64,
    /// Time taken to read the snapshot (every query, one transaction).
    query_ms: f64,
    stuck_rule: StuckRule,
    thresholds: Thresholds,
    /// Every check, OK ones included; database-wide first.
    checks: Vec<Finding>,
    queues: Vec<QueueReport>,
}

pub async fn run(ctx: &Ctx, args: StatusArgs) -> anyhow::Result<ExitCode> {
    let thresholds = Thresholds::from_args(&args)?;
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
        return watch(ctx, &args, &thresholds, Duration::from_secs(secs)).await;
    }
    let result = once(ctx, &args, &thresholds).await;
    if result.is_err() && ctx.out.format == OutputFormat::Prometheus {
        // So that a textfile collector learns that the queue could not be read.
        write_stdout(&prometheus_text(&[up_family(0.0)]))?;
    }
    result
}

async fn once(ctx: &Ctx, args: &StatusArgs, thresholds: &Thresholds) -> anyhow::Result<ExitCode> {
    let pool = ctx.connect(Access::ReadOnly, 1).await?;
    let queues = queues(ctx, args, &pool).await?;
    let report = collect(args, thresholds, &pool, &queues, None).await?;
    match ctx.out.format {
        OutputFormat::Json => ctx.out.json(&report)?,
        OutputFormat::Prometheus => write_stdout(&prometheus(&report))?,
        OutputFormat::Table => write_stdout(&render(&ctx.out, &report))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `--check`: one line (or the JSON report) and the Nagios exit code; any
/// failure to read the queue is UNKNOWN (3).
async fn check(ctx: &Ctx, args: &StatusArgs, thresholds: &Thresholds) -> anyhow::Result<ExitCode> {
    let outcome = async {
        let pool = ctx.connect(Access::ReadOnly, 1).await?;
        let queues = queues(ctx, args, &pool).await?;
        collect(args, thresholds, &pool, &queues, None).await
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
                ctx.out.line(format!("ABSURD UNKNOWN - {first}"))?;
            }
            eprintln!("absurdctl: {msg}");
            return Ok(ExitCode::from(Level::Unknown.exit_code()));
        }
    };
    if ctx.out.is_json() {
        ctx.out.json(&report)?;
    } else {
        ctx.out.line(nagios_line(&report))?;
    }
    Ok(ExitCode::from(report.verdict.exit_code()))
}

async fn queues(ctx: &Ctx, args: &StatusArgs, pool: &PgPool) -> anyhow::Result<Vec<String>> {
    if args.all_queues {
        Ok(stats::known_queues(pool).await?)
    } else {
        Ok(vec![ctx.global.queue.clone()])
    }
}

fn rule(args: &StatusArgs) -> StuckRule {
    StuckRule {
        heartbeat_timeout: args.stuck.heartbeat_timeout,
        timeout_grace: args.stuck.timeout_grace,
    }
}

/// Reads one snapshot and judges it. With `previous` (the last snapshot of
/// `--watch`), rates since then are added.
async fn collect(
    args: &StatusArgs,
    thresholds: &Thresholds,
    pool: &PgPool,
    queues: &[String],
    previous: Option<&Report>,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let mut tx = stats::begin_snapshot(pool).await?;
    let rtt = round_trip(&mut *tx).await?;
    let snapshot = stats::snapshot(&mut tx, queues, rule(args)).await?;
    let reaper = reaper_state(&mut tx, queues, args).await?;
    let since = match previous {
        Some(prev) => {
            let rows = stats::finished_since(&mut *tx, queues, prev.generated_at).await?;
            Some((prev, rows))
        }
        None => None,
    };
    tx.commit().await?;
    let mut report = judge(snapshot, rtt, thresholds.clone());
    add_reaper_findings(&mut report, reaper);
    report.query_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Some((prev, rows)) = since {
        let secs = ((report.generated_at - prev.generated_at).num_milliseconds() as f64 / 1000.0)
            .max(0.001);
        for q in &mut report.queues {
            let row = rows.iter().find(|r| r.queue_name == q.snapshot.queue);
            let (completed, failed) = row.map_or((0, 0), |r| (r.completed, r.failed));
            let before = prev
                .queues
                .iter()
                .find(|p| p.snapshot.queue == q.snapshot.queue)
                .map_or(0, |p| p.snapshot.figures.backlog);
            let change = q.snapshot.figures.backlog - before;
            q.since_last = Some(SinceLast {
                seconds: secs,
                completed,
                failed,
                completed_per_min: completed as f64 * 60.0 / secs,
                failed_per_min: failed as f64 * 60.0 / secs,
                backlog_change: change,
                backlog_change_per_min: change as f64 * 60.0 / secs,
            });
        }
    }
    Ok(report)
}

/// What a default reap leaves to the operator: tasks that overran their
/// timeout on a live worker, and reaper's locks held by a hung session.
struct ReaperState {
    overran: Vec<(String, i64)>,
    stale_locks: Vec<reap::StaleLock>,
}

async fn reaper_state(
    conn: &mut PgConnection,
    queues: &[String],
    args: &StatusArgs,
) -> anyhow::Result<ReaperState> {
    Ok(ReaperState {
        overran: reap::overrun_counts(
            &mut *conn,
            queues,
            args.stuck.heartbeat_timeout,
            args.stuck.timeout_grace,
        )
        .await?,
        stale_locks: reap::stale_locks(&mut *conn, queues, args.stuck.reaper_lock_stale_after)
            .await?,
    })
}

/// One finding per queue for each: a warning when there is something.
fn add_reaper_findings(report: &mut Report, state: ReaperState) {
    for q in &mut report.queues {
        let name = &q.snapshot.queue;
        let overran = state
            .overran
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0, |(_, c)| *c);
        let lock = state.stale_locks.iter().find(|l| &l.queue_name == name);
        let found = [
            Finding {
                queue: Some(name.clone()),
                check: "overran_timeout",
                level: if overran > 0 {
                    Level::Warning
                } else {
                    Level::Ok
                },
                value: Some(overran as f64),
                warn: Some(0.0),
                crit: None,
                message: if overran > 0 {
                    format!(
                        "{overran} task(s) overran their timeout while their worker still \
                         heartbeats (not reaped by default: `absurdctl reap-stuck --reap-overrun`)"
                    )
                } else {
                    "no task overran its timeout".into()
                },
            },
            Finding {
                queue: Some(name.clone()),
                check: "reaper_lock",
                level: if lock.is_some() {
                    Level::Warning
                } else {
                    Level::Ok
                },
                value: Some(lock.and_then(|l| l.holder.held_sec).unwrap_or(0.0)),
                warn: None,
                crit: None,
                message: match lock {
                    Some(l) => format!(
                        "the reaper's lock has been held for {} by pid {}{}: nothing is reaped \
                         until that session ends (pg_terminate_backend if it hangs)",
                        fmt_secs(l.holder.held_sec.unwrap_or(0.0)),
                        l.holder.pid,
                        l.holder
                            .usename
                            .as_deref()
                            .map(|u| format!(" (role {u})"))
                            .unwrap_or_default()
                    ),
                    None => "the reaper's lock is free or briefly held".into(),
                },
            },
        ];
        for f in found {
            q.verdict = q.verdict.max(f.level);
            report.verdict = report.verdict.max(f.level);
            report.checks.push(f);
        }
    }
}

/// Applies the thresholds: one finding per check and queue, and the verdicts.
fn judge(snapshot: Snapshot, rtt: Duration, t: Thresholds) -> Report {
    let rtt_ms = rtt.as_secs_f64() * 1000.0;
    let mut checks = vec![Finding {
        queue: None,
        check: "round_trip",
        level: above(rtt_ms, t.round_trip_warn_ms, t.round_trip_crit_ms),
        value: Some(rtt_ms),
        warn: Some(t.round_trip_warn_ms),
        crit: Some(t.round_trip_crit_ms),
        message: format!("database round trip {}", fmt_ms(rtt_ms)),
    }];
    let mut queues = Vec::new();
    for q in snapshot.queues {
        let found = queue_findings(&q, &t);
        let verdict = found.iter().map(|f| f.level).max().unwrap_or(Level::Ok);
        checks.extend(found);
        queues.push(QueueReport {
            verdict,
            snapshot: q,
            since_last: None,
        });
    }
    let verdict = checks.iter().map(|f| f.level).max().unwrap_or(Level::Ok);
    Report {
        generated_at: snapshot.taken_at,
        verdict,
        round_trip_ms: rtt_ms,
        query_ms: 0.0,
        stuck_rule: snapshot.stuck_rule,
        thresholds: t,
        checks,
        queues,
    }
}

fn queue_findings(q: &QueueSnapshot, t: &Thresholds) -> Vec<Finding> {
    let f = &q.figures;
    let finding = |check, level, value: Option<f64>, warn, crit, message: String| Finding {
        queue: Some(q.queue.clone()),
        check,
        level,
        value,
        warn,
        crit,
        message,
    };
    let mut out = Vec::new();

    out.push(finding(
        "paused",
        if q.paused { Level::Warning } else { Level::Ok },
        Some(if q.paused { 1.0 } else { 0.0 }),
        None,
        None,
        if q.paused {
            format!(
                "{}; `absurdctl resume` lets workers claim again",
                pause_text(q)
            )
        } else {
            "not paused".into()
        },
    ));

    let level = above(f.backlog, t.backlog_warn, t.backlog_crit);
    out.push(finding(
        "backlog",
        level,
        Some(f.backlog as f64),
        Some(t.backlog_warn as f64),
        Some(t.backlog_crit as f64),
        match level {
            Level::Ok => format!("backlog {}", f.backlog),
            Level::Critical => format!("backlog {} (> {})", f.backlog, t.backlog_crit),
            _ => format!("backlog {} (> {})", f.backlog, t.backlog_warn),
        },
    ));

    let oldest = f.oldest_ready_age_sec.unwrap_or(0.0);
    let (level, message) = if q.paused {
        (
            Level::Ok,
            "oldest ready task: not judged while paused".to_string(),
        )
    } else {
        let level = above(oldest, t.oldest_ready_warn_sec, t.oldest_ready_crit_sec);
        let limit = level.limit(t.oldest_ready_warn_sec, t.oldest_ready_crit_sec);
        let message = match f.oldest_ready_age_sec {
            None => "no task waiting to be claimed".into(),
            Some(age) if level == Level::Ok => {
                format!("oldest ready task waiting {}", fmt_secs(age))
            }
            Some(age) => format!(
                "oldest ready task waiting {} (> {})",
                fmt_secs(age),
                fmt_secs(limit)
            ),
        };
        (level, message)
    };
    out.push(finding(
        "oldest_ready",
        level,
        Some(oldest),
        Some(t.oldest_ready_warn_sec),
        Some(t.oldest_ready_crit_sec),
        message,
    ));

    let level = above(f.stuck, t.stuck_warn, t.stuck_crit);
    let limit = level.limit(t.stuck_warn, t.stuck_crit);
    out.push(finding(
        "stuck",
        level,
        Some(f.stuck as f64),
        Some(t.stuck_warn as f64),
        Some(t.stuck_crit as f64),
        if level == Level::Ok {
            format!("{} stuck", f.stuck)
        } else {
            format!(
                "{} stuck task{} (> {limit}): claimed with no heartbeat or past their timeout; \
                 `absurdctl reap-stuck` gives them back",
                f.stuck,
                if f.stuck == 1 { "" } else { "s" }
            )
        },
    ));

    let level = above(f.failed_1h, t.failures_1h_warn, t.failures_1h_crit);
    let limit = level.limit(t.failures_1h_warn, t.failures_1h_crit);
    out.push(finding(
        "failures_1h",
        level,
        Some(f.failed_1h as f64),
        Some(t.failures_1h_warn as f64),
        Some(t.failures_1h_crit as f64),
        if level == Level::Ok {
            format!("{} failed in the last hour", f.failed_1h)
        } else {
            format!(
                "{} failed in the last hour (> {limit}); `absurdctl errors --since 1h` groups them by cause",
                f.failed_1h
            )
        },
    ));

    let finished_1h = f.completed_1h + f.failed_1h;
    let (level, value, message) = match f.success_rate_1h {
        Some(rate) if finished_1h >= t.success_rate_min_samples => {
            let pct = rate * 100.0;
            let level = below(
                pct,
                t.success_rate_1h_warn_percent,
                t.success_rate_1h_crit_percent,
            );
            let limit = level.limit(
                t.success_rate_1h_warn_percent,
                t.success_rate_1h_crit_percent,
            );
            let message = if level == Level::Ok {
                format!("success rate {pct:.1}% in the last hour")
            } else {
                format!("success rate {pct:.1}% in the last hour (< {limit}%)")
            };
            (level, Some(pct), message)
        }
        rate => (
            Level::Ok,
            rate.map(|r| r * 100.0),
            format!(
                "success rate not judged: {finished_1h} finished in the last hour (fewer than {})",
                t.success_rate_min_samples
            ),
        ),
    };
    out.push(finding(
        "success_rate_1h",
        level,
        value,
        Some(t.success_rate_1h_warn_percent),
        Some(t.success_rate_1h_crit_percent),
        message,
    ));

    let stall = q.no_completion_sec.unwrap_or(0.0);
    let (level, message) = match q.no_completion_sec {
        _ if q.paused => (Level::Ok, "progress: not judged while paused".to_string()),
        None => (Level::Ok, "progress: no task waiting".to_string()),
        Some(secs) => {
            let level = above(secs, t.no_completion_warn_sec, t.no_completion_crit_sec);
            let limit = level.limit(t.no_completion_warn_sec, t.no_completion_crit_sec);
            let message = if level == Level::Ok {
                format!("progress: last completion {} ago", fmt_secs(secs))
            } else {
                format!(
                    "tasks are ready but nothing completed for {} (> {}); {} live worker{}",
                    fmt_secs(secs),
                    fmt_secs(limit),
                    q.workers.live,
                    if q.workers.live == 1 { "" } else { "s" }
                )
            };
            (level, message)
        }
    };
    out.push(finding(
        "no_completion",
        level,
        Some(stall),
        Some(t.no_completion_warn_sec),
        Some(t.no_completion_crit_sec),
        message,
    ));
    out
}

fn pause_text(q: &QueueSnapshot) -> String {
    format!(
        "PAUSED{}",
        pause_details(
            q.paused_by.as_deref(),
            q.paused_at,
            q.pause_reason.as_deref()
        )
    )
}

/// `ABSURD WARNING - q: backlog 25 (> 20) | 'backlog'=25;20;500;0 ...`
fn nagios_line(r: &Report) -> String {
    let bad: Vec<&Finding> = r.checks.iter().filter(|f| f.level != Level::Ok).collect();
    let summary = if !bad.is_empty() {
        bad.iter()
            .map(|f| match &f.queue {
                Some(q) => format!("{q}: {}", f.message),
                None => f.message.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    } else if r.queues.len() == 1 {
        let q = &r.queues[0].snapshot;
        format!(
            "{}: backlog {}, {} claimed, {} stuck, {} live worker{}, {} completed in the last hour",
            q.queue,
            q.figures.backlog,
            q.figures.claimed,
            q.figures.stuck,
            q.workers.live,
            if q.workers.live == 1 { "" } else { "s" },
            q.figures.completed_1h
        )
    } else {
        format!("{} queues", r.queues.len())
    };
    let summary = summary.replace('|', "/");
    let mut perf = Vec::new();
    let t = &r.thresholds;
    let single = r.queues.len() == 1;
    for q in &r.queues {
        let s = &q.snapshot;
        let f = &s.figures;
        let label = |name: &str| {
            let full = if single {
                name.to_string()
            } else {
                format!("{} {name}", s.queue)
            };
            format!("'{}'", full.replace('\'', "\"").replace('=', "_"))
        };
        perf.push(format!(
            "{}={};{};{};0",
            label("backlog"),
            f.backlog,
            t.backlog_warn,
            t.backlog_crit
        ));
        perf.push(format!(
            "{}={};{};{};0",
            label("stuck"),
            f.stuck,
            t.stuck_warn,
            t.stuck_crit
        ));
        perf.push(format!(
            "{}={};{};{};0",
            label("failed_1h"),
            f.failed_1h,
            t.failures_1h_warn,
            t.failures_1h_crit
        ));
        perf.push(format!(
            "{}={:.0}s;{:.0};{:.0};0",
            label("oldest_ready"),
            f.oldest_ready_age_sec.unwrap_or(0.0),
            t.oldest_ready_warn_sec,
            t.oldest_ready_crit_sec
        ));
        perf.push(format!("{}={};;;0", label("claimed"), f.claimed));
        perf.push(format!("{}={};;;0", label("workers"), s.workers.live));
        perf.push(format!("{}={}c", label("completed_1h"), f.completed_1h));
        if let Some(rate) = f.success_rate_1h {
            perf.push(format!(
                "{}={:.1}%;{}:;{}:;0;100",
                label("success_1h"),
                rate * 100.0,
                t.success_rate_1h_warn_percent,
                t.success_rate_1h_crit_percent
            ));
        }
    }
    perf.push(format!(
        "'round_trip'={:.4}s;{};{};0",
        r.round_trip_ms / 1000.0,
        t.round_trip_warn_ms / 1000.0,
        t.round_trip_crit_ms / 1000.0
    ));
    format!("ABSURD {} - {summary} | {}", r.verdict, perf.join(" "))
}

/// The human view: a block per queue, then the reasons, then task names and hosts.
fn render(out: &Output, r: &Report) -> String {
    let mut text = String::new();
    for q in &r.queues {
        let s = &q.snapshot;
        let f = &s.figures;
        text.push_str(&format!(
            "{}  {}  (at {})\n",
            bold(out, &s.queue),
            colored(out, q.verdict),
            fmt_time(Some(r.generated_at))
        ));
        if s.paused {
            text.push_str(&format!(
                "{}\n",
                paint(
                    out,
                    "1;33",
                    &format!("{}  (`absurdctl resume` to resume)", pause_text(s))
                )
            ));
        }
        let mut lines: Vec<(&str, String)> = vec![(
            "backlog",
            format!(
                "{} ({} pending, {} retrying: {} ready, {} delayed, {} blocked by dependencies)",
                f.backlog, f.pending, f.retrying, f.ready, f.delayed, f.blocked
            ),
        )];
        if f.backlog > 0 {
            lines.push((
                "oldest",
                format!(
                    "pending since {} ({}); ready task waiting {}",
                    fmt_time(f.oldest_pending_at),
                    fmt_ago(f.oldest_pending_at),
                    f.oldest_ready_age_sec
                        .map(fmt_secs)
                        .unwrap_or_else(|| "-".into())
                ),
            ));
        }
        lines.push((
            "running",
            format!(
                "{} claimed, {} stuck; {} live worker{}{}",
                f.claimed,
                f.stuck,
                s.workers.live,
                if s.workers.live == 1 { "" } else { "s" },
                worker_hosts(&s.workers.hosts)
            ),
        ));
        lines.push((
            "finished",
            format!(
                "5m: {} completed, {} failed · 1h: {} completed, {} failed, {} cancelled · 24h: {} completed, {} failed, {} cancelled",
                f.completed_5m, f.failed_5m, f.completed_1h, f.failed_1h, f.cancelled_1h,
                f.completed_24h, f.failed_24h, f.cancelled_24h
            ),
        ));
        lines.push((
            "throughput",
            format!(
                "{} completed/min over 5m, {} over 1h, {} over 24h · success {} (1h), {} (24h)",
                rate(f.completed_per_min_5m),
                rate(f.completed_per_min_1h),
                rate(f.completed_per_min_24h),
                percent(f.success_rate_1h),
                percent(f.success_rate_24h)
            ),
        ));
        lines.push((
            "timings 1h",
            format!(
                "wait p50 {} p95 {} · run p50 {} p95 {}",
                opt_secs(f.wait_p50_sec),
                opt_secs(f.wait_p95_sec),
                opt_secs(f.run_p50_sec),
                opt_secs(f.run_p95_sec)
            ),
        ));
        lines.push((
            "dead letters",
            format!(
                "{} failed, {} cancelled (all time) · about {} rows in all (planner estimate)",
                f.failed,
                f.cancelled,
                s.total_estimate.map_or("?".into(), |n| n.to_string())
            ),
        ));
        lines.push((
            "drained",
            match s.eta_sec {
                _ if f.backlog == 0 => "nothing waiting".to_string(),
                Some(eta) => format!(
                    "in about {} at {} tasks/min",
                    fmt_secs(eta),
                    rate(s.drain_rate_per_min)
                ),
                None => "never at the current rate (nothing finished in the last hour)".into(),
            },
        ));
        if let Some(since) = &q.since_last {
            lines.push((
                "since last",
                format!(
                    "{:+} completed ({}/min), {:+} failed, backlog {:+} ({:+.1}/min) in {}",
                    since.completed,
                    rate(since.completed_per_min),
                    since.failed,
                    since.backlog_change,
                    since.backlog_change_per_min,
                    fmt_secs(since.seconds)
                ),
            ));
        }
        for (k, v) in lines {
            text.push_str(&format!("  {k:<13}{v}\n"));
        }
        let bad: Vec<&Finding> = r
            .checks
            .iter()
            .filter(|c| c.level != Level::Ok && c.queue.as_deref() == Some(s.queue.as_str()))
            .collect();
        if !bad.is_empty() {
            text.push('\n');
            for c in bad {
                text.push_str(&format!("  {} {}\n", colored(out, c.level), c.message));
            }
        }
        if !s.task_names.is_empty() {
            let mut table = out.table([
                "task name",
                "pending",
                "retrying",
                "claimed",
                "stuck",
                "done 1h",
                "done 24h",
                "failed 1h",
                "failed (all)",
                "success 1h",
                "wait p50/p95",
                "run p50/p95",
            ]);
            unsqueeze(&mut table);
            for tn in &s.task_names {
                let g = &tn.figures;
                table.add_row(vec![
                    Cell::new(&tn.task_name),
                    Cell::new(g.pending),
                    Cell::new(g.retrying),
                    Cell::new(g.claimed),
                    Cell::new(g.stuck),
                    Cell::new(g.completed_1h),
                    Cell::new(g.completed_24h),
                    Cell::new(g.failed_1h),
                    Cell::new(g.failed),
                    Cell::new(percent(g.success_rate_1h)),
                    Cell::new(format!(
                        "{} / {}",
                        opt_secs(g.wait_p50_sec),
                        opt_secs(g.wait_p95_sec)
                    )),
                    Cell::new(format!(
                        "{} / {}",
                        opt_secs(g.run_p50_sec),
                        opt_secs(g.run_p95_sec)
                    )),
                ]);
            }
            text.push_str(&format!("\n{table}\n"));
        }
        if !s.workers.hosts.is_empty() {
            let mut table = out.table(["host", "live workers", "running tasks"]);
            unsqueeze(&mut table);
            for h in &s.workers.hosts {
                table.add_row(vec![
                    Cell::new(
                        h.host
                            .as_deref()
                            .unwrap_or("(unregistered: legacy workers)"),
                    ),
                    Cell::new(h.workers),
                    Cell::new(h.running),
                ]);
            }
            text.push_str(&format!("\n{table}\n"));
        }
        text.push('\n');
    }
    let global: Vec<&Finding> = r
        .checks
        .iter()
        .filter(|c| c.queue.is_none() && c.level != Level::Ok)
        .collect();
    for c in global {
        text.push_str(&format!("{} {}\n", colored(out, c.level), c.message));
    }
    if r.queues.is_empty() {
        text.push_str("no queues: no tasks, pause records or running workers\n");
    }
    text.push_str(&format!(
        "overall {} · database round trip {} · read in {}\n",
        colored(out, r.verdict),
        fmt_ms(r.round_trip_ms),
        fmt_ms(r.query_ms)
    ));
    text
}

/// ` on 2 hosts (+1 unregistered)`: registered workers' hosts, and how many
/// workers have no registry row.
fn worker_hosts(hosts: &[HostWorkers]) -> String {
    let known = hosts.iter().filter(|h| h.host.is_some()).count();
    let unregistered: i64 = hosts
        .iter()
        .filter(|h| h.host.is_none())
        .map(|h| h.workers)
        .sum();
    let mut text = match known {
        0 => String::new(),
        1 => " on 1 host".into(),
        n => format!(" on {n} hosts"),
    };
    if unregistered > 0 {
        text.push_str(&format!(" ({unregistered} unregistered)"));
    }
    text
}

/// A terminal that reports no width (a bare pseudo-terminal) would squeeze
/// the columns to one character: lay them out at their natural width instead.
fn unsqueeze(table: &mut Table) {
    if table.width().is_some_and(|w| w < 40) {
        table.set_content_arrangement(ContentArrangement::Disabled);
    }
}

fn fmt_ms(ms: f64) -> String {
    if ms < 1.0 {
        format!("{ms:.2}ms")
    } else if ms < 1000.0 {
        format!("{ms:.1}ms")
    } else {
        fmt_secs(ms / 1000.0)
    }
}

fn rate(per_min: f64) -> String {
    if per_min == 0.0 {
        "0".into()
    } else if per_min < 0.1 {
        format!("{per_min:.3}")
    } else if per_min < 10.0 {
        format!("{per_min:.2}")
    } else {
        format!("{per_min:.0}")
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or("-".into(), |r| format!("{:.1}%", r * 100.0))
}

fn opt_secs(s: Option<f64>) -> String {
    s.map(fmt_secs).unwrap_or_else(|| "-".into())
}

fn paint(out: &Output, sgr: &str, text: &str) -> String {
    if out.color {
        format!("\x1b[{sgr}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn bold(out: &Output, text: &str) -> String {
    paint(out, "1", text)
}

fn colored(out: &Output, level: Level) -> String {
    let sgr = match level {
        Level::Ok => "1;32",
        Level::Warning => "1;33",
        Level::Critical => "1;31",
        Level::Unknown => "1;35",
    };
    paint(out, sgr, level.as_str())
}

fn up_family(value: f64) -> PromFamily<'static> {
    PromFamily {
        name: "absurd_up",
        help: "1 when absurdctl status could read the queue statistics, 0 when not.",
        kind: "gauge",
        samples: vec![PromSample::new(vec![], value)],
    }
}

/// The report as Prometheus text, for node_exporter's textfile collector.
fn prometheus(r: &Report) -> String {
    let mut fams: Vec<PromFamily> = vec![
        up_family(1.0),
        PromFamily {
            name: "absurd_round_trip_seconds",
            help: "Time of a trivial query to the database.",
            kind: "gauge",
            samples: vec![PromSample::new(vec![], r.round_trip_ms / 1000.0)],
        },
    ];
    let mut fam = |name: &'static str, help: &'static str, samples: Vec<PromSample>| {
        fams.push(PromFamily {
            name,
            help,
            kind: "gauge",
            samples,
        })
    };
    let qs = || r.queues.iter().map(|q| &q.snapshot);
    let ql = |s: &QueueSnapshot| vec![("queue", s.queue.clone())];
    let tl = |s: &QueueSnapshot, name: &str| {
        vec![("queue", s.queue.clone()), ("task_name", name.to_string())]
    };

    fam(
        "absurd_health",
        "Verdict of the queue: 0 OK, 1 WARNING, 2 CRITICAL.",
        r.queues
            .iter()
            .map(|q| PromSample::new(ql(&q.snapshot), q.verdict.exit_code() as f64))
            .collect(),
    );
    fam(
        "absurd_queue_paused",
        "1 when claims from the queue are paused (absurdctl drain), else 0.",
        qs().map(|s| PromSample::new(ql(s), if s.paused { 1.0 } else { 0.0 }))
            .collect(),
    );
    let mut samples = Vec::new();
    for s in qs() {
        for tn in &s.task_names {
            let g = &tn.figures;
            for (status, n) in [
                ("pending", g.pending),
                ("retrying", g.retrying),
                ("claimed", g.claimed),
                ("failed", g.failed),
                ("cancelled", g.cancelled),
            ] {
                let mut labels = tl(s, &tn.task_name);
                labels.push(("status", status.to_string()));
                samples.push(PromSample::new(labels, n as f64));
            }
        }
    }
    fam(
        "absurd_tasks",
        "Tasks now in each status (failed and cancelled: all kept in the table).",
        samples,
    );
    let mut samples = Vec::new();
    for s in qs() {
        for tn in &s.task_names {
            let g = &tn.figures;
            for (status, window, n) in [
                ("completed", "5m", g.completed_5m),
                ("completed", "1h", g.completed_1h),
                ("completed", "24h", g.completed_24h),
                ("failed", "5m", g.failed_5m),
                ("failed", "1h", g.failed_1h),
                ("failed", "24h", g.failed_24h),
                ("cancelled", "5m", g.cancelled_5m),
                ("cancelled", "1h", g.cancelled_1h),
                ("cancelled", "24h", g.cancelled_24h),
            ] {
                let mut labels = tl(s, &tn.task_name);
                labels.push(("status", status.to_string()));
                labels.push(("window", window.to_string()));
                samples.push(PromSample::new(labels, n as f64));
            }
        }
    }
    fam(
        "absurd_tasks_finished",
        "Tasks that finished within the window, by final status.",
        samples,
    );
    fam(
        "absurd_tasks_stuck",
        "Claimed tasks with no heartbeat within the heartbeat timeout, or past their timeout plus grace.",
        qs().flat_map(|s| {
            s.task_names
                .iter()
                .map(|tn| PromSample::new(tl(s, &tn.task_name), tn.figures.stuck as f64))
        })
        .collect(),
    );
    fam(
        "absurd_backlog_tasks",
        "Pending and retrying tasks: ready to claim, delayed (backoff, delayed start) or blocked by dependencies.",
        qs().flat_map(|s| {
            [("ready", s.figures.ready), ("delayed", s.figures.delayed), ("blocked", s.figures.blocked)]
                .into_iter()
                .map(|(state, n)| {
                    let mut labels = ql(s);
                    labels.push(("state", state.to_string()));
                    PromSample::new(labels, n as f64)
                })
        })
        .collect(),
    );
    fam(
        "absurd_oldest_pending_age_seconds",
        "Age of the oldest pending or retrying task (0 when none).",
        qs().map(|s| PromSample::new(ql(s), s.figures.oldest_pending_age_sec.unwrap_or(0.0)))
            .collect(),
    );
    fam(
        "absurd_oldest_ready_age_seconds",
        "How long the oldest task ready to claim has waited (0 when none).",
        qs().map(|s| PromSample::new(ql(s), s.figures.oldest_ready_age_sec.unwrap_or(0.0)))
            .collect(),
    );
    fam(
        "absurd_no_completion_seconds",
        "Time without a completion while tasks are ready (0 when none is ready).",
        qs().map(|s| PromSample::new(ql(s), s.no_completion_sec.unwrap_or(0.0)))
            .collect(),
    );
    fam(
        "absurd_completed_per_minute",
        "Completions per minute over the window.",
        qs().flat_map(|s| {
            [
                ("5m", s.figures.completed_per_min_5m),
                ("1h", s.figures.completed_per_min_1h),
                ("24h", s.figures.completed_per_min_24h),
            ]
            .into_iter()
            .map(|(window, v)| {
                let mut labels = ql(s);
                labels.push(("window", window.to_string()));
                PromSample::new(labels, v)
            })
        })
        .collect(),
    );
    fam(
        "absurd_success_ratio",
        "completed / (completed + failed) over the window; absent when nothing finished.",
        qs().flat_map(|s| {
            [
                ("1h", s.figures.success_rate_1h),
                ("24h", s.figures.success_rate_24h),
            ]
            .into_iter()
            .filter_map(|(window, v)| {
                v.map(|v| {
                    let mut labels = ql(s);
                    labels.push(("window", window.to_string()));
                    PromSample::new(labels, v)
                })
            })
        })
        .collect(),
    );
    let quantiles = |s: &QueueSnapshot, name: Option<&str>, p50: Option<f64>, p95: Option<f64>| {
        [("0.5", p50), ("0.95", p95)]
            .into_iter()
            .filter_map(|(q, v)| {
                v.map(|v| {
                    let mut labels = match name {
                        Some(n) => tl(s, n),
                        None => ql(s),
                    };
                    labels.push(("quantile", q.to_string()));
                    PromSample::new(labels, v)
                })
            })
            .collect::<Vec<_>>()
    };
    fam(
        "absurd_wait_seconds",
        "Wait time (claim - creation) of the tasks finished in the last hour, by quantile.",
        qs().flat_map(|s| quantiles(s, None, s.figures.wait_p50_sec, s.figures.wait_p95_sec))
            .collect(),
    );
    fam(
        "absurd_run_seconds",
        "Run time of the tasks finished in the last hour, by quantile.",
        qs().flat_map(|s| quantiles(s, None, s.figures.run_p50_sec, s.figures.run_p95_sec))
            .collect(),
    );
    fam(
        "absurd_task_wait_seconds",
        "Wait time of the tasks of one name finished in the last hour, by quantile.",
        qs().flat_map(|s| {
            s.task_names.iter().flat_map(move |tn| {
                quantiles(
                    s,
                    Some(&tn.task_name),
                    tn.figures.wait_p50_sec,
                    tn.figures.wait_p95_sec,
                )
            })
        })
        .collect(),
    );
    fam(
        "absurd_task_run_seconds",
        "Run time of the tasks of one name finished in the last hour, by quantile.",
        qs().flat_map(|s| {
            s.task_names.iter().flat_map(move |tn| {
                quantiles(
                    s,
                    Some(&tn.task_name),
                    tn.figures.run_p50_sec,
                    tn.figures.run_p95_sec,
                )
            })
        })
        .collect(),
    );
    fam(
        "absurd_live_workers",
        "Workers seen within the heartbeat timeout, by host (unknown: legacy workers without a registry row).",
        qs().flat_map(|s| {
            s.workers.hosts.iter().map(|h| {
                let mut labels = ql(s);
                labels.push(("host", h.host.clone().unwrap_or_else(|| "unknown".into())));
                PromSample::new(labels, h.workers as f64)
            })
        })
        .collect(),
    );
    fam(
        "absurd_drain_rate_per_minute",
        "Tasks leaving the backlog per minute (completed + failed, over 5 minutes or else the hour).",
        qs().map(|s| PromSample::new(ql(s), s.drain_rate_per_min)).collect(),
    );
    fam(
        "absurd_backlog_eta_seconds",
        "Estimated time to drain the backlog at the current rate (+Inf when nothing drains).",
        qs().map(|s| PromSample::new(ql(s), s.eta_sec.unwrap_or(f64::INFINITY)))
            .collect(),
    );
    fam(
        "absurd_tasks_estimated",
        "The planner's estimate of all rows of the queue, history included (as of the last ANALYZE).",
        qs().filter_map(|s| s.total_estimate.map(|n| PromSample::new(ql(s), n as f64)))
            .collect(),
    );
    prometheus_text(&fams)
}

/// `--watch`: a refresh every `every` until Ctrl-C or `q`; on a terminal the
/// view is redrawn in place, otherwise snapshots follow each other.
async fn watch(
    ctx: &Ctx,
    args: &StatusArgs,
    thresholds: &Thresholds,
    every: Duration,
) -> anyhow::Result<ExitCode> {
    let pool = ctx.connect(Access::ReadOnly, 1).await?;
    let server = {
        let c = ctx.connect_config()?;
        let o = &c.options;
        (
            o.get_host().to_string(),
            o.get_port(),
            o.get_database().unwrap_or(o.get_username()).to_string(),
        )
    };
    let interrupt = Interrupt::install();
    let redraw = ctx.out.stdout_tty && ctx.out.format == OutputFormat::Table;
    let keys = if redraw && std::io::stdin().is_terminal() {
        KeyWatcher::start()
    } else {
        None
    };
    if redraw {
        // Hide the cursor and clear the screen once; each frame then overwrites in place.
        write_stdout("\x1b[?25l\x1b[2J")?;
    }
    let mut previous: Option<Report> = None;
    let outcome = loop {
        let frame = match async {
            let queues = queues(ctx, args, &pool).await?;
            collect(args, thresholds, &pool, &queues, previous.as_ref()).await
        }
        .await
        {
            Ok(report) => {
                let frame = match ctx.out.format {
                    OutputFormat::Json => {
                        let mut line = serde_json::to_string(&report)?;
                        line.push('\n');
                        line
                    }
                    _ => render(&ctx.out, &report),
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
        let stop = loop {
            if interrupt.is_set() || keys.as_ref().is_some_and(|k| k.quit_requested()) {
                break true;
            }
            if Instant::now() >= until {
                break false;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        if stop {
            break Ok(ExitCode::SUCCESS);
        }
    };
    drop(keys);
    if redraw {
        write_stdout("\x1b[?25h")?;
    }
    outcome
}
