from django.conf import settings
from django.http import JsonResponse
from django.urls import path
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt

from graphene_peer.views import GraphQLView

urlpatterns = [
    path("graphql", csrf_exempt(GraphQLView.as_view(schema=import_string(settings.GRAPHQL_SCHEMA)))),
    path("health", lambda request: JsonResponse({"status": "ok"})),
]
