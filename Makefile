# seesaw — two commands on a fresh machine with Python >= 3.11 and make:
#   make run    set up .venv from the locked constraints and run the nightly pipeline (sample profile)
#   make test   set up .venv and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: install run test test-slow bench lock clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --constraint constraints.txt --editable ".[test]"
	touch $(STAMP)

run: $(STAMP)
	PREFECT_HOME=$(CURDIR)/.prefect $(BIN)/seesaw run --profile sample

# Two pytest-xdist workers, one test file each at a time (a file's fixtures stay in one process):
# most of the suite waits on real servers and subprocesses, so the two cores overlap that waiting.
test: $(STAMP)
	PREFECT_HOME=$(CURDIR)/.prefect-test $(BIN)/python -m pytest -q -n 2 --dist loadfile

# Slow oracle checks (pymgarch, minutes): not part of `make test` / CI.
test-slow: $(STAMP)
	PREFECT_HOME=$(CURDIR)/.prefect-test $(BIN)/python -m pytest -q -m slow

bench: $(STAMP)
	for script in bench/bench_*.py; do PREFECT_HOME=$(CURDIR)/.prefect $(BIN)/python $$script || exit 1; done

# Regenerate constraints.txt from the current environment (after a deliberate upgrade), then
# check it still satisfies pyproject's ranges (e.g. SQLAlchemy 2.0.x, which Prefect's scheduler needs).
lock: $(STAMP)
	$(BIN)/python -m pip list --format=freeze --exclude-editable | grep -v -E "^(seesaw|pip)==" > constraints.txt
	PREFECT_HOME=$(CURDIR)/.prefect-test $(BIN)/python -m pytest -q tests/packaging

clean:
	rm -rf $(VENV) .prefect .prefect-test warehouse/*.duckdb warehouse/*.wal
