from decimal import Decimal

import strawberry
import strawberry_django
from strawberry import auto
from strawberry_django.pagination import OffsetPaginationInput, apply_window_pagination

from federation_kit.auth import visible_to
from federation_kit.batching import EntityStub, group_by, optimized
from federation_kit.context import SubgraphInfo
from federation_kit.fields import ColumnField, ReferenceField
from federation_kit.pagination import PageSizeLimit, list_size, page_list_size
from orders import models
from orders.services import MAX_ITEMS

OrderStatus = strawberry.enum(models.Order.Status, name="OrderStatus")


@strawberry_django.type(models.OrderItem, field_cls=ColumnField)
class OrderItem:
    sku: auto
    name: auto
    quantity: auto
    unit_price: Decimal = strawberry_django.field(field_cls=ColumnField, description="Price of one unit, in the order's currency.")


@strawberry.federation.type(keys=["id"])
class User(EntityStub):
    """A customer; the users service owns it, this service adds its orders."""

    id: strawberry.ID

    @strawberry.field(
        extensions=[PageSizeLimit()],
        directives=[page_list_size()],
        description="This user's orders, oldest first (null only while the orders service is unavailable).",
    )
    def orders(self, info: SubgraphInfo, pagination: OffsetPaginationInput | None = None) -> list["Order"] | None:
        offset, limit = pagination.offset, pagination.limit  # PageSizeLimit passes the first page when none was given

        def fetch(user_ids: list[int]) -> dict[int, list[models.Order]]:
            queryset = visible_to(models.Order.objects.filter(user_id__in=user_ids), info.context.viewer)
            queryset = apply_window_pagination(queryset, related_field_id="user_id", offset=offset, limit=limit)
            return group_by(optimized(queryset, info), "user_id")

        return self.batched(("orders", offset, limit), fetch, default=[])


@strawberry_django.federation.type(models.Order, keys=["id"], field_cls=ColumnField)
class Order:
    id: auto
    status: OrderStatus
    items: list[OrderItem] = strawberry_django.field(directives=[list_size(MAX_ITEMS)])
    total: Decimal = strawberry_django.field(field_cls=ColumnField, description="Sum of the items, in currency.")
    currency: str = strawberry_django.field(field_cls=ColumnField, description="ISO 4217 code of total and of every item's price.")
    created_at: auto
    idempotency_key: str | None = strawberry_django.field(
        field_cls=ColumnField, description="The idempotencyKey createOrder was sent with, if any."
    )
    user: User | None = strawberry_django.field(
        field_cls=ReferenceField,
        field_name="user_id",
        description="Who ordered (null only while the users service is unavailable).",
    )

    @classmethod
    def get_queryset(cls, queryset, info: SubgraphInfo, **kwargs):
        return visible_to(queryset, info.context.viewer)


@strawberry.input
class OrderItemInput:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


@strawberry.input
class CreateOrderInput:
    user_id: strawberry.ID
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR.")
    items: list[OrderItemInput]
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Chosen by the client, unique per order attempt: sent again for the same customer, it returns the same order.",
    )
