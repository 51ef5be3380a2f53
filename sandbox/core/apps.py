from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "sandbox.core"
    label = "sandbox"
    verbose_name = "Sandbox store"
    default_auto_field = "django.db.models.BigAutoField"
