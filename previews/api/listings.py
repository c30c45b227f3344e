"""Listings of previews: a task's previews and comments, a project's previews, and the
previews still processing (or broken) across open projects."""

from collections.abc import Sequence
from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles.api.crud import list_response
from kitsufiles.api.serialization import serialize_rows
from kitsufiles.lookups import get_or_404
from previews import selectors
from previews.models import PreviewFile
from production import permissions
from production import selectors as production_selectors
from production.models import Entity, Project
from production.shapes import ASSET

Access = permissions.Access


def rows_in_order(previews: Sequence[PreviewFile]) -> list[dict[str, Any]]:
    """The previews' rows in Zou's shape, in the order of `previews`."""
    rows = serialize_rows(selectors.with_ids([preview.pk for preview in previews]))
    by_id = {row["id"]: row for row in rows}
    return [by_id[preview.pk] for preview in previews]


# The keys of a preview inside a comment of the task comments listing.
COMMENT_PREVIEW_KEYS = (
    "id", "task_id", "revision", "extension", "width", "height", "duration", "status",
    "validation_status", "original_name", "position", "annotations",
)  # fmt: skip


class TaskCommentsView(APIView):
    """GET data/tasks/<id>/comments: newest first, each with its previews as small dicts
    (clients are not shown rejected previews)."""

    def get(self, request: Request, task_id: str) -> Response:
        person = permissions.caller(request)
        task = permissions.get_task(person, task_id, access=Access.TASK)
        comments = serialize_rows(selectors.comments_of_task(task), relations=True)
        previews = selectors.previews_on_comments(
            task, hide_rejected=permissions.hides_rejected_previews(person, task.project)
        )
        by_id = {
            str(row["id"]): {key: row[key] for key in COMMENT_PREVIEW_KEYS}
            for row in serialize_rows(previews)
        }
        for comment in comments:
            comment["previews"] = [by_id[pk] for pk in comment["previews"] if pk in by_id]
        return Response(comments)


class TaskPreviewsView(APIView):
    """GET data/tasks/<id>/previews: the task's previews, newest revision first."""

    def get(self, request: Request, task_id: str) -> Response:
        person = permissions.caller(request)
        task = permissions.get_task(person, task_id, access=Access.TASK)
        return Response(serialize_rows(selectors.previews_of_task(task)))


class ProjectPreviewFilesView(APIView):
    """GET data/projects/<id>/preview-files (admins): most recently changed first, paged
    with ?page."""

    def get(self, request: Request, project_id: str) -> Response:
        person = permissions.caller(request)
        permissions.check_admin(person)  # before the project is looked up (Zou's order)
        project = get_or_404(Project, project_id)
        previews = selectors.previews_of_project(project)
        if request.query_params.get("page") is None:
            return Response(serialize_rows(previews))
        return list_response(previews, request.query_params)


class RunningPreviewsView(APIView):
    """GET data/playlists/preview-files/running (admins): previews of open projects still
    processing, broken or missing, newest first, each with its project, task type and
    entity name as Kitsu lists them; `cursor_preview_file_id` and `limit` page through
    them."""

    def get(self, request: Request) -> Response:
        person = permissions.caller(request)
        permissions.check_admin(person)
        params = request.query_params
        previews = selectors.running_page(
            cursor=params.get("cursor_preview_file_id"), limit=params.get("limit")
        )
        rows = rows_in_order(previews)
        for row, preview in zip(rows, previews, strict=True):
            task = preview.task
            if task is None:  # running() lists previews of tasks only
                continue
            row["project_id"] = task.project_id
            row["task_type_id"] = task.task_type_id
            row["full_entity_name"] = selectors.full_entity_name(task.entity)
        return Response(rows)


# ---------------------------------------------------------------------------------------------
# An entity's previews by task type, and attachments


def _entity_lookup(kind: str | None) -> permissions.Lookup[Entity]:
    """The entities a route names: of one kind (a shot's route answers 404 for an asset), or
    any (the playlists route). The entity's row alone: the listing reads its id."""
    if kind is None:
        return permissions.ENTITY_ROWS
    return permissions.Lookup(lambda: production_selectors.entities_of(kind), project="project_id")


# One look-up per route, built once (its SQL is compiled on first use: permissions.Lookup).
ENTITY_LOOKUPS = {kind: _entity_lookup(kind) for kind in (ASSET, "Shot", "Edit", "Concept", None)}


class EntityPreviewFilesView(APIView):
    """GET data/shots|assets|edits|concepts/<id>/preview-files and
    data/playlists/entities/<id>/preview-files: the entity's previews keyed by task type id,
    one entry per revision, newest first, its other positions under `previews`
    (zou-previews-contract.md §6.16). Entity access: the project's team, vendors only on
    entities they have a task on."""

    kind: str | None = None  # set per route by previews/urls.py; None: any entity

    def get(self, request: Request, entity_id: str) -> Response:
        person = permissions.caller(request)
        entity = permissions.get_entity(
            person, entity_id, access=Access.TASK, lookup=ENTITY_LOOKUPS[self.kind]
        )
        return Response(selectors.previews_by_task_type(entity.pk))


class TaskAttachmentFilesView(APIView):
    """GET data/tasks/<id>/attachment-files: the attachments of the task's comments."""

    def get(self, request: Request, task_id: str) -> Response:
        person = permissions.caller(request)
        task = permissions.get_task(
            person, task_id, access=Access.TASK, lookup=permissions.TASK_ROWS
        )
        return Response(serialize_rows(selectors.attachments_of_task(task)))


class ProjectAttachmentFilesView(APIView):
    """GET data/projects/<id>/attachment-files: the attachments of the project's comments
    the caller may list (a vendor: those of their tasks, as data/attachment-files)."""

    def get(self, request: Request, project_id: str) -> Response:
        person = permissions.caller(request)
        project = permissions.get_project(person, project_id, access=Access.PROJECT)
        attachments = permissions.attachment_files_visible_to(
            person, selectors.attachments_of_project(project)
        )
        return Response(serialize_rows(attachments))
