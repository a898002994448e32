//! `absurdctl trends`: the queue over time, in buckets.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cli::{TrendsArgs, TrendsBucket};
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::CliError;
use crate::output::OutputFormat;
use crate::output::{ellipsize, fmt_secs, write_stdout};
use crate::queue::stats;
use crate::queue::trends::{self, Bucket, Series, Window};

/// More buckets than a week by minute is a window to ask by hour.
const MAX_BUCKETS: usize = 7 * 24 * 60;

/// The width when COLUMNS says nothing usable.
const DEFAULT_WIDTH: usize = 80;

/// The narrowest bar worth drawing.
const MIN_BAR: usize = 10;

/// The JSON document of `trends --output json`.
#[derive(Serialize)]
struct Report<'a> {
    queue: &'a str,
    /// The --task-name filter (empty: every task name).
    task_names: &'a [String],
    by: &'static str,
    bucket_sec: i64,
    since_sec: f64,
    window_start: DateTime<Utc>,
    window_end: DateTime<Utc>,
    series: &'a [Series],
}

pub async fn run(ctx: &Ctx, args: TrendsArgs) -> anyhow::Result<ExitCode> {
    if ctx.out.format == OutputFormat::Prometheus {
        return Err(CliError::usage(
            "--output prometheus is only supported by `status`; `trends` prints table, json or csv",
        ));
    }
    let step = args.by.seconds();
    let since = args.since.as_secs_f64();
    let wanted = (since / step as f64).ceil();
    if wanted > MAX_BUCKETS as f64 {
        return Err(CliError::usage(format!(
            "--since {} --by {} makes {wanted} buckets, more than {MAX_BUCKETS}: use a larger --by",
            fmt_secs(since),
            by_name(args.by),
        )));
    }
    // Three sessions: the window's reads run side by side, in one snapshot.
    let pool = ctx.connect(Access::ReadOnly, 3).await?;
    let mut tx = stats::begin_snapshot(&pool).await?;
    let window = Window::ending_at(trends::now(&mut tx).await?, step, since);
    let (queue, names) = (&ctx.global.queue, &args.names.task_name);
    let series = match stats::export_snapshot(&mut tx).await? {
        Some(id) => {
            let mut b = stats::begin_snapshot_of(&pool, &id).await?;
            let mut c = stats::begin_snapshot_of(&pool, &id).await?;
            let mut dbs = [&mut *tx, &mut *b, &mut *c];
            let series = trends::series(&mut dbs, queue, names, args.by_task, &window).await?;
            b.commit().await?;
            c.commit().await?;
            series
        }
        // A hot standby exports no snapshot: one session reads it all.
        None => trends::series(&mut [&mut *tx], queue, names, args.by_task, &window).await?,
    };
    tx.commit().await?;
    match ctx.out.format {
        OutputFormat::Json => ctx.out.json(&Report {
            queue: &ctx.global.queue,
            task_names: &args.names.task_name,
            by: by_name(args.by),
            bucket_sec: step,
            since_sec: since,
            window_start: window.start,
            window_end: window.end,
            series: &series,
        })?,
        OutputFormat::Csv => write_stdout(&csv(&series))?,
        _ => {
            if series.iter().all(|s| s.buckets.iter().all(quiet)) {
                ctx.out.note(format!(
                    "no task of queue {} in the last {} (nothing created, run, finished or waiting)",
                    ctx.global.queue,
                    fmt_secs(since)
                ))?;
            } else {
                write_stdout(&render(ctx, &args, &window, &series, width()))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Nothing happened in the bucket and nothing waited at its end.
fn quiet(b: &Bucket) -> bool {
    b.created == 0 && b.started == 0 && b.completed + b.failed + b.cancelled == 0 && b.backlog == 0
}

fn by_name(by: TrendsBucket) -> &'static str {
    match by {
        TrendsBucket::Minute => "minute",
        TrendsBucket::Hour => "hour",
        TrendsBucket::Day => "day",
    }
}

/// The terminal's width as the shell exports it, else 80.
fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c >= 40)
        .unwrap_or(DEFAULT_WIDTH)
}

const CSV_HEADER: &str = "task_name,bucket_start,bucket_end,created,started,retried,completed,\
failed,cancelled,backlog,wait_p50_sec,wait_p95_sec,run_p50_sec,run_p95_sec,success_rate\n";

/// One row per series and bucket (RFC 4180; task_name empty for the whole
/// selection).
fn csv(series: &[Series]) -> String {
    let mut out = String::from(CSV_HEADER);
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for s in series {
        let name = s.task_name.as_deref().map(csv_field).unwrap_or_default();
        for b in &s.buckets {
            out.push_str(&format!(
                "{name},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                b.start.to_rfc3339(),
                b.end.to_rfc3339(),
                b.created,
                b.started,
                b.retried,
                b.completed,
                b.failed,
                b.cancelled,
                b.backlog,
                opt(b.wait_p50_sec),
                opt(b.wait_p95_sec),
                opt(b.run_p50_sec),
                opt(b.run_p95_sec),
                opt(b.success_rate),
            ));
        }
    }
    out
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// A column of the terminal view.
struct Column {
    header: &'static str,
    /// Lower is kept first when the width is short.
    priority: u8,
    cell: fn(&Bucket) -> String,
}

const fn col(header: &'static str, priority: u8, cell: fn(&Bucket) -> String) -> Column {
    Column {
        header,
        priority,
        cell,
    }
}

/// In display order.
const COLUMNS: &[Column] = &[
    col("created", 1, |b| count(b.created)),
    col("started", 6, |b| count(b.started)),
    col("retried", 7, |b| count(b.retried)),
    col("done", 2, |b| count(b.completed)),
    col("failed", 3, |b| count(b.failed)),
    col("cancel", 8, |b| count(b.cancelled)),
    col("backlog", 4, |b| count(b.backlog)),
    col("ok%", 5, |b| {
        b.success_rate
            .map(|r| format!("{:.0}%", r * 100.0))
            .unwrap_or_else(|| "-".into())
    }),
    col("wait50", 9, |b| secs(b.wait_p50_sec)),
    col("wait95", 11, |b| secs(b.wait_p95_sec)),
    col("run50", 10, |b| secs(b.run_p50_sec)),
    col("run95", 12, |b| secs(b.run_p95_sec)),
];

/// Every column is this wide (a space, then the text right-aligned).
const CELL: usize = 8;

/// Counts in at most 7 characters.
fn count(n: i64) -> String {
    match n {
        n if n.abs() < 1_000_000 => n.to_string(),
        n if n.abs() < 1_000_000_000 => format!("{:.1}M", n as f64 / 1e6),
        n => format!("{:.1}G", n as f64 / 1e9),
    }
}

fn secs(v: Option<f64>) -> String {
    v.map(fmt_secs).unwrap_or_else(|| "-".into())
}

fn label(by: TrendsBucket, t: DateTime<Utc>) -> String {
    match by {
        TrendsBucket::Minute | TrendsBucket::Hour => t.format("%m-%d %H:%M").to_string(),
        TrendsBucket::Day => t.format("%Y-%m-%d").to_string(),
    }
}

/// One line per bucket: the columns that fit `width` by priority, then a
/// bar of the completions scaled to the largest bucket of its series.
fn render(ctx: &Ctx, args: &TrendsArgs, w: &Window, series: &[Series], width: usize) -> String {
    let label_w = label(args.by, w.start).chars().count();
    let mut by_priority: Vec<usize> = (0..COLUMNS.len()).collect();
    by_priority.sort_by_key(|&i| COLUMNS[i].priority);
    let mut used = label_w;
    let mut shown = vec![false; COLUMNS.len()];
    for i in by_priority {
        if used + CELL + 1 + MIN_BAR > width {
            break;
        }
        used += CELL;
        shown[i] = true;
    }
    let bar_w = width.saturating_sub(used + 1).max(1);
    let mut out = String::new();
    let names = if args.names.task_name.is_empty() {
        String::new()
    } else {
        format!(", task {}", args.names.task_name.join(", "))
    };
    out.push_str(&ellipsize(
        &format!(
            "queue {}{names}: by {} (UTC), last {}; bar: completed",
            ctx.global.queue,
            by_name(args.by),
            fmt_secs(args.since.as_secs_f64()),
        ),
        width,
    ));
    out.push('\n');
    for s in series {
        if let Some(name) = &s.task_name {
            out.push('\n');
            out.push_str(&ellipsize(&format!("task {name}"), width));
            out.push('\n');
        }
        let mut head = format!("{:<label_w$}", "");
        for (c, _) in COLUMNS.iter().zip(&shown).filter(|(_, s)| **s) {
            head.push_str(&format!("{:>CELL$}", c.header));
        }
        out.push_str(&head);
        out.push('\n');
        let max = s.buckets.iter().map(|b| b.completed).max().unwrap_or(0);
        for b in &s.buckets {
            let mut line = label(args.by, b.start);
            for (c, _) in COLUMNS.iter().zip(&shown).filter(|(_, s)| **s) {
                let cell: String = ellipsize(&(c.cell)(b), CELL - 1);
                line.push_str(&format!("{cell:>CELL$}"));
            }
            line.push(' ');
            line.push_str(&bar(b.completed, max, bar_w));
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// `value` of `max` as unicode blocks in `width` cells, to an eighth; any
/// non-zero value shows.
fn bar(value: i64, max: i64, width: usize) -> String {
    if value <= 0 || max <= 0 {
        return String::new();
    }
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let eighths = ((value as f64 / max as f64) * (width * 8) as f64).round() as usize;
    let eighths = eighths.clamp(1, width * 8);
    let mut s = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        s.push(PARTS[eighths % 8]);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_fit_and_show_any_value() {
        assert_eq!(bar(10, 10, 5), "█████");
        assert_eq!(bar(1, 1000, 5), "▏");
        assert_eq!(bar(0, 10, 5), "");
        assert!(bar(7, 10, 12).chars().count() <= 12);
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
