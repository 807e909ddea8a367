# Django Supergraph: bootstrap → schema export → compose → run → test, as CI runs it.
#   make dev     start everything (services + router) on 127.0.0.1; Ctrl-C stops it
#   make test    bootstrap what is missing and run every test (what .ci/run calls)

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
SERVICES := users orders payments
NODE_MODULES := supergraph/node_modules/.package-lock.json
# The Node.js that everything here runs on (router, composition, tests, the frontend's tools), first
# on PATH: Node 24, pinned in supergraph/nodejs/package-lock.json where npm has a build for the
# machine (Linux x64 and arm64), else the machine's own, 22.15 or later.
NODEJS := supergraph/nodejs/node_modules/.installed
export PATH := $(CURDIR)/supergraph/nodejs/node_modules/.bin:$(PATH)

.PHONY: dev test bootstrap schema check-schema test-services test-router test-e2e clean

bootstrap: $(VENV)/.installed $(NODEJS) $(NODE_MODULES)

$(VENV)/.installed: requirements-dev.txt subgraphs/requirements.txt subgraphs/federation_kit/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(NODEJS): supergraph/nodejs/package.json supergraph/nodejs/package-lock.json
	cd supergraph/nodejs && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(@D) && touch $@

$(NODE_MODULES): supergraph/package.json supergraph/package-lock.json $(NODEJS)
	cd supergraph && npm ci --engine-strict --no-audit --no-fund --loglevel=error

# Export each subgraph's SDL from its code into schema/, then compose supergraph/supergraph.graphql.
schema: bootstrap
	@for s in $(SERVICES); do \
		(cd subgraphs/$$s && ../../$(PY) manage.py subgraph_schema --output ../../schema/$$s.graphql) || exit 1; \
	done
	cd supergraph && node compose.mjs

# Fails, naming the subgraph, when schema/ or the supergraph differ from a fresh export and composition.
check-schema: bootstrap
	@status=0; for s in $(SERVICES); do \
		(cd subgraphs/$$s && ../../$(PY) manage.py subgraph_schema --check ../../schema/$$s.graphql) || status=1; \
	done; exit $$status
	cd supergraph && node compose.mjs --check
	$(MAKE) --no-print-directory check-frontend-operations

# DB=postgres: a throwaway PostgreSQL cluster (Debian's server), one database per service.
DB ?= sqlite
dev: bootstrap schema
	$(MAKE) --no-print-directory $(FRONTEND_MODULES)
	$(PY) scripts/stack.py --db $(DB) --frontend

test-services: bootstrap
	@for s in $(SERVICES); do \
		echo "== $$s service"; (cd subgraphs/$$s && ../../$(PY) -m pytest -q) || exit 1; \
	done

test-router: bootstrap
	cd supergraph && npm test --silent

# The end-to-end suite, on SQLite files and again on a real PostgreSQL cluster.
test-e2e: bootstrap
	E2E_DB=sqlite $(PY) -m pytest -q tests --ignore=tests/test_compose.py
	E2E_DB=postgres $(PY) -m pytest -q tests --ignore=tests/test_compose.py

# Each of these adds its own targets, and its tests to EXTRA_TESTS.
-include supergraph/governance.mk bench/bench.mk frontend-example/frontend.mk deploy.mk deploy.k8s.mk soak.mk

test: check-schema test-services test-router test-e2e $(EXTRA_TESTS)

clean:
	rm -rf $(VENV) supergraph/node_modules supergraph/nodejs/node_modules subgraphs/*/db.sqlite3*
