-- Batched fenced heartbeat for absurdctl's worker: one round trip for every
-- task a worker runs, instead of one per task. Same rule as
-- heartbeat_task(uuid, text): it acts only on tasks still claimed by
-- p_worker_id and returns the ids it touched, so the worker learns which
-- tasks are no longer its own. (The batched completion is in 1000.)
CREATE OR REPLACE FUNCTION absurd.heartbeat_tasks(p_task_ids uuid[], p_worker_id text)
RETURNS SETOF uuid
LANGUAGE sql AS $$
  UPDATE absurd.tasks SET heartbeat_at = now()
   WHERE task_id = ANY (p_task_ids) AND status = 'claimed' AND worker_id = p_worker_id
  RETURNING task_id
$$;
