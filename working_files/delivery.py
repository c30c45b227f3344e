"""The answer carrying a working file's content, shared by the API's `GET
data/working-files/<id>/file` and the browsable pages' download link (working_files/views.py):
one streaming delivery, whatever authenticated the request. The caller has checked access."""

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from kitsufiles.downloads import file_response, redirect_seconds, redirect_to_store
from working_files import selectors
from working_files.errors import ContentNotFound
from working_files.models import WorkingFile

# What Zou answers a content download with (zou-files-contract §8.2).
CONTENT_TYPE = "application/octet-stream"
DISPOSITION = 'inline; filename=""'


def content_response(
    request: HttpRequest, working_file: WorkingFile, *, disposition: str = DISPOSITION
) -> HttpResponseBase:
    """200, 206, 304 or 416 with the stored content (a 302 to the object store when
    FS_SIGNED_URL_SECONDS asks for it); ContentNotFound when nothing is stored."""
    # On an object store the GET of a whole download starts under the row's lock (see
    # opened_content); a range, a HEAD or a redirect reads nothing from offset 0.
    whole = (
        redirect_seconds() == 0 and request.method == "GET" and not request.META.get("HTTP_RANGE")
    )
    opened = selectors.opened_content(working_file, streamed=whole)
    if opened is None:
        raise ContentNotFound(working_file.pk)
    handle, working_file = opened
    redirected = redirect_to_store(
        request,
        handle,
        etag=working_file.checksum,
        last_modified=working_file.updated_at,
        content_type=CONTENT_TYPE,
        disposition=disposition,
    )
    if redirected is not None:  # FS_SIGNED_URL_SECONDS on an object store
        return redirected
    # The length is the open file's, never the row's `size` (file_response measures it).
    return file_response(
        request,
        handle,
        # The stored sha256: a strong validator that costs no read of the content.
        etag=working_file.checksum,
        last_modified=working_file.updated_at,
        content_type=CONTENT_TYPE,
        disposition=disposition,
    )
