-- PUBLIC gains no right on absurdctl's own tables: migration 0001 let any
-- role pause a queue, forge a pause reason, a worker or an audit row. Access
-- goes through the roles `absurdctl migrate` creates (absurd_reader,
-- absurd_worker, absurd_operator). The legacy grants on absurd.tasks stay as
-- the DBA left them, except on a fresh install, where 0001 itself created
-- the table (task_id defaults to gen_random_uuid(), where setup.py's uses
-- uuid_generate_v4()) and granted PUBLIC what 0001 now takes back.
REVOKE ALL ON absurd.queue_controls, absurd.worker_registry, absurd.audit_log,
              absurd._sqlx_migrations, absurd.reaper_locks FROM PUBLIC;
REVOKE ALL ON SEQUENCE absurd.audit_log_audit_id_seq FROM PUBLIC;

DO $$
BEGIN
  IF (SELECT pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attrdef d
        JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
       WHERE d.adrelid = 'absurd.tasks'::regclass AND a.attname = 'task_id') = 'gen_random_uuid()'
  THEN
    REVOKE SELECT, INSERT, UPDATE, DELETE ON absurd.tasks FROM PUBLIC;
  END IF;
END
$$;

-- The audit log is append-only for every role but its owner, whatever was
-- granted on it: a change that a role may make cannot also erase its trace.
CREATE OR REPLACE FUNCTION absurd.audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT pg_has_role(current_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'USAGE') THEN
    RAISE EXCEPTION 'absurd.audit_log is append-only: only its owner may %', TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS audit_log_append_only ON absurd.audit_log;
CREATE TRIGGER audit_log_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON absurd.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION absurd.audit_log_append_only();
