from django.apps import AppConfig


class FederationKitConfig(AppConfig):
    name = "federation_kit"
    verbose_name = "Federation kit"
