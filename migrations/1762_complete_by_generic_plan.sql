-- Completions plan once per session, as claims do since 1750 (issue 23:
-- unbatched speed; issue 18: the cost of recording attempts).
--
-- complete_tasks and record_completed_attempts took a custom plan at every
-- call, their task ids being a parameter: planning a join of absurd.tasks,
-- with all its indexes, cost more than the completion of one or two tasks
-- (complete_tasks 0.95 ms a call as `worker run` makes them, 0.61 ms with
-- the generic plan; `absurdctl bench --batch 1` drained 1,051-1,122 tasks/s,
-- 1,451-1,583 with it). The generic plan finds the tasks by primary key,
-- which is the plan for every batch.
ALTER FUNCTION absurd.complete_tasks(uuid[], jsonb[], text)
  SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION absurd.record_completed_attempts(uuid[])
  SET plan_cache_mode = force_generic_plan;
