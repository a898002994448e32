//! From the flags every bulk command shares (`FilterArgs`) to the queue
//! layer's one `TaskFilter`, with --id and --ids-from read and checked before
//! anything connects.

use std::io::Read;

use crate::cli::FilterArgs;
use crate::commands::Ctx;
use crate::error::CliError;
use crate::queue::{TaskFilter, TaskId, TaskRef};

/// The filter the flags describe, for `command`. Reads --ids-from. Bad
/// input is a usage error, raised before anything connects; so is a change
/// (not a dry run) with no condition at all unless --all says so.
pub fn filter_from_args(
    ctx: &Ctx,
    command: &str,
    args: &FilterArgs,
    dry_run: bool,
) -> anyhow::Result<TaskFilter> {
    let mut ids = Vec::new();
    let mut prefixes = Vec::new();
    for r in &args.ids {
        match r {
            TaskRef::Id(id) => ids.push(*id),
            TaskRef::Prefix { .. } => prefixes.push(r.clone()),
        }
    }
    if let Some(path) = &args.ids_from {
        let (text, source) = if path.as_os_str() == "-" {
            let text = read_capped(std::io::stdin(), "standard input")
                .map_err(|e| CliError::usage(format!("--ids-from -: {e}")))?;
            (text, "standard input".to_string())
        } else {
            let file = std::fs::File::open(path)
                .map_err(|e| CliError::usage(format!("--ids-from {}: {e}", path.display())))?;
            let text = read_capped(file, &path.display().to_string())
                .map_err(|e| CliError::usage(format!("--ids-from {}: {e}", path.display())))?;
            (text, path.display().to_string())
        };
        let from_file = parse_ids(&text, &source)?;
        if from_file.is_empty() && args.ids.is_empty() {
            return Err(CliError::usage(format!(
                "--ids-from {source} lists no task ids; nothing was changed"
            )));
        }
        ids.extend(from_file);
    }
    ids.sort();
    ids.dedup();
    if let (Some(newer), Some(older)) = (args.newer_than, args.older_than) {
        if newer <= older {
            return Err(CliError::usage(format!(
                "--newer-than {} and --older-than {} together select nothing: \
                 --newer-than must be the longer of the two",
                humantime::format_duration(newer),
                humantime::format_duration(older)
            )));
        }
    }
    if let (Some(least), Some(below)) = (args.attempts_at_least, args.attempts_below) {
        if least >= below {
            return Err(CliError::usage(format!(
                "--attempts-at-least {least} and --attempts-below {below} together select \
                 nothing; nothing was changed"
            )));
        }
    }
    let filter = TaskFilter {
        queue: (!args.all_queues).then(|| ctx.global.queue.clone()),
        statuses: args.status.clone(),
        task_names: args.names.task_name.clone(),
        ids,
        older_than: args.older_than,
        newer_than: args.newer_than,
        error_like: args.error_like.clone(),
        attempts_at_least: args.attempts_at_least,
        since: args.since,
        error_pattern: args.error_pattern.clone(),
        pattern_ids: None,
        attempts_below: args.attempts_below,
        failed_on: None,
        limit: args.limit,
        id_prefixes: prefixes,
    };
    if !filter.has_condition() && !args.all && !dry_run {
        let scope = match &filter.queue {
            Some(q) => format!("every task of queue {q}"),
            None => "every task of every queue".to_string(),
        };
        return Err(CliError::usage(format!(
            "{command} with no filter would change {scope}; give a filter (--task-name, \
             --status, --id, --ids-from, --older-than, --newer-than, --since, --error-like, \
             --error-pattern, --attempts-at-least, --attempts-below), or --all to mean it, and \
             --dry-run to see how many first; nothing was changed"
        )));
    }
    Ok(filter)
}

/// The most --ids-from reads (about three million ids): a list is read
/// whole before anything changes, and a wrong path (/dev/zero, a log, a
/// dump) must not fill the memory.
const IDS_FROM_MAX_BYTES: u64 = 32 * 1024 * 1024;

/// All of `input` as text, refused when longer than IDS_FROM_MAX_BYTES.
fn read_capped(input: impl Read, what: &str) -> Result<String, String> {
    let mut text = String::new();
    input
        .take(IDS_FROM_MAX_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read {what}: {e}"))?;
    if text.len() as u64 > IDS_FROM_MAX_BYTES {
        return Err(format!(
            "longer than {} MiB, the most --ids-from reads (about three million ids); \
             split the list, or select the tasks with filters; nothing was changed",
            IDS_FROM_MAX_BYTES / 1024 / 1024
        ));
    }
    Ok(text)
}

/// Task ids, one per line; blank lines and `#` comments are skipped.
fn parse_ids(text: &str, source: &str) -> anyhow::Result<Vec<TaskId>> {
    let mut ids = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        ids.push(line.parse::<TaskId>().map_err(|e| {
            CliError::usage(format!(
                "--ids-from {source}, line {}: {e}; nothing was changed",
                n + 1
            ))
        })?);
    }
    Ok(ids)
}
