-- Claims and completions that stay cheap whatever the statistics say
-- (issue 23, unbatched speed; issue 18, the cost of recording attempts).
--
-- * claim_tasks: a custom plan, made for the queue named in the call, picks
--   the index of all the queue's rows by creation (tasks_created_idx) and
--   sorts them when the statistics know the queue as small, e.g. a new
--   queue, or one whose rows all came after the last ANALYZE: each claim
--   then reads every row of the queue, finished ones included (1,143
--   buffers a claim of one task in a queue of 3,000 finished rows, 432
--   tasks/s drained one at a time). The generic plan walks the claimable
--   index in claim order, which is the right plan for every queue.
-- * complete_tasks: finds its tasks by key. Its test of the status is a
--   CASE, which no index serves: otherwise the planner may walk the status
--   index's `claimed` entries, which hold every task claimed since the last
--   vacuum (83 buffers to complete one task). The wait is computed as
--   tasks_wait_from_ready would, so that trigger is not called. Its
--   attempts are still written by record_completed_attempts, which may
--   insert into the history where absurd_worker may not.
-- * tasks_wait_from_ready: called only when a completion's wait is not
--   already counted from the moment its task became ready (the legacy
--   functions' completions), no longer for absurdctl's.
ALTER FUNCTION absurd.claim_tasks(text, text, integer, text[], boolean)
  SET plan_cache_mode = force_generic_plan;

CREATE OR REPLACE FUNCTION absurd.complete_tasks(
  p_task_ids uuid[], p_results jsonb[], p_worker_id text)
RETURNS SETOF uuid
LANGUAGE plpgsql AS $$
DECLARE
  v_done uuid[];
BEGIN
  PERFORM set_config('absurd.history_written', 'on', true);
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
    RETURNING t.task_id)
  SELECT array_agg(done.task_id) INTO v_done FROM done;
  PERFORM set_config('absurd.history_written', '', true);
  IF v_done IS NOT NULL THEN
    -- SECURITY DEFINER: absurd_worker may not insert into the history.
    PERFORM absurd.record_completed_attempts(v_done);
  END IF;
  RETURN QUERY SELECT unnest(coalesce(v_done, '{}'::uuid[]));
END
$$;

DROP TRIGGER IF EXISTS tasks_wait_from_ready ON absurd.tasks;
CREATE TRIGGER tasks_wait_from_ready
  BEFORE UPDATE OF wait_time_sec ON absurd.tasks
  FOR EACH ROW
  WHEN (NEW.wait_time_sec IS DISTINCT FROM OLD.wait_time_sec
        AND NEW.claimed_at IS NOT NULL AND NEW.wait_time_sec IS NOT NULL
        AND NEW.wait_time_sec IS DISTINCT FROM
            greatest(0, extract(epoch FROM NEW.claimed_at
                     - greatest(NEW.created_at, least(OLD.available_at, NEW.claimed_at))))::float8)
  EXECUTE FUNCTION absurd.wait_from_ready();
