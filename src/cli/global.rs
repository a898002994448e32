//! The options every command accepts, and the plain settings the output
//! and connection layers take from them (they know nothing of clap).

use clap::{Args, ValueEnum};

use crate::config::ConnectSettings;
use crate::output::{Output, OutputFormat};

use super::parse::{parse_pg_timeout, parse_positive_duration, parse_queue_name};

/// The queue when neither --queue nor ABSURD_QUEUE_NAME names one.
pub const DEFAULT_QUEUE: &str = "dsa110-pipeline";

/// Options every command accepts.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Global options")]
pub struct GlobalOpts {
    /// PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd
    /// [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the
    /// libpq PG* variables]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Read the connection URL from this file (its first line), so that no
    /// password is on a command line where `ps` shows it; the file must not
    /// be readable by others (chmod 600). A password may also come from
    /// libpq's password file ($PGPASSFILE, else ~/.pgpass). --database-url
    /// wins over it
    #[arg(
        long,
        global = true,
        env = "ABSURD_DATABASE_URL_FILE",
        value_name = "PATH"
    )]
    pub database_url_file: Option<std::path::PathBuf>,

    /// Where the read-only commands (status, exporter, top's figures, tasks,
    /// errors, trends, workers list, audit, wait, preflight) read: a hot
    /// standby, say; they report how far it lags. Commands that write always
    /// use --database-url (the primary) [default: $ABSURD_READ_URL, else the
    /// primary's URL]
    #[arg(long, global = true, value_name = "URL")]
    pub read_url: Option<String>,

    /// Queue to operate on
    #[arg(
        long,
        global = true,
        env = "ABSURD_QUEUE_NAME",
        default_value = DEFAULT_QUEUE,
        value_name = "NAME",
        value_parser = parse_queue_name,
        add = clap_complete::engine::ArgValueCandidates::new(crate::complete::queues)
    )]
    pub queue: String,

    /// Output format: a table for people, JSON for scripts (stable, documented
    /// in README.md); prometheus is accepted by `status` only
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = OutputArg::Table)]
    pub output: OutputArg,

    /// Answer yes to every confirmation (needed to change anything without a terminal)
    #[arg(long, short = 'y', global = true)]
    pub yes: bool,

    /// No colour in the output (also when NO_COLOR is set or stdout is not a terminal)
    #[arg(long, global = true)]
    pub no_color: bool,

    /// Print only errors and what was asked for; silent when nothing happened
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more about what is being done (repeat for more)
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Give up connecting, or waiting for a free connection, after this long
    /// (e.g. 5s, 500ms; more than zero). A statement whose answer has not
    /// begun after --statement-timeout plus this long is given up too (exit 3)
    #[arg(long, global = true, default_value = "5s", value_parser = parse_positive_duration, value_name = "DURATION")]
    pub connect_timeout: std::time::Duration,

    /// Longest wait for a table or row lock before a statement gives up, so
    /// that an operator command never queues the workers behind it (0: wait
    /// for ever; at most 24 days)
    #[arg(long, global = true, default_value = "5s", value_parser = parse_pg_timeout, value_name = "DURATION")]
    pub lock_timeout: std::time::Duration,

    /// Longest a single statement may run (0: no limit; at most 24 days)
    #[arg(long, global = true, default_value = "60s", value_parser = parse_pg_timeout, value_name = "DURATION")]
    pub statement_timeout: std::time::Duration,
}

/// `--output`, as clap takes it; the rendering has its own
/// [`OutputFormat`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputArg {
    Table,
    Json,
    Prometheus,
    Csv,
}

impl From<OutputArg> for OutputFormat {
    fn from(a: OutputArg) -> Self {
        match a {
            OutputArg::Table => OutputFormat::Table,
            OutputArg::Json => OutputFormat::Json,
            OutputArg::Prometheus => OutputFormat::Prometheus,
            OutputArg::Csv => OutputFormat::Csv,
        }
    }
}

impl GlobalOpts {
    /// The connection part, as the plain settings `config` takes.
    pub fn connect_settings(&self) -> ConnectSettings {
        ConnectSettings {
            database_url: self.database_url.clone(),
            database_url_file: self.database_url_file.clone(),
            read_url: self.read_url.clone(),
            connect_timeout: self.connect_timeout,
            lock_timeout: self.lock_timeout,
            statement_timeout: self.statement_timeout,
        }
    }

    /// The printer these options ask for.
    pub fn output(&self) -> Output {
        Output::new(self.output.into(), self.no_color, self.quiet, self.verbose)
    }
}
