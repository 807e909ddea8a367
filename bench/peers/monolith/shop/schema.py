"""One Strawberry endpoint over all the models: the floor for "GraphQL in Django".

It runs on the product's own Strawberry machinery (federation_kit), less federation: each query
text parsed and validated once, each extension hook's context manager made once, the optimizer
without its per-field hook, rows executed without graphql-core's per-field path, columns read
straight off the row. What differs from ours is then federation (the router, three services,
their HTTP calls), not how a Django GraphQL endpoint runs.
"""

from decimal import Decimal

import strawberry
import strawberry_django
from django.db import transaction
from graphql import GraphQLError
from strawberry import auto

from federation_kit.execution import execution_context_for
from federation_kit.fields import ColumnField
from federation_kit.pagination import PageSizeLimit
from federation_kit.schema import ParsedOnce, QuerySetOptimizer, UsesExtensionsRunner, validation_cache
from shop import models

PaymentState = strawberry.enum(models.Payment.Status, name="PaymentState")
PaymentStatus = strawberry.enum(models.PaymentStatus, name="PaymentStatus")


@strawberry_django.type(models.User, field_cls=ColumnField)
class User:
    id: auto
    username: auto


@strawberry_django.type(models.Payment, field_cls=ColumnField)
class Payment:
    amount: Decimal
    status: PaymentState


@strawberry_django.type(models.Order, field_cls=ColumnField)
class Order:
    id: auto
    total: Decimal
    currency: str
    user: User
    payments: list[Payment]

    @strawberry_django.field(only=["total"], prefetch_related=["payments"])
    def payment_status(self, root: models.Order) -> PaymentStatus:
        return models.payment_status([(p.status, p.amount) for p in root.payments.all()], root.total)


@strawberry.input
class OrderItemInput:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


@strawberry.input
class CreateOrderInput:
    user_id: strawberry.ID
    currency: str
    items: list[OrderItemInput]


@strawberry.type
class Query:
    orders: list[Order] = strawberry_django.field(pagination=True, extensions=[PageSizeLimit()])


@strawberry.type
class Mutation:
    @strawberry_django.mutation(handle_django_errors=False)
    def create_order(self, input: CreateOrderInput) -> Order:
        if not models.User.objects.filter(pk=int(input.user_id)).exists():
            raise GraphQLError(f"User {input.user_id} does not exist")
        with transaction.atomic():
            order = models.Order.objects.create(
                user_id=int(input.user_id),
                currency=input.currency,
                total=sum((i.unit_price * i.quantity for i in input.items), Decimal("0.00")),
            )
            models.OrderItem.objects.bulk_create(
                models.OrderItem(order=order, sku=i.sku, name=i.name, quantity=i.quantity, unit_price=i.unit_price)
                for i in input.items
            )
        return order


class MonolithSchema(UsesExtensionsRunner, strawberry.Schema):
    pass


schema = MonolithSchema(
    query=Query,
    mutation=Mutation,
    extensions=[ParsedOnce, validation_cache, QuerySetOptimizer],
)
schema.execution_context_class = execution_context_for(schema)
