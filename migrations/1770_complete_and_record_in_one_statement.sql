-- A batch's completion and its attempts in one statement (issue 18: drain
-- rate with history). record_completed_attempts found the completed tasks
-- again by key to copy their attempts; the UPDATE's RETURNING holds every
-- column of them. To insert into the history, where absurd_worker may not,
-- complete_tasks now runs as its owner (SECURITY DEFINER, a fixed
-- search_path). It refuses a session whose role may not update
-- absurd.tasks, so that it lets nobody complete a task who could not
-- before (the pipeline's roles keep their rights on the table; a reader
-- has none), and it writes the attempts of exactly the rows it completed.
-- The row trigger is kept from writing them a second time by
-- absurd.history_written, set for the call only (the function's SET).
-- record_completed_attempts stays, unused by absurdctl, for callers of
-- the release before this one.
CREATE OR REPLACE FUNCTION absurd.complete_tasks(
  p_task_ids uuid[], p_results jsonb[], p_worker_id text)
RETURNS SETOF uuid
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET jit = off
SET absurd.history_written = 'on' AS $$
BEGIN
  IF NOT has_table_privilege(session_user, 'absurd.tasks', 'UPDATE') THEN
    RAISE EXCEPTION 'permission denied for table tasks'
      USING ERRCODE = 'insufficient_privilege',
            HINT = format('complete_tasks needs UPDATE on absurd.tasks for role %s (absurd_worker has it)',
                          session_user);
  END IF;
  RETURN QUERY
  WITH done AS (
    UPDATE absurd.tasks t
       SET status = 'completed', result = r.result, error = NULL, completed_at = now(),
           wait_time_sec = greatest(0, extract(epoch FROM t.claimed_at
                             - greatest(t.created_at, least(t.available_at, t.claimed_at)))),
           execution_time_sec = extract(epoch FROM now() - t.claimed_at)
      FROM unnest(p_task_ids, p_results) AS r(task_id, result)
     WHERE t.task_id = ANY (p_task_ids) AND t.task_id = r.task_id
       AND CASE WHEN t.status = 'claimed' THEN true ELSE false END
       AND (t.worker_id = p_worker_id OR (p_worker_id IS NULL AND NOT t.claim_fenced))
    RETURNING t.task_id, t.attempt, t.queue_name, t.task_name, t.worker_id,
              coalesce(t.claimed_at, t.created_at) AS claimed_at, t.heartbeat_at),
  recorded AS (
    INSERT INTO absurd.task_attempts AS a
           (task_id, attempt, queue_name, task_name, worker_id, hostname, claimed_at,
            heartbeat_at, ended_at, outcome)
    SELECT d.task_id, d.attempt, d.queue_name, d.task_name, d.worker_id,
           coalesce(w.hostname, CASE WHEN d.worker_id ~ '^.+-[0-9a-f]{8}$'
                                     THEN left(d.worker_id, length(d.worker_id) - 9) END),
           d.claimed_at, d.heartbeat_at, now(), 'completed'
      FROM done d
      LEFT JOIN absurd.worker_registry w ON w.worker_id = d.worker_id
    ON CONFLICT (task_id, claimed_at) DO UPDATE
       SET heartbeat_at = EXCLUDED.heartbeat_at, ended_at = EXCLUDED.ended_at,
           outcome = EXCLUDED.outcome, error = NULL
     WHERE a.ended_at IS NULL)
  SELECT done.task_id FROM done;
END
$$;
