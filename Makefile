VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck clean

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

clean:
	rm -rf $(VENV) build dist *.egg-info
