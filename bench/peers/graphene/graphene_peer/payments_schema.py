from decimal import Decimal

import graphene
from graphene_django import DjangoObjectType
from graphene_federation import FederationVersion, build_schema, external, key, requires

from graphene_peer.batching import entity_batch
from payments import models

FEDERATION = FederationVersion.VERSION_2_9

PaymentStatus = graphene.Enum.from_enum(models.PaymentStatus)


def _payments_by_order(order_ids: list[int]) -> dict[int, list[models.Payment]]:
    grouped: dict[int, list[models.Payment]] = {order_id: [] for order_id in order_ids}
    for payment in models.Payment.objects.filter(order_id__in=order_ids):
        grouped[payment.order_id].append(payment)
    return grouped


class Payment(DjangoObjectType):
    class Meta:
        model = models.Payment
        fields = ("id", "amount", "currency", "status", "method", "idempotency_key", "created_at")


@key("id", federation_version=FEDERATION)
class Order(graphene.ObjectType):
    """An order of the orders subgraph, to which this one adds its payments."""

    id = graphene.ID(required=True)
    total = external(graphene.Decimal(required=True), federation_version=FEDERATION)
    payments = graphene.List(graphene.NonNull(Payment), required=True)
    payment_status = requires(graphene.Field(PaymentStatus, required=True), fields="total", federation_version=FEDERATION)

    def __resolve_reference(self, info):
        self.payments_by_order = entity_batch(info, "Order", _payments_by_order)
        return self

    def resolve_payments(self, info):
        return self.payments_by_order[int(self.id)]

    def resolve_payment_status(self, info):
        return models.payment_status(self.resolve_payments(info), Decimal(self.total))


schema = build_schema(types=[Order], federation_version=FEDERATION)
