//! Where to connect and how: the URL / environment chain, session settings,
//! and a connection error that says what was tried without the password.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};

use crate::error::{register_secret, CliError};

/// Whether a command may write. Read-only sessions run every transaction
/// read-only, so they work for a SELECT-only role and on a hot standby.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    ReadWrite,
}

/// Where and how to connect, as the operator gave it (the connection part of
/// the global options, as plain values: this module knows nothing of clap).
#[derive(Debug, Clone)]
pub struct ConnectSettings {
    pub database_url: Option<String>,
    pub database_url_file: Option<std::path::PathBuf>,
    /// `--read-url`: where read-only commands may read (a hot standby).
    pub read_url: Option<String>,
    pub connect_timeout: Duration,
    pub lock_timeout: Duration,
    pub statement_timeout: Duration,
}

/// Resolved connection settings.
#[derive(Debug, Clone)]
pub struct ConnectConfig {
    pub options: PgConnectOptions,
    pub connect_timeout: Duration,
    /// How long a statement may go without the first byte of its answer
    /// before the network is declared silent (None: no limit).
    pub statement_deadline: Option<Duration>,
    /// Where the URL came from, for the error message.
    pub source: String,
}

impl ConnectConfig {
    /// `--database-url`, else `--database-url-file` (ABSURD_DATABASE_URL_FILE),
    /// else ABSURD_DATABASE_URL, else DATABASE_URL, else libpq's PG*
    /// variables. A password missing from the URL comes from libpq's password
    /// file ($PGPASSFILE, else ~/.pgpass), which sqlx reads.
    pub fn resolve(global: &ConnectSettings, command: &str) -> anyhow::Result<Self> {
        let (url, source) = if let Some(url) = &global.database_url {
            (Some(url.clone()), "--database-url".to_string())
        } else if let Some(path) = &global.database_url_file {
            (
                Some(read_url_file(path)?),
                format!("--database-url-file {}", path.display()),
            )
        } else if let Some(url) = env_nonempty("ABSURD_DATABASE_URL") {
            (Some(url), "ABSURD_DATABASE_URL".to_string())
        } else if let Some(url) = env_nonempty("DATABASE_URL") {
            (Some(url), "DATABASE_URL".to_string())
        } else {
            (None, "the PG* environment variables".to_string())
        };
        // A write never goes to the read URL, but its password is never
        // printed either.
        if let Some((url, _)) = read_url(global) {
            register_url_passwords(&url);
        }
        Self::from_url(global, command, url, source)
    }

    /// Where a read-only command reads: `--read-url`, else ABSURD_READ_URL
    /// (a hot standby, say), else the primary as [`ConnectConfig::resolve`]
    /// finds it.
    pub fn resolve_read(global: &ConnectSettings, command: &str) -> anyhow::Result<Self> {
        match read_url(global) {
            Some((url, source)) => Self::from_url(global, command, Some(url), source.to_string()),
            None => Self::resolve(global, command),
        }
    }

    /// Whether this reads from the read URL rather than the primary's.
    pub fn is_read_url(&self) -> bool {
        matches!(self.source.as_str(), "--read-url" | "ABSURD_READ_URL")
    }

    fn from_url(
        global: &ConnectSettings,
        command: &str,
        url: Option<String>,
        source: String,
    ) -> anyhow::Result<Self> {
        if let Ok(pw) = std::env::var("PGPASSWORD") {
            register_secret(&pw);
        }
        let options = match url {
            Some(url) => {
                register_url_passwords(&url);
                PgConnectOptions::from_str(&url).map_err(|e| {
                    CliError::usage(format!("the database URL from {source} is not valid: {e}"))
                })?
            }
            None => PgConnectOptions::new(),
        };
        if let Some(pw) = pgpass::password_for(&options) {
            register_secret(&pw);
        }
        let options = options
            .application_name(&format!("absurdctl {command}"))
            .options([
                ("lock_timeout", pg_ms(global.lock_timeout)),
                ("statement_timeout", pg_ms(global.statement_timeout)),
                // The server drops the session of a client that vanished
                // (and so releases its locks) instead of keeping it for
                // hours on the system's default keepalive.
                ("tcp_keepalives_idle", "30".to_string()),
                ("tcp_keepalives_interval", "10".to_string()),
                ("tcp_keepalives_count", "3".to_string()),
            ]);
        Ok(ConnectConfig {
            options,
            connect_timeout: global.connect_timeout,
            statement_deadline: (!global.statement_timeout.is_zero())
                .then(|| global.statement_timeout + global.connect_timeout),
            source,
        })
    }

    /// host:port and database, for messages; never the password.
    pub fn describe(&self) -> String {
        format!(
            "{}:{} (database {}, user {})",
            self.options.get_host(),
            self.options.get_port(),
            self.options.get_database().unwrap_or("<default>"),
            self.options.get_username()
        )
    }

    /// A pool of at most `max` connections, the first one opened now so that
    /// an unreachable server is reported here, within the connect timeout.
    pub async fn pool(&self, access: Access, max: u32) -> anyhow::Result<PgPool> {
        let mut options = self.options.clone();
        if access == Access::ReadOnly {
            options = options.options([("default_transaction_read_only", "on")]);
        }
        // One direct connection first: a pool would retry a refused
        // connection until its timeout and then report only that it timed out.
        match tokio::time::timeout(self.connect_timeout, options.connect()).await {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
            }
            Ok(Err(e)) => return Err(self.unreachable(&e.to_string())),
            Err(_) => {
                return Err(self.unreachable(&format!(
                    "no answer within {}",
                    humantime::format_duration(self.connect_timeout)
                )))
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(max.max(1))
            .min_connections(0)
            .acquire_timeout(self.connect_timeout)
            .connect_lazy_with(self.guarded(options)?);
        Ok(pool)
    }

    /// A pool for a long-running process that handles lost connections
    /// itself: connections open on demand, acquiring one gives up after the
    /// connect timeout, and none is pinged before use (a dead one fails its
    /// statement, which the caller retries).
    pub fn lazy_pool(&self, max: u32) -> PgPool {
        // Without a loopback port for the relay (it never happens short of
        // a broken host) the worker still runs, bound by statement_timeout.
        let options = self
            .guarded(self.options.clone())
            .unwrap_or_else(|_| self.options.clone());
        PgPoolOptions::new()
            .max_connections(max.max(1))
            .min_connections(0)
            .acquire_timeout(self.connect_timeout)
            .test_before_acquire(false)
            .connect_lazy_with(options)
    }

    /// `options` through the relay that puts a deadline on every statement
    /// and keepalives on every connection (see `deadline`).
    fn guarded(&self, options: PgConnectOptions) -> anyhow::Result<PgConnectOptions> {
        crate::deadline::guard(options, self.statement_deadline)
            .map_err(|e| self.unreachable(&format!("cannot set up the local relay: {e}")))
    }

    fn unreachable(&self, why: &str) -> anyhow::Error {
        CliError::Unreachable(format!(
            "cannot connect to PostgreSQL at {} (from {}): {why}\n  \
             check that the server is running and reachable, that the host, port, user and \
             database are right, and set {} if not{}",
            self.describe(),
            self.source,
            if self.is_read_url() {
                "--read-url or ABSURD_READ_URL"
            } else {
                "--database-url or ABSURD_DATABASE_URL"
            },
            pgpass::ignored_note().unwrap_or_default()
        ))
        .into()
    }

    /// The error for a statement the deadline watchdog gave up on: which
    /// server, and what was waited for how long.
    pub fn silent(&self, silence: &crate::deadline::Silence) -> anyhow::Error {
        CliError::Unreachable(format!(
            "PostgreSQL at {} ({}) stopped answering: no reply to a statement of `{}` for {} \
             (the statement timeout plus the connect timeout), so the network or the server \
             has gone silent; the connection was given up and the server rolls back what the \
             statement had not committed",
            silence.peer,
            self.describe(),
            self.options
                .get_application_name()
                .and_then(|a| a.strip_prefix("absurdctl "))
                .unwrap_or("absurdctl"),
            humantime::format_duration(Duration::from_secs(silence.waited.as_secs().max(1)))
        ))
        .into()
    }

    /// An error from a pool or statement, with the server it concerns (sqlx
    /// says only "pool timed out while waiting for an open connection"), and
    /// exit 3 when the database could not be reached or stopped answering.
    pub fn lost(&self, err: anyhow::Error) -> anyhow::Error {
        let sqlx_errors = || {
            err.chain().filter_map(|c| {
                c.downcast_ref::<sqlx::Error>().or_else(|| {
                    match c.downcast_ref::<crate::queue::QueueError>() {
                        Some(crate::queue::QueueError::Db(e)) => Some(e),
                        _ => None,
                    }
                })
            })
        };
        // A connection the relay gave up ends in an I/O or protocol error;
        // other errors after a silence that was survived are their own.
        let connection_broke =
            sqlx_errors().any(|e| matches!(e, sqlx::Error::Io(_) | sqlx::Error::Protocol(_)));
        if let Some(s) = crate::deadline::silence().filter(|_| connection_broke) {
            return self.silent(&s);
        }
        let timed_out = sqlx_errors().any(|e| matches!(e, sqlx::Error::PoolTimedOut));
        if timed_out {
            return self.unreachable(&format!(
                "no connection could be opened within {}",
                humantime::format_duration(self.connect_timeout)
            ));
        }
        err
    }
}

/// The URL in the first line of `path`, which must not be readable by
/// others: it holds a password.
fn read_url_file(path: &std::path::Path) -> anyhow::Result<String> {
    use std::os::unix::fs::PermissionsExt;
    let what = format!("--database-url-file {}", path.display());
    let meta = std::fs::metadata(path).map_err(|e| CliError::usage(format!("{what}: {e}")))?;
    let mode = meta.permissions().mode();
    if mode & 0o007 != 0 {
        return Err(CliError::usage(format!(
            "{what} may be read by any user (mode {:o}); it holds the database password, so \
             absurdctl refuses it: chmod 600 it (or 640 for a group)",
            mode & 0o777
        )));
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| CliError::usage(format!("{what}: {e}")))?;
    let url = text.lines().next().unwrap_or("").trim().to_string();
    register_url_passwords(&url);
    if url.is_empty() {
        return Err(CliError::usage(format!(
            "{what} is empty; it should hold a postgres:// URL"
        )));
    }
    Ok(url)
}

/// `--read-url`, else ABSURD_READ_URL, with where it came from.
fn read_url(global: &ConnectSettings) -> Option<(String, &'static str)> {
    match &global.read_url {
        Some(url) => Some((url.clone(), "--read-url")),
        None => env_nonempty("ABSURD_READ_URL").map(|u| (u, "ABSURD_READ_URL")),
    }
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Registers every password a postgres URL carries, in the userinfo or as
/// a `password=` query parameter, percent-decoded and raw, so that both
/// spellings are redacted.
fn register_url_passwords(url: &str) {
    let Some((_, rest)) = url.split_once("://") else {
        return;
    };
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority = before_query.split('/').next().unwrap_or("");
    let mut raw = Vec::new();
    if let Some((userinfo, _)) = authority.rsplit_once('@') {
        if let Some((_, pw)) = userinfo.split_once(':') {
            raw.push(pw);
        }
    }
    for pair in query.split('&') {
        if let Some(("password", pw)) = pair.split_once('=') {
            raw.push(pw);
        }
    }
    for pw in raw.into_iter().filter(|p| !p.is_empty()) {
        register_secret(pw);
        register_secret(&percent_decode(pw));
        // A query value may spell a space as '+'.
        register_secret(&percent_decode(&pw.replace('+', " ")));
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A duration as PostgreSQL milliseconds (`0` disables the timeout).
fn pg_ms(d: Duration) -> String {
    format!("{}", d.as_millis())
}

/// libpq's password file, which sqlx reads for a URL without a password.
/// Here only to redact the password it supplies, and to explain why it was
/// not used when sqlx (like libpq) ignores a file others may read.
mod pgpass {
    use std::os::unix::fs::PermissionsExt;
    use std::path::PathBuf;

    use sqlx::postgres::PgConnectOptions;

    /// $PGPASSFILE, else ~/.pgpass (the first that exists).
    fn files() -> Vec<PathBuf> {
        let mut files = Vec::new();
        if let Some(f) = std::env::var_os("PGPASSFILE") {
            files.push(PathBuf::from(f));
        }
        if let Some(home) = std::env::var_os("HOME") {
            files.push(PathBuf::from(home).join(".pgpass"));
        }
        files
    }

    /// The password the file gives for these options (as sqlx would pick it).
    pub fn password_for(options: &PgConnectOptions) -> Option<String> {
        let port = options.get_port().to_string();
        let wanted = [
            options.get_host(),
            port.as_str(),
            options.get_database().unwrap_or(options.get_username()),
            options.get_username(),
        ];
        files().into_iter().find_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            text.lines().find_map(|line| {
                let fields = split_line(line)?;
                let matches = fields[..4]
                    .iter()
                    .zip(wanted)
                    .all(|(f, w)| f == "*" || f == w);
                matches.then(|| fields[4].clone())
            })
        })
    }

    /// `host:port:database:user:password`, with `\:` and `\\` escapes.
    fn split_line(line: &str) -> Option<Vec<String>> {
        if line.starts_with('#') {
            return None;
        }
        let mut fields = vec![String::new()];
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => fields.last_mut()?.push(chars.next()?),
                ':' if fields.len() < 5 => fields.push(String::new()),
                c => fields.last_mut()?.push(c),
            }
        }
        (fields.len() == 5).then_some(fields)
    }

    /// A note for the connection error when a password file exists but is
    /// ignored because group or others may read it.
    pub fn ignored_note() -> Option<String> {
        files().into_iter().find_map(|path| {
            let mode = std::fs::metadata(&path).ok()?.permissions().mode();
            (mode & 0o077 != 0).then(|| {
                format!(
                    "\n  note: the password file {} is ignored because group or others may read \
                     it (mode {:o}): chmod 600 it",
                    path.display(),
                    mode & 0o777
                )
            })
        })
    }
}

/// The pipeline's settings that absurdctl has no use for, read from the
/// environment its units set (README, "Configuration"): a warning for each
/// one set to what absurdctl does not do, so that nobody believes it obeyed.
pub fn ignored_settings() -> Vec<String> {
    ignored_settings_in(|k| std::env::var(k).ok())
}

fn ignored_settings_in(var: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(v) = var("ABSURD_DLQ_ENABLED") {
        match v.trim().to_ascii_lowercase().as_str() {
            // What absurdctl always does.
            "" | "true" | "1" | "yes" | "on" => {}
            "false" | "0" | "no" | "off" => out.push(format!(
                "ABSURD_DLQ_ENABLED={v} is ignored: absurdctl always keeps a task that used all \
                 its attempts as failed (the dead letters `retry-failed` replays); `vacuum \
                 --failed-older-than` deletes them"
            )),
            _ => out.push(format!(
                "ABSURD_DLQ_ENABLED={v} is not true or false, and is ignored: failed tasks are \
                 always kept"
            )),
        }
    }
    out
}

#[cfg(test)]
mod ignored_tests {
    use super::ignored_settings_in;

    #[test]
    fn only_a_dead_letter_queue_turned_off_is_warned_about() {
        let with = |v: &'static str| move |k: &str| (k == "ABSURD_DLQ_ENABLED").then(|| v.into());
        assert!(ignored_settings_in(|_| None).is_empty());
        assert!(ignored_settings_in(with("true")).is_empty());
        assert!(ignored_settings_in(with("1")).is_empty());
        let off = ignored_settings_in(with("false"));
        assert_eq!(off.len(), 1);
        assert!(off[0].contains("always keeps"), "{off:?}");
        assert!(ignored_settings_in(with("maybe"))[0].contains("not true or false"));
    }
}
