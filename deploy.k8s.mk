# Kubernetes manifests (deploy/k8s/), `-include`d by the root Makefile.
#   make check-k8s                      render the dev and production overlays, validate every object
#                                       against the Kubernetes schemas, run our own checks and their tests
#   make k8s-render OVERLAY=production  print an overlay's manifests (pipe them to `kubectl apply -f -`)
#
# The tools (kubectl with its built-in kustomize, kubernetes-validate with its offline schemas) live
# in deploy/.venv, never in the project's .venv.

PYTHON ?= python3.11
K8S_VENV := deploy/.venv
K8S_PY := $(K8S_VENV)/bin/python
OVERLAY ?= dev

.PHONY: check-k8s k8s-render

# Its output goes to stderr, so that `make k8s-render | kubectl apply -f -` gets only manifests.
# It tests pyvenv.cfg, not bin/python: a venv without it runs (and installs into) the base interpreter.
$(K8S_VENV)/.installed: deploy/requirements.txt
	@echo "deploy/.venv: installing deploy/requirements.txt" >&2
	@test -f $(K8S_VENV)/pyvenv.cfg || $(PYTHON) -m venv --clear $(K8S_VENV) >&2
	@$(K8S_PY) -m pip install --quiet --disable-pip-version-check -r deploy/requirements.txt >&2
	@touch $@

check-k8s: $(K8S_VENV)/.installed
	$(K8S_PY) deploy/check_k8s.py
	$(K8S_PY) -m pytest -q -p no:cacheprovider deploy/tests

k8s-render: $(K8S_VENV)/.installed
	@$(K8S_PY) deploy/check_k8s.py --print $(OVERLAY)

EXTRA_TESTS += check-k8s
