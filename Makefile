# Two commands on a fresh machine:
#   make book   -> builds the HTML into _build/html
#   make test   -> runs every check (nbval, exercises, checks, lint, strict book build)
# Both create and fill .venv themselves.  Students: `make lab` opens the exercises in JupyterLab.
#
# PyTorch: torch==2.13.0 must be the CPU-only build.  tools/torch_index.py adds PyTorch's CPU wheel index
# (https://download.pytorch.org/whl/cpu) unless pip already finds a local +cpu wheel.  Override:
#   make test TORCH_INDEX=https://download.pytorch.org/whl/cpu   (always use that index)
#   make test TORCH_INDEX=                                      (never add an index)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# One BLAS/OpenMP thread per process: results do not depend on the thread count, and
# the two pytest-xdist workers do not fight over the machine's two cores.
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1
ifneq ($(origin TORCH_INDEX),undefined)
export TORCH_INDEX
endif
LAB_STAMP := $(VENV)/.lab-stamp
PIP := $(PY) -m pip install --quiet --disable-pip-version-check

.PHONY: help venv book test exercises outputs lint clean figures browser-check set-repo lab grade check-foreign-install \
        checkpoint check-checkpoint

help:
	@echo "make lab        open the exercises in JupyterLab (installs it into .venv on first use)"
	@echo "make book       build the HTML book into _build/html"
	@echo "make test       run every check (what CI runs)"
	@echo "make exercises  regenerate exercises/ from solutions/"
	@echo "make outputs    re-execute book/ and solutions/ in place (NB=path for one notebook)"
	@echo "make lint       ruff on the package, tools, tests and notebooks"
	@echo "make set-repo URL=https://github.com/you/fork [REF=v2.1.0]   point launch buttons and Colab installs at a fork"
	@echo "make grade SUBMISSIONS=dir [TIMEOUT=60]   grade students' notebooks: dir/grades.csv, dir/feedback/*.md"
	@echo "make figures    redraw the shared diagrams in book/figures/ (tools/make_figures.py)"
	@echo "make checkpoint retrain chapter 8b's long run (about 9 min) into rnnbook/checkpoints/"
	@echo "make check-checkpoint  re-make it from seed 0 and 3 other seeds, compare with the record (about 18 min)"
	@echo "make browser-check  open every book page in headless Chromium, network off: maths typeset? (installs chromium)"

# The venv is rebuilt from scratch whenever a requirements file changes, so that a package removed from the
# requirements cannot linger in .venv and keep the tests green.  A .venv without a working pip (Debian/Ubuntu
# without python3-venv) is detected and recreated, with a message, instead of failing on every later make.
$(STAMP): requirements.txt requirements-book.txt constraints.txt pyproject.toml
	@if [ -d $(VENV) ] && ! $(PY) -m pip --version >/dev/null 2>&1; then \
	  echo "$(VENV) has no working pip: recreating it"; rm -rf $(VENV); fi
	@if [ -f $(STAMP) ]; then \
	  echo "the requirements changed: rebuilding $(VENV) from scratch"; rm -rf $(VENV); fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip --version >/dev/null 2>&1 || { rm -rf $(VENV); \
	  echo "ERROR: '$(PYTHON) -m venv' made a venv without pip. On Debian/Ubuntu: sudo apt install python3-venv"; \
	  exit 1; }
	$(PIP) $$($(PY) tools/torch_index.py) -r requirements.txt -c constraints.txt
	$(PIP) --no-deps -e .
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

# ruff lints notebooks natively (and applies per-file-ignores to them).
lint: $(STAMP)
	$(VENV)/bin/ruff check rnnbook tools tests book solutions exercises

figures: $(STAMP)
	$(PY) tools/make_figures.py

# Chapter 8b's long run: trained once from seed 0 on one thread (OMP_NUM_THREADS=1 above), stored in the
# package.  check-checkpoint re-makes it and three other seeds (tests marked `checkpoint`, which `make test`
# skips; its `slow` tests re-check the stored weights and the first updates of the run).
checkpoint: $(STAMP)
	$(PY) tools/make_checkpoint.py

check-checkpoint: $(STAMP)
	$(PY) -m pytest -n 2 -q -rP --run-checkpoint -m checkpoint tests/test_demo_ch08b.py

# Builds the book first if it is older than its sources; screenshots land in _build/browser-check/.
# `make test` runs the same check (tests/test_pages.py) whenever Chromium is installed.
browser-check: $(STAMP)
	$(PY) tools/browser_check.py --install

set-repo: $(STAMP)
	$(PY) tools/set_repository.py $(URL) $(REF)

$(LAB_STAMP): $(STAMP) requirements-lab.txt
	$(PIP) -r requirements-lab.txt -c constraints.txt
	touch $(LAB_STAMP)

# Students: open the exercises in JupyterLab, on the course's venv (Ctrl-C stops it).
# (Jupyter refuses to run as root without --allow-root, as in a container; LAB_ARGS adds options, e.g. --no-browser.)
lab: $(LAB_STAMP)
	$(VENV)/bin/jupyter lab exercises/ $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# Instructors: grade a folder of student notebooks (one folder per student).  See README.md, "Grading".
grade: $(STAMP)
	$(PY) -m rnnbook.grade $(SUBMISSIONS) $(if $(TIMEOUT),--timeout $(TIMEOUT))

# Simulate a machine that is not ours (no local wheel): which torch would pip resolve?  Needs network.
check-foreign-install:
	$(PYTHON) tools/check_foreign_install.py

clean:
	rm -rf _build .pytest_cache .ruff_cache
