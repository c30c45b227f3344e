from django.contrib import admin, messages

from previews import services
from previews.models import PreviewBackgroundFile, PreviewFile, ProjectPreviewBackgroundFileLink


@admin.register(PreviewFile)
class PreviewFileAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "task",
        "revision",
        "position",
        "extension",
        "status",
        "attempts",
        "broken_reason",
        "file_size",
        "created_at",
    )
    list_filter = ("status", "extension", "validation_status")
    search_fields = ("name", "original_name", "broken_reason")
    list_select_related = ("task__entity", "task__task_type")
    raw_id_fields = ("task", "person", "source_file", "comments")
    readonly_fields = ("attempts", "broken_reason", "created_at", "updated_at")
    actions = ["process_again"]

    @admin.action(description="Process again from the stored upload")
    def process_again(self, request, queryset):
        queued = sum(services.requeue(preview=preview) for preview in queryset)
        messages.info(request, f"{queued} preview(s) queued for processing.")


class ProjectLinkInline(admin.TabularInline):
    """The projects that offer a background, and whether it is their default."""

    model = ProjectPreviewBackgroundFileLink
    extra = 0
    raw_id_fields = ("project",)


@admin.register(PreviewBackgroundFile)
class PreviewBackgroundFileAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default", "archived", "extension", "file_size", "updated_at")
    list_filter = ("is_default", "archived", "extension")
    search_fields = ("name", "original_name")
    # What the upload finds out (PreviewBackgroundFile.ZOU_READ_ONLY_FIELDS).
    readonly_fields = ("original_name", "extension", "file_size", "created_at", "updated_at")
    inlines = [ProjectLinkInline]
