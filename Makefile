# One command sets everything up and runs the job; nothing needs installing by hand.
# The environment comes from uv.lock via uv, itself bootstrapped into .tools/ with pyenv's 3.12.
PYTHON ?= python3
UV := .tools/bin/uv
UV_VERSION := 0.13.9

.PHONY: setup demo test test-all lint bench clean

$(UV):
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "need Python 3.12+: pyenv install 3.12 (see .python-version)"'
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

# --compile-bytecode: every new process (a pool worker, a notebook kernel, the app's server) imports
# Mesa and pandas from .pyc instead of compiling them, which matters where PYTHONDONTWRITEBYTECODE
# is set: a sweep worker then starts in about 2 s instead of 5-6 s.
# Then the app's front-end files from the npm registry into Solara's cache, so that the app's page
# works offline (sim/app/assets.py); a machine without a network still gets a working setup.
setup: $(UV)
	$(UV) sync --locked --all-extras --compile-bytecode --quiet
	-.venv/bin/python -m sim.app.assets

FINANCE := scenarios/finance/grant.yaml scenarios/finance/blended.yaml \
	scenarios/finance/revolving.yaml scenarios/finance/outcome_based.yaml

demo: setup
	.venv/bin/partnersim compare $(FINANCE) --reps 10 --workers 2 --out results/finance --force

# The driver checks of docs/finance.md: the four instruments beside runs that each change one
# input behind a difference in the finance table (scenarios/finance/drivers/), then the page's
# figures. About a minute on 2 cores.
.PHONY: drivers
drivers: setup
	.venv/bin/partnersim compare $(FINANCE) scenarios/finance/drivers/*.yaml --reps 10 --workers 2 \
		--out results/drivers --force
	.venv/bin/python scripts/finance_figures.py

# The report of the main job (after make demo): results/finance/report.pdf and report.html.
.PHONY: report
report: setup
	.venv/bin/partnersim report results/finance --force

test: setup
	.venv/bin/python -m pytest -q -n 2

test-all: setup
	.venv/bin/python -m pytest -q -n 2 -m "slow or not slow"

lint: setup
	.venv/bin/ruff check .

bench: setup
	.venv/bin/python benchmarks/run.py
	.venv/bin/python benchmarks/experiments.py
	.venv/bin/python benchmarks/malformed.py

# Issue 16's figures (docs/performance.md): this checkout against 273a75e, side by side, about
# 40 minutes on 2 shared cores. Parts and options: .venv/bin/python benchmarks/performance.py -h
.PHONY: bench-performance
bench-performance: setup
	.venv/bin/python benchmarks/performance.py

# Generated documentation: docs/validation.md with docs/figures/docking_*.png (about 2 minutes),
# and the parameter reference docs/parameters.md from the scenario schemas.
.PHONY: docs
docs: setup
	.venv/bin/python -m sim.docking.page
	.venv/bin/python -m sim.cli.reference > docs/parameters.md

clean:
	rm -rf .venv .tools .pytest_cache .ruff_cache .hypothesis
