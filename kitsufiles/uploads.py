"""Streamed uploads: each file part goes to a temporary file in chunks while its sha256 and
size are computed. Nothing holds a whole file in memory, and the bytes are written once: the
caller moves the temporary file into place (a rename on local storage).

Chunks of 256 KiB: 64-256 KiB chunks hash and write at 700-760 MB/s, 1 MiB chunks at about
290 MB/s (docs/decisions/upload-chunk-size.md).
"""

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, cast

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict

from kitsufiles.errors import UploadTooLarge

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
        neither completes the file nor raises, so its temporary file is removed here."""
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


def receive_files(request: HttpRequest, *, directory: Path, max_size: int | None) -> ReceivedFiles:
    """Parse a multipart request with hashing handlers; returns request.FILES.

    `Content-Length` above `max_size` is refused before a byte is read. If anything goes
    wrong mid-way (client gone, too large), every temporary file is removed."""
    declared = request.META.get("CONTENT_LENGTH")
    if max_size is not None and declared and declared.isdigit() and int(declared) > max_size:
        raise UploadTooLarge()
    handler = HashingUploadHandler(request, directory=directory, max_size=max_size)
    django_request = getattr(request, "_request", request)
    django_request.upload_handlers = [handler]
    try:
        # The hashing handler is the only one: every part it completes is a HashedUploadedFile.
        return cast(ReceivedFiles, request.FILES)
    except BaseException:
        handler.discard_all()
        raise


def replace_file(source: str, destination: str) -> None:
    """Move a finished upload over the old content in one step: readers see the old file or
    the new one, never a half-written one."""
    Path(destination).parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, destination)


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
