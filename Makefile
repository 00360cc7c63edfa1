# LLM inference economics kit. `make` lists the targets.
# `make report` and `make test` create the environment (.venv) on first use; nothing else needs installing.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
READY  := $(VENV)/.ready
KERNEL := llm-econ

.DEFAULT_GOAL := help
.PHONY: help setup lab report test fuzz bench validate clean distclean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(READY): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "error: $(PYTHON) is older than Python 3.11; run: make PYTHON=python3.11 ..." >&2; exit 1; }
	@echo "setting up $(VENV) (first run only)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (llm-econ)" >/dev/null
	@touch $@

setup: $(READY) ## create the environment and register the Jupyter kernel (done by the others as needed)

lab: $(READY) ## open JupyterLab on notebooks/ with the kit's kernel
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

validate: $(READY) ## check every scenario file in params/
	$(PY) -m econ validate params/[!_]*.yaml

report: $(READY) ## validate the scenarios, render what changed into outputs/ (HTML), print and open the index
	$(PY) -m econ report

test: $(READY) ## unit, property and docstring tests, and nbval over the committed notebooks
	$(PY) -m pytest

fuzz: $(READY) ## property tests and fuzzers with fresh random examples, many more of them (not deterministic)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests -x -q

bench: $(READY) ## print the benchmark figures (decision pipeline, capacity model, report speed and weight, import, Monte Carlo, Sobol, workbook, a 50M-row usage log)
	$(PY) -m benchmarks

clean: ## remove rendered outputs and caches (keeps .venv)
	find outputs -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
	rm -rf .pytest_cache .hypothesis
	find . -name __pycache__ -not -path './$(VENV)/*' -exec rm -rf {} +

distclean: clean ## also remove the environment
	rm -rf $(VENV) *.egg-info
