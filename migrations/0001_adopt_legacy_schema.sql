-- Adopt whatever shape of the ABSURD schema is there (none, L1, L2, with or
-- without extensions D and S) and bring it to absurdctl's schema, in place.
-- Everything here is idempotent: rows are never rewritten, only columns with
-- constant-time defaults are added, and every function the Python clients call
-- keeps its name, arguments and result columns.
--
-- The table lock that ALTER TABLE takes is held only for the metadata changes
-- of this one transaction; the indexes come in later migrations, built
-- CONCURRENTLY so that claims go on meanwhile.

CREATE SCHEMA IF NOT EXISTS absurd;
GRANT USAGE ON SCHEMA absurd TO PUBLIC;

-- Shape L0: create the legacy table as setup.py would have, with its grants.
DO $$
BEGIN
  IF to_regclass('absurd.tasks') IS NULL THEN
    CREATE TABLE absurd.tasks (
      task_id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      queue_name         text NOT NULL,
      task_name          text NOT NULL,
      params             jsonb NOT NULL DEFAULT '{}',
      priority           integer NOT NULL DEFAULT 0,
      timeout_sec        integer,
      status             text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending','claimed','completed','failed','cancelled','retrying')),
      worker_id          text,
      attempt            integer NOT NULL DEFAULT 0,
      max_retries        integer NOT NULL DEFAULT 3,
      result             jsonb,
      error              text,
      created_at         timestamptz NOT NULL DEFAULT now(),
      claimed_at         timestamptz,
      completed_at       timestamptz,
      wait_time_sec      double precision,
      execution_time_sec double precision
    );
    CREATE INDEX idx_tasks_queue_status ON absurd.tasks (queue_name, status);
    CREATE INDEX idx_tasks_status ON absurd.tasks (status);
    CREATE INDEX idx_tasks_created_at ON absurd.tasks (created_at DESC);
    CREATE INDEX idx_tasks_worker_id ON absurd.tasks (worker_id) WHERE worker_id IS NOT NULL;
    GRANT SELECT, INSERT, UPDATE, DELETE ON absurd.tasks TO PUBLIC;
  END IF;
END
$$;

-- Extension D columns (present on most legacy databases) and absurdctl's own.
-- Constant defaults: no table rewrite, whatever the row count.
ALTER TABLE absurd.tasks
  ADD COLUMN IF NOT EXISTS depends_on   uuid[] DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS workflow_id  uuid,
  ADD COLUMN IF NOT EXISTS heartbeat_at timestamptz,
  ADD COLUMN IF NOT EXISTS available_at timestamptz NOT NULL DEFAULT now();

-- Per-queue pause state (drain/resume). Not named `queues`: that name belongs
-- to the unrelated upstream Absurd project, which may share this schema.
CREATE TABLE IF NOT EXISTS absurd.queue_controls (
  queue_name   text PRIMARY KEY,
  paused       boolean NOT NULL DEFAULT false,
  paused_at    timestamptz,
  paused_by    text,
  pause_reason text,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS absurd.worker_registry (
  worker_id    text PRIMARY KEY,
  queue_name   text NOT NULL,
  hostname     text NOT NULL,
  pid          integer,
  version      text,
  concurrency  integer NOT NULL DEFAULT 1,
  task_names   text[],
  status       text NOT NULL DEFAULT 'running'
               CHECK (status IN ('running','draining','stopped','dead')),
  started_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  stopped_at   timestamptz
);
CREATE INDEX IF NOT EXISTS worker_registry_queue_idx ON absurd.worker_registry (queue_name, last_seen_at);

-- Who did what to the queue, from where.
CREATE TABLE IF NOT EXISTS absurd.audit_log (
  audit_id    bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  db_user     text NOT NULL DEFAULT current_user,
  os_user     text,
  client_host text,
  command     text NOT NULL,
  queue_name  text,
  filter      jsonb NOT NULL DEFAULT '{}',
  details     jsonb NOT NULL DEFAULT '{}',
  affected    bigint NOT NULL DEFAULT 0,
  dry_run     boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS audit_log_at_idx ON absurd.audit_log (at DESC);

GRANT SELECT, INSERT, UPDATE, DELETE ON absurd.queue_controls, absurd.worker_registry TO PUBLIC;
GRANT SELECT, INSERT ON absurd.audit_log TO PUBLIC;
GRANT USAGE ON SEQUENCE absurd.audit_log_audit_id_seq TO PUBLIC;
-- The schema version must be readable by every role that runs absurdctl.
GRANT SELECT ON absurd._sqlx_migrations TO PUBLIC;

-- Retry backoff: base * 2^(attempt-1) seconds, capped. Both are settings
-- (absurd.retry_backoff_base, absurd.retry_backoff_max) so that a site can
-- tune them per database or role without a new schema.
CREATE OR REPLACE FUNCTION absurd.retry_delay(p_attempt integer) RETURNS interval
LANGUAGE sql STABLE AS $$
  SELECT make_interval(secs => least(
    coalesce(nullif(current_setting('absurd.retry_backoff_max', true), '')::double precision, 3600),
    coalesce(nullif(current_setting('absurd.retry_backoff_base', true), '')::double precision, 10)
      * power(2, greatest(p_attempt, 1) - 1)))
$$;

-- The one claim path, used by the legacy claim_task and by absurdctl. It
-- walks only the partial index of claimable rows, so its cost does not grow
-- with the finished history.
CREATE OR REPLACE FUNCTION absurd.claim_tasks(
  p_queue_name text, p_worker_id text, p_limit integer DEFAULT 1, p_task_names text[] DEFAULT NULL)
RETURNS SETOF absurd.tasks
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM absurd.queue_controls qc WHERE qc.queue_name = p_queue_name AND qc.paused) THEN
    RETURN;
  END IF;
  RETURN QUERY
  WITH candidates AS (
    SELECT t.task_id
      FROM absurd.tasks t
     WHERE t.queue_name = p_queue_name
       AND t.status IN ('pending', 'retrying')
       AND t.available_at <= now()
       AND (p_task_names IS NULL OR t.task_name = ANY (p_task_names))
       AND (t.depends_on IS NULL OR cardinality(t.depends_on) = 0 OR NOT EXISTS (
             SELECT 1 FROM absurd.tasks d
              WHERE d.task_id = ANY (t.depends_on) AND d.status <> 'completed'))
     ORDER BY t.priority DESC, t.created_at
     LIMIT greatest(p_limit, 0)
       FOR UPDATE OF t SKIP LOCKED
  )
  UPDATE absurd.tasks t
     SET status = 'claimed', worker_id = p_worker_id, claimed_at = now(),
         heartbeat_at = now(), attempt = t.attempt + 1, completed_at = NULL
    FROM candidates c
   WHERE t.task_id = c.task_id
  RETURNING t.*;
END
$$;

-- Legacy functions are dropped and created again rather than replaced: L1's
-- claim_task has another result type, and CREATE OR REPLACE cannot rename
-- the parameters of whichever version setup.py left behind. They keep the
-- legacy parameter names (some clients call by name); bodies use $n since
-- those names collide with column names.
DROP FUNCTION IF EXISTS absurd.claim_task(text, text);
CREATE FUNCTION absurd.claim_task(queue text, worker text)
RETURNS TABLE (task_id uuid, queue_name text, task_name text, params jsonb,
               task_priority integer, timeout_sec integer, status text, worker_id text,
               attempt integer, max_retries integer, created_at timestamptz, claimed_at timestamptz)
LANGUAGE sql AS $$
  SELECT c.task_id, c.queue_name, c.task_name, c.params, c.priority, c.timeout_sec, c.status,
         c.worker_id, c.attempt, c.max_retries, c.created_at, c.claimed_at
    FROM absurd.claim_tasks($1, $2, 1) c
$$;

DROP FUNCTION IF EXISTS absurd.spawn_task(text, text, jsonb, integer, integer, integer);
CREATE FUNCTION absurd.spawn_task(queue text, task text, params jsonb,
                                  priority integer DEFAULT 0, timeout_sec integer DEFAULT NULL,
                                  max_retries integer DEFAULT 3)
RETURNS uuid LANGUAGE sql AS $$
  INSERT INTO absurd.tasks (queue_name, task_name, params, priority, timeout_sec, max_retries)
  VALUES ($1, $2, coalesce($3, '{}'), coalesce($4, 0), $5, coalesce($6, 3))
  RETURNING task_id
$$;

-- Heartbeat, completion and failure come in two forms: the legacy one (any
-- worker) and a fenced one that acts only while p_worker_id still owns the
-- task, so a worker whose task was reaped and re-claimed cannot touch it.
DROP FUNCTION IF EXISTS absurd.heartbeat_task(uuid);
CREATE FUNCTION absurd.heartbeat_task(task uuid) RETURNS boolean
LANGUAGE sql AS $$
  WITH hb AS (
    UPDATE absurd.tasks SET heartbeat_at = now()
     WHERE task_id = $1 AND status = 'claimed'
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM hb)
$$;

DROP FUNCTION IF EXISTS absurd.heartbeat_task(uuid, text);
CREATE FUNCTION absurd.heartbeat_task(p_task_id uuid, p_worker_id text) RETURNS boolean
LANGUAGE sql AS $$
  WITH hb AS (
    UPDATE absurd.tasks SET heartbeat_at = now()
     WHERE task_id = p_task_id AND status = 'claimed' AND worker_id = p_worker_id
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM hb)
$$;

DROP FUNCTION IF EXISTS absurd.complete_task(uuid, jsonb, text);
CREATE FUNCTION absurd.complete_task(p_task_id uuid, p_result jsonb, p_worker_id text) RETURNS boolean
LANGUAGE sql AS $$
  WITH done AS (
    UPDATE absurd.tasks
       SET status = 'completed', result = p_result, completed_at = now(),
           wait_time_sec = extract(epoch FROM claimed_at - created_at),
           execution_time_sec = extract(epoch FROM now() - claimed_at)
     WHERE task_id = p_task_id AND status = 'claimed'
       AND (p_worker_id IS NULL OR worker_id = p_worker_id)
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM done)
$$;

DROP FUNCTION IF EXISTS absurd.complete_task(uuid, jsonb);
CREATE FUNCTION absurd.complete_task(task uuid, result jsonb) RETURNS boolean
LANGUAGE sql AS $$ SELECT absurd.complete_task($1, $2, NULL) $$;

-- Failure retries while attempts remain (`attempt` counts claims, and a task
-- may be claimed max_retries times, as the legacy retry_task has it), with
-- exponential backoff; the last failure leaves it `failed`, the dead letters.
DROP FUNCTION IF EXISTS absurd.fail_task(uuid, text, text);
CREATE FUNCTION absurd.fail_task(p_task_id uuid, p_error text, p_worker_id text) RETURNS boolean
LANGUAGE sql AS $$
  WITH failed AS (
    UPDATE absurd.tasks
       SET status = CASE WHEN attempt < max_retries THEN 'retrying' ELSE 'failed' END,
           available_at = CASE WHEN attempt < max_retries
                               THEN now() + absurd.retry_delay(attempt) ELSE available_at END,
           error = p_error, completed_at = now(),
           wait_time_sec = extract(epoch FROM claimed_at - created_at),
           execution_time_sec = extract(epoch FROM now() - claimed_at)
     WHERE task_id = p_task_id AND status = 'claimed'
       AND (p_worker_id IS NULL OR worker_id = p_worker_id)
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM failed)
$$;

DROP FUNCTION IF EXISTS absurd.fail_task(uuid, text);
CREATE FUNCTION absurd.fail_task(task uuid, error text) RETURNS boolean
LANGUAGE sql AS $$ SELECT absurd.fail_task($1, $2, NULL) $$;

-- Give a claimed task back without charging the attempt (graceful shutdown).
DROP FUNCTION IF EXISTS absurd.release_task(uuid, text);
CREATE FUNCTION absurd.release_task(p_task_id uuid, p_worker_id text) RETURNS boolean
LANGUAGE sql AS $$
  WITH released AS (
    UPDATE absurd.tasks
       SET status = 'pending', attempt = greatest(attempt - 1, 0), worker_id = NULL,
           claimed_at = NULL, heartbeat_at = NULL, available_at = now()
     WHERE task_id = p_task_id AND status = 'claimed' AND worker_id = p_worker_id
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM released)
$$;

DROP FUNCTION IF EXISTS absurd.cancel_task(uuid);
CREATE FUNCTION absurd.cancel_task(task uuid) RETURNS boolean
LANGUAGE sql AS $$
  WITH cancelled AS (
    UPDATE absurd.tasks SET status = 'cancelled', completed_at = now()
     WHERE task_id = $1 AND status IN ('pending', 'retrying')
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM cancelled)
$$;

DROP FUNCTION IF EXISTS absurd.retry_task(uuid);
CREATE FUNCTION absurd.retry_task(task uuid) RETURNS boolean
LANGUAGE sql AS $$
  WITH retried AS (
    UPDATE absurd.tasks
       SET status = 'pending', worker_id = NULL, claimed_at = NULL, heartbeat_at = NULL,
           error = NULL, available_at = now()
     WHERE task_id = $1 AND status IN ('failed', 'cancelled') AND attempt < max_retries
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM retried)
$$;

DROP FUNCTION IF EXISTS absurd.get_queue_stats(text);
CREATE FUNCTION absurd.get_queue_stats(queue text)
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
    FROM absurd.tasks WHERE queue_name = $1
$$;

-- Claimed tasks whose worker has gone quiet (no heartbeat, or for tasks
-- claimed before heartbeats were recorded, no claim, within p_heartbeat_timeout)
-- or that have outrun their own timeout plus a grace. Shared by status,
-- preflight and reap-stuck so that all three agree on what "stuck" means.
CREATE OR REPLACE FUNCTION absurd.stuck_tasks(
  p_queue_name text, p_heartbeat_timeout interval, p_timeout_grace interval)
RETURNS SETOF absurd.tasks
LANGUAGE sql STABLE AS $$
  SELECT t.* FROM absurd.tasks t
   WHERE t.queue_name = p_queue_name
     AND t.status = 'claimed'
     AND (coalesce(t.heartbeat_at, t.claimed_at) < now() - p_heartbeat_timeout
          OR (t.timeout_sec IS NOT NULL
              AND t.claimed_at + make_interval(secs => t.timeout_sec) + p_timeout_grace < now()))
$$;

-- New work wakes idle workers at once; the payload is the queue name, and
-- PostgreSQL folds identical notifications of one transaction into one.
CREATE OR REPLACE FUNCTION absurd.notify_task_ready() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = 'pending' THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('absurd_task_ready', NEW.queue_name);
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS tasks_notify_ready ON absurd.tasks;
CREATE TRIGGER tasks_notify_ready
  AFTER INSERT OR UPDATE OF status ON absurd.tasks
  FOR EACH ROW WHEN (NEW.status = 'pending')
  EXECUTE FUNCTION absurd.notify_task_ready();
