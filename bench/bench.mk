# The benchmark (bench/README.md), included by the root Makefile.
#   make bench        every contender on this machine, in alternating rounds (3–5 minutes on 2 cores):
#                     prints the table and writes bench/results/latest.{md,json,png}
#   make test-bench   the same harness with tiny counts; checks that every contender answers
#                     the same data, never how fast (part of `make test`)

BENCH_GRAPHENE_VENV := bench/.venv-graphene
BENCH_TOOLS_VENV := bench/.venv-tools

.PHONY: bench test-bench

# graphene needs graphql-core < 3.3, Strawberry >= 3.3: the graphene peers get their own venv.
$(BENCH_GRAPHENE_VENV)/.installed: bench/requirements-graphene.txt
	test -x $(BENCH_GRAPHENE_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_GRAPHENE_VENV)
	$(BENCH_GRAPHENE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	touch $@

# matplotlib and py-spy stay out of the product's .venv.
$(BENCH_TOOLS_VENV)/.installed: bench/requirements-tools.txt
	test -x $(BENCH_TOOLS_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_TOOLS_VENV)
	$(BENCH_TOOLS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	touch $@

bench: bootstrap $(BENCH_GRAPHENE_VENV)/.installed $(BENCH_TOOLS_VENV)/.installed
	$(PY) bench/run.py

test-bench: bootstrap $(BENCH_GRAPHENE_VENV)/.installed $(BENCH_TOOLS_VENV)/.installed
	$(PY) -m pytest -q bench/tests

EXTRA_TESTS += test-bench
