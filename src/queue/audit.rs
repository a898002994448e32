//! The audit: one row per operator action in absurd.audit_log, who did it
//! and from where, and no change without its record.
//!
//! A command that changes the queue in one transaction writes its row in
//! that transaction ([`record`]). One that changes it in batches (bulk
//! commands, vacuum) runs as a [`Run`]: every batch writes its record in
//! absurd.audit_batches in the batch's own transaction, and the run's row
//! in absurd.audit_log, with the total, follows at the end. Rows are only
//! inserted, never updated: the audit is append-only.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgExecutor;
use uuid::Uuid;

use super::{QueueError, Result};

/// Who acted: the OS user and host of the process, supplied by the caller
/// (facts of the host, not of the queue).
#[derive(Debug, Clone)]
pub struct Operator {
    pub os_user: Option<String>,
    pub host: String,
}

/// An operator action to record.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub operator: Operator,
    pub command: String,
    pub queue_name: Option<String>,
    pub filter: serde_json::Value,
    pub details: serde_json::Value,
    pub affected: i64,
    pub dry_run: bool,
}

/// One row of absurd.audit_log, or a run that never wrote it (killed after
/// some batches): then `audit_id` is None, `unfinished` true, and the rest
/// comes from its batch records.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditRecord {
    pub audit_id: Option<i64>,
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
    /// The run whose batches this row totals (batched commands only).
    pub run_id: Option<Uuid>,
    pub unfinished: bool,
}

/// Writes one audit row. Call it
/// in the transaction of the change it records: if it fails, the change
/// must not commit.
pub async fn record(db: impl PgExecutor<'_>, entry: &AuditEntry) -> Result<i64> {
    insert_row(db, entry, None).await
}

/// [`record`] for a change that named itself to the task history with
/// `run_id` ([`super::history::name_action`]): the row carries the run id
/// that the history's events and attempts point to.
pub async fn record_run(db: impl PgExecutor<'_>, entry: &AuditEntry, run_id: Uuid) -> Result<i64> {
    insert_row(db, entry, Some(run_id)).await
}

async fn insert_row(
    db: impl PgExecutor<'_>,
    entry: &AuditEntry,
    run_id: Option<Uuid>,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO absurd.audit_log
                (os_user, client_host, command, queue_name, filter, details, affected, dry_run, run_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING audit_id",
    )
    .bind(&entry.operator.os_user)
    .bind(&entry.operator.host)
    .bind(&entry.command)
    .bind(&entry.queue_name)
    .bind(&entry.filter)
    .bind(&entry.details)
    .bind(entry.affected)
    .bind(entry.dry_run)
    .bind(run_id)
    .fetch_one(db)
    .await
    .map_err(|e| not_written("absurd.audit_log refused it", e))
}

fn not_written(why: &str, e: sqlx::Error) -> QueueError {
    QueueError::AuditNotWritten {
        why: why.to_string(),
        source: Some(e),
    }
}

/// A command changing the queue in batches, each its own transaction.
#[derive(Debug, Clone)]
pub struct Run {
    pub run_id: Uuid,
    command: String,
    queue_name: Option<String>,
    os_user: Option<String>,
    client_host: String,
}

impl Run {
    /// Starts a run, before anything changes: refuses when this role may not
    /// write the batch records or the run's row, so that a run cannot change
    /// what it could not then record.
    pub async fn start(
        db: impl PgExecutor<'_>,
        operator: Operator,
        command: &str,
        queue_name: Option<&str>,
    ) -> Result<Run> {
        let (role, refused): (String, Vec<String>) = sqlx::query_as(
            "SELECT current_user::text, array_remove(ARRAY[
                    CASE WHEN NOT has_table_privilege('absurd.audit_log', 'INSERT')
                         THEN 'INSERT on absurd.audit_log' END,
                    CASE WHEN NOT has_sequence_privilege('absurd.audit_log_audit_id_seq', 'USAGE')
                         THEN 'USAGE on sequence absurd.audit_log_audit_id_seq' END,
                    CASE WHEN NOT has_table_privilege('absurd.audit_batches', 'INSERT')
                         THEN 'INSERT on absurd.audit_batches' END,
                    CASE WHEN NOT has_sequence_privilege('absurd.audit_batches_batch_id_seq', 'USAGE')
                         THEN 'USAGE on sequence absurd.audit_batches_batch_id_seq' END
                  ], NULL)",
        )
        .fetch_one(db)
        .await?;
        if !refused.is_empty() {
            return Err(QueueError::AuditNotWritten {
                why: format!(
                    "permission denied: the database role `{role}` lacks {}; GRANT it, or \
                     connect as a role that has it",
                    refused.join(", ")
                ),
                source: None,
            });
        }
        Ok(Run {
            run_id: Uuid::new_v4(),
            command: command.to_string(),
            queue_name: queue_name.map(str::to_string),
            os_user: operator.os_user,
            client_host: operator.host,
        })
    }

    /// Records what one batch changed. Call it in the batch's transaction,
    /// before the commit: if it fails, the batch must roll back.
    pub async fn batch(
        &self,
        db: impl PgExecutor<'_>,
        affected: i64,
        details: &serde_json::Value,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO absurd.audit_batches
                    (run_id, os_user, client_host, command, queue_name, affected, details)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(self.run_id)
        .bind(&self.os_user)
        .bind(&self.client_host)
        .bind(&self.command)
        .bind(&self.queue_name)
        .bind(affected)
        .bind(details)
        .execute(db)
        .await
        .map_err(|e| not_written("absurd.audit_batches refused the batch's record", e))?;
        Ok(())
    }

    /// The command, as the audit and the task history name it.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// Writes the run's row in absurd.audit_log, the total of its batches.
    pub async fn finish(&self, db: impl PgExecutor<'_>, entry: &AuditEntry) -> Result<i64> {
        insert_row(db, entry, Some(self.run_id)).await
    }
}

/// The most recent actions, newest first: one line per run, also for runs
/// that stopped before writing their row (their batches are summed).
pub async fn recent(
    db: impl PgExecutor<'_>,
    queue: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditRecord>> {
    Ok(sqlx::query_as(
        "SELECT * FROM (
           SELECT audit_id, at, db_user, os_user, client_host, command, queue_name, filter,
                  details, affected, dry_run, run_id, false AS unfinished
             FROM absurd.audit_log
            WHERE ($1::text IS NULL OR queue_name = $1)
           UNION ALL
           SELECT NULL::bigint, max(b.at), min(b.db_user), min(b.os_user), min(b.client_host),
                  min(b.command), min(b.queue_name), '{}'::jsonb,
                  jsonb_build_object('batches', count(*)), sum(b.affected)::bigint, false,
                  b.run_id, true
             FROM absurd.audit_batches b
            WHERE ($1::text IS NULL OR b.queue_name = $1)
              AND NOT EXISTS (SELECT 1 FROM absurd.audit_log l WHERE l.run_id = b.run_id)
            GROUP BY b.run_id
         ) a
          ORDER BY at DESC, audit_id DESC NULLS FIRST LIMIT $2",
    )
    .bind(queue)
    .bind(limit)
    .fetch_all(db)
    .await?)
}
