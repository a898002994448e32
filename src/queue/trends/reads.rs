//! The reads of a series: each bounded by the window through an index (see
//! the module above), its rows for `assemble`.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::Window;
use crate::queue::Result;

/// Tasks created or finished in the window, by bucket of creation and of
/// completion.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct TaskRow {
    pub(super) key: Option<String>,
    /// Bucket of creation (-1: before the window).
    pub(super) created_idx: i32,
    /// Bucket of completion (null: not finished in the window).
    pub(super) finished_idx: Option<i32>,
    pub(super) n: i64,
    pub(super) unfinished: i64,
    pub(super) completed: i64,
    pub(super) failed: i64,
    pub(super) cancelled: i64,
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct TimingRow {
    pub(super) key: Option<String>,
    pub(super) idx: i32,
    pub(super) wait_p50: Option<f64>,
    pub(super) wait_p95: Option<f64>,
    pub(super) run_p50: Option<f64>,
    pub(super) run_p95: Option<f64>,
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct StartedRow {
    pub(super) key: Option<String>,
    pub(super) idx: i32,
    pub(super) started: i64,
    pub(super) retried: i64,
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct UnfinishedRow {
    pub(super) key: Option<String>,
    pub(super) n: i64,
}

/// The bucket of a timestamp column, by the bucket starts and the
/// window's end in $2 (the window's start is also $5, a plain value the
/// planner estimates the index ranges by): -1 before the window, 0 for the first bucket,
/// `buckets` for any time past the window's end. (width_bucket on the
/// bounds costs half of the arithmetic on epochs.)
fn idx_of(col: &str) -> String {
    format!("(width_bucket({col}, $2) - 1)")
}

/// Only the task names asked for (all when none).
const NAMES: &str = "(cardinality($4::text[]) = 0 OR task_name = ANY ($4))";

/// The parameters of every windowed read: $1 the queue, $2 the bucket
/// bounds, $3 by task name, $4 the task names, $5 the window's start.
pub(super) struct Args<'a> {
    queue: &'a str,
    bounds: &'a [DateTime<Utc>],
    by_task: bool,
    task_names: &'a [String],
    start: DateTime<Utc>,
}

impl<'a> Args<'a> {
    pub(super) fn new(
        queue: &'a str,
        bounds: &'a [DateTime<Utc>],
        by_task: bool,
        task_names: &'a [String],
        w: &Window,
    ) -> Args<'a> {
        Args {
            queue,
            bounds,
            by_task,
            task_names,
            start: w.start,
        }
    }
}

/// `sql` with the parameters of [`Args`] bound.
fn windowed<'q, O>(
    sql: &'q str,
    a: &Args<'q>,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>
where
    O: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    sqlx::query_as(sql)
        .bind(a.queue)
        .bind(a.bounds)
        .bind(a.by_task)
        .bind(a.task_names)
        .bind(a.start)
}

/// The series' key: the task name with `by_task`, else one key for all.
const KEY: &str = "CASE WHEN $3 THEN task_name END";

/// The reads of [`series`], of one queue over one window.
pub(super) struct Reads {
    pub(super) tasks: Vec<TaskRow>,
    pub(super) timings: Vec<TimingRow>,
    pub(super) started: Vec<StartedRow>,
    pub(super) unfinished: Vec<UnfinishedRow>,
}

/// The reads one after the other on one session.
pub(super) async fn one_by_one(db: &mut PgConnection, a: &Args<'_>) -> Result<Reads> {
    prepare(db).await?;
    Ok(Reads {
        tasks: tasks(db, a).await?,
        timings: timings(db, a).await?,
        started: started(db, a).await?,
        unfinished: unfinished(db, a).await?,
    })
}

/// The three long reads side by side, one on each session (all in one
/// snapshot).
pub(super) async fn side_by_side(dbs: [&mut PgConnection; 3], a: &Args<'_>) -> Result<Reads> {
    let [x, y, z] = dbs;
    let (tasks, timings, (started, unfinished)) = tokio::try_join!(
        async {
            prepare(x).await?;
            tasks(x, a).await
        },
        async {
            prepare(y).await?;
            timings(y, a).await
        },
        async {
            prepare(z).await?;
            Ok((started(z, a).await?, unfinished(z, a).await?))
        },
    )?;
    Ok(Reads {
        tasks,
        timings,
        started,
        unfinished,
    })
}

/// The settings every read of a series is planned with (this transaction
/// only).
async fn prepare(db: &mut PgConnection) -> Result<()> {
    // A month by day is most of a month's history: the planner, costing
    // index pages as random reads and a sequential scan as split among
    // parallel workers, would read the whole table rather than the narrow
    // covering index, which takes a third of the time. Every read here has
    // an index that bounds it by the window (this transaction only).
    sqlx::query("SET LOCAL enable_seqscan = off")
        .execute(&mut *db)
        .await?;
    // The grouping of a month's finished tasks by both buckets, and the
    // percentiles' sorts, in memory rather than spilled to temporary files.
    sqlx::query("SET LOCAL work_mem = '64MB'")
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Created and finished per bucket.
async fn tasks(db: &mut PgConnection, a: &Args<'_>) -> Result<Vec<TaskRow>> {
    // The tasks finished in the window, from tasks_finished_covering_idx
    // alone (migration 1740), and those created in it that are not: the
    // unfinished ones (from the claimable and claimed indexes, a small
    // set) and finished ones with no completion time (legacy rows, from
    // the covering index too). Never the whole window's heap. Grouped by
    // both buckets: the backlog needs which bucket a finished task was
    // created in. The finished ones are counted bucket by bucket, each from
    // its own range of the index, as the percentiles below are: the planner
    // would otherwise read them through a status index and the heap.
    Ok(windowed(
        &format!(
            "SELECT key, created_idx, finished_idx, sum(n)::bigint AS n,
                coalesce(sum(n) FILTER (WHERE status IN ('pending', 'retrying', 'claimed')), 0)::bigint AS unfinished,
                coalesce(sum(n) FILTER (WHERE finished_idx IS NOT NULL AND status = 'completed'), 0)::bigint AS completed,
                coalesce(sum(n) FILTER (WHERE finished_idx IS NOT NULL AND status = 'failed'), 0)::bigint AS failed,
                coalesce(sum(n) FILTER (WHERE finished_idx IS NOT NULL AND status = 'cancelled'), 0)::bigint AS cancelled
           FROM (SELECT f.key, f.status, f.created_idx, b.i - 1 AS finished_idx, f.n
                   FROM generate_subscripts($2::timestamptz[], 1) AS b(i)
                  CROSS JOIN LATERAL (
                        SELECT {KEY} AS key, status, {cidx} AS created_idx, count(*) AS n
                          FROM absurd.tasks
                         WHERE queue_name = $1 AND {NAMES}
                           AND status IN ('completed', 'failed', 'cancelled')
                           AND completed_at >= greatest($2[b.i], $5)
                           AND completed_at < coalesce($2[b.i + 1], 'infinity')
                         GROUP BY 1, 2, 3) f
                 UNION ALL
                 SELECT {KEY}, status, {cidx}, NULL, 1
                   FROM absurd.tasks
                  WHERE queue_name = $1 AND {NAMES}
                    AND status IN ('pending', 'retrying', 'claimed') AND created_at >= $5
                 UNION ALL
                 SELECT {KEY}, status, {cidx}, NULL, 1
                   FROM absurd.tasks
                  WHERE queue_name = $1 AND {NAMES}
                    AND status IN ('completed', 'failed', 'cancelled') AND completed_at IS NULL
                    AND created_at >= $5) t
          GROUP BY 1, 2, 3",
            cidx = idx_of("created_at"),
        ),
        a,
    )
    .fetch_all(&mut *db)
    .await?)
}

/// Wait and run percentiles per bucket.
async fn timings(db: &mut PgConnection, a: &Args<'_>) -> Result<Vec<TimingRow>> {
    // Percentiles bucket by bucket, each from its own range of the
    // covering index: its rows come in completion order, so there is no
    // sort of the whole window by bucket (a month of a million tasks
    // spilled 32 MB to disk), and each percentile array sorts a column once.
    Ok(windowed(
        &format!(
            "SELECT p.key, b.i - 1 AS idx, p.wait[1] AS wait_p50, p.wait[2] AS wait_p95,
                p.run[1] AS run_p50, p.run[2] AS run_p95
           FROM generate_subscripts($2::timestamptz[], 1) AS b(i)
          CROSS JOIN LATERAL (
                SELECT {KEY} AS key,
                       percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY wait_time_sec) AS wait,
                       percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY execution_time_sec) AS run
                  FROM absurd.tasks
                 WHERE queue_name = $1 AND status IN ('completed', 'failed')
                   AND completed_at >= greatest($2[b.i], $5)
                   AND completed_at < coalesce($2[b.i + 1], 'infinity')
                   AND {NAMES}
                 GROUP BY 1) p",
        ),
        a,
    )
    .fetch_all(&mut *db)
    .await?)
}

/// Attempts started per bucket.
async fn started(db: &mut PgConnection, a: &Args<'_>) -> Result<Vec<StartedRow>> {
    // An attempt claimed in the window ended in it, or runs now: its
    // ended_at bounds the history's read.
    Ok(windowed(
        &format!(
            "SELECT {KEY} AS key, {idx} AS idx, count(*) AS started,
                count(*) FILTER (WHERE attempt > 1) AS retried
           FROM (SELECT task_name, claimed_at, attempt FROM absurd.task_attempts
                  WHERE queue_name = $1 AND ended_at >= $5 AND claimed_at >= $5
                 UNION ALL
                 SELECT task_name, claimed_at, attempt FROM absurd.tasks
                  WHERE queue_name = $1 AND status = 'claimed' AND claimed_at >= $5) a
          WHERE {NAMES}
          GROUP BY 1, 2",
            idx = idx_of("claimed_at"),
        ),
        a,
    )
    .fetch_all(&mut *db)
    .await?)
}

/// The unfinished tasks now.
async fn unfinished(db: &mut PgConnection, a: &Args<'_>) -> Result<Vec<UnfinishedRow>> {
    Ok(sqlx::query_as(
        "SELECT CASE WHEN $2 THEN task_name END AS key, count(*) AS n
           FROM absurd.tasks
          WHERE queue_name = $1 AND status IN ('pending', 'retrying', 'claimed')
            AND (cardinality($3::text[]) = 0 OR task_name = ANY ($3))
          GROUP BY 1",
    )
    .bind(a.queue)
    .bind(a.by_task)
    .bind(a.task_names)
    .fetch_all(&mut *db)
    .await?)
}
