from django.apps import AppConfig


class ResumableConfig(AppConfig):
    name = "resumable"
    verbose_name = "Resumable uploads"
    default_auto_field = "django.db.models.BigAutoField"
