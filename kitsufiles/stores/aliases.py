"""The storage aliases as callers use them, whatever their backend."""

from django.core.files.storage import FileSystemStorage, storages

from kitsufiles.stores.local import LocalSink
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
