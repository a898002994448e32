#!/usr/bin/env bash
# Regenerates .sqlx/, the descriptions of the checked queries (sqlx::query!
# and query_as! in src/queue/) that builds use instead of a database (.env
# sets SQLX_OFFLINE=true). Run it after changing such a query or a migration
# they read, and commit .sqlx/; tests/sqlx_cache.rs fails while it is stale.
# Needs no sqlx-cli: the macros write the files themselves when
# SQLX_OFFLINE_DIR is set and DATABASE_URL names a migrated database.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=$(mktemp -d /tmp/absurdctl-sqlx-pg.XXXXXX)
trap 'scripts/pg-throwaway.sh stop "$dir"; rm -rf "$dir"' EXIT
server=$(scripts/pg-throwaway.sh start "$dir")
psql -q -v ON_ERROR_STOP=1 "$server" -c 'CREATE DATABASE sqlx_prepare'
url="${server%/*}/sqlx_prepare"

# The schema from the migrations themselves, applied as `absurdctl migrate`
# applies them (search_path absurd, the migrator's table in it): absurdctl
# cannot migrate it, as it may not build until the cache is regenerated.
# The migrations marked no-transaction (CREATE INDEX CONCURRENTLY) run
# outside one, as sqlx runs them.
export PGOPTIONS="-c search_path=absurd -c client_min_messages=warning"
psql -q -v ON_ERROR_STOP=1 "$url" <<'SQL'
CREATE SCHEMA absurd;
CREATE TABLE absurd._sqlx_migrations (
  version BIGINT PRIMARY KEY, description TEXT NOT NULL,
  installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL,
  checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL);
SQL
for f in migrations/*.sql; do
  if head -n 1 "$f" | grep -q -- '-- no-transaction'; then one=(); else one=(-1); fi
  psql -q -v ON_ERROR_STOP=1 "${one[@]}" "$url" -f "$f"
  v=$(basename "$f" | sed 's/_.*//; s/^0*//')
  psql -q -v ON_ERROR_STOP=1 "$url" -c \
    "INSERT INTO _sqlx_migrations VALUES ($v, '$(basename "$f" .sql)', now(), true, '', 0)"
done >/dev/null
unset PGOPTIONS

rm -rf .sqlx
mkdir .sqlx
# The macros run again only when their crate recompiles.
touch src/lib.rs
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$PWD/.sqlx" DATABASE_URL="$url" cargo build --lib
echo "$(ls .sqlx | wc -l) queries described in .sqlx/" >&2
