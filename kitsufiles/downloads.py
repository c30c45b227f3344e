"""Streamed file answers with validators and single ranges (RFC 9110), for every file route.

The body is a FileResponse over the requested slice of the open file: under gunicorn (and any
WSGI server with `wsgi.file_wrapper`) a local file is handed to the kernel with sendfile(2), the
bytes never pass through Python; elsewhere (object stores, the test client) it is read in
DOWNLOAD_CHUNK_SIZE chunks as the client takes it. Never compressed: gazu writes
`response.raw` to disk, so a Content-Encoding would end up in the user's file.

Nothing here reads the file to answer a conditional request: the caller gives the validators
(an ETag from stored metadata, the row's `updated_at`), and a 304 costs no read
(docs/decisions/media-delivery.md).
"""

import logging
import os
import re
import time
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import IO, Literal
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.utils.http import http_date, parse_http_date_safe

from kitsufiles.stores.objects import RemoteFile

logger = logging.getLogger(__name__)

DOWNLOAD_CHUNK_SIZE = 256 * 1024
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
MAX_POSITION_DIGITS = 20  # 2**64 has 20 digits: no file is that large
CACHE_MAX_AGE = 604800  # Zou's CLIENT_CACHE_MAX_AGE
RANGE_NOT_SATISFIABLE = "The server cannot provide the requested range."
# RFC 9110 token characters: a parameter value made only of these is sent unquoted.
TOKEN_CHARACTERS = frozenset(
    "!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~"
)


def attachment_disposition(name: str, kind: Literal["attachment", "inline"] = "attachment") -> str:
    """`attachment; filename=<name>` (or `inline; ...`) exactly as Zou (Werkzeug's send_file)
    writes it: the value bare when it is a token, else quoted; a non-ASCII name gets an ASCII
    `filename` fallback plus `filename*=UTF-8''<percent-encoded name>` (RFC 6266)."""
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        encoded = quote(name, safe="!#$&+-.^_`|~")
        return f"{kind}; filename={_header_value(fallback)}; filename*=UTF-8''{encoded}"
    return f"{kind}; filename={_header_value(name)}"


def inline_disposition(name: str) -> str:
    """`inline; filename=<name>`, written as attachment_disposition writes its value (Zou's
    background files are served inline under their original name)."""
    return "inline" + attachment_disposition(name).removeprefix("attachment")


def _header_value(value: str) -> str:
    if value and TOKEN_CHARACTERS.issuperset(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


class _FileSlice:
    """`length` bytes of an open file from `start`, as a file-like object for FileResponse.

    Its `fileno()` is the file's own, positioned at `start`: gunicorn's sendfile path sends
    Content-Length bytes from the descriptor's position (gunicorn.http.wsgi.Response.sendfile).
    Without a descriptor (an object store's file) or without sendfile (the test client,
    wsgiref), `read` yields the slice and nothing beyond it. No `name`, `tell` or `seek`, so
    that FileResponse neither guesses headers nor measures the file again: they are set
    here."""

    def __init__(self, fileobj: IO[bytes], start: int, length: int) -> None:
        fileobj.seek(start)
        self._file = fileobj
        self._remaining = length

    def read(self, size: int = -1) -> bytes:
        if self._remaining <= 0:
            return b""
        wanted = self._remaining if size is None or size < 0 else min(size, self._remaining)
        chunk = self._file.read(wanted)
        self._remaining -= len(chunk)
        return chunk

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        self._file.close()


def stored_length(fileobj: IO[bytes]) -> int:
    """The length of an open stored file, from the object itself: a file replaced after it
    was opened keeps the length of the bytes this handle reads."""
    try:
        return os.fstat(fileobj.fileno()).st_size
    except (AttributeError, OSError, ValueError):  # an object store's file: no descriptor
        position = fileobj.tell()
        length = fileobj.seek(0, os.SEEK_END)
        fileobj.seek(position)
        return length


def _not_modified(request: HttpRequest, etag: str | None, last_modified: datetime | None) -> bool:
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag is not None and (etag in tags or "*" in tags)
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return (
        since is not None
        and last_modified is not None
        and (int(last_modified.timestamp()) <= since)
    )


def _byte_range(header: str, size: int) -> tuple[int, int] | None | Literal[False]:
    """(start, end) of a single satisfiable range; None to ignore the header; False if the
    range cannot be satisfied (416)."""
    match = RANGE.match(header.strip())
    if not match:
        return None  # not a single byte range: answer the whole file, as allowed
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = _position(last)
        if length == 0:
            return False
        return max(size - length, 0), size - 1
    start = _position(first)
    end = min(_position(last), size - 1) if last else size - 1
    if start >= size or (last and _position(last) < start):
        return False
    return start, end


# Beyond any file's size; stands for a position written with more digits than a size can have.
_BEYOND_ANY_SIZE = 10**MAX_POSITION_DIGITS


def _position(digits: str) -> int:
    """A byte position of the header. One with thousands of digits (which int() refuses) is
    read as what it is, a position past the end: a start there cannot be satisfied, an end
    there is the last byte, a suffix that long is the whole file."""
    significant = digits.lstrip("0")
    if len(significant) > MAX_POSITION_DIGITS:
        return _BEYOND_ANY_SIZE
    return int(significant or "0")


def redirect_response(
    request: HttpRequest,
    location: str,
    *,
    etag: str | None,
    last_modified: datetime | None,
    max_age: int,
) -> HttpResponseBase:
    """302 to `location` (an object store's signed URL, valid for longer than `max_age`), or
    304 when the client's copy is still this version: the bytes bypass this server
    (docs/decisions/object-storage.md). A browser may keep the redirect for `max_age`
    seconds, no longer: the URL it leads to expires."""
    quoted_etag = f'"{etag}"' if etag else None
    headers = {"Cache-Control": f"private, max-age={max_age}"}
    if quoted_etag:
        headers["ETag"] = quoted_etag
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified.timestamp())
    if _not_modified(request, quoted_etag, last_modified):
        return HttpResponse(status=304, headers=headers)
    headers["Location"] = location
    return HttpResponse(status=302, headers=headers)


def redirect_seconds() -> int:
    """FS_SIGNED_URL_SECONDS: how long the signed URLs of redirected downloads last (0: no
    redirects, every byte goes through this server)."""
    return int(settings.FS_SIGNED_URL_SECONDS)


def remote_file(handle: IO[bytes]) -> RemoteFile | None:
    """The object-store reader behind an open stored file (None for a local file)."""
    inner = getattr(handle, "file", handle)
    return inner if isinstance(inner, RemoteFile) else None


def redirect_to_store(
    request: HttpRequest,
    handle: IO[bytes],
    *,
    etag: str | None,
    last_modified: datetime | None,
    content_type: str,
    disposition: str,
) -> HttpResponseBase | None:
    """With FS_SIGNED_URL_SECONDS set and the file on an object store: a 302 to a signed URL
    of the object, answered by the store with this Content-Type and Content-Disposition (or a
    304 when the client's copy is current); `handle` is closed. Else None: the caller streams
    the file. Called once the route has checked the caller's access
    (docs/decisions/object-storage.md)."""
    seconds = redirect_seconds()
    remote = remote_file(handle)
    if seconds <= 0 or remote is None:
        return None
    try:
        location = remote.storage.signed_url(
            remote.obj, expires=seconds, disposition=disposition, content_type=content_type
        )
    except ImproperlyConfigured as error:  # a store that cannot sign (Swift without a key)
        logger.error("FS_SIGNED_URL_SECONDS is set but the store cannot sign URLs: %s", error)
        return None  # streamed, as without the setting
    handle.close()
    return redirect_response(
        request, location, etag=etag, last_modified=last_modified, max_age=seconds // 2
    )


def file_response(
    request: HttpRequest,
    file: IO[bytes] | Callable[[], IO[bytes]],
    *,
    size: int | None = None,
    etag: str | None,
    last_modified: datetime | None,
    content_type: str = "application/octet-stream",
    disposition: str = 'inline; filename=""',
    cache: str = "public",
    max_age: int = CACHE_MAX_AGE,
) -> HttpResponseBase:
    """200, 206, 304 or 416 for a stored file. `etag` is the bare tag value (quoted here).

    `file` is the open file (closed here unless the body streams it) or how to open it.
    Without `size`, the file is opened first and its length read from the open object, so the
    Content-Length is always that of the bytes sent, whatever a row says or a concurrent
    write does; with `size` (measured on the open file, or on the stored object), a file given
    as a callable is only opened when a body is sent. `cache` is "public" or "private" (media
    of a production are private: a shared proxy must not hand them to someone else)."""
    quoted_etag = f'"{etag}"' if etag else None
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": f"{cache}, max-age={max_age}",
        "Expires": http_date(time.time() + max_age),
        "Content-Disposition": disposition,
    }
    opened = None if callable(file) else file
    if size is None:
        opened = file() if callable(file) else file
        size = stored_length(opened)
    try:
        return _file_answer(
            request,
            file if opened is None else opened,
            size,
            quoted_etag,
            last_modified,
            headers,
            content_type,
        )
    except BaseException:
        if opened is not None:
            opened.close()
        raise


def _file_answer(
    request: HttpRequest,
    source: IO[bytes] | Callable[[], IO[bytes]],
    size: int,
    quoted_etag: str | None,
    last_modified: datetime | None,
    headers: dict[str, str],
    content_type: str,
) -> HttpResponseBase:
    """The answer once the length is known; `source` is the open file or how to open it. An
    open file is closed here unless the body streams it (the stream closes it)."""

    def close_unsent() -> None:
        if not callable(source):
            source.close()

    if quoted_etag:
        headers["ETag"] = quoted_etag
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified.timestamp())
    if _not_modified(request, quoted_etag, last_modified):
        close_unsent()
        return HttpResponse(status=304, headers=headers)

    start, end, status = 0, size - 1, 200
    range_header = request.META.get("HTTP_RANGE")
    if range_header and size > 0 and _if_range_holds(request, quoted_etag, last_modified):
        wanted = _byte_range(range_header, size)
        if wanted is False:
            close_unsent()
            headers["Content-Range"] = f"bytes */{size}"
            return JsonResponse(
                {"error": True, "message": RANGE_NOT_SATISFIABLE}, status=416, headers=headers
            )
        if wanted is not None:
            start, end = wanted
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    length = max(end - start + 1, 0)
    # HEAD gets the headers of GET and no body: WSGI servers such as gunicorn send whatever
    # the application returns, which would put a whole movie on the wire.
    sends_body = length > 0 and request.method != "HEAD"
    if not sends_body:
        close_unsent()
    response: HttpResponseBase
    if sends_body:
        opened = source() if callable(source) else source
        response = FileResponse(
            _FileSlice(opened, start, length),
            status=status,
            content_type=content_type,
            headers=headers,
        )
        response.block_size = DOWNLOAD_CHUNK_SIZE
    else:
        response = StreamingHttpResponse(
            iter(()), status=status, content_type=content_type, headers=headers
        )
    response["Content-Length"] = str(length)
    return response


def _if_range_holds(
    request: HttpRequest, quoted_etag: str | None, last_modified: datetime | None
) -> bool:
    """A range applies only if `If-Range` (when sent) still names this version."""
    if_range = request.META.get("HTTP_IF_RANGE")
    if not if_range:
        return True
    if if_range.startswith('"') or if_range.startswith("W/"):
        return if_range == quoted_etag
    since = parse_http_date_safe(if_range)
    return (
        since is not None
        and last_modified is not None
        and (int(last_modified.timestamp()) <= since)
    )
