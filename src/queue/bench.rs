//! What `absurdctl bench` needs beyond the ordinary queue operations: a
//! queue name nobody uses, history rows made in bulk, and removing the bench
//! queue's rows afterwards. Every function here touches one queue's rows only.

use sqlx::PgExecutor;

use super::Result;

/// How many rows `queue` has, whatever their status.
pub async fn count_queue(db: impl PgExecutor<'_>, queue: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM absurd.tasks WHERE queue_name = $1")
            .bind(queue)
            .fetch_one(db)
            .await?,
    )
}

/// Inserts finished tasks numbered `from + 1 ..= from + n` into `queue`, as a
/// queue that keeps its history has them: mostly completed, some failed and
/// cancelled, all created before now, older as the number grows. One
/// statement, generated in the server.
pub async fn insert_history(
    db: impl PgExecutor<'_>,
    queue: &str,
    from: i64,
    n: i64,
) -> Result<u64> {
    // Each finished task with its one attempt in the history, as the
    // history trigger leaves it: claims are measured beside a full history.
    let done = sqlx::query(
        "WITH ins AS (
         INSERT INTO absurd.tasks (queue_name, task_name, params, status, worker_id, attempt, result, error,
                                   created_at, claimed_at, completed_at, heartbeat_at, available_at,
                                   wait_time_sec, execution_time_sec)
         SELECT $1, 'bench-history', jsonb_build_object('n', g),
                s.status, 'absurdctl-bench-history', 1,
                CASE WHEN s.status = 'completed' THEN '{}'::jsonb END,
                CASE WHEN s.status = 'failed' THEN 'bench history' END,
                c.at, c.at, c.at + interval '1 second', c.at + interval '1 second', c.at, 0, 1
           FROM generate_series($2::bigint + 1, $2::bigint + $3::bigint) AS g
          CROSS JOIN LATERAL (SELECT now() - interval '1 hour' - (g * interval '1 millisecond') AS at) c
          CROSS JOIN LATERAL (SELECT CASE WHEN g % 50 = 0 THEN 'failed'
                                          WHEN g % 101 = 0 THEN 'cancelled'
                                          ELSE 'completed' END AS status) s
         RETURNING task_id, queue_name, task_name, worker_id, claimed_at, completed_at, status, error)
         INSERT INTO absurd.task_attempts (task_id, attempt, queue_name, task_name, worker_id,
                                           hostname, claimed_at, heartbeat_at, ended_at, outcome,
                                           error, exit_code, run_time_sec)
         SELECT task_id, 1, queue_name, task_name, worker_id, 'bench', claimed_at, completed_at,
                completed_at, status, error, CASE WHEN status = 'completed' THEN 0 ELSE 1 END, 1
           FROM ins",
    )
    .bind(queue)
    .bind(from)
    .bind(n)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Settles a history just inserted as a long-lived queue's is: vacuumed
/// (its visibility map set, so reads are index-only) and analyzed (plans
/// made for a table of that size). Without it, autovacuum of the million
/// new rows runs during the measurement that follows. The statement
/// timeout is lifted on this connection, which the caller closes after.
pub async fn settle_history(conn: &mut sqlx::PgConnection) -> Result<()> {
    super::maintenance::allow_long_statements(&mut *conn).await?;
    sqlx::query("VACUUM (ANALYZE) absurd.tasks, absurd.task_attempts")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes up to `limit` rows of `queue` and returns how many went; call it
/// until it returns 0, so that each statement stays short. The ids are
/// handed over as an array so that, whatever the statistics say, each row is
/// found through the primary key.
pub async fn delete_queue_rows(db: impl PgExecutor<'_>, queue: &str, limit: i64) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM absurd.tasks WHERE task_id = ANY (ARRAY(
           SELECT task_id FROM absurd.tasks WHERE queue_name = $1 LIMIT $2))",
    )
    .bind(queue)
    .bind(limit)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
