"""The tus 1.0 routes of resumable uploads (docs/resumable-uploads.md), one pair per target
(resumable/targets.py):

- `<target route>`: OPTIONS (what the server speaks), POST (create an upload; with a first
  chunk when the body is application/offset+octet-stream: creation-with-upload);
- `<target route>/<upload id>`: HEAD (the offset), PATCH (a chunk), DELETE (termination).

Every answer carries `Tus-Resumable: 1.0.0`; a request without it is refused with 412 and the
versions spoken. Clients that cannot send PATCH or DELETE (some proxies) may POST with
`X-HTTP-Method-Override`.
"""

from typing import Any

from django.conf import settings
from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles.uploads import RequestBody
from production import permissions
from resumable import errors, selectors, services, tus
from resumable.models import ResumableUpload
from resumable.targets import UploadTarget


def _header(name: str, description: str, *, required: bool = False) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=required,
        description=description,
    )


TUS_RESUMABLE = OpenApiParameter(
    "Tus-Resumable",
    {"type": "string", "enum": [tus.VERSION]},
    OpenApiParameter.HEADER,
    required=True,
    description="The protocol's version.",
)
UPLOAD_OFFSET = _header(
    "Upload-Offset", "Where the chunk starts: the upload's offset.", required=True
)
UPLOAD_CHECKSUM = _header(
    "Upload-Checksum",
    "`sha256 <base64 digest>` (or sha1, md5) of the chunk: a mismatch is answered 460 and "
    "the chunk is dropped.",
)
CHUNK_BODY = {tus.CHUNK_CONTENT_TYPE: {"type": "string", "format": "binary"}}


def _upload_headers(upload: ResumableUpload) -> dict[str, str]:
    return {
        "Upload-Offset": str(upload.offset),
        "Upload-Expires": tus.http_date(upload.expires_at),
    }


def _parse(parse: Any, *args: Any) -> Any:
    try:
        return parse(*args)
    except tus.ProtocolError as error:
        raise errors.BadUploadRequest(str(error)) from None


class TusView(APIView):
    """What every tus route shares: the version header both ways, method overriding."""

    target: UploadTarget
    schema_tag = "Resumable uploads"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method != "OPTIONS":
            sent = request.headers.get("Tus-Resumable")
            if sent != tus.VERSION:
                raise errors.ProtocolMismatch(sent)

    def check_permissions(self, request: Request) -> None:
        # Discovery (and a browser's preflight) carries no credentials.
        if request.method != "OPTIONS":
            super().check_permissions(request)

    def finalize_response(
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Tus-Resumable"] = tus.VERSION
        if response.status_code == 412:
            response["Tus-Version"] = tus.VERSION
        response["Cache-Control"] = "no-store"
        return response

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(status=204, headers=tus.discovery_headers(settings.MAX_UPLOAD_SIZE))

    def _receive(self, request: Request, upload: ResumableUpload) -> ResumableUpload:
        """The request's body as a chunk at the offset it names (or 0 on creation)."""
        person = permissions.caller(request)
        offset = _parse(tus.parse_length, request.headers.get("Upload-Offset"), "Upload-Offset")
        if offset is None:
            if request.method != "POST" or self._overridden(request):
                raise errors.BadUploadRequest("A chunk needs Upload-Offset.")
            offset = 0
        checksum = _parse(tus.parse_checksum, request.headers.get("Upload-Checksum"))
        body = RequestBody(request, limit=max(upload.length - upload.offset, 0))
        if body.declared is None:
            # A body of unknown length (chunked transfer encoding) cannot be told apart from
            # one cut short, nor refused for going past Upload-Length before it is read.
            raise errors.BadUploadRequest("A chunk is sent with its Content-Length.")
        return services.receive_chunk(
            person=person,
            upload=upload,
            offset=offset,
            declared_length=body.declared,
            chunks=body.chunks(),
            body_complete=lambda: body.complete,
            checksum=checksum,
        )

    @staticmethod
    def _overridden(request: Request) -> str | None:
        method = request.headers.get("X-HTTP-Method-Override")
        return method.upper() if method else None

    @staticmethod
    def _is_chunk(request: Request) -> bool:
        content_type = request.headers.get("Content-Type", "")
        return content_type.split(";")[0].strip().lower() == tus.CHUNK_CONTENT_TYPE


class CreationView(TusView):
    """POST: a new upload of `Upload-Length` bytes (tus creation, creation-with-upload)."""

    @extend_schema(
        summary="Create a resumable upload (tus 1.0)",
        parameters=[
            TUS_RESUMABLE,
            _header("Upload-Length", "The file's size in bytes.", required=True),
            _header(
                "Upload-Metadata",
                "`key base64value` pairs: `filename` (a preview's kind is its extension), "
                "`filetype`, `sha256` (the whole file's, hex: checked at the last byte).",
            ),
            UPLOAD_CHECKSUM,
        ],
        request=CHUNK_BODY,
        responses={
            201: OpenApiResponse(
                description="Created: `Location` is the upload's URL; `Upload-Offset` when "
                "the body carried a first chunk."
            )
        },
    )
    def post(self, request: Request, **ids: str) -> Response:
        target_id = ids[self.target.id_parameter]
        person = permissions.caller(request)
        if request.headers.get("Upload-Defer-Length"):
            raise errors.BadUploadRequest(
                "Upload-Defer-Length is not supported: send Upload-Length."
            )
        length = _parse(tus.parse_length, request.headers.get("Upload-Length"), "Upload-Length")
        if length is None:
            raise errors.BadUploadRequest("Creating an upload needs Upload-Length.")
        metadata = _parse(tus.parse_metadata, request.headers.get("Upload-Metadata"))
        query = {key: request.query_params[key] for key in request.query_params}
        upload = services.create_upload(
            person=person,
            target=self.target,
            target_id=target_id,
            length=length,
            metadata=metadata,
            query=query,
        )
        location = request.build_absolute_uri(f"{request.path.rstrip('/')}/{upload.pk}")
        headers = {"Location": location, "Upload-Expires": tus.http_date(upload.expires_at)}
        if self._is_chunk(request) and request.headers.get("Content-Length", "0") != "0":
            try:
                upload = self._receive(request, upload)
            except errors.ChunkChecksumMismatch as refused:
                refused.extra["location"] = location
                raise
            headers |= _upload_headers(upload)
        return Response(status=201, headers=headers)


class UploadView(TusView):
    """HEAD: the offset; PATCH: a chunk; DELETE: the end of the upload."""

    def _upload(self, request: Request, ids: dict[str, str]) -> ResumableUpload:
        return selectors.upload_of(
            permissions.caller(request),
            self.target.kind,
            ids[self.target.id_parameter],
            ids["upload_id"],
        )

    @extend_schema(
        summary="The offset of a resumable upload (tus 1.0)",
        parameters=[TUS_RESUMABLE],
        responses={
            200: OpenApiResponse(
                description="`Upload-Offset`, `Upload-Length`, `Upload-Metadata`, "
                "`Upload-Expires`; no body."
            )
        },
    )
    def head(self, request: Request, **ids: str) -> Response:
        upload = self._upload(request, ids)
        headers = _upload_headers(upload) | {"Upload-Length": str(upload.length)}
        if upload.metadata:
            headers["Upload-Metadata"] = tus.format_metadata(upload.metadata)
        return Response(status=200, headers=headers)

    # GET answers as HEAD does (DRF would otherwise refuse it with 405, and a person trying
    # the URL in a browser learns nothing).
    get = head

    @extend_schema(
        summary="Send a chunk of a resumable upload (tus 1.0)",
        parameters=[TUS_RESUMABLE, UPLOAD_OFFSET, UPLOAD_CHECKSUM],
        request=CHUNK_BODY,
        responses={
            204: OpenApiResponse(description="Kept: `Upload-Offset` is the new offset."),
            409: OpenApiResponse(description="The offset is not the upload's, or it is busy."),
            460: OpenApiResponse(description="The chunk's checksum does not match."),
        },
    )
    def patch(self, request: Request, **ids: str) -> Response:
        if not self._is_chunk(request):
            raise errors.WrongChunkType()
        upload = self._upload(request, ids)
        upload = self._receive(request, upload)
        return Response(status=204, headers=_upload_headers(upload))

    @extend_schema(
        summary="End a resumable upload and forget its bytes (tus 1.0 termination)",
        parameters=[TUS_RESUMABLE],
        responses={204: OpenApiResponse(description="Ended.")},
    )
    def delete(self, request: Request, **ids: str) -> Response:
        services.terminate(upload=self._upload(request, ids))
        return Response(status=204)

    @extend_schema(exclude=True)
    def post(self, request: Request, **ids: str) -> Response:
        """PATCH or DELETE sent as a POST with X-HTTP-Method-Override."""
        method = self._overridden(request)
        if method == "PATCH":
            return self.patch(request, **ids)
        if method == "DELETE":
            return self.delete(request, **ids)
        raise errors.BadUploadRequest(
            "An upload takes HEAD, PATCH and DELETE (or POST with X-HTTP-Method-Override)."
        )
