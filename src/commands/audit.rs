//! `absurdctl audit`: recent operator actions, newest first (read-only).

use std::process::ExitCode;

use comfy_table::Cell;

use crate::cli::AuditArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::output::{ellipsize, fmt_ago, fmt_time};
use crate::queue::audit;

pub async fn run(ctx: &Ctx, args: AuditArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let pool = ctx.connect(Access::ReadOnly, 1).await?;
    let queue = (!args.all_queues).then_some(ctx.global.queue.as_str());
    let rows = audit::recent(&pool, queue, args.limit).await?;
    if ctx.out.is_json() {
        ctx.out.json(&rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        ctx.out.note("no recorded actions")?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = ctx.out.table([
        "#", "when", "who", "command", "queue", "tasks", "filter", "reason",
    ]);
    for r in &rows {
        let who = format!(
            "{} ({}@{})",
            r.db_user,
            r.os_user.as_deref().unwrap_or("?"),
            r.client_host.as_deref().unwrap_or("?")
        );
        let tasks = if r.dry_run {
            format!("{} (dry run)", r.affected)
        } else if r.unfinished {
            // Stopped (killed) after these batches, before its own row.
            format!("{} (unfinished run)", r.affected)
        } else {
            r.affected.to_string()
        };
        table.add_row(vec![
            Cell::new(r.audit_id.map_or_else(|| "-".into(), |id| id.to_string())),
            Cell::new(format!(
                "{} ({})",
                fmt_time(Some(r.at)),
                fmt_ago(Some(r.at))
            )),
            Cell::new(who),
            Cell::new(&r.command),
            Cell::new(r.queue_name.as_deref().unwrap_or("-")),
            Cell::new(tasks),
            Cell::new(ellipsize(
                &summarize(&r.filter, r.queue_name.as_deref()),
                80,
            )),
            Cell::new(ellipsize(reason(&r.details).unwrap_or("-"), 60)),
        ]);
    }
    ctx.out.print_table(&table)?;
    Ok(ExitCode::SUCCESS)
}

/// The operator's reason of an action (cancel, fail, drain; resume shows
/// the reason of the pause it ended).
fn reason(details: &serde_json::Value) -> Option<&str> {
    ["reason", "pause_reason"]
        .iter()
        .find_map(|k| details.get(k).and_then(|v| v.as_str()))
}

/// `key=value` for each field of a filter that says something, whatever
/// command wrote it. The queue has its own column; an action whose only
/// scope is its queue (drain, resume, a bulk change with --all) shows it
/// here too, rather than nothing.
fn summarize(filter: &serde_json::Value, queue: Option<&str>) -> String {
    let Some(fields) = filter.as_object() else {
        return filter.to_string();
    };
    let parts: Vec<String> = fields
        .iter()
        .filter(|(k, v)| {
            k.as_str() != "queue"
                && !v.is_null()
                && !matches!(v, serde_json::Value::Array(a) if a.is_empty())
        })
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => format!("{k}={s}"),
            serde_json::Value::Array(a) => format!(
                "{k}={}",
                a.iter()
                    .map(|x| x
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string()))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            other => format!("{k}={other}"),
        })
        .collect();
    if parts.is_empty() {
        queue.map_or_else(|| "-".into(), |q| format!("queue={q}"))
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_summarized_without_empty_fields() {
        let f = serde_json::json!({
            "queue": "q", "statuses": ["failed"], "task_names": [], "ids": [],
            "older_than": "2h", "error_like": null, "limit": 5
        });
        assert_eq!(
            summarize(&f, Some("q")),
            "limit=5 older_than=2h statuses=failed"
        );
        assert_eq!(summarize(&serde_json::json!({}), None), "-");
        assert_eq!(
            summarize(&serde_json::json!({"queue": "mosaic"}), Some("mosaic")),
            "queue=mosaic"
        );
    }

    #[test]
    fn the_reason_is_the_action_s_or_its_pause_s() {
        assert_eq!(reason(&serde_json::json!({"reason": "r"})), Some("r"));
        assert_eq!(
            reason(&serde_json::json!({"reason": null, "pause_reason": "p"})),
            Some("p")
        );
        assert_eq!(reason(&serde_json::json!({"reason": null})), None);
    }
}
