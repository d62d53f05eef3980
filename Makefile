# The course's commands. `make book` and `make test` set up everything they need.
# Variables: PYTHON (3.11 to 3.13), COURSE_PROFILE (quick|full), SUBMISSIONS, OUT, JOBS, SCHEDULER.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: help system venv data axe bench smoke book book-instructor test test-portable warnings exercises stamp grade bench-grade colab-check stall-check spread release clean

help:
	@echo "make book             set up, fetch data, build the site into _build/html"
	@echo "make book-instructor  the same site with the solutions, into _build/instructor"
	@echo "make test             set up, fetch data, run the whole test suite"
	@echo "make test-portable    the chapters' nbval with another processor's floating-point paths"
	@echo "make warnings         run every chapter and solution with each Python warning an error"
	@echo "make grade SUBMISSIONS=dir [OUT=grading] [JOBS=2] [SCHEDULER=tcp://host:8786]   grade students' exercise notebooks"
	@echo "make bench-grade      grading throughput (submissions a minute) and where the seconds go"
	@echo "make bench [PROFILE=full]  execute every chapter, record times and accuracies in _build/bench"
	@echo "make smoke            every training chapter in the full profile on this CPU, a few batches each (in make test too)"
	@echo "make colab-check      every chapter, solution and solved exercise as on Colab's Python 3.13, newest packages"
	@echo "make spread NB=chapters/x.ipynb [BY=nudge|seed] [SPREAD_RUNS=4]  how far its trained figures move on other trajectories"
	@echo "make stall-check [RUNS=100] [MINUTES=m] [JOBS=1]  execute the widget chapters many times; any stall?"
	@echo "make data             fetch and verify Fashion-MNIST and the Kaggle CSVs into data/"
	@echo "make axe              install axe-core (npm) for the browser tests' accessibility checks"
	@echo "make exercises        regenerate exercises/ from solutions/"
	@echo "make stamp            stamp the setup cell into every chapter and solution"
	@echo "make release REPOSITORY=owner/name [BRANCH=main] [RELEASE=_build/release]  the student repository: no solutions, Colab buttons pointing at it"
	@echo "make clean            remove _build/ and the execution cache"

# Debian packages the tests need: bubblewrap sandboxes graded student code, Chromium
# renders the built site for the browser tests, graphviz's `dot` draws the architecture
# figures when notebooks execute, npm installs axe-core (`make axe`). npm counts as
# present when the command is, whichever package brought it.
SYSTEM_PACKAGES := bubblewrap chromium graphviz
system:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done; \
	  command -v npm >/dev/null || echo npm); \
	if [ -z "$$missing" ]; then echo "system: $(SYSTEM_PACKAGES) npm installed"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get install -y -q $$missing || { apt-get update -q && apt-get install -y -q $$missing; }; \
	else echo "system: please install: sudo apt-get install $$missing"; exit 1; fi

# Reinstall only when requirements.txt differs from the copy kept in the venv. A new
# environment empties the execution cache, which knows code, not packages.
venv:
	@if cmp -s requirements.txt $(VENV)/requirements.txt; then \
	  echo "venv: $(VENV) matches requirements.txt"; \
	else \
	  rm -rf _build/.jupyter_cache && $(PYTHON) tools/make_venv.py $(VENV) requirements.txt; \
	fi

data: venv
	$(PY) -m course data

# axe-core, the accessibility engine the browser tests run on every page of the site
# (tests/site_checks.py injects it from here: the pages fetch nothing from outside), from the
# npm registry at this version; reinstalled only when the version changes.
AXE_VERSION := 4.14.1
AXE_DIR := _build/axe-core
axe:
	@if grep -qs '"version": "$(AXE_VERSION)"' $(AXE_DIR)/node_modules/axe-core/package.json; then \
	  echo "axe: axe-core $(AXE_VERSION) in $(AXE_DIR)"; \
	else \
	  npm install --prefix $(AXE_DIR) --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
	    axe-core@$(AXE_VERSION); \
	fi

book: system venv data
	$(PY) -m course book student
	@echo "open _build/html/index.html"

book-instructor: system venv data
	$(PY) -m course book instructor
	@echo "open _build/instructor/_build/html/index.html"

test: system venv data axe
	$(PY) -m pytest

# How far a notebook's trained figures move when training takes another trajectory (the
# float rounding of another processor: BY=nudge; other seeds: BY=seed), the measurement
# behind a cell's declared tolerance. Table in reports/spread/. See course/measure/spread.py.
# Two runs side by side, one torch thread each.
BY ?= nudge
SPREAD_RUNS ?= 4
spread: venv data
	@test -n "$(NB)" || (echo "usage: make spread NB=chapters/<stem>.ipynb [BY=nudge|seed] [SPREAD_RUNS=4]"; exit 2)
	$(PY) -m course spread --by $(BY) --runs $(SPREAD_RUNS) --jobs 2 $(NB)

# The chapters' nbval as on another processor: PyTorch's plain (unvectorised) CPU kernels,
# MKL's compatible code path and oneDNN's SSE4.1 one each round differently from this
# machine's AVX2/AVX-512 paths, so stored outputs that pass here reproduce elsewhere.
PORTABLE_ENV := ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE ONEDNN_MAX_CPU_ISA=SSE41
test-portable: system venv data
	$(PORTABLE_ENV) $(PY) -m pytest --fresh-kernels chapters

# Every chapter and solution notebook, in kernels where each Python warning (one raised
# inside matplotlib too, which the default filters hide) is an error: deprecations fail
# their cell now, not the course after an upgrade. Outputs are not compared (`make test`
# does that), so a failure here is a warning or an error. See course/checking/kernel_warnings.py.
warnings: venv data
	$(PY) -m pytest -p course.checking.kernel_warnings --nbval-lax chapters solutions

# Execute every chapter in a profile, record times and accuracies: _build/bench/.
PROFILE ?= $(or $(COURSE_PROFILE),quick)
bench: venv data
	$(PY) -m course bench $(PROFILE)

# The full profile, end to end in a few minutes on a CPU: each training chapter at the book's
# sizes, a few batches a fit, shapes checked against the book's (tests/test_full_profile_smoke.py).
smoke: venv data
	$(PY) -m pytest -p no:randomly tests/test_full_profile_smoke.py

exercises: venv
	$(PY) -m course exercises

# Colab's runtime: a Python 3.13 virtualenv with the newest releases of what Colab preinstalls
# (_build/colab/venv: about 6 GB with torch's CUDA build, made once), a stand-in google.colab
# so the setup cell takes its Colab branch, then every chapter, solution and solved exercise.
# Table: _build/colab/colab-check.md. FRESH=1 makes the virtualenv again (newer releases).
colab-check: venv data
	$(PY) -m course colab-check $(if $(FRESH),--fresh)

# Execute every chapter with a widget RUNS times as the book build does (nbclient's widget
# stall, course/checking/upstream.py); MINUTES caps the time, JOBS runs notebooks side by side.
# Table: _build/stall-check/
RUNS ?= 100
# JOBS is shared with grade, so each target sets its own default (a global ?= would set
# whichever comes first for both).
stall-check: JOBS ?= 1
stall-check: venv data
	$(PY) -m course stall-check --runs $(RUNS) --jobs $(JOBS) $(if $(MINUTES),--minutes $(MINUTES))

# Exercises are generated from the solutions, so they follow the new setup cell too.
stamp: venv
	$(PY) -m course stamp
	$(PY) -m course exercises

clean:
	rm -rf _build

# Batch grading: make grade SUBMISSIONS=<dir> [OUT=<dir>] [JOBS=<n>, default 2] [UNSANDBOXED=1]
# [SCHEDULER=tcp://host:8786]: on a Dask cluster instead (instructors.md, "Grading on
# several machines").
OUT ?= grading
grade: JOBS ?= 2
grade: venv data
	@test -n "$(SUBMISSIONS)" || (echo "usage: make grade SUBMISSIONS=<dir> [OUT=<dir>] [JOBS=<n>] [SCHEDULER=tcp://host:8786]"; exit 2)
	$(PY) -m course grade "$(SUBMISSIONS)" --out "$(OUT)" --jobs $(JOBS) $(if $(UNSANDBOXED),--unsandboxed) \
	  $(if $(SCHEDULER),--scheduler $(SCHEDULER))

# Grading throughput: a generated class of honest, wrong and hostile submissions of a
# section without training (2.1) and one with (3.5), graded with 1 and 2 jobs; prints
# submissions per minute and where one submission's seconds go. _build/bench-grade/.
bench-grade: venv data
	$(PY) -m course.grading.bench

# The repository students get (chapters, exercise stubs, the site's sources; no solutions
# and no hidden checks, which it checks), with every Colab button pointing at REPOSITORY.
# Build the instructor's own site with COURSE_REPOSITORY=$(REPOSITORY) to point it there too.
BRANCH ?= main
RELEASE ?= _build/release
release: venv
	@test -n "$(REPOSITORY)" || (echo "usage: make release REPOSITORY=owner/name [BRANCH=main] [RELEASE=_build/release]"; exit 2)
	$(PY) -m course release --repository $(REPOSITORY) --branch $(BRANCH) --out $(RELEASE)
