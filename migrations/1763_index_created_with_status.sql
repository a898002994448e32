-- no-transaction
-- The tasks of a queue by creation, with their status (issue 18: drain rate
-- with history). Replaces tasks_created_idx (1610, dropped by 1764), and
-- with it the legacy idx_tasks_queue_status (1765): the Python client's
-- queue stats (`WHERE queue_name = $1 GROUP BY status`) and
-- get_queue_stats read this index alone. Every status change of a task
-- writes one entry in each index of the table that is not partial to the
-- other status: before 1763-1766, eight for a claim and eight for a
-- completion, where the build before task history wrote six.
CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_created_status_idx
  ON absurd.tasks (queue_name, created_at) INCLUDE (status);
