"""Output files in the admin: every published revision, searchable by path and entity."""

from django.contrib import admin

from output_files.models import OutputFile
from production.admin import ZouAdmin


@admin.register(OutputFile)
class OutputFileAdmin(ZouAdmin):
    list_display = (
        "entity",
        "output_type",
        "task_type",
        "name",
        "representation",
        "revision",
        "file_status",
        "person",
        "created_at",
    )
    list_filter = ("output_type", "task_type", "file_status", "entity__project")
    search_fields = ("name", "path", "comment", "entity__name", "checksum")
    list_select_related = ("entity", "output_type", "task_type", "file_status", "person")
    ordering = ("entity", "output_type", "task_type", "name", "-revision")
    autocomplete_fields = ("entity", "temporal_entity", "asset_instance", "person", "source_file")
