# The two commands. Each creates .venv on its own, so either works first on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: demo test test-install test-run bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# The guided tour: training, graphs, explorer pages and plots, written under out/. The
# testing extra (hypothesis) is for the last lesson, which property-tests a derivative.
demo: $(PY)
	$(PIP) install --quiet -e ".[wasm,plot,numpy,testing]"
	$(PY) -m demos tour --out out

# The whole suite, with everything the optional checks need (but torch, see .ci/run):
# test-install, then test-run. CI runs the two steps apart, to install into one venv at a
# time but run the suites of several venvs at once.
test: test-install
	$(RUN_SUITE)

# PIP_INSTALL_ARGS: more pip options (CI passes --no-compile, see .ci/run).
test-install: $(PY)
	$(PIP) install --quiet -e ".[test]" $(PIP_INSTALL_ARGS)

test-run:
	@test -x $(PY) || { echo "$(PY) is missing: make test-install creates it"; exit 2; }
	$(RUN_SUITE)

# pytest, its exit status left in $(VENV)/pytest-exit-code for .ci/run (which reads 5, no
# tests collected, as a pass).
RUN_SUITE = $(PY) -m pytest $(PYTEST_ARGS); status=$$?; echo $$status > $(VENV)/pytest-exit-code; exit $$status

# Side-by-side speed and memory against micrograd (not part of the test run).
bench: $(PY)
	$(PIP) install --quiet -e ".[bench]"
	$(PY) benchmarks/engine.py
	$(PY) benchmarks/moons.py
	$(PY) benchmarks/learner_loop.py
	$(PY) benchmarks/digits.py

clean:
	rm -rf $(VENV) out build *.egg-info .pytest_cache .hypothesis
