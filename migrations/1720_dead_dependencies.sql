-- A waiting task is blocked for good when a task it depends on failed or
-- was cancelled, directly or through a chain of waiting tasks (imaging
-- waits on a calibration that waits on a failed conversion): it never runs
-- unless that task is retried. absurd.dead_dependencies(depends_on) gives
-- those failed or cancelled tasks, walking up through the pending and
-- retrying ones by primary key: its cost follows the task's ancestors, not
-- the table. UNION (not UNION ALL) ends the walk even on a cycle.
-- SECURITY INVOKER: it reads only what its caller may read.
CREATE OR REPLACE FUNCTION absurd.dead_dependencies(p_depends_on uuid[])
RETURNS SETOF uuid
LANGUAGE sql STABLE AS $$
  WITH RECURSIVE up(id) AS (
    SELECT unnest(coalesce(p_depends_on, '{}'))
    UNION
    SELECT d.id
      FROM up
      JOIN absurd.tasks t ON t.task_id = up.id AND t.status IN ('pending', 'retrying')
     CROSS JOIN LATERAL unnest(coalesce(t.depends_on, '{}')) AS d(id)
  )
  SELECT t.task_id FROM up JOIN absurd.tasks t ON t.task_id = up.id
   WHERE t.status IN ('failed', 'cancelled')
$$;
