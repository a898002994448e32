-- no-transaction
-- `tasks list --worker W` lists the tasks with an attempt that failed on
-- host or worker W: without this and 1711 the history table is read whole.
-- Partial on the failed outcomes, so a completed attempt (most of them)
-- costs nothing more; the filter's two arms become one BitmapOr. One
-- statement per file: CONCURRENTLY cannot run in the implicit transaction
-- of a multi-statement query.
CREATE INDEX CONCURRENTLY IF NOT EXISTS task_attempts_failed_host_idx
  ON absurd.task_attempts (hostname)
  WHERE outcome IN ('failed', 'timed_out', 'reaped', 'lost');
