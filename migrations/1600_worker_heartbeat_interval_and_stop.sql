-- What `absurdctl workers` needs of the registry: each worker's own
-- heartbeat interval (so that one SIGKILLed is shown dead within a few of
-- its intervals, not after the reaper's 15 minutes), and a stop request an
-- operator writes (`workers stop ID [--now]`) that the worker reads at its
-- next heartbeat, from whatever host. Constant defaults only: no rewrite.
-- heartbeat_interval_sec is NULL for rows of workers started before this.
ALTER TABLE absurd.worker_registry
  ADD COLUMN IF NOT EXISTS heartbeat_interval_sec double precision,
  ADD COLUMN IF NOT EXISTS stop_requested_at timestamptz,
  ADD COLUMN IF NOT EXISTS stop_requested_by text,
  ADD COLUMN IF NOT EXISTS stop_now boolean NOT NULL DEFAULT false;
