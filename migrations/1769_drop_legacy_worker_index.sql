-- no-transaction
-- The legacy idx_tasks_worker_id: its reads are of claimed tasks, which
-- tasks_claimed_worker_idx (1768) serves. Neither the Python client nor its
-- worker reads tasks by worker id. No row changes.
DROP INDEX CONCURRENTLY IF EXISTS absurd.idx_tasks_worker_id;
