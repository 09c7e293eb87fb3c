# liasse: `make run` and `make test` work on a fresh machine (as root, for Debian packages).
.PHONY: run test check bench deps test-deps uv

PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV := .venv
STAMP := $(VENV)/.synced

uv:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv

$(STAMP): pyproject.toml uv.lock
	@$(MAKE) --no-print-directory uv
	$(UV) sync --frozen --all-groups --quiet
	@touch $(STAMP)

deps: $(STAMP)
	@scripts/system-deps.sh run

test-deps: $(STAMP)
	@scripts/system-deps.sh test

run: deps
	$(VENV)/bin/liasse run --demo

test: test-deps
	scripts/test.sh

check: $(STAMP)
	$(VENV)/bin/ruff check src tests $(wildcard bench)
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-logo

bench: test-deps
	@for script in bench/*.py; do echo "== $$script"; $(VENV)/bin/python $$script || exit 1; done
