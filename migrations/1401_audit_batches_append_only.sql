-- The audit's batch records are as append-only as the audit log itself
-- (1201): a role that may change tasks cannot erase what a batch recorded.
-- One trigger function for both tables, naming the table it guards.
CREATE OR REPLACE FUNCTION absurd.audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT pg_has_role(current_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'USAGE') THEN
    RAISE EXCEPTION 'absurd.% is append-only: only its owner may %', TG_TABLE_NAME, TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS audit_batches_append_only ON absurd.audit_batches;
CREATE TRIGGER audit_batches_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON absurd.audit_batches
  FOR EACH STATEMENT EXECUTE FUNCTION absurd.audit_append_only();

DROP TRIGGER IF EXISTS audit_log_append_only ON absurd.audit_log;
CREATE TRIGGER audit_log_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON absurd.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION absurd.audit_append_only();
DROP FUNCTION IF EXISTS absurd.audit_log_append_only();

REVOKE ALL ON absurd.audit_batches FROM PUBLIC;
REVOKE ALL ON SEQUENCE absurd.audit_batches_batch_id_seq FROM PUBLIC;
