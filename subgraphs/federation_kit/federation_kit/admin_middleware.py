"""Django's middleware that only the admin's pages need, skipped on ``/graphql``.

A GraphQL caller is identified by its token (``request.viewer``, federation_kit.middleware), not
by a session, and is sent no messages. Run on every request, Django's session, auth and messages
middleware took several per cent of a small subgraph request's CPU (bench/results/profiling.md,
eighteenth round). Every other path, the admin's first, runs them as Django does; they are
subclasses of Django's own, so the admin's checks still find them. CSRF's middleware stays
Django's own on every path (``check --deploy`` looks for it by name; the GraphQL view is exempt).

Django only (no Strawberry, no PyJWT): the benchmark's peers run them too.
"""

from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest

from federation_kit.observability import GRAPHQL_PATH


class OutsideGraphQL:
    def __call__(self, request: HttpRequest):
        if request.path_info == GRAPHQL_PATH:
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(OutsideGraphQL, sessions.SessionMiddleware):
    pass


class AuthenticationMiddleware(OutsideGraphQL, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(OutsideGraphQL, messages.MessageMiddleware):
    pass
