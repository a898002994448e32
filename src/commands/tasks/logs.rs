//! `absurdctl tasks logs`: the output tails of a task's attempts, and
//! `--follow` on a running one.

use std::process::ExitCode;

use crate::cli::{LogStream, TasksLogsArgs};
use crate::commands::Ctx;
use crate::config::Access;
use crate::output::write_stdout;
use crate::queue::history::{self};
use crate::queue::tasks;

/// `tasks logs`: the kept output of one attempt, or a running one followed.
pub async fn logs(ctx: &Ctx, args: TasksLogsArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let pool = ctx.connect(Access::ReadOnly, 1).await?;
    // A wrong id is an error at once, also with --follow.
    let id = tasks::resolve(&pool, &args.id).await?;
    tasks::get(&pool, id).await?;
    let mut found = history::output(&pool, id, args.attempt).await?;
    if args.follow {
        while found.is_none() {
            tokio::time::sleep(args.interval).await;
            found = history::output(&pool, id, args.attempt).await?;
        }
    }
    let Some(mut out) = found else {
        let what = match args.attempt {
            Some(n) => format!("task {id} has no attempt {n}"),
            None => format!("task {id} has not been claimed yet: no attempt, no output"),
        };
        anyhow::bail!(what);
    };
    if ctx.out.is_json() && !args.follow {
        ctx.out.json(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let streams: &[LogStream] = match args.stream {
        LogStream::Both => &[LogStream::Stdout, LogStream::Stderr],
        one => std::slice::from_ref(match one {
            LogStream::Stdout => &LogStream::Stdout,
            _ => &LogStream::Stderr,
        }),
    };
    let both = streams.len() > 1;
    if !args.follow {
        for s in streams {
            let (text, total) = pick(&out, *s);
            if both {
                write_stdout(&header(*s, &out, text.len(), total))?;
            }
            write_ended(text)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Followed: what is there, then what each stream adds.
    let mut printed: Vec<i64> = streams.iter().map(|_| 0).collect();
    let attempt = out.attempt;
    loop {
        for (i, s) in streams.iter().enumerate() {
            let (text, total) = pick(&out, *s);
            let new = total - printed[i];
            if new <= 0 {
                continue;
            }
            if both {
                write_stdout(&format!("--- {} ---\n", stream_name(*s)))?;
            }
            write_stdout(&new_part(text, new, total))?;
            printed[i] = total;
        }
        if !out.running {
            return Ok(ExitCode::SUCCESS);
        }
        tokio::time::sleep(args.interval).await;
        match history::output(&pool, id, Some(attempt)).await? {
            Some(o) => out = o,
            None => return Ok(ExitCode::SUCCESS),
        }
    }
}

fn stream_name(s: LogStream) -> &'static str {
    match s {
        LogStream::Stdout => "stdout",
        _ => "stderr",
    }
}

/// A stream's kept text and its whole size so far.
fn pick(out: &history::Output, s: LogStream) -> (&str, i64) {
    match s {
        LogStream::Stdout => (
            out.stdout.as_deref().unwrap_or(""),
            out.stdout_bytes.unwrap_or(0),
        ),
        _ => (
            out.stderr.as_deref().unwrap_or(""),
            out.stderr_bytes.unwrap_or(0),
        ),
    }
}

fn header(s: LogStream, out: &history::Output, kept: usize, total: i64) -> String {
    let state = if out.running { "running" } else { "ended" };
    let size = if kept as i64 >= total {
        format!("{total} bytes")
    } else {
        format!("the last {kept} of {total} bytes")
    };
    format!(
        "--- {} of attempt {} ({state}; {size}) ---\n",
        stream_name(s),
        out.attempt
    )
}

/// Text as printed: ending in a newline when there is any.
fn write_ended(text: &str) -> std::io::Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    if text.ends_with('\n') {
        write_stdout(text)
    } else {
        write_stdout(&format!("{text}\n"))
    }
}

/// The last `new` bytes of `text` (the kept tail of a stream of `total`
/// bytes), at a character boundary; a mark when more came than is kept.
fn new_part(text: &str, new: i64, total: i64) -> String {
    let kept = text.len() as i64;
    if new > kept {
        let lost = (new - kept).min(total);
        return format!("[... {lost} bytes not kept ...]\n{text}");
    }
    let mut start = (kept - new) as usize;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_string()
}
