"""Stable error codes, and the extension that gives every error one and hides internals.

Clients branch on ``extensions.code``; messages are for people and may change.
"""

import logging
from collections.abc import Iterator
from enum import StrEnum

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

logger = logging.getLogger("federation_kit.errors")


class ErrorCode(StrEnum):
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
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    # Another service needed for a write did not answer in time, or answered nonsense.
    DEPENDENCY_UNAVAILABLE = "DEPENDENCY_UNAVAILABLE"
    # A bug or an outage of our own; details are in the service log, never in the response.
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class ServiceError(GraphQLError):
    """An expected failure, shown to the client as it is, with its code."""

    def __init__(self, message: str, code: ErrorCode, **extensions: object) -> None:
        super().__init__(message, extensions={"code": code.value, **extensions})


class BadUserInput(ServiceError):
    def __init__(self, message: str, field: str | None = None) -> None:
        extra = {"field": field} if field else {}
        super().__init__(message, ErrorCode.BAD_USER_INPUT, **extra)


def bad_input_from(error) -> BadUserInput:
    """A Django ``ValidationError`` as one BAD_USER_INPUT error naming the first field at fault."""
    if hasattr(error, "error_dict"):
        field, messages = next(iter(error.message_dict.items()))
        return BadUserInput(f"{field}: {' '.join(messages)}", field)
    return BadUserInput(" ".join(error.messages))


def parse_id(value: object, field: str = "id") -> int:
    """An ``ID`` argument as the integer primary key it stands for."""
    try:
        parsed = int(str(value))
    except ValueError:
        raise BadUserInput(f"{field} must be an integer id, got {value!r}", field) from None
    if parsed < 1:
        raise BadUserInput(f"{field} must be a positive integer id", field)
    return parsed


def is_unexpected(error: GraphQLError) -> bool:
    """True for errors raised by a bug or an outage rather than by the request."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def _code_for_graphql_core_error(error: GraphQLError) -> ErrorCode:
    if error.message.startswith("Syntax Error"):
        return ErrorCode.GRAPHQL_PARSE_FAILED
    if error.message.startswith("Variable '$"):
        return ErrorCode.BAD_USER_INPUT
    if error.path is None:
        return ErrorCode.GRAPHQL_VALIDATION_FAILED
    # During execution with no exception behind it: e.g. a null for a non-null field.
    return ErrorCode.INTERNAL_SERVER_ERROR


def with_code(error: GraphQLError) -> GraphQLError:
    if is_unexpected(error):
        return GraphQLError(
            "Internal server error",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": ErrorCode.INTERNAL_SERVER_ERROR.value},
        )
    if error.extensions and "code" in error.extensions:
        return error
    code = _code_for_graphql_core_error(error)
    message = "Internal server error" if code is ErrorCode.INTERNAL_SERVER_ERROR else error.message
    return GraphQLError(message, nodes=error.nodes, path=error.path, extensions={"code": code.value})


class ErrorCodes(SchemaExtension):
    """Give every error an ``extensions.code`` and replace unexpected ones by a generic message."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [with_code(error) for error in result.errors]


def log_unexpected_errors(errors: list[GraphQLError]) -> None:
    """Log what a client must not see: the traceback of errors that are not ServiceErrors."""
    for error in errors:
        if is_unexpected(error):
            logger.error(
                "unexpected error at %s",
                ".".join(map(str, error.path or ())),
                exc_info=error.original_error,
            )
