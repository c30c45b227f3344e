from django.apps import AppConfig


class OutputFilesConfig(AppConfig):
    name = "output_files"
    default_auto_field = "django.db.models.BigAutoField"
