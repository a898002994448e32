-- The attempts of a batched completion, found by key whatever the
-- statistics say (issue 18: drain rate with history).
--
-- record_completed_attempts re-read its tasks with `status = 'completed'`,
-- which the status index and the finished indexes serve: while a queue's
-- rows were newer than the last ANALYZE, the planner ANDed those two
-- indexes, reading every completed task of the table for each batch
-- (8.9 ms for 100 tasks in `absurdctl bench`, more as the history grew,
-- against 16.5 ms for the completion itself). The test of the status is
-- now a CASE, which no index serves, as complete_tasks' own is since 1750,
-- so the tasks are found through their primary key. The function is
-- PL/pgSQL so that its plan is kept for the session instead of being made
-- again at every call. Same signature, owner and rights.
CREATE OR REPLACE FUNCTION absurd.record_completed_attempts(p_task_ids uuid[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  INSERT INTO absurd.task_attempts AS a
         (task_id, attempt, queue_name, task_name, worker_id, hostname, claimed_at,
          heartbeat_at, ended_at, outcome)
  SELECT t.task_id, t.attempt, t.queue_name, t.task_name, t.worker_id,
         coalesce(r.hostname, CASE WHEN t.worker_id ~ '^.+-[0-9a-f]{8}$'
                                   THEN left(t.worker_id, length(t.worker_id) - 9) END),
         coalesce(t.claimed_at, t.created_at), t.heartbeat_at, now(), 'completed'
    FROM absurd.tasks t
    LEFT JOIN absurd.worker_registry r ON r.worker_id = t.worker_id
   WHERE t.task_id = ANY (p_task_ids)
     AND CASE WHEN t.status = 'completed' THEN true ELSE false END
  ON CONFLICT (task_id, claimed_at) DO UPDATE
     SET heartbeat_at = EXCLUDED.heartbeat_at, ended_at = EXCLUDED.ended_at,
         outcome = EXCLUDED.outcome, error = NULL
   WHERE a.ended_at IS NULL;
END
$$;
