"""Streamed uploads: each file part goes into an upload sink (kitsufiles/stores) in chunks
while its sha256 and size are computed. Nothing holds a whole file in memory, and the bytes are
written once: on local storage the sink is a temporary file beside the destination, renamed
into place when the caller commits it; on an object store the sink sends the bytes to the
store as they arrive (a multipart upload), and committing makes them the key's content in one
step (docs/decisions/object-storage.md). A sink that is not committed is aborted, whatever
happens.

Chunks of 256 KiB: 64-256 KiB chunks hash and write at 700-760 MB/s, 1 MiB chunks at about
290 MB/s. Under gunicorn the body is read from the client's socket in those chunks
(`SocketBody`), not through gunicorn's reader, which hands it over 1 KiB at a time
(docs/decisions/upload-chunk-size.md).
"""

import hashlib
import io
import logging
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, cast

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, UnreadablePostError
from django.utils.datastructures import MultiValueDict
from gunicorn.http.body import Body as GunicornBody
from gunicorn.http.body import LengthReader as GunicornLengthReader
from gunicorn.http.unreader import SocketUnreader as GunicornSocketUnreader

from kitsufiles.errors import UploadInterrupted, UploadTooLarge
from kitsufiles.stores.objects import StoreUnavailable, UploadSink

logger = logging.getLogger(__name__)

UPLOAD_CHUNK_SIZE = 256 * 1024

# Where each file part goes while it arrives: called with the part's field name and the file
# name the client gave, before its first byte (so a route may choose the destination by it).
SinkFactory = Callable[[str, str | None], UploadSink]


def abort_quietly(sink: UploadSink) -> None:
    """Abort a sink on the way out of a failure: a store that is down (or a disk error) while
    aborting must not hide the error being raised, nor keep the other sinks from aborting.
    What the store keeps (a staged object, an unfinished multipart upload) is left to its
    expiry rules and to prune_storage."""
    try:
        sink.abort()
    except (StoreUnavailable, OSError) as error:
        logger.warning("An upload could not be aborted: %s", error)


class ReceivedContent(Protocol):
    """A whole file received and hashed, not yet in its place: a multipart upload's part
    (`HashedUploadedFile`) or every chunk of a resumable one (resumable/services.py)."""

    @property
    def size(self) -> int | None: ...

    @property
    def sha256(self) -> str: ...

    def commit(self, name: str) -> None: ...


class HashedUploadedFile(UploadedFile):
    """A received file part: its bytes are in `sink` (not yet in their place), with their size
    and sha256 computed on the way in. `commit(name)` makes them the content of `name`."""

    def __init__(
        self,
        sink: UploadSink,
        name: str | None,
        content_type: str | None,
        size: int,
        charset: str | None,
        sha256: str,
    ) -> None:
        super().__init__(None, name, content_type, size, charset)
        self.sink = sink
        self.sha256 = sha256

    def temporary_file_path(self) -> str:
        """The local file holding the bytes, for the sinks that have one (local storage, and
        the readable sinks of routes that decode a picture in the request); an upload that
        went straight to an object store has none."""
        path = getattr(self.sink, "path", None)
        if path is None:
            raise ValueError(f"The upload {self.name!r} went to an object store: no local file")
        return str(path)

    def close(self) -> None:
        # Django closes every uploaded file at the end of the request: only a file opened to
        # read the bytes is there to close.
        if self.file is not None:
            self.file.close()

    def commit(self, name: str) -> None:
        self.sink.commit(name)

    def discard(self) -> None:
        """Forget the bytes unless they were committed (a committed sink ignores it)."""
        self.close()
        abort_quietly(self.sink)


class HashingUploadHandler(FileUploadHandler):
    chunk_size = UPLOAD_CHUNK_SIZE

    def __init__(
        self, request: HttpRequest, *, sink: SinkFactory, max_size: int | None
    ) -> None:
        super().__init__(request)
        self.make_sink = sink
        self.max_size = max_size
        self.sinks: list[UploadSink] = []
        # Set when a file part never reached its closing boundary (see upload_interrupted).
        self.interrupted = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.sink = self.make_sink(self.field_name, self.file_name)
        self.sinks.append(self.sink)
        self.hash = hashlib.sha256()
        self.size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.size += len(raw_data)
        if self.max_size is not None and self.size > self.max_size:
            raise UploadTooLarge()
        self.hash.update(raw_data)
        self.sink.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> HashedUploadedFile:
        finish = getattr(self.sink, "finish", None)
        if finish is not None:  # a local file: readable by path from here on
            finish()
        return HashedUploadedFile(
            self.sink,
            self.file_name,
            self.content_type,
            self.size,
            self.charset,
            self.hash.hexdigest(),
        )

    def upload_interrupted(self) -> None:
        """The body ended before the file's closing boundary (the client went away): Django
        neither completes the file nor raises, and hands over the parts it has. The flag makes
        `receive_files` refuse the whole request; the part's sink is aborted here."""
        self.interrupted = True
        sink = getattr(self, "sink", None)
        if sink is not None:
            abort_quietly(sink)

    def discard_all(self) -> None:
        for sink in self.sinks:
            abort_quietly(sink)


# What the hashing handler gives, per form field: every part is a HashedUploadedFile.
ReceivedFiles = MultiValueDict[str, HashedUploadedFile]


class _CountingStream:
    """The request's body stream, counting the bytes read from it: a body that ends before its
    Content-Length (the client's connection closed) reads short without any error."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.read_bytes = 0

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        data: bytes = self.stream.read(*args, **kwargs)
        self.read_bytes += len(data)
        return data

    def readline(self, *args: Any, **kwargs: Any) -> bytes:
        data: bytes = self.stream.readline(*args, **kwargs)
        self.read_bytes += len(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class SocketBody:
    """A request body of known length read straight from gunicorn's client socket.

    gunicorn's body reader (`gunicorn.http.body.Body.read`) takes the body 1 KiB at a time
    whatever size is asked (gunicorn issue #2596): for a 1 GiB upload that is a million turns of
    a Python loop, each copying buffers, and it took about two thirds of the worker's time
    (docs/decisions/upload-chunk-size.md). Here each read is one recv(2) with MSG_WAITALL into
    a bytes object of the size asked: one system call and one copy from the kernel per chunk.

    gunicorn's bookkeeping stays true: what gunicorn had already received (bytes read past the
    headers) is taken first, and the reader's remaining length goes down by every byte read
    here. After the response gunicorn finds the body consumed, or discards what is left as it
    always does, and a kept-alive connection goes on with its next request. Only plain sockets
    and bodies with a Content-Length qualify (`of`); anything else is read as gunicorn gives it.
    """

    def __init__(
        self,
        body: GunicornBody,
        reader: GunicornLengthReader,
        unreader: GunicornSocketUnreader,
    ) -> None:
        self._reader = reader
        self._socket: socket.socket = unreader.sock
        # Bytes gunicorn's Body took from the reader and has not handed out (none unless the
        # body was read before), then bytes its socket reader received past the headers: this
        # body's up to its remaining length; any beyond are the next request's and stay there.
        held = body.buf.getvalue()
        body.buf = io.BytesIO()
        received = unreader.buf.getvalue()
        unreader.buf = io.BytesIO()
        unreader.buf.write(received[reader.length :])
        mine = received[: reader.length]
        reader.length -= len(mine)
        self._held = held + mine

    @classmethod
    def of(cls, stream: object) -> "SocketBody | None":
        """The fast reader of a gunicorn request body, or None for any other input stream."""
        if type(stream) is not GunicornBody:
            return None
        reader = stream.reader
        if type(reader) is not GunicornLengthReader:  # chunked or read-until-close bodies
            return None
        unreader = reader.unreader
        # A TLS socket takes no recv flags.
        if type(unreader) is not GunicornSocketUnreader or type(unreader.sock) is not socket.socket:
            return None
        return cls(stream, reader, unreader)

    def read(self, size: int | None = -1) -> bytes:
        """`size` bytes (all that is left when None or negative), fewer only at the end of the
        body or if the client stops sending."""
        left = len(self._held) + self._reader.length
        size = left if size is None or size < 0 else min(size, left)
        if size == 0:
            return b""
        if self._held:
            taken, self._held = self._held[:size], self._held[size:]
            if len(taken) == size:
                return taken
            return taken + self._receive(size - len(taken))
        return self._receive(size)

    def _receive(self, size: int) -> bytes:
        data = self._socket.recv(size, socket.MSG_WAITALL)
        self._reader.length -= len(data)
        if len(data) == size or not data:
            return data
        # Cut short by a signal or the client's end: go on until the size or the end.
        parts = [data]
        size -= len(data)
        while size:
            more = self._socket.recv(size, socket.MSG_WAITALL)
            if not more:
                break
            self._reader.length -= len(more)
            parts.append(more)
            size -= len(more)
        return b"".join(parts)

    def readline(self, size: int | None = -1) -> bytes:
        """A line (multipart parsing never asks for one: a byte at a time is enough)."""
        line = bytearray()
        while size is None or size < 0 or len(line) < size:
            byte = self.read(1)
            line += byte
            if not byte or byte == b"\n":
                break
        return bytes(line)


class RequestBody:
    """A request's raw body (not a form: a resumable upload's chunk), read in chunks as it
    arrives: from gunicorn's socket when it can be (`SocketBody`), else from Django's stream.
    `chunks()` ends early, without an error, when the client goes away: `complete` then says
    whether the whole declared body came."""

    def __init__(self, request: HttpRequest, *, limit: int) -> None:
        django_request = getattr(request, "_request", request)
        declared = request.META.get("CONTENT_LENGTH")
        self.declared = int(declared) if declared and declared.isdigit() else None
        if self.declared is None and not request.META.get("HTTP_TRANSFER_ENCODING"):
            self.declared = 0  # neither a length nor chunks: no body (RFC 9112, 6.3)
        # At most `limit` bytes are read (a body longer than that is refused by the caller
        # before reading, when it declares its length).
        self.limit = limit if self.declared is None else min(limit, self.declared)
        self.received = 0
        self.cut = False
        fast = SocketBody.of(getattr(django_request, "environ", {}).get("wsgi.input"))
        self._stream: Any = fast if fast is not None and self.declared is not None else None
        if self._stream is None:
            self._stream = django_request  # HttpRequest.read: its own LimitedStream

    @property
    def complete(self) -> bool:
        if self.cut:
            return False
        return self.declared is None or self.received >= self.declared

    def chunks(self) -> Iterator[bytes]:
        while self.received < self.limit:
            try:
                data = self._stream.read(min(UPLOAD_CHUNK_SIZE, self.limit - self.received))
            except (OSError, UnreadablePostError):  # the connection broke
                self.cut = True
                return
            if not data:
                if self.declared is not None:  # it ended before its declared length
                    self.cut = True
                return
            self.received += len(data)
            yield data


def receive_files(
    request: HttpRequest, *, sink: SinkFactory, max_size: int | None
) -> ReceivedFiles:
    """Parse a multipart request with hashing handlers writing into sinks made by `sink`;
    returns request.FILES.

    `Content-Length` above `max_size` is refused before a byte is read. A body cut short (it
    ended inside a file part, or before its declared length, or the connection failed while it
    was read) is refused as a whole with `UploadInterrupted`: the parser would otherwise hand
    over the parts it had, and a route would write a comment or a status from half a request.
    If anything goes wrong mid-way (the store too: StoreUnavailable), every sink is aborted
    before the error leaves."""
    declared = request.META.get("CONTENT_LENGTH")
    declared_length = int(declared) if declared and declared.isdigit() else None
    if max_size is not None and declared_length is not None and declared_length > max_size:
        raise UploadTooLarge()
    handler = HashingUploadHandler(request, sink=sink, max_size=max_size)
    django_request = getattr(request, "_request", request)
    django_request.upload_handlers = [handler]
    # Django reads the body through this attribute (DRF through Django's request): counting
    # there sees every byte either parser reads, without a parser of our own.
    counter = None
    if not getattr(django_request, "_read_started", True) and hasattr(django_request, "_stream"):
        stream = django_request._stream
        fast = SocketBody.of(getattr(django_request, "environ", {}).get("wsgi.input"))
        if fast is not None and declared_length is not None:
            # (the stubs want a BytesIO; LimitedStream only calls read and readline)
            stream = LimitedStream(fast, declared_length)  # type: ignore[arg-type]
        counter = _CountingStream(stream)
        django_request._stream = counter
    try:
        try:
            # The hashing handler is the only one: every part it completes is a HashedUploadedFile.
            files = cast(ReceivedFiles, request.FILES)
        except UnreadablePostError:
            raise UploadInterrupted() from None
        short = (
            counter is not None
            and declared_length is not None
            and counter.read_bytes < declared_length
        )
        if handler.interrupted or short:
            raise UploadInterrupted()
        return files
    except BaseException:
        handler.discard_all()
        raise


@contextmanager
def received_files(
    request: HttpRequest, *, sink: SinkFactory, max_size: int | None
) -> Iterator[ReceivedFiles]:
    """`receive_files` for the length of a `with` block: whatever part was not committed to
    storage by the end of the block (other parts, a store that failed) is aborted."""
    files = receive_files(request, sink=sink, max_size=max_size)
    try:
        yield files
    finally:
        for _, parts in files.lists():
            for part in parts:
                part.discard()
