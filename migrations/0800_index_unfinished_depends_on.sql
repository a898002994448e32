-- no-transaction
-- vacuum must never delete a task that an unfinished task depends on (the
-- claim would treat the missing dependency as met). This finds those
-- dependents by the ids they wait for; it holds only unfinished tasks that
-- have dependencies, so it stays tiny and costs the workers next to nothing.
-- L0-adopted databases have no legacy idx_tasks_depends_on to do this.
CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_unfinished_depends_on_idx
  ON absurd.tasks USING gin (depends_on)
  WHERE status IN ('pending', 'retrying', 'claimed') AND cardinality(depends_on) > 0;
