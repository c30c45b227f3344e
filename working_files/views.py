"""The browsable pages' download of a working file's content (Django sessions): the access
check and the streamed delivery of the API's `GET data/working-files/<id>/file`
(working_files/delivery.py), as an attachment named after the file. Linked from a task's
history page (previews/views.py)."""

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.views import View

from kitsufiles.downloads import attachment_disposition
from production import permissions
from production.views import PageMixin
from working_files import delivery, selectors


def download_name(name: str | None, revision: int | None, path: str | None) -> str:
    """The file's own name where its path gives one, else `<name>_v<revision>`."""
    base = (path or "").replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return base or f"{name or 'working-file'}_v{revision if revision is not None else 0}"


class WorkingFileDownloadView(PageMixin, View):
    """`/working-files/<id>/download`: task access, as the API route."""

    def get(self, request: HttpRequest, working_file_id: str) -> HttpResponseBase:
        person = self.person
        # The API route's columns, and those that name the file.
        rows = selectors.for_download().only(
            "name", "revision", "path", "task__project", "task__entity"
        )
        working_file = permissions.fetch(person, rows, working_file_id, project="task__project_id")
        permissions.check_task_or_admin(person, working_file.task, permissions.Access.TASK)
        name = download_name(working_file.name, working_file.revision, working_file.path)
        return delivery.content_response(
            request, working_file, disposition=attachment_disposition(name)
        )
