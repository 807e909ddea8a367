"""The REST contender ("the old way"): JSON endpoints on the product's own models and databases.

One process per service, like the product; REST_SERVICE (users, orders or payments) says
which one this is. Everything else is the services' shared settings.
"""

from pathlib import Path

from federation_kit.base_settings import *  # noqa: F403
from federation_kit.base_settings import INSTALLED_APPS, MIDDLEWARE, PRODUCT_MIDDLEWARE
from federation_kit.env import database_config, env_str

SERVICE_NAME = env_str("REST_SERVICE", "")
_APPS = {"users": "accounts", "orders": "orders", "payments": "payments"}  # the product's app of each service

# The product's own middleware guards a subgraph (the router's signature, the caller's token) and
# logs and counts each request: a peer has no counterpart of it. Django's it runs as the product does.
MIDDLEWARE = [name for name in MIDDLEWARE if name not in PRODUCT_MIDDLEWARE]
INSTALLED_APPS = [*INSTALLED_APPS, _APPS[SERVICE_NAME]]
if SERVICE_NAME == "users":
    AUTH_USER_MODEL = "accounts.User"
ROOT_URLCONF = f"rest_peer.{SERVICE_NAME}_api"
WSGI_APPLICATION = "rest_peer.wsgi.application"
DATABASES = {"default": database_config(Path(f"{SERVICE_NAME}.sqlite3"))}

# Where the orders service finds the other two (base URLs, no trailing slash).
USERS_API_URL = env_str("USERS_API_URL", "")
PAYMENTS_API_URL = env_str("PAYMENTS_API_URL", "")
