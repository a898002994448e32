-- A task's heartbeat can go stale while its worker is alive: another
-- session (an operator's forgotten `BEGIN; SELECT ... FOR UPDATE`, a slow
-- bulk change) holds the task's row locked, and `worker run` never waits
-- for a lock, so it cannot write that row's heartbeat. Its worker still
-- says it is alive every round in its registry row, which nobody else
-- locks. The reaper took such tasks from live workers the moment the lock
-- was released, before the worker's next heartbeat reached the row.
--
-- So silence is the worker's, not the row's: a task is silent only when
-- its heartbeat is stale AND its worker is not registered as alive, that is
-- running or draining, seen within the heartbeat timeout, and started no
-- later than the task's claim (a worker restarted under the same id knows
-- nothing of its predecessor's tasks, and those are reaped as before).
-- Python workers do not register: their tasks are judged by the heartbeat
-- alone, as before.

-- SECURITY DEFINER: status and preflight run as roles that may not read
-- the registry; the answer is one boolean.
CREATE OR REPLACE FUNCTION absurd.worker_alive(
  p_worker_id text, p_claimed_at timestamptz, p_heartbeat_timeout interval)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (
    SELECT 1 FROM absurd.worker_registry r
     WHERE r.worker_id = p_worker_id
       AND r.status IN ('running', 'draining')
       AND r.last_seen_at >= now() - p_heartbeat_timeout
       AND r.started_at <= p_claimed_at)
$$;

-- As stuck_reason (migration 1200), with the worker: 'heartbeat' only when
-- the heartbeat is stale and the worker is not alive in its registry.
CREATE OR REPLACE FUNCTION absurd.stuck_reason(
  p_heartbeat_at timestamptz, p_claimed_at timestamptz, p_created_at timestamptz,
  p_timeout_sec integer, p_worker_id text, p_heartbeat_timeout interval,
  p_timeout_grace interval)
RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN coalesce(p_heartbeat_at,
                  greatest(coalesce(p_claimed_at, p_created_at), absurd.heartbeats_recorded_since()))
         < now() - p_heartbeat_timeout
         AND NOT absurd.worker_alive(p_worker_id, p_claimed_at, p_heartbeat_timeout)
      THEN 'heartbeat'
    WHEN p_timeout_sec IS NOT NULL
         AND coalesce(p_claimed_at, p_created_at) + make_interval(secs => p_timeout_sec)
             + p_timeout_grace < now()
      THEN 'timeout'
  END
$$;

CREATE OR REPLACE FUNCTION absurd.stuck_tasks(
  p_queue_name text, p_heartbeat_timeout interval, p_timeout_grace interval)
RETURNS SETOF absurd.tasks
LANGUAGE sql STABLE AS $$
  SELECT t.* FROM absurd.tasks t
   WHERE t.queue_name = p_queue_name
     AND t.status = 'claimed'
     AND absurd.stuck_reason(t.heartbeat_at, t.claimed_at, t.created_at, t.timeout_sec,
                             t.worker_id, p_heartbeat_timeout, p_timeout_grace) = 'heartbeat'
$$;

CREATE OR REPLACE FUNCTION absurd.overrun_tasks(
  p_queue_name text, p_heartbeat_timeout interval, p_timeout_grace interval)
RETURNS SETOF absurd.tasks
LANGUAGE sql STABLE AS $$
  SELECT t.* FROM absurd.tasks t
   WHERE t.queue_name = p_queue_name
     AND t.status = 'claimed'
     AND absurd.stuck_reason(t.heartbeat_at, t.claimed_at, t.created_at, t.timeout_sec,
                             t.worker_id, p_heartbeat_timeout, p_timeout_grace) = 'timeout'
$$;
