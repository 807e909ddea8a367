import strawberry
import strawberry_django
from strawberry_django.pagination import OffsetPaginationInput

from federation_kit.auth import OwnerOrStaff, login_required
from federation_kit.context import SubgraphInfo
from federation_kit.errors import parse_id
from federation_kit.pagination import PageSizeLimit, page_list_size
from federation_kit.schema import FederatedSchema
from orders import models, services
from orders.types import CreateOrderInput, Order, OrderStatus, User


@strawberry.type
class Query:
    @strawberry_django.field(pagination=True, extensions=[PageSizeLimit()], directives=[page_list_size()], description="Orders, oldest first.")
    def orders(
        self,
        pagination: OffsetPaginationInput | None = None,
        user_id: strawberry.ID | None = None,
        status: OrderStatus | None = None,
    ) -> list[Order]:
        queryset = models.Order.objects.all()  # filtered for the viewer by Order.get_queryset
        if user_id is not None:
            queryset = queryset.filter(user_id=parse_id(user_id, "userId"))
        if status is not None:
            queryset = queryset.filter(status=status.value)
        return queryset

    @strawberry.federation.field(
        authenticated=True,
        extensions=[login_required(), OwnerOrStaff("Order")],
        description="null when it does not exist; a FORBIDDEN error when it is another user's.",
    )
    def order(self, id: strawberry.ID) -> Order | None:
        return models.Order.objects.filter(pk=parse_id(id)).first()


@strawberry.type
class Mutation:
    @strawberry.federation.mutation(
        authenticated=True, extensions=[login_required()], description="For yourself; staff may order for anyone."
    )
    def create_order(self, info: SubgraphInfo, input: CreateOrderInput) -> Order:
        return services.create_order(
            parse_id(input.user_id, "userId"), input.currency, input.items, input.idempotency_key, info.context.request
        )

    @strawberry.federation.mutation(
        authenticated=True, extensions=[login_required()], description="By the order's owner or staff."
    )
    def cancel_order(self, info: SubgraphInfo, id: strawberry.ID) -> Order:
        return services.cancel_order(parse_id(id), info.context.request)


schema = FederatedSchema(query=Query, mutation=Mutation, types=[User])
