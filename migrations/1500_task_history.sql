-- Task history (issue 18): one row per attempt of a task, and one per
-- operator action that changed it.
--
-- * An attempt's row is written when it ends, by a trigger on absurd.tasks,
--   so every path records it: absurdctl's worker, the legacy functions the
--   Python workers call (no change on their side), a psql UPDATE. A running
--   attempt is its claimed task (status, worker, claimed_at, heartbeat_at):
--   claims write nothing more, and the WHEN clause keeps claims, heartbeats
--   and every other update free of any trigger call.
-- * absurdctl's worker adds what only it knows to its own attempts: output
--   tails and progress while it runs (an upsert, which the end completes),
--   exit and resources at the end (in the transaction storing the result).
-- * Operator commands name themselves for the transaction
--   (absurd.history_action, absurd.history_run_id): the trigger writes an
--   event per changed task with that audit run (absurd.audit_log.run_id, and
--   absurd.audit_batches, so an interrupted run is found too), and an
--   attempt they end carries it too. absurd.history_outcome overrides the
--   outcome of the attempts a statement ends (reaped, timed_out).
-- * Names: task_attempts and task_events cannot collide with the upstream
--   Absurd project's per-queue tables (t_<queue>, r_<queue>, ...).
-- * History goes with its task, however it is deleted (vacuum archives it
--   first, a runbook's psql DELETE or TRUNCATE): by a statement trigger, not
--   a foreign key, which would refuse a plain TRUNCATE absurd.tasks and
--   check every claim.

CREATE TABLE IF NOT EXISTS absurd.task_attempts (
  task_id          uuid NOT NULL,
  attempt          integer NOT NULL,
  queue_name       text NOT NULL,
  task_name        text NOT NULL,
  worker_id        text,
  hostname         text,
  claimed_at       timestamptz NOT NULL,
  heartbeat_at     timestamptz,
  ended_at         timestamptz,
  outcome          text CHECK (outcome IN ('completed', 'failed', 'timed_out', 'cancelled',
                                           'reaped', 'released', 'lost')),
  error            text,
  exit_code        integer,
  exit_signal      integer,
  timed_out        boolean,
  run_time_sec     double precision,
  cpu_time_sec     double precision,
  peak_rss_kib     bigint,
  stdout_tail      text,
  stderr_tail      text,
  stdout_bytes     bigint,
  stderr_bytes     bigint,
  progress         double precision CHECK (progress BETWEEN 0 AND 1),
  progress_message text,
  progress_at      timestamptz,
  ended_by_run_id  uuid,
  PRIMARY KEY (task_id, claimed_at)
);

-- Failed attempts by queue and time (`errors --attempts`, `tasks list
-- --worker`). A completed attempt adds nothing to it: the only other index
-- is the primary key, so that recording costs a completion one insert.
CREATE INDEX IF NOT EXISTS task_attempts_failed_idx
  ON absurd.task_attempts (queue_name, ended_at) WHERE outcome <> 'completed';

CREATE TABLE IF NOT EXISTS absurd.task_events (
  task_id      uuid NOT NULL,
  event_id     bigint GENERATED ALWAYS AS IDENTITY,
  at           timestamptz NOT NULL DEFAULT now(),
  action       text NOT NULL,
  db_user      text NOT NULL DEFAULT current_user,
  audit_run_id uuid,
  old_status   text,
  new_status   text,
  old_priority integer,
  new_priority integer,
  PRIMARY KEY (task_id, event_id)
);

REVOKE ALL ON absurd.task_attempts, absurd.task_events FROM PUBLIC;

-- The host of a worker id: absurdctl's worker's registered host, else the
-- `<hostname>-<8 hex>` prefix of a Python worker's id (NULL otherwise).
CREATE OR REPLACE FUNCTION absurd.worker_host(p_worker_id text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce((SELECT r.hostname FROM absurd.worker_registry r WHERE r.worker_id = p_worker_id),
                  CASE WHEN p_worker_id ~ '^.+-[0-9a-f]{8}$'
                       THEN left(p_worker_id, length(p_worker_id) - 9) END)
$$;

-- SECURITY DEFINER: the pipeline's role needs no right on the history
-- tables for its claims and completions to be recorded. One statement per
-- UPDATE of absurd.tasks, whatever its size (a batch of 100 completions
-- writes its 100 attempts in one INSERT): a row-level trigger cost a
-- completion more than the completion itself. A statement that ends no
-- attempt (a claim, a heartbeat) inserts nothing.
CREATE OR REPLACE FUNCTION absurd.record_task_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_action  text := nullif(current_setting('absurd.history_action', true), '');
  v_run     uuid := nullif(current_setting('absurd.history_run_id', true), '')::uuid;
  v_outcome text := nullif(current_setting('absurd.history_outcome', true), '');
BEGIN
  INSERT INTO absurd.task_attempts AS a
         (task_id, attempt, queue_name, task_name, worker_id, hostname, claimed_at,
          heartbeat_at, ended_at, outcome, error, ended_by_run_id)
  SELECT o.task_id, o.attempt, o.queue_name, o.task_name, o.worker_id,
         coalesce(r.hostname, CASE WHEN o.worker_id ~ '^.+-[0-9a-f]{8}$'
                                   THEN left(o.worker_id, length(o.worker_id) - 9) END),
         coalesce(o.claimed_at, o.created_at), o.heartbeat_at, now(), x.outcome,
         CASE WHEN x.outcome IN ('completed', 'released') THEN NULL ELSE n.error END, v_run
    FROM old_tasks o
    JOIN new_tasks n ON n.task_id = o.task_id
    LEFT JOIN absurd.worker_registry r ON r.worker_id = o.worker_id
   CROSS JOIN LATERAL (SELECT coalesce(v_outcome,
       CASE n.status
         WHEN 'completed' THEN 'completed'
         WHEN 'cancelled' THEN 'cancelled'
         WHEN 'failed' THEN 'failed'
         WHEN 'claimed' THEN 'lost'
         ELSE CASE WHEN n.awaiting_retry OR n.error IS DISTINCT FROM o.error
                   THEN 'failed' ELSE 'released' END
       END) AS outcome) x
   WHERE o.status = 'claimed'
     AND (n.status <> 'claimed' OR n.claimed_at IS DISTINCT FROM o.claimed_at)
  ON CONFLICT (task_id, claimed_at) DO UPDATE
     SET heartbeat_at = EXCLUDED.heartbeat_at, ended_at = EXCLUDED.ended_at,
         outcome = EXCLUDED.outcome, error = EXCLUDED.error,
         ended_by_run_id = EXCLUDED.ended_by_run_id
   WHERE a.ended_at IS NULL;
  IF v_action IS NOT NULL THEN
    INSERT INTO absurd.task_events
           (task_id, action, audit_run_id, old_status, new_status, old_priority, new_priority)
    SELECT n.task_id, v_action, v_run, o.status, n.status, o.priority, n.priority
      FROM old_tasks o JOIN new_tasks n ON n.task_id = o.task_id
     WHERE o.status IS DISTINCT FROM n.status OR o.priority IS DISTINCT FROM n.priority;
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION absurd.record_task_history() FROM PUBLIC;

DROP TRIGGER IF EXISTS tasks_record_history ON absurd.tasks;
CREATE TRIGGER tasks_record_history
  AFTER UPDATE ON absurd.tasks
  REFERENCING OLD TABLE AS old_tasks NEW TABLE AS new_tasks
  FOR EACH STATEMENT
  EXECUTE FUNCTION absurd.record_task_history();

-- The audit row of a run, for the history's readers: absurd_worker may
-- read a task's history (`tasks show`) but not the audit log.
CREATE OR REPLACE FUNCTION absurd.audit_id_of_run(p_run_id uuid) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT l.audit_id FROM absurd.audit_log l WHERE l.run_id = p_run_id ORDER BY l.audit_id LIMIT 1
$$;

-- One statement per DELETE, whatever its size: the deleted rows' history.
CREATE OR REPLACE FUNCTION absurd.delete_task_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE absurd.task_attempts, absurd.task_events;
    RETURN NULL;
  END IF;
  -- = ANY (array): the history's index, whatever the planner guesses of
  -- a transition table (it has no statistics).
  DELETE FROM absurd.task_attempts a
   WHERE a.task_id = ANY (ARRAY(SELECT d.task_id FROM deleted_tasks d));
  DELETE FROM absurd.task_events e
   WHERE e.task_id = ANY (ARRAY(SELECT d.task_id FROM deleted_tasks d));
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION absurd.delete_task_history() FROM PUBLIC;

DROP TRIGGER IF EXISTS tasks_delete_history ON absurd.tasks;
CREATE TRIGGER tasks_delete_history
  AFTER DELETE ON absurd.tasks
  REFERENCING OLD TABLE AS deleted_tasks
  FOR EACH STATEMENT
  EXECUTE FUNCTION absurd.delete_task_history();

DROP TRIGGER IF EXISTS tasks_truncate_history ON absurd.tasks;
CREATE TRIGGER tasks_truncate_history
  AFTER TRUNCATE ON absurd.tasks
  FOR EACH STATEMENT
  EXECUTE FUNCTION absurd.delete_task_history();

-- reap_task ends the attempt as reaped (not failed); same rules as in 1200.
CREATE OR REPLACE FUNCTION absurd.reap_task(
  p_task_id uuid, p_worker_id text, p_claimed_at timestamptz, p_heartbeat_at timestamptz,
  p_error text)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  v_status text;
  v_queue  text;
BEGIN
  PERFORM set_config('absurd.history_outcome', 'reaped', true);
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
  PERFORM set_config('absurd.history_outcome', '', true);
  IF v_status = 'pending' THEN
    PERFORM pg_notify('absurd_task_ready', v_queue);
  END IF;
  RETURN v_status;
END
$$;
