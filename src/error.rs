//! The one place where errors become messages on stderr and exit codes.
//!
//! Exit codes (documented in README.md and the man page):
//! 0 success, 1 the operation failed, 2 bad usage or input (nothing changed),
//! 3 the database could not be reached or stopped answering, 4 the schema needs `absurdctl migrate`
//! (or was migrated by a newer absurdctl), 5 refused (confirmation declined,
//! or no terminal and no `--yes`), 6 timed out (`wait --timeout`), 130
//! interrupted by Ctrl-C.
//! Checks (`status --check`, `preflight`) use the Nagios codes 0-3 instead.

use std::process::ExitCode;
use std::sync::Mutex;

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_UNREACHABLE: u8 = 3;
pub const EXIT_SCHEMA: u8 = 4;
pub const EXIT_REFUSED: u8 = 5;
pub const EXIT_TIMED_OUT: u8 = 6;
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
    #[error("{0}")]
    TimedOut(String),
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
            CliError::TimedOut(_) => EXIT_TIMED_OUT,
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

/// The shortest piece of a secret redacted at the edge of a text: a shorter
/// overlap is as likely to be ordinary text, and gives away little.
const MIN_EDGE: usize = 3;

/// Replaces by `***` every registered secret in `text`, and any password
/// written in a URL (`scheme://user:PASSWORD@host`) or as `password=VALUE`,
/// registered or not.
pub fn redact(text: &str) -> String {
    redact_secrets(text, false)
}

/// [`redact`] for a piece cut out of a longer text (the tail of a handler's
/// output): also the rest of a secret cut at either edge. Only for such
/// pieces: in a whole text, a word that happens to begin a password (a JSON
/// key `url` beside the password `url-pw-…`) is not a leak.
pub fn redact_cut(text: &str) -> String {
    redact_secrets(text, true)
}

fn redact_secrets(text: &str, cut: bool) -> String {
    let mut out = text.to_string();
    if let Ok(secrets) = SECRETS.lock() {
        let mut secrets: Vec<&String> = secrets.iter().collect();
        // Longest first, so that a secret containing another goes whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for s in &secrets {
            out = out.replace(s.as_str(), "***");
        }
        if cut {
            for s in &secrets {
                out = redact_edges(&out, s);
            }
        }
    }
    redact_url_passwords(&out)
}

/// The longest proper suffix of `secret` that starts `text`, and the longest
/// proper prefix that ends it, each replaced by `***`.
fn redact_edges(text: &str, secret: &str) -> String {
    let mut out = text.to_string();
    let cuts: Vec<usize> = secret.char_indices().map(|(i, _)| i).skip(1).collect();
    if let Some(&i) = cuts
        .iter()
        .find(|&&i| secret.len() - i >= MIN_EDGE && out.starts_with(&secret[i..]))
    {
        out = format!("***{}", &out[secret.len() - i..]);
    }
    if let Some(&i) = cuts
        .iter()
        .rev()
        .find(|&&i| i >= MIN_EDGE && out.ends_with(&secret[..i]))
    {
        out = format!("{}***", &out[..out.len() - i]);
    }
    out
}

/// Passwords in URLs and `password=` settings, whoever wrote them.
fn redact_url_passwords(text: &str) -> String {
    let ends = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_len = tail
            .find(|c: char| ends(c) || matches!(c, '/' | '?' | '#'))
            .unwrap_or(tail.len());
        let authority = &tail[..authority_len];
        match authority.rsplit_once('@') {
            Some((userinfo, host)) if userinfo.contains(':') => {
                let user = userinfo.split_once(':').map_or("", |(u, _)| u);
                out.push_str(&format!("{user}:***@{host}"));
            }
            _ => out.push_str(authority),
        }
        rest = &tail[authority_len..];
    }
    out.push_str(rest);
    let lower = out.to_ascii_lowercase();
    let mut result = String::with_capacity(out.len());
    let mut last = 0;
    let mut from = 0;
    while let Some(at) = lower[from..].find("password=") {
        let value_at = from + at + "password=".len();
        let value_len = out[value_at..]
            .find(|c: char| ends(c) || matches!(c, '&' | ';' | ','))
            .unwrap_or(out.len() - value_at);
        result.push_str(&out[last..value_at]);
        if value_len > 0 {
            result.push_str("***");
        }
        last = value_at + value_len;
        from = last;
    }
    result.push_str(&out[last..]);
    result
}

/// The exit code an error maps to: the one table, for the errors of every
/// layer (the queue layer's that are the user's to fix included).
pub fn exit_code_of(err: &anyhow::Error) -> u8 {
    use crate::queue::QueueError;
    if is_broken_pipe(err) {
        return EXIT_OK;
    }
    if let Some(e) = err.downcast_ref::<CliError>() {
        return e.exit_code();
    }
    match err.downcast_ref::<QueueError>() {
        Some(QueueError::Schema(_)) => EXIT_SCHEMA,
        Some(QueueError::Invalid(_) | QueueError::AmbiguousPrefix { .. }) => EXIT_USAGE,
        _ => EXIT_FAILURE,
    }
}

/// Whoever read our standard output went away (`absurdctl ... | head`):
/// that ends the run quietly with success, as ripgrep does.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
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
/// A closed stdout prints nothing and exits 0.
pub fn report(err: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(err) {
        return ExitCode::from(EXIT_OK);
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::{QueueError, SchemaProblem};

    #[test]
    fn every_layer_s_errors_map_to_their_exit_code_in_one_table() {
        let code = |e: anyhow::Error| exit_code_of(&e);
        assert_eq!(code(CliError::usage("bad")), EXIT_USAGE);
        assert_eq!(code(CliError::Refused("no".into()).into()), EXIT_REFUSED);
        // The queue layer's errors that are the user's to fix, unwrapped or
        // under the context a command adds.
        assert_eq!(code(QueueError::Invalid("x".into()).into()), EXIT_USAGE);
        let ambiguous = QueueError::AmbiguousPrefix {
            prefix: "7f3a".into(),
            candidates: vec![],
        };
        assert_eq!(
            code(anyhow::Error::from(ambiguous).context("show")),
            EXIT_USAGE
        );
        // A task that does not exist is not a usage error: the command was
        // right, the answer is "no such task".
        let missing = QueueError::TaskNotFound(crate::queue::TaskId(uuid::Uuid::nil()));
        assert_eq!(code(missing.into()), EXIT_FAILURE);
        let behind = QueueError::Schema(SchemaProblem::NotMigrated);
        assert_eq!(code(behind.into()), EXIT_SCHEMA);
        assert_eq!(code(anyhow::anyhow!("anything else")), EXIT_FAILURE);
    }

    #[test]
    fn a_closed_stdout_is_success_and_prints_nothing() {
        let pipe = || std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert_eq!(exit_code_of(&pipe().into()), EXIT_OK);
        let wrapped = anyhow::Error::from(pipe()).context("printing the report");
        assert_eq!(exit_code_of(&wrapped), EXIT_OK);
        assert_eq!(report(&wrapped), ExitCode::from(EXIT_OK));
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert_eq!(exit_code_of(&full.into()), EXIT_FAILURE);
    }

    #[test]
    fn a_text_cut_inside_a_registered_password_keeps_none_of_it() {
        register_secret("Edge-Pw-7f3a9c");
        // A tail that begins inside the password, a head that ends inside it.
        assert_eq!(
            redact_cut("w-7f3a9c@db:5432 refused"),
            "***@db:5432 refused"
        );
        assert_eq!(redact_cut("connecting as u:Edge-Pw"), "connecting as u:***");
        assert_eq!(redact_cut("x Edge-Pw-7f3a9c y"), "x *** y");
        assert_eq!(redact("x Edge-Pw-7f3a9c y"), "x *** y");
        // Overlaps shorter than MIN_EDGE are left: they are ordinary text.
        assert_eq!(redact_cut("9c is a hex pair"), "9c is a hex pair");
        // A whole text is not cut: a word that begins the password stays.
        assert_eq!(redact("Edge"), "Edge");
    }

    #[test]
    fn passwords_in_urls_and_settings_are_redacted_unregistered() {
        assert_eq!(
            redact("url postgres://ops:s3cr%40t@db:5432/x?sslmode=require"),
            "url postgres://ops:***@db:5432/x?sslmode=require"
        );
        assert_eq!(
            redact("postgres://ops@db/x?sslmode=disable&password=qWerty9&application_name=a"),
            "postgres://ops@db/x?sslmode=disable&password=***&application_name=a"
        );
        assert_eq!(redact("PGPASSWORD=qWerty9 psql"), "PGPASSWORD=*** psql");
        assert_eq!(redact("postgres://ops@db/x"), "postgres://ops@db/x");
        assert_eq!(
            redact("https://example.org/a:b@c"),
            "https://example.org/a:b@c"
        );
    }
}
