# The two commands of the README's Quick start: `make report` and `make test`.
# Both create .venv with the machine's python3 (3.11+) and pip; nothing else is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT ?= weightatlas-report

.PHONY: report test snapshot venv clean bench

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "weightatlas needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files so a second `make` does not reinstall.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

venv: $(VENV)/.installed

report: $(VENV)/.installed
	$(BIN)/weightatlas report --out $(OUT)

# pytest exits 5 when it collects no tests: treat that as a failure to notice,
# not a silent pass, unless ALLOW_NO_TESTS=1.
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; [ "$${ALLOW_NO_TESTS:-0}" = 1 ] && exit 0; fi; exit $$rc

# Rebuild the embedded snapshot from the raw sources (../shared/data by default).
DATA ?= ../shared/data
snapshot: $(VENV)/.installed
	$(BIN)/weightatlas snapshot build --from $(DATA)

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_report.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
