"""The storage aliases as callers use them, whatever their backend."""

from pathlib import Path

from django.core.files.storage import FileSystemStorage, storages

from kitsufiles.stores.local import FileSink, LocalSink
from kitsufiles.stores.objects import ObjectStorage, UploadSink

# Zou's two kinds of content: working and output files, and preview media (with avatars,
# attachments and background files).
CONTENT_ALIASES = ("files", "previews")


def object_storage(alias: str) -> ObjectStorage | None:
    """The alias's object store, or None when it is on local disk."""
    storage = storages[alias]
    return storage if isinstance(storage, ObjectStorage) else None


def sink_for(alias: str, name: str | None = None) -> UploadSink:
    """Where an upload for `alias` goes while it arrives; `name` when its destination is
    known before the first byte (an object store then writes it there directly)."""
    storage = storages[alias]
    if isinstance(storage, ObjectStorage):
        return storage.sink(storage.object_name(name) if name is not None else None)
    if isinstance(storage, FileSystemStorage):
        return LocalSink(storage)
    raise TypeError(f"The {alias!r} storage ({type(storage).__name__}) takes no uploads")


def prepare_buckets() -> None:
    """At start-up on an object store: create the content aliases' missing buckets when the
    backend's create option is set (FS_S3_CREATE_BUCKET, FS_SWIFT_CREATE_CONTAINER), else
    refuse to start naming the first missing one (ImproperlyConfigured). A store that cannot
    be reached stops the start too (StoreUnavailable), saying what failed."""
    for alias in CONTENT_ALIASES:
        storage = object_storage(alias)
        if storage is not None:
            storage.ensure_buckets(create=bool(getattr(storage, "create_buckets", False)))


def readable_sink_for(alias: str, scratch: Path) -> FileSink:
    """A sink for an upload the request reads itself (a picture to decode) before storing
    it: a local file, in the storage's folder on local storage (committing it is a rename),
    else in `scratch` (local work space; committing it puts the file into the store)."""
    storage = storages[alias]
    if isinstance(storage, FileSystemStorage):
        return LocalSink(storage)
    return FileSink(scratch, storage)
