"""Pictures made on demand from a preview's stored movie: one exact frame (extract-frame) and
the scrubbing tile sheet made again (extract-tile).

Both answer a file made for the request, so not cacheable (`Cache-Control: no-cache`, as
Zou's answers built from a temporary file); the tile is also stored, where
movies/tiles/preview-files/<id>.png serves it.
"""

from pathlib import Path

from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from kitsufiles.api.schema import file_answer
from kitsufiles.downloads import file_response
from kitsufiles.errors import WrongParameter
from previews import errors, services, storage
from previews.api.lookups import MEDIA_PREVIEWS, get_preview
from production import permissions

PNG_TYPE = "image/png"

FRAME_NUMBER = OpenApiParameter(
    "frame_number",
    OpenApiTypes.INT,
    OpenApiParameter.QUERY,
    description="The frame, numbered from 1 (0, the default, is the first frame too).",
)


def frame_number_of(value: str | None) -> int:
    """extract-frame's `frame_number`: Zou's default 0 (the first frame); anything but an
    integer is Zou's 400."""
    if value is None or value == "":
        return 0
    try:
        return int(value)
    except ValueError:
        raise WrongParameter("Wrong value for parameter frame_number.") from None


def _made_file(request: Request, path: Path, name: str) -> HttpResponseBase:
    """A file made for this request, streamed and not cacheable. The open handle keeps the
    bytes readable once the scratch folder holding the file is removed."""
    handle = open(path, "rb")  # noqa: SIM115 (the response closes it)
    return file_response(
        request,
        handle,
        etag=None,
        last_modified=None,
        content_type=PNG_TYPE,
        disposition=f"inline; filename={name}",
        cache="no-cache",
        max_age=0,
    )


class ExtractFrameView(APIView):
    """GET actions/preview-files/<id>/extract-frame?frame_number=N: frame N of the movie as a
    PNG at the movie's raster (manager project access, as Zou)."""

    @extend_schema(parameters=[FRAME_NUMBER])
    @file_answer(PNG_TYPE)
    def get(self, request: Request, preview_id: str) -> HttpResponseBase:
        person = permissions.caller(request)
        preview = get_preview(
            person, preview_id, access=permissions.Access.MANAGER, lookup=MEDIA_PREVIEWS
        )
        frame_number = frame_number_of(request.query_params.get("frame_number"))
        with storage.scratch_dir(prefix=f"{preview.pk}-extract-") as workdir:
            path = services.write_frame(preview=preview, frame_number=frame_number, workdir=workdir)
            return _made_file(request, path, path.name)


class ExtractTileView(APIView):
    """GET actions/preview-files/<id>/extract-tile: the tile sheet made again from the stored
    movie, stored, and answered (task access, as Zou)."""

    @file_answer(PNG_TYPE)
    def get(self, request: Request, preview_id: str) -> HttpResponseBase:
        person = permissions.caller(request)
        preview = get_preview(
            person, preview_id, access=permissions.Access.TASK, lookup=MEDIA_PREVIEWS
        )
        services.extract_tile(preview=preview)
        opened = storage.open_stored(storage.picture("tiles", preview.pk))
        if opened is None:  # removed meanwhile (the preview was deleted)
            raise errors.BinaryNotAvailable()
        return file_response(
            request,
            opened.file,
            size=opened.size,
            etag=None,
            last_modified=None,
            content_type=PNG_TYPE,
            disposition=f"inline; filename={preview.pk}_tile.png",
            cache="no-cache",
            max_age=0,
        )
