//! Reaping: finding claimed tasks whose worker died or hung, and giving them
//! back to the queue, fenced so that a live worker always wins.
//!
//! The rule of what is stuck (`absurd.stuck_reason`, `absurd.stuck_tasks`)
//! and the fenced transition (`absurd.reap_task`) live in the schema
//! (migrations 0600 and 1200); this module only calls them.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgExecutor};

use super::{Result, TaskId, TaskStatus};

/// Which claimed tasks count as stuck.
#[derive(Debug, Clone, Copy)]
pub enum ReapRule {
    /// Silent for longer than `heartbeat_timeout`. A task running longer
    /// than its own `timeout_sec` plus `timeout_grace` while its worker
    /// heartbeats has overrun: found too, but reaped only with `reap_overrun`
    /// (the legacy Python worker never enforces timeout_sec, so a live
    /// worker's work would be thrown away and run again).
    Stuck {
        heartbeat_timeout: Duration,
        timeout_grace: Duration,
        reap_overrun: bool,
    },
    /// Claimed longer ago than this, whatever the heartbeat.
    ClaimedLongerThan(Duration),
}

/// Why a task was found stuck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StuckReason {
    /// No heartbeat for too long (since the later of its claim and the
    /// moment heartbeats began to be recorded, when it never sent one), and
    /// no sign of life from its worker in the registry either (a task whose
    /// row another session holds locked cannot be heartbeated, though its
    /// worker is alive: `absurd.worker_alive`).
    Heartbeat,
    /// Ran past its own timeout plus the grace, its worker still heartbeating.
    Timeout,
    /// Claimed longer ago than `--older-than`.
    ClaimAge,
}

impl TryFrom<String> for StuckReason {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        match s.as_str() {
            "heartbeat" => Ok(StuckReason::Heartbeat),
            "timeout" => Ok(StuckReason::Timeout),
            "claim_age" => Ok(StuckReason::ClaimAge),
            _ => Err(format!("unknown stuck reason `{s}`")),
        }
    }
}

super::types::decode_from_text!(StuckReason);

impl std::fmt::Display for StuckReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StuckReason::Heartbeat => "no heartbeat",
            StuckReason::Timeout => "overran its timeout",
            StuckReason::ClaimAge => "claimed too long",
        })
    }
}

/// A claimed task as the reaper saw it. The worker, claim time and
/// heartbeat are what `reap` re-checks before it changes anything.
#[derive(Debug, Clone, Serialize)]
pub struct StuckTask {
    pub task_id: TaskId,
    pub queue_name: String,
    pub task_name: String,
    pub worker_id: Option<String>,
    pub attempt: i32,
    pub max_retries: i32,
    pub timeout_sec: Option<i32>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub reason: StuckReason,
    /// Seconds since the claim.
    pub running_sec: f64,
    /// Seconds since the worker was last heard from (heartbeat, else claim).
    pub silent_sec: f64,
    /// The limit it crossed, in seconds (the heartbeat timeout, its timeout
    /// plus the grace, or the claim age allowed).
    pub limit_sec: f64,
}

impl StuckTask {
    /// Whether the default rule reaps it: its worker is silent. A task that
    /// only overran its timeout is reaped on request only.
    pub fn worker_silent(&self) -> bool {
        self.reason != StuckReason::Timeout
    }

    /// Whether reaping sends it back to the queue (else it fails for good).
    pub fn attempts_left(&self) -> bool {
        self.attempt < self.max_retries
    }

    /// What the task's error says once it is reaped: that it was reaped,
    /// from which worker, and when that worker was last heard from.
    pub fn reap_error(&self) -> String {
        let worker = self.worker_id.as_deref().unwrap_or("(none)");
        let claimed = ts(self.claimed_at);
        let heartbeat = match self.heartbeat_at {
            Some(h) => ts(Some(h)),
            None => "never (claimed before heartbeats were recorded)".to_string(),
        };
        match self.reason {
            StuckReason::Heartbeat => match self.heartbeat_at {
                Some(h) => format!(
                    "reaped by absurdctl: no heartbeat from worker {worker} since {} \
                     (claimed at {claimed}; silent {}, limit {})",
                    ts(Some(h)),
                    secs(self.silent_sec),
                    secs(self.limit_sec)
                ),
                None => format!(
                    "reaped by absurdctl: no heartbeat from worker {worker} since its claim at \
                     {claimed} (claimed before heartbeats were recorded; silent {}, limit {})",
                    secs(self.silent_sec),
                    secs(self.limit_sec)
                ),
            },
            StuckReason::Timeout => format!(
                "reaped by absurdctl --reap-overrun: overran its timeout, ran {} s (timeout {} s \
                 plus grace) on worker {worker} (claimed at {claimed}; last heartbeat {heartbeat})",
                self.running_sec.round() as i64,
                self.timeout_sec.unwrap_or(0)
            ),
            StuckReason::ClaimAge => format!(
                "reaped by absurdctl: claimed by worker {worker} for {}, longer than the {} \
                 allowed (claimed at {claimed}; last heartbeat {heartbeat})",
                secs(self.running_sec),
                secs(self.limit_sec)
            ),
        }
    }
}

fn ts(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn secs(s: f64) -> String {
    crate::units::format_duration(Duration::from_secs(s.max(0.0).round() as u64))
}

/// `query_as!` of [`StuckTask`] rows: `$with`, the columns of the task `t`
/// (typed for the macro), then `$rest` (the reason, the limit, `FROM ...`),
/// then the arguments.
macro_rules! query_stuck {
    ($with:tt, $rest:tt $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            StuckTask,
            $with + r#"SELECT t.task_id AS "task_id: TaskId", t.queue_name, t.task_name,
       t.worker_id AS "worker_id?", t.attempt, t.max_retries, t.timeout_sec AS "timeout_sec?",
       t.claimed_at AS "claimed_at?", t.heartbeat_at AS "heartbeat_at?",
       extract(epoch FROM now() - coalesce(t.claimed_at, t.created_at))::float8 AS "running_sec!",
       extract(epoch FROM now() - coalesce(t.heartbeat_at, greatest(coalesce(t.claimed_at,
         t.created_at), absurd.heartbeats_recorded_since())))::float8 AS "silent_sec!",
"# + $rest
            $(, $arg)*
        )
    };
}

/// The claimed tasks of `queue` that the rule finds stuck, oldest claim
/// first; with `ReapRule::Stuck`, overrun tasks too (see
/// [`StuckTask::worker_silent`]), whatever `reap_overrun` says: the caller
/// reports those it does not reap. A plain read: nothing is locked until `reap`.
pub async fn find(db: impl PgExecutor<'_>, queue: &str, rule: ReapRule) -> Result<Vec<StuckTask>> {
    let rows = match rule {
        ReapRule::Stuck {
            heartbeat_timeout,
            timeout_grace,
            ..
        } => {
            query_stuck!(
                r#"WITH r AS (SELECT make_interval(secs => $2) AS hb, make_interval(secs => $3) AS grace)
"#,
                r#"       s.reason AS "reason!: StuckReason",
       CASE s.reason WHEN 'heartbeat' THEN $2 ELSE t.timeout_sec + $3 END AS "limit_sec!"
                   FROM r, absurd.tasks t
                   CROSS JOIN LATERAL (SELECT absurd.stuck_reason(t.heartbeat_at, t.claimed_at,
                           t.created_at, t.timeout_sec, t.worker_id, r.hb, r.grace) AS reason) s
                  WHERE t.queue_name = $1 AND t.status = 'claimed' AND s.reason IS NOT NULL
                  ORDER BY t.claimed_at, t.task_id"#,
                queue,
                heartbeat_timeout.as_secs_f64(),
                timeout_grace.as_secs_f64()
            )
            .fetch_all(db)
            .await?
        }
        ReapRule::ClaimedLongerThan(age) => {
            query_stuck!(
                r#""#,
                r#"       'claim_age' AS "reason!: StuckReason", $2::float8 AS "limit_sec!"
                   FROM absurd.tasks t
                  WHERE t.queue_name = $1 AND t.status = 'claimed'
                    AND coalesce(t.claimed_at, t.created_at) < now() - make_interval(secs => $2)
                  ORDER BY t.claimed_at, t.task_id"#,
                queue,
                age.as_secs_f64()
            )
            .fetch_all(db)
            .await?
        }
    };
    Ok(rows)
}

/// Reaps one task if it is still exactly as `task` saw it (same worker,
/// claim and heartbeat); returns its new status, or `None` when it changed
/// meanwhile or its row was busy, and was left alone. A task given back for
/// another attempt is stored `pending` (what the legacy clients read) and
/// returned as `Retrying`, which it is to absurdctl; one out of attempts is
/// `Failed`.
pub async fn reap(db: impl PgExecutor<'_>, task: &StuckTask) -> Result<Option<TaskStatus>> {
    let status: Option<String> = sqlx::query_scalar!(
        r#"SELECT absurd.reap_task($1, $2, $3, $4, $5) AS "status?""#,
        task.task_id.0,
        task.worker_id.as_deref(),
        task.claimed_at,
        task.heartbeat_at,
        task.reap_error()
    )
    .fetch_one(db)
    .await?;
    Ok(status.and_then(|s| match s.as_str() {
        "pending" => Some(TaskStatus::Retrying),
        _ => TaskStatus::try_from(s).ok(),
    }))
}

/// How many claimed tasks of each of `queues` overran their timeout plus
/// `timeout_grace` while their worker still heartbeats (`absurd.overrun_tasks`):
/// what a default reap reports and leaves alone.
pub async fn overrun_counts(
    db: impl PgExecutor<'_>,
    queues: &[String],
    heartbeat_timeout: Duration,
    timeout_grace: Duration,
) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query!(
        r#"SELECT o.queue_name AS "queue_name!", count(*) AS "n!"
           FROM unnest($1::text[]) AS q(name)
          CROSS JOIN LATERAL absurd.overrun_tasks(q.name, make_interval(secs => $2),
                                                  make_interval(secs => $3)) o
          GROUP BY o.queue_name"#,
        queues,
        heartbeat_timeout.as_secs_f64(),
        timeout_grace.as_secs_f64()
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.queue_name, r.n)).collect())
}

/// A registered worker not seen for the heartbeat timeout.
#[derive(Debug, Clone, Serialize)]
pub struct SilentWorker {
    pub worker_id: String,
    pub queue_name: String,
    pub hostname: String,
    pub pid: Option<i32>,
    /// Its status before it was marked dead.
    pub status: String,
    pub last_seen_at: DateTime<Utc>,
}

/// Registered workers of `queue` still `running` or `draining` but not
/// seen for `timeout`; with `mark_dead` they are marked `dead` as well.
pub async fn silent_workers(
    db: impl PgExecutor<'_>,
    queue: &str,
    timeout: Duration,
    mark_dead: bool,
) -> Result<Vec<SilentWorker>> {
    // `$pre`, the silent workers, then `$post`. The select's own columns
    // keep their names (the mark-dead variant reads them in a CTE): they are
    // typed from the table's.
    macro_rules! query_silent {
        ($pre:tt, $post:tt) => {
            sqlx::query_as!(
                SilentWorker,
                $pre + r#"SELECT worker_id, queue_name, hostname, pid, status, last_seen_at
                    FROM absurd.worker_registry
                   WHERE queue_name = $1 AND status IN ('running', 'draining')
                     AND last_seen_at < now() - make_interval(secs => $2)"#
                    + $post,
                queue,
                timeout.as_secs_f64()
            )
            .fetch_all(db)
            .await?
        };
    }
    let silent = if mark_dead {
        query_silent!(
            r#"WITH silent AS ("#,
            r#" FOR UPDATE SKIP LOCKED),
                  marked AS (UPDATE absurd.worker_registry w SET status = 'dead'
                               FROM silent s WHERE w.worker_id = s.worker_id RETURNING w.worker_id)
             SELECT s.worker_id AS "worker_id!", s.queue_name AS "queue_name!",
                    s.hostname AS "hostname!", s.pid AS "pid?", s.status AS "status!",
                    s.last_seen_at AS "last_seen_at!"
               FROM silent s JOIN marked USING (worker_id) ORDER BY s.last_seen_at"#
        )
    } else {
        query_silent!(r#""#, r#" ORDER BY last_seen_at"#)
    };
    Ok(silent)
}

/// Queues that may have something to reap: those with claimed tasks or
/// with registered workers still counted alive.
pub async fn queues(db: impl PgExecutor<'_>) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        r#"SELECT queue_name AS "queue_name!" FROM absurd.tasks WHERE status = 'claimed'
          UNION
         SELECT queue_name FROM absurd.worker_registry WHERE status IN ('running', 'draining')
          ORDER BY 1"#
    )
    .fetch_all(db)
    .await?)
}

/// Takes the reaper's lock on `queue` without waiting; false when another
/// session holds it. The lock is the queue's row of absurd.reaper_locks,
/// locked FOR UPDATE in a transaction left open on `conn` until `unlock`, or
/// until the connection closes (also when the process dies): `conn` must be
/// a connection of its own, used for nothing else meanwhile. Locking the row
/// needs UPDATE on the table, which only reaping roles have.
pub async fn try_lock(conn: &mut PgConnection, queue: &str) -> Result<bool> {
    sqlx::query!(
        r#"INSERT INTO absurd.reaper_locks (queue_name) VALUES ($1) ON CONFLICT DO NOTHING"#,
        queue
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query("BEGIN").execute(&mut *conn).await?;
    let locked = sqlx::query!(
        r#"SELECT 1 AS "one" FROM absurd.reaper_locks WHERE queue_name = $1 FOR UPDATE NOWAIT"#,
        queue
    )
    .fetch_optional(&mut *conn)
    .await;
    match locked {
        Ok(_) => Ok(true),
        Err(e) => {
            sqlx::query("ROLLBACK").execute(&mut *conn).await?;
            match e.as_database_error().and_then(|d| d.code()).as_deref() {
                Some("55P03") => Ok(false),
                _ => Err(e.into()),
            }
        }
    }
}

/// Releases the lock `try_lock` took on this connection.
pub async fn unlock(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("COMMIT").execute(conn).await?;
    Ok(())
}

/// The session holding the reaper's lock on a queue.
#[derive(Debug, Clone, Serialize)]
pub struct LockHolder {
    pub pid: i32,
    /// Its database role.
    pub usename: Option<String>,
    pub application_name: Option<String>,
    pub client_addr: Option<String>,
    pub backend_start: Option<DateTime<Utc>>,
    /// When it took the lock (the start of its transaction).
    pub held_since: Option<DateTime<Utc>>,
    /// Seconds since then.
    pub held_sec: Option<f64>,
}

impl LockHolder {
    /// Whether it has held the lock for longer than `limit`.
    pub fn stale(&self, limit: Duration) -> bool {
        self.held_sec.is_some_and(|s| s > limit.as_secs_f64())
    }
}

/// `query!` of the holders of reaper's locks (`h`, with its queue name)
/// then `$rest` (`WHERE ...`), then the arguments; rows to pass to
/// `holder!`. (`query_as!` cannot fill [`StaleLock`]'s flattened holder.)
macro_rules! query_holders {
    ($rest:tt $(, $arg:expr)* $(,)?) => {
        sqlx::query!(
            r#"SELECT h.queue_name AS "queue_name!", h.pid AS "pid!", h.usename,
       h.application_name, h.client_addr, h.backend_start, h.held_since,
       extract(epoch FROM now() - h.held_since)::float8 AS held_sec
  FROM absurd.reaper_lock_holders() h
"# + $rest
            $(, $arg)*
        )
    };
}

/// The [`LockHolder`] of a row of `query_holders!`.
macro_rules! holder {
    ($r:expr) => {
        LockHolder {
            pid: $r.pid,
            usename: $r.usename,
            application_name: $r.application_name,
            client_addr: $r.client_addr,
            backend_start: $r.backend_start,
            held_since: $r.held_since,
            held_sec: $r.held_sec,
        }
    };
}

/// Who holds the reaper's lock on `queue`, if anyone.
pub async fn lock_holder(db: impl PgExecutor<'_>, queue: &str) -> Result<Option<LockHolder>> {
    let row = query_holders!(r#" WHERE h.queue_name = $1 LIMIT 1"#, queue)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| holder!(r)))
}

/// A queue whose reaper's lock has been held longer than a reap could take.
#[derive(Debug, Clone, Serialize)]
pub struct StaleLock {
    pub queue_name: String,
    #[serde(flatten)]
    pub holder: LockHolder,
}

/// The reaper's locks of `queues` held longer than `limit`.
pub async fn stale_locks(
    db: impl PgExecutor<'_>,
    queues: &[String],
    limit: Duration,
) -> Result<Vec<StaleLock>> {
    let rows = query_holders!(
        r#" WHERE h.queue_name = ANY ($1) AND h.held_since < now() - make_interval(secs => $2)
          ORDER BY h.queue_name"#,
        queues,
        limit.as_secs_f64()
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StaleLock {
            queue_name: r.queue_name.clone(),
            holder: holder!(r),
        })
        .collect())
}
