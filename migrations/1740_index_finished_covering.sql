-- no-transaction
-- `trends` reads every task finished in its window (30 days by day: all of
-- a month's history) for its counts, buckets and percentiles: from this
-- index alone (an index-only scan), not the heap, so that a month of 1 M
-- tasks costs a pass over narrow index entries rather than a sequential
-- scan of the table. Partial on the finished statuses: a claim or
-- heartbeat adds nothing to it.
CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_finished_covering_idx
  ON absurd.tasks (queue_name, completed_at)
  INCLUDE (task_name, status, created_at, wait_time_sec, execution_time_sec)
  WHERE status IN ('completed', 'failed', 'cancelled');
