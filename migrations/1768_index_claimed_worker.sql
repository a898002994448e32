-- no-transaction
-- The tasks a worker holds (issue 18: drain rate with history). Every read
-- of absurd.tasks by worker id is of claimed tasks: a worker's running
-- tasks (held_by, the output and progress it stores, the roster's and
-- status's claims by worker). The legacy
-- idx_tasks_worker_id (worker_id) WHERE worker_id IS NOT NULL also keeps an
-- entry for every finished task (dropped by 1769), so that it grows with the
-- history and costs every completion an entry; this one holds the running
-- tasks alone, and a completion adds nothing to it.
CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_claimed_worker_idx
  ON absurd.tasks (worker_id) WHERE status = 'claimed';
