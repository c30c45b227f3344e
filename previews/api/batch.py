"""POST actions/tasks/<id>/batch-comment and actions/tasks/batch-comment: several comments at
once, each with its previews and attachments, as JSON or as gazu's multipart form."""

import json
import re
from typing import Any

from django.conf import settings
from django.utils.datastructures import MultiValueDict
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles.api.parsers import check_json
from kitsufiles.api.schema import BINARY
from kitsufiles.api.serialization import serialize_instance
from kitsufiles.errors import WrongParameter
from kitsufiles.lookups import get_or_404
from kitsufiles.uploads import HashedUploadedFile, received_files
from previews import services, storage
from production import permissions
from production.models import Person, Task, TaskStatus

PREVIEW_PART = re.compile(r"^preview_file-(\d+)-(\d+)$")
ATTACHMENT_PART = re.compile(r"^attachment_file-(\d+)-(\d+)$")

Files = MultiValueDict[str, HashedUploadedFile]


class BatchCommentInput(serializers.Serializer):
    task_status_id = serializers.UUIDField()
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)
    task_id = serializers.UUIDField(required=False)
    checklist = serializers.ListField(required=False, default=list)
    links = serializers.ListField(required=False, default=list)
    person_id = serializers.UUIDField(required=False, allow_null=True)
    created_at = serializers.DateTimeField(required=False, allow_null=True)


class BatchCommentsInput(serializers.Serializer):
    """The JSON body; gazu's multipart form sends `comments` as JSON text beside the files
    (see BATCH_FORM). For the OpenAPI document: the view validates each comment itself."""

    comments = BatchCommentInput(many=True)


# Files of comment i: preview_file-i-0, preview_file-i-1...; attachment_file-i-0...
BATCH_FORM = {
    "comments": {"type": "string", "description": "The list of comments, as JSON text."},
    **{f"{prefix}-0-0": BINARY for prefix in ("preview_file", "attachment_file")},
}


def _parts_of(files: Files, pattern: re.Pattern[str], index: int) -> list[HashedUploadedFile]:
    """The file parts of comment `index`, by their exact names (`preview_file-1-0` is not a
    part of comment 10: Zou matched by substring; docs/compatibility.md#previews), in file
    order."""
    found: list[tuple[int, HashedUploadedFile]] = []
    for name, parts in files.lists():
        match = pattern.match(name)
        if match and int(match[1]) == index:
            found.extend((int(match[2]), part) for part in parts)
    return [part for _, part in sorted(found, key=lambda item: item[0])]


class BatchCommentView(APIView):
    """All comments are written or none (docs/compatibility.md#previews)."""

    @extend_schema(
        request={
            "application/json": BatchCommentsInput,
            "multipart/form-data": {
                "type": "object",
                "properties": BATCH_FORM,
                "required": ["comments"],
            },
        }
    )
    def post(self, request: Request, task_id: str | None = None) -> Response:
        person = permissions.caller(request)
        url_task = (
            permissions.get_task(person, task_id, access=permissions.Access.ACTION)
            if task_id
            else None
        )
        # Staged: the keys of the attachments and previews are the ids of rows made later.
        with received_files(
            request,
            sink=lambda _field, _name: storage.upload_sink(),
            max_size=settings.MAX_UPLOAD_SIZE,
        ) as files:
            entries = [
                self._checked(request, index, values, url_task, files)
                for index, values in enumerate(self._comments(request.data))
            ]
            services.post_comments(entries)
        return Response([self._answer(entry) for entry in entries], status=201)

    def _comments(self, data: Any) -> list[dict[str, Any]]:
        raw = data.get("comments") if hasattr(data, "get") else None
        if raw is None:
            raise WrongParameter("Missing required parameter: comments")
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except (ValueError, RecursionError):
                raise WrongParameter("comments must be a JSON list of comments.") from None
            # The same bounds as JSON bodies: no value a later read cannot write back.
            check_json(raw)
        if not isinstance(raw, list):
            raise WrongParameter("comments must be a JSON list of comments.")
        body = BatchCommentInput(data=raw, many=True)
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _checked(
        self,
        request: Request,
        index: int,
        values: dict[str, Any],
        url_task: Task | None,
        files: Files,
    ) -> services.BatchComment:
        """Comment `index` with its task, status and author, once the caller's rights to
        post it are checked (before anything is written)."""
        person = permissions.caller(request)
        if url_task is not None:
            task = url_task
        elif values.get("task_id"):
            task = permissions.get_task(person, values["task_id"], access=permissions.Access.ACTION)
        else:
            raise WrongParameter(f"Comment {index} has no task_id.")
        task_status = get_or_404(TaskStatus, values["task_status_id"])
        permissions.check_comment_access(person, task, task_status)
        author, created_at = person, None
        if permissions.may_post_comments_as_others(person, task.project):
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

    def _answer(self, entry: services.BatchComment) -> dict[str, Any]:
        if entry.comment is None:
            raise ValueError("answer of a batch comment that was not posted")
        body = serialize_instance(entry.comment, relations=True)
        body["attachment_files"] = [
            {"id": str(a.pk), "name": a.name, "extension": a.extension, "size": a.size}
            for a in entry.attachment_files
        ]
        body["task_status"] = serialize_instance(entry.task_status)
        body["person"] = serialize_instance(entry.author)
        body["preview_files"] = [serialize_instance(p) for p in entry.preview_files]
        return body
