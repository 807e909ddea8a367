"""The monolith contender: the three services' models in one project and one database.

It shares the services' settings (middleware, pagination limits, SQLite options), so
that what differs from the product is federation alone.
"""

from pathlib import Path

from federation_kit.base_settings import *  # noqa: F403
from federation_kit.base_settings import INSTALLED_APPS
from federation_kit.env import database_config

BASE_DIR = Path(__file__).resolve().parent.parent
SERVICE_NAME = "monolith"

INSTALLED_APPS = [*INSTALLED_APPS, "shop"]
AUTH_USER_MODEL = "shop.User"
ROOT_URLCONF = "monolith.urls"
WSGI_APPLICATION = "monolith.wsgi.application"
DATABASES = {"default": database_config(BASE_DIR / "db.sqlite3")}
