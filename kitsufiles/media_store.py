"""Where stored media live: Zou's buckets and keys in the `previews` storage alias, for every
app that stores pictures or movies (previews, thumbnails and avatars).

A file is named by its bucket (`pictures`, `movies`, `files`) and its key `<prefix>-<id>`.
On disk the key is split on its first dash and sharded exactly as Zou does, so an existing Zou
preview folder can be mounted as PREVIEW_FOLDER and read as it is:

    pictures / thumbnails         → pictures/thumbnails/63e/453/63e453f1-...
    pictures / thumbnails-square  → pictures/thumbnails/squ/are/square-63e453f1-...  (sic)
    movies / lowdef               → movies/lowdef/63e/453/63e453f1-...

On an object store (FS_BACKEND=s3|swift) the same names are Zou's flat keys
(kitsufiles/stores/names.py), and nothing here assumes a local path: files are read through
the storage API (a streamed, ranged RemoteFile), copied to the local work folder only where a
tool needs a path (`local_copy`: ffmpeg, Pillow), and stored with a put
(docs/decisions/object-storage.md).

Here rather than in previews/storage.py (which re-exports it, with the keys of a preview's
files) because the thumbnails app, below previews, stores avatars the same way.
"""

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO
from uuid import UUID

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from kitsufiles.downloads import file_response, redirect_to_store, remote_file
from kitsufiles.stores import aliases
from kitsufiles.stores.local import INCOMING_FOLDER, FileSink
from kitsufiles.stores.objects import StoreUnavailable, UploadSink

logger = logging.getLogger(__name__)

ALIAS = "previews"


@dataclass(frozen=True)
class Media:
    """One stored file: `Media("movies", "lowdef", preview_id)`, `Media("pictures",
    "thumbnails", person_id)`."""

    bucket: str
    prefix: str
    preview_id: str

    @property
    def key(self) -> str:
        return f"{self.prefix}-{self.preview_id}"

    @property
    def name(self) -> str:
        """The storage name: Zou's local layout."""
        folder, rest = self.key.split("-", 1)
        return f"{self.bucket}/{folder}/{rest[:3]}/{rest[3:6]}/{rest}"


def picture(prefix: str, row_id: UUID | str) -> Media:
    """A file of the pictures bucket: `picture("thumbnails", id)` (a preview's 150x100
    thumbnail, or a person's, project's or organisation's 400x400 avatar: Zou keys both
    `thumbnails-<id>`)."""
    return Media("pictures", prefix, str(row_id))


def attachment(attachment_id: UUID | str) -> Media:
    """A comment attachment's content (files bucket, `attachments-<id>`)."""
    return Media("files", "attachments", str(attachment_id))


def _storage() -> Storage:
    return storages[ALIAS]


def _local_path(media: Media) -> Path | None:
    """The file of `media` on local storage; None on an object store."""
    storage = _storage()
    if isinstance(storage, FileSystemStorage):
        return Path(storage.path(media.name))
    return None


def store(media: Media, source: Path) -> int:
    """Put the finished file `source` in place of `media` (overwriting); returns its size.

    On local storage this is a rename when both are on one file system: readers see the old
    file or the new one, never a half-written one. `source` is gone afterwards."""
    size = source.stat().st_size
    destination = _local_path(media)
    if destination is not None:
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, destination)
        except OSError:  # another file system: copy beside, then rename
            staging = destination.with_name(f".{destination.name}.partial")
            shutil.copyfile(source, staging)
            os.replace(staging, destination)
            source.unlink()
        return size
    storage = _storage()
    with source.open("rb") as handle:
        storage.save(media.name, File(handle))  # object stores overwrite the key in one put
    source.unlink()
    return size


def size_of(media: Media) -> int | None:
    """The stored size, or None when the file is absent or empty (Zou: "not found"). One
    stat(2), or one HEAD on an object store (StoreUnavailable when it is down)."""
    try:
        size = _storage().size(media.name)
    except OSError:  # absent (FileNotFoundError), or unreadable
        return None
    return size or None


def modified_at(media: Media) -> float:
    return _storage().get_modified_time(media.name).timestamp()


@dataclass(frozen=True)
class OpenedMedia:
    """A stored file opened for reading, with its size and modification time (seconds since
    the epoch) measured on the open file: a file replaced after it was opened keeps the
    figures of the bytes this handle reads."""

    media: Media
    file: IO[bytes]
    size: int
    modified: float

    @property
    def etag(self) -> str:
        """A strong validator from stored metadata: which rendition, its size and its mtime
        (ms). It changes whenever the file is rewritten, even if the row is not touched."""
        return f"{self.media.prefix}-{self.size}-{int(self.modified * 1000)}"


def serve_stored(
    request: HttpRequest,
    opened: OpenedMedia,
    *,
    last_modified: datetime | None,
    content_type: str,
    disposition: str = 'inline; filename=""',
    redirect: bool = False,
) -> HttpResponseBase:
    """The answer for a stored file of a production (private to its people): no byte read to
    answer, the length and the ETag from the open file's metadata (`OpenedMedia.etag`), the
    Last-Modified from its row; ranges and 304s (docs/decisions/media-delivery.md). With
    `redirect` (large media: movies, originals, attachments), a 302 to the object store when
    FS_SIGNED_URL_SECONDS asks for it (`redirect_to_store`)."""
    if redirect:
        redirected = redirect_to_store(
            request,
            opened.file,
            etag=opened.etag,
            last_modified=last_modified,
            content_type=content_type,
            disposition=disposition,
        )
        if redirected is not None:
            return redirected
    return file_response(
        request,
        opened.file,
        size=opened.size,
        etag=opened.etag,
        last_modified=last_modified,
        content_type=content_type,
        disposition=disposition,
        cache="private",
        max_age=settings.CLIENT_CACHE_MAX_AGE,
    )


def open_stored(media: Media) -> OpenedMedia | None:
    """`media` opened for reading, or None when it is absent or empty (Zou: "not found").

    On local storage this is one open(2) and one fstat(2), whatever is asked next: delivery
    needs no exists/size/stat calls before it (docs/decisions/media-delivery.md). On an
    object store it is one HEAD (the RemoteFile's `info`: size and time), and the bytes are
    only asked for when a body is sent; StoreUnavailable when the store is down."""
    path = _local_path(media)
    handle: IO[bytes] | None = None
    try:
        if path is not None:
            handle = open(path, "rb")  # noqa: SIM115 (the response closes it)
            status = os.fstat(handle.fileno())
            size, modified = status.st_size, status.st_mtime
        else:
            handle = open_media(media)
            remote = remote_file(handle)
            if remote is None:  # another kind of storage: measured through its API
                size = handle.seek(0, os.SEEK_END)
                handle.seek(0)
                modified = modified_at(media) if size else 0.0
            else:
                size, modified = remote.info.size, remote.info.modified.timestamp()
    except OSError:  # absent (or removed meanwhile, or unreadable): not found, as size_of
        size = 0
    if handle is None or not size:
        if handle is not None:
            handle.close()
        return None
    return OpenedMedia(media, handle, size, modified)


def open_media(media: Media) -> File:
    return _storage().open(media.name, "rb")


def delete(media: Media) -> None:
    """Remove a stored file; absent files and storage errors are ignored (Zou does the same:
    a row's deletion must not fail on its media). A store that is down leaves the object
    for prune_storage (docs/decisions/object-storage.md)."""
    try:
        _storage().delete(media.name)
    except (OSError, StoreUnavailable) as error:
        if not isinstance(error, FileNotFoundError):
            logger.warning("The stored file %s was not removed: %s", media.name, error)


@contextmanager
def local_copy(media: Media) -> Iterator[Path]:
    """A local path to read `media` from (ffmpeg and Pillow need one): the file itself on
    local storage, else a temporary copy streamed from the object store."""
    path = _local_path(media)
    if path is not None:
        yield path
        return
    work_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=work_dir(), prefix=".download-") as copy:
        with open_media(media) as remote:
            shutil.copyfileobj(remote, copy, 1024 * 1024)
        copy.flush()
        yield Path(copy.name)


def work_dir() -> Path:
    return Path(settings.PREVIEW_WORK_DIR)


@contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    """A fresh folder under the work folder for one job's intermediate files (ffmpeg and Pillow
    outputs before they are stored), removed with whatever is left in it."""
    work_dir().mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(dir=work_dir(), prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def upload_dir() -> Path:
    """Where uploads that are local files are received while they arrive: in the storage's
    folder on local storage (so that storing them is a rename), else in the work folder."""
    storage = _storage()
    if isinstance(storage, FileSystemStorage):
        return Path(storage.location) / INCOMING_FOLDER
    return work_dir() / INCOMING_FOLDER


def upload_sink(media: Media | None = None) -> UploadSink:
    """Where an upload of stored media goes while it arrives: straight to `media` on an
    object store when it is known before the first byte, else staged (see
    kitsufiles.stores.aliases.sink_for); committed with `media.name`."""
    return aliases.sink_for(ALIAS, media.name if media is not None else None)


def readable_upload_sink() -> FileSink:
    """Where an upload goes that the request decodes before storing it (avatars, background
    files: small pictures under MAX_UPLOAD_SIZE): always a local file (`path`), put into an
    object store by `store` (docs/decisions/object-storage.md)."""
    return aliases.readable_sink_for(ALIAS, work_dir() / INCOMING_FOLDER)
