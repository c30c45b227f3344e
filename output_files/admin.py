"""Output files in the admin: every published revision, searchable by path and entity, and an
entity's outputs on its page."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat

from output_files.models import OutputFile
from production.admin import EntityAdmin, ZouAdmin
from production.models import Entity


@admin.display(description="size", ordering="size")
def human_size(output_file: OutputFile) -> str:
    return filesizeformat(output_file.size) if output_file.size is not None else "-"


@admin.register(OutputFile)
class OutputFileAdmin(ZouAdmin):
    list_display = (
        "entity",
        "output_type",
        "task_type",
        "name",
        "representation",
        "revision",
        human_size,
        "file_status",
        "person",
        "created_at",
    )
    list_filter = ("output_type", "task_type", "file_status", "entity__project")
    search_fields = ("name", "path", "comment", "entity__name", "checksum")
    list_select_related = ("entity", "output_type", "task_type", "file_status", "person")
    ordering = ("entity", "output_type", "task_type", "name", "-revision")
    autocomplete_fields = ("entity", "temporal_entity", "asset_instance", "person", "source_file")
    # Copied from the source working file's stored content when the output is published.
    readonly_fields = (*ZouAdmin.readonly_fields, "size", "checksum")
    readonly_once_made = ("revision",)


OUTPUT_FIELDS = (
    "output_type",
    "task_type",
    "name",
    "representation",
    "revision",
    "size_shown",
    "checksum",
    "file_status",
    "person",
    "created_at",
)


class OutputFileInline(admin.TabularInline):
    """An entity's outputs, grouped by output type and representation, latest first;
    read-only (publishing goes through the API, which allocates the revision)."""

    model = OutputFile
    fk_name = "entity"
    fields = OUTPUT_FIELDS
    readonly_fields = OUTPUT_FIELDS
    ordering = ("output_type__name", "task_type__name", "name", "representation", "-revision")
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "output files"

    @admin.display(description="size")
    def size_shown(self, output_file: OutputFile) -> str:
        return human_size(output_file)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutputFile]:
        return (
            super()
            .get_queryset(request)
            .select_related("output_type", "task_type", "file_status", "person")
        )


admin.site.unregister(Entity)


@admin.register(Entity)
class EntityWithOutputsAdmin(EntityAdmin):
    inlines = (*EntityAdmin.inlines, OutputFileInline)
