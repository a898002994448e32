-- Every change leaves its audit record in the transaction that makes it.
--
-- Bulk commands (retry-failed, cancel, prioritize) and vacuum change the queue
-- in many short transactions: each batch writes one row here, in its own
-- transaction, so a committed change without its record cannot exist. The
-- run's one row in absurd.audit_log (with the total, written at the end) names
-- its batches by run_id; a run killed before that row still shows here.
-- Rows are only ever inserted: the audit is append-only.
CREATE TABLE IF NOT EXISTS absurd.audit_batches (
  batch_id    bigserial PRIMARY KEY,
  run_id      uuid NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  db_user     text NOT NULL DEFAULT current_user,
  os_user     text,
  client_host text,
  command     text NOT NULL,
  queue_name  text,
  affected    bigint NOT NULL,
  details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS audit_batches_run_idx ON absurd.audit_batches (run_id);
CREATE INDEX IF NOT EXISTS audit_batches_at_idx ON absurd.audit_batches (at DESC);

-- The run a summary row closes (NULL for single-transaction commands and for
-- rows older than this migration).
ALTER TABLE absurd.audit_log ADD COLUMN IF NOT EXISTS run_id uuid;
CREATE INDEX IF NOT EXISTS audit_log_run_idx ON absurd.audit_log (run_id) WHERE run_id IS NOT NULL;
