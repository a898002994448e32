#!/usr/bin/env bash
# Benchmark harness (not part of the test suite): the legacy claim loop
# against absurdctl's, on one throwaway PostgreSQL, in one run.
#
#   scripts/bench.sh            # a few minutes; builds target/release/absurdctl first
#
# - legacy: a database in shape L2 (tests/fixtures/legacy_base_l2.sql, as
#   setup.py left it), driven by pgbench as the Python workers drive it:
#   claim_task then complete_task per task, 4 clients; a worker polling every
#   second for the pickup latency.
# - legacy functions after migrate: the same claim_task call on the same
#   shape after `absurdctl migrate` (what the Python clients get).
# - absurdctl: `absurdctl bench` on that migrated database (its own queue;
#   in-process workers claiming and completing in batches; LISTEN/NOTIFY).
# Each at 0 and HISTORY finished rows, with PENDING pending tasks while
# claims are timed. Prints the figures, the machine and the ratios.
#
# Environment (defaults):
#   HISTORY=1000000      finished rows of the second measurement (0: only one)
#   PENDING=10000        pending tasks while claims are timed and then drained
#   SAMPLES=1000         absurdctl: single claims and pickups timed
#   WORKERS=4 BATCH=100  absurdctl: drain workers, tasks per claim/completion;
#                        the legacy drain always uses 4 clients of one task each
#   LEGACY_SAMPLES=100   legacy: claims timed (about 170 ms each at 1 M rows)
#   LEGACY_SECONDS=20    legacy: longest drain, and length of the pickup run
#   ABSURDCTL=path       absurdctl binary to use instead of building one
#   BASELINE=path        also run `bench` of this absurdctl binary (an earlier
#                        build, e.g. of the commit before a change) on a
#                        database it migrates; its figures go beside ABSURDCTL's
#   FSYNC=on             the server's fsync (the test clusters run without)
#   PG_EXTRA_OPTS=       more server options, e.g. "-c log_min_duration_statement=1s"
#   KEEP_WORK=1          keep the work directory (server log, pgbench logs) in /tmp
#   PEER=graphile        also a peer: graphile-worker (scripts/bench-peer-graphile.sh,
#                        npm, installed once in ~/.cache/absurdctl-peer) draining
#                        PEER_JOBS no-op jobs with WORKERS of concurrency, one job
#                        per fetch, beside `absurdctl bench --batch 1` draining as
#                        many tasks with WORKERS workers; each on a fresh database,
#                        no history. Prints them with the batched drain and the ratio
#   PEER_JOBS=20000      peer: jobs/tasks of those two drains
set -euo pipefail
cd "$(dirname "$0")/.."

HISTORY=${HISTORY:-1000000}
PENDING=${PENDING:-10000}
SAMPLES=${SAMPLES:-1000}
WORKERS=${WORKERS:-4}
BATCH=${BATCH:-100}
LEGACY_SAMPLES=${LEGACY_SAMPLES:-100}
LEGACY_SECONDS=${LEGACY_SECONDS:-20}
FSYNC=${FSYNC:-on}
PEER=${PEER:-}
PEER_JOBS=${PEER_JOBS:-20000}
case "$PEER" in ''|graphile) ;; *) echo "PEER: only graphile is known" >&2; exit 2 ;; esac

pg_bindir() {
  if [ -n "${PG_BINDIR:-}" ]; then echo "$PG_BINDIR"; return; fi
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/pgbench" ]; then
    pg_config --bindir; return
  fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/pgbench" ] && { echo "$d"; return; }
  done
  dirname "$(command -v pgbench)"
}
PGBENCH="$(pg_bindir)/pgbench"
[ -x "$PGBENCH" ] || { echo "pgbench not found (set PG_BINDIR)" >&2; exit 1; }

if [ -z "${ABSURDCTL:-}" ]; then
  echo "building absurdctl (release)" >&2
  cargo build --release --quiet
  ABSURDCTL=target/release/absurdctl
fi

work=$(mktemp -d /tmp/absurdctl-bench.XXXXXX)
chmod 755 "$work" # the server may run as another user (postgres, when we are root)
trap 'scripts/pg-throwaway.sh stop "$work/pg"; [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT
# max_wal_size: the million-row inserts would otherwise force checkpoints in
# the middle of the measurements that follow them.
server=$(PG_EXTRA_OPTS="-c fsync=$FSYNC -c max_wal_size=4GB ${PG_EXTRA_OPTS:-}" \
  scripts/pg-throwaway.sh start "$work/pg")
db() { printf '%s/%s' "${server%/*}" "$1"; }
sql() { local d=$1; shift; psql "$(db "$d")" -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
say() { echo "[$(date +%T)] $*" >&2; }

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
sql postgres -c 'CREATE DATABASE harness'
sql harness -c 'CREATE TABLE results (history bigint, path text, metric text, value double precision)'

# A database of shape L2, migrated by absurdctl when asked. Every measurement
# gets a fresh one and nothing is dropped or truncated before the end: on
# this machine freeing a large file stalls fsync for seconds (the disk is
# mounted with online discard), which would land in the next measurement.
new_db() { # name [migrate]
  sql postgres -c "CREATE DATABASE \"$1\""
  sql "$1" -f tests/fixtures/legacy_base_l2.sql
  if [ -n "${2:-}" ]; then "$ABSURDCTL" --database-url "$(db "$1")" migrate -q; fi
}

record() { # history path metric value
  sql harness -c "INSERT INTO results VALUES ($1, '$2', '$3', $4)"
}

# The pgbench scripts: exactly the calls the Python client makes.
cat >"$work/claim.sql" <<'EOF'
SELECT * FROM absurd.claim_task('bench', 'legacy-worker');
EOF
# A claim that finds nothing ends the client (\gset wants one row): the
# drain stops when the queue is empty.
cat >"$work/drain.sql" <<'EOF'
SELECT quote_literal(task_id) AS tid FROM absurd.claim_task('bench', 'legacy-worker') \gset
SELECT absurd.complete_task(:tid::uuid, '{}'::jsonb);
EOF
cat >"$work/spawn_one.sql" <<'EOF'
SELECT absurd.spawn_task('bench-spawn', 'noop', '{}'::jsonb);
EOF
# The Python worker sleeps a second when a claim finds nothing.
cat >"$work/poll.sql" <<'EOF'
SELECT count(*) AS claimed FROM absurd.claim_task('bench-pickup', 'legacy-poller') \gset
\if :claimed = 0
\sleep 1000 ms
\endif
EOF
cat >"$work/spawn.sql" <<'EOF'
\set pause random(500, 1500)
\sleep :pause ms
SELECT absurd.spawn_task('bench-pickup', 'noop', '{}'::jsonb);
EOF

# The queue `bench` with $2 finished rows, older than its $PENDING pending
# ones, and statistics as a live database has them.
fill() { # database history
  sql "$1" -v history="$2" -v pending="$PENDING" <<'EOF'
INSERT INTO absurd.tasks (queue_name, task_name, params, status, worker_id, attempt, result, error,
                          created_at, claimed_at, completed_at, wait_time_sec, execution_time_sec)
SELECT 'bench', 'bench-history', jsonb_build_object('n', g), s.status, 'legacy-history', 1,
       CASE WHEN s.status = 'completed' THEN '{}'::jsonb END,
       CASE WHEN s.status = 'failed' THEN 'bench history' END,
       c.at, c.at, c.at + interval '1 second', 0, 1
  FROM generate_series(1, :history) AS g
 CROSS JOIN LATERAL (SELECT now() - interval '1 hour' - g * interval '1 millisecond' AS at) c
 CROSS JOIN LATERAL (SELECT CASE WHEN g % 50 = 0 THEN 'failed' WHEN g % 101 = 0 THEN 'cancelled'
                                 ELSE 'completed' END AS status) s;
INSERT INTO absurd.tasks (queue_name, task_name, params)
SELECT 'bench', 'bench-noop', jsonb_build_object('n', g) FROM generate_series(1, :pending) AS g;
VACUUM ANALYZE absurd.tasks;
CHECKPOINT;
EOF
}

# Single claims, one client; latencies from pgbench's per-transaction log.
claims() { # database history path
  rm -f "$work"/claimlog*
  "$PGBENCH" -n -c 1 -t "$LEGACY_SAMPLES" -f "$work/claim.sql" -l --log-prefix="$work/claimlog" \
    "$(db "$1")" >/dev/null
  local sorted="$work/claims.sorted"
  awk '{print $3 / 1000}' "$work"/claimlog* | sort -g >"$sorted"
  local n; n=$(wc -l <"$sorted")
  for p in 50 99; do
    record "$2" "$3" "claim_p$p" "$(sed -n "$(( (n * p + 99) / 100 ))p" "$sorted")"
  done
}

# claim_task then complete_task per task, 4 clients, until the queue is
# empty or LEGACY_SECONDS have passed.
drain() { # database history path
  local out
  out=$("$PGBENCH" -n -c 4 -j 2 -T "$LEGACY_SECONDS" -f "$work/drain.sql" "$(db "$1")" 2>/dev/null || true)
  record "$2" "$3" drain "$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")"
}

legacy() { # history
  local h=$1 d="legacy_$1"
  say "legacy: $h history rows + $PENDING pending"
  new_db "$d"
  fill "$d" "$h"
  say "legacy: $LEGACY_SAMPLES claims"
  claims "$d" "$h" legacy
  say "legacy: $SAMPLES spawns"
  local out
  out=$("$PGBENCH" -n -c 1 -t "$SAMPLES" -f "$work/spawn_one.sql" "$(db "$d")")
  record "$h" legacy spawn_one "$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")"
  say "legacy: drain, 4 clients, at most ${LEGACY_SECONDS}s"
  drain "$d" "$h" legacy
  # An idle queue for the pickup: what was left is cancelled (finished rows).
  sql "$d" -c "UPDATE absurd.tasks SET status = 'cancelled', completed_at = now()
                WHERE queue_name IN ('bench', 'bench-spawn') AND status IN ('pending', 'claimed')"
  say "legacy: pickup by a worker polling every second, ${LEGACY_SECONDS}s"
  "$PGBENCH" -n -c 1 -T "$LEGACY_SECONDS" -f "$work/poll.sql" "$(db "$d")" >/dev/null &
  local poller=$!
  "$PGBENCH" -n -c 1 -T "$LEGACY_SECONDS" -f "$work/spawn.sql" "$(db "$d")" >/dev/null
  wait "$poller"
  sql "$d" -c "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY ms), percentile_disc(0.99) WITHIN GROUP (ORDER BY ms)
                   FROM (SELECT extract(epoch FROM claimed_at - created_at) * 1000 AS ms
                           FROM absurd.tasks WHERE queue_name = 'bench-pickup' AND claimed_at IS NOT NULL) p" |
    { IFS='|' read -r p50 p99; record "$h" legacy pickup_p50 "$p50"; record "$h" legacy pickup_p99 "$p99"; }
}

legacy_functions_after_migrate() { # history
  local d="migrated_$1"
  say "legacy claim_task after migrate: $1 history rows + $PENDING pending"
  new_db "$d" migrate
  fill "$d" "$1"
  claims "$d" "$1" legacy-fn
  say "legacy claim_task after migrate: drain, 4 clients, at most ${LEGACY_SECONDS}s"
  drain "$d" "$1" legacy-fn
}

# absurdctl first, on a server that has freed nothing yet.
new_db absurdctl migrate
sql absurdctl -c CHECKPOINT
say "absurdctl bench --history $HISTORY --tasks $PENDING --samples $SAMPLES --workers $WORKERS --batch $BATCH"
"$ABSURDCTL" --database-url "$(db absurdctl)" bench --history "$HISTORY" --tasks "$PENDING" \
  --samples "$SAMPLES" --workers "$WORKERS" --batch "$BATCH" --output json >"$work/absurdctl.json"

absurdctl_results() { # path json
  sql harness -v path="$1" -v report="$(cat "$2")" <<'EOF'
INSERT INTO results
SELECT (run->>'history_rows')::bigint, :'path', f.metric, f.value
  FROM jsonb_array_elements((:'report')::jsonb->'runs') AS run
 CROSS JOIN LATERAL (VALUES
   ('claim_p50', (run->'claim_latency_ms'->>'p50')::float8),
   ('claim_p99', (run->'claim_latency_ms'->>'p99')::float8),
   ('drain', (run->>'drain_per_sec')::float8),
   ('pickup_p50', (run->'pickup_latency_ms'->>'p50')::float8),
   ('pickup_p99', (run->'pickup_latency_ms'->>'p99')::float8),
   ('spawn_one', (run->>'spawn_one_per_sec')::float8),
   ('spawn_batched', (run->>'spawn_batched_per_sec')::float8)) AS f(metric, value);
EOF
}

if [ -n "${BASELINE:-}" ]; then
  new_db baseline
  "$BASELINE" --database-url "$(db baseline)" migrate -q
  sql baseline -c CHECKPOINT
  say "baseline $BASELINE bench, same sizes"
  "$BASELINE" --database-url "$(db baseline)" bench --history "$HISTORY" --tasks "$PENDING" \
    --samples "$SAMPLES" --workers "$WORKERS" --batch "$BATCH" --output json >"$work/baseline.json"
fi

# The peer, before the legacy runs' million-row inserts: absurdctl claiming
# and completing one task at a time, as graphile-worker fetches one job at a
# time, then graphile-worker itself, each on a database of its own.
if [ "$PEER" = graphile ]; then
  new_db absurdctl_batch1 migrate
  sql absurdctl_batch1 -c CHECKPOINT
  say "absurdctl bench --tasks $PEER_JOBS --workers $WORKERS --batch 1 (peer comparison)"
  "$ABSURDCTL" --database-url "$(db absurdctl_batch1)" bench --tasks "$PEER_JOBS" \
    --samples "$SAMPLES" --workers "$WORKERS" --batch 1 --output json >"$work/absurdctl-batch1.json"
  sql postgres -c 'CREATE DATABASE peer_graphile'
  JOBS="$PEER_JOBS" CONCURRENCY="$WORKERS" scripts/bench-peer-graphile.sh "$(db peer_graphile)" \
    >"$work/graphile.json"
fi

levels=0
[ "$HISTORY" -gt 0 ] && levels="0 $HISTORY"
for h in $levels; do
  legacy "$h"
  legacy_functions_after_migrate "$h"
done
absurdctl_results absurdctl "$work/absurdctl.json"
if [ -n "${BASELINE:-}" ]; then absurdctl_results baseline "$work/baseline.json"; fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo
echo "machine: $(nproc) CPUs (${cpu:-unknown}), $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) RAM, $(uname -sr)"
echo "PostgreSQL $(sql postgres -c 'SHOW server_version') on the same machine, fsync=$FSYNC, shared_buffers=256MB, max_wal_size=4GB"
echo "load average (1/5/15 min) at start: $load_start, at end: $load_end"
echo "sizes: $PENDING pending; absurdctl: $WORKERS workers, batches of $BATCH, $SAMPLES samples;" \
     "legacy: 4 clients, $LEGACY_SAMPLES claim samples, ${LEGACY_SECONDS}s pickup run"
echo
psql "$(db harness)" -X -q -P footer=off <<'EOF'
WITH m(ord, metric, label, higher_is_better) AS (VALUES
  (1, 'claim_p50', 'claim latency p50 (ms)', false),
  (2, 'claim_p99', 'claim latency p99 (ms)', false),
  (3, 'drain', 'drain (tasks/s)', true),
  (4, 'pickup_p50', 'pickup latency p50 (ms)', false),
  (5, 'pickup_p99', 'pickup latency p99 (ms)', false),
  (6, 'spawn_one', 'spawn one at a time (tasks/s)', true),
  (7, 'spawn_batched', 'spawn batched (tasks/s)', true)),
v AS (
  SELECT m.ord, m.label, m.higher_is_better, r.history,
         max(r.value) FILTER (WHERE r.path = 'legacy') AS legacy,
         max(r.value) FILTER (WHERE r.path = 'legacy-fn') AS legacy_fn,
         max(r.value) FILTER (WHERE r.path = 'absurdctl') AS absurdctl,
         max(r.value) FILTER (WHERE r.path = 'baseline') AS baseline
    FROM m JOIN results r USING (metric)
   GROUP BY 1, 2, 3, 4)
SELECT label AS measure,
       to_char(history, 'FM9,999,999,990') AS "history rows",
       coalesce(to_char(legacy, 'FM9,999,990.00'), '-') AS "legacy L2",
       coalesce(to_char(legacy_fn, 'FM9,999,990.00'), '-') AS "claim_task after migrate",
       to_char(absurdctl, 'FM9,999,990.00') AS absurdctl,
       coalesce(to_char(CASE WHEN higher_is_better THEN absurdctl / legacy ELSE legacy / absurdctl END,
                        'FM9,999,990.0') || 'x', '-') AS "absurdctl vs legacy",
       coalesce(to_char(baseline, 'FM9,999,990.00'), '-') AS baseline,
       coalesce(to_char(CASE WHEN higher_is_better THEN absurdctl / baseline ELSE baseline / absurdctl END,
                        'FM9,999,990.00') || 'x', '-') AS "vs baseline"
  FROM v ORDER BY ord, history;
EOF
psql "$(db harness)" -X -q -A -t <<'EOF'
SELECT 'absurdctl with history against without: ' || string_agg(metric || ' ' || to_char(ratio, 'FM990.00') || 'x', ', ' ORDER BY metric)
  FROM (SELECT metric, max(value) FILTER (WHERE history > 0) / max(value) FILTER (WHERE history = 0) AS ratio
          FROM results WHERE path = 'absurdctl' AND metric IN ('claim_p50', 'claim_p99', 'drain', 'pickup_p50', 'pickup_p99')
         GROUP BY metric) r
 WHERE ratio IS NOT NULL;
EOF

if [ "$PEER" = graphile ]; then
  echo
  echo "peer, no history, $WORKERS workers (graphile-worker: concurrency $WORKERS, one job per fetch):"
  psql "$(db harness)" -X -q -P footer=off -v batch1="$(cat "$work/absurdctl-batch1.json")" \
    -v batched="$(cat "$work/absurdctl.json")" -v peer="$(cat "$work/graphile.json")" \
    -v batch="$BATCH" -v pending="$PENDING" <<'EOF'
WITH f AS (
  SELECT (SELECT (run->>'drain_per_sec')::float8 FROM jsonb_array_elements((:'batch1')::jsonb->'runs') run
           WHERE (run->>'history_rows')::bigint = 0) AS batch1,
         (SELECT (run->>'drain_per_sec')::float8 FROM jsonb_array_elements((:'batched')::jsonb->'runs') run
           WHERE (run->>'history_rows')::bigint = 0) AS batched,
         (:'peer')::jsonb AS peer)
SELECT d.drain, d.tasks, to_char(d.per_sec, 'FM9,999,990.0') AS "tasks/s"
  FROM f CROSS JOIN LATERAL (VALUES
    (1, 'absurdctl bench --batch 1', (f.peer->>'jobs')::bigint, f.batch1),
    (2, 'absurdctl bench --batch ' || :'batch', (:'pending')::bigint, f.batched),
    (3, 'graphile-worker ' || (f.peer->>'version'), (f.peer->>'jobs')::bigint, (f.peer->>'drain_per_sec')::float8))
    AS d(ord, drain, tasks, per_sec)
 ORDER BY d.ord;
EOF
  psql "$(db harness)" -X -q -A -t -v batch1="$(cat "$work/absurdctl-batch1.json")" \
    -v peer="$(cat "$work/graphile.json")" <<'EOF'
SELECT 'absurdctl --batch 1 / graphile-worker: ' || to_char(
         (SELECT (run->>'drain_per_sec')::float8 FROM jsonb_array_elements((:'batch1')::jsonb->'runs') run
           WHERE (run->>'history_rows')::bigint = 0) / ((:'peer')::jsonb->>'drain_per_sec')::float8, 'FM990.00') || 'x';
EOF
fi
