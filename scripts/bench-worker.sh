#!/usr/bin/env bash
# Measures `absurdctl worker run` on a throwaway PostgreSQL of its own:
#  1. pickup latency on an idle queue: tasks spawned one at a time, 50 ms
#     apart, to a worker whose poll interval is a minute (so every pickup
#     is a NOTIFY wake-up); latency = claimed_at - created_at, p50/p99/max;
#  2. drain rate: TASKS no-op tasks run as `true` by one worker with
#     --concurrency CONCURRENCY and --exit-when-empty, log to /dev/null;
#  3. persistent drain rate: PERSISTENT_TASKS no-op tasks answered by
#     examples/persistent-handler.py (`noop`) under `worker run --persistent
#     --pipeline PIPELINE`, same concurrency (PERSISTENT_TASKS=0 skips it).
#
#   scripts/bench-worker.sh [path/to/absurdctl]     (default target/release/absurdctl)
#   PICKUPS=200 TASKS=5000 CONCURRENCY=4 PERSISTENT_TASKS=50000 PIPELINE=32 scripts/bench-worker.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/release/absurdctl}
pickups=${PICKUPS:-200}
tasks=${TASKS:-5000}
concurrency=${CONCURRENCY:-4}
persistent_tasks=${PERSISTENT_TASKS:-50000}
pipeline=${PIPELINE:-32}
[ -x "$bin" ] || { echo "no $bin: cargo build --release first, or give the binary" >&2; exit 2; }

dir=$(mktemp -d /tmp/absurdctl-bench-worker.XXXXXX)
worker_pid=
cleanup() {
  [ -n "$worker_pid" ] && kill -KILL "$worker_pid" 2>/dev/null || true
  scripts/pg-throwaway.sh stop "$dir"
  rm -rf "$dir"
}
trap cleanup EXIT
server=$(scripts/pg-throwaway.sh start "$dir")
url="${server%/postgres}/bench"
psql -X -q "$server" -c "CREATE DATABASE bench"
"$bin" --database-url "$url" migrate >/dev/null 2>&1

wait_done() { # queue count
  while [ "$(psql -X -At "$url" -c "SELECT count(*) FROM absurd.tasks WHERE queue_name = '$1' AND status = 'completed'")" -lt "$2" ]; do
    sleep 0.2
  done
}

echo "== pickup latency: $pickups tasks spawned 50 ms apart to an idle worker (poll interval 60 s)"
"$bin" --database-url "$url" --queue pickup worker run --poll-interval 60s -- true 2>/dev/null &
worker_pid=$!
sleep 1
for _ in $(seq "$pickups"); do
  echo "SELECT absurd.spawn_task('pickup', 'noop', '{}');"
  echo "SELECT pg_sleep(0.05);"
done | psql -X -q "$url" >/dev/null
wait_done pickup "$pickups"
kill -TERM "$worker_pid"; wait "$worker_pid" || true; worker_pid=
psql -X "$url" -c "
  SELECT round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms))::numeric, 2) AS p50_ms,
         round((percentile_cont(0.99) WITHIN GROUP (ORDER BY ms))::numeric, 2) AS p99_ms,
         round(max(ms)::numeric, 2) AS max_ms, round(avg(ms)::numeric, 2) AS avg_ms, count(*) AS tasks
    FROM (SELECT extract(epoch FROM claimed_at - created_at) * 1000 AS ms
            FROM absurd.tasks WHERE queue_name = 'pickup') p"

drain() { # queue tasks worker-options...
  local queue=$1 n=$2
  shift 2
  psql -X -q "$url" -c "INSERT INTO absurd.tasks (queue_name, task_name) SELECT '$queue', 'noop' FROM generate_series(1, $n)"
  local start end
  start=$(date +%s.%N)
  "$bin" --database-url "$url" --queue "$queue" worker run --concurrency "$concurrency" --exit-when-empty "$@" 2>/dev/null
  end=$(date +%s.%N)
  psql -X "$url" -c "
    SELECT count(*) AS completed,
           round(($end - $start)::numeric, 2) AS wall_s,
           round((count(*) / ($end - $start))::numeric) AS tasks_per_s_wall,
           round((count(*) / extract(epoch FROM max(completed_at) - min(claimed_at)))::numeric) AS tasks_per_s_db
      FROM absurd.tasks WHERE queue_name = '$queue' AND status = 'completed'"
}

echo "== drain rate: $tasks no-op tasks (\`true\`), --concurrency $concurrency"
drain drain "$tasks" -- true

if [ "$persistent_tasks" -gt 0 ]; then
  echo "== persistent drain rate: $persistent_tasks no-op tasks, --persistent --pipeline $pipeline, --concurrency $concurrency"
  drain persistent "$persistent_tasks" --persistent --pipeline "$pipeline" -- examples/persistent-handler.py
fi
