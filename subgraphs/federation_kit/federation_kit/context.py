"""What every resolver gets as ``info.context``, and the ``Info`` that says so."""

from dataclasses import dataclass

import strawberry
from django.http import HttpRequest, HttpResponse

from federation_kit.auth import Viewer


@dataclass
class Context:
    request: HttpRequest
    response: HttpResponse
    viewer: Viewer  # set by SubgraphGuardMiddleware from the verified token; login replaces it


SubgraphInfo = strawberry.Info[Context, None]
