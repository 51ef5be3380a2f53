from django.apps import AppConfig


class StoreapiConfig(AppConfig):
    name = "storeapi"
    verbose_name = "Stores"
