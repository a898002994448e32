#!/usr/bin/env bash
# Quick start on a fresh machine: builds absurdctl, and when no database is
# configured (ABSURD_DATABASE_URL, DATABASE_URL or PGHOST) starts a throwaway
# local PostgreSQL; then migrates it, spawns a few tasks with the pipeline's
# real task names and shows the queue.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet
bin=target/debug/absurdctl

if [ -z "${ABSURD_DATABASE_URL:-}${DATABASE_URL:-}${PGHOST:-}" ]; then
  dir=${QUICKSTART_PG_DIR:-/tmp/absurdctl-quickstart-pg}
  if [ -f "$dir/port" ] && pg_isready -q -h 127.0.0.1 -p "$(cat "$dir/port")" 2>/dev/null; then
    ABSURD_DATABASE_URL="postgres://postgres@127.0.0.1:$(cat "$dir/port")/postgres"
  else
    ABSURD_DATABASE_URL=$(scripts/pg-throwaway.sh start "$dir")
  fi
  export ABSURD_DATABASE_URL
  echo "using a throwaway PostgreSQL: $ABSURD_DATABASE_URL" >&2
  echo "  (stop it with: scripts/pg-throwaway.sh stop $dir)" >&2
fi

"$bin" migrate
for t in convert-uvh5-to-ms calibration-solve calibration-apply imaging validation; do
  "$bin" spawn --task-name "$t" --params "{\"group\": \"2025-11-30T12:00:00\", \"step\": \"$t\"}" >/dev/null
done
"$bin" spawn --task-name create-mosaic --priority 10 --params '{"mosaic": "2025-11-30"}' >/dev/null
"$bin" tasks list
echo >&2
echo "next: export ABSURD_DATABASE_URL=$ABSURD_DATABASE_URL; $bin --help" >&2
