# Entry points. `make demo` runs the most complete thing that works today;
# `make test` runs every test. Both install what they need first.
PYTHON ?= python3
TARGET ?= p4sim

.PHONY: setup deps-apt deps-py deps-p4rtsh demo test lint ptf

setup: deps-apt deps-py deps-p4rtsh

deps-apt:
	./scripts/install-deps.sh

deps-p4rtsh:
	./scripts/p4rtsh-venv.sh

deps-py:
	$(PYTHON) -m pip install -q -e '.[test]'

demo: setup
	./scripts/demo.sh $(DEMO_ARGS)

test: setup
	$(PYTHON) -m ruff check .
	$(PYTHON) -m pytest -q tests

lint:
	$(PYTHON) -m ruff check .

# PTF suite of vtep_gateway.p4 on TARGET (p4sim, or bmv2 with p4c and
# simple_switch_grpc on PATH): namespace, veths, target, ptf, cleanup.
ptf: setup
	$(PYTHON) -m bmv2.ptf_runner --target $(TARGET)
