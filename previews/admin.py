from django.contrib import admin, messages

from previews import services
from previews.models import PreviewFile


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
