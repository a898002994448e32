//! The operator's side of the workers (`absurdctl workers`): every worker
//! that served a queue recently, absurdctl's (registered in
//! absurd.worker_registry) and legacy Python ones (seen only through their
//! polls in absurd.legacy_pollers and the tasks they hold), with a state
//! each; the stop request an operator sends one of absurdctl's workers; and
//! the pruning of old registrations.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgExecutor;

use super::{Result, TaskId};

/// The heartbeat interval of a registered worker that did not record its
/// own (started before it was recorded): `worker run`'s default.
pub const DEFAULT_INTERVAL_SEC: f64 = 10.0;
/// A legacy worker polls every second and heartbeats every 30 s: silent
/// after 90 s (three heartbeats missed)...
pub const LEGACY_SILENT_SEC: f64 = 90.0;
/// ...and dead after the reaper's heartbeat timeout.
pub const LEGACY_DEAD_SEC: f64 = super::DEFAULT_HEARTBEAT_TIMEOUT.as_secs() as f64;
/// Without --all, workers last seen longer ago than this are left out.
pub const RECENT: Duration = Duration::from_secs(3600);

/// What a worker is doing, as far as the database can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkerState {
    /// Seen recently, running tasks.
    Live,
    /// Seen recently, running nothing.
    Idle,
    /// Claiming nothing more, finishing what it runs (SIGTERM or a stop request).
    Draining,
    /// Not seen for 1.5 of its heartbeat intervals (legacy: 90 s).
    Silent,
    /// Not seen for 3 intervals, or its id lock is free (its process is
    /// gone), or marked dead by `reap` (legacy: silent for 15 minutes).
    Dead,
    /// Exited cleanly.
    Stopped,
}

impl WorkerState {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerState::Live => "live",
            WorkerState::Idle => "idle",
            WorkerState::Draining => "draining",
            WorkerState::Silent => "silent",
            WorkerState::Dead => "dead",
            WorkerState::Stopped => "stopped",
        }
    }
}

/// The facts a state is judged from.
#[derive(Debug, Clone, Copy)]
pub struct Seen<'a> {
    pub registered: bool,
    /// The registry's status (running, draining, stopped, dead).
    pub registry_status: Option<&'a str>,
    pub stopped: bool,
    /// Whether a session holds its id lock (registered workers; None on a
    /// hot standby, whose pg_locks does not show the primary's sessions).
    pub id_lock_held: Option<bool>,
    pub silent_for_sec: f64,
    pub heartbeat_interval_sec: Option<f64>,
    pub running: i64,
}

/// The one place a worker's state is decided.
pub fn judge(s: Seen<'_>) -> WorkerState {
    let busy = if s.running > 0 {
        WorkerState::Live
    } else {
        WorkerState::Idle
    };
    if !s.registered {
        return if s.silent_for_sec >= LEGACY_DEAD_SEC {
            WorkerState::Dead
        } else if s.silent_for_sec >= LEGACY_SILENT_SEC {
            WorkerState::Silent
        } else {
            busy
        };
    }
    let interval = s.heartbeat_interval_sec.unwrap_or(DEFAULT_INTERVAL_SEC);
    if s.stopped || s.registry_status == Some("stopped") {
        WorkerState::Stopped
    } else if s.registry_status == Some("dead")
        || s.id_lock_held == Some(false)
        || s.silent_for_sec >= 3.0 * interval
    {
        WorkerState::Dead
    } else if s.silent_for_sec >= 1.5 * interval {
        WorkerState::Silent
    } else if s.registry_status == Some("draining") {
        WorkerState::Draining
    } else {
        busy
    }
}

/// A task a worker holds now.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CurrentTask {
    #[serde(skip)]
    pub worker_id: String,
    pub task_id: TaskId,
    pub task_name: String,
    pub attempt: i32,
    pub claimed_at: Option<DateTime<Utc>>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    /// Seconds since its claim.
    pub run_time_sec: f64,
    /// From its running attempt's history (absurdctl's worker).
    #[sqlx(default)]
    pub progress: Option<f64>,
    #[sqlx(default)]
    pub progress_message: Option<String>,
    #[sqlx(default)]
    pub eta_sec: Option<f64>,
}

/// One worker, as `absurdctl workers` shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct WorkerRow {
    pub worker_id: String,
    /// `absurdctl` (registered) or `legacy` (the Python worker, seen
    /// through its polls and claims).
    pub kind: String,
    pub queue_name: String,
    pub hostname: Option<String>,
    pub pid: Option<i32>,
    pub version: Option<String>,
    #[sqlx(skip)]
    pub state: Option<WorkerState>,
    /// The registry's status column (absurdctl's workers).
    pub registry_status: Option<String>,
    /// When it started (legacy: first seen polling).
    pub started_at: Option<DateTime<Utc>>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub silent_for_sec: f64,
    pub stopped_at: Option<DateTime<Utc>>,
    pub concurrency: Option<i32>,
    pub task_names: Option<Vec<String>>,
    pub heartbeat_interval_sec: Option<f64>,
    /// Whether a session holds its id lock (null for legacy workers, and
    /// on a hot standby, where only the heartbeat interval decides).
    pub id_lock_held: Option<bool>,
    pub stop_requested_at: Option<DateTime<Utc>>,
    pub stop_requested_by: Option<String>,
    pub stop_now: Option<bool>,
    /// Tasks it holds claimed now.
    pub running: i64,
    #[sqlx(skip)]
    pub tasks: Vec<CurrentTask>,
}

/// The advisory locks of worker ids held in this database (key as in
/// `workers::hold_worker_id`).
const HELD_IDS: &str = "SELECT (l.classid::bigint << 32) | l.objid::bigint AS key
                          FROM pg_locks l
                         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                           AND l.database = (SELECT oid FROM pg_database
                                              WHERE datname = current_database())";

/// Every worker of `queue` seen within `recent` (None: ever), registered
/// ones first, each with its state and its current tasks.
pub async fn list(
    db: &mut sqlx::PgConnection,
    queue: &str,
    recent: Option<Duration>,
) -> Result<Vec<WorkerRow>> {
    let sql = format!(
        "WITH held AS ({HELD_IDS}),
         claims AS (
           SELECT worker_id, count(*) AS running,
                  max(coalesce(heartbeat_at, claimed_at)) AS last_heartbeat_at
             FROM absurd.tasks
            WHERE queue_name = $1 AND status = 'claimed' AND worker_id IS NOT NULL
            GROUP BY worker_id),
         reg AS (
           SELECT r.worker_id, 'absurdctl'::text AS kind, r.queue_name, r.hostname, r.pid,
                  r.version, r.status AS registry_status, r.started_at, r.last_seen_at,
                  r.stopped_at, r.concurrency, r.task_names, r.heartbeat_interval_sec,
                  CASE WHEN NOT pg_is_in_recovery() THEN
                    EXISTS (SELECT 1 FROM held
                             WHERE held.key = hashtextextended('absurdctl worker id ' || r.worker_id, 0))
                  END AS id_lock_held,
                  r.stop_requested_at, r.stop_requested_by, r.stop_now,
                  coalesce(c.running, 0) AS running
             FROM absurd.worker_registry r
             LEFT JOIN claims c ON c.worker_id = r.worker_id
            WHERE r.queue_name = $1),
         legacy AS (
           SELECT coalesce(p.worker_id, c.worker_id) AS worker_id, 'legacy'::text AS kind,
                  $1::text AS queue_name,
                  coalesce(p.hostname, CASE WHEN c.worker_id ~ '^.+-[0-9a-f]{{8}}$'
                                            THEN left(c.worker_id, length(c.worker_id) - 9) END)
                    AS hostname,
                  NULL::int AS pid, NULL::text AS version, NULL::text AS registry_status,
                  p.first_seen_at AS started_at,
                  greatest(p.last_seen_at, c.last_heartbeat_at) AS last_seen_at,
                  NULL::timestamptz AS stopped_at, 1 AS concurrency, NULL::text[] AS task_names,
                  NULL::float8 AS heartbeat_interval_sec, NULL::bool AS id_lock_held,
                  NULL::timestamptz AS stop_requested_at, NULL::text AS stop_requested_by,
                  NULL::bool AS stop_now, coalesce(c.running, 0) AS running
             FROM (SELECT * FROM absurd.legacy_pollers WHERE queue_name = $1) p
             FULL JOIN claims c ON c.worker_id = p.worker_id
            WHERE NOT EXISTS (SELECT 1 FROM absurd.worker_registry w
                               WHERE w.worker_id = coalesce(p.worker_id, c.worker_id)))
         SELECT w.*, coalesce(extract(epoch FROM now() - w.last_seen_at)::float8, 0) AS silent_for_sec
           FROM (SELECT * FROM reg UNION ALL SELECT * FROM legacy) w
          WHERE $2::float8 IS NULL OR w.last_seen_at >= now() - make_interval(secs => $2)
             OR w.running > 0 OR (w.kind = 'absurdctl' AND w.stopped_at IS NULL
                                  AND w.registry_status IN ('running', 'draining')
                                  AND w.id_lock_held)
          ORDER BY w.kind, w.hostname NULLS LAST, w.worker_id"
    );
    let mut rows: Vec<WorkerRow> = sqlx::query_as(&sql)
        .bind(queue)
        .bind(recent.map(|d| d.as_secs_f64()))
        .fetch_all(&mut *db)
        .await?;
    for r in &mut rows {
        r.state = Some(judge(Seen {
            registered: r.kind == "absurdctl",
            registry_status: r.registry_status.as_deref(),
            stopped: r.stopped_at.is_some(),
            id_lock_held: r.id_lock_held,
            silent_for_sec: r.silent_for_sec,
            heartbeat_interval_sec: r.heartbeat_interval_sec,
            running: r.running,
        }));
    }
    let ids: Vec<String> = rows
        .iter()
        .filter(|r| r.running > 0)
        .map(|r| r.worker_id.clone())
        .collect();
    if ids.is_empty() {
        return Ok(rows);
    }
    let mut tasks: Vec<CurrentTask> = sqlx::query_as(
        "SELECT worker_id, task_id, task_name, attempt, claimed_at, heartbeat_at,
                coalesce(extract(epoch FROM now() - claimed_at)::float8, 0) AS run_time_sec
           FROM absurd.tasks
          WHERE queue_name = $1 AND status = 'claimed' AND worker_id = ANY ($2)
          ORDER BY claimed_at",
    )
    .bind(queue)
    .bind(&ids)
    .fetch_all(&mut *db)
    .await?;
    let task_ids: Vec<TaskId> = tasks.iter().map(|t| t.task_id).collect();
    let attempts = super::history::running_attempts(&mut *db, &task_ids).await?;
    for t in &mut tasks {
        if let Some((_, a)) = attempts.iter().find(|(id, _)| *id == t.task_id) {
            t.progress = a.progress;
            t.progress_message = a.progress_message.clone();
            t.eta_sec = a.eta_sec;
        }
    }
    for r in &mut rows {
        r.tasks = tasks
            .iter()
            .filter(|t| t.worker_id == r.worker_id)
            .cloned()
            .collect();
    }
    Ok(rows)
}

/// One registered worker, by id, in any queue, with its state; None when
/// the registry has no such id.
pub async fn registered(db: &mut sqlx::PgConnection, worker_id: &str) -> Result<Option<WorkerRow>> {
    let queue: Option<String> =
        sqlx::query_scalar("SELECT queue_name FROM absurd.worker_registry WHERE worker_id = $1")
            .bind(worker_id)
            .fetch_optional(&mut *db)
            .await?;
    let Some(queue) = queue else {
        return Ok(None);
    };
    Ok(list(db, &queue, None)
        .await?
        .into_iter()
        .find(|w| w.kind == "absurdctl" && w.worker_id == worker_id))
}

/// Writes a stop request for `worker_id` (unless it stopped meanwhile):
/// when it was written.
pub async fn request_stop(
    db: impl PgExecutor<'_>,
    worker_id: &str,
    by: &str,
    now: bool,
) -> Result<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar(
        "UPDATE absurd.worker_registry
            SET stop_requested_at = now(), stop_requested_by = $2, stop_now = stop_now OR $3
          WHERE worker_id = $1 AND stopped_at IS NULL AND status IN ('running', 'draining')
         RETURNING stop_requested_at",
    )
    .bind(worker_id)
    .bind(by)
    .bind(now)
    .fetch_optional(db)
    .await?)
}

/// What `workers prune` removes, or would.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Pruned {
    /// Registrations of absurdctl's workers stopped or dead for longer
    /// than the limit.
    pub registrations: Vec<String>,
    /// Legacy pollers unseen for longer than the limit.
    pub legacy_pollers: Vec<String>,
}

/// Registrations stopped, or dead (not seen and their id lock free), for
/// longer than `older_than`, and legacy pollers unseen that long, of
/// `queue` (None: every queue): listed, and deleted unless `dry_run`. Rows
/// another session holds locked are left.
pub async fn prune(
    db: &mut sqlx::PgConnection,
    queue: Option<&str>,
    older_than: Duration,
    dry_run: bool,
) -> Result<Pruned> {
    let secs = older_than.as_secs_f64();
    let registrations = format!(
        "WITH held AS ({HELD_IDS})
         SELECT r.worker_id FROM absurd.worker_registry r
          WHERE coalesce(r.stopped_at, r.last_seen_at) < now() - make_interval(secs => $1)
            AND r.last_seen_at < now() - make_interval(secs => $1)
            AND ($2::text IS NULL OR r.queue_name = $2)
            AND NOT EXISTS (SELECT 1 FROM held
                             WHERE held.key = hashtextextended('absurdctl worker id ' || r.worker_id, 0))
          ORDER BY r.worker_id
            FOR UPDATE OF r SKIP LOCKED"
    );
    let sql = if dry_run {
        registrations.replace("FOR UPDATE OF r SKIP LOCKED", "")
    } else {
        registrations
    };
    let registrations: Vec<String> = sqlx::query_scalar(&sql)
        .bind(secs)
        .bind(queue)
        .fetch_all(&mut *db)
        .await?;
    let pollers = "SELECT worker_id FROM absurd.legacy_pollers
                    WHERE last_seen_at < now() - make_interval(secs => $1)
                      AND ($2::text IS NULL OR queue_name = $2)
                    ORDER BY worker_id";
    let legacy_pollers: Vec<String> = if dry_run {
        sqlx::query_scalar(pollers)
            .bind(secs)
            .bind(queue)
            .fetch_all(&mut *db)
            .await?
    } else {
        sqlx::query_scalar(
            "DELETE FROM absurd.legacy_pollers
              WHERE last_seen_at < now() - make_interval(secs => $1)
                AND ($2::text IS NULL OR queue_name = $2)
             RETURNING worker_id",
        )
        .bind(secs)
        .bind(queue)
        .fetch_all(&mut *db)
        .await?
    };
    if !dry_run && !registrations.is_empty() {
        sqlx::query("DELETE FROM absurd.worker_registry WHERE worker_id = ANY ($1)")
            .bind(&registrations)
            .execute(&mut *db)
            .await?;
    }
    Ok(Pruned {
        registrations,
        legacy_pollers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(silent: f64, lock: bool, status: &str, running: i64) -> WorkerState {
        judge(Seen {
            registered: true,
            registry_status: Some(status),
            stopped: status == "stopped",
            id_lock_held: Some(lock),
            silent_for_sec: silent,
            heartbeat_interval_sec: Some(1.0),
            running,
        })
    }

    #[test]
    fn registered_workers_are_judged_by_their_own_interval_and_lock() {
        assert_eq!(seen(0.5, true, "running", 1), WorkerState::Live);
        assert_eq!(seen(0.5, true, "running", 0), WorkerState::Idle);
        assert_eq!(seen(0.5, true, "draining", 1), WorkerState::Draining);
        assert_eq!(seen(2.0, true, "running", 1), WorkerState::Silent);
        assert_eq!(seen(3.0, true, "running", 1), WorkerState::Dead);
        assert_eq!(seen(0.1, false, "running", 0), WorkerState::Dead);
        assert_eq!(seen(0.1, true, "dead", 0), WorkerState::Dead);
        assert_eq!(seen(99.0, false, "stopped", 0), WorkerState::Stopped);
        let standby = |silent| {
            judge(Seen {
                registered: true,
                registry_status: Some("running"),
                stopped: false,
                id_lock_held: None,
                silent_for_sec: silent,
                heartbeat_interval_sec: Some(1.0),
                running: 0,
            })
        };
        assert_eq!(
            standby(0.5),
            WorkerState::Idle,
            "a standby cannot see the lock"
        );
        assert_eq!(standby(3.5), WorkerState::Dead);
    }

    #[test]
    fn legacy_workers_are_judged_by_the_legacy_timeouts() {
        let legacy = |silent, running| {
            judge(Seen {
                registered: false,
                registry_status: None,
                stopped: false,
                id_lock_held: None,
                silent_for_sec: silent,
                heartbeat_interval_sec: None,
                running,
            })
        };
        assert_eq!(legacy(5.0, 1), WorkerState::Live);
        assert_eq!(legacy(5.0, 0), WorkerState::Idle);
        assert_eq!(legacy(120.0, 1), WorkerState::Silent);
        assert_eq!(legacy(900.0, 1), WorkerState::Dead);
    }
}
