"""A federation v2.9 schema whose ``_entities`` costs one SQL query per entity type.

Strawberry resolves ``_entities`` one representation at a time (and strawberry-django's
helper runs one ``.get()`` each). The router sends hundreds of representations at once,
so here they are grouped by type and resolved together:

- a type backed by a Django model: one ``pk__in`` query, optimized for the selection
  (``prefetch_related`` for nested lists), filtered by the type's ``get_queryset``;
- an entity another service owns (a stub this service only adds fields to): instances
  built from the representations, sharing one :class:`EntityBatch`, so each field they
  add is loaded for the whole batch with one query (see :meth:`EntityStub.batched`).

Results keep the representations' order, ``None`` for an id that does not exist and the
same object for a repeated id. Every entity is keyed by its integer ``id``.
"""

import contextlib
import dataclasses
import decimal
import functools
import inspect
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from graphql import (
    BREAK,
    DocumentNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLResolveInfo,
    Node,
    OperationDefinitionNode,
    Visitor,
    get_named_type,
    visit,
)
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import SchemaExtension, ValidationCache
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.federation.schema import FederationAny, Schema
from strawberry.federation.schema_directives import Key, ListSize
from strawberry.schema.types.base_scalars import DecimalDefinition
from strawberry.types import Info
from strawberry.types.base import StrawberryList, StrawberryObjectDefinition, StrawberryOptional
from strawberry.types.lazy_type import LazyType
from strawberry_django.optimizer import DjangoOptimizerExtension, OptimizerConfig, OptimizerStore, is_optimized, optimizer
from strawberry_django.queryset import get_queryset_config, run_type_get_queryset
from strawberry_django.utils.inspect import is_inheritance_qs
from strawberry_django.utils.typing import get_django_definition

from federation_kit.errors import (
    BadUserInput,
    ErrorCodes,
    RefuseUnstorableText,
    integer_id,
    log_unexpected_errors,
    missing_external_field,
)
from federation_kit.execution import execution_context_for
from federation_kit.loading import EntityBatch, recording_rows
from federation_kit.pagination import PageSizeLimit

FEDERATION_VERSION = "2.9"

# Money as the API writes it: ASCII digits, an optional sign and fraction. Python's Decimal would
# also take "1E+30", "1_000", "１.００", "NaN" and numbers too long for its 28-digit arithmetic.
_DECIMAL = re.compile(r"-?[0-9]{1,18}(\.[0-9]{1,18})?")


def _parse_decimal(value: object) -> decimal.Decimal:
    text = repr(value) if isinstance(value, float) else value if isinstance(value, str) else None
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    if text is None or not _DECIMAL.fullmatch(text):
        raise StrawberryInputCoercionError(f"Value cannot represent a Decimal: {str(value)[:40]!r}. Expected a string such as \"12.50\".")
    return decimal.Decimal(text)


STRICT_DECIMAL = dataclasses.replace(DecimalDefinition, parse_value=_parse_decimal)


def _integer_id(representation: Mapping[str, Any]) -> int | None:
    """The representation's id as a primary key; None (no such entity) when it cannot be one."""
    value = representation.get("id")
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    return integer_id(str(value))


class _AppliedHints(OptimizerStore):
    """The store strawberry-django's ``optimize()`` fills and applies, keeping what it applied and
    with which config. Truthy even while empty: ``optimize()`` would otherwise take a store of its
    own (and then apply an empty one, which :class:`QuerySetOptimizer` undoes)."""

    applied: tuple[OptimizerStore, OptimizerConfig | None] | None = None

    def __bool__(self) -> bool:
        return True

    def apply(self, qs: QuerySet, *, info: GraphQLResolveInfo, config: OptimizerConfig | None = None) -> QuerySet:
        self.applied = (OptimizerStore(only=self.only[:], select_related=self.select_related[:]), config)
        return super().apply(qs, info=info, config=config)


class _VariablesAndSpreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.reads_variables = False
        self.spreads: set[str] = set()

    def enter_variable(self, *_: Any) -> object:
        self.reads_variables = True
        return BREAK

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        self.spreads.add(node.name.value)


def _selection_reads_variables(info: GraphQLResolveInfo) -> bool:
    """Whether anything selected below the field (an argument, ``@include``/``@skip``), through its
    fragments too, reads a variable: its hints may then differ from one request to the next."""
    pending: list[Node] = [node.selection_set for node in info.field_nodes if node.selection_set]
    seen: set[str] = set()
    while pending:
        found = _VariablesAndSpreads()
        visit(pending.pop(), found)
        if found.reads_variables:
            return True
        for name in found.spreads - seen:
            seen.add(name)
            if (fragment := info.fragments.get(name)) is not None:
                pending.append(fragment.selection_set)
    return False


class QuerySetOptimizer(DjangoOptimizerExtension):
    """strawberry-django's optimizer, less two per-request costs:

    - its ``resolve`` hook, which wraps every field of every row to look for a QuerySet. Our lists
      and entities are strawberry-django fields and ``_entities``, which optimize their querysets
      themselves (the query-count tests hold it);
    - working out the same hints again for each request of the same operation (at N=1 most of a
      list's cost in the orders service): hints made of columns (``only``) and joins
      (``select_related``) are kept per parsed operation, field and model, until ParsedOnce
      forgets its documents. Hints with prefetches or annotations are worked out each time, as
      they hold querysets made for the request's viewer; so are the hints of a selection that
      reads a variable.
    """

    resolve = SchemaExtension.resolve

    MAX_HINTS = 1024  # emptied when full, like ParsedOnce's documents (a few fields an operation)
    _hints: ClassVar[dict[tuple, tuple[OperationDefinitionNode, OptimizerStore, OptimizerConfig | None]]] = {}

    @classmethod
    def forget_hints(cls) -> None:
        cls._hints.clear()

    def optimize(self, qs: Any, info: GraphQLResolveInfo | Info, *, store: OptimizerStore | None = None) -> Any:
        raw = info._raw_info if isinstance(info, Info) else info
        if store is not None or not isinstance(qs, QuerySet):
            return super().optimize(qs, info, store=store)
        # The operation is the parsed document's (ParsedOnce), kept alive by the entry: an id in a
        # key stands for that one object only.
        key = (id(raw.operation), *map(id, raw.field_nodes), raw.return_type, qs.model)
        known = self._hints.get(key)
        if known is not None and known[0] is raw.operation:
            if not self.enabled.get() or is_optimized(qs) or qs._result_cache is not None:
                return qs
            qs = known[1].apply(qs, info=raw, config=known[2])
            get_queryset_config(qs).optimized = True
            return qs
        hints = _AppliedHints()
        optimized = super().optimize(qs, info, store=hints)
        if hints.applied is None:
            return optimized
        if not OptimizerStore.__bool__(hints):
            # No hints: the library would neither have applied them nor marked the queryset optimized.
            get_queryset_config(optimized).optimized = False
            return optimized
        # An InheritanceManager's queryset also gets select_subclasses(), outside the store.
        cacheable = not hints.prefetch_related and not hints.annotate and not is_inheritance_qs(qs)
        if cacheable and not _selection_reads_variables(raw):
            if len(self._hints) >= self.MAX_HINTS:
                self._hints.clear()
            self._hints[key] = (raw.operation, *hints.applied)
        return optimized


class ParsedOnce(SchemaExtension):
    """Each query text parsed once per process: the router sends the same few over and over.
    Strawberry's ParserCache parses in the extension itself, where a syntax error escapes the
    error handling; here Strawberry still parses (and reports errors) and the document is kept."""

    MAX_DOCUMENTS = 256  # bounded against clients that send ever-new texts: emptied when full
    _documents: ClassVar[dict[str, DocumentNode]] = {}

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        known = self._documents.get(context.query) if context.query else None
        if known is not None:
            context.graphql_document = known
        yield
        if known is None and context.query and context.graphql_document is not None:
            if len(self._documents) >= self.MAX_DOCUMENTS:
                self._documents.clear()
                QuerySetOptimizer.forget_hints()  # of operations no request can send again
            self._documents[context.query] = context.graphql_document


class RowsLoadedTogether(SchemaExtension):
    """Which rows each SQL query loaded, recorded for the length of the operation (federation_kit.loading)."""

    def on_operation(self) -> Iterator[None]:
        with recording_rows(self.execution_context.context):
            yield


_PLAIN_FUNCTION = "plain function"


class _HookWrappersMadeOnce(ExtensionContextManagerBase):
    """Strawberry's hooks of a lifecycle stage, with the context manager decorator of a generator
    hook made once per hook function: Strawberry makes one for each extension and stage on every
    request (``inspect`` checks and ``functools.wraps`` included)."""

    # hook function -> (context manager of the unbound hook, is async), or _PLAIN_FUNCTION
    # (Strawberry's own way, each time: a plain function's wrapper holds the instance). Keyed by
    # the function, so a hook replaced on its class is the one that runs.
    _hooks: ClassVar[dict[Any, tuple[Any, bool] | str]] = {}

    def get_hook(self, extension: SchemaExtension) -> WrappedHook | None:
        function = getattr(type(extension), self.HOOK_NAME)
        if function is self.default_hook:
            return None
        hook = self._hooks.get(function)
        if hook is None:
            hook = self._hooks[function] = _context_manager_of(function)
        if hook is _PLAIN_FUNCTION:
            return super().get_hook(extension)
        manager, is_async = hook
        return WrappedHook(extension=extension, hook=functools.partial(manager, extension), is_async=is_async)


def _context_manager_of(function: Any) -> tuple[Any, bool] | str:
    if inspect.isgeneratorfunction(function):
        return contextlib.contextmanager(function), False
    if inspect.isasyncgenfunction(function):
        return contextlib.asynccontextmanager(function), True
    return _PLAIN_FUNCTION


class _OperationHooks(_HookWrappersMadeOnce, OperationContextManager):
    pass


class _ParsingHooks(_HookWrappersMadeOnce, ParsingContextManager):
    pass


class _ValidationHooks(_HookWrappersMadeOnce, ValidationContextManager):
    pass


class _ExecutingHooks(_HookWrappersMadeOnce, ExecutingContextManager):
    pass


class ExtensionsRunner(SchemaExtensionsRunner):
    """Strawberry's runner, entering the same hooks in the same order, with :class:`_HookWrappersMadeOnce`."""

    def operation(self) -> OperationContextManager:
        return _OperationHooks(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return _ParsingHooks(self.extensions)

    def validation(self) -> ValidationContextManager:
        return _ValidationHooks(self.extensions)

    def executing(self) -> ExecutingContextManager:
        return _ExecutingHooks(self.extensions)


class UsesExtensionsRunner:
    """A Strawberry schema whose requests run their extensions with :class:`ExtensionsRunner`."""

    def create_extensions_runner(self, execution_context, extensions) -> SchemaExtensionsRunner:
        return ExtensionsRunner(execution_context=execution_context, extensions=extensions)


def validation_cache() -> ValidationCache:
    """The router sends the same few operations over and over: each is validated once."""
    return ValidationCache(maxsize=256)


def _list_of_model_rows(field_type: Any) -> bool:
    """A list (or a nullable one) of a type backed by a Django model, or of such a type or null."""
    if isinstance(field_type, StrawberryOptional):
        field_type = field_type.of_type
    if not isinstance(field_type, StrawberryList):
        return False
    item = field_type.of_type.of_type if isinstance(field_type.of_type, StrawberryOptional) else field_type.of_type
    if isinstance(item, LazyType):
        item = item.resolve_type()
    return isinstance(item, type) and get_django_definition(item) is not None


def _refuse_what_this_schema_cannot_serve(schema: Schema) -> None:
    """A schema this service would serve wrongly does not build, naming what to change:

    - an entity keyed by other fields than ``id``: ``_entities`` reads the id only, so each of
      its representations would resolve to null, without an error;
    - a list of a model's rows on Query without a ``pagination`` argument, or a field that has
      one without :class:`PageSizeLimit`: a list would be the whole table, or a limit over
      MAX_PAGE_SIZE silently cut to it;
    - a field with ``pagination`` and no ``@listSize`` (:func:`page_list_size`): the router's cost
      estimate would count its page as one object, and pages nested in pages would pass its limit.
    """
    problems = []
    query = schema.query.__strawberry_definition__
    for type_definition in schema.schema_converter.type_map.values():
        definition = type_definition.definition
        if not isinstance(definition, StrawberryObjectDefinition):
            continue
        for directive in definition.directives or ():
            if isinstance(directive, Key) and directive.fields != "id" and directive.resolvable is not False:
                problems.append(f'{definition.name}: @key(fields: "{directive.fields}"); entities here are keyed by their integer id only')
        for field in definition.fields:
            name = schema.config.name_converter.from_field(field)
            arguments = {argument.python_name for argument in field.arguments}
            if "pagination" in arguments and not any(isinstance(e, PageSizeLimit) for e in field.extensions):
                problems.append(f"{definition.name}.{name}: takes pagination without extensions=[PageSizeLimit()]")
            if "pagination" in arguments and not any(isinstance(d, ListSize) for d in field.directives):
                problems.append(f"{definition.name}.{name}: takes pagination without directives=[page_list_size()]")
            if definition is query and "pagination" not in arguments and _list_of_model_rows(field.type):
                fix = (
                    "a resolver's parameter pagination: OffsetPaginationInput | None = None, extensions=[PageSizeLimit()] and directives=[page_list_size()]"
                    if field.base_resolver
                    else "strawberry_django.field(pagination=True, extensions=[PageSizeLimit()], directives=[page_list_size()])"
                )
                problems.append(f"Query.{name}: a list of rows without pagination ({fix})")
    if problems:
        raise ImproperlyConfigured("This schema would answer wrongly:\n" + "\n".join(f"- {problem}" for problem in problems))


class FederatedSchema(UsesExtensionsRunner, Schema):
    """``strawberry.federation.Schema`` at federation 2.9, with batched ``_entities``,
    error codes on every error, strawberry-django's query optimizer, and rows executed without
    graphql-core's per-field general path (``federation_kit.execution``)."""

    def __init__(self, *args: Any, extensions: Iterable[Any] = (), **kwargs: Any) -> None:
        kwargs.setdefault("federation_version", FEDERATION_VERSION)
        kwargs.setdefault("scalar_overrides", {decimal.Decimal: STRICT_DECIMAL})
        extensions = [ErrorCodes, RefuseUnstorableText, ParsedOnce, validation_cache, QuerySetOptimizer, RowsLoadedTogether, *extensions]
        super().__init__(*args, extensions=extensions, **kwargs)
        _refuse_what_this_schema_cannot_serve(self)
        self.execution_context_class = execution_context_for(self)
        self._entity_types = frozenset(t.name for t in self._schema.get_type("_Entity").types)
        self._stub_fields_of: dict[type, list[tuple[str, str, Any]]] = {}

    def process_errors(self, errors, execution_context=None) -> None:
        log_unexpected_errors([error for error in errors if not missing_external_field(error, self)])

    def entities_resolver(self, info: Info, representations: list[FederationAny]) -> list[FederationAny]:
        results: list[Any] = [None] * len(representations)
        by_type: dict[str, list[int]] = defaultdict(list)
        for index, representation in enumerate(representations):
            if not isinstance(representation, dict):
                raise BadUserInput("a representation is an object with __typename and id", "representations")
            type_name = representation.get("__typename")
            if not isinstance(type_name, str) or type_name not in self._entity_types:
                raise BadUserInput(f"{str(type_name)[:40]!r} is not an entity of this subgraph", "representations")
            by_type[type_name].append(index)
        for type_name, indexes in by_type.items():
            strawberry_type = self.schema_converter.type_map[type_name]
            origin = strawberry_type.definition.origin
            resolve = self._resolve_models if get_django_definition(origin) else self._resolve_stubs
            for index, entity in zip(indexes, resolve(origin, info, [representations[i] for i in indexes])):
                results[index] = entity
        return results

    @staticmethod
    def _resolve_models(origin: type, info: Info, representations: list[Any]) -> list[Any]:
        ids = [_integer_id(r) for r in representations]
        model = get_django_definition(origin, strict=True).model
        # Unordered: the rows are picked out by id below, and the model's ordering only cost its ORDER BY.
        queryset = model._default_manager.filter(pk__in={i for i in ids if i is not None}).order_by()
        queryset = run_type_get_queryset(queryset, origin, info)
        if (extension := optimizer.get()) is not None:
            queryset = extension.optimize(queryset, info=info)
        by_id = {obj.pk: obj for obj in queryset}
        return [by_id.get(i) for i in ids]

    def _resolve_stubs(self, origin: type, info: Info, representations: list[Any]) -> list[Any]:
        ids = [_integer_id(r) for r in representations]
        stubs: dict[int, Any] = {}
        for stub_id, representation in zip(ids, representations):
            if stub_id is not None and stub_id not in stubs:
                stubs[stub_id] = self._build_stub(origin, representation)
        batch = EntityBatch(stubs, info.context)
        for stub in stubs.values():
            stub._batch = batch
        return [stubs.get(i) for i in ids]

    def _build_stub(self, origin: type, representation: Mapping[str, Any]) -> Any:
        """The stub from its key and the ``@external`` fields the router sent, parsed by their scalars."""
        values = {}
        for python_name, name, named_type in self._stub_fields(origin):
            if name in representation:
                value = representation[name]
                try:
                    values[python_name] = named_type.parse_value(value) if value is not None else None
                except (GraphQLError, ValueError, TypeError) as error:
                    raise BadUserInput(f"representation field {name}: {error}", "representations") from None
        return origin(**values)

    def _stub_fields(self, origin: type) -> list[tuple[str, str, Any]]:
        """(Python name, GraphQL name, named type) of each field a stub takes from its representation,
        worked out once per type rather than once per representation."""
        if origin not in self._stub_fields_of:
            definition = origin.__strawberry_definition__
            graphql_fields = self._schema.get_type(definition.name).fields
            names = ((field, self.config.name_converter.from_field(field)) for field in definition.fields)
            self._stub_fields_of[origin] = [
                (field.python_name, name, get_named_type(graphql_fields[name].type))
                for field, name in names
                if field.base_resolver is None
            ]
        return self._stub_fields_of[origin]
