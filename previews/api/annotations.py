"""Reviewers' drawings on a preview: PUT actions/preview-files/<id>/update-annotations."""

from typing import Any

from django.db import transaction
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles.api.conditional import if_match, with_version
from kitsufiles.api.serialization import serialize_instance
from previews import errors, services
from previews.api.lookups import get_preview
from production import permissions

_OBJECTS = {
    "type": "array",
    "items": {"type": "object", "description": "A fabric.js object; `id` given if missing."},
}
_DRAWN = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "time": {"type": "number", "minimum": 0, "description": "Seconds."},
            "drawing": {"type": "object", "properties": {"objects": _OBJECTS}},
        },
        "required": ["time", "drawing"],
    },
}


class UpdateAnnotationsView(APIView):
    """Add, change and remove drawings, under the preview's row lock; answers the preview
    with its new `annotations` (each entry with its `frame`) and its `ETag`. An `If-Match`
    naming another version is refused (412) and changes nothing."""

    Input = {
        "type": "object",
        "properties": {
            "additions": _DRAWN,
            "updates": _DRAWN,
            "deletions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "time": {"type": "number", "minimum": 0},
                        "objects": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["time"],
                },
            },
        },
    }

    def put(self, request: Request, preview_id: str) -> Response:
        person = permissions.caller(request)
        preview = get_preview(person, preview_id, access=permissions.Access.PROJECT)
        permissions.check_annotation_access(person, preview.task)
        body = _body(request.data)
        # The answer is read before the lock is let go: it shows the list this save left,
        # the version its ETag names, not a later reviewer's.
        with transaction.atomic():
            preview = services.update_annotations(
                preview=preview,
                additions=body.get("additions"),
                updates=body.get("updates"),
                deletions=body.get("deletions"),
                if_match=if_match(request),
            )
            answer = serialize_instance(preview)
        return with_version(Response(answer), preview)


def _body(data: Any) -> dict[str, Any]:
    """The changes: a JSON object (each list defaults to empty: gazu sends only the lists it
    is given); a form body's values are single strings, which the service refuses as
    lists."""
    if hasattr(data, "dict"):
        data = data.dict()
    if not isinstance(data, dict):
        raise errors.InvalidAnnotations(
            'The body must be an object: {"additions": [...], "updates": [...], '
            '"deletions": [...]}.'
        )
    return data
