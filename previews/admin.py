"""Previews in the admin: every preview with its thumbnail, a comment's previews on its page,
the processing re-queued from the list, and the 3D viewer's background files.

The thumbnails are served to the admin by an admin view of its own (`thumbnail_view`): the
API's media routes authenticate with a JWT, the admin with Django's session, and only staff
(admin persons, Person.is_staff) enter it. The bytes go out as the API sends them
(media_store.serve_stored: no byte read to answer, ranges, validators, a private cache)."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from kitsufiles.errors import NotFound
from kitsufiles.lookups import parse_id
from kitsufiles.media_store import serve_stored
from previews import services, storage
from previews.models import (
    PreviewBackgroundFile,
    PreviewFile,
    PreviewStatus,
    ProjectPreviewBackgroundFileLink,
)
from production.admin import CommentAdmin, ZouAdmin
from production.models import Comment, Entity, Task

PNG_TYPE = "image/png"
# The media kinds processing makes a thumbnail for (a picture, a movie's first frame).
WITH_THUMBNAIL = ("png", "mp4")


def thumbnail_url(preview: PreviewFile) -> str:
    return reverse("admin:previews_previewfile_thumbnail", args=[preview.pk])


@admin.display(description="thumbnail")
def thumbnail(preview: PreviewFile) -> str:
    """The preview's thumbnail (an <img> served by the admin), once processing made one."""
    if preview.status != PreviewStatus.READY or preview.extension not in WITH_THUMBNAIL:
        return "-"
    return format_html(
        '<img src="{}" alt="" height="40" loading="lazy" decoding="async">',
        thumbnail_url(preview),
    )


@admin.register(PreviewFile)
class PreviewFileAdmin(ZouAdmin):
    list_display = (
        thumbnail,
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
    list_display_links = ("name",)
    list_filter = ("status", "extension", "validation_status", "task__project")
    search_fields = ("name", "original_name", "broken_reason", "task__entity__name")
    # The task's name reads its entity and type (Task.__str__).
    list_select_related = ("task__entity", "task__task_type")
    raw_id_fields = ("task", "person", "source_file", "comments")
    # The upload's findings and the processing bookkeeping: PreviewFile.ZOU_READ_ONLY_FIELDS.
    readonly_fields = (*ZouAdmin.readonly_fields, "thumbnail_shown")
    readonly_once_made = ("revision",)
    actions = ("process_again",)

    @admin.display(description="thumbnail")
    def thumbnail_shown(self, preview: PreviewFile) -> str:
        return thumbnail(preview)

    @admin.action(description="Process again from the stored upload")
    def process_again(self, request: HttpRequest, queryset: QuerySet[PreviewFile]) -> None:
        previews = list(queryset)
        queued = sum(services.requeue(preview=preview) for preview in previews)
        self.message_user(request, f"{queued} preview(s) queued for processing.", messages.INFO)
        if queued < len(previews):
            self.message_user(
                request,
                f"{len(previews) - queued} preview(s) not queued: not a picture or a movie, "
                "never uploaded, or their upload is no longer stored (marked missing).",
                messages.WARNING,
            )

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<path:object_id>/thumbnail.png",
                self.admin_site.admin_view(self.thumbnail_view),
                name="previews_previewfile_thumbnail",
            )
        ]
        return own + super().get_urls()

    def thumbnail_view(self, request: HttpRequest, object_id: str) -> HttpResponseBase:
        """The preview's thumbnail for the admin's lists (staff sessions: admin_view)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            preview = PreviewFile.objects.only("pk", "updated_at").get(pk=parse_id(object_id))
        except (NotFound, PreviewFile.DoesNotExist) as error:
            raise Http404("No such preview.") from error
        opened = storage.open_stored(storage.picture("thumbnails", preview.pk))
        if opened is None:
            raise Http404("This preview has no thumbnail.")
        return serve_stored(
            request, opened, last_modified=preview.updated_at, content_type=PNG_TYPE
        )


class CommentPreviewInline(admin.TabularInline):
    """A comment's previews (Zou's comment_preview_link), with their thumbnails."""

    model = PreviewFile.comments.through
    fk_name = "comment"
    fields = ("previewfile", "preview_thumbnail", "preview_status")
    readonly_fields = ("preview_thumbnail", "preview_status")
    raw_id_fields = ("previewfile",)
    extra = 0
    verbose_name = "preview"
    verbose_name_plural = "previews"

    @admin.display(description="thumbnail")
    def preview_thumbnail(self, link: Any) -> str:
        return thumbnail(link.previewfile) if link.pk else "-"

    @admin.display(description="status")
    def preview_status(self, link: Any) -> str:
        return link.previewfile.get_status_display() if link.pk else "-"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("previewfile")


admin.site.unregister(Comment)


@admin.register(Comment)
class CommentWithPreviewsAdmin(CommentAdmin):
    inlines = (*CommentAdmin.inlines, CommentPreviewInline)


@admin.display(description="preview")
def main_preview(row: Entity | Task) -> str:
    """An entity's main preview or a task's last one, from the id the row holds (no query:
    the admin view answers 404 for an id without a thumbnail, shown as nothing)."""
    preview_id = row.preview_file_id if isinstance(row, Entity) else row.last_preview_file_id
    if preview_id is None:
        return "-"
    return format_html(
        '<img src="{}" alt="" height="40" loading="lazy" decoding="async">',
        reverse("admin:previews_previewfile_thumbnail", args=[preview_id]),
    )


def _with_main_preview(model: type[Entity] | type[Task]) -> None:
    """Re-register `model`'s admin, whichever app's it is now (working_files adds the task's
    history, output_files the entity's outputs; previews imports neither), with the preview's
    thumbnail first in its list."""
    current = type(admin.site.get_model_admin(model))
    members = {
        "list_display": (main_preview, *current.list_display),
        "list_display_links": (current.list_display[0],),  # the row's name, not its picture
    }
    admin.site.unregister(model)
    admin.site.register(model, type(f"{current.__name__}WithPreview", (current,), members))


_with_main_preview(Entity)
_with_main_preview(Task)


class ProjectLinkInline(admin.TabularInline):
    """The projects that offer a background, and whether it is their default."""

    model = ProjectPreviewBackgroundFileLink
    extra = 0
    raw_id_fields = ("project",)


@admin.register(PreviewBackgroundFile)
class PreviewBackgroundFileAdmin(ZouAdmin):
    list_display = ("name", "is_default", "archived", "extension", "file_size", "updated_at")
    list_filter = ("is_default", "archived", "extension")
    search_fields = ("name", "original_name")
    # What the upload finds out: PreviewBackgroundFile.ZOU_READ_ONLY_FIELDS.
    inlines = (ProjectLinkInline,)


@admin.register(ProjectPreviewBackgroundFileLink)
class ProjectPreviewBackgroundFileLinkAdmin(admin.ModelAdmin):
    list_display = ("project", "preview_background_file", "is_default")
    list_filter = ("is_default",)
    search_fields = ("project__name", "preview_background_file__name")
    list_select_related = ("project", "preview_background_file")
    raw_id_fields = ("project", "preview_background_file")
