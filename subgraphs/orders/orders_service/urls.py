from django.contrib import admin
from django.urls import path

from federation_kit.views import subgraph_urls
from orders.schema import schema

urlpatterns = [*subgraph_urls(schema), path("admin/", admin.site.urls)]
