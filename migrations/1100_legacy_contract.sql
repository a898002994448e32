-- The legacy functions as the Python clients know them, and a queue those
-- clients can share with absurdctl's worker (issue 15, items 2, 3, 4, 6, 7).
--
-- * Parameter names are the released ones (p_queue_name, p_task_id, ...):
--   callers may use named notation. 0001 had renamed them.
-- * A claim records whether it was made by absurdctl's fenced path
--   (claim_fenced). The legacy calls that cannot name their caller
--   (complete_task/fail_task with two arguments, heartbeat_task with one)
--   refuse a task so held: a reaped legacy worker's late call cannot
--   overwrite the absurdctl worker that claimed the task again.
-- * A task waiting for its retry is stored `pending` (available_at in the
--   future, attempt > 0, its last error kept, awaiting_retry), the only
--   status the Python client's plain SQL reads and cancels. absurdctl derives
--   "retrying".
-- * Every completion clears `error`: it describes the task's current state.
-- * The legacy claim_task records who polls, at most one write per poller
--   every 10 s, so that idle legacy workers count as live.

-- Constant defaults: no table rewrite. claim_fenced is false for every claim
-- made before, so those stay open to the legacy calls, as they were.
-- awaiting_retry marks a pending task given back after a failed or reaped
-- attempt (absurdctl shows it as retrying); a claim clears it, and a task
-- put back by hand (retry-failed, retry_task, release_task) is plain pending.
ALTER TABLE absurd.tasks
  ADD COLUMN IF NOT EXISTS claim_fenced   boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS awaiting_retry boolean NOT NULL DEFAULT false;

-- Legacy workers seen polling. Not in worker_registry: a legacy worker does
-- not register, has no pid, version or drain state, and must not be marked
-- or counted as an absurdctl worker. Its host is the id's `<hostname>-<8 hex>`
-- prefix (NULL for other id shapes).
CREATE TABLE IF NOT EXISTS absurd.legacy_pollers (
  queue_name    text NOT NULL,
  worker_id     text NOT NULL,
  hostname      text,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (queue_name, worker_id)
);

-- Called by every legacy claim_task. A poll within 10 s of the poller's
-- last recorded one only reads (an INSERT ... ON CONFLICT DO UPDATE would
-- lock, and so dirty, the row even when its WHERE declines the update).
-- SECURITY DEFINER: the pipeline's role needs no right on this table, so
-- grants on absurdctl's tables never break a Python worker's claims.
-- A poller's id is new at every worker start: rows unseen for 7 days go when
-- a new poller appears, which is rare.
CREATE OR REPLACE FUNCTION absurd.note_legacy_poller(p_queue_name text, p_worker_id text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_new boolean;
BEGIN
  IF p_queue_name IS NULL OR p_worker_id IS NULL THEN
    RETURN;
  END IF;
  PERFORM 1 FROM absurd.legacy_pollers p
    WHERE p.queue_name = p_queue_name AND p.worker_id = p_worker_id
      AND p.last_seen_at > now() - interval '10 seconds';
  IF FOUND THEN
    RETURN;
  END IF;
  INSERT INTO absurd.legacy_pollers AS p (queue_name, worker_id, hostname)
  VALUES (p_queue_name, p_worker_id,
          CASE WHEN p_worker_id ~ '^.+-[0-9a-f]{8}$'
               THEN left(p_worker_id, length(p_worker_id) - 9) END)
  ON CONFLICT (queue_name, worker_id) DO UPDATE SET last_seen_at = now()
  RETURNING p.xmax = 0 INTO v_new;
  IF v_new THEN
    DELETE FROM absurd.legacy_pollers p WHERE p.last_seen_at < now() - interval '7 days';
  END IF;
END
$$;
REVOKE ALL ON absurd.legacy_pollers FROM PUBLIC;

-- Redefines one function, keeping the rights granted on the one it replaces
-- (a DBA may have revoked EXECUTE from PUBLIC and granted it to a role).
-- A NULL acl means the defaults, which a new function has too.
-- p_new_signature: when the argument list changes. Definitions use CREATE OR
-- REPLACE so that running this migration again (its row deleted by hand) works.
CREATE FUNCTION pg_temp.redefine(p_signature text, p_definition text, p_new_signature text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_old regprocedure := to_regprocedure(p_signature);
  v_acl aclitem[];
  v_new regprocedure;
  g record;
BEGIN
  IF v_old IS NOT NULL THEN
    SELECT proacl INTO v_acl FROM pg_catalog.pg_proc WHERE oid = v_old;
    EXECUTE format('DROP FUNCTION %s', v_old);
  END IF;
  EXECUTE p_definition;
  v_new := to_regprocedure(coalesce(p_new_signature, p_signature));
  IF v_acl IS NOT NULL THEN
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', v_new);
    FOR g IN SELECT a.grantee, a.is_grantable FROM aclexplode(v_acl) a LOOP
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s%s', v_new,
                     CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END,
                     CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
  END IF;
END
$$;

-- The one claim path. p_fenced: the claimer completes, fails and heartbeats
-- with its worker id (absurdctl's worker always does); the legacy claim_task
-- passes false. Same rules and cost as in 1000.
SELECT pg_temp.redefine('absurd.claim_tasks(text, text, integer, text[])', $def$
CREATE OR REPLACE FUNCTION absurd.claim_tasks(
  p_queue_name text, p_worker_id text, p_limit integer DEFAULT 1, p_task_names text[] DEFAULT NULL,
  p_fenced boolean DEFAULT true)
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
           heartbeat_at = now(), attempt = t.attempt + 1, completed_at = NULL,
           claim_fenced = coalesce(p_fenced, true), awaiting_retry = false
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
$$
$def$, 'absurd.claim_tasks(text, text, integer, text[], boolean)');

SELECT pg_temp.redefine('absurd.claim_task(text, text)', $def$
CREATE OR REPLACE FUNCTION absurd.claim_task(p_queue_name text, p_worker_id text)
RETURNS TABLE (task_id uuid, queue_name text, task_name text, params jsonb,
               task_priority integer, timeout_sec integer, status text, worker_id text,
               attempt integer, max_retries integer, created_at timestamptz, claimed_at timestamptz)
LANGUAGE sql AS $$
  SELECT absurd.note_legacy_poller(p_queue_name, p_worker_id);
  SELECT c.task_id, c.queue_name, c.task_name, c.params, c.priority, c.timeout_sec, c.status,
         c.worker_id, c.attempt, c.max_retries, c.created_at, c.claimed_at
    FROM absurd.claim_tasks(p_queue_name, p_worker_id, 1, NULL, false) c
$$
$def$);

SELECT pg_temp.redefine('absurd.spawn_task(text, text, jsonb, integer, integer, integer)', $def$
CREATE OR REPLACE FUNCTION absurd.spawn_task(p_queue_name text, p_task_name text, p_params jsonb,
                                  p_priority integer DEFAULT 0, p_timeout_sec integer DEFAULT NULL,
                                  p_max_retries integer DEFAULT 3)
RETURNS uuid LANGUAGE sql AS $$
  INSERT INTO absurd.tasks (queue_name, task_name, params, priority, timeout_sec, max_retries)
  VALUES (p_queue_name, p_task_name, coalesce(p_params, '{}'), coalesce(p_priority, 0),
          p_timeout_sec, coalesce(p_max_retries, 3))
  RETURNING task_id
$$
$def$);

-- Heartbeat, completion and failure: p_worker_id names the caller, and the
-- call acts only while that worker still holds the task. NULL is a caller
-- that cannot name itself (the legacy forms below): it acts on any claim
-- except one made by the fenced path.
SELECT pg_temp.redefine('absurd.heartbeat_task(uuid)', $def$
CREATE OR REPLACE FUNCTION absurd.heartbeat_task(p_task_id uuid) RETURNS boolean
LANGUAGE sql AS $$
  WITH hb AS (
    UPDATE absurd.tasks SET heartbeat_at = now()
     WHERE task_id = p_task_id AND status = 'claimed' AND NOT claim_fenced
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM hb)
$$
$def$);

SELECT pg_temp.redefine('absurd.complete_task(uuid, jsonb, text)', $def$
CREATE OR REPLACE FUNCTION absurd.complete_task(p_task_id uuid, p_result jsonb, p_worker_id text) RETURNS boolean
LANGUAGE sql AS $$
  WITH done AS (
    UPDATE absurd.tasks
       SET status = 'completed', result = p_result, error = NULL, completed_at = now(),
           wait_time_sec = extract(epoch FROM claimed_at - created_at),
           execution_time_sec = extract(epoch FROM now() - claimed_at)
     WHERE task_id = p_task_id AND status = 'claimed'
       AND (worker_id = p_worker_id OR (p_worker_id IS NULL AND NOT claim_fenced))
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM done)
$$
$def$);

SELECT pg_temp.redefine('absurd.complete_task(uuid, jsonb)', $def$
CREATE OR REPLACE FUNCTION absurd.complete_task(p_task_id uuid, p_result jsonb) RETURNS boolean
LANGUAGE sql AS $$ SELECT absurd.complete_task(p_task_id, p_result, NULL) $$
$def$);

-- Attempts left: back to `pending`, available after the backoff, with its
-- error and failure time kept (absurdctl shows it as retrying); none left:
-- `failed`, the dead letters.
SELECT pg_temp.redefine('absurd.fail_task(uuid, text, text)', $def$
CREATE OR REPLACE FUNCTION absurd.fail_task(p_task_id uuid, p_error text, p_worker_id text) RETURNS boolean
LANGUAGE sql AS $$
  WITH failed AS (
    UPDATE absurd.tasks
       SET status = CASE WHEN attempt < max_retries THEN 'pending' ELSE 'failed' END,
           awaiting_retry = attempt < max_retries,
           available_at = CASE WHEN attempt < max_retries
                               THEN now() + absurd.retry_delay(attempt) ELSE available_at END,
           error = p_error, completed_at = now(),
           wait_time_sec = extract(epoch FROM claimed_at - created_at),
           execution_time_sec = extract(epoch FROM now() - claimed_at)
     WHERE task_id = p_task_id AND status = 'claimed'
       AND (worker_id = p_worker_id OR (p_worker_id IS NULL AND NOT claim_fenced))
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM failed)
$$
$def$);

SELECT pg_temp.redefine('absurd.fail_task(uuid, text)', $def$
CREATE OR REPLACE FUNCTION absurd.fail_task(p_task_id uuid, p_error text) RETURNS boolean
LANGUAGE sql AS $$ SELECT absurd.fail_task(p_task_id, p_error, NULL) $$
$def$);

SELECT pg_temp.redefine('absurd.cancel_task(uuid)', $def$
CREATE OR REPLACE FUNCTION absurd.cancel_task(p_task_id uuid) RETURNS boolean
LANGUAGE sql AS $$
  WITH cancelled AS (
    UPDATE absurd.tasks SET status = 'cancelled', completed_at = now()
     WHERE task_id = p_task_id AND status IN ('pending', 'retrying')
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM cancelled)
$$
$def$);

SELECT pg_temp.redefine('absurd.retry_task(uuid)', $def$
CREATE OR REPLACE FUNCTION absurd.retry_task(p_task_id uuid) RETURNS boolean
LANGUAGE sql AS $$
  WITH retried AS (
    UPDATE absurd.tasks
       SET status = 'pending', worker_id = NULL, claimed_at = NULL, heartbeat_at = NULL,
           error = NULL, available_at = now()
     WHERE task_id = p_task_id AND status IN ('failed', 'cancelled') AND attempt < max_retries
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM retried)
$$
$def$);

-- Counts stored statuses, as the released function did: a task waiting for
-- its retry is one of the pending ones, and nothing stores `retrying` any more.
SELECT pg_temp.redefine('absurd.get_queue_stats(text)', $def$
CREATE OR REPLACE FUNCTION absurd.get_queue_stats(p_queue_name text)
RETURNS TABLE (pending integer, claimed integer, completed integer, failed integer,
               cancelled integer, retrying integer, total integer)
LANGUAGE sql STABLE AS $$
  SELECT count(*) FILTER (WHERE status = 'pending')::integer,
         count(*) FILTER (WHERE status = 'claimed')::integer,
         count(*) FILTER (WHERE status = 'completed')::integer,
         count(*) FILTER (WHERE status = 'failed')::integer,
         count(*) FILTER (WHERE status = 'cancelled')::integer,
         count(*) FILTER (WHERE status = 'retrying')::integer,
         count(*)::integer
    FROM absurd.tasks WHERE queue_name = p_queue_name
$$
$def$);

-- Batched forms for absurdctl's worker: same fence and same cleared error.
CREATE OR REPLACE FUNCTION absurd.complete_tasks(
  p_task_ids uuid[], p_results jsonb[], p_worker_id text)
RETURNS SETOF uuid
LANGUAGE sql AS $$
  UPDATE absurd.tasks t
     SET status = 'completed', result = r.result, error = NULL, completed_at = now(),
         wait_time_sec = extract(epoch FROM t.claimed_at - t.created_at),
         execution_time_sec = extract(epoch FROM now() - t.claimed_at)
    FROM unnest(p_task_ids, p_results) AS r(task_id, result)
   WHERE t.task_id = ANY (p_task_ids) AND t.task_id = r.task_id
     AND t.status = 'claimed'
     AND (t.worker_id = p_worker_id OR (p_worker_id IS NULL AND NOT t.claim_fenced))
  RETURNING t.task_id
$$;

-- Extension D, when setup.py applied it: same behaviour, released names.
-- complete_task_with_deps completes through the legacy complete_task, so it
-- is fenced and clears the error as well.
DO $do$
BEGIN
  IF to_regprocedure('absurd.spawn_task_with_deps(text, text, jsonb, uuid[], uuid, integer, integer, integer)') IS NOT NULL THEN
    PERFORM pg_temp.redefine('absurd.spawn_task_with_deps(text, text, jsonb, uuid[], uuid, integer, integer, integer)', $def$
CREATE OR REPLACE FUNCTION absurd.spawn_task_with_deps(
  p_queue_name text, p_task_name text, p_params jsonb, p_depends_on uuid[],
  p_workflow_id uuid DEFAULT NULL, p_priority integer DEFAULT 0,
  p_timeout_sec integer DEFAULT NULL, p_max_retries integer DEFAULT 3)
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
  v_task_id uuid;
BEGIN
  INSERT INTO absurd.tasks (queue_name, task_name, params, priority, timeout_sec,
                            max_retries, depends_on, workflow_id)
  VALUES (p_queue_name, p_task_name, p_params, p_priority, p_timeout_sec, p_max_retries,
          coalesce(p_depends_on, '{}'), p_workflow_id)
  RETURNING task_id INTO v_task_id;
  IF p_workflow_id IS NOT NULL THEN
    UPDATE absurd.workflows w SET total_tasks = w.total_tasks + 1
     WHERE w.workflow_id = p_workflow_id;
  END IF;
  RETURN v_task_id;
END
$$
$def$);
  END IF;

  IF to_regprocedure('absurd.check_blocked_tasks(uuid)') IS NOT NULL THEN
    PERFORM pg_temp.redefine('absurd.check_blocked_tasks(uuid)', $def$
CREATE OR REPLACE FUNCTION absurd.check_blocked_tasks(p_completed_task_id uuid)
RETURNS integer
LANGUAGE sql STABLE AS $$
  SELECT count(*)::integer
    FROM absurd.tasks d
   WHERE d.status = 'pending'
     AND d.depends_on @> ARRAY[p_completed_task_id]
     AND NOT EXISTS (
         SELECT 1
           FROM unnest(d.depends_on) AS dep(id)
           LEFT JOIN absurd.tasks p ON p.task_id = dep.id
          WHERE p.status IS DISTINCT FROM 'completed')
$$
$def$);
  END IF;

  IF to_regprocedure('absurd.complete_task_with_deps(uuid, jsonb)') IS NOT NULL THEN
    PERFORM pg_temp.redefine('absurd.complete_task_with_deps(uuid, jsonb)', $def$
CREATE OR REPLACE FUNCTION absurd.complete_task_with_deps(p_task_id uuid, p_result jsonb)
RETURNS TABLE (success boolean, released_tasks integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_workflow_id uuid;
BEGIN
  success := absurd.complete_task(p_task_id, p_result);
  released_tasks := 0;
  IF success THEN
    released_tasks := absurd.check_blocked_tasks(p_task_id);
    SELECT t.workflow_id INTO v_workflow_id FROM absurd.tasks t WHERE t.task_id = p_task_id;
    IF v_workflow_id IS NOT NULL THEN
      UPDATE absurd.workflows w SET completed_tasks = w.completed_tasks + 1
       WHERE w.workflow_id = v_workflow_id;
    END IF;
  END IF;
  RETURN NEXT;
END
$$
$def$);
  END IF;
END
$do$;

DROP FUNCTION pg_temp.redefine(text, text, text);

-- New work wakes idle workers at once, but a task that is not available yet
-- (a retry waiting for its backoff, a delayed start) would only wake them
-- for nothing: they set an alarm for it instead.
CREATE OR REPLACE FUNCTION absurd.notify_task_ready() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = 'pending' THEN
    RETURN NULL;
  END IF;
  IF NEW.available_at > now() THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('absurd_task_ready', NEW.queue_name);
  RETURN NULL;
END
$$;

-- A claimed task given back to the queue with a new error (fail_task, or
-- reap_task, which the reaper owns) waits for its retry, whichever function
-- did it; release_task keeps the error and so leaves it plain pending.
-- The WHEN clause keeps every other update free of any trigger call.
CREATE OR REPLACE FUNCTION absurd.mark_awaiting_retry() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.awaiting_retry := true;
  RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS tasks_mark_awaiting_retry ON absurd.tasks;
CREATE TRIGGER tasks_mark_awaiting_retry
  BEFORE UPDATE OF status ON absurd.tasks
  FOR EACH ROW
  WHEN (OLD.status = 'claimed' AND NEW.status = 'pending' AND NOT NEW.awaiting_retry
        AND NEW.error IS DISTINCT FROM OLD.error)
  EXECUTE FUNCTION absurd.mark_awaiting_retry();

-- Tasks stored `retrying` (by an earlier absurdctl, or inserted by hand)
-- become the `pending` rows every legacy reader sees; attempt, error and
-- available_at stay, and absurdctl still shows them retrying.
UPDATE absurd.tasks SET status = 'pending', awaiting_retry = true WHERE status = 'retrying';
