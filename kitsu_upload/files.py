"""Reading the file to upload: its sha256 and its chunks' sha256 in one streamed pass, and a
slice of it as a request body that is read from disk while it is sent.

Nothing here holds more than one read block (1 MiB) of the file in memory.

Why the chunks' digests come from the first pass rather than from a read of each chunk before
it is sent: the file must be read whole anyway for its sha256 (tus asks for it when the upload
is created), so hashing each chunk on the way costs no extra read; and a digest taken before
the upload starts also catches a file that changes while it is being sent (the server refuses
the chunk with 460, and `chunk_changed` tells the two causes apart). Only a chunk that starts
off a chunk boundary (the server kept part of a chunk when a connection was cut) is hashed
again, from disk, before it is sent.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

KIB = 1024
MIB = 1024 * KIB
# Read from disk in blocks of 1 MiB: large enough that Python's per-call cost is noise,
# small enough to stay out of the way in memory.
READ_SIZE = MIB
DEFAULT_CHUNK_SIZE = 64 * MIB

Progress = Callable[[int], None]  # called with the number of bytes just read


@dataclass
class FileDigests:
    """A file's sha256 (hex) and that of each `chunk_size` piece from its start."""

    sha256: str
    size: int
    chunk_size: int
    chunks: list[str] = field(default_factory=list)

    def chunk(self, offset: int) -> str | None:
        """The sha256 of the piece starting at `offset`, when that is a chunk boundary."""
        if offset % self.chunk_size:
            return None
        index = offset // self.chunk_size
        return self.chunks[index] if index < len(self.chunks) else None


def hash_file(
    path: str, chunk_size: int = DEFAULT_CHUNK_SIZE, progress: Progress | None = None
) -> FileDigests:
    """Stream the file once: its whole sha256 and each chunk's."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    whole = hashlib.sha256()
    piece = hashlib.sha256()
    in_piece = 0
    size = 0
    chunks: list[str] = []
    with open(path, "rb") as handle:
        while True:
            block = handle.read(min(READ_SIZE, chunk_size - in_piece))
            if not block:
                break
            whole.update(block)
            piece.update(block)
            in_piece += len(block)
            size += len(block)
            if in_piece == chunk_size:
                chunks.append(piece.hexdigest())
                piece = hashlib.sha256()
                in_piece = 0
            if progress is not None:
                progress(len(block))
    if in_piece:
        chunks.append(piece.hexdigest())
    return FileDigests(whole.hexdigest(), size, chunk_size, chunks)


def hash_range(path: str, start: int, length: int) -> str:
    """The sha256 (hex) of `length` bytes of the file from `start`."""
    digest = hashlib.sha256()
    with FileSlice(path, start, length) as piece:
        for block in piece:
            digest.update(block)
    if piece.sent != length:
        raise OSError(f"{path} is shorter than it was: it changed while being uploaded")
    return digest.hexdigest()


class FileSlice:
    """`length` bytes of a file from `start`, as a request body: `len()` gives requests its
    Content-Length, and the bytes are read from disk as the connection takes them. Iterable
    (what requests takes for a streamed body) and readable (what http.client reads)."""

    def __init__(
        self, path: str, start: int, length: int, progress: Progress | None = None
    ) -> None:
        self.path = path
        self.start = start
        self.length = length
        self.progress = progress
        self.sent = 0
        self._handle: BinaryIO | None = None

    def _open(self) -> BinaryIO:
        if self._handle is None:
            self._handle = open(self.path, "rb")  # noqa: SIM115 - closed by close()
            self._handle.seek(self.start)
        return self._handle

    def __len__(self) -> int:
        return self.length

    def read(self, size: int = -1) -> bytes:
        left = self.length - self.sent
        if left <= 0:
            return b""
        if size is None or size < 0 or size > left:
            size = left
        data = self._open().read(min(size, READ_SIZE))
        self.sent += len(data)
        if self.progress is not None and data:
            self.progress(len(data))
        return data

    def __iter__(self) -> Iterator[bytes]:
        while True:
            block = self.read(READ_SIZE)
            if not block:
                return
            yield block

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> FileSlice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def file_identity(path: str) -> tuple:
    """What says a file is the one hashed before: its absolute path, size and modification
    time (nanoseconds)."""
    stat = os.stat(path)
    return os.path.abspath(path), stat.st_size, stat.st_mtime_ns
