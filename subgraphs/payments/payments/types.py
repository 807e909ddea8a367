from decimal import Decimal

import strawberry
import strawberry_django
from strawberry import auto

from federation_kit.auth import visible_to
from federation_kit.batching import EntityStub, group_by
from federation_kit.context import SubgraphInfo
from federation_kit.errors import BadUserInput
from federation_kit.fields import ColumnField, ReferenceField, derived_field
from federation_kit.pagination import list_size
from payments import models

PaymentStatus = strawberry.enum(models.PaymentStatus, name="PaymentStatus")
PaymentState = strawberry.enum(models.Payment.Status, name="PaymentState", description="State of one payment.")
PaymentMethod = strawberry.enum(models.Payment.Method, name="PaymentMethod")


@strawberry.federation.type(keys=["id"])
class Order(EntityStub):
    """An order; the orders service owns it, this service adds what was paid for it."""

    id: strawberry.ID
    total: Decimal = strawberry.federation.field(external=True, default=None)

    # Derived fields (no Info: a batch of 1,000 orders resolves each without Strawberry's general
    # path; the viewer comes with the stub's batch). Nullable, like every field this service adds
    # to another's entity: while payments is unavailable the router answers the rest of the order
    # with these null, not no order at all.
    @derived_field(description="Payments for this order, oldest first.", directives=[list_size(models.MAX_PAYMENTS_PER_ORDER)])
    def payments(self) -> list["Payment"] | None:
        def fetch(order_ids: list[int]) -> dict[int, list[models.Payment]]:
            payments = models.Payment.objects.filter(order_id__in=order_ids).order_by()  # oldest first: sorted_by
            return group_by(visible_to(payments, self.context.viewer), "order_id", sorted_by="pk")

        return self.batched("payments", fetch, default=[])

    @derived_field(description="Sum of the completed (not refunded) payments, in the order's currency.")
    def amount_paid(self) -> Decimal | None:
        return models.amount_paid(self.payments())

    @derived_field(requires=["total"], description="What is still to pay: total minus amountPaid.")
    def amount_due(self) -> Decimal | None:
        return max(self.required_total() - models.amount_paid(self.payments()), Decimal("0.00"))

    @derived_field(requires=["total"])
    def payment_status(self) -> PaymentStatus | None:
        return models.payment_status(self.payments(), self.required_total())

    def required_total(self) -> Decimal:
        # The router sends total with the representation (@requires); a caller that did not gets a clear error.
        if self.total is None:
            raise BadUserInput("total is required to compute this field: ask for it through the router", "total")
        return self.total


@strawberry_django.federation.type(models.Payment, keys=["id"], field_cls=ColumnField)
class Payment:
    id: auto
    amount: Decimal = strawberry_django.field(field_cls=ColumnField, description="In currency.")
    currency: str = strawberry_django.field(field_cls=ColumnField, description="ISO 4217 code, the order's currency.")
    status: PaymentState
    method: PaymentMethod
    idempotency_key: auto
    created_at: auto

    order: Order | None = strawberry_django.field(
        field_cls=ReferenceField,
        field_name="order_id",
        description="What was paid for (null only while the orders service is unavailable).",
    )

    @classmethod
    def get_queryset(cls, queryset, info: SubgraphInfo, **kwargs):
        return visible_to(queryset, info.context.viewer)


@strawberry.input
class PayOrderInput:
    order_id: strawberry.ID
    amount: Decimal = strawberry.field(description="In the order's currency; at most what is still due.")
    method: PaymentMethod
    idempotency_key: str = strawberry.field(
        description="Chosen by the client, one per payment attempt: sent again for the same order, it returns that payment."
    )
