-- no-transaction
-- tasks_finished_idx (queue_name, completed_at) over the finished rows is
-- the key of tasks_finished_covering_idx (1740), which serves every read
-- it served: each completion paid for one more index entry than it needs
-- (issue 18: drain rate with history).
DROP INDEX CONCURRENTLY IF EXISTS absurd.tasks_finished_idx;
