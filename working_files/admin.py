"""Working files in the admin: every revision, and a task's revision history on its page."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat

from production.admin import TaskAdmin, ZouAdmin
from production.models import Task
from working_files import services
from working_files.models import WorkingFile

HISTORY_FIELDS = ("name", "revision", "human_size", "checksum", "person", "comment", "updated_at")


@admin.display(description="size", ordering="size")
def human_size(working_file: WorkingFile) -> str:
    return filesizeformat(working_file.size) if working_file.size is not None else "-"


@admin.register(WorkingFile)
class WorkingFileAdmin(ZouAdmin):
    list_display = (
        "task",
        "name",
        "revision",
        human_size,
        "checksum",
        "person",
        "software",
        "updated_at",
    )
    list_filter = ("software", "task__task_type", "task__project")
    search_fields = ("name", "comment", "path", "checksum", "task__entity__name")
    list_select_related = ("task__entity", "task__task_type", "person", "software")
    ordering = ("task", "name", "-revision")
    autocomplete_fields = ("task", "entity", "person")
    # size and checksum: WorkingFile.ZOU_READ_ONLY_FIELDS (ZouAdmin.get_readonly_fields).
    readonly_once_made = ("revision",)
    actions = ("recompute_checksums",)

    @admin.action(description="Recompute size and checksum from the stored content")
    def recompute_checksums(self, request: HttpRequest, queryset: QuerySet[WorkingFile]) -> None:
        report = services.recompute_checksums(queryset.order_by("pk"))
        self.message_user(
            request,
            f"{report.checked} working file(s) checked: {len(report.unchanged)} as recorded, "
            f"{len(report.fixed)} corrected, {len(report.no_content)} without stored content.",
            messages.SUCCESS,
        )
        problems = (
            (report.fixed, messages.WARNING, "size or checksum differed, now corrected"),
            (report.missing, messages.ERROR, "content recorded but missing from storage"),
            (report.changed, messages.WARNING, "replaced by an upload meanwhile, left as is"),
            (report.unavailable, messages.ERROR, "storage unavailable, not checked"),
        )
        for rows, level, what in problems:
            if rows:
                names = ", ".join(_described(row) for row in rows[:20])
                more = f" and {len(rows) - 20} more" if len(rows) > 20 else ""
                self.message_user(request, f"{what.capitalize()}: {names}{more}.", level)

    # Deleting through the admin goes through the service, like the API: the stored content
    # goes with the row once the deletion commits (docs/compatibility.md#working-files).
    def delete_model(self, request, obj: WorkingFile) -> None:
        services.delete_working_file(person=request.user, instance=obj)

    def delete_queryset(self, request, queryset) -> None:
        for working_file in queryset:
            services.delete_working_file(person=request.user, instance=working_file)


def _described(working_file: WorkingFile) -> str:
    return f"{working_file.name or '(no name)'} v{working_file.revision} ({working_file.pk})"


class WorkingFileHistoryInline(admin.TabularInline):
    """A task's revisions, line by line (name) and in order, read-only."""

    model = WorkingFile
    fk_name = "task"
    fields = HISTORY_FIELDS
    readonly_fields = HISTORY_FIELDS
    ordering = ("name", "revision")
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "revision history"

    @admin.display(description="size")
    def human_size(self, working_file):
        return human_size(working_file)

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")


admin.site.unregister(Task)


@admin.register(Task)
class TaskWithHistoryAdmin(TaskAdmin):
    inlines = (*TaskAdmin.inlines, WorkingFileHistoryInline)
