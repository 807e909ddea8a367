"""Shared building blocks of the Django Supergraph services.

Each service installs this package and lists ``federation_kit`` in INSTALLED_APPS
(for the ``export_schema`` command). Nothing here knows about users, orders or payments.
"""
