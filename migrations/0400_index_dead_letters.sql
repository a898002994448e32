-- no-transaction
-- status counts the dead letters (failed, and cancelled) of each queue by
-- task name from this small index alone, never from the heap, so the cost
-- follows the failed set rather than the whole history.
CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_dead_letters_idx
  ON absurd.tasks (queue_name, status, task_name)
  WHERE status IN ('failed', 'cancelled');
