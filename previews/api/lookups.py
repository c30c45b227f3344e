"""The preview a route acts on, looked up and checked through the access entry point of
production.permissions. A preview without a task (made through the generic CRUD) is for
admins only."""

from kitsufiles.lookups import get_or_404
from previews import selectors
from previews.models import PreviewFile
from production import permissions
from production.models import Person


def find_preview(preview_id: str) -> PreviewFile:
    """The preview with its task, project, type and entity (NotFound if there is none)."""
    return get_or_404(selectors.preview_with_task(), preview_id)


def get_preview(person: Person, preview_id: str, *, access: permissions.Access) -> PreviewFile:
    """The preview, once `person` has `access` on its task."""
    preview = find_preview(preview_id)
    permissions.check_task_or_admin(person, preview.task, access)
    return preview


def get_preview_thumbnail(person: Person, preview_id: str) -> PreviewFile:
    """The preview, once `person` may see its thumbnails (the shared-asset rule)."""
    preview = find_preview(preview_id)
    permissions.check_thumbnail_or_admin(person, preview.task, preview.pk)
    return preview
