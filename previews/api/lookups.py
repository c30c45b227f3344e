"""The preview a route acts on, looked up and checked through the access entry point of
production.permissions. A preview without a task (made through the generic CRUD) is for
admins only."""


from kitsufiles.lookups import get_or_404
from previews import selectors
from previews.models import PreviewFile
from production import permissions
from production.models import Person


def find_preview(preview_id: str) -> PreviewFile:
    """The preview (NotFound if there is none), with its task, project, type and entity,
    before any access check (the upload route's order: see its caller)."""
    return get_or_404(selectors.preview_with_task(), preview_id)


# The look-ups of the preview routes (permissions.Lookup: compiled once): by default with the
# task, project, type and entity; the media routes read less.
PREVIEWS = permissions.Lookup(selectors.preview_with_task, project="task__project_id")
MEDIA_PREVIEWS = permissions.Lookup(selectors.preview_for_media, project="task__project_id")
DOWNLOAD_PREVIEWS = permissions.Lookup(selectors.preview_for_download, project="task__project_id")
ANNOTATED_PREVIEWS = permissions.Lookup(
    selectors.preview_for_annotated_frames, project="task__project_id"
)


def get_preview(
    person: Person,
    preview_id: str,
    *,
    access: permissions.Access,
    lookup: permissions.Lookup[PreviewFile] = PREVIEWS,
) -> PreviewFile:
    """The preview, once `person` has `access` on its task."""
    preview = lookup.fetch(person, preview_id)
    permissions.check_task_or_admin(person, preview.task, access)
    return preview


def get_preview_thumbnail(
    person: Person, preview_id: str, *, lookup: permissions.Lookup[PreviewFile] = PREVIEWS
) -> PreviewFile:
    """The preview, once `person` may see its thumbnails (the shared-asset rule)."""
    preview = lookup.fetch(person, preview_id)
    permissions.check_thumbnail_or_admin(person, preview.task, preview.pk)
    return preview
