-- Reaping never takes a live worker's task by default, and only roles that
-- may reap can take the reaper's lock.

-- When heartbeats began to be recorded on this database: migration 0001
-- made heartbeat_task write heartbeat_at. A task claimed before then has no
-- heartbeat through no fault of its worker (the legacy Python worker sends
-- its first one up to 30 s after its claim, and nothing recorded it), so its
-- silence counts from then, not from its claim.
CREATE OR REPLACE FUNCTION absurd.heartbeats_recorded_since() RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT installed_on FROM absurd._sqlx_migrations WHERE version = 1
$$;

-- Why a claimed task is stuck, or NULL when it is not: 'heartbeat' when its
-- worker has been silent for longer than p_heartbeat_timeout, silence
-- counting from the later of its claim (its creation for a claimed row some
-- script left without a claim time) and the moment heartbeats began to be
-- recorded; else 'timeout' when it has run longer than its own timeout_sec
-- plus p_timeout_grace although its worker still heartbeats. Only the first
-- is a dead or hung worker: the legacy Python worker never enforces
-- timeout_sec, so an overrun is reported, and reaped only on request.
CREATE OR REPLACE FUNCTION absurd.stuck_reason(
  p_heartbeat_at timestamptz, p_claimed_at timestamptz, p_created_at timestamptz,
  p_timeout_sec integer, p_heartbeat_timeout interval, p_timeout_grace interval)
RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN coalesce(p_heartbeat_at,
                  greatest(coalesce(p_claimed_at, p_created_at), absurd.heartbeats_recorded_since()))
         < now() - p_heartbeat_timeout
      THEN 'heartbeat'
    WHEN p_timeout_sec IS NOT NULL
         AND coalesce(p_claimed_at, p_created_at) + make_interval(secs => p_timeout_sec)
             + p_timeout_grace < now()
      THEN 'timeout'
  END
$$;

-- The tasks a default reap gives back: those whose worker went silent. Same
-- signature as before; a task that only overran its timeout is no longer
-- among them (see overrun_tasks).
CREATE OR REPLACE FUNCTION absurd.stuck_tasks(
  p_queue_name text, p_heartbeat_timeout interval, p_timeout_grace interval)
RETURNS SETOF absurd.tasks
LANGUAGE sql STABLE AS $$
  SELECT t.* FROM absurd.tasks t
   WHERE t.queue_name = p_queue_name
     AND t.status = 'claimed'
     AND absurd.stuck_reason(t.heartbeat_at, t.claimed_at, t.created_at, t.timeout_sec,
                             p_heartbeat_timeout, p_timeout_grace) = 'heartbeat'
$$;

-- Tasks past their timeout_sec plus p_timeout_grace whose worker still
-- heartbeats: reported by status and reap-stuck, reaped only with
-- reap-stuck --reap-overrun.
CREATE OR REPLACE FUNCTION absurd.overrun_tasks(
  p_queue_name text, p_heartbeat_timeout interval, p_timeout_grace interval)
RETURNS SETOF absurd.tasks
LANGUAGE sql STABLE AS $$
  SELECT t.* FROM absurd.tasks t
   WHERE t.queue_name = p_queue_name
     AND t.status = 'claimed'
     AND absurd.stuck_reason(t.heartbeat_at, t.claimed_at, t.created_at, t.timeout_sec,
                             p_heartbeat_timeout, p_timeout_grace) = 'timeout'
$$;

-- Gives back one task that the caller saw stuck, but only if it is still
-- exactly as seen: claimed, by the same worker, with the same claim time and
-- the same (stale) heartbeat. A worker that heartbeats, completes or fails
-- at that instant changes the row or holds its lock, and wins: the task is
-- skipped (SKIP LOCKED), never waited for. Check and change are one
-- statement, so a task is never reaped twice.
-- Attempts left: 'pending', available at once, its error kept, as every
-- task waiting for its next attempt is stored (the legacy clients read and
-- cancel only pending rows); none left: 'failed'. Returns the new status,
-- or NULL when left alone.
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
     SET status       = CASE WHEN t.attempt < t.max_retries THEN 'pending' ELSE 'failed' END,
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
  -- Idle workers are woken whatever the ready trigger does; PostgreSQL folds
  -- this notification with the trigger's when both are sent.
  IF v_status = 'pending' THEN
    PERFORM pg_notify('absurd_task_ready', v_queue);
  END IF;
  RETURN v_status;
END
$$;

-- The reaper's lock: a row per queue, locked FOR UPDATE for as long as a
-- reaper works on the queue. Locking a row needs UPDATE on this table, which
-- only reaping roles get (absurd_operator), so no other role can take the
-- lock and silently stop all reaping, as it could an advisory lock.
CREATE TABLE IF NOT EXISTS absurd.reaper_locks (
  queue_name text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON absurd.reaper_locks FROM PUBLIC;

-- Who holds the reaper's lock of each queue, and since when. A locked row's
-- xmax is its locker's transaction, whose lock pg_locks shows. SECURITY
-- DEFINER: the lock rows and other roles' sessions are visible only to
-- privileged roles, and every monitor must be able to see a hung reaper.
CREATE OR REPLACE FUNCTION absurd.reaper_lock_holders()
RETURNS TABLE (queue_name text, pid integer, usename text, application_name text,
               client_addr text, backend_start timestamptz, held_since timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT r.queue_name, l.pid, a.usename::text, a.application_name, a.client_addr::text,
         a.backend_start, a.xact_start
    FROM absurd.reaper_locks r
    JOIN pg_catalog.pg_locks l
      ON l.locktype = 'transactionid' AND l.transactionid = r.xmax
     AND l.mode = 'ExclusiveLock' AND l.granted
    LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
   WHERE l.pid <> pg_catalog.pg_backend_pid()
$$;
