"""The graphene contender: the three subgraphs written with graphene-django and
graphene-federation, on the product's own models and databases.

Runs in its own virtualenv (graphene needs graphql-core < 3.3, Strawberry >= 3.3), with
the product's apps and federation_kit on PYTHONPATH for the models and shared settings.
GRAPHENE_SERVICE (users, orders or payments) says which subgraph this process is;
GRAPHENE_PRODUCT_MIDDLEWARE=1 makes it the "graphene, guarded" contender's.
"""

from pathlib import Path

from federation_kit.base_settings import *  # noqa: F403
from federation_kit.base_settings import INSTALLED_APPS, MIDDLEWARE, PRODUCT_MIDDLEWARE
from federation_kit.env import database_config, env_bool, env_str

SERVICE_NAME = env_str("GRAPHENE_SERVICE", "")
_APPS = {"users": "accounts", "orders": "orders", "payments": "payments"}  # the product's app of each service

# The product's own middleware guards a subgraph (the router's signature, the caller's token) and
# logs and counts each request: a peer has no counterpart of it. Django's it runs as the product does.
# "graphene, guarded" runs the product's too, where ours does, with what ours is given for it: the
# router's secret (ROUTER_HMAC_SECRET) and the users service's keys.
if env_bool("GRAPHENE_PRODUCT_MIDDLEWARE", False):
    JWT_JWKS_URL = env_str("JWT_JWKS_URL", "")
    if SERVICE_NAME == "users":  # as the product's users service: its own keys rather than its JWKS
        JWT_KEYS_DIR = env_str("JWT_KEYS_DIR", "")
        JWT_PUBLIC_KEY_PROVIDER = "accounts.tokens.public_key_for"
else:
    MIDDLEWARE = [name for name in MIDDLEWARE if name not in PRODUCT_MIDDLEWARE]
# Strawberry is not installed here; graphene-django takes its place.
INSTALLED_APPS = [*(app for app in INSTALLED_APPS if app != "strawberry_django"), "graphene_django", _APPS[SERVICE_NAME]]
if SERVICE_NAME == "users":
    AUTH_USER_MODEL = "accounts.User"
ROOT_URLCONF = "graphene_peer.urls"
WSGI_APPLICATION = "graphene_peer.wsgi.application"
DATABASES = {"default": database_config(Path(f"{SERVICE_NAME}.sqlite3"))}
GRAPHQL_SCHEMA = f"graphene_peer.{SERVICE_NAME}_schema.schema"

# createOrder asks the users subgraph whether the customer exists, as the product does.
USERS_SERVICE_URL = env_str("USERS_SERVICE_URL", "")
