from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView

from shop import raw
from shop.schema import schema

urlpatterns = [
    path("graphql", csrf_exempt(GraphQLView.as_view(schema=schema))),
    path("raw/orders", raw.orders),
    path("health", lambda request: JsonResponse({"status": "ok"})),
]
