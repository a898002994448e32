#!/usr/bin/env bash
# Measures `absurdctl retry-failed` on a live queue: 100k failed tasks (plus
# 300k finished and 60k pending) are retried while two workers (pgbench
# clients running the legacy claim_task + complete_task back to back) drain
# the same queue. Prints the retry's rows/s and longest batch (each batch is
# one transaction), and the workers' claim+complete latency during the retry
# and otherwise.
#
#   scripts/bench-retry-live.sh SERVER_URL [ABSURDCTL]   # BATCH=N for --batch-size
#
# SERVER_URL names any database of the server; a scratch database is created
# and dropped. Needs psql, pgbench and python3.
set -euo pipefail
server=$1
bin=${2:-target/debug/absurdctl}
work=$(mktemp -d)
db=absurdctl_bench_retry_$$
url=${server%/*}/$db
psql -X -q "$server" -c "CREATE DATABASE $db"
trap 'psql -X -q "$server" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"; rm -rf "$work"' EXIT
"$bin" --database-url "$url" -q migrate
psql -X -q -v ON_ERROR_STOP=1 "$url" <<'SQL'
INSERT INTO absurd.tasks (queue_name, task_name, status, attempt, max_retries, error,
                          created_at, claimed_at, completed_at, worker_id)
SELECT 'dsa110-pipeline',
       (array['imaging','calibration-solve','calibration-apply','validation','crossmatch'])[1 + i % 5],
       'failed', 3, 3, 'CASA error ' || (i % 17),
       now() - make_interval(secs => 86400 + i), now() - make_interval(secs => 3600 + i),
       now() - make_interval(secs => i), 'old-worker'
  FROM generate_series(1, 100000) i;
INSERT INTO absurd.tasks (queue_name, task_name, status, attempt, created_at, claimed_at, completed_at, result)
SELECT 'dsa110-pipeline', 'imaging', 'completed', 1, now() - make_interval(secs => 2 * 86400 + i),
       now() - make_interval(secs => 2 * 86400 + i), now() - make_interval(secs => 2 * 86400 + i - 60), '{}'
  FROM generate_series(1, 300000) i;
INSERT INTO absurd.tasks (queue_name, task_name, status)
SELECT 'dsa110-pipeline', 'convert-uvh5-to-ms', 'pending' FROM generate_series(1, 60000);
VACUUM ANALYZE absurd.tasks;
SQL
cat > "$work/worker.sql" <<'SQL'
SELECT task_id AS tid FROM absurd.claim_task('dsa110-pipeline', 'bench-worker') \gset
SELECT absurd.complete_task(:tid, '{}'::jsonb);
SQL
(cd "$work" && pgbench -n -M extended -c 2 -T 30 -l --log-prefix=wlog -f worker.sql "$url" > pgbench.out 2>&1) &
pg=$!
sleep 8
start=$(date +%s%N)
"$bin" --database-url "$url" --output json -v retry-failed --yes --sample 0 ${BATCH:+--batch-size $BATCH} \
  > "$work/retry.json" 2> "$work/retry.err"
end=$(date +%s%N)
wait $pg || { echo "pgbench failed:" >&2; cat "$work/pgbench.out" >&2; exit 1; }
grep -E "^selected" "$work/retry.err"
python3 - "$start" "$end" "$work" <<'PY'
import glob, json, sys
start, end, work = int(sys.argv[1]) / 1e3, int(sys.argv[2]) / 1e3, sys.argv[3]  # microseconds
r = json.load(open(f"{work}/retry.json"))
print(f'retry: selected {r["selected"]}, changed {r["changed"]}, skipped locked {r["skipped_locked"]}, '
      f'skipped changed {r["skipped_changed"]}, {r["batches"]} batches, {r["elapsed_ms"]} ms '
      f'= {r["changed"] / (r["elapsed_ms"] / 1000):.0f} rows/s, longest batch {r["longest_batch_ms"]:.1f} ms')
inside, outside = [], []
for f in glob.glob(f"{work}/wlog*"):
    for line in open(f):
        _, _, lat, _, sec, usec = line.split()[:6]
        t = int(sec) * 1e6 + int(usec)
        (inside if start <= t <= end else outside).append(int(lat) / 1000)
def stats(xs, secs):
    xs = sorted(xs)
    q = lambda p: xs[min(len(xs) - 1, int(p * len(xs)))]
    return f'{len(xs) / secs:.0f}/s, p50 {q(.5):.2f} ms, p99 {q(.99):.2f} ms, max {xs[-1]:.1f} ms'
during = (end - start) / 1e6
print("workers during the retry:", stats(inside, during))
print("workers otherwise:       ", stats(outside, 30 - during))
PY
