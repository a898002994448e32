#!/usr/bin/env bash
# Peer measurement (not part of the test suite): graphile-worker draining
# no-op jobs, for the same machine and PostgreSQL as `absurdctl bench`.
#
#   scripts/bench-peer-graphile.sh DATABASE_URL     # or DATABASE_URL=... in the environment
#   JOBS=5000 CONCURRENCY=4 scripts/bench-peer-graphile.sh postgres://postgres@127.0.0.1:5432/peer
#
# DATABASE_URL must name an empty database: graphile-worker's schema
# (graphile_worker) is created there and left behind. The script
# 1. installs graphile-worker (GRAPHILE_VERSION, pinned) into
#    ${ABSURD_PEER_DIR:-$HOME/.cache/absurdctl-peer}/graphile once, with npm,
#    and reuses it afterwards;
# 2. runs its migrations (`graphile-worker --schema-only`);
# 3. enqueues JOBS jobs of the task `noop` in one statement (add_jobs);
# 4. runs scripts/bench-peer-graphile.mjs: graphile-worker's run() with a
#    no-op task and CONCURRENCY workers, each fetching one job at a time,
#    until the job table is empty.
# Prints one line of JSON on stdout:
#   {"peer":"graphile-worker","version":"0.16.6","jobs":N,"concurrency":C,"drain_sec":S,"drain_per_sec":R}
#
# Environment (defaults):
#   DATABASE_URL         (required, unless given as the argument)
#   JOBS=20000           jobs enqueued and drained
#   CONCURRENCY=4        graphile-worker's concurrency (jobs in flight)
#   GRAPHILE_VERSION=0.16.6
#   ABSURD_PEER_DIR=~/.cache/absurdctl-peer
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

DATABASE_URL=${1:-${DATABASE_URL:-}}
[ -n "$DATABASE_URL" ] || { echo "usage: $0 DATABASE_URL (of an empty database)" >&2; exit 2; }
JOBS=${JOBS:-20000}
CONCURRENCY=${CONCURRENCY:-4}
GRAPHILE_VERSION=${GRAPHILE_VERSION:-0.16.6}
case "$GRAPHILE_VERSION" in 0.16.*) ;; *) echo "GRAPHILE_VERSION must be a 0.16.x version" >&2; exit 2 ;; esac
dir="${ABSURD_PEER_DIR:-$HOME/.cache/absurdctl-peer}/graphile"
say() { echo "[$(date +%T)] $*" >&2; }
sql() { psql "$DATABASE_URL" -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

command -v node >/dev/null && command -v npm >/dev/null || { echo "node and npm are needed" >&2; exit 1; }

installed=$(node -p "require('$dir/node_modules/graphile-worker/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$GRAPHILE_VERSION" ]; then
  say "installing graphile-worker@$GRAPHILE_VERSION into $dir"
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{"name":"absurdctl-peer-graphile","private":true}' >"$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --silent "graphile-worker@$GRAPHILE_VERSION" >&2)
fi

if [ "$(sql -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'graphile_worker'")" != 0 ]; then
  echo "$DATABASE_URL already has a graphile_worker schema; give an empty database" >&2
  exit 1
fi

say "graphile-worker $GRAPHILE_VERSION: migrations"
(cd "$dir" && npx --no-install graphile-worker --connection "$DATABASE_URL" --schema-only >&2)

say "graphile-worker: $JOBS noop jobs enqueued (add_jobs)"
sql -v jobs="$JOBS" >/dev/null <<'EOF'
SELECT count(*) FROM graphile_worker.add_jobs(ARRAY(
  SELECT ROW('noop', json_build_object('n', g), NULL, NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec
    FROM generate_series(1, :jobs) AS g));
VACUUM ANALYZE graphile_worker._private_jobs;
SELECT rolsuper AS su FROM pg_roles WHERE rolname = current_user \gset
\if :su
CHECKPOINT;
\endif
EOF

say "graphile-worker: drain, concurrency $CONCURRENCY"
GRAPHILE_DIR="$dir" DATABASE_URL="$DATABASE_URL" JOBS="$JOBS" CONCURRENCY="$CONCURRENCY" \
  node "$here/bench-peer-graphile.mjs"
