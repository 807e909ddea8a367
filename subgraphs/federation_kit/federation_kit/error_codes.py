"""The stable error codes: every error a service answers has one in ``extensions.code``.

Clients branch on them; messages are for people and may change. No Strawberry here: the router
guard (federation_kit.middleware) answers with them in the benchmark's graphene peer too.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    # The HTTP request is not one GraphQL request (not JSON, not an object, too large, batched).
    BAD_REQUEST = "BAD_REQUEST"
    # Request did not parse or does not fit the schema.
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    # A value the client sent is not acceptable.
    BAD_USER_INPUT = "BAD_USER_INPUT"
    USERNAME_TAKEN = "USERNAME_TAKEN"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    USER_NOT_FOUND = "USER_NOT_FOUND"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    ORDER_NOT_PAYABLE = "ORDER_NOT_PAYABLE"
    AMOUNT_EXCEEDS_DUE = "AMOUNT_EXCEEDS_DUE"
    ORDER_NOT_CANCELLABLE = "ORDER_NOT_CANCELLABLE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    # Who is asking, and may they.
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    # A request signed with another secret than this service's ROUTER_HMAC_SECRET, or altered on
    # the way: a deployment fault, which the router tells from a caller without the right to ask.
    ROUTER_SIGNATURE_INVALID = "ROUTER_SIGNATURE_INVALID"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOO_MANY_LOGIN_ATTEMPTS = "TOO_MANY_LOGIN_ATTEMPTS"
    # Another service needed for a write did not answer in time, or answered nonsense.
    DEPENDENCY_UNAVAILABLE = "DEPENDENCY_UNAVAILABLE"
    # A bug or an outage of our own; details are in the service log, never in the response.
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
