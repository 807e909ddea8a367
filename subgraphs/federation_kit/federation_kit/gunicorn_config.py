"""gunicorn's settings for every service (``gunicorn --config python:federation_kit.gunicorn_config``),
used alike by the Dockerfiles and scripts/stack.py; ``--bind`` and ``--workers`` come from the caller.

Threads, not processes: a request mostly waits on its database or, for a write's check, on another
service, which may call back (cancelOrder <-> payOrder).
"""

import gc

from federation_kit.env import env_int

worker_class = "gthread"
threads = env_int("GUNICORN_THREADS", 8, minimum=1)
graceful_timeout = 8
# Longer than the router's idle keep-alive: gunicorn's default (2 s) closed connections the router
# was about to reuse, and ~1 request in 500 failed with "socket hang up".
keepalive = 75
# No access log of gunicorn's own: each service logs every request as JSON with its request id
# and trace (federation_kit.observability), and gunicorn's own lines the same way.
logger_class = "federation_kit.observability.GunicornLogger"
# Several services (and replicas) on one host must not share gunicorn's default control socket.
control_socket_disable = True


def post_worker_init(worker) -> None:
    """Load what the first request would (the URLconf, so the GraphQL schema), then freeze it all.

    A full garbage collection otherwise walks every object of Django and the schema: answering
    1,000 orders' payments spent 8 ms a request in the collector on average, 1.4 ms frozen.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the URLconf)
    gc.collect()
    gc.freeze()
