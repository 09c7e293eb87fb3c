#!/usr/bin/env bash
# The whole check, the same locally and in CI: lint, types, then the tests on SQLite and
# PostgreSQL (a throwaway cluster started here and stopped on exit, whatever happens).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check src tests $(ls -d bench 2>/dev/null)
.venv/bin/mypy
.venv/bin/lint-imports --no-logo  # the layer contracts of pyproject.toml
pgdir=$(mktemp -d /tmp/liasse-pg.XXXXXX)
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'scripts/pg.sh stop "$pgdir"' EXIT
export LIASSE_TEST_PG_URL=$(scripts/pg.sh start "$pgdir" "$port")
export LIASSE_REQUIRE_PG=1
set +e
# Two workers or more (pytest-xdist): each test has its own home, database and ports.
.venv/bin/pytest --numprocesses auto --maxprocesses 4 "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
fi
exit "$status"
