# Two commands do everything: `make demo` and `make test`. Both run `setup` first.
.PHONY: setup demo test lint lock audit bench clean

PY := .venv/bin/python

setup:
	@bash scripts/setup.sh

demo: setup
	@bash scripts/demo.sh

test: setup
	@bash scripts/test.sh

lint: setup
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .

# requirements.lock: every package setup installs, at one version, with its files' hashes,
# resolved from pyproject.toml's pins (with [dev] and [postgres]) for CPython 3.11 on x86_64 Linux.
# `dlib` is excluded (scripts/lock-excludes.txt): face_recognition declares it, dlib-bin provides it.
# Run after changing a pin in pyproject.toml; pins already in the lock stay unless the change
# needs otherwise (uv keeps them as preferences). Then setup installs the new lock.
lock: setup
	@.venv/bin/uv pip compile pyproject.toml --extra dev --extra postgres --generate-hashes \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
	  --excludes scripts/lock-excludes.txt \
	  --custom-compile-command "make lock" --quiet -o requirements.lock
	@bash scripts/setup.sh

# Known vulnerabilities in every package of requirements.lock (what setup installs), by
# pip-audit. Needs the vulnerability data: PyPI's JSON API, an OSV API (OSV_URL=...) or a local
# copy of OSV's PyPI data (OSV_DUMP=all.zip); exits 2 saying so when it cannot reach it.
# Not part of `make test` (the network). docs/security.md, "Dependency audit".
audit: setup
	@$(PY) scripts/audit.py $(if $(OSV_URL),--osv-url "$(OSV_URL)") \
	  $(if $(OSV_DUMP),--osv-dump "$(OSV_DUMP)")

bench: setup
	@if [ -z "$$DISPLAY" ]; then X="xvfb-run -a -s \"-screen 0 1280x800x24\""; fi; \
	for b in bench/[!_]*.py; do echo "== $$b"; eval $$X $(PY) $$b || exit 1; done

clean:
	rm -rf var tests/artifacts .pytest_cache
