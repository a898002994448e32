-- no-transaction
-- `tasks list --task-name N` (its page newest first, and the count of its
-- matches, capped) and every per-name read that is not of the dead
-- letters: the tasks of one name by queue and creation time, so that the
-- cost follows the page, not the name's share of the history.
CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_name_created_idx
  ON absurd.tasks (queue_name, task_name, created_at);
