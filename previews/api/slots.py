"""Preview slots on comments and what is done with a preview once made: add-preview, extra
previews, deletion from a comment, ordering inside a revision, main previews."""

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles.api.conditional import if_match, with_version
from kitsufiles.api.filters import query_flag
from kitsufiles.api.serialization import serialize_instance
from kitsufiles.errors import NotFound, WrongParameter
from kitsufiles.lookups import get_or_404, parse_id
from previews import errors, selectors, services
from previews.api.listings import rows_in_order
from previews.api.lookups import get_preview
from previews.models import PreviewFile
from production import permissions
from production.models import Comment, Person, Task

Access = permissions.Access


def comment_of(task: Task, comment_id: str) -> Comment:
    """A comment of `task`: Zou links a slot to a comment of any task, which lets whoever may
    act on one task write into the comments of any other (docs/compatibility.md#previews)."""
    return get_or_404(selectors.comments_of_task(task), comment_id)


class RevisionInput(serializers.Serializer):
    revision = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class AddPreviewView(APIView):
    """POST actions/tasks/<task>/comments/<comment>/add-preview: an empty preview slot."""

    Input = RevisionInput

    def post(self, request: Request, task_id: str, comment_id: str) -> Response:
        person = permissions.caller(request)
        task = permissions.get_task(person, task_id, access=Access.ACTION)
        comment = comment_of(task, comment_id)
        body = self.Input(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        preview = services.add_preview_slot(
            task=task,
            comment=comment,
            author=person,
            revision=body.validated_data.get("revision"),
        )
        return Response(serialize_instance(preview, relations=True), status=201)


class ExtraPreviewView(APIView):
    """POST: another preview in the revision of <preview>; DELETE: remove <preview>."""

    def post(self, request: Request, task_id: str, comment_id: str, preview_id: str) -> Response:
        person = permissions.caller(request)
        task = permissions.get_task(person, task_id, access=Access.ACTION)
        comment = comment_of(task, comment_id)
        reference = get_or_404(selectors.previews_of_task(task), preview_id)
        preview = services.add_preview_slot(
            task=task, comment=comment, author=person, same_revision_as=reference
        )
        return Response(serialize_instance(preview, relations=True), status=201)

    def delete(self, request: Request, task_id: str, comment_id: str, preview_id: str) -> Response:
        person = permissions.caller(request)
        for value in (task_id, comment_id, preview_id):
            try:
                parse_id(value)
            except NotFound:  # a malformed id: Zou says 400 here
                raise WrongParameter("Wrong UUID format.") from None
        task = get_or_404(Task, task_id)
        preview = get_or_404(PreviewFile, preview_id)
        # Zou only asks for project access; we also ask that the preview belongs to the task
        # of the URL, and action rights on it, and that the comment is the task's too
        # (docs/compatibility.md#previews).
        if preview.task_id != task.pk:
            raise errors.PreviewNotOnTask()
        permissions.check_task(person, task, Access.ACTION)
        comment_of(task, comment_id)
        services.delete_preview(preview=preview, force=query_flag(request.query_params, "force"))
        return Response(status=204)


class UpdatePositionView(APIView):
    """PUT actions/preview-files/<id>/update-position: answers the revision's previews, with
    the moved preview's version as ETag; a stale If-Match is a 412."""

    class Input(serializers.Serializer):
        position = serializers.IntegerField(default=0, min_value=0)

    def put(self, request: Request, preview_id: str) -> Response:
        person = permissions.caller(request)
        body = self.Input(data=request.data)
        body.is_valid(raise_exception=True)
        preview = get_preview(person, preview_id, access=Access.ACTION)
        # The answer is read under the task's lock: its ETag (the moved preview's version,
        # docs/compatibility.md#optimistic-concurrency) and rows name one state.
        with transaction.atomic():
            line = services.update_position(
                preview=preview,
                position=body.validated_data["position"],
                if_match=if_match(request),
            )
            answer = rows_in_order(line)
        moved = next((item for item in line if item.pk == preview.pk), preview)
        return with_version(Response(answer), moved)


# ---------------------------------------------------------------------------------------------
# Main previews


def main_preview_task(person: Person, task_id: str) -> Task:
    """The task whose last preview `person` wants to make its entity's thumbnail."""
    task = permissions.get_task(person, task_id, access=Access.TASK)
    permissions.check_main_preview_access(person, task)
    return task


class TaskSetMainPreviewView(APIView):
    """PUT actions/tasks/<id>/set-main-preview: the task's last preview becomes the
    entity's thumbnail; answers the entity."""

    def put(self, request: Request, task_id: str) -> Response:
        person = permissions.caller(request)
        task = main_preview_task(person, task_id)
        entity = services.set_task_main_preview(task=task)
        return Response(serialize_instance(entity))


class TasksSetMainPreviewView(APIView):
    """PUT actions/tasks/set-main-preview {"task_ids": [...]}: the same for several tasks
    (tasks without preview are skipped); all or nothing (docs/compatibility.md#previews)."""

    class Input(serializers.Serializer):
        task_ids = serializers.ListField(child=serializers.CharField(), min_length=1)

    def put(self, request: Request) -> Response:
        person = permissions.caller(request)
        body = self.Input(data=request.data)
        body.is_valid(raise_exception=True)
        tasks = [main_preview_task(person, task_id) for task_id in body.validated_data["task_ids"]]
        entities = services.set_tasks_main_previews(tasks=tasks)
        return Response([serialize_instance(entity) for entity in entities])


class PreviewSetMainPreviewView(APIView):
    """PUT actions/preview-files/<id>/set-main-preview: this preview becomes its entity's
    thumbnail, from frame `frame_number` of a movie if given; answers the entity."""

    class Input(serializers.Serializer):
        frame_number = serializers.IntegerField(required=False, allow_null=True)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "frame_number",
                OpenApiTypes.INT,
                OpenApiParameter.QUERY,
                description="The frame of a movie to make the thumbnail from (numbered "
                "from 1), when the body gives none.",
            )
        ]
    )
    def put(self, request: Request, preview_id: str) -> Response:
        person = permissions.caller(request)
        data = request.data if isinstance(request.data, dict) else {}
        # The body's frame_number, else the query string's: Zou reads the query string only
        # when there is no JSON body, so `?frame_number=10` with `{}` lost the frame
        # (docs/compatibility.md#previews).
        if data.get("frame_number") is None and "frame_number" in request.query_params:
            data = {"frame_number": request.query_params["frame_number"]}
        body = self.Input(data=data)
        body.is_valid(raise_exception=True)
        preview = get_preview(person, preview_id, access=Access.TASK)
        permissions.check_main_preview_access(person, preview.task)
        frame = body.validated_data.get("frame_number")
        if frame is not None:
            services.use_frame_as_thumbnail(preview=preview, frame_number=frame)
        entity = services.set_main_preview(preview=preview)
        return Response(serialize_instance(entity))
