//! One refresh of `top`: the report of `status` (the same reads, in its
//! snapshot), then the last hour per minute (`trends`) and the last hour's
//! failures by cause (`errors`), in a second snapshot. No SQL of its own.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::checks::thresholds::Thresholds;
use crate::cli::StatusArgs;
use crate::commands::status::report::{collect, Report};
use crate::queue::errors::{self, ErrorReport};
use crate::queue::stats;
use crate::queue::trends::{self, Bucket, Window};

/// The window of the charts and of the failures: the last hour.
pub(super) const WINDOW: Duration = Duration::from_secs(3600);

/// The charts' step: one bar per minute.
const STEP_SEC: i64 = 60;

/// What one refresh read.
#[derive(Debug, Clone)]
pub(super) struct Frame {
    pub report: Report,
    /// Per queue of the report, in its order: the last hour per minute.
    pub minutes: Vec<Vec<Bucket>>,
    pub failures: ErrorReport,
    /// Time spent in the database (every read of the refresh).
    pub db_ms: f64,
}

/// What a refresh needs, shared with the task that runs it.
pub(super) struct Settings {
    pub status: StatusArgs,
    pub thresholds: Thresholds,
}

/// Reads one frame of `queue`, or of every known queue with `all`; the
/// charts of only the task names `names` when given.
pub(super) async fn refresh(
    pool: PgPool,
    settings: Arc<Settings>,
    queue: String,
    all: bool,
    names: Option<Vec<String>>,
) -> anyhow::Result<Frame> {
    let started = Instant::now();
    let queues = if all {
        stats::known_queues(&pool).await?
    } else {
        vec![queue]
    };
    let report = collect(&settings.status, &settings.thresholds, &pool, &queues, None).await?;
    let mut tx = stats::begin_snapshot(&pool).await?;
    let window = Window::ending_at(report.generated_at, STEP_SEC, WINDOW.as_secs_f64());
    let mut minutes = Vec::with_capacity(queues.len());
    for q in &queues {
        let buckets = match &names {
            // A filter that matches no task name has nothing to chart.
            Some(n) if n.is_empty() => Vec::new(),
            n => trends::series(
                &mut [&mut *tx],
                q,
                n.as_deref().unwrap_or(&[]),
                false,
                &window,
            )
            .await?
            .into_iter()
            .next()
            .map(|s| s.buckets)
            .unwrap_or_default(),
        };
        minutes.push(buckets);
    }
    let failures = errors::grouped(&mut tx, &queues, WINDOW, &[]).await?;
    tx.commit().await?;
    Ok(Frame {
        report,
        minutes,
        failures,
        db_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}
