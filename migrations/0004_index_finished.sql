-- no-transaction
-- Throughput windows (status) and retention (vacuum) read finished tasks by
-- queue and completion time, so their cost follows the window, not the history.
CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_finished_idx
  ON absurd.tasks (queue_name, completed_at)
  WHERE status IN ('completed', 'failed', 'cancelled');
