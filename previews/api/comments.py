"""Commenting on a task, with attachments, and the attachments' contents.

POST actions/tasks/<id>/comment takes JSON, or gazu's multipart form when the comment has
attachments (`gazu.task.add_comment(..., attachments=[...])`: parts `file`, `file-1`...,
the other fields as text). The route lives here, not in production, because the attachments'
bytes live in the previews storage (files bucket, `attachments-<id>`)."""

import io
import json
from typing import Any

from django.conf import settings
from django.http import HttpResponseBase
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles.api.crud import request_body
from kitsufiles.api.inputs import validated
from kitsufiles.api.parsers import check_json
from kitsufiles.api.schema import BINARY, file_answer, upload_body
from kitsufiles.api.serialization import serialize_instance, serialize_rows
from kitsufiles.downloads import attachment_disposition, file_response
from kitsufiles.errors import NotFound, WrongParameter
from kitsufiles.lookups import get_or_404
from kitsufiles.media_store import serve_stored
from kitsufiles.stores.objects import UploadSink
from kitsufiles.uploads import HashedUploadedFile, received_files
from previews import selectors, services, storage
from production import permissions
from production import selectors as production_selectors
from production.models import AttachmentFile, Person, Task, TaskStatus

Access = permissions.Access

# The form of a comment with attachments (gazu: the last path is `file`, the others
# `file-1`, `file-2`...; any other file part is taken too, as Zou takes every file).
COMMENT_FORM = {
    "task_status_id": {"type": "string", "format": "uuid"},
    "comment": {"type": "string"},
    "checklist": {"type": "string", "description": "A JSON list, as text."},
    "links": {"type": "string", "description": "A JSON list, as text."},
    "for_client": {"type": "string"},
    "person_id": {"type": "string", "format": "uuid"},
    "created_at": {"type": "string", "format": "date-time"},
    "file": BINARY,
}


class TaskCommentInput(serializers.Serializer):
    task_status_id = serializers.UUIDField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    # The stubs allow only a mapping as a JSON field's default; any JSON value is valid. In a
    # form, DRF reads the field's text as JSON.
    checklist = serializers.JSONField(required=False, default=list)  # type: ignore[arg-type]
    links = serializers.JSONField(required=False, default=list)  # type: ignore[arg-type]
    for_client = serializers.BooleanField(required=False, default=False)
    person_id = serializers.UUIDField(required=False, allow_null=True)
    created_at = serializers.DateTimeField(required=False, allow_null=True)


def _is_multipart(request: Request) -> bool:
    return (request.content_type or "").startswith("multipart/form-data")


def _form_lists(request: Request, data: dict[str, Any]) -> dict[str, Any]:
    """A form carries the checklist and links as JSON text (gazu json.dumps them): read as
    the lists they are, as Zou does; text that is not JSON is a 400."""
    if not _is_multipart(request):
        return data
    data = dict(data)
    for key in ("checklist", "links"):
        if isinstance(data.get(key), str):
            try:
                data[key] = json.loads(data[key])
            except (ValueError, RecursionError):
                raise WrongParameter(f"{key} must be a JSON list.") from None
            check_json(data[key])
    return data


def _attachment_rows(attachments: list[AttachmentFile]) -> list[dict[str, Any]]:
    """The rows of `attachments` (one query), in their order."""
    rows = serialize_rows(AttachmentFile.objects.filter(pk__in=[a.pk for a in attachments]))
    by_id = {row["id"]: row for row in rows}
    return [by_id[attachment.pk] for attachment in attachments]


def staged(_field: str, _name: str | None) -> UploadSink:
    """Attachments are staged while they arrive: their keys are the ids of rows made later."""
    return storage.upload_sink()


class CommentTaskView(APIView):
    """POST actions/tasks/<id>/comment: comment (with attachments) and set the task's status
    (201). The answer is the comment with `attachment_files`: the rows of its attachments."""

    @extend_schema(
        request={
            "application/json": TaskCommentInput,
            "multipart/form-data": {
                "type": "object",
                "properties": COMMENT_FORM,
                "required": ["task_status_id"],
            },
        }
    )
    def post(self, request: Request, task_id: str) -> Response:
        person = permissions.caller(request)
        if not _is_multipart(request):
            # Zou's order: an unknown task 404, a bad body 400, an unknown status 404, then
            # the caller's rights (403).
            task = get_or_404(production_selectors.tasks_with_project(), task_id)
            return self._comment(request, person, task, [])
        # Files are read only from someone who may comment on the task at all (the status
        # rule follows once the form is read).
        task = permissions.get_task(person, task_id, access=Access.TASK)
        with received_files(request, sink=staged, max_size=settings.MAX_UPLOAD_SIZE) as files:
            uploads = [part for _, parts in files.lists() for part in parts]
            return self._comment(request, person, task, uploads)

    def _comment(
        self, request: Request, person: Person, task: Task, uploads: list[HashedUploadedFile]
    ) -> Response:
        values = validated(TaskCommentInput, _form_lists(request, request_body(request)))
        task_status = get_or_404(TaskStatus, values["task_status_id"])
        # The rule depends on the status the body names, so it is checked once that is known
        # (a bad body or an unknown status answers 400/404 first).
        permissions.check_comment_access(person, task, task_status)
        author = permissions.comment_author(person, task, values.get("person_id"))
        (entry,) = services.post_comments(
            [
                services.BatchComment(
                    task=task,
                    task_status=task_status,
                    author=author,
                    text=values["comment"],
                    checklist=values["checklist"],
                    links=values["links"],
                    for_client=values["for_client"],
                    created_at=permissions.comment_date(person, author, values.get("created_at")),
                    attachments=uploads,
                )
            ]
        )
        if entry.comment is None:
            raise ValueError("answer of a comment that was not posted")
        body = serialize_instance(entry.comment, relations=True)
        body["attachment_files"] = _attachment_rows(entry.attachment_files)
        return Response(body, status=201)


class AddAttachmentView(APIView):
    """POST actions/tasks/<id>/comments/<id>/add-attachment: more attachments on a comment
    (gazu's add_attachment_files_to_comment: parts `file`, `file-1`...); 201 with the new
    attachments' rows. The comment must be the task's (404); its author or the project's
    managers may add to it (docs/compatibility.md#attachments)."""

    @upload_body()
    def post(self, request: Request, task_id: str, comment_id: str) -> Response:
        person = permissions.caller(request)
        task = permissions.get_task(person, task_id, access=Access.TASK)
        comment = get_or_404(selectors.comments_of_task(task), comment_id)
        permissions.check_attachment_addition(person, comment.person_id, task.project)
        if not _is_multipart(request):
            raise WrongParameter("No file was sent.")
        with received_files(request, sink=staged, max_size=settings.MAX_UPLOAD_SIZE) as files:
            uploads = [part for _, parts in files.lists() for part in parts]
            if not uploads:
                raise WrongParameter("No file was sent.")
            attachments = services.attach_files(comment=comment, uploads=uploads)
        return Response(_attachment_rows(attachments), status=201)


# What the browser may show in place (Kitsu opens attachments in a tab); any other type is
# sent as a download of bytes, so that an uploaded page or script never runs in the API's
# origin (docs/compatibility.md#attachments).
INLINE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "video/mp4",
        "video/webm",
        "video/quicktime",
        "audio/mpeg",
        "audio/wav",
        "audio/ogg",
    }
)
OTHER_TYPE = "application/octet-stream"

ATTACHMENTS = permissions.Lookup(
    lambda: AttachmentFile.objects.select_related("comment__object"),
    project="comment__object__project_id",
)


class AttachmentFileView(APIView):
    """GET data/attachment-files/<id>/file/<name>: the attachment's bytes exactly as
    uploaded, with ranges and validators. The name in the path is the client's (gazu puts
    the row's); the row's own name is the one sent. Task access on the comment's task."""

    @file_answer(OTHER_TYPE, *sorted(INLINE_TYPES))
    def get(self, request: Request, attachment_id: str, file_name: str = "") -> HttpResponseBase:
        person = permissions.caller(request)
        attachment = ATTACHMENTS.fetch(person, attachment_id)
        permissions.check_task(person, attachment.comment.object, Access.TASK)
        mimetype = (attachment.mimetype or "").split(";")[0].strip().lower()
        if mimetype in INLINE_TYPES:
            content_type, disposition = mimetype, attachment_disposition(attachment.name, "inline")
        else:
            content_type, disposition = OTHER_TYPE, attachment_disposition(attachment.name)
        opened = storage.open_stored(storage.attachment(attachment.pk))
        if opened is None:
            if attachment.size != 0:
                raise NotFound()
            # An empty attachment has no stored length to open (open_stored: "not found").
            return file_response(
                request,
                io.BytesIO(),
                size=0,
                etag="attachments-0",
                last_modified=attachment.updated_at,
                content_type=content_type,
                disposition=disposition,
                cache="private",
                max_age=settings.CLIENT_CACHE_MAX_AGE,
            )
        return serve_stored(
            request,
            opened,
            last_modified=attachment.updated_at,
            content_type=content_type,
            disposition=disposition,
            redirect=True,
        )
