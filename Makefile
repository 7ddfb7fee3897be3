# Two commands do everything: `make demo` and `make test`. Both run `setup` first.
.PHONY: setup demo test lint bench clean

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

bench: setup
	@if [ -z "$$DISPLAY" ]; then X="xvfb-run -a -s \"-screen 0 1280x800x24\""; fi; \
	for b in bench/[!_]*.py; do echo "== $$b"; eval $$X $(PY) $$b || exit 1; done

clean:
	rm -rf var tests/artifacts .pytest_cache
