"""The monolith contender: the three services' models in one project and one database.

It shares the services' settings (middleware, pagination limits, SQLite options), so
that what differs from the product is federation, and the product's authorization.
"""

from pathlib import Path

from federation_kit.base_settings import *  # noqa: F403
from federation_kit.base_settings import INSTALLED_APPS, MIDDLEWARE, PRODUCT_MIDDLEWARE
from federation_kit.env import database_config

BASE_DIR = Path(__file__).resolve().parent.parent
SERVICE_NAME = "monolith"

# The product's own middleware guards a subgraph (the router's signature, the caller's token) and
# logs and counts each request: a peer has no counterpart of it. Django's it runs as the product does.
MIDDLEWARE = [name for name in MIDDLEWARE if name not in PRODUCT_MIDDLEWARE]
INSTALLED_APPS = [*INSTALLED_APPS, "shop"]
AUTH_USER_MODEL = "shop.User"
ROOT_URLCONF = "monolith.urls"
WSGI_APPLICATION = "monolith.wsgi.application"
DATABASES = {"default": database_config(BASE_DIR / "db.sqlite3")}
