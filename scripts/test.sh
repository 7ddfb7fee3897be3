#!/usr/bin/env bash
# Runs every test. Fails when a test fails and when no test ran at all.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check . || exit 1
.venv/bin/ruff format --check . || exit 1
# Types: pyproject's [tool.mypy] says which folders and how strictly; .mypy_cache keeps it quick.
.venv/bin/mypy || exit 1
mkdir -p tests/artifacts
# The UI tests need a display: give them one unless there is one already.
runner=()
if [ -z "${DISPLAY:-}" ]; then runner=(xvfb-run -a -s "-screen 0 1280x800x24"); fi
"${runner[@]}" .venv/bin/python -m pytest "$@"
rc=$?
if [ $rc -eq 5 ]; then echo "test: no test ran" >&2; exit 1; fi
exit $rc
