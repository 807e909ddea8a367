"""A hard maximum page size that fails loudly instead of silently returning less."""

from typing import Any

from django.conf import settings
from strawberry.extensions import FieldExtension
from strawberry.federation.schema_directives import ListSize
from strawberry_django.pagination import OffsetPaginationInput

from federation_kit.errors import BadUserInput


def check_page(pagination: Any) -> None:
    limit = getattr(pagination, "limit", None)
    offset = getattr(pagination, "offset", 0) or 0
    if isinstance(limit, int) and not 1 <= limit <= settings.MAX_PAGE_SIZE:
        raise BadUserInput(f"pagination.limit must be between 1 and {settings.MAX_PAGE_SIZE}", "pagination.limit")
    if offset < 0:
        raise BadUserInput("pagination.offset must not be negative", "pagination.offset")


def list_size(most: int) -> ListSize:
    """The @listSize of a list field that holds at most ``most`` items, for the router's cost
    estimate (its limits.max_cost): its fields count ``most`` times. A list without one counts as
    one item, which only a list of one row's own values may (a list of rows that lead back to it,
    such as an order's payments and each payment's order, would multiply unseen)."""
    return ListSize(assumed_size=most, require_one_slicing_argument=False)


def page_list_size() -> ListSize:
    """The @listSize of a paginated field: the page served when ``pagination.limit`` is not given.
    The router reads the size asked for from ``pagination.limit`` itself: the spec's
    ``slicingArguments`` names top-level arguments only, and the composition refuses
    ``"pagination.limit"``."""
    return list_size(settings.STRAWBERRY_DJANGO["PAGINATION_DEFAULT_LIMIT"])


class PageSizeLimit(FieldExtension):
    """Reject ``pagination: {limit}`` above MAX_PAGE_SIZE, or a negative offset, with BAD_USER_INPUT;
    no ``pagination`` (or null) is the first page of the default size, not the whole table
    (strawberry-django applies its default limit only to a pagination input that is there)."""

    def resolve(self, next_, source, info, **kwargs):
        if kwargs.get("pagination") is None:
            kwargs["pagination"] = OffsetPaginationInput()
        check_page(kwargs["pagination"])
        return next_(source, info, **kwargs)
