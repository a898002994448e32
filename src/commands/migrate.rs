//! `absurdctl migrate`: adopt a legacy schema and bring it up to date.

use std::process::ExitCode;

use serde::Serialize;

use crate::cli::MigrateArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::CliError;
use crate::queue::schema::{self, MigrationState, RoleSetup, Shape};
use crate::queue::SchemaProblem;

#[derive(Serialize)]
struct Report {
    shape: Shape,
    pending: Vec<MigrationState>,
    applied: Vec<MigrationState>,
    dry_run: bool,
    elapsed_ms: u128,
    /// The roles absurd_reader, absurd_worker and absurd_operator (not
    /// looked at by --check and --dry-run).
    roles: Option<RoleSetup>,
}

pub async fn run(ctx: &Ctx, args: MigrateArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let pool = ctx.connect_unchecked(Access::ReadWrite, 1).await?;
    let mut conn = pool.acquire().await?;
    let started = std::time::Instant::now();
    if args.check || args.dry_run {
        return preview(ctx, &mut conn, args.check, started).await;
    }
    // Concurrent runs take turns: the second finds the schema current.
    schema::lock_migrations(&mut conn, |holder| {
        ctx.out.warn(format!(
            "waiting for another `absurdctl migrate`{} to finish",
            holder
                .map(|p| format!(" (server pid {p})"))
                .unwrap_or_default()
        ))
    })
    .await?;
    let done = apply(ctx, &mut conn, started).await;
    let unlocked = schema::unlock_migrations(&mut conn).await;
    let code = done?;
    unlocked?;
    Ok(code)
}

/// The shape found and the migrations pending; a schema migrated by a newer
/// absurdctl is refused.
async fn plan(
    conn: &mut sqlx::PgConnection,
) -> anyhow::Result<(schema::Shape, Vec<MigrationState>)> {
    let shape = schema::detect_shape(&mut *conn).await?;
    let status = schema::status(&mut *conn).await?;
    if let Some(p @ SchemaProblem::Ahead { .. }) = status.problem() {
        return Err(CliError::Schema(p.to_string()).into());
    }
    let pending: Vec<MigrationState> = status.pending().cloned().collect();
    Ok((shape, pending))
}

/// --check and --dry-run: what `migrate` would apply; changes nothing.
async fn preview(
    ctx: &Ctx,
    conn: &mut sqlx::PgConnection,
    check: bool,
    started: std::time::Instant,
) -> anyhow::Result<ExitCode> {
    let (shape, pending) = plan(&mut *conn).await?;
    let report = Report {
        shape,
        pending: pending.clone(),
        applied: Vec::new(),
        dry_run: true,
        elapsed_ms: started.elapsed().as_millis(),
        roles: None,
    };
    if ctx.out.is_json() {
        ctx.out.json(&report)?;
    } else if pending.is_empty() {
        ctx.out
            .note(format!("schema is current ({})", report.shape))?;
    } else {
        ctx.out.line(format!("detected: {}", report.shape))?;
        ctx.out
            .line(format!("{} migration(s) pending:", pending.len()))?;
        for m in &pending {
            ctx.out
                .line(format!("  {:04} {}", m.version, m.description))?;
        }
    }
    let code = if check && !pending.is_empty() { 1 } else { 0 };
    Ok(ExitCode::from(code))
}

/// Applies what is pending and sets up the roles, under the migration lock.
async fn apply(
    ctx: &Ctx,
    conn: &mut sqlx::PgConnection,
    started: std::time::Instant,
) -> anyhow::Result<ExitCode> {
    let (shape, pending) = plan(&mut *conn).await?;

    if pending.is_empty() {
        let roles = schema::setup_roles(&mut *conn).await?;
        if ctx.out.is_json() {
            ctx.out.json(&Report {
                shape,
                pending,
                applied: Vec::new(),
                dry_run: false,
                elapsed_ms: started.elapsed().as_millis(),
                roles: Some(roles),
            })?;
        } else {
            ctx.out
                .note(format!("schema is current ({shape}); nothing to do"))?;
            render_roles(ctx, &roles)?;
        }
        return Ok(ExitCode::SUCCESS);
    }

    ctx.out.note(format!(
        "adopting {shape}, about {} task rows; applying {} migration(s)",
        shape.estimated_rows,
        pending.len()
    ))?;
    let applied = schema::migrate(&mut *conn).await.map_err(|e| {
        anyhow::Error::from(e).context(
            "migration failed; what ran before the failure is committed and `absurdctl migrate` \
             can be run again (a lock timeout means a long transaction held absurd.tasks: retry, \
             or raise --lock-timeout)",
        )
    })?;
    let roles = schema::setup_roles(&mut *conn).await?;
    let report = Report {
        shape,
        pending: Vec::new(),
        applied,
        dry_run: false,
        elapsed_ms: started.elapsed().as_millis(),
        roles: Some(roles),
    };
    if ctx.out.is_json() {
        ctx.out.json(&report)?;
    } else {
        for m in &report.applied {
            ctx.out
                .note(format!("applied {:04} {}", m.version, m.description))?;
        }
        ctx.out.note(format!(
            "schema is current ({} migration(s) in {} ms)",
            report.applied.len(),
            report.elapsed_ms
        ))?;
        if let Some(roles) = &report.roles {
            render_roles(ctx, roles)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Says whether the roles were set up; when the connected role could not,
/// prints the statements (on stdout, ready for psql) for a DBA to run.
fn render_roles(ctx: &Ctx, roles: &RoleSetup) -> std::io::Result<()> {
    if roles.applied {
        ctx.out.note(format!(
            "roles {} are set up (grant them to LOGIN roles: see README, \"Roles\")",
            schema::ROLES.join(", ")
        ))?;
    } else if !roles.complete {
        ctx.out.warn(
            "note: this role may not create the roles absurd_reader, absurd_worker and \
             absurd_operator or grant on absurd's tables; the schema is migrated all the same. \
             Have a superuser (or the tables' owner, with CREATEROLE) run these statements, \
             printed on stdout (alone with -q: `absurdctl -q migrate | psql`), or run `absurdctl migrate` as one",
        );
        for st in &roles.statements {
            ctx.out.line(format!("{st};"))?;
        }
    }
    Ok(())
}
