"""Preview background files (HDR environments for Kitsu's 3D viewer): the generic CRUD
(`data/preview-background-files`), the upload, the download by extension, the thumbnail, and
a project's backgrounds (`data/projects/<id>/settings/preview-background-files`).

Access (production/permissions/__init__.py): anyone logged in reads backgrounds and their
files; admins write them; a project's team reads its backgrounds, its managers change them."""

from typing import Any

from django.conf import settings
from django.http import HttpResponseBase
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles.api.crud import CrudResource, request_body
from kitsufiles.api.schema import file_answer, upload_body
from kitsufiles.api.serialization import Row, serialize_instance, serialize_rows
from kitsufiles.downloads import inline_disposition
from kitsufiles.errors import NotFound
from kitsufiles.lookups import get_or_404
from kitsufiles.media_store import serve_stored
from kitsufiles.uploads import received_files
from previews import errors, selectors, storage
from previews.models import PreviewBackgroundFile
from previews.services import backgrounds as services
from production import permissions
from production.models import Project

PNG_TYPE = "image/png"
# By stored extension; anything else is served as octet-stream (Zou).
CONTENT_TYPES = {
    "hdr": "image/vnd.radiance",
    "png": PNG_TYPE,
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
OTHER_TYPE = "application/octet-stream"


# ---------------------------------------------------------------------------------------------
# CRUD


def _create(*, person: Any, values: dict[str, Any]) -> PreviewBackgroundFile:
    return services.create_background(values=values)


def _update(
    *, person: Any, instance: PreviewBackgroundFile, values: dict[str, Any]
) -> PreviewBackgroundFile:
    return services.update_background(background=instance, values=values)


def _delete(*, person: Any, instance: PreviewBackgroundFile, force: bool) -> None:
    services.delete_background(background=instance, force=force)


RESOURCES = [
    CrudResource(
        PreviewBackgroundFile,
        "preview-background-files",
        permissions.AdminWritePolicy(),
        create=_create,
        update=_update,
        delete=_delete,
    )
]


# ---------------------------------------------------------------------------------------------
# Files


def _serve(
    request: Request,
    background: PreviewBackgroundFile,
    media: storage.Media,
    *,
    content_type: str,
    disposition: str = 'inline; filename=""',
    redirect: bool = False,
) -> HttpResponseBase:
    """The stored file `media` of `background`, as previews/api/media.py serves preview
    media: ETag from the open file's metadata, Last-Modified from the row, ranges."""
    opened = storage.open_stored(media)
    if opened is None:
        raise NotFound()
    return serve_stored(
        request,
        opened,
        last_modified=background.updated_at,
        content_type=content_type,
        disposition=disposition,
        redirect=redirect,
    )


class UploadView(APIView):
    """POST pictures/preview-background-files/<id>: the environment (multipart `file`: .hdr,
    .exr, .png or .jpg), kept as sent, and its 300x200 thumbnail. Admins only."""

    @upload_body()
    def post(self, request: Request, background_id: str) -> Response:
        permissions.check_admin(permissions.caller(request))  # Zou: before the look-up
        background = get_or_404(PreviewBackgroundFile, background_id)
        # A local file: the picture is decoded for its thumbnail before it is stored.
        with received_files(
            request,
            sink=lambda _field, _name: storage.readable_upload_sink(),
            max_size=settings.MAX_UPLOAD_SIZE,
        ) as files:
            upload = files.get("file")
            if upload is None:
                raise errors.FileNotProvided()
            background = services.receive_background_file(background=background, upload=upload)
        return Response(serialize_instance(background), status=201)


class FileView(APIView):
    """GET pictures/preview-background-files/<id>.<extension>: the uploaded file, when the
    extension is the stored one (else 404, as Zou)."""

    @file_answer(*CONTENT_TYPES.values(), OTHER_TYPE)
    def get(self, request: Request, background_id: str, extension: str) -> HttpResponseBase:
        permissions.caller(request)
        background = get_or_404(PreviewBackgroundFile, background_id)
        extension = extension.lower()
        if not background.extension or extension != background.extension:
            raise NotFound()
        name = f"{background.original_name or ''}.{extension}"
        return _serve(
            request,
            background,
            storage.background(background.pk),
            content_type=CONTENT_TYPES.get(extension, OTHER_TYPE),
            disposition=inline_disposition(name),
            redirect=True,
        )


class ThumbnailView(APIView):
    """GET pictures/thumbnails/preview-background-files/<id>.png: the 300x200 thumbnail."""

    @file_answer(PNG_TYPE)
    def get(self, request: Request, background_id: str) -> HttpResponseBase:
        permissions.caller(request)
        background = get_or_404(PreviewBackgroundFile, background_id)
        return _serve(
            request,
            background,
            storage.picture("thumbnails", background.pk),
            content_type=PNG_TYPE,
        )


# ---------------------------------------------------------------------------------------------
# A project's backgrounds


def project_body(project: Project) -> Row:
    """The project's row with its backgrounds (ids) and its default one, as Zou answers
    (both added by `selectors.add_project_backgrounds`)."""
    return serialize_instance(project, relations=True)


def _background_named(body: dict[str, Any], key: str) -> PreviewBackgroundFile | None:
    value = body.get(key)
    if value in (None, ""):
        return None
    return get_or_404(PreviewBackgroundFile, value)


class ProjectBackgroundsView(APIView):
    """GET/POST data/projects/<id>/settings/preview-background-files."""

    Input = {
        "type": "object",
        "properties": {"preview_background_file_id": {"type": "string", "format": "uuid"}},
        "required": ["preview_background_file_id"],
    }

    def get(self, request: Request, project_id: str) -> Response:
        person = permissions.caller(request)
        project = permissions.get_project(person, project_id, access=permissions.Access.PROJECT)
        rows = selectors.project_backgrounds(project.pk).order_by("name", "pk")
        return Response(serialize_rows(rows))

    def post(self, request: Request, project_id: str) -> Response:
        person = permissions.caller(request)
        project = permissions.get_project(person, project_id, access=permissions.Access.MANAGER)
        key = "preview_background_file_id"
        background = _background_named(request_body(request), key)
        if background is None:
            raise serializers.ValidationError({key: ["This field is required."]})
        services.add_to_project(project=project, background=background)
        return Response(project_body(project), status=201)


class ProjectBackgroundView(APIView):
    """DELETE data/projects/<id>/settings/preview-background-files/<background id>."""

    def delete(self, request: Request, project_id: str, background_id: str) -> Response:
        person = permissions.caller(request)
        project = permissions.get_project(person, project_id, access=permissions.Access.MANAGER)
        background = get_or_404(PreviewBackgroundFile, background_id)
        services.remove_from_project(project=project, background=background)
        return Response(status=204)


class ProjectDefaultBackgroundView(APIView):
    """PUT data/projects/<id>/default-preview-background-file: the project's default
    background (`{"default_preview_background_file_id": <id or null>}`), the shape of Zou's
    project-template route; the background joins the project's list if it was not in it."""

    Input = {
        "type": "object",
        "properties": {
            "default_preview_background_file_id": {
                "type": "string",
                "format": "uuid",
                "nullable": True,
            }
        },
        "required": ["default_preview_background_file_id"],
    }

    def put(self, request: Request, project_id: str) -> Response:
        person = permissions.caller(request)
        project = permissions.get_project(person, project_id, access=permissions.Access.MANAGER)
        body = request_body(request)
        key = "default_preview_background_file_id"
        if key not in body:
            raise serializers.ValidationError({key: ["This field is required."]})
        background = _background_named(body, key)
        services.set_project_default(project=project, background=background)
        return Response(project_body(project))
