//! `absurdctl migrate`: adopt a legacy schema and bring it up to date.

use std::process::ExitCode;

use serde::Serialize;

use crate::cli::MigrateArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::CliError;
use crate::queue::schema::{self, MigrationState, Shape};
use crate::queue::SchemaProblem;

#[derive(Serialize)]
struct Report {
    shape: Shape,
    pending: Vec<MigrationState>,
    applied: Vec<MigrationState>,
    dry_run: bool,
    elapsed_ms: u128,
}

pub async fn run(ctx: &Ctx, args: MigrateArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let pool = ctx.connect_unchecked(Access::ReadWrite, 1).await?;
    let mut conn = pool.acquire().await?;
    let started = std::time::Instant::now();
    let shape = schema::detect_shape(&mut conn).await?;
    let status = schema::status(&mut conn).await?;
    if let Some(p @ SchemaProblem::Ahead { .. }) = status.problem() {
        return Err(CliError::Schema(p.to_string()).into());
    }
    let pending: Vec<MigrationState> = status.pending().cloned().collect();

    if args.check || args.dry_run {
        let report = Report {
            shape,
            pending: pending.clone(),
            applied: Vec::new(),
            dry_run: true,
            elapsed_ms: started.elapsed().as_millis(),
        };
        if ctx.out.is_json() {
            ctx.out.json(&report)?;
        } else if pending.is_empty() {
            ctx.out
                .note(format!("schema is current ({})", report.shape));
        } else {
            ctx.out.line(format!("detected: {}", report.shape));
            ctx.out
                .line(format!("{} migration(s) pending:", pending.len()));
            for m in &pending {
                ctx.out
                    .line(format!("  {:04} {}", m.version, m.description));
            }
        }
        let code = if args.check && !pending.is_empty() {
            1
        } else {
            0
        };
        return Ok(ExitCode::from(code));
    }

    if pending.is_empty() {
        if ctx.out.is_json() {
            ctx.out.json(&Report {
                shape,
                pending,
                applied: Vec::new(),
                dry_run: false,
                elapsed_ms: started.elapsed().as_millis(),
            })?;
        } else {
            ctx.out
                .note(format!("schema is current ({shape}); nothing to do"));
        }
        return Ok(ExitCode::SUCCESS);
    }

    ctx.out.note(format!(
        "adopting {shape}, about {} task rows; applying {} migration(s)",
        shape.estimated_rows,
        pending.len()
    ));
    let applied = schema::migrate(&mut conn).await.map_err(|e| {
        anyhow::Error::from(e).context(
            "migration failed; what ran before the failure is committed and `absurdctl migrate` \
             can be run again (a lock timeout means a long transaction held absurd.tasks: retry, \
             or raise --lock-timeout)",
        )
    })?;
    let report = Report {
        shape,
        pending: Vec::new(),
        applied,
        dry_run: false,
        elapsed_ms: started.elapsed().as_millis(),
    };
    if ctx.out.is_json() {
        ctx.out.json(&report)?;
    } else {
        for m in &report.applied {
            ctx.out
                .note(format!("applied {:04} {}", m.version, m.description));
        }
        ctx.out.note(format!(
            "schema is current ({} migration(s) in {} ms)",
            report.applied.len(),
            report.elapsed_ms
        ));
    }
    Ok(ExitCode::SUCCESS)
}
