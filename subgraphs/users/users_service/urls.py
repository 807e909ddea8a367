from django.contrib import admin
from django.urls import path

from accounts.schema import schema
from federation_kit.views import subgraph_urls

urlpatterns = [*subgraph_urls(schema), path("admin/", admin.site.urls)]
