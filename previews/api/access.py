"""Looking a preview up for a route and checking who may reach it (previews contract §6)."""

from rest_framework.request import Request

from kitsufiles.lookups import get_or_404
from previews import selectors
from previews.models import PreviewFile
from production import permissions


def preview_for(request: Request, preview_id: str, *, check: str = "task") -> PreviewFile:
    """The preview, if the caller passes `check` (see check_preview_access)."""
    preview = get_or_404(selectors.preview_with_task(), preview_id)
    check_preview_access(request.user, preview, check)
    return preview


def check_preview_access(person, preview: PreviewFile, check: str = "task") -> None:
    """`check`: "task" (task access), "action" (task action access), "project" (project
    access) or "thumbnail" (the shared-entity rule). A preview without a task (made through
    the CRUD) is for admins only."""
    task = preview.task
    if task is None:
        permissions.check_admin(person)
    elif check == "thumbnail":
        permissions.check_thumbnail_access(person, task, preview.pk)
    elif check == "action":
        permissions.check_task_action_access(person, task)
    elif check == "project":
        permissions.check_project_access(person, task.project)
    else:
        permissions.check_task_access(person, task)
