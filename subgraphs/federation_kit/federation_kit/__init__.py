"""Shared building blocks of the Django Supergraph services: the schema with batched entity
resolution, the router check and tokens, settings from the environment, errors and their codes,
service-to-service calls, the outbox, observability.

Each service installs this package and lists ``federation_kit`` in INSTALLED_APPS (for its
models, the outbox's, and the ``subgraph_schema`` and ``relay_outbox`` commands). It imports no
service's code; the error codes of every service are listed here (error_codes.ErrorCode), so
that the codes the README documents live in one place.
"""
