-- no-transaction
-- The legacy idx_tasks_queue_status (queue_name, status), from the
-- pipeline's setup: the tasks of a queue in one status are read through
-- the partial index of that status (tasks_claimable_idx, tasks_claimed_idx,
-- tasks_finished_covering_idx, tasks_dead_letters_idx), and the counts of
-- all statuses of a queue through tasks_created_status_idx (1763). It cost
-- every claim and every completion one more index entry. No row changes;
-- the Python client's statements return what they returned.
DROP INDEX CONCURRENTLY IF EXISTS absurd.idx_tasks_queue_status;
