-- Reaping: the rule that says why a claimed task is stuck, and the one
-- statement that gives a stuck task back, both kept in SQL so that every
-- caller (reap-stuck, status, preflight, any script) applies the same rule.

-- Why a claimed task is stuck, or NULL when it is not: 'heartbeat' when its
-- worker has been silent for longer than p_heartbeat_timeout (tasks claimed
-- before heartbeats were recorded count from their claim, and a claimed row
-- some script left without a claim time from its creation), else 'timeout'
-- when it has run longer than its own timeout_sec plus p_timeout_grace.
-- A silent worker is the likelier cause, so it is named first.
CREATE OR REPLACE FUNCTION absurd.stuck_reason(
  p_heartbeat_at timestamptz, p_claimed_at timestamptz, p_created_at timestamptz,
  p_timeout_sec integer, p_heartbeat_timeout interval, p_timeout_grace interval)
RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN coalesce(p_heartbeat_at, p_claimed_at, p_created_at) < now() - p_heartbeat_timeout
      THEN 'heartbeat'
    WHEN p_timeout_sec IS NOT NULL
         AND coalesce(p_claimed_at, p_created_at) + make_interval(secs => p_timeout_sec)
             + p_timeout_grace < now()
      THEN 'timeout'
  END
$$;

-- Same signature and rows as in 0001; the rule now lives in stuck_reason.
CREATE OR REPLACE FUNCTION absurd.stuck_tasks(
  p_queue_name text, p_heartbeat_timeout interval, p_timeout_grace interval)
RETURNS SETOF absurd.tasks
LANGUAGE sql STABLE AS $$
  SELECT t.* FROM absurd.tasks t
   WHERE t.queue_name = p_queue_name
     AND t.status = 'claimed'
     AND absurd.stuck_reason(t.heartbeat_at, t.claimed_at, t.created_at, t.timeout_sec,
                             p_heartbeat_timeout, p_timeout_grace) IS NOT NULL
$$;

-- Gives back one task that the caller saw stuck, but only if it is still
-- exactly as seen: claimed, by the same worker, with the same claim time and
-- the same (stale) heartbeat. A worker that heartbeats, completes or fails
-- at that instant changes the row or holds its lock, and wins: the task is
-- skipped (SKIP LOCKED), never waited for. Check and change are one
-- statement, so a task is never reaped twice.
-- Attempts left: 'retrying', available at once (idle workers are woken);
-- none left: 'failed'. Returns the new status, or NULL when left alone.
CREATE OR REPLACE FUNCTION absurd.reap_task(
  p_task_id uuid, p_worker_id text, p_claimed_at timestamptz, p_heartbeat_at timestamptz,
  p_error text)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  v_status text;
  v_queue  text;
BEGIN
  UPDATE absurd.tasks t
     SET status       = CASE WHEN t.attempt < t.max_retries THEN 'retrying' ELSE 'failed' END,
         available_at = CASE WHEN t.attempt < t.max_retries THEN now() ELSE t.available_at END,
         completed_at = CASE WHEN t.attempt < t.max_retries THEN t.completed_at ELSE now() END,
         wait_time_sec = extract(epoch FROM t.claimed_at - t.created_at),
         worker_id    = NULL,
         error        = p_error
    FROM (SELECT s.task_id FROM absurd.tasks s
           WHERE s.task_id = p_task_id
             AND s.status = 'claimed'
             AND s.worker_id IS NOT DISTINCT FROM p_worker_id
             AND s.claimed_at IS NOT DISTINCT FROM p_claimed_at
             AND s.heartbeat_at IS NOT DISTINCT FROM p_heartbeat_at
             FOR UPDATE SKIP LOCKED) seen
   WHERE t.task_id = seen.task_id
  RETURNING t.status, t.queue_name INTO v_status, v_queue;
  -- The ready trigger wakes workers for 'pending' only.
  IF v_status = 'retrying' THEN
    PERFORM pg_notify('absurd_task_ready', v_queue);
  END IF;
  RETURN v_status;
END
$$;
