# Two commands on a fresh machine:
#   make book   -> builds the HTML into _build/html
#   make test   -> runs every check (nbval, exercises, checks, lint, strict book build)
# Both create and fill .venv themselves.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# One BLAS/OpenMP thread per process: results do not depend on the thread count, and
# the two pytest-xdist workers do not fight over the machine's two cores.
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help venv book test exercises outputs lint clean figures browser-check set-repo

help:
	@echo "make book       build the HTML book into _build/html"
	@echo "make test       run every check (what CI runs)"
	@echo "make exercises  regenerate exercises/ from solutions/"
	@echo "make outputs    re-execute book/ and solutions/ in place (NB=path for one notebook)"
	@echo "make lint       ruff on the package, tools, tests and notebooks"
	@echo "make set-repo URL=https://github.com/you/fork   point launch buttons and Colab installs at your fork"
	@echo "make figures    redraw the shared diagrams in book/figures/ (tools/make_figures.py)"
	@echo "make browser-check  open every book page in headless Chromium, network off: maths typeset? (installs chromium)"

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

book: $(STAMP)
	$(VENV)/bin/jupyter-book build . -W -n --keep-going
	@echo "Book: file://$(CURDIR)/_build/html/index.html"

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -q $(PYTEST_ARGS)

exercises: $(STAMP)
	$(PY) tools/make_exercises.py

outputs: $(STAMP)
	$(PY) tools/execute_notebooks.py $(NB)

lint: $(STAMP)
	$(VENV)/bin/ruff check rnnbook tools tests
	$(VENV)/bin/nbqa ruff book solutions exercises

figures: $(STAMP)
	$(PY) tools/make_figures.py

# Builds the book first if it is older than its sources; screenshots land in _build/browser-check/.
# `make test` runs the same check (tests/test_pages.py) whenever Chromium is installed.
browser-check: $(STAMP)
	$(PY) tools/browser_check.py --install

set-repo: $(STAMP)
	$(PY) tools/set_repository.py $(URL)

clean:
	rm -rf _build .pytest_cache .ruff_cache
