"""The errors a service answers, and the extension that gives every error a stable code and hides internals.

The codes, :class:`ErrorCode`, are defined in federation_kit.error_codes (which needs no
Strawberry) and imported from here as well.
"""

import json
import logging
import re
from collections.abc import Iterator

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from graphql import (
    BREAK,
    ArgumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    StringValueNode,
    Visitor,
    get_operation_ast,
    value_from_ast_untyped,
    visit,
)
from strawberry.extensions import SchemaExtension
from strawberry.federation.schema_directives import External
from strawberry.types import ExecutionContext
from strawberry.utils.str_converters import to_camel_case

from federation_kit.error_codes import ErrorCode

logger = logging.getLogger("federation_kit.errors")


class ServiceError(GraphQLError):
    """An expected failure, shown to the client as it is, with its code."""

    def __init__(self, message: str, code: ErrorCode, **extensions: object) -> None:
        super().__init__(message, extensions={"code": code.value, **extensions})


class BadUserInput(ServiceError):
    def __init__(self, message: str, field: str | None = None) -> None:
        extra = {"field": field} if field else {}
        super().__init__(message, ErrorCode.BAD_USER_INPUT, **extra)


def bad_input_from(error: ValidationError, field: str | None = None) -> BadUserInput:
    """A Django ``ValidationError`` as one BAD_USER_INPUT error naming the first field at fault,
    by the name the client sent (the schema camel-cases Python names: ``full_name`` is
    ``fullName``); ``field`` names the field of an error that names none."""
    if hasattr(error, "error_dict"):
        name, messages = next(iter(error.message_dict.items()))
        if name != NON_FIELD_ERRORS:
            field = to_camel_case(name)
        return BadUserInput(f"{field}: {' '.join(messages)}" if field else " ".join(messages), field)
    return BadUserInput(" ".join(error.messages), field)


MAX_ID = 2**63 - 1  # the largest primary key a database column holds (BigAutoField)


# An id as the services write them: ASCII digits, no sign, space, underscore or leading zero, all
# of which int() would take ("+1", " 2 ", "1_0", "١"), making several spellings of one id.
_ID = re.compile(r"[1-9][0-9]{0,18}")


def integer_id(text: str) -> int | None:
    """The primary key an id's text stands for; None when it stands for none."""
    if _ID.fullmatch(text) and (parsed := int(text)) <= MAX_ID:
        return parsed
    return None


def parse_id(value: object, field: str = "id") -> int:
    """An ``ID`` argument as the integer primary key it stands for."""
    parsed = integer_id(str(value))
    if parsed is None:
        raise BadUserInput(f"{field} must be a positive integer id of at most {MAX_ID}, got {str(value)[:40]!r}", field)
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


_NULL_FOR_NON_NULL = re.compile(r"Cannot return null for non-nullable field (\w+)\.(\w+)\.")


def missing_external_field(error: GraphQLError, schema) -> str | None:
    """The field's name when ``error`` is a null for an ``@external`` field: this service knows
    another's field only from an ``_entities`` representation, so asked for outside one (or
    with a representation without it) it has no value. The caller's mistake, not ours."""
    match = _NULL_FOR_NON_NULL.fullmatch(error.message)
    if match is None or not isinstance(error.original_error, TypeError):
        return None
    for field in getattr(schema.get_type_by_name(match[1]), "fields", ()):
        if schema.config.name_converter.from_field(field) == match[2]:
            return match[2] if any(isinstance(d, External) for d in field.directives) else None
    return None


def with_code(error: GraphQLError, schema) -> GraphQLError:
    if field := missing_external_field(error, schema):
        message = f"{field} belongs to another service: ask for it through the router"
        return GraphQLError(
            message, nodes=error.nodes, path=error.path, extensions={"code": ErrorCode.BAD_USER_INPUT.value, "field": field}
        )
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
    extensions = {"code": code.value}
    # "Variable '$input' has invalid value at .items[0].unitPrice: ...": name the field, as BadUserInput does.
    if code is ErrorCode.BAD_USER_INPUT and (at := _INVALID_AT.search(error.message)):
        extensions["field"] = at.group(1)
    return GraphQLError(message, nodes=error.nodes, path=error.path, extensions=extensions)


_INVALID_AT = re.compile(r"^Variable '\$\w+' has invalid value at \.([\w.\[\]]+): ")


class ErrorCodes(SchemaExtension):
    """Give every error an ``extensions.code`` and replace unexpected ones by a generic message."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [with_code(error, self.execution_context.schema) for error in result.errors]


# NUL, which PostgreSQL cannot store, and lone surrogates (JSON may escape them), which are no
# Unicode text: no field of the API takes them, and the database or UTF-8 would fail on them.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# In json.dumps(..., ensure_ascii=False) text, a NUL is written "\u0000" and a surrogate as it is; a
# backslash of the text itself is doubled, so a NUL's escape follows an even run of backslashes.
_NUL_IN_JSON = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def _has_unstorable(variables: object) -> bool:
    """In any string or key of the variables. The C JSON encoder, then scans of its text: walking
    them in Python took 118 µs for 100 entity representations, this 44 µs (1,000: 1.34, 0.44 ms)."""
    text = json.dumps(variables, ensure_ascii=False, default=lambda _: None)
    if "\\u0000" in text and _NUL_IN_JSON.search(text):
        return True
    return not text.isascii() and _UNSTORABLE.search(text) is not None  # a raw NUL never is in it


class _UnstorableLiteral(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_: object) -> object:
        if _UNSTORABLE.search(node.value):
            self.found = True
            return BREAK
        return None


def _has_unstorable_literal(context: ExecutionContext) -> bool:
    # A literal holds NUL or a surrogate only if the text has one, or a backslash to escape one:
    # the router's operations have neither, and are not walked node by node.
    if context.query is not None and "\\" not in context.query and not _UNSTORABLE.search(context.query):
        return False
    literal = _UnstorableLiteral()
    if context.graphql_document is not None:
        visit(context.graphql_document, literal)
    return literal.found


def _unstorable_path(value: object, path: list) -> list | None:
    """The keys down to the first unstorable text of a value (to its object, for a key's own)."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else None
    if items is None:
        return path if isinstance(value, str) and _UNSTORABLE.search(value) else None
    for key, item in items:
        if isinstance(key, str) and _UNSTORABLE.search(key):
            return path
        if (found := _unstorable_path(item, [*path, key])) is not None:
            return found
    return None


class _UnstorableArgument(Visitor):
    """The first argument whose value, variables and their defaults put in, holds unstorable text,
    named as other BAD_USER_INPUT errors name a field: the path in its input object
    ("items[0].sku"), or the argument's own name when its value is no object ("password")."""

    def __init__(self, variables: dict) -> None:
        super().__init__()
        self.variables, self.field = variables, None

    def enter_argument(self, node: ArgumentNode, *_: object) -> object:
        value = value_from_ast_untyped(node.value, self.variables)
        if (path := _unstorable_path(value, [])) is None:
            return None
        keys = path if isinstance(value, dict) and path else [node.name.value, *path]
        self.field = "".join(f"[{key}]" if isinstance(key, int) else f".{key}" if i else key for i, key in enumerate(keys))
        return BREAK


def _unstorable_field(context: ExecutionContext) -> str | None:
    """Where the refused text is; looked for only once a request is refused."""
    document = context.graphql_document
    operation = document and get_operation_ast(document, context.operation_name)
    if operation is None:
        return None
    defaults = {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    argument = _UnstorableArgument({**defaults, **(context.variables or {})})
    for definition in (operation, *(d for d in document.definitions if isinstance(d, FragmentDefinitionNode))):
        visit(definition, argument)
        if argument.field is not None:
            break
    return argument.field


class RefuseUnstorableText(SchemaExtension):
    """Refuse, before any resolver runs, a request with NUL or a lone surrogate in any string
    (variables or literals): BAD_USER_INPUT, naming the field, rather than a database or encoding
    error mid-way."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if _has_unstorable_literal(context) or _has_unstorable(context.variables):
            error = BadUserInput("Text may not contain NUL characters or unpaired surrogates", _unstorable_field(context))
            context.result = ExecutionResult(data=None, errors=[error])
        yield


def log_unexpected_errors(errors: list[GraphQLError]) -> None:
    """Log what a client must not see: the traceback of errors that are not ServiceErrors."""
    for error in errors:
        if is_unexpected(error):
            logger.error(
                "unexpected error at %s",
                ".".join(map(str, error.path or ())),
                exc_info=error.original_error,
            )
