"""The preview a route acts on, looked up and checked through the access entry point of
production.permissions. A preview without a task (made through the generic CRUD) is for
admins only."""

from django.db.models import QuerySet

from kitsufiles.lookups import get_or_404
from previews import selectors
from previews.models import PreviewFile
from production import permissions
from production.models import Person


def find_preview(preview_id: str, queryset: QuerySet[PreviewFile] | None = None) -> PreviewFile:
    """The preview (NotFound if there is none), by default with its task, project, type and
    entity; `queryset` says what else to read (the media routes read less)."""
    return get_or_404(selectors.preview_with_task() if queryset is None else queryset, preview_id)


def _fetch(person: Person, preview_id: str, queryset: QuerySet[PreviewFile] | None) -> PreviewFile:
    """The preview with `person`'s team link of its project, in one query."""
    if queryset is None:
        queryset = selectors.preview_with_task()
    return permissions.fetch(person, queryset, preview_id, project="task__project_id")


def get_preview(
    person: Person,
    preview_id: str,
    *,
    access: permissions.Access,
    queryset: QuerySet[PreviewFile] | None = None,
) -> PreviewFile:
    """The preview, once `person` has `access` on its task."""
    preview = _fetch(person, preview_id, queryset)
    permissions.check_task_or_admin(person, preview.task, access)
    return preview


def get_preview_thumbnail(
    person: Person, preview_id: str, *, queryset: QuerySet[PreviewFile] | None = None
) -> PreviewFile:
    """The preview, once `person` may see its thumbnails (the shared-asset rule)."""
    preview = _fetch(person, preview_id, queryset)
    permissions.check_thumbnail_or_admin(person, preview.task, preview.pk)
    return preview
