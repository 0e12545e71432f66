#!/usr/bin/env bash
# The whole suite, twice: on PostgreSQL (everything, incl. real web + worker processes on Redis and
# the browser tests) and on SQLite (the embedded default). Called by `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

PG_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/crm}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/1}"

# Browser tests drive Debian's chromium through Playwright (its own browser download cannot work offline).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium for the browser tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
  else
    echo "The browser tests need /usr/bin/chromium: run 'sudo apt-get install chromium' first." >&2
    exit 1
  fi
fi

# The backup test runs pg_dump and pg_restore (Debian's postgresql-client; it comes with a local server).
if ! command -v pg_dump >/dev/null || ! command -v pg_restore >/dev/null; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing postgresql-client (pg_dump, pg_restore) for the backup test..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client) >/dev/null
  else
    echo "The backup test needs pg_dump and pg_restore: run 'sudo apt-get install postgresql-client' first." >&2
    exit 1
  fi
fi

$BIN/ruff check .
$BIN/lint-imports --no-cache  # the layers of docs/architecture.md, stated in pyproject.toml

echo "== PostgreSQL run ($PG_URL) =="
DATABASE_URL="$PG_URL" $BIN/pytest -p no:cacheprovider "$@"

echo "== SQLite run =="
env -u DATABASE_URL $BIN/pytest -p no:cacheprovider -m "not postgres and not browser" "$@"
