-- no-transaction
-- The legacy idx_tasks_status (status): each status has a narrower partial
-- index (see 1765), and counts over every queue read the covering indexes.
-- It cost every claim and every completion one more index entry.
DROP INDEX CONCURRENTLY IF EXISTS absurd.idx_tasks_status;
