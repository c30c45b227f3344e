from django.apps import AppConfig


class WorkingFilesConfig(AppConfig):
    name = "working_files"
    default_auto_field = "django.db.models.BigAutoField"
