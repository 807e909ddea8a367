# The example frontend (frontend-example/), `-include`d by the root Makefile.
#   make frontend                    npm ci + codegen + type check + vite build into frontend-example/dist
#                                    (VITE_ROUTER_URL=... sets the router URL the files call)
#   make check-frontend-operations   every operation of the app against supergraph/supergraph.graphql
#                                    and the router's limits in router-config.yaml
#   make test-frontend               the app and the explorers in Chromium, against the real stack

FRONTEND_DIR := frontend-example
FRONTEND_MODULES := $(FRONTEND_DIR)/node_modules/.package-lock.json
CHROMIUM := /usr/bin/chromium

.PHONY: frontend check-frontend-operations test-frontend

$(FRONTEND_MODULES): $(FRONTEND_DIR)/package.json $(FRONTEND_DIR)/package-lock.json $(NODEJS)
	cd $(FRONTEND_DIR) && npm ci --engine-strict --no-audit --no-fund --loglevel=error

frontend: $(FRONTEND_MODULES)
	cd $(FRONTEND_DIR) && npm run --silent build

# The router's limits are checked by supergraph/'s script, on its own packages ($(NODE_MODULES)).
check-frontend-operations: $(FRONTEND_MODULES) $(NODE_MODULES)
	cd $(FRONTEND_DIR) && npm run --silent check-operations

# Debian's Chromium, driven by playwright-core: Playwright's own browser download is not used.
$(CHROMIUM):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

test-frontend: bootstrap $(FRONTEND_MODULES) $(CHROMIUM)
	cd $(FRONTEND_DIR) && npm run --silent codegen && STACK_PYTHON=$(abspath $(PY)) npm test --silent

EXTRA_TESTS += check-frontend-operations test-frontend
