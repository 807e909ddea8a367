# Sustained load through the router (scripts/soak.py): mixed reads and writes at fixed concurrency,
# failing on any error or on memory growth beyond the bound; summary in bench/results/soak-latest.md.
#   make soak                          5 minutes (SOAK_DURATION=600 SOAK_CONCURRENCY=16 SOAK_DB=postgres to change)
#   make soak-ci                       the 20-second version `make test` runs
SOAK_DURATION ?= 300
SOAK_CONCURRENCY ?= 8
SOAK_DB ?= sqlite

.PHONY: soak soak-ci

soak: bootstrap
	$(PY) scripts/soak.py --duration $(SOAK_DURATION) --concurrency $(SOAK_CONCURRENCY) --db $(SOAK_DB)

soak-ci: bootstrap
	$(PY) scripts/soak.py --duration 20 --concurrency $(SOAK_CONCURRENCY) --db $(SOAK_DB)

EXTRA_TESTS += soak-ci
