import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse

from federation_kit.error_codes import ErrorCode
from federation_kit.jwks import KeysUnavailable
from federation_kit.observability import GRAPHQL_PATH
from federation_kit.signature import HEADER as SIGNATURE_HEADER, is_signed
from federation_kit.tokens import InvalidToken, viewer_from_authorization

logger = logging.getLogger("federation_kit.auth")


def _refusal(status: int, code: ErrorCode, message: str) -> JsonResponse:
    return JsonResponse({"data": None, "errors": [{"message": message, "extensions": {"code": code.value}}]}, status=status)


class SubgraphGuardMiddleware:
    """Before any resolver runs on /graphql: the router's signature (else 403), then the
    caller's token (a bad one: 401; none can be checked now: 503); the viewer it names is
    ``request.viewer``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        # path_info, as URL routing: request.path also has a SCRIPT_NAME prefix, which must not
        # take a request to the GraphQL view past this check.
        if request.path_info != GRAPHQL_PATH:
            return self.get_response(request)
        try:
            body = request.body
        except RequestDataTooBig:
            message = f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes"
            return _refusal(413, ErrorCode.BAD_REQUEST, message)
        # Only a body is signed: a GET's query, in its URL, is not, so it is never taken as signed.
        signature = request.headers.get(SIGNATURE_HEADER) if request.method == "POST" else None
        signed = is_signed(settings.ROUTER_HMAC_SECRET, body, signature)
        if not (signed or settings.ALLOW_UNSIGNED_REQUESTS):
            if signature:
                # The router's (or another service's) own signature, refused: the deployment's
                # secrets differ. Its own code, so the router reports it as such (gateway.config.mjs).
                logger.warning("refused a request whose %s does not sign its body with ROUTER_HMAC_SECRET", SIGNATURE_HEADER)
                message = f"The {SIGNATURE_HEADER} header does not sign this request with this subgraph's ROUTER_HMAC_SECRET"
                return _refusal(403, ErrorCode.ROUTER_SIGNATURE_INVALID, message)
            return _refusal(403, ErrorCode.FORBIDDEN, "This subgraph answers only requests signed by the router")
        try:
            request.viewer = viewer_from_authorization(request.headers.get("Authorization"))
        except InvalidToken as error:
            logger.info("refused a token: %s", error)
            return _refusal(401, ErrorCode.UNAUTHENTICATED, "The token is invalid or expired: log in again")
        except KeysUnavailable as error:
            logger.warning("cannot check a token: %s", error)
            message = "The users service, whose keys check tokens, is unavailable: retry later"
            return _refusal(503, ErrorCode.DEPENDENCY_UNAVAILABLE, message)
        return self.get_response(request)
