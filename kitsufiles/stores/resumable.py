"""Sinks for uploads that arrive over several requests (tus resumable uploads:
docs/decisions/resumable-uploads.md).

A multipart POST writes its file into an `UploadSink` in one request. A resumable upload sends
its bytes in chunks, one request each, possibly from another machine of the cluster after a
restart: its sink must be reopened from a small saved state (a JSON object kept in the
database row of the upload), go on where the last request left it, and still write every byte
once, in its final place:

- local storage: one file in the storage's `.incoming` folder, appended to, renamed over the
  destination on commit (as `LocalSink`);
- S3: the parts of one multipart upload to the destination key, completed on commit; the bytes
  of a part that is not full yet when a request ends (at most one part) are kept in a small
  staging object until the next request fills it;
- Swift: segments, the manifest written at the key on commit;
- the folder store (the reference the tests use): a file beside its objects, moved on commit.

A request opens the sink from the saved state, `write`s what it receives, then either
`checkpoint()`s (every byte written is durable; the returned state is saved with the new
offset) or `rollback()`s (the bytes written since the last checkpoint are forgotten: a chunk
whose checksum did not match). Once every byte has arrived, `commit(name)` makes them the
content of the destination in one step; `abort()` forgets them all (termination, expiry).
Only one request writes an upload at a time (the caller's lease: resumable/services.py).
"""

import os
from pathlib import Path
from uuid import UUID

from django.core.files.storage import FileSystemStorage, Storage, storages

from kitsufiles.stores.local import INCOMING_FOLDER, replace_file
from kitsufiles.stores.objects import (
    RESUMABLE_PREFIX,
    ObjectStorage,
    ResumableSink,
    SinkState,
)


class LocalResumableSink:
    """Local storage: the bytes are one file in `<location>/.incoming`, renamed over the
    destination on commit (written once, as `LocalSink`: docs/decisions/upload-chunk-size.md).
    Writes go at explicit offsets (pwrite), so a rollback is a truncate and a request that
    lost its lease cannot append where the next one writes."""

    def __init__(
        self, storage: FileSystemStorage, name: str, state: SinkState | None, *, upload_id: UUID
    ) -> None:
        self.storage = storage
        self.name = name
        folder = Path(storage.location) / INCOMING_FOLDER
        self.path = folder / f"{RESUMABLE_PREFIX}{upload_id.hex}"
        if state is None:
            folder.mkdir(parents=True, exist_ok=True)
            self.path.touch()
            self._checkpointed = 0
        else:
            self._checkpointed = int(state["size"])
            if not self.path.exists():
                raise FileNotFoundError(f"the bytes of this upload are gone ({self.path})")
        self.size = self._checkpointed
        self._fd: int | None = None

    def _descriptor(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY)
        return self._fd

    def write(self, data: bytes) -> None:
        fd = self._descriptor()
        view = memoryview(data)
        while view:
            written = os.pwrite(fd, view, self.size)
            view = view[written:]
            self.size += written

    def checkpoint(self) -> SinkState:
        if self._fd is not None:
            # The bytes reach the file (the kernel's cache): a process that dies keeps them,
            # a machine that loses power may not; the next request asks for the offset again.
            os.ftruncate(self._fd, self.size)
        self._checkpointed = self.size
        return {"size": self.size}

    def rollback(self) -> None:
        os.truncate(self.path, self._checkpointed)
        self.size = self._checkpointed

    def commit(self, name: str) -> None:
        if name != self.name:
            raise ValueError(f"this upload was opened for {self.name!r}, not {name!r}")
        self._close()
        replace_file(str(self.path), self.storage.path(name))

    def abort(self) -> None:
        self._close()
        self.path.unlink(missing_ok=True)

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def open_resumable_sink(
    alias: str, name: str, state: SinkState | None, *, upload_id: UUID, length: int
) -> ResumableSink:
    """The resumable sink of upload `upload_id` (`length` bytes in all) to `name` in storage
    `alias`: a new one when `state` is None, else the one that state describes (saved by
    `checkpoint`, on any machine). Whatever it keeps before the commit is named after the
    upload's id (`resumable-<hex>`), so the storage sweep can tell a live upload's bytes from
    a dead one's. FileNotFoundError when its bytes are gone (swept meanwhile)."""
    storage: Storage = storages[alias]
    if isinstance(storage, ObjectStorage):
        return storage.resumable_sink(
            storage.object_name(name), state, upload_id=upload_id, length=length
        )
    if isinstance(storage, FileSystemStorage):
        return LocalResumableSink(storage, name, state, upload_id=upload_id)
    raise TypeError(f"The {alias!r} storage ({type(storage).__name__}) takes no uploads")
