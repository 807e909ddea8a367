from django.contrib import admin
from django.urls import path

from accounts.schema import schema
from accounts.views import jwks
from federation_kit.views import subgraph_urls

urlpatterns = [
    *subgraph_urls(schema),
    path(".well-known/jwks.json", jwks, name="jwks"),
    path("admin/", admin.site.urls),
]
