"""Preview slots on comments and the task-level preview routes (previews contract §6.2,
§6.9-6.11, §6.13): add-preview, extra previews, batch comments, main previews, ordering."""

import json
import re

from django.conf import settings
from django.db import transaction
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles.api.crud import list_response
from kitsufiles.api.errors import ZouError
from kitsufiles.api.serialization import serialize_instance, serialize_rows
from kitsufiles.errors import NotFound, WrongParameter
from kitsufiles.lookups import get_or_404, parse_id
from kitsufiles.uploads import receive_files
from previews import selectors, services, storage
from previews.api.access import preview_for
from previews.models import PreviewFile
from production import permissions
from production.models import Comment, Person, Project, Role, Task, TaskStatus

TASK_RELATIONS = ("project", "task_type__department", "entity__entity_type")


def task_for(request: Request, task_id: str, *, action: bool = True) -> Task:
    task = get_or_404(Task.objects.select_related(*TASK_RELATIONS), task_id)
    if action:
        permissions.check_task_action_access(request.user, task)
    else:
        permissions.check_task_access(request.user, task)
    return task


def comment_of(task: Task, comment_id: str) -> Comment:
    """A comment of `task`: Zou links a slot to a comment of any task (§10.21), which lets
    whoever may act on one task write into the comments of any other."""
    return get_or_404(Comment.objects.filter(object=task), comment_id)


class RevisionInput(serializers.Serializer):
    revision = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class AddPreviewView(APIView):
    """POST actions/tasks/<task>/comments/<comment>/add-preview: an empty preview slot."""

    def post(self, request: Request, task_id: str, comment_id: str) -> Response:
        task = task_for(request, task_id)
        comment = comment_of(task, comment_id)
        body = RevisionInput(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        preview = services.add_preview_slot(
            task=task,
            comment=comment,
            author=request.user,
            revision=body.validated_data.get("revision"),
        )
        return Response(serialize_instance(preview, relations=True), status=201)


class ExtraPreviewView(APIView):
    """POST: another preview in the revision of <preview>; DELETE: remove <preview>."""

    def post(self, request: Request, task_id: str, comment_id: str, preview_id: str):
        task = task_for(request, task_id)
        comment = comment_of(task, comment_id)
        reference = get_or_404(PreviewFile.objects.filter(task=task), preview_id)
        preview = services.add_preview_slot(
            task=task, comment=comment, author=request.user, same_revision_as=reference
        )
        return Response(serialize_instance(preview, relations=True), status=201)

    def delete(self, request: Request, task_id: str, comment_id: str, preview_id: str):
        for value in (task_id, comment_id, preview_id):
            try:
                parse_id(value)
            except NotFound:  # a malformed id: Zou says 400 here
                raise WrongParameter("Wrong UUID format.") from None
        task = get_or_404(Task.objects.select_related("project"), task_id)
        preview = get_or_404(PreviewFile, preview_id)
        # Zou only asks for project access; we also ask that the preview belongs to the
        # task of the URL, and action rights on it (§10.27).
        if preview.task_id != task.pk:
            raise ZouError(404, {"error": True, "message": "Preview file not found."})
        permissions.check_task_action_access(request.user, task)
        force = request.query_params.get("force", "").lower() == "true"
        services.delete_preview(preview=preview, force=force)
        return Response(status=204)


# The keys of a preview inside a comment of the task comments listing (§6.16).
COMMENT_PREVIEW_KEYS = (
    "id", "task_id", "revision", "extension", "width", "height", "duration", "status",
    "validation_status", "original_name", "position", "annotations",
)  # fmt: skip


class TaskCommentsView(APIView):
    """GET data/tasks/<id>/comments: newest first, each with its previews as small dicts
    (clients do not see rejected previews)."""

    def get(self, request: Request, task_id: str) -> Response:
        task = task_for(request, task_id, action=False)
        comments = serialize_rows(task.comments.order_by("-created_at"), relations=True)
        previews = selectors.previews_on_comments(
            task,
            hide_rejected=permissions.effective_role(request.user, task.project) == Role.CLIENT,
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
        task = task_for(request, task_id, action=False)
        return Response(serialize_rows(selectors.previews_of_task(task)))


NO_PREVIEW = "This task has no preview file to set as the main preview."


def _set_task_main_preview(request: Request, task: Task) -> dict | None:
    role = permissions.check_task_access(request.user, task)
    if role == Role.CLIENT:
        permissions.deny()
    preview = selectors.last_main_preview(task)
    if preview is None:
        return None
    preview = PreviewFile.objects.select_related("task").get(pk=preview.pk)
    return serialize_instance(services.set_main_preview(preview=preview))


class TaskSetMainPreviewView(APIView):
    """PUT actions/tasks/<id>/set-main-preview: the task's last preview becomes the
    entity's thumbnail; answers the entity."""

    def put(self, request: Request, task_id: str) -> Response:
        task = get_or_404(Task.objects.select_related(*TASK_RELATIONS), task_id)
        entity = _set_task_main_preview(request, task)
        if entity is None:
            raise ZouError(400, {"error": True, "message": NO_PREVIEW})
        return Response(entity)


class TasksSetMainPreviewView(APIView):
    """PUT actions/tasks/set-main-preview {"task_ids": [...]}: the same for several tasks
    (tasks without preview are skipped); all or nothing."""

    class Input(serializers.Serializer):
        task_ids = serializers.ListField(child=serializers.CharField(), min_length=1)

    def put(self, request: Request) -> Response:
        body = self.Input(data=request.data)
        body.is_valid(raise_exception=True)
        entities = []
        with transaction.atomic():
            for task_id in body.validated_data["task_ids"]:
                task = get_or_404(Task.objects.select_related(*TASK_RELATIONS), task_id)
                entity = _set_task_main_preview(request, task)
                if entity is not None:
                    entities.append(entity)
        return Response(entities)


class PreviewSetMainPreviewView(APIView):
    """PUT actions/preview-files/<id>/set-main-preview: this preview becomes its entity's
    thumbnail; answers the entity."""

    class Input(serializers.Serializer):
        frame_number = serializers.IntegerField(required=False, allow_null=True)

    def put(self, request: Request, preview_id: str) -> Response:
        body = self.Input(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        preview = preview_for(request, preview_id)
        if permissions.effective_role(request.user, preview.task.project) == Role.CLIENT:
            permissions.deny()
        frame = body.validated_data.get("frame_number")
        if frame is not None:
            if preview.extension != "mp4":
                raise ZouError(
                    400,
                    {"error": True, "message": "Can't use a given frame on non movie preview"},
                )
            services.use_frame_as_thumbnail(preview=preview, frame_number=frame)
        entity = services.set_main_preview(preview=preview)
        return Response(serialize_instance(entity))


class UpdatePositionView(APIView):
    """PUT actions/preview-files/<id>/update-position: answers the revision's previews."""

    class Input(serializers.Serializer):
        position = serializers.IntegerField(default=0, min_value=0)

    def put(self, request: Request, preview_id: str) -> Response:
        body = self.Input(data=request.data)
        body.is_valid(raise_exception=True)
        preview = preview_for(request, preview_id, check="action")
        line = services.update_position(preview=preview, position=body.validated_data["position"])
        rows = {
            row["id"]: row
            for row in serialize_rows(PreviewFile.objects.filter(pk__in=[item.pk for item in line]))
        }
        return Response([rows[item.pk] for item in line])


class ProjectPreviewFilesView(APIView):
    """GET data/projects/<id>/preview-files (admins): newest first, paged with ?page."""

    def get(self, request: Request, project_id: str) -> Response:
        permissions.check_admin(request.user)
        project = get_or_404(Project, project_id)
        queryset = PreviewFile.objects.filter(task__project=project)
        params = request.query_params
        if params.get("page") is None:
            return Response(serialize_rows(queryset.order_by("-updated_at", "pk")))
        return list_response(queryset, params)


class RunningPreviewsView(APIView):
    """GET data/playlists/preview-files/running (admins): previews of open projects still
    processing, broken or missing, newest first, with their project, task type and entity
    name; `cursor_preview_file_id` and `limit` page through them."""

    def get(self, request: Request) -> Response:
        permissions.check_admin(request.user)
        params = request.query_params
        queryset = selectors.running()
        cursor = params.get("cursor_preview_file_id")
        if cursor:
            try:
                cursor_row = PreviewFile.objects.filter(pk=parse_id(cursor)).first()
            except NotFound:  # a malformed id
                raise WrongParameter(
                    "The cursor_preview_file_id parameter is not a valid id"
                ) from None
            if cursor_row is None:
                raise WrongParameter(f"No preview file found with id: {cursor}")
            queryset = queryset.filter(created_at__lt=cursor_row.created_at)
        limit = params.get("limit")
        if limit:
            try:
                queryset = queryset[: max(int(limit), 0)]
            except ValueError:
                raise WrongParameter("Wrong value for parameter limit.") from None
        previews = list(selectors.preview_with_task(queryset))
        rows = serialize_rows(PreviewFile.objects.filter(pk__in=[p.pk for p in previews]))
        rows_by_id = {row["id"]: row for row in rows}
        answer = []
        for preview in previews:  # newest first; where each belongs, as Kitsu lists them (§4.7)
            row, task = rows_by_id[preview.pk], preview.task
            row["project_id"] = task.project_id
            row["task_type_id"] = task.task_type_id
            row["full_entity_name"] = selectors.full_entity_name(task.entity)
            answer.append(row)
        return Response(answer)


# ---------------------------------------------------------------------------------------------
# Batch comments (§6.2)

PREVIEW_PART = re.compile(r"^preview_file-(\d+)-(\d+)$")
ATTACHMENT_PART = re.compile(r"^attachment_file-(\d+)-(\d+)$")


class BatchCommentInput(serializers.Serializer):
    task_status_id = serializers.UUIDField()
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)
    task_id = serializers.UUIDField(required=False)
    checklist = serializers.ListField(required=False, default=list)
    links = serializers.ListField(required=False, default=list)
    person_id = serializers.UUIDField(required=False, allow_null=True)
    created_at = serializers.DateTimeField(required=False, allow_null=True)


def _parts_of(files, pattern: re.Pattern, index: int) -> list:
    """The file parts of comment `index`, by their exact names (`preview_file-1-0` is not a
    part of comment 10: Zou matched by substring, §10.24), in file order."""
    found = []
    for name, parts in files.lists():
        match = pattern.match(name)
        if match and int(match[1]) == index:
            found.extend((int(match[2]), part) for part in parts)
    return [part for _, part in sorted(found, key=lambda item: item[0])]


class BatchCommentView(APIView):
    """POST actions/tasks/<id>/batch-comment and actions/tasks/batch-comment: several
    comments at once, each with its previews and attachments; all are written or none."""

    def post(self, request: Request, task_id: str | None = None) -> Response:
        url_task = task_for(request, task_id) if task_id else None
        files = receive_files(
            request, directory=storage.upload_dir(), max_size=settings.MAX_UPLOAD_SIZE
        )
        try:
            entries = [
                self._checked(request, index, values, url_task, files)
                for index, values in enumerate(self._comments(request.data))
            ]
            services.post_comments(entries)
        finally:
            for _, parts in files.lists():  # whatever was not moved into storage
                for part in parts:
                    part.discard()
        return Response([self._answer(entry) for entry in entries], status=201)

    def _comments(self, data) -> list[dict]:
        raw = data.get("comments") if hasattr(data, "get") else None
        if raw is None:
            raise WrongParameter("Missing required parameter: comments")
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise WrongParameter("comments must be a JSON list of comments.") from None
        if not isinstance(raw, list):
            raise WrongParameter("comments must be a JSON list of comments.")
        body = BatchCommentInput(data=raw, many=True)
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _checked(
        self, request, index: int, values: dict, url_task: Task | None, files
    ) -> services.BatchComment:
        """Comment `index` with its task, status and author, once the caller's rights to
        post it are checked (before anything is written)."""
        if url_task is not None:
            task = url_task
        elif values.get("task_id"):
            task = task_for(request, values["task_id"])
        else:
            raise WrongParameter(f"Comment {index} has no task_id.")
        task_status = get_or_404(TaskStatus, values["task_status_id"])
        permissions.check_comment_access(request.user, task, task_status)
        author, created_at = request.user, None
        if permissions.has_manager_project_access(request.user, task.project):
            if values.get("person_id"):
                author = get_or_404(Person, values["person_id"])
            created_at = values.get("created_at")
        return services.BatchComment(
            task=task,
            task_status=task_status,
            author=author,
            text=values["text"],
            checklist=values["checklist"],
            links=values["links"],
            created_at=created_at,
            attachments=_parts_of(files, ATTACHMENT_PART, index),
            previews=_parts_of(files, PREVIEW_PART, index),
        )

    def _answer(self, entry: services.BatchComment) -> dict:
        body = serialize_instance(entry.comment, relations=True)
        body["attachment_files"] = [
            {"id": str(a.pk), "name": a.name, "extension": a.extension, "size": a.size}
            for a in entry.attachment_files
        ]
        body["task_status"] = serialize_instance(entry.task_status)
        body["person"] = serialize_instance(entry.author)
        body["preview_files"] = [serialize_instance(p) for p in entry.preview_files]
        return body
