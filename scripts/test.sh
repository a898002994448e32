#!/usr/bin/env bash
# The test command. With DATABASE_URL unset it starts one throwaway
# PostgreSQL cluster for the whole run (each test then creates its own
# database in it) and removes it afterwards; with DATABASE_URL set it uses
# that server. Extra arguments go to the test runner.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${DATABASE_URL:-}" ]; then
  dir=$(mktemp -d /tmp/absurdctl-test-pg.XXXXXX)
  trap 'scripts/pg-throwaway.sh stop "$dir"; rm -rf "$dir"' EXIT
  DATABASE_URL=$(scripts/pg-throwaway.sh start "$dir")
  export DATABASE_URL
  echo "test PostgreSQL: $DATABASE_URL" >&2
fi

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --no-fail-fast "$@"
else
  cargo test --no-fail-fast "$@"
fi
