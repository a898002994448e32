//! Queue statistics for `status` and `preflight`, so that both (and
//! `reap-stuck`, through `absurd.stuck_tasks`) agree on every figure.
//!
//! `reads` holds the queries, `fold` the pure arithmetic that turns their
//! rows into per-queue and per-task-name figures; [`snapshot`] runs the one
//! then the other.
//!
//! Every query reads one of the partial indexes: active tasks from
//! `tasks_claimable_idx` / `tasks_claimed_idx`, finished ones from
//! `tasks_finished_covering_idx` within a time window, dead letters from
//! `tasks_dead_letters_idx`. None counts the whole history, so the cost
//! follows the active tasks and the last day's completions.

mod fold;
mod reads;

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use super::{Result, DEFAULT_HEARTBEAT_TIMEOUT, DEFAULT_TIMEOUT_GRACE};
pub use reads::*;

/// When a claimed task is stuck: no heartbeat (or claim, for tasks claimed
/// before heartbeats were recorded) within `heartbeat_timeout`, or running
/// past its own `timeout_sec` plus `timeout_grace`. The rule of
/// `absurd.stuck_tasks`, which `reap-stuck` applies too.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StuckRule {
    #[serde(rename = "heartbeat_timeout_sec", serialize_with = "ser_secs")]
    pub heartbeat_timeout: Duration,
    #[serde(rename = "timeout_grace_sec", serialize_with = "ser_secs")]
    pub timeout_grace: Duration,
}

impl Default for StuckRule {
    fn default() -> Self {
        StuckRule {
            heartbeat_timeout: DEFAULT_HEARTBEAT_TIMEOUT,
            timeout_grace: DEFAULT_TIMEOUT_GRACE,
        }
    }
}

fn ser_secs<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Success rates are judged from this many finished tasks on: one failure
/// out of two is noise, not a 50 % success rate.
pub const MIN_SUCCESS_SAMPLES: i64 = 10;

/// The figures of a queue, or of one task name in it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    pub pending: i64,
    pub retrying: i64,
    pub claimed: i64,
    /// Claimed tasks that are stuck (see [`StuckRule`]).
    pub stuck: i64,
    /// Failed for good, whenever (the dead letters `retry-failed` replays).
    pub failed: i64,
    /// Cancelled, whenever.
    pub cancelled: i64,
    /// pending + retrying.
    pub backlog: i64,
    /// Of the backlog: claimable now.
    pub ready: i64,
    /// Of the backlog: not available yet (retry backoff, delayed start).
    pub delayed: i64,
    /// Of the backlog: available, but waiting for dependencies.
    pub blocked: i64,
    /// Of the backlog: waiting on a dependency that failed or was
    /// cancelled, so never run unless it is retried.
    pub blocked_for_good: i64,
    pub completed_5m: i64,
    pub completed_1h: i64,
    pub completed_24h: i64,
    pub failed_5m: i64,
    pub failed_1h: i64,
    pub failed_24h: i64,
    pub cancelled_5m: i64,
    pub cancelled_1h: i64,
    pub cancelled_24h: i64,
    pub completed_per_min_5m: f64,
    pub completed_per_min_1h: f64,
    pub completed_per_min_24h: f64,
    /// Tasks created (the inflow) within 5 minutes, the hour, the day.
    pub created_5m: i64,
    pub created_1h: i64,
    pub created_24h: i64,
    /// completed / (completed + failed) in the window; null when none finished.
    pub success_rate_1h: Option<f64>,
    pub success_rate_24h: Option<f64>,
    /// Wait (claim - creation) and run time of tasks finished in the last hour.
    pub wait_p50_sec: Option<f64>,
    pub wait_p95_sec: Option<f64>,
    pub run_p50_sec: Option<f64>,
    pub run_p95_sec: Option<f64>,
    /// Creation time of the oldest pending or retrying task.
    pub oldest_pending_at: Option<DateTime<Utc>>,
    pub oldest_pending_age_sec: Option<f64>,
    /// How long the oldest ready task has been claimable and not claimed.
    pub oldest_ready_age_sec: Option<f64>,
    /// The last completion within the last 24 hours (null when none).
    pub last_completed_at: Option<DateTime<Utc>>,
}

/// One task name's figures within a queue.
#[derive(Debug, Clone, Serialize)]
pub struct TaskNameFigures {
    pub task_name: String,
    #[serde(flatten)]
    pub figures: Figures,
    /// As the queue's: tasks of this name are ready but none completed for
    /// this long. Null when none is ready.
    pub no_completion_sec: Option<f64>,
}

/// A worker seen recently: by its registry row (absurdctl's worker) or by
/// the heartbeats of the tasks it holds (also legacy Python workers, which
/// register nowhere).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LiveWorker {
    #[serde(skip)]
    pub queue_name: String,
    pub worker_id: String,
    /// From the registry, or for a legacy worker from its id
    /// (`<hostname>-<8 hex>`); null when unknown.
    pub hostname: Option<String>,
    pub registered: bool,
    /// running or draining, from the registry.
    pub registry_status: Option<String>,
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Tasks it holds now.
    pub running: i64,
    /// Tasks it runs at once (1 for a legacy worker).
    pub concurrency: i32,
}

/// Live workers on one host.
#[derive(Debug, Clone, Serialize)]
pub struct HostWorkers {
    /// null: workers whose host is unknown (legacy workers seen only by the
    /// tasks they hold, or with an id not shaped `<hostname>-<8 hex>`).
    pub host: Option<String>,
    pub workers: i64,
    pub running: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Workers {
    pub live: i64,
    /// Slots of the live workers not running a task (concurrency - running).
    pub free_slots: i64,
    /// Mean concurrency of the live workers (null with none).
    pub mean_concurrency: Option<f64>,
    /// Registered workers marked running or draining but unseen for the
    /// heartbeat timeout: dead without saying so.
    pub dead: i64,
    pub hosts: Vec<HostWorkers>,
    pub list: Vec<LiveWorker>,
}

/// Where a backlog is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Growing,
    Shrinking,
    Steady,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Growing => "growing",
            Direction::Shrinking => "shrinking",
            Direction::Steady => "steady",
        }
    }
}

/// Everything `status` shows about one queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueueSnapshot {
    pub queue: String,
    pub paused: bool,
    pub paused_at: Option<DateTime<Utc>>,
    pub paused_by: Option<String>,
    pub pause_reason: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
    /// Tasks are ready but nothing completed for this long: the time since
    /// the later of the last completion and the oldest ready task becoming
    /// claimable. Null when no task is ready.
    pub no_completion_sec: Option<f64>,
    /// Tasks leaving the backlog per minute (completed + failed), over the
    /// last 5 minutes, or the last hour when nothing finished in 5 minutes.
    pub drain_rate_per_min: f64,
    /// The backlog over the drain rate; 0 with no backlog, null when nothing
    /// drains.
    pub eta_sec: Option<f64>,
    /// Over the last hour: created minus finished (completed, failed,
    /// cancelled), per minute.
    pub net_per_min_1h: f64,
    /// The backlog's direction over the last hour: growing, shrinking or
    /// steady.
    pub direction: Direction,
    /// When the backlog is drained at the last hour's net rate: null when it
    /// is not shrinking (never, at this rate), 0 with no backlog.
    pub net_eta_sec: Option<f64>,
    /// Arrivals per hour for capacity: the larger of the last hour's and the
    /// last day's hourly mean.
    pub arrivals_per_hour: f64,
    /// Mean run time of the tasks finished in the last hour.
    pub run_mean_sec: Option<f64>,
    /// The planner's estimate of all the queue's rows, history included (as
    /// of the last ANALYZE; never counted).
    pub total_estimate: Option<i64>,
    pub workers: Workers,
    pub task_names: Vec<TaskNameFigures>,
}

/// All of it, read in one consistent snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// The database's clock when the snapshot was taken.
    pub taken_at: DateTime<Utc>,
    pub stuck_rule: StuckRule,
    pub queues: Vec<QueueSnapshot>,
}

/// Reads every figure of these queues. Run it inside [`begin_snapshot`]'s
/// transaction so that the figures are consistent with each other.
pub async fn snapshot(
    conn: &mut PgConnection,
    queues: &[String],
    rule: StuckRule,
) -> Result<Snapshot> {
    let taken_at = clock(&mut *conn).await?;
    let backlog = backlog(&mut *conn, queues).await?;
    let claimed = claimed(&mut *conn, queues).await?;
    let stuck = stuck(&mut *conn, queues, rule).await?;
    let finished = finished(&mut *conn, queues, taken_at).await?;
    let timings = timings(&mut *conn, queues).await?;
    let created = created(&mut *conn, queues, taken_at).await?;
    let dead_workers = dead_registered(&mut *conn, queues, rule.heartbeat_timeout).await?;
    let dead = dead_letters(&mut *conn, queues).await?;
    let workers = live_workers(&mut *conn, queues, rule.heartbeat_timeout).await?;
    let controls = super::controls::of_queues(&mut *conn, queues).await?;
    let mut estimates = Vec::with_capacity(queues.len());
    for q in queues {
        estimates.push(total_estimate(&mut *conn, q).await?);
    }

    Ok(fold::fold(
        queues,
        rule,
        fold::Reads {
            taken_at,
            backlog,
            claimed,
            stuck,
            finished,
            timings,
            created,
            dead_workers,
            dead,
            workers,
            controls,
            estimates,
        },
    ))
}
