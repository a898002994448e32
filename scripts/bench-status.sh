#!/usr/bin/env bash
# Measures `absurdctl status` on a queue with 1 M finished rows and 10 k
# active tasks, next to the legacy `absurd.get_queue_stats` on the same data.
#
#   DATABASE_URL=postgres://... scripts/bench-status.sh [ABSURDCTL]
#
# It creates (and leaves, for EXPLAIN) the database absurdctl_bench_status on
# that server. HISTORY_DAYS (default 30) spreads the finished rows over that
# many days: the last day's share is what status reads. RUNS (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/release/absurdctl}
url=${DATABASE_URL:?set DATABASE_URL to a server to create the database on}
days=${HISTORY_DAYS:-30}
runs=${RUNS:-20}
db=absurdctl_bench_status
dburl=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$url" "$db")

psql "$url" -X -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
"$bin" --database-url "$dburl" migrate >/dev/null 2>&1
psql "$dburl" -X -q -v ON_ERROR_STOP=1 -v days="$days" <<'SQL'
SET synchronous_commit = off;
-- 1 M finished: 97 % completed, 2 % failed, 1 % cancelled, twelve task names.
INSERT INTO absurd.tasks (queue_name, task_name, params, status, attempt, created_at, claimed_at,
                          completed_at, wait_time_sec, execution_time_sec, error, worker_id, available_at)
SELECT 'dsa110-pipeline',
       (ARRAY['convert-uvh5-to-ms','calibration-solve','calibration-apply','imaging','validation',
              'crossmatch','photometry','create-mosaic','ingest-subband','normalize-group',
              'convert-group','housekeeping'])[1 + g % 12],
       jsonb_build_object('group', g),
       CASE WHEN g % 100 < 97 THEN 'completed' WHEN g % 100 < 99 THEN 'failed' ELSE 'cancelled' END,
       1, fin - interval '10 minutes', fin - interval '5 minutes', fin,
       300, 300,
       CASE WHEN g % 100 IN (97, 98) THEN 'FileNotFoundError: /data/incoming/' || g || '.uvh5' END,
       'w-' || (g % 8), fin - interval '10 minutes'
  FROM (SELECT g, now() - (g::double precision / 1000000) * make_interval(days => :days) AS fin
          FROM generate_series(1, 1000000) g) s;
-- 10 k active: 9 025 pending, 475 retrying, 500 claimed (10 with a stale heartbeat).
INSERT INTO absurd.tasks (queue_name, task_name, status, attempt, created_at, available_at)
SELECT 'dsa110-pipeline', (ARRAY['imaging','calibration-solve','validation'])[1 + g % 3],
       CASE WHEN g % 20 = 0 THEN 'retrying' ELSE 'pending' END, CASE WHEN g % 20 = 0 THEN 1 ELSE 0 END,
       now() - g * interval '1 second', now() - g * interval '1 second'
  FROM generate_series(1, 9500) g;
INSERT INTO absurd.tasks (queue_name, task_name, status, attempt, worker_id, created_at, claimed_at,
                          heartbeat_at, available_at)
SELECT 'dsa110-pipeline', 'imaging', 'claimed', 1, 'w-' || (g % 8), now() - interval '1 hour',
       now() - interval '30 minutes',
       now() - CASE WHEN g % 50 = 0 THEN interval '1 hour' ELSE interval '10 seconds' END,
       now() - interval '1 hour'
  FROM generate_series(1, 500) g;
SQL
# A second session: an autovacuum ANALYZE started by the big insert can hold
# back the first VACUUM from marking pages all-visible (index-only scans).
sleep 2
psql "$dburl" -X -q -c "VACUUM ANALYZE absurd.tasks"

stats() {
  python3 -c '
import statistics, sys
xs = sorted(float(x) for x in sys.stdin.read().split())
p90 = xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
print(f"median {statistics.median(xs):.1f} ms, p90 {p90:.1f} ms, min {xs[0]:.1f} ms (n={len(xs)})")'
}

echo "status, queries in one snapshot transaction (query_ms of --output json):"
for _ in $(seq "$runs"); do
  "$bin" --database-url "$dburl" --output json status \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["query_ms"])'
done | stats

echo "status, whole process (start, connect, schema check, snapshot, render):"
for _ in $(seq "$runs"); do
  t0=$(date +%s%N)
  "$bin" --database-url "$dburl" status >/dev/null
  us=$(( ($(date +%s%N) - t0) / 1000 ))
  printf '%d.%03d\n' $((us / 1000)) $((us % 1000))
done | stats

echo "legacy SELECT * FROM absurd.get_queue_stats('dsa110-pipeline') (psql \\timing, one session):"
for _ in $(seq "$runs"); do
  echo '\timing on'
  echo "SELECT * FROM absurd.get_queue_stats('dsa110-pipeline');"
done | psql "$dburl" -X -q -o /dev/null | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | stats
