from django.apps import AppConfig


class FileTreesConfig(AppConfig):
    name = "file_trees"
    default_auto_field = "django.db.models.BigAutoField"
