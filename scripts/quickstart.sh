#!/usr/bin/env bash
# Quick start on a fresh machine: builds absurdctl, and when no database is
# configured (ABSURD_DATABASE_URL, DATABASE_URL or PGHOST) starts a throwaway
# local PostgreSQL; then migrates it, spawns a few tasks with the pipeline's
# real task names and shows the queue. Everything goes to the queue
# `quickstart`, never the production queue.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "building absurdctl (a few minutes the first time; cargo shows its progress)" >&2
cargo build
bin=$PWD/target/debug/absurdctl
export ABSURD_QUEUE_NAME=quickstart

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
echo "next (from any directory):" >&2
echo "  export ABSURD_DATABASE_URL=$ABSURD_DATABASE_URL ABSURD_QUEUE_NAME=quickstart" >&2
echo "  $bin status" >&2
echo "  $bin worker run --exit-when-empty -- $PWD/examples/handler.sh   # runs the tasks above" >&2
