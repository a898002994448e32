//! Where to connect and how: the URL / environment chain, session settings,
//! and a connection error that says what was tried without the password.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};

use crate::cli::GlobalOpts;
use crate::error::{register_secret, CliError};

/// Whether a command may write. Read-only sessions run every transaction
/// read-only, so they work for a SELECT-only role and on a hot standby.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    ReadWrite,
}

/// Resolved connection settings.
#[derive(Debug, Clone)]
pub struct ConnectConfig {
    pub options: PgConnectOptions,
    pub connect_timeout: Duration,
    /// Where the URL came from, for the error message.
    pub source: &'static str,
}

impl ConnectConfig {
    /// `--database-url`, else ABSURD_DATABASE_URL, else DATABASE_URL, else libpq's PG* variables.
    pub fn resolve(global: &GlobalOpts, command: &str) -> anyhow::Result<Self> {
        let (url, source) = if let Some(url) = &global.database_url {
            (Some(url.clone()), "--database-url")
        } else if let Some(url) = env_nonempty("ABSURD_DATABASE_URL") {
            (Some(url), "ABSURD_DATABASE_URL")
        } else if let Some(url) = env_nonempty("DATABASE_URL") {
            (Some(url), "DATABASE_URL")
        } else {
            (None, "the PG* environment variables")
        };
        if let Ok(pw) = std::env::var("PGPASSWORD") {
            register_secret(&pw);
        }
        let options = match url {
            Some(url) => {
                if let Some(pw) = password_in_url(&url) {
                    register_secret(&pw);
                }
                PgConnectOptions::from_str(&url).map_err(|e| {
                    CliError::usage(format!("the database URL from {source} is not valid: {e}"))
                })?
            }
            None => PgConnectOptions::new(),
        };
        let options = options
            .application_name(&format!("absurdctl {command}"))
            .options([
                ("lock_timeout", pg_ms(global.lock_timeout)),
                ("statement_timeout", pg_ms(global.statement_timeout)),
            ]);
        Ok(ConnectConfig {
            options,
            connect_timeout: global.connect_timeout,
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
            .acquire_timeout(self.connect_timeout.max(std::time::Duration::from_secs(30)))
            .connect_lazy_with(options);
        Ok(pool)
    }

    /// A pool for a long-running process that handles lost connections
    /// itself: connections open on demand, acquiring one gives up after the
    /// connect timeout, and none is pinged before use (a dead one fails its
    /// statement, which the caller retries).
    pub fn lazy_pool(&self, max: u32) -> PgPool {
        PgPoolOptions::new()
            .max_connections(max.max(1))
            .min_connections(0)
            .acquire_timeout(self.connect_timeout)
            .test_before_acquire(false)
            .connect_lazy_with(self.options.clone())
    }

    fn unreachable(&self, why: &str) -> anyhow::Error {
        CliError::Unreachable(format!(
            "cannot connect to PostgreSQL at {} (from {}): {why}\n  \
             check that the server is running and reachable, that the host, port, user and \
             database are right, and set --database-url or ABSURD_DATABASE_URL if not",
            self.describe(),
            self.source
        ))
        .into()
    }
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The password part of a postgres URL, percent-decoded and raw, so that
/// both spellings are redacted.
fn password_in_url(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    let pw = userinfo.split_once(':')?.1;
    if pw.is_empty() {
        return None;
    }
    let decoded = percent_decode(pw);
    if decoded != pw {
        register_secret(pw);
    }
    Some(decoded)
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
