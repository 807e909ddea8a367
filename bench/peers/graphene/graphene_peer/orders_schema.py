from decimal import Decimal

import graphene
import httpx
from django.conf import settings
from django.db import transaction
from graphene_django import DjangoObjectType
from graphene_federation import FederationVersion, build_schema, key
from graphql import GraphQLError

from graphene_peer.batching import entity_batch
from orders import models

FEDERATION = FederationVersion.VERSION_2_9
_USER_EXISTS = "query UserExists($id: ID!) { user(id: $id) { id } }"
_http = httpx.Client()  # one a process, as the product's federation_kit.clients keeps


@key("id", resolvable=False, federation_version=FEDERATION)
class User(graphene.ObjectType):
    id = graphene.ID(required=True)


@key("id", federation_version=FEDERATION)
class Order(DjangoObjectType):
    user = graphene.NonNull(User)

    class Meta:
        model = models.Order
        fields = ("id", "status", "total", "currency", "created_at")

    def resolve_user(root, info):
        return User(id=root.user_id)

    def __resolve_reference(self, info):
        return entity_batch(info, "Order", models.Order.objects.in_bulk).get(int(self.id))


class OffsetPaginationInput(graphene.InputObjectType):
    offset = graphene.Int(default_value=0)
    limit = graphene.Int()


class OrderItemInput(graphene.InputObjectType):
    sku = graphene.String(required=True)
    name = graphene.String(required=True)
    quantity = graphene.Int(required=True)
    unit_price = graphene.Decimal(required=True)


class CreateOrderInput(graphene.InputObjectType):
    user_id = graphene.ID(required=True)
    currency = graphene.String(required=True)
    items = graphene.List(graphene.NonNull(OrderItemInput), required=True)


class Query(graphene.ObjectType):
    orders = graphene.List(graphene.NonNull(Order), required=True, pagination=OffsetPaginationInput())

    def resolve_orders(root, info, pagination=None):
        offset, limit = (pagination.offset, pagination.limit) if pagination else (0, None)
        return models.Order.objects.all()[offset : None if limit is None else offset + limit]


class Mutation(graphene.ObjectType):
    create_order = graphene.Field(graphene.NonNull(Order), input=CreateOrderInput(required=True))

    def resolve_create_order(root, info, input):
        user_id = int(input.user_id)
        answer = _http.post(settings.USERS_SERVICE_URL, json={"query": _USER_EXISTS, "variables": {"id": str(user_id)}})
        if answer.raise_for_status().json()["data"]["user"] is None:
            raise GraphQLError(f"User {user_id} does not exist")
        with transaction.atomic():
            order = models.Order.objects.create(
                user_id=user_id,
                currency=input.currency,
                total=sum((i.unit_price * i.quantity for i in input.items), Decimal("0.00")),
            )
            models.OrderItem.objects.bulk_create(
                models.OrderItem(order=order, sku=i.sku, name=i.name, quantity=i.quantity, unit_price=i.unit_price)
                for i in input.items
            )
        return order


schema = build_schema(query=Query, mutation=Mutation, federation_version=FEDERATION)
