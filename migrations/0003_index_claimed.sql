-- no-transaction
-- Reaping, drain and status look at claimed tasks by queue and heartbeat age.
CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_claimed_idx
  ON absurd.tasks (queue_name, heartbeat_at)
  WHERE status = 'claimed';
