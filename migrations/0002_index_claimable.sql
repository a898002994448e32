-- no-transaction
-- Claims walk only the claimable rows, whatever the history (the legacy
-- claim walked idx_tasks_priority past every finished row). Built
-- concurrently: claims and completions go on while it builds.
CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_claimable_idx
  ON absurd.tasks (queue_name, priority DESC, created_at)
  WHERE status IN ('pending', 'retrying');
