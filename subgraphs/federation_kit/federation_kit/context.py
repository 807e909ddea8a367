"""What every resolver gets as ``info.context``, and the ``Info`` that says so."""

from dataclasses import dataclass

import strawberry
from django.http import HttpRequest, HttpResponse

from federation_kit.auth import Viewer


@dataclass
class Context:
    request: HttpRequest
    response: HttpResponse
    # Set by SubgraphGuardMiddleware from the verified token; login and an anonymous createUser
    # replace it for the rest of their answer.
    viewer: Viewer


SubgraphInfo = strawberry.Info[Context, None]
