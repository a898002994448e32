-- no-transaction
-- Its key is tasks_created_status_idx's (1763), which serves every read it
-- served.
DROP INDEX CONCURRENTLY IF EXISTS absurd.tasks_created_idx;
