-- no-transaction
-- `trends` counts the attempts started in its window from the task
-- history, read by end time (an attempt claimed in the window ended in
-- it). BRIN: attempts are written as they end, in ended_at order, so a
-- block range summary is tight, and it costs a completion next to nothing
-- (a B-tree here would be a second index entry per completed attempt).
CREATE INDEX CONCURRENTLY IF NOT EXISTS task_attempts_ended_brin
  ON absurd.task_attempts USING brin (ended_at);
