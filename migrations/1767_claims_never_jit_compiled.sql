-- Claims and completions are never JIT-compiled (issue 18: drain rate with
-- history; issue 23: claim cost). claim_tasks runs on a generic plan
-- (1750), whose estimate does not know the LIMIT: with a backlog the
-- statistics know (20,000 pending tasks beside 1 M finished ones) it
-- estimates 180,000, above jit_above_cost (100,000 by default), and every
-- claim spent 13 ms compiling its plan before running it for 0.3 ms
-- (15.9 ms a claim of 100 against 2.6 ms without, pgbench, one client).
-- The statements of a queue's hot path read a few rows by index: JIT never
-- pays for itself there. Set on the functions, so that the Python workers'
-- claim_task (which calls claim_tasks) gets it too.
ALTER FUNCTION absurd.claim_tasks(text, text, integer, text[], boolean) SET jit = off;
ALTER FUNCTION absurd.record_completed_attempts(uuid[]) SET jit = off;
