"""Upload of a preview's media and delivery of every stored file: streamed from storage with
ranges, validators and a private 7-day cache.

Browsers' <img> and <video> tags authenticate with the access_token_cookie cookie, which the
authentication class accepts on GET and HEAD, or with the browsable pages' session cookie
(MEDIA_AUTHENTICATION, GET and HEAD too)."""

from typing import IO

from django.conf import settings
from django.http import HttpResponseBase, JsonResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles.api.authentication import MEDIA_AUTHENTICATION
from kitsufiles.api.filters import query_flag
from kitsufiles.api.inputs import stated_sha256
from kitsufiles.api.schema import file_answer, flag, upload_body
from kitsufiles.api.serialization import serialize_instance
from kitsufiles.downloads import attachment_disposition, file_response
from kitsufiles.errors import NotFound
from kitsufiles.media_store import serve_stored
from kitsufiles.uploads import received_files
from previews import errors, selectors, services, storage
from previews.api.lookups import (
    ANNOTATED_PREVIEWS,
    DOWNLOAD_PREVIEWS,
    MEDIA_PREVIEWS,
    find_preview,
    get_preview,
    get_preview_thumbnail,
)
from previews.models import PreviewFile, PreviewStatus
from previews.services import annotated_frames
from production import permissions
from production.models import Person

MOVIE_TYPE = "video/mp4"
PNG_TYPE = "image/png"
PDF_TYPE = "application/pdf"
OTHER_TYPE = "application/octet-stream"
PROCESSING_RETRY_AFTER = 5

# ---------------------------------------------------------------------------------------------
# Upload


class UploadView(APIView):
    """POST pictures/preview-files/<id>: the media of an empty preview (multipart `file`).

    `?normalize=false` keeps a movie as uploaded (no re-encode); `?no_job=true` processes in
    the request instead of the job cluster."""

    @upload_body(checked=True)
    @extend_schema(
        parameters=[
            flag("normalize", "false: keep a movie as uploaded (true by default)."),
            flag("no_job", "Process in the request rather than in the job cluster."),
            flag(
                "sequence",
                "true: a zip or tar of numbered pictures becomes a movie, one frame per "
                "picture; false: it stays a file. Absent: a movie when the archive holds "
                "only numbered pictures.",
            ),
            OpenApiParameter(
                "color_space",
                str,
                description="The OpenColorIO colour space of an EXR, DPX, TIFF... picture or "
                "sequence (recorded as data.color_space); absent: the project's, else "
                "guessed from the file.",
            ),
            OpenApiParameter(
                "layer",
                str,
                description="The layer of a multi-layer EXR to show (data.layer); absent: "
                "the beauty (R, G, B).",
            ),
        ]
    )
    def post(self, request: Request, preview_id: str) -> Response:
        # Zou's order: an uploaded preview is refused before the caller's rights are checked.
        person = permissions.caller(request)
        preview = find_preview(preview_id)
        if preview.is_uploaded:
            raise errors.AlreadyUploaded()
        permissions.check_task_or_admin(person, preview.task, permissions.Access.ACTION)
        stated_sha256(request, form=False)  # a malformed header is refused before the body
        params = request.query_params
        inline = query_flag(params, "no_job")
        options = services.upload_options(params)  # refused before the body is read
        with received_files(
            request,
            # On an object store `file` goes straight to the key its extension gives.
            sink=lambda field, name: services.upload_sink(
                preview.pk, name if field == "file" else None
            ),
            max_size=settings.MAX_UPLOAD_SIZE,
        ) as files:
            upload = files.get("file")
            if upload is None:
                raise errors.FileNotProvided()
            preview = services.receive_media(
                preview=preview,
                upload=upload,
                inline=inline,
                expected_sha256=stated_sha256(request),
                **options,
            )
        if inline:
            preview = services.process_inline(preview=preview)
        return Response(serialize_instance(preview), status=201)


# ---------------------------------------------------------------------------------------------
# Delivery


def _prefers_json(request: Request) -> bool:
    """True when the Accept header ranks JSON above pictures and movies (gazu's does; a
    browser's <img> or <video> does not)."""
    weights: dict[str, float] = {}
    for part in request.META.get("HTTP_ACCEPT", "").split(","):
        media_type, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        weights[media_type.strip().lower()] = quality

    def weight(*types: str) -> float:
        return max((weights[t] for t in types if t in weights), default=0.0)

    json = weight("application/json")
    media = weight("image/png", "image/*", "video/mp4", "video/*", "*/*")
    return json > 0 and json > media


def _not_there(request: Request, preview: PreviewFile) -> JsonResponse:
    """No stored file: 202 while processing for clients that poll (gazu waits on it), else
    404. Neither may be cached: the file is coming."""
    if preview.status == PreviewStatus.PROCESSING:
        if _prefers_json(request):
            response = JsonResponse(
                {"status": "processing", "preview_file_id": str(preview.pk)}, status=202
            )
            response["Retry-After"] = str(PROCESSING_RETRY_AFTER)
        else:
            response = JsonResponse(
                {"error": True, "message": "Preview file was not found."}, status=404
            )
        response["Cache-Control"] = "no-store"
        return response
    raise NotFound()


def serve(
    request: Request,
    preview: PreviewFile,
    opened: storage.OpenedMedia | None,
    *,
    content_type: str,
    disposition: str = 'inline; filename=""',
    redirect: bool = False,
) -> HttpResponseBase:
    """The stored file `opened` (or the answer for a preview without it). No byte of the file
    is read to answer: the length and the ETag come from the open file's fstat (an object's
    HEAD), the Last-Modified from the row (docs/decisions/media-delivery.md). `redirect`: a
    large file, which FS_SIGNED_URL_SECONDS sends to the object store (media_store)."""
    if opened is None:
        return _not_there(request, preview)
    return serve_stored(
        request,
        opened,
        last_modified=preview.updated_at,
        content_type=content_type,
        disposition=disposition,
        redirect=redirect,
    )


def _task_media_preview(person: Person, preview_id: str) -> PreviewFile:
    """The preview with what the media routes read, once `person` has task access."""
    return get_preview(
        person,
        preview_id,
        access=permissions.Access.TASK,
        lookup=MEDIA_PREVIEWS,
    )


class MovieView(APIView):
    """GET movies/{originals,low,source}/preview-files/<id>.mp4 (and originals' /download)."""

    authentication_classes = MEDIA_AUTHENTICATION

    route = "originals"
    attachment = False

    @file_answer(MOVIE_TYPE, processing=True)
    def get(self, request: Request, preview_id: str) -> HttpResponseBase:
        if self.attachment:
            return _download(request, preview_id, kind="mp4")
        preview = _task_media_preview(permissions.caller(request), preview_id)
        opened = selectors.opened_movie(preview, self.route)
        return serve(request, preview, opened, content_type=MOVIE_TYPE, redirect=True)


class PictureView(APIView):
    """GET pictures/{thumbnails,thumbnails-square,originals,previews}/preview-files/<id>.png
    and movies/tiles/preview-files/<id>.png."""

    authentication_classes = MEDIA_AUTHENTICATION

    prefix = "thumbnails"
    # Thumbnails of a shared asset's main preview are for everyone but vendors; the other
    # pictures (the 1200-wide poster, the tile sheet) need task access.
    shared_asset_rule = True

    @file_answer(PNG_TYPE, processing=True)
    def get(self, request: Request, preview_id: str) -> HttpResponseBase:
        if self.shared_asset_rule:
            preview = get_preview_thumbnail(
                permissions.caller(request), preview_id, lookup=MEDIA_PREVIEWS
            )
        else:
            preview = _task_media_preview(permissions.caller(request), preview_id)
        opened = storage.open_stored(storage.picture(self.prefix, preview.pk))
        return serve(request, preview, opened, content_type=PNG_TYPE)


def _other_file_type(extension: str) -> str:
    return PDF_TYPE if extension == "pdf" else OTHER_TYPE


class OriginalFileView(APIView):
    """GET pictures/originals/preview-files/<id>.<extension>: a picture's PNG original (for
    `.png`) or an other file's stored bytes (pdf, glb, zip...)."""

    authentication_classes = MEDIA_AUTHENTICATION

    @file_answer(PNG_TYPE, PDF_TYPE, OTHER_TYPE, processing=True)
    def get(self, request: Request, preview_id: str, extension: str) -> HttpResponseBase:
        person = permissions.caller(request)
        extension = extension.lower()
        if services.media_kind(extension) not in ("picture", "other"):
            raise errors.ExtensionNotAllowed(extension)
        preview = _task_media_preview(person, preview_id)
        if extension == "png":
            opened = storage.open_stored(storage.picture("original", preview.pk))
            return serve(request, preview, opened, content_type=PNG_TYPE, redirect=True)
        opened = storage.open_stored(storage.other_file(preview.pk))
        content_type = _other_file_type(extension)
        return serve(request, preview, opened, content_type=content_type, redirect=True)


def _download(request: Request, preview_id: str, *, kind: str | None) -> HttpResponseBase:
    """A preview's main file as an attachment named after its task (selectors.download_name):
    the movie for `kind` "mp4", else the file the preview's extension says, but for a picture
    or movie made from an upload kept as it came (an EXR, a sequence's zip): that upload,
    byte for byte (docs/compatibility.md#vfx-pictures-and-image-sequences)."""
    preview = get_preview(
        permissions.caller(request),
        preview_id,
        access=permissions.Access.TASK,
        lookup=DOWNLOAD_PREVIEWS,
    )
    kept = None if kind else selectors.kept_upload_extension(preview)
    # Named before anything is opened: nothing is left open if naming fails.
    disposition = attachment_disposition(selectors.download_name(preview, kept))
    extension = kind or preview.extension or ""
    if kept is not None:
        opened = storage.open_stored(storage.other_file(preview.pk))
        content_type = _other_file_type(kept)
    elif extension == "png":
        opened = storage.open_stored(storage.picture("original", preview.pk))
        content_type = PNG_TYPE
    elif extension == "mp4":
        opened = selectors.opened_movie(preview, "originals")
        content_type = MOVIE_TYPE
    else:
        opened = storage.open_stored(storage.other_file(preview.pk))
        content_type = _other_file_type(extension)
    return serve(
        request,
        preview,
        opened,
        content_type=content_type,
        disposition=disposition,
        redirect=True,
    )


class OriginalDownloadView(APIView):
    """GET pictures/originals/preview-files/<id>/download: the preview's main file as an
    attachment, chosen by its extension."""

    authentication_classes = MEDIA_AUTHENTICATION

    @file_answer(PNG_TYPE, MOVIE_TYPE, PDF_TYPE, OTHER_TYPE, processing=True)
    def get(self, request: Request, preview_id: str) -> HttpResponseBase:
        return _download(request, preview_id, kind=None)


# ---------------------------------------------------------------------------------------------
# Annotated frames (contract §4.5, §6.12): pictures only for now, see
# docs/compatibility.md#annotated-frames.

ZIP_TYPE = "application/zip"


class FrameNumberQuery(serializers.Serializer):
    # Zou validates it with pydantic (an int of at least 1) before looking at the preview.
    frame_number = serializers.IntegerField(required=False, min_value=1)


def _annotated_preview(request: Request, preview_id: str) -> PreviewFile:
    """The preview, once the caller has manager access to its project (contract §6.12)."""
    return get_preview(
        permissions.caller(request),
        preview_id,
        access=permissions.Access.MANAGER,
        lookup=ANNOTATED_PREVIEWS,
    )


def _generated(
    request: Request, output: IO[bytes], *, content_type: str, disposition: str
) -> HttpResponseBase:
    """A file made for this request, streamed; not cached (the drawings change)."""
    # Measured by seeking: asking a spooled file for its descriptor would write it to disk.
    size = output.seek(0, 2)
    output.seek(0)
    return file_response(
        request,
        output,
        size=size,
        etag=None,
        last_modified=None,
        content_type=content_type,
        disposition=disposition,
        cache="private",
        max_age=0,
    )


class AnnotatedFrameView(APIView):
    """GET actions/preview-files/<id>/extract-annotated-frame: the first annotation drawn on
    the picture (PNG)."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "frame_number",
                int,
                description="The frame of a movie (at least 1); ignored for pictures.",
            )
        ]
    )
    @file_answer(PNG_TYPE)
    def get(self, request: Request, preview_id: str) -> HttpResponseBase:
        query = FrameNumberQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        preview = _annotated_preview(request, preview_id)
        output = annotated_frames.annotated_frame(
            preview, frame_number=query.validated_data.get("frame_number")
        )
        return _generated(request, output, content_type=PNG_TYPE, disposition='inline; filename=""')


class AnnotatedFramesView(APIView):
    """GET actions/preview-files/<id>/extract-annotated-frames (zip of PNGs) and
    .../extract-annotated-frames-pdf (one page per annotation)."""

    pdf = False

    @file_answer(ZIP_TYPE, PDF_TYPE)
    def get(self, request: Request, preview_id: str) -> HttpResponseBase:
        preview = _annotated_preview(request, preview_id)
        if self.pdf:
            name, output = annotated_frames.annotated_frames_pdf(preview)
        else:
            name, output = annotated_frames.annotated_frames_zip(preview)
        return _generated(
            request,
            output,
            content_type=PDF_TYPE if self.pdf else ZIP_TYPE,
            disposition=attachment_disposition(name),
        )
