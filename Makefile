# Two commands for a fresh machine with Python 3.11: `make run` and `make test`.
# Each creates .venv and installs the pinned dependencies on first use.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast install lock lint clean-processed notebooks

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/consultation run

# Two pytest-xdist workers: the slow tests mostly wait on a child process (Prefect server, Dask
# cluster, LibreOffice, Chromium, notebooks, the pipeline), so two workers overlap those waits on
# CI's 2 cores. With `loadgroup`, tests/conftest.py's scheduler keeps the modules that take the whole
# machine on one worker, one after the other. Serially, to debug: `make test XDIST=` (or
# `.venv/bin/python -m pytest`, which stays one process).
XDIST ?= -n 2 --dist loadgroup

test: $(STAMP)
	$(BIN)/python -m pytest $(XDIST)

# Daily work: everything but the tests that load spaCy's model, run a pipeline, a Prefect server,
# a Dask cluster, LibreOffice or Chromium, and but the first few cases of each generated family
# (marked `slow` by rule in tests/conftest.py), save the few marked `daily`. CI runs `make test`,
# every test and every case.
test-fast: $(STAMP)
	$(BIN)/python -m pytest $(XDIST) -m "not slow or daily"

# JupyterLab is installed on first use only: the pipeline and the tests do not need it.
notebooks: $(STAMP)
	$(BIN)/python -c "import jupyterlab" 2>/dev/null || $(BIN)/python -m pip install --quiet "jupyterlab==4.6.6"
	cd notebooks && ../$(BIN)/jupyter lab

lint: $(STAMP)
	$(BIN)/ruff check src flows tests benchmarks
	$(BIN)/mypy

lock: $(STAMP)
	# Keeps the header that says why each chosen pin exists; the versions come from this .venv.
	{ grep '^#' requirements.lock; $(BIN)/python -m pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean-processed:
	rm -rf data/processed/*/
