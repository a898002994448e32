//! The one place where errors become messages on stderr and exit codes.
//!
//! Exit codes (documented in README.md and the man page):
//! 0 success, 1 the operation failed, 2 bad usage or input (nothing changed),
//! 3 the database could not be reached, 4 the schema needs `absurdctl migrate`
//! (or was migrated by a newer absurdctl), 5 refused (confirmation declined,
//! or no terminal and no `--yes`), 130 interrupted by Ctrl-C.
//! Checks (`status --check`, `preflight`) use the Nagios codes 0-3 instead.

use std::process::ExitCode;
use std::sync::Mutex;

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_UNREACHABLE: u8 = 3;
pub const EXIT_SCHEMA: u8 = 4;
pub const EXIT_REFUSED: u8 = 5;
pub const EXIT_INTERRUPTED: u8 = 130;

/// Errors that carry their own exit code. Anything else is a failure (1).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Unreachable(String),
    #[error("{0}")]
    Schema(String),
    #[error("{0}")]
    Refused(String),
    #[error("interrupted{0}")]
    Interrupted(String),
}

impl CliError {
    pub fn usage(msg: impl Into<String>) -> anyhow::Error {
        CliError::Usage(msg.into()).into()
    }

    fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Unreachable(_) => EXIT_UNREACHABLE,
            CliError::Schema(_) => EXIT_SCHEMA,
            CliError::Refused(_) => EXIT_REFUSED,
            CliError::Interrupted(_) => EXIT_INTERRUPTED,
        }
    }
}

/// Secrets that must never be printed (the database password), registered
/// when the connection options are resolved.
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub fn register_secret(secret: &str) {
    if secret.is_empty() {
        return;
    }
    if let Ok(mut s) = SECRETS.lock() {
        if !s.iter().any(|x| x == secret) {
            s.push(secret.to_string());
        }
    }
}

/// Replaces every registered secret in `text` by `***`.
pub fn redact(text: &str) -> String {
    let mut out = text.to_string();
    if let Ok(secrets) = SECRETS.lock() {
        for s in secrets.iter() {
            out = out.replace(s.as_str(), "***");
        }
    }
    out
}

/// The exit code an error maps to.
pub fn exit_code_of(err: &anyhow::Error) -> u8 {
    if let Some(e) = err.downcast_ref::<CliError>() {
        return e.exit_code();
    }
    if let Some(crate::queue::QueueError::Schema(_)) =
        err.downcast_ref::<crate::queue::QueueError>()
    {
        return EXIT_SCHEMA;
    }
    EXIT_FAILURE
}

/// The SQLSTATE of the database error behind `err`, if a database refused
/// something (e.g. 42501 insufficient_privilege).
pub fn sqlstate(err: &anyhow::Error) -> Option<String> {
    let of = |e: &sqlx::Error| {
        e.as_database_error()
            .and_then(|d| d.code())
            .map(|c| c.into_owned())
    };
    err.chain().find_map(|cause| {
        if let Some(e) = cause.downcast_ref::<sqlx::Error>() {
            return of(e);
        }
        if let Some(crate::queue::QueueError::Db(e)) = cause.downcast_ref() {
            return of(e);
        }
        cause
            .downcast_ref::<sqlx::postgres::PgDatabaseError>()
            .map(|d| d.code().to_string())
    })
}

/// Prints the error chain on stderr (passwords redacted) and returns its exit code.
pub fn report(err: &anyhow::Error) -> ExitCode {
    let mut msg = format!("absurdctl: {err}");
    let mut last = err.to_string();
    for cause in err.chain().skip(1) {
        // sqlx says "error returned from database: X", then X as its cause.
        let text = cause.to_string();
        if !last.ends_with(&text) {
            msg.push_str(&format!("\n  caused by: {text}"));
        }
        last = text;
    }
    eprintln!("{}", redact(&msg));
    ExitCode::from(exit_code_of(err))
}
