-- A task's wait (wait_time_sec) is how long it waited to be claimed once it
-- could run: from the later of its creation and the time it became
-- available (a retry's backoff ending, a reaped task given back, a delayed
-- start), not from its creation. Every path that records the wait (the
-- legacy complete_task and fail_task the Python worker calls, absurdctl's
-- batched completion, the bulk commands) sets it from claimed_at -
-- created_at; this trigger corrects it where it is set, so all of them, old
-- and new callers alike, agree. It fires only when wait_time_sec changes:
-- never on a claim or a heartbeat.
CREATE OR REPLACE FUNCTION absurd.wait_from_ready()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.claimed_at IS NOT NULL AND NEW.wait_time_sec IS NOT NULL THEN
    NEW.wait_time_sec := greatest(0, extract(epoch FROM
      NEW.claimed_at - greatest(NEW.created_at, least(OLD.available_at, NEW.claimed_at))));
  END IF;
  RETURN NEW;
END
$$;

-- Idempotent, as every migration here: a rerun replaces it.
DROP TRIGGER IF EXISTS tasks_wait_from_ready ON absurd.tasks;
CREATE TRIGGER tasks_wait_from_ready
  BEFORE UPDATE OF wait_time_sec ON absurd.tasks
  FOR EACH ROW
  WHEN (NEW.wait_time_sec IS DISTINCT FROM OLD.wait_time_sec)
  EXECUTE FUNCTION absurd.wait_from_ready();

REVOKE ALL ON FUNCTION absurd.wait_from_ready() FROM PUBLIC;
