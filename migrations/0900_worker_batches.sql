-- Batched forms of the fenced heartbeat and completion, for absurdctl's
-- worker: one round trip for every task a worker runs, instead of one per
-- task. Same rules as heartbeat_task/complete_task(uuid, jsonb, text): they
-- act only on tasks still claimed by p_worker_id, and return the ids they
-- touched, so the worker learns which tasks are no longer its own.
CREATE OR REPLACE FUNCTION absurd.heartbeat_tasks(p_task_ids uuid[], p_worker_id text)
RETURNS SETOF uuid
LANGUAGE sql AS $$
  UPDATE absurd.tasks SET heartbeat_at = now()
   WHERE task_id = ANY (p_task_ids) AND status = 'claimed' AND worker_id = p_worker_id
  RETURNING task_id
$$;

CREATE OR REPLACE FUNCTION absurd.complete_tasks(
  p_task_ids uuid[], p_results jsonb[], p_worker_id text)
RETURNS SETOF uuid
LANGUAGE sql AS $$
  UPDATE absurd.tasks t
     SET status = 'completed', result = r.result, completed_at = now(),
         wait_time_sec = extract(epoch FROM t.claimed_at - t.created_at),
         execution_time_sec = extract(epoch FROM now() - t.claimed_at)
    FROM unnest(p_task_ids, p_results) AS r(task_id, result)
   WHERE t.task_id = r.task_id AND t.status = 'claimed' AND t.worker_id = p_worker_id
  RETURNING t.task_id
$$;
