//! `TaskFilter`: the one selection of tasks that every listing and bulk
//! command shares, so a flag means the same thing everywhere.

use serde::Serialize;
use sqlx::{Postgres, QueryBuilder};
use std::time::Duration;

use super::types::SHOWN_STATUS;
use super::{TaskId, TaskStatus};

/// Which tasks a command acts on. Empty lists mean "any".
#[derive(Debug, Clone, Default, Serialize)]
pub struct TaskFilter {
    /// One queue, or every queue when `None`.
    pub queue: Option<String>,
    pub statuses: Vec<TaskStatus>,
    pub task_names: Vec<String>,
    pub ids: Vec<TaskId>,
    /// Created longer ago than this.
    #[serde(serialize_with = "ser_opt_duration")]
    pub older_than: Option<Duration>,
    /// Created within this.
    #[serde(serialize_with = "ser_opt_duration")]
    pub newer_than: Option<Duration>,
    /// Its latest change within this: failed, completed or cancelled then,
    /// or (unfinished) created then; `errors --since` counts failures so.
    #[serde(serialize_with = "ser_opt_duration")]
    pub since: Option<Duration>,
    /// The error, folded as `errors` folds it, is this pattern.
    pub error_pattern: Option<String>,
    /// The tasks whose error has that pattern, once read
    /// ([`TaskFilter::resolve_pattern`]); until then the filter selects nothing.
    #[serde(skip)]
    pub pattern_ids: Option<Vec<TaskId>>,
    /// The error contains this text (case-insensitive, taken literally).
    pub error_like: Option<String>,
    pub attempts_at_least: Option<i32>,
    /// Claimed fewer than this many times (the runbooks' "retry count < N").
    pub attempts_below: Option<i32>,
    /// An attempt failed (failed, timed out, reaped, lost) on this host or
    /// worker id (from the task history).
    pub failed_on: Option<String>,
    pub limit: Option<i64>,
    /// `--id` prefixes not yet resolved to their task ([`TaskFilter::resolve_prefixes`]);
    /// a filter with any left selects nothing.
    #[serde(skip)]
    pub id_prefixes: Vec<super::TaskRef>,
}

fn ser_opt_duration<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&crate::units::format_duration(*d)),
        None => s.serialize_none(),
    }
}

impl TaskFilter {
    /// Whether anything narrows the selection beyond the queue (a limit
    /// only caps it).
    pub fn has_condition(&self) -> bool {
        !self.statuses.is_empty()
            || !self.task_names.is_empty()
            || !self.ids.is_empty()
            || self.older_than.is_some()
            || self.newer_than.is_some()
            || self.since.is_some()
            || self.error_like.is_some()
            || self.error_pattern.is_some()
            || self.attempts_at_least.is_some()
            || self.attempts_below.is_some()
            || self.failed_on.is_some()
            || !self.id_prefixes.is_empty()
    }

    /// Resolves the `--id` prefixes to the one task each names (an error
    /// when none or several do), adding them to `ids`.
    pub async fn resolve_prefixes(&mut self, db: &mut sqlx::PgConnection) -> super::Result<()> {
        for r in std::mem::take(&mut self.id_prefixes) {
            let id = super::tasks::resolve(&mut *db, &r).await?;
            if !self.ids.contains(&id) {
                self.ids.push(id);
            }
        }
        self.ids.sort();
        Ok(())
    }

    /// Reads which tasks of the rest of the filter have an error that
    /// folds to `error_pattern`: only those are then selected.
    pub async fn resolve_pattern(&mut self, db: &mut sqlx::PgConnection) -> super::Result<()> {
        let Some(pattern) = self.error_pattern.clone() else {
            return Ok(());
        };
        let rest = TaskFilter {
            error_pattern: None,
            limit: None,
            ..self.clone()
        };
        let mut qb: QueryBuilder<Postgres> =
            QueryBuilder::new("SELECT task_id, left(error, 4096) FROM absurd.tasks");
        rest.push_where(&mut qb);
        qb.push(" AND error IS NOT NULL");
        let rows: Vec<(TaskId, String)> = qb.build_query_as().fetch_all(&mut *db).await?;
        self.pattern_ids = Some(
            rows.into_iter()
                .filter(|(_, e)| super::errors::normalize(e) == pattern)
                .map(|(id, _)| id)
                .collect(),
        );
        Ok(())
    }

    /// Appends ` WHERE ...` (always at least `true`) for this filter to `qb`,
    /// with every value bound, never spliced into the SQL text.
    pub(crate) fn push_where(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        qb.push(" WHERE true");
        if let Some(q) = &self.queue {
            qb.push(" AND queue_name = ").push_bind(q.clone());
        }
        if !self.statuses.is_empty() {
            // The stored statuses first, which indexes can serve; then, when
            // pending and retrying (both stored `pending`) must be told apart,
            // the shown status.
            let mut stored: Vec<String> = Vec::new();
            for s in &self.statuses {
                for st in s.stored_as() {
                    if !stored.iter().any(|x| x == st) {
                        stored.push(st.to_string());
                    }
                }
            }
            qb.push(" AND status = ANY(").push_bind(stored).push(")");
            let pending = self.statuses.contains(&TaskStatus::Pending);
            let retrying = self.statuses.contains(&TaskStatus::Retrying);
            if pending != retrying {
                let shown: Vec<String> = self
                    .statuses
                    .iter()
                    .map(|s| s.as_str().to_string())
                    .collect();
                qb.push(" AND ")
                    .push(SHOWN_STATUS)
                    .push(" = ANY(")
                    .push_bind(shown)
                    .push(")");
            }
        }
        if !self.task_names.is_empty() {
            qb.push(" AND task_name = ANY(")
                .push_bind(self.task_names.clone())
                .push(")");
        }
        if !self.id_prefixes.is_empty() {
            // Unresolved: they name no task yet.
            qb.push(" AND false");
        }
        if !self.ids.is_empty() {
            let ids: Vec<uuid::Uuid> = self.ids.iter().map(|i| i.0).collect();
            qb.push(" AND task_id = ANY(").push_bind(ids).push(")");
        }
        if let Some(d) = self.older_than {
            qb.push(" AND created_at < now() - make_interval(secs => ")
                .push_bind(d.as_secs_f64())
                .push(")");
        }
        if let Some(d) = self.newer_than {
            qb.push(" AND created_at >= now() - make_interval(secs => ")
                .push_bind(d.as_secs_f64())
                .push(")");
        }
        if let Some(d) = self.since {
            qb.push(" AND coalesce(completed_at, created_at) >= now() - make_interval(secs => ")
                .push_bind(d.as_secs_f64())
                .push(")");
        }
        if self.error_pattern.is_some() {
            match &self.pattern_ids {
                Some(ids) => {
                    let ids: Vec<uuid::Uuid> = ids.iter().map(|i| i.0).collect();
                    qb.push(" AND task_id = ANY(").push_bind(ids).push(")");
                }
                None => {
                    qb.push(" AND false");
                }
            }
        }
        if let Some(pattern) = &self.error_like {
            qb.push(" AND error ILIKE ")
                .push_bind(format!("%{}%", escape_like(pattern)));
        }
        if let Some(n) = self.attempts_at_least {
            qb.push(" AND attempt >= ").push_bind(n);
        }
        if let Some(n) = self.attempts_below {
            qb.push(" AND attempt < ").push_bind(n);
        }
        if let Some(w) = &self.failed_on {
            qb.push(
                " AND task_id IN (SELECT a.task_id FROM absurd.task_attempts a \
                  WHERE a.outcome IN ('failed', 'timed_out', 'reaped', 'lost') AND (a.hostname = ",
            )
            .push_bind(w.clone())
            .push(" OR a.worker_id = ")
            .push_bind(w.clone())
            .push("))");
        }
    }
}

/// Makes `%`, `_` and `\` match themselves in a LIKE pattern.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_metacharacters_are_literal() {
        assert_eq!(escape_like("100%_done\\"), "100\\%\\_done\\\\");
    }

    #[test]
    fn empty_filter_selects_everything() {
        let mut qb = QueryBuilder::new("SELECT 1 FROM absurd.tasks");
        TaskFilter::default().push_where(&mut qb);
        assert_eq!(qb.sql(), "SELECT 1 FROM absurd.tasks WHERE true");
    }
}
