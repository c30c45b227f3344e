"""The browsable pages of a task's history (server-rendered, Django sessions; issue 15):

- `/tasks/<id>/`: the working-file revision timeline, line by line (name), with what was
  published from each revision, and the previews by revision with their status;
- `/previews/<id>/`: a player for a movie preview (frame stepping, tile-sheet scrubbing,
  annotations over their frame) or the picture of a picture preview.

Their media are the API's media routes (movies/low, movies/tiles, pictures/previews,
pictures/thumbnails), which accept the pages' session on GET and HEAD
(kitsufiles.api.authentication.PageSessionAuthentication).

Here in `previews`, the app at the top of the order: it may read output files and, through
output_files' selectors, working files. Access goes through production.permissions with the
API's rules (task access, as `GET data/tasks/<id>/working-files` and `.../previews` and the
media routes). Every page costs a fixed number of queries, whatever the task holds
(tests/pages/test_history_pages.py counts them)."""

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from output_files import selectors as output_selectors
from previews import selectors
from previews.models import PreviewStatus
from production import permissions
from production.views import PageMixin

WORKING_FILES_PER_PAGE = 50
PREVIEWS_PER_PAGE = 24

# What the preview page reads besides the preview: its task's project, type, entity (for the
# breadcrumbs and the access rules) and its author.
PAGE_PREVIEWS = permissions.Lookup(
    lambda: selectors.preview_with_task().select_related("person"),
    project="task__project_id",
)


def _page(request: HttpRequest, paginator: Paginator, parameter: str) -> Page:
    """The page the query string asks for; the last one when past the end, the first when not
    a number (a page never 404s over its query string)."""
    return paginator.get_page(request.GET.get(parameter))


class TaskPageView(PageMixin, View):
    """`/tasks/<id>/`: the working-file timeline and the previews of a task."""

    def get(self, request: HttpRequest, task_id: str) -> HttpResponse:
        person = self.person
        task = permissions.get_task(person, task_id, access=permissions.Access.TASK)
        files = _page(
            request,
            Paginator(output_selectors.task_history(task), WORKING_FILES_PER_PAGE),
            "page",
        )
        outputs: dict[Any, list[Any]] = {}
        if files.object_list:
            for output in output_selectors.published_from(row.pk for row in files.object_list):
                outputs.setdefault(output.source_file_id, []).append(output)
        for row in files.object_list:
            row.published = outputs.get(row.pk, [])
        previews = selectors.previews_of_task(
            task, hide_rejected=permissions.hides_rejected_previews(person, task.project)
        ).select_related("person")
        preview_page = _page(request, Paginator(previews, PREVIEWS_PER_PAGE), "previews")
        return render(
            request,
            "previews/task.html",
            {
                "task": task,
                "files": files,
                "previews": preview_page,
                "broken": PreviewStatus.BROKEN,
                # Each pager keeps the other list's page in its links.
                "keep_previews": f"&previews={preview_page.number}"
                if preview_page.number > 1
                else "",
                "keep_files": f"&page={files.number}" if files.number > 1 else "",
            },
        )


class PreviewPageView(PageMixin, View):
    """`/previews/<id>/`: the player of a movie, the picture of a picture preview."""

    def get(self, request: HttpRequest, preview_id: str) -> HttpResponse:
        person = self.person
        preview = PAGE_PREVIEWS.fetch(person, preview_id)
        permissions.check_task_or_admin(person, preview.task, permissions.Access.TASK)
        data = preview.data if isinstance(preview.data, dict) else {}
        # A processed movie's extension is mp4 (Zou's `is_movie` column is not what says it).
        movie = preview.extension == "mp4"
        player = {
            "movie": movie,
            "frameRate": str(data.get("frame_rate") or ""),
            "frameCount": data.get("frame_count") or 0,
            "width": preview.width,
            "height": preview.height,
            "annotations": preview.annotations if isinstance(preview.annotations, list) else [],
        }
        return render(
            request,
            "previews/preview.html",
            {
                "preview": preview,
                "task": preview.task,
                "player": player,
                "movie": movie,
                "ready": preview.status == PreviewStatus.READY,
                "source": selectors.kept_upload_summary(preview),
            },
        )
