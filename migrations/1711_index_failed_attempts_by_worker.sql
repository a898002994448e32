-- no-transaction
-- The worker-id arm of `tasks list --worker W` (see 1710).
CREATE INDEX CONCURRENTLY IF NOT EXISTS task_attempts_failed_worker_idx
  ON absurd.task_attempts (worker_id)
  WHERE outcome IN ('failed', 'timed_out', 'reaped', 'lost');
