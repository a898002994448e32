-- no-transaction
-- `tasks list --error-contains TEXT` (ILIKE '%TEXT%', which no B-tree
-- serves) reads the tasks that have an error, newest first, from this
-- index: those are the failed and retrying few, not the history. The
-- planner proves `error IS NOT NULL` from the ILIKE itself.
CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_with_error_idx
  ON absurd.tasks (queue_name, created_at)
  WHERE error IS NOT NULL;
