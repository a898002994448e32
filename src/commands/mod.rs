//! One file per subcommand. A command composes queue-layer calls and hands
//! the result to `output`; it holds no SQL.

mod audit;
mod bench;
mod bulk;
mod cancel;
mod completions;
mod drain;
mod errors;
mod exporter;
mod fail;
mod migrate;
mod preflight;
mod prioritize;
mod reap_stuck;
mod resume;
mod retry_failed;
mod spawn;
mod status;
mod tasks;
mod top;
mod trends;
mod vacuum;
mod wait;
mod worker;
mod workers;

use std::process::ExitCode;

use sqlx::PgPool;

use crate::cli::{
    Cli, Command, GlobalOpts, TasksCommand, WorkerCommand, WorkersArgs, WorkersCommand,
};
use crate::config::{Access, ConnectConfig};
use crate::error::CliError;
use crate::output::Output;
use crate::output::OutputFormat;
use crate::queue;

/// What every command gets: the global options, the printer, and a way to connect.
pub struct Ctx {
    pub global: GlobalOpts,
    pub out: Output,
    /// The command's name, for application_name and the audit table.
    pub command: &'static str,
    /// Which of the roles `migrate` creates this invocation needs.
    pub role: &'static str,
}

impl Ctx {
    /// Connects, then checks that the schema fits this binary: a database
    /// never migrated or behind is refused with "run absurdctl migrate", and
    /// one migrated by a newer absurdctl is never written to.
    pub async fn connect(&self, access: Access, max_connections: u32) -> anyhow::Result<PgPool> {
        let pool = self.connect_unchecked(access, max_connections).await?;
        let mut conn = pool.acquire().await.map_err(|e| self.lost(e.into()))?;
        queue::schema::ensure_usable(&mut conn, access == Access::ReadWrite).await?;
        if access == Access::ReadWrite {
            let missing = queue::schema::missing_privileges(&mut conn, self.role).await?;
            if !missing.is_empty() {
                return Err(anyhow::anyhow!(
                    "{}",
                    refusal(self, &format!("it lacks {}", missing.join(", ")))
                ));
            }
        }
        Ok(pool)
    }

    /// Where and how this invocation connects to the primary (every write
    /// goes there).
    pub fn connect_config(&self) -> anyhow::Result<ConnectConfig> {
        ConnectConfig::resolve(&self.global.connect_settings(), self.command)
    }

    /// Where a session of `access` connects: a read-only command's
    /// read-only session to --read-url (ABSURD_READ_URL) when given, every
    /// other to the primary.
    pub fn config_for(&self, access: Access) -> anyhow::Result<ConnectConfig> {
        if access == Access::ReadOnly && reads_from_replica(self.command) {
            ConnectConfig::resolve_read(&self.global.connect_settings(), self.command)
        } else {
            self.connect_config()
        }
    }

    /// Connects without looking at the schema (for `migrate`). A session
    /// that writes is refused on a hot standby, before anything is done; a
    /// read-only one there says how far the standby lags (on stderr, and
    /// in every JSON object printed).
    pub async fn connect_unchecked(
        &self,
        access: Access,
        max_connections: u32,
    ) -> anyhow::Result<PgPool> {
        let config = self.config_for(access)?;
        self.out
            .debug(format!("connecting to {}", config.describe()));
        let settings = self.global.connect_settings();
        if access == Access::ReadWrite
            && ConnectConfig::resolve_read(&settings, self.command)?.is_read_url()
        {
            self.out.debug(format!(
                "`{}` writes, so it uses the primary, not --read-url",
                self.command
            ));
        }
        let pool = config.pool(access, max_connections).await?;
        let standby = {
            let mut conn = pool.acquire().await.map_err(|e| config.lost(e.into()))?;
            queue::replica::standby_lag(&mut *conn).await?
        };
        match (access, standby) {
            (Access::ReadWrite, Some(_)) => {
                return Err(CliError::usage(format!(
                    "{} (from {}) is a hot standby, which only reads, and `{}` writes: \
                     point --database-url (or ABSURD_DATABASE_URL, DATABASE_URL) at the primary; \
                     --read-url (ABSURD_READ_URL) is where read-only commands may read from a \
                     standby. Nothing was changed",
                    config.describe(),
                    config.source,
                    self.command
                )))
            }
            (Access::ReadOnly, Some(lag)) => {
                self.out.warn(lag.describe(&config.describe()));
                self.out.set_replica(lag);
            }
            _ => {}
        }
        Ok(pool)
    }

    /// `err` naming the server when it is about a connection that could not
    /// be had or went silent (exit 3), else `err` itself.
    pub fn lost(&self, err: anyhow::Error) -> anyhow::Error {
        match self.config_for(Access::ReadOnly) {
            Ok(config) => config.lost(err),
            Err(_) => err,
        }
    }

    /// Refuses `--output prometheus` and `--output csv` for commands that
    /// do not speak them.
    pub fn table_or_json(&self) -> anyhow::Result<()> {
        let (format, by) = match self.out.format {
            OutputFormat::Prometheus => ("prometheus", "status"),
            OutputFormat::Csv => ("csv", "trends"),
            OutputFormat::Table | OutputFormat::Json => return Ok(()),
        };
        Err(CliError::usage(format!(
            "--output {format} is only supported by `{by}`; `{}` prints table or json",
            self.command
        )))
    }
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let out = cli.global.output();
    let command = command_name(&cli.command);
    let role = required_role(&cli.command);
    let ctx = Ctx {
        global: cli.global,
        out,
        command,
        role,
    };
    let result = match cli.command {
        Command::Migrate(args) => migrate::run(&ctx, args).await,
        Command::Bench(args) => bench::run(&ctx, args).await,
        Command::Spawn(args) => spawn::run(&ctx, args).await,
        Command::Tasks(TasksCommand::List(args)) => tasks::list(&ctx, args).await,
        Command::Tasks(TasksCommand::Show(args)) => tasks::show(&ctx, args).await,
        Command::Tasks(TasksCommand::Logs(args)) => tasks::logs(&ctx, args).await,
        Command::Completions(args) => completions::run(args),
        Command::ReapStuck(args) => reap_stuck::run(&ctx, args).await,
        Command::Drain(args) => drain::run(&ctx, args).await,
        Command::Resume(args) => resume::run(&ctx, args).await,
        Command::RetryFailed(args) => retry_failed::run(&ctx, args).await,
        Command::Cancel(args) => cancel::run(&ctx, args).await,
        Command::Fail(args) => fail::run(&ctx, args).await,
        Command::Prioritize(args) => prioritize::run(&ctx, args).await,
        Command::Audit(args) => audit::run(&ctx, args).await,
        Command::Worker(WorkerCommand::Run(args)) => worker::run(&ctx, args).await,
        Command::Workers(args) => workers::run(&ctx, args).await,
        Command::Status(args) => status::run(&ctx, args).await,
        Command::Exporter(args) => exporter::run(&ctx, args).await,
        Command::Top(args) => top::run(&ctx, args).await,
        Command::Errors(args) => errors::run(&ctx, args).await,
        Command::Trends(args) => trends::run(&ctx, args).await,
        Command::Preflight(args) => preflight::run(&ctx, args).await,
        Command::Vacuum(args) => vacuum::run(&ctx, args).await,
        Command::Wait(args) => wait::run(&ctx, args).await,
    };
    result.map_err(|e| explain_refusal(&ctx, ctx.lost(e)))
}

/// Says which of the roles `migrate` creates the command needs and how to
/// grant it, when the role connected as may not do what the command does.
fn refusal(ctx: &Ctx, why: &str) -> String {
    let role = ctx
        .connect_config()
        .map(|c| format!("`{}`", c.options.get_username()))
        .unwrap_or_else(|_| "connected as".into());
    let cmd = ctx.command;
    match ctx.role {
        "migrate" => format!(
            "permission denied: the database role {role} may not do what `migrate` does ({why}): \
             run it as the owner of schema absurd's tables or a superuser, or GRANT that role \
             to {role}"
        ),
        needed => format!(
            "permission denied: the database role {role} may not do what `{cmd}` does ({why}). \
             `{cmd}` needs the role {needed}: GRANT {needed} TO {role} (as a superuser; \
             `absurdctl migrate` creates the role; README, \"Roles\")"
        ),
    }
}

/// Says what to do when the database refused a statement for who we are
/// connected as, rather than leaving the operator with its bare message.
fn explain_refusal(ctx: &Ctx, err: anyhow::Error) -> anyhow::Error {
    match crate::error::sqlstate(&err).as_deref() {
        Some("42501") => err.context(refusal(ctx, "the refused statement changed nothing")),
        Some("25006") => err.context(format!(
            "the server only reads (a hot standby, or default_transaction_read_only is on), \
             so `{}` changed nothing there: run it against the primary",
            ctx.command
        )),
        _ => err,
    }
}

/// The commands whose read-only sessions read from --read-url (a hot
/// standby) when it is given: those that only read. A dry run of a command
/// that writes reads the primary, where its real run would write.
fn reads_from_replica(command: &str) -> bool {
    matches!(
        command,
        "status"
            | "exporter"
            | "top"
            | "tasks list"
            | "tasks show"
            | "tasks logs"
            | "errors"
            | "trends"
            | "workers list"
            | "audit"
            | "wait"
            | "preflight"
    )
}

/// The role of the three `migrate` creates that a command needs: the
/// read-only commands (and the dry runs that read only) absurd_reader's,
/// `worker run` absurd_worker's, every other absurd_operator's.
fn required_role(command: &Command) -> &'static str {
    match command {
        Command::Status(_)
        | Command::Exporter(_)
        | Command::Top(_)
        | Command::Errors(_)
        | Command::Trends(_)
        | Command::Tasks(_)
        | Command::Audit(_)
        | Command::Wait(_)
        | Command::Preflight(_) => "absurd_reader",
        Command::ReapStuck(a) if a.dry_run => "absurd_reader",
        Command::Vacuum(a) if a.dry_run => "absurd_reader",
        Command::Worker(_) => "absurd_worker",
        Command::Workers(WorkersArgs {
            command: None | Some(WorkersCommand::List(_)),
            ..
        }) => "absurd_reader",
        Command::Workers(WorkersArgs {
            command: Some(WorkersCommand::Prune(a)),
            ..
        }) if a.dry_run => "absurd_reader",
        Command::Migrate(_) => "migrate",
        _ => "absurd_operator",
    }
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Migrate(_) => "migrate",
        Command::Bench(_) => "bench",
        Command::Spawn(_) => "spawn",
        Command::Tasks(TasksCommand::List(_)) => "tasks list",
        Command::Tasks(TasksCommand::Show(_)) => "tasks show",
        Command::Tasks(TasksCommand::Logs(_)) => "tasks logs",
        Command::Completions(_) => "completions",
        Command::ReapStuck(_) => "reap-stuck",
        Command::Drain(_) => "drain",
        Command::Resume(_) => "resume",
        Command::RetryFailed(_) => "retry-failed",
        Command::Cancel(_) => "cancel",
        Command::Fail(_) => "fail",
        Command::Prioritize(_) => "prioritize",
        Command::Audit(_) => "audit",
        Command::Worker(WorkerCommand::Run(_)) => "worker run",
        Command::Workers(a) => match &a.command {
            None | Some(WorkersCommand::List(_)) => "workers list",
            Some(WorkersCommand::Prune(_)) => "workers prune",
            Some(WorkersCommand::Stop(_)) => "workers stop",
        },
        Command::Status(_) => "status",
        Command::Exporter(_) => "exporter",
        Command::Top(_) => "top",
        Command::Errors(_) => "errors",
        Command::Trends(_) => "trends",
        Command::Preflight(_) => "preflight",
        Command::Vacuum(_) => "vacuum",
        Command::Wait(_) => "wait",
    }
}
