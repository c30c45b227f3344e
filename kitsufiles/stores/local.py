"""Upload sinks whose bytes are a local file.

- `LocalSink`: local storage's. The bytes go to a temporary file inside the storage's folder
  (`<location>/.incoming`), and committing renames it over the destination (`replace_file`),
  so they are written once (docs/decisions/upload-chunk-size.md).
- `FileSink`: a temporary file in a folder of local scratch space, put into an object store on
  commit. For the few uploads a request must read itself (avatars, background files: small
  pictures under a size limit) when their storage is an object store
  (docs/decisions/object-storage.md).

Both expose `path`, the file a request may read once `finish()` has flushed it.
"""

import os
import tempfile
import threading
import uuid
from contextlib import suppress
from pathlib import Path
from typing import IO

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage

INCOMING_FOLDER = ".incoming"
RETIRED_PREFIX = ".retired-"


class FileSink:
    """Bytes to a temporary file in `directory`; on commit they are saved in `storage` (an
    object store puts them in one step) and the file is removed."""

    def __init__(self, directory: Path, storage: Storage) -> None:
        self.storage = storage
        self.size = 0
        directory.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] | None = tempfile.NamedTemporaryFile(  # noqa: SIM115
            dir=directory, prefix=".upload-", delete=False
        )
        self.path = Path(self._file.name)

    def write(self, data: bytes) -> None:
        if self._file is None:
            raise ValueError("the sink is closed")
        self._file.write(data)
        self.size += len(data)

    def finish(self) -> None:
        """Every byte written is in the file (readable by `path`)."""
        if self._file is not None:
            self._file.flush()

    def commit(self, name: str) -> None:
        if self._file is None:
            return
        self._file.close()
        self._file = None
        self._commit(name)

    def _commit(self, name: str) -> None:
        with self.path.open("rb") as source:
            self.storage.save(name, File(source))
        self.path.unlink(missing_ok=True)

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)


class LocalSink(FileSink):
    """Local storage's sink: the file is in the storage's own folder, and committing it is one
    rename over the destination."""

    storage: FileSystemStorage

    def __init__(self, storage: FileSystemStorage) -> None:
        super().__init__(Path(storage.location) / INCOMING_FOLDER, storage)

    def _commit(self, name: str) -> None:
        replace_file(str(self.path), self.storage.path(name))


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
