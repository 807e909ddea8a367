"""Settings every service shares; a service's settings.py star-imports this and adds its own.

Everything that differs between development and production comes from the environment.
"""

from django.core.exceptions import ImproperlyConfigured

from federation_kit.env import env_bool, env_float, env_int, env_list, env_str
from federation_kit.signature import MIN_HMAC_SECRET_LENGTH

# "production" (set by the Dockerfiles) refuses to start without a real secret key.
ENVIRONMENT = env_str("DJANGO_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV={ENVIRONMENT!r}: use development or production")

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if ENVIRONMENT == "production":
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_ENV=production")
    SECRET_KEY = "development-only-secret-key-never-use-in-production"

# The router signs every subgraph request with this secret (federation_kit.signature);
# unsigned requests are refused unless ALLOW_UNSIGNED_REQUESTS, a development-only switch
# for a subgraph's own GraphiQL.
ROUTER_HMAC_SECRET = env_str("ROUTER_HMAC_SECRET", "")
ALLOW_UNSIGNED_REQUESTS = env_bool("ALLOW_UNSIGNED_REQUESTS", False)
if ENVIRONMENT == "production" and (ALLOW_UNSIGNED_REQUESTS or not ROUTER_HMAC_SECRET):
    raise ImproperlyConfigured("production needs ROUTER_HMAC_SECRET and refuses ALLOW_UNSIGNED_REQUESTS")
if ROUTER_HMAC_SECRET and len(ROUTER_HMAC_SECRET) < MIN_HMAC_SECRET_LENGTH:  # as the router refuses it
    raise ImproperlyConfigured(f"ROUTER_HMAC_SECRET must be at least {MIN_HMAC_SECRET_LENGTH} characters")

# Tokens are issued by the users service (RS256) and verified by every service.
JWT_ISSUER = env_str("JWT_ISSUER", "django-supergraph-users")
JWT_AUDIENCE = env_str("JWT_AUDIENCE", "django-supergraph")
# Verified with the keys the users service publishes at JWT_JWKS_URL (set by the services that fetch them).
JWT_PUBLIC_KEY_PROVIDER = "federation_kit.tokens.jwks_public_key"

if ENVIRONMENT == "production":
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_ENV=production")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # TLS ends in front of the services: the router calls them over the private network in
    # plain HTTP, which a redirect to https would break. Turn it on where TLS reaches them.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    if not SECURE_SSL_REDIRECT:
        SILENCED_SYSTEM_CHECKS = ["security.W008"]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "strawberry_django",
    "federation_kit",
]

_OBSERVABILITY = "federation_kit.observability.ObservabilityMiddleware"
_ROUTER_ONLY_GUARD = "federation_kit.middleware.SubgraphGuardMiddleware"
# The product's own: request ids, access log and metrics; the router-only guard. The benchmark's
# peers have no counterpart of them and leave them out, but for "graphene, guarded" (like for like).
PRODUCT_MIDDLEWARE = [_OBSERVABILITY, _ROUTER_ONLY_GUARD]

MIDDLEWARE = [
    # First: the request id and trace context reach every log line, every request is timed and counted.
    _OBSERVABILITY,
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    _ROUTER_ONLY_GUARD,
    # Django's for the admin's pages, skipped on /graphql (federation_kit.admin_middleware).
    "federation_kit.admin_middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "federation_kit.admin_middleware.AuthenticationMiddleware",
    "federation_kit.admin_middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", ["http://127.0.0.1:5173", "http://localhost:5173"])

# The largest page any list field serves; asking for more is a BAD_USER_INPUT error
# (federation_kit.pagination), and strawberry-django clamps to it as a second line. The page
# served without a limit, PAGINATION_DEFAULT_LIMIT, is what the schema tells the router
# (federation_kit.pagination.page_list_size, @listSize).
MAX_PAGE_SIZE = 500
STRAWBERRY_DJANGO = {
    "PAGINATION_DEFAULT_LIMIT": 100,
    "PAGINATION_MAX_LIMIT": MAX_PAGE_SIZE,
}

# Seconds a cross-service call (a write checking another service) may take before
# it fails with DEPENDENCY_UNAVAILABLE.
DEPENDENCY_TIMEOUT = env_float("DEPENDENCY_TIMEOUT", 3.0, minimum=0.1, maximum=300)

# GraphiQL on the service's own /graphql: a development tool (its requests are unsigned, so it
# goes with ALLOW_UNSIGNED_REQUESTS), refused in production as that switch is.
GRAPHIQL = env_bool("GRAPHIQL", DEBUG)
if ENVIRONMENT == "production" and GRAPHIQL:
    raise ImproperlyConfigured("production refuses GRAPHIQL (the service's own GraphiQL is for development)")

# One JSON object per line on stderr, each with the request's id and W3C trace id
# (federation_kit.observability); LOG_FORMAT=plain for lines meant for people.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "federation_kit.observability.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "federation_kit.observability.JsonFormatter"},
        "plain": {"()": "federation_kit.observability.PlainFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env_str("LOG_FORMAT", "json"),
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
}

if LOGGING["handlers"]["console"]["formatter"] not in LOGGING["formatters"]:
    raise ImproperlyConfigured(f"LOG_FORMAT={env_str('LOG_FORMAT', '')!r}: use json or plain")

# Events between services (federation_kit.outbox): a transactional outbox, published by
# `manage.py relay_outbox` to Redis, consumed by the services' Celery workers.
# A service lists in OUTBOX_ROUTES each event type it emits and the queues (consuming services) it goes to.
OUTBOX_ROUTES: dict[str, list[str]] = {}
OUTBOX_POLL_SECONDS = env_float("OUTBOX_POLL_SECONDS", 0.1, minimum=0.01)
# At least a day: a handled event's id must outlive any redelivery of it, or it would be applied twice.
OUTBOX_RETENTION_DAYS = env_float("OUTBOX_RETENTION_DAYS", 7, minimum=1, maximum=3650)
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A message a worker took and never acknowledged (it died mid-event) is delivered again after
# this many seconds; handlers take milliseconds, and a duplicate is harmless (consumers are idempotent).
_VISIBILITY_TIMEOUT = env_float("CELERY_VISIBILITY_TIMEOUT", 300, minimum=1)
# A handler that fails is retried 1, 2, 4 ... seconds later, never later than half the visibility
# timeout: a worker holds a retry unacknowledged until it is due, and Redis would hand a longer
# one to another worker meanwhile.
OUTBOX_RETRY_BACKOFF_MAX = int(max(1, min(60, _VISIBILITY_TIMEOUT / 2)))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _VISIBILITY_TIMEOUT,
    "unacked_restore_interval": max(1, min(10, _VISIBILITY_TIMEOUT / 3)),
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
    "max_retries": 0,  # a publish to a broker that is down fails at once: the relay retries, the events wait
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the workers log through LOGGING above, like the services
