-- Task history (issue 18): one row per attempt of a task, and one per
-- operator action that changed it.
--
-- * Attempts are opened and closed by a trigger on absurd.tasks, so every
--   path records them: absurdctl's worker, the legacy functions the Python
--   workers call (no change on their side), a psql UPDATE. The WHEN clause
--   keeps heartbeats and every other update free of any trigger call.
-- * absurdctl's worker adds what only it knows to its own attempts (exit,
--   resources, output tails, progress) by UPDATE.
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
  attempt_id       bigint GENERATED ALWAYS AS IDENTITY,
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
  PRIMARY KEY (task_id, attempt_id)
);

-- Failures of every attempt by queue and time (`errors --attempts`), and
-- attempts by host (`tasks list --worker`).
CREATE INDEX IF NOT EXISTS task_attempts_ended_idx
  ON absurd.task_attempts (queue_name, ended_at) WHERE outcome <> 'completed';
CREATE INDEX IF NOT EXISTS task_attempts_hostname_idx
  ON absurd.task_attempts (hostname, ended_at);
-- The running attempts of a queue (their progress in `status`).
CREATE INDEX IF NOT EXISTS task_attempts_running_idx
  ON absurd.task_attempts (queue_name, claimed_at) WHERE ended_at IS NULL;

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

-- SECURITY DEFINER: the pipeline's role needs no right on the history
-- tables for its claims and completions to be recorded.
CREATE OR REPLACE FUNCTION absurd.record_task_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_action  text := nullif(current_setting('absurd.history_action', true), '');
  v_run     uuid := nullif(current_setting('absurd.history_run_id', true), '')::uuid;
  v_outcome text;
BEGIN
  -- The attempt that was running ends.
  IF OLD.status = 'claimed'
     AND (NEW.status <> 'claimed' OR NEW.claimed_at IS DISTINCT FROM OLD.claimed_at) THEN
    v_outcome := coalesce(
      nullif(current_setting('absurd.history_outcome', true), ''),
      CASE NEW.status
        WHEN 'completed' THEN 'completed'
        WHEN 'cancelled' THEN 'cancelled'
        WHEN 'failed' THEN 'failed'
        WHEN 'claimed' THEN 'lost'
        ELSE CASE WHEN NEW.awaiting_retry OR NEW.error IS DISTINCT FROM OLD.error
                  THEN 'failed' ELSE 'released' END
      END);
    UPDATE absurd.task_attempts a
       SET ended_at = now(),
           outcome = v_outcome,
           heartbeat_at = OLD.heartbeat_at,
           error = CASE WHEN v_outcome IN ('completed', 'released') THEN NULL ELSE NEW.error END,
           ended_by_run_id = v_run
     WHERE a.task_id = OLD.task_id AND a.ended_at IS NULL;
  END IF;
  -- A new attempt begins.
  IF NEW.status = 'claimed'
     AND (OLD.status <> 'claimed' OR NEW.claimed_at IS DISTINCT FROM OLD.claimed_at) THEN
    INSERT INTO absurd.task_attempts
           (task_id, attempt, queue_name, task_name, worker_id, hostname, claimed_at)
    VALUES (NEW.task_id, NEW.attempt, NEW.queue_name, NEW.task_name, NEW.worker_id,
            coalesce((SELECT r.hostname FROM absurd.worker_registry r
                       WHERE r.worker_id = NEW.worker_id),
                     CASE WHEN NEW.worker_id ~ '^.+-[0-9a-f]{8}$'
                          THEN left(NEW.worker_id, length(NEW.worker_id) - 9) END),
            coalesce(NEW.claimed_at, now()));
  END IF;
  IF v_action IS NOT NULL THEN
    INSERT INTO absurd.task_events
           (task_id, action, audit_run_id, old_status, new_status, old_priority, new_priority)
    VALUES (NEW.task_id, v_action, v_run, OLD.status, NEW.status,
            OLD.priority, NEW.priority);
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION absurd.record_task_history() FROM PUBLIC;

DROP TRIGGER IF EXISTS tasks_record_history ON absurd.tasks;
CREATE TRIGGER tasks_record_history
  AFTER UPDATE ON absurd.tasks
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status
        OR OLD.claimed_at IS DISTINCT FROM NEW.claimed_at
        OR OLD.priority IS DISTINCT FROM NEW.priority)
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

-- Tasks claimed before this migration: their running attempt is opened now,
-- so that its end is recorded.
INSERT INTO absurd.task_attempts
       (task_id, attempt, queue_name, task_name, worker_id, hostname, claimed_at)
SELECT t.task_id, t.attempt, t.queue_name, t.task_name, t.worker_id,
       coalesce((SELECT r.hostname FROM absurd.worker_registry r WHERE r.worker_id = t.worker_id),
                CASE WHEN t.worker_id ~ '^.+-[0-9a-f]{8}$'
                     THEN left(t.worker_id, length(t.worker_id) - 9) END),
       coalesce(t.claimed_at, now())
  FROM absurd.tasks t
 WHERE t.status = 'claimed'
   AND NOT EXISTS (SELECT 1 FROM absurd.task_attempts a
                    WHERE a.task_id = t.task_id AND a.ended_at IS NULL);

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
