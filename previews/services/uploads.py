"""Receiving a preview's media into its slot.

The uploaded file's name decides its kind (its content is never sniffed, as in Zou): pictures
and movies are stored and processed by a job queued once the upload's transaction commits;
other files (pdf, glb, zip...) are stored as they are and ready at once. A file of a kind we do
not take deletes the slot, as Zou does: clients rely on the 400 and on the slot's disappearance.
"""

from pathlib import Path
from typing import Literal, Protocol

from django.db import transaction

from previews import errors, queue, storage
from previews.models import PreviewFile, PreviewStatus
from previews.services import slots

MediaKind = Literal["picture", "movie", "other"]

PICTURE_EXTENSIONS = frozenset({"jpe", "jpeg", "jpg", "png"})
MOVIE_EXTENSIONS = frozenset({"avi", "m4v", "mkv", "mov", "mp4", "webm", "wmv"})
# fmt: off
OTHER_EXTENSIONS = frozenset({
    "ae", "ai", "blend", "clip", "comp", "diff", "exr", "fbx", "fla", "flv", "gif", "glb",
    "gltf", "hip", "kra", "ma", "mb", "md", "mp3", "obj", "pdf", "psd", "psb", "rar", "rev",
    "riv", "sai", "sai2", "sbbkp", "svg", "swf", "tvpp", "wav", "zip",
})
# fmt: on


class ReceivedFile(Protocol):
    """An upload already on local disk (kitsufiles.uploads streams every part there)."""

    name: str | None
    size: int | None

    def temporary_file_path(self) -> str: ...


def split_file_name(file_name: str | None) -> tuple[str, str]:
    """("shot.v001.mov") → ("shot.v001", "mov"); a name without a dot is all extension."""
    parts = Path(file_name or "").name.split(".")
    return ".".join(parts[:-1]), parts[-1].lower()


def media_kind(extension: str) -> MediaKind | None:
    if extension in PICTURE_EXTENSIONS:
        return "picture"
    if extension in MOVIE_EXTENSIONS:
        return "movie"
    if extension in OTHER_EXTENSIONS:
        return "other"
    return None


def receive_media(
    *, preview: PreviewFile, upload: ReceivedFile, normalize: bool = True, inline: bool = False
) -> PreviewFile:
    """Store an uploaded file into an empty slot and start its processing (a job, unless
    `inline`: then the caller runs `process_inline`).

    A file of a kind we do not take deletes the slot and raises; so does an empty movie or
    picture. Returns the preview, with status `processing` for pictures and movies (a job
    makes them `ready`)."""
    original_name, extension = split_file_name(upload.name)
    kind = media_kind(extension)
    if kind is None:
        slots.delete_preview(preview=preview, force=False)
        raise errors.WrongFileFormat(extension)
    if upload.size == 0 and kind != "other":
        slots.delete_preview(preview=preview, force=True)
        raise errors.EmptyUpload(kind)
    upload_path = Path(upload.temporary_file_path())
    with transaction.atomic():
        preview = PreviewFile.objects.select_for_update().get(pk=preview.pk)
        if preview.is_uploaded:  # a second upload raced this one
            raise errors.AlreadyUploaded()
        preview.original_name = original_name
        preview.broken_reason = None
        preview.attempts = 0
        if kind == "other":
            preview.file_size = storage.store(storage.other_file(preview.pk), upload_path)
            preview.extension = extension
            preview.status = PreviewStatus.READY
        elif kind == "picture":
            storage.store(storage.picture(storage.PICTURE_UPLOAD, preview.pk), upload_path)
            preview.extension = "png"
            preview.status = PreviewStatus.PROCESSING
        else:
            storage.store(storage.movie("source", preview.pk), upload_path)
            preview.extension = "mp4"
            preview.status = PreviewStatus.PROCESSING
            preview.data = {
                **(preview.data or {}),
                "original_file_size": upload.size,
                "normalize": normalize,
            }
        preview.save()
        if kind != "other" and not inline:
            queue.enqueue_processing(preview)
    return preview
