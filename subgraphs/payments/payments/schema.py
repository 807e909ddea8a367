import strawberry
import strawberry_django
from strawberry_django.pagination import OffsetPaginationInput

from federation_kit.auth import OwnerOrStaff, login_required
from federation_kit.context import SubgraphInfo
from federation_kit.errors import parse_id
from federation_kit.pagination import PageSizeLimit, page_list_size
from federation_kit.schema import FederatedSchema
from payments import models, services
from payments.types import Order, Payment, PayOrderInput


@strawberry.type
class Query:
    @strawberry_django.field(pagination=True, extensions=[PageSizeLimit()], directives=[page_list_size()], description="Payments, oldest first.")
    def payments(
        self, pagination: OffsetPaginationInput | None = None, order_id: strawberry.ID | None = None
    ) -> list[Payment]:
        queryset = models.Payment.objects.all()  # filtered for the viewer by Payment.get_queryset
        if order_id is not None:
            queryset = queryset.filter(order_id=parse_id(order_id, "orderId"))
        return queryset

    @strawberry.federation.field(
        authenticated=True,
        extensions=[login_required(), OwnerOrStaff("Payment")],
        description="null when it does not exist; a FORBIDDEN error when it is another user's.",
    )
    def payment(self, id: strawberry.ID) -> Payment | None:
        return models.Payment.objects.filter(pk=parse_id(id)).first()


@strawberry.type
class Mutation:
    @strawberry.federation.mutation(
        authenticated=True, extensions=[login_required()], description="By the order's owner or staff."
    )
    def pay_order(self, info: SubgraphInfo, input: PayOrderInput) -> Payment:
        return services.pay_order(
            parse_id(input.order_id, "orderId"),
            input.amount,
            input.method.value,
            input.idempotency_key,
            info.context.request,
        )

    @strawberry.federation.mutation(
        inaccessible=True,
        extensions=[login_required()],
        description="For the orders service only (hidden from the supergraph): stop taking payments for an order it cancels.",
    )
    def close_order_for_payments(self, info: SubgraphInfo, order_id: strawberry.ID) -> bool:
        services.close_for_payments(parse_id(order_id, "orderId"), info.context.request)
        return True


schema = FederatedSchema(query=Query, mutation=Mutation, types=[Order])
