"""Streamed uploads: each file part goes to a temporary file in chunks while its sha256 and
size are computed. Nothing holds a whole file in memory, and the bytes are written once: the
caller moves the temporary file into place (a rename on local storage).

Chunks of 256 KiB: 64-256 KiB chunks hash and write at 700-760 MB/s, 1 MiB chunks at about
290 MB/s. Under gunicorn the body is read from the client's socket in those chunks
(`SocketBody`), not through gunicorn's reader, which hands it over 1 KiB at a time
(docs/decisions/upload-chunk-size.md).
"""

import hashlib
import io
import os
import socket
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any, cast

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, UnreadablePostError
from django.utils.datastructures import MultiValueDict
from gunicorn.http.body import Body as GunicornBody
from gunicorn.http.body import LengthReader as GunicornLengthReader
from gunicorn.http.unreader import SocketUnreader as GunicornSocketUnreader

from kitsufiles.errors import UploadInterrupted, UploadTooLarge

UPLOAD_CHUNK_SIZE = 256 * 1024


class HashedUploadedFile(UploadedFile):
    """An upload already on disk, with its size and sha256 computed on the way in."""

    file: IO[bytes]

    def __init__(
        self,
        file: IO[bytes],
        name: str | None,
        content_type: str | None,
        size: int,
        charset: str | None,
        sha256: str,
    ) -> None:
        super().__init__(file, name, content_type, size, charset)
        self.sha256 = sha256

    def temporary_file_path(self) -> str:
        return self.file.name

    def discard(self) -> None:
        self.file.close()
        Path(self.file.name).unlink(missing_ok=True)


class HashingUploadHandler(FileUploadHandler):
    chunk_size = UPLOAD_CHUNK_SIZE

    def __init__(self, request: HttpRequest, *, directory: Path, max_size: int | None) -> None:
        super().__init__(request)
        self.directory = directory
        self.max_size = max_size
        self.open_files: list[IO[bytes]] = []
        # Set when a file part never reached its closing boundary (see upload_interrupted).
        self.interrupted = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.directory.mkdir(parents=True, exist_ok=True)
        # In the destination's file system, so that moving it into place is a rename.
        self.file = tempfile.NamedTemporaryFile(  # noqa: SIM115 (outlives this method)
            dir=self.directory, prefix=".upload-", delete=False
        )
        self.open_files.append(self.file)
        self.hash = hashlib.sha256()
        self.size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.size += len(raw_data)
        if self.max_size is not None and self.size > self.max_size:
            raise UploadTooLarge()
        self.hash.update(raw_data)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> HashedUploadedFile:
        self.file.flush()
        self.file.seek(0)
        return HashedUploadedFile(
            self.file,
            self.file_name,
            self.content_type,
            self.size,
            self.charset,
            self.hash.hexdigest(),
        )

    def upload_interrupted(self) -> None:
        """The body ended before the file's closing boundary (the client went away): Django
        neither completes the file nor raises, and hands over the parts it has. The flag makes
        `receive_files` refuse the whole request; the temporary file is removed here."""
        self.interrupted = True
        file = getattr(self, "file", None)
        if file is not None:
            file.close()
            Path(file.name).unlink(missing_ok=True)

    def discard_all(self) -> None:
        for file in self.open_files:
            file.close()
            Path(file.name).unlink(missing_ok=True)


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


def receive_files(request: HttpRequest, *, directory: Path, max_size: int | None) -> ReceivedFiles:
    """Parse a multipart request with hashing handlers; returns request.FILES.

    `Content-Length` above `max_size` is refused before a byte is read. A body cut short (it
    ended inside a file part, or before its declared length, or the connection failed while it
    was read) is refused as a whole with `UploadInterrupted`: the parser would otherwise hand
    over the parts it had, and a route would write a comment or a status from half a request.
    If anything goes wrong mid-way, every temporary file is removed before the error leaves."""
    declared = request.META.get("CONTENT_LENGTH")
    declared_length = int(declared) if declared and declared.isdigit() else None
    if max_size is not None and declared_length is not None and declared_length > max_size:
        raise UploadTooLarge()
    handler = HashingUploadHandler(request, directory=directory, max_size=max_size)
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


RETIRED_PREFIX = ".retired-"


def replace_file(source: str, destination: str) -> threading.Thread | None:
    """Move a finished upload over the old content in one step: readers see the old file or
    the new one, never a half-written one.

    The old content is removed after the answer, not during it. Replacing a file drops its
    last name, and the kernel then frees its pages and blocks in the rename itself, waiting
    for any write-back still in flight: 0.4-0.5 s for a 1 GiB file written a moment before
    (docs/decisions/upload-chunk-size.md). A hard link beside the upload keeps the old bytes
    alive past the rename, and a background thread removes that link; the thread is returned
    (None when there was no old content, or the file system has no hard links)."""
    Path(destination).parent.mkdir(parents=True, exist_ok=True)
    link = Path(source).with_name(f"{RETIRED_PREFIX}{uuid.uuid4().hex}")
    retired: Path | None = link
    try:
        os.link(destination, link)
    except OSError:  # no old content, or no hard links here: the rename frees it
        retired = None
    try:
        os.replace(source, destination)
    except BaseException:
        if retired is not None:
            retired.unlink(missing_ok=True)
        raise
    if retired is None:
        return None
    remover = threading.Thread(
        target=_remove_retired, args=(retired,), name="remove-retired-upload", daemon=True
    )
    remover.start()
    return remover


def _remove_retired(retired: Path) -> None:
    """Remove a retired file, then any other in its folder: one left by a process that died
    before it removed its own. Nothing else refers to them; removing another thread's first
    only does its work."""
    with suppress(OSError):
        retired.unlink()
    with suppress(OSError):
        for leftover in retired.parent.glob(f"{RETIRED_PREFIX}*"):
            with suppress(OSError):
                leftover.unlink()


@contextmanager
def received_files(
    request: HttpRequest, *, directory: Path, max_size: int | None
) -> Iterator[ReceivedFiles]:
    """`receive_files` for the length of a `with` block: whatever part was not moved into
    storage by the end of the block (other parts, a store that failed) is removed."""
    files = receive_files(request, directory=directory, max_size=max_size)
    try:
        yield files
    finally:
        for _, parts in files.lists():
            for part in parts:
                part.discard()
