//! The audit table: one row per operator action, who did it and from where.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgExecutor;

use super::Result;

/// An operator action to record.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub command: String,
    pub queue_name: Option<String>,
    pub filter: serde_json::Value,
    pub details: serde_json::Value,
    pub affected: i64,
    pub dry_run: bool,
}

/// One row of absurd.audit_log.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditRecord {
    pub audit_id: i64,
    pub at: DateTime<Utc>,
    pub db_user: String,
    pub os_user: Option<String>,
    pub client_host: Option<String>,
    pub command: String,
    pub queue_name: Option<String>,
    pub filter: serde_json::Value,
    pub details: serde_json::Value,
    pub affected: i64,
    pub dry_run: bool,
}

/// Writes one audit row; the OS user and host are this process's.
pub async fn record(db: impl PgExecutor<'_>, entry: &AuditEntry) -> Result<i64> {
    let id = sqlx::query_scalar(
        "INSERT INTO absurd.audit_log (os_user, client_host, command, queue_name, filter, details, affected, dry_run)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING audit_id",
    )
    .bind(os_user())
    .bind(hostname())
    .bind(&entry.command)
    .bind(&entry.queue_name)
    .bind(&entry.filter)
    .bind(&entry.details)
    .bind(entry.affected)
    .bind(entry.dry_run)
    .fetch_one(db)
    .await?;
    Ok(id)
}

/// The most recent audit rows, newest first.
pub async fn recent(
    db: impl PgExecutor<'_>,
    queue: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditRecord>> {
    Ok(sqlx::query_as(
        "SELECT audit_id, at, db_user, os_user, client_host, command, queue_name, filter, details, affected, dry_run
           FROM absurd.audit_log
          WHERE ($1::text IS NULL OR queue_name = $1)
          ORDER BY at DESC, audit_id DESC LIMIT $2",
    )
    .bind(queue)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// The OS user running absurdctl.
pub fn os_user() -> Option<String> {
    std::env::var("SUDO_USER")
        .ok()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .or_else(|| {
            // SAFETY: getuid never fails; getpwuid returns a pointer into static storage or null.
            unsafe {
                let pw = libc::getpwuid(libc::getuid());
                if pw.is_null() {
                    None
                } else {
                    Some(
                        std::ffi::CStr::from_ptr((*pw).pw_name)
                            .to_string_lossy()
                            .into_owned(),
                    )
                }
            }
        })
}

/// This host's name.
pub fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates on success.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "unknown".into();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}
