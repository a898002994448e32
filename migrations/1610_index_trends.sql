-- no-transaction
-- `trends` counts the tasks created in its window by queue and creation
-- time, so its cost follows the window, not the history
-- (idx_tasks_created_at is not per queue).
CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_created_idx
  ON absurd.tasks (queue_name, created_at);
