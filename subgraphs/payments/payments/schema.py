import strawberry
import strawberry_django
from strawberry_django.pagination import OffsetPaginationInput

from federation_kit.errors import parse_id
from federation_kit.pagination import PageSizeLimit
from federation_kit.schema import FederatedSchema
from payments import models, services
from payments.types import Order, Payment, PayOrderInput


@strawberry.type
class Query:
    @strawberry_django.field(pagination=True, extensions=[PageSizeLimit()], description="Payments, oldest first.")
    def payments(
        self, pagination: OffsetPaginationInput | None = None, order_id: strawberry.ID | None = None
    ) -> list[Payment]:
        queryset = models.Payment.objects.all()
        if order_id is not None:
            queryset = queryset.filter(order_id=parse_id(order_id, "orderId"))
        return queryset

    @strawberry_django.field
    def payment(self, id: strawberry.ID) -> Payment | None:
        return models.Payment.objects.filter(pk=parse_id(id)).first()


@strawberry.type
class Mutation:
    @strawberry_django.mutation(handle_django_errors=False)
    def pay_order(self, input: PayOrderInput) -> Payment:
        return services.pay_order(
            parse_id(input.order_id, "orderId"), input.amount, input.method.value, input.idempotency_key
        )


schema = FederatedSchema(query=Query, mutation=Mutation, types=[Order])
