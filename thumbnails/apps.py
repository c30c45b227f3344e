from django.apps import AppConfig


class ThumbnailsConfig(AppConfig):
    name = "thumbnails"
    default_auto_field = "django.db.models.BigAutoField"
