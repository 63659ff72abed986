VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: demo test test-lowest lint typecheck clean

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@bash examples/demo.sh $(VENV)/bin/contractdrift

test: $(STAMP)
	$(VENV)/bin/ruff check contractdrift tests benchmarks
	$(VENV)/bin/mypy
	$(PY) -m pytest -q

# The whole suite against the lowest versions pyproject.toml allows for the direct dependencies (and
# the dev extra's), installed by uv (from PyPI) into a separate venv: proves the lower bounds true.
LOWEST_VENV ?= .venv-lowest
UV_VENV ?= .venv-uv

$(UV_VENV)/bin/uv:
	python3 -m venv $(UV_VENV)
	$(UV_VENV)/bin/python -m pip install --quiet uv

test-lowest: $(UV_VENV)/bin/uv
	rm -rf $(LOWEST_VENV)
	UV_PYTHON_DOWNLOADS=never $(UV_VENV)/bin/uv venv --quiet --python python3 $(LOWEST_VENV)
	UV_PYTHON_DOWNLOADS=never $(UV_VENV)/bin/uv pip install --quiet --python $(LOWEST_VENV)/bin/python \
		--resolution lowest-direct -e '.[dev]'
	$(UV_VENV)/bin/uv pip list --python $(LOWEST_VENV)/bin/python 2>/dev/null | grep -iE \
		'^(pyyaml|jsonschema|openapi-spec-validator|deepdiff|httpx|sniffio|uvicorn|pytest|hypothesis) '
	$(LOWEST_VENV)/bin/python -m pytest -q -p no:cacheprovider

clean:
	rm -rf $(VENV) $(LOWEST_VENV) $(UV_VENV) build dist *.egg-info
