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

from pathlib import Path
from uuid import UUID

from django.core.files.storage import FileSystemStorage, Storage, storages

from kitsufiles.stores.local import INCOMING_FOLDER, replace_file
from kitsufiles.stores.objects import (
    ObjectStorage,
    ResumableFile,
    ResumableSink,
    SinkState,
)


class LocalResumableSink(ResumableFile):
    """Local storage: the bytes are one file in `<location>/.incoming`, renamed over the
    destination on commit (written once, as `LocalSink`: docs/decisions/upload-chunk-size.md)."""

    def __init__(
        self, storage: FileSystemStorage, name: str, state: SinkState | None, *, upload_id: UUID
    ) -> None:
        super().__init__(Path(storage.location) / INCOMING_FOLDER, state, upload_id=upload_id)
        self.storage = storage
        self.name = name

    def _place(self, name: str) -> None:
        if name != self.name:
            raise ValueError(f"this upload was opened for {self.name!r}, not {name!r}")
        replace_file(str(self.path), self.storage.path(name))


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
