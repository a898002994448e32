-- Batched claims and completions whose cost stays flat whatever the history
-- and whatever the planner's statistics say.
--
-- claim_tasks (0001) joined its candidates back to absurd.tasks; with stale
-- statistics (a table analyzed while nearly empty, then loaded, as after a
-- bulk import or a restore) the planner answered that join with a full scan
-- of the primary key: ~800 ms per claim at a million rows. Here the
-- candidates are handed to the UPDATE as an array of ids, which can only be
-- looked up through the primary key. Same signature and result; the rows come
-- back in claim order (priority, then age).
CREATE OR REPLACE FUNCTION absurd.claim_tasks(
  p_queue_name text, p_worker_id text, p_limit integer DEFAULT 1, p_task_names text[] DEFAULT NULL)
RETURNS SETOF absurd.tasks
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM absurd.queue_controls qc WHERE qc.queue_name = p_queue_name AND qc.paused) THEN
    RETURN;
  END IF;
  RETURN QUERY
  WITH claimed AS (
    UPDATE absurd.tasks t
       SET status = 'claimed', worker_id = p_worker_id, claimed_at = now(),
           heartbeat_at = now(), attempt = t.attempt + 1, completed_at = NULL
     WHERE t.task_id = ANY (ARRAY(
             SELECT c.task_id
               FROM absurd.tasks c
              WHERE c.queue_name = p_queue_name
                AND c.status IN ('pending', 'retrying')
                AND c.available_at <= now()
                AND (p_task_names IS NULL OR c.task_name = ANY (p_task_names))
                AND (c.depends_on IS NULL OR cardinality(c.depends_on) = 0 OR NOT EXISTS (
                      SELECT 1 FROM absurd.tasks d
                       WHERE d.task_id = ANY (c.depends_on) AND d.status <> 'completed'))
              ORDER BY c.priority DESC, c.created_at
              LIMIT greatest(p_limit, 0)
                FOR UPDATE OF c SKIP LOCKED))
    RETURNING t.*)
  SELECT * FROM claimed ORDER BY claimed.priority DESC, claimed.created_at;
END
$$;

-- Batched completion, next to the batched claim: a worker that claimed n
-- tasks completes the finished ones in one statement instead of n round
-- trips. Fenced like complete_task(uuid, jsonb, text): only tasks still
-- claimed by p_worker_id change (NULL means any worker), so a task that was
-- reaped and claimed again keeps its new owner's result. Returns the ids
-- that were completed; the caller learns which were not. The ids are looked
-- up through the primary key; callers pass them sorted (complete_many does)
-- so that two batches lock rows in the same order and cannot deadlock.
CREATE OR REPLACE FUNCTION absurd.complete_tasks(
  p_task_ids uuid[], p_results jsonb[], p_worker_id text)
RETURNS SETOF uuid
LANGUAGE sql AS $$
  UPDATE absurd.tasks t
     SET status = 'completed', result = r.result, completed_at = now(),
         wait_time_sec = extract(epoch FROM t.claimed_at - t.created_at),
         execution_time_sec = extract(epoch FROM now() - t.claimed_at)
    FROM unnest(p_task_ids, p_results) AS r(task_id, result)
   WHERE t.task_id = ANY (p_task_ids) AND t.task_id = r.task_id
     AND t.status = 'claimed'
     AND (p_worker_id IS NULL OR t.worker_id = p_worker_id)
  RETURNING t.task_id
$$;
