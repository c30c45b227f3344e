"""The admin: every production model, searchable and filterable, for studio managers
(persons with the `admin` role; see Person.is_staff)."""

from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from production.models import (
    AssetInstance,
    AttachmentFile,
    Comment,
    Department,
    Entity,
    EntityType,
    FileStatus,
    Organisation,
    OutputType,
    Person,
    Project,
    ProjectPersonLink,
    ProjectStatus,
    ProjectTaskTypeLink,
    RevokedToken,
    Software,
    Task,
    TaskStatus,
    TaskType,
)

TIMESTAMPS: tuple[str, ...] = ("id", "created_at", "updated_at")


class ZouAdmin(admin.ModelAdmin):
    readonly_fields = TIMESTAMPS
    list_per_page = 100
    show_full_result_count = False  # no COUNT(*) on big tables for every page
    # Columns an existing row keeps: a revision number is allocated when the row is made
    # (under its line owner's lock, docs/architecture.md#revisions), editable only on "add".
    readonly_once_made: tuple[str, ...] = ()

    def get_readonly_fields(self, request: Any, obj: Any = None) -> tuple[str, ...]:
        """The admin's own read-only fields, the columns the server owns (the model's
        ZOU_READ_ONLY_FIELDS, which the API refuses to write as well) and, on a change page,
        `readonly_once_made`."""
        fields = (*super().get_readonly_fields(request, obj), *self.model_read_only())
        if obj is not None:
            fields = (*fields, *self.readonly_once_made)
        return tuple(dict.fromkeys(fields))

    def model_read_only(self) -> tuple[str, ...]:
        return tuple(getattr(self.model, "ZOU_READ_ONLY_FIELDS", ()))


# ---------------------------------------------------------------------------------------------
# People


class PersonCreationForm(AdminUserCreationForm):
    class Meta:
        model = Person
        fields = ("email", "first_name", "last_name", "role")


class PersonChangeForm(UserChangeForm):
    class Meta:
        model = Person
        fields = "__all__"


@admin.register(Person)
class PersonAdmin(ZouAdmin):
    form = PersonChangeForm
    add_form = PersonCreationForm
    list_display = ("email", "first_name", "last_name", "role", "active", "is_bot", "created_at")
    list_filter = ("role", "active", "is_bot", "contract_type", "departments")
    search_fields = ("email", "first_name", "last_name", "desktop_login")
    ordering = ("first_name", "last_name")
    filter_horizontal = ("departments",)
    readonly_fields = (*TIMESTAMPS, "last_login")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
            kwargs["fields"] = PersonCreationForm.Meta.fields + ("password1", "password2")
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (
                    None,
                    {
                        "fields": (
                            "email",
                            "first_name",
                            "last_name",
                            "role",
                            "password1",
                            "password2",
                        )
                    },
                )
            ]
        return super().get_fieldsets(request, obj)


@admin.register(Department)
class DepartmentAdmin(ZouAdmin):
    list_display = ("name", "color", "archived")
    list_filter = ("archived",)
    search_fields = ("name",)


@admin.register(Organisation)
class OrganisationAdmin(ZouAdmin):
    list_display = ("name", "hours_by_day", "use_original_file_name")
    search_fields = ("name",)


# ---------------------------------------------------------------------------------------------
# Projects and reference data


class TeamInline(admin.TabularInline):
    model = ProjectPersonLink
    extra = 0
    autocomplete_fields = ("person",)


class ProjectTaskTypeInline(admin.TabularInline):
    model = ProjectTaskTypeLink
    extra = 0


@admin.register(Project)
class ProjectAdmin(ZouAdmin):
    list_display = (
        "name",
        "code",
        "project_status",
        "production_type",
        "fps",
        "resolution",
        "created_at",
    )
    list_filter = ("project_status", "production_type", "production_style")
    search_fields = ("name", "code")
    list_select_related = ("project_status",)
    filter_horizontal = ("asset_types", "task_statuses")
    inlines = (TeamInline, ProjectTaskTypeInline)


@admin.register(ProjectStatus)
class ProjectStatusAdmin(ZouAdmin):
    list_display = ("name", "color")
    search_fields = ("name",)


@admin.register(EntityType)
class EntityTypeAdmin(ZouAdmin):
    list_display = ("name", "short_name", "archived")
    list_filter = ("archived",)
    search_fields = ("name", "short_name")
    filter_horizontal = ("task_types",)


@admin.register(TaskType)
class TaskTypeAdmin(ZouAdmin):
    list_display = ("name", "short_name", "for_entity", "department", "priority", "archived")
    list_filter = ("for_entity", "department", "archived")
    search_fields = ("name", "short_name")
    list_select_related = ("department",)


@admin.register(TaskStatus)
class TaskStatusAdmin(ZouAdmin):
    list_display = (
        "name",
        "short_name",
        "color",
        "is_default",
        "is_done",
        "is_wip",
        "is_retake",
        "is_artist_allowed",
        "is_client_allowed",
    )
    list_filter = ("is_default", "is_done", "is_wip", "is_retake", "archived")
    search_fields = ("name", "short_name")


@admin.register(Software)
class SoftwareAdmin(ZouAdmin):
    list_display = ("name", "short_name", "file_extension", "version", "archived")
    list_filter = ("archived",)
    search_fields = ("name", "short_name", "file_extension")


@admin.register(OutputType)
class OutputTypeAdmin(ZouAdmin):
    list_display = ("name", "short_name")
    search_fields = ("name", "short_name")


@admin.register(FileStatus)
class FileStatusAdmin(ZouAdmin):
    list_display = ("name", "color")
    search_fields = ("name",)


# ---------------------------------------------------------------------------------------------
# Entities, tasks, comments


@admin.register(Entity)
class EntityAdmin(ZouAdmin):
    list_display = ("name", "entity_type", "project", "parent", "status", "canceled", "created_at")
    list_filter = ("entity_type", "project", "status", "canceled", "is_shared")
    search_fields = ("name", "code", "description")
    list_select_related = ("entity_type", "project", "parent")
    autocomplete_fields = ("parent", "source", "created_by")
    raw_id_fields = ("project",)
    # Open-ended, so that output_files' admin adds the entity's outputs.
    inlines: ClassVar[tuple[type[InlineModelAdmin], ...]] = ()


@admin.register(AssetInstance)
class AssetInstanceAdmin(ZouAdmin):
    list_display = ("name", "asset", "number", "target_asset", "scene", "active")
    list_filter = ("active",)
    search_fields = ("name", "asset__name")
    list_select_related = ("asset", "target_asset", "scene")
    autocomplete_fields = ("asset", "target_asset", "scene")


class CommentInline(admin.TabularInline):
    model = Comment
    fk_name = "object"
    extra = 0
    fields = ("created_at", "person", "task_status", "text")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("person",)
    show_change_link = True


@admin.register(Task)
class TaskAdmin(ZouAdmin):
    list_display = (
        "__str__",
        "entity",
        "task_type",
        "task_status",
        "project",
        "due_date",
        "updated_at",
    )
    list_filter = ("task_type", "task_status", "project")
    search_fields = ("name", "entity__name", "task_type__name")
    list_select_related = ("entity", "task_type", "task_status", "project")
    autocomplete_fields = ("entity", "assignees", "assigner")
    raw_id_fields = ("project",)
    # Open-ended, so that working_files' admin adds its revision history.
    inlines: ClassVar[tuple[type[InlineModelAdmin], ...]] = (CommentInline,)


class AttachmentInline(admin.TabularInline):
    model = AttachmentFile
    extra = 0


@admin.register(Comment)
class CommentAdmin(ZouAdmin):
    list_display = ("object", "person", "task_status", "created_at", "pinned")
    list_filter = ("task_status", "pinned", "for_client")
    search_fields = ("text", "person__email", "object__entity__name")
    # The task's name reads its entity and type (Task.__str__).
    list_select_related = ("object__entity", "object__task_type", "person", "task_status")
    autocomplete_fields = ("object", "person", "editor")
    # Open-ended, so that previews' admin adds the comment's previews.
    inlines: ClassVar[tuple[type[InlineModelAdmin], ...]] = (AttachmentInline,)


@admin.register(AttachmentFile)
class AttachmentFileAdmin(ZouAdmin):
    list_display = ("name", "extension", "mimetype", "size", "comment", "created_at")
    search_fields = ("name",)
    list_filter = ("extension",)
    autocomplete_fields = ("comment",)


# The links of a project's team and task types, edited on the project's page (the inlines
# above), listed on their own too: every model has its place in the admin.


@admin.register(ProjectPersonLink)
class ProjectPersonLinkAdmin(admin.ModelAdmin):
    list_display = ("project", "person", "role")
    list_filter = ("project", "role")
    search_fields = ("project__name", "person__email", "person__first_name", "person__last_name")
    list_select_related = ("project", "person")
    raw_id_fields = ("project", "person")


@admin.register(ProjectTaskTypeLink)
class ProjectTaskTypeLinkAdmin(admin.ModelAdmin):
    list_display = ("project", "task_type", "priority")
    list_filter = ("project",)
    search_fields = ("project__name", "task_type__name")
    list_select_related = ("project", "task_type")
    raw_id_fields = ("project", "task_type")


@admin.register(RevokedToken)
class RevokedTokenAdmin(admin.ModelAdmin):
    list_display = ("jti", "expires_at")
    search_fields = ("jti",)
