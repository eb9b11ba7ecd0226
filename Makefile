# RM Perf: `make demo` serves the demo bank, `make test` runs the whole suite.
# Both bootstrap a project-local .venv from uv.lock; nothing is installed by hand.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(HOME)/.pyenv/shims:$(HOME)/.pyenv/bin:$(PATH)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
UV_VERSION := 0.13.9
UV := .uv/bin/uv
PY := .venv/bin/python

.PHONY: demo test lint bench venv clean messages

venv: .venv/.synced

# uv comes from PyPI into a tiny bootstrap venv made by the project's Python (.python-version).
$(UV):
	@echo "==> 1/3 installing uv $(UV_VERSION) into .uv (seconds) …"
	python3 -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Bytecode is compiled at install: machines that set PYTHONDONTWRITEBYTECODE=1 would
# otherwise recompile Django, pandas, Ibis … in every process (4.7 s → 1.9 s per start).
.venv/.synced: $(UV) uv.lock pyproject.toml
	@echo "==> 2/3 installing the dependencies of uv.lock into .venv and compiling them"
	@echo "    (about 1.5 minutes the first time; quiet until it is done) …"
	$(UV) sync --frozen --quiet --compile-bytecode
	@echo "    dependencies installed"
	touch $@

# `make demo DEMO_ARGS="--port 8080"` passes options on to `rmperf demo` (see its --help).
DEMO_ARGS ?=
demo: venv
	@echo "==> 3/3 building the demo bank and serving it (rmperf demo $(DEMO_ARGS)) …"
	.venv/bin/rmperf demo $(DEMO_ARGS)

test: venv
	scripts/run-tests

lint: venv
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports

# Benchmarks are not tests: each writes its report in bench/*.md (medium lake: minutes).
# Their peers (Polars) live in the `bench` dependency group, installed here only.
bench: venv
	$(UV) sync --frozen --quiet --compile-bytecode --group bench
	$(PY) bench/bench_generate.py --scales tiny small medium
	$(PY) bench/bench_validate.py --activity
	$(PY) bench/bench_segment.py --scales tiny small medium
	$(PY) bench/bench_indicators.py --period 2026Q3 --runs 3
	$(PY) bench/bench_score.py --period 2026Q3 --runs 3
	$(PY) bench/bench_customer360.py

# Refresh the zh_Hans catalogue after changing user-facing strings.
messages: venv
	cd src/rmperf && ../../.venv/bin/django-admin makemessages -l zh_Hans --ignore=engine --ignore=synth --no-location --no-wrap --no-obsolete
	cd src/rmperf && ../../.venv/bin/django-admin compilemessages --ignore=engine --ignore=synth

clean:
	rm -rf .venv .uv var .mypy_cache .ruff_cache .pytest_cache
