//! `absurdctl spawn`: enqueue one task.

use std::process::ExitCode;

use serde_json::json;

use crate::cli::SpawnArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::CliError;
use crate::queue::{tasks, NewTask, TaskId};

pub async fn run(ctx: &Ctx, args: SpawnArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    for warning in crate::config::ignored_settings() {
        ctx.out.warn(warning);
    }
    let params: serde_json::Value = serde_json::from_str(&args.params).map_err(|e| {
        CliError::usage(format!(
            "--params is not valid JSON: {e}; nothing was spawned"
        ))
    })?;
    if !params.is_object() {
        return Err(CliError::usage(
            "--params must be a JSON object, e.g. '{\"group\": \"2025-11-30T12:00\"}'; nothing was spawned",
        ));
    }
    if contains_nul(&params) {
        return Err(CliError::usage(
            "--params contains the character \\u0000, which PostgreSQL cannot store in JSON \
             (jsonb) text; remove it or encode the value (e.g. base64); nothing was spawned",
        ));
    }
    let timeout_sec = match args.timeout {
        Some(d) => Some(
            i32::try_from(d.as_secs().max(1))
                .map_err(|_| CliError::usage("--timeout is too long (at most about 68 years)"))?,
        ),
        None => None,
    };
    let task = NewTask {
        queue_name: ctx.global.queue.clone(),
        task_name: args.task_name,
        params,
        priority: args.priority,
        timeout_sec,
        max_retries: args.max_retries,
        depends_on: args.depends_on.into_iter().map(TaskId).collect(),
        delay: args.delay,
    };
    let pool = ctx.connect(Access::ReadWrite, 1).await?;
    let mut conn = pool.acquire().await?;
    let id = tasks::spawn(&mut conn, &task).await?;
    if !task.depends_on.is_empty() {
        // Spawned all the same (it runs once the dependency is retried and
        // completes), but the operator is told it cannot run now: a
        // dependency failed or was cancelled, or waits on one that did.
        for d in tasks::dead_dependencies(&mut *conn, id).await? {
            let status = d.status.as_deref().unwrap_or("?");
            let direct = task.depends_on.contains(&d.task_id);
            ctx.out.warn(format!(
                "warning: {} {} ({}) is {status}: task {id} is blocked for good until that \
                 task is retried (absurdctl retry{} --id {})",
                if direct {
                    "--depends-on"
                } else {
                    "a dependency's dependency"
                },
                d.task_id,
                d.task_name.as_deref().unwrap_or("?"),
                if status == "cancelled" {
                    " --include-cancelled"
                } else {
                    ""
                },
                d.task_id
            ));
        }
    }
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "task_id": id,
            "queue_name": task.queue_name,
            "task_name": task.task_name,
        }))?;
    } else {
        ctx.out.line(id.to_string())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether any key or string of `v` holds U+0000, which jsonb refuses.
fn contains_nul(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(a) => a.iter().any(contains_nul),
        serde_json::Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || contains_nul(v)),
        _ => false,
    }
}
