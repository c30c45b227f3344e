"""Looking a preview up for a route and checking who may reach it (previews contract §6)."""

from rest_framework.request import Request

from kitsufiles.lookups import get_or_404
from previews import selectors
from previews.models import PreviewFile
from production import permissions
from production.models import Entity, Role


def preview_for(request: Request, preview_id: str, *, check: str = "task") -> PreviewFile:
    """The preview, if the caller passes `check`: "task" (task access), "action" (task
    action access), "project" (project access), "thumbnail" (the shared-entity rule) or
    "none" (the caller checks later)."""
    preview = get_or_404(selectors.preview_with_task(), preview_id)
    person, task = request.user, preview.task
    if check == "none":
        return preview
    if task is None:  # a row made through the CRUD without a task: admins only
        permissions.check_admin(person)
        return preview
    if check == "thumbnail":
        check_thumbnail_access(person, preview)
    elif check == "action":
        permissions.check_task_action_access(person, task)
    elif check == "project":
        permissions.check_project_access(person, task.project)
    else:
        permissions.check_task_access(person, task)
    return preview


def check_thumbnail_access(person, preview: PreviewFile) -> None:
    """A shared asset's main preview thumbnails are for everyone but vendors; other
    thumbnails need project and entity access."""
    role = permissions.effective_role(person, preview.task.project) or person.role
    if role != Role.VENDOR and (
        Entity.objects.filter(
            pk=preview.task.entity_id, preview_file_id=preview.pk, is_shared=True
        ).exists()
    ):
        return
    permissions.check_task_access(person, preview.task)
