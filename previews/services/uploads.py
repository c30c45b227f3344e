"""Receiving a preview's media into its slot.

The uploaded file's name decides its kind (its content is never sniffed, as in Zou): pictures
and movies are stored and processed by a job queued once the upload's transaction commits;
other files (pdf, glb, zip...) are stored as they are and ready at once. A file of a kind we do
not take deletes the slot, as Zou does: clients rely on the 400 and on the slot's disappearance.

Pictures of the VFX formats (EXR, DPX, TIFF, PSD...) are pictures here, where Zou keeps them as
opaque files: they become PNG previews like any picture, and their upload is kept as it came,
served by the originals' routes. An archive (zip, tar) of numbered pictures becomes a movie
preview when the upload asks for it (`sequence=true`) or when it holds nothing else; any other
archive stays a file, as in Zou (docs/compatibility.md#vfx-pictures-and-image-sequences).
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Protocol
from uuid import UUID

from django.db import transaction

from kitsufiles import digests
from kitsufiles.errors import WrongParameter
from kitsufiles.stores.objects import UploadSink
from previews import errors, media, queue, storage
from previews.models import PreviewFile, PreviewStatus
from previews.services import slots

MediaKind = Literal["picture", "movie", "other"]

PICTURE_EXTENSIONS = frozenset({"jpe", "jpeg", "jpg", "png"})
# Read with OpenImageIO, colour-managed, the upload kept (previews.media.vfx).
VFX_PICTURE_EXTENSIONS = media.VFX_PICTURE_EXTENSIONS
MOVIE_EXTENSIONS = frozenset({"avi", "m4v", "mkv", "mov", "mp4", "webm", "wmv"})
# Zou's other files, but for the pictures above; and tar, which may hold an image sequence.
# fmt: off
OTHER_EXTENSIONS = frozenset({
    "ae", "ai", "blend", "clip", "comp", "diff", "fbx", "fla", "flv", "gif", "glb",
    "gltf", "hip", "kra", "ma", "mb", "md", "mp3", "obj", "pdf", "psb", "rar", "rev",
    "riv", "sai", "sai2", "sbbkp", "svg", "swf", "tar", "tvpp", "wav", "zip",
})
# fmt: on
# Longest accepted `color_space` and `layer` (names in an OCIO config, EXR layer names).
MAX_OPTION_LENGTH = 200


class ReceivedFile(Protocol):
    """An upload received into a sink (kitsufiles.uploads, or every chunk of a resumable
    upload: previews/resumable.py), not yet in its place."""

    @property
    def name(self) -> str | None: ...

    @property
    def size(self) -> int | None: ...

    @property
    def sha256(self) -> str: ...  # hex, computed while the bytes arrived

    def commit(self, name: str) -> None: ...


class LocalUpload(Protocol):
    """An upload the request reads itself: a local file (kitsufiles.uploads, with the sink of
    storage.readable_upload_sink)."""

    name: str | None
    size: int | None

    def temporary_file_path(self) -> str: ...


def split_file_name(file_name: str | None) -> tuple[str, str]:
    """("shot.v001.mov") → ("shot.v001", "mov"); a name without a dot is all extension."""
    parts = Path(file_name or "").name.split(".")
    return ".".join(parts[:-1]), parts[-1].lower()


def media_kind(extension: str) -> MediaKind | None:
    if extension in PICTURE_EXTENSIONS or extension in VFX_PICTURE_EXTENSIONS:
        return "picture"
    if extension in MOVIE_EXTENSIONS:
        return "movie"
    if extension in OTHER_EXTENSIONS:
        return "other"
    return None


def upload_destination(preview_id: UUID | str, file_name: str | None) -> storage.Media | None:
    """Where the upload of a file of this name is stored for the preview (decided by its
    extension, as `receive_media` decides), or None for a kind we do not take."""
    extension = split_file_name(file_name)[1]
    kind = media_kind(extension)
    if kind == "other" or extension in VFX_PICTURE_EXTENSIONS:
        # kept as uploaded: the originals' routes serve it (and the jobs read it)
        return storage.other_file(preview_id)
    if kind == "picture":
        return storage.picture(storage.PICTURE_UPLOAD, preview_id)
    if kind == "movie":
        return storage.movie("source", preview_id)
    return None


def upload_sink(preview_id: UUID | str, file_name: str | None) -> UploadSink:
    """Where a preview's upload goes while it arrives: on an object store, straight to the
    key its extension gives (committed by `receive_media`); staged for a kind we refuse."""
    return storage.upload_sink(upload_destination(preview_id, file_name))


def receive_media(
    *,
    preview: PreviewFile,
    upload: ReceivedFile,
    normalize: bool = True,
    inline: bool = False,
    expected_sha256: str | None = None,
    sequence: bool | None = None,
    color_space: str | None = None,
    layer: str | None = None,
) -> PreviewFile:
    """Store an uploaded file into an empty slot and start its processing (a job, unless
    `inline`: then the caller runs `process_inline`).

    A file of a kind we do not take deletes the slot and raises; so does an empty movie or
    picture. Returns the preview, with status `processing` for pictures and movies (a job
    makes them `ready`).

    `expected_sha256` (hex) is the whole file's sha256 the client stated. It is checked
    first: bytes that changed on the way say nothing about the file the client has, so the
    slot stays as it was (empty, ready for the upload to be sent again) rather than being
    judged on them (docs/compatibility.md#upload-integrity).

    `sequence`: whether an archive is an image sequence (None: when it holds only numbered
    pictures); `color_space` and `layer` are recorded in the preview's `data`, where the job
    reads them (previews.media.colour, previews.media.vfx)."""
    if expected_sha256 is not None:
        digests.verify_sha256(expected=expected_sha256, received=upload.sha256)
    original_name, extension = split_file_name(upload.name)
    kind = media_kind(extension)
    if kind is None:
        slots.delete_preview(preview=preview, force=False)
        raise errors.WrongFileFormat(extension)
    if upload.size == 0 and kind != "other":
        slots.delete_preview(preview=preview, force=True)
        raise errors.EmptyUpload(kind)
    destination = upload_destination(preview.pk, upload.name)
    assert destination is not None  # a kind we take
    with transaction.atomic():
        preview = PreviewFile.objects.select_for_update().get(pk=preview.pk)
        if preview.is_uploaded:  # a second upload raced this one
            raise errors.AlreadyUploaded()
        preview.original_name = original_name
        preview.broken_reason = None
        preview.attempts = 0
        # The bytes are committed before the row says they exist; a store that is down
        # (StoreUnavailable) rolls the row back and leaves the slot empty.
        upload.commit(destination.name)
        options = {"color_space": color_space, "layer": layer}
        data = {**(preview.data or {}), **{k: v for k, v in options.items() if v}}
        if kind == "other" and _is_sequence(destination, extension, sequence):
            preview.extension = "mp4"
            preview.status = PreviewStatus.PROCESSING
            preview.data = {
                **data,
                "original_extension": extension,
                "original_file_size": upload.size,
                "sequence": True,
            }
        elif kind == "other":
            preview.file_size = upload.size or 0
            preview.extension = extension
            preview.status = PreviewStatus.READY
        elif kind == "picture":
            preview.extension = "png"
            preview.status = PreviewStatus.PROCESSING
            if extension in VFX_PICTURE_EXTENSIONS:
                preview.data = {
                    **data,
                    "original_extension": extension,
                    "original_file_size": upload.size,
                }
        else:
            preview.extension = "mp4"
            preview.status = PreviewStatus.PROCESSING
            preview.data = {
                **data,
                "original_file_size": upload.size,
                "normalize": normalize,
            }
        preview.save()
        if preview.status == PreviewStatus.PROCESSING and not inline:
            queue.enqueue_processing(preview)
    return preview


def _is_sequence(stored: storage.Media, extension: str, asked: bool | None) -> bool:
    """Whether the stored archive is processed as an image sequence: when the upload asks,
    or, unasked, when all it holds is one series of numbered pictures (read from its
    directory: a zip's is at its end, a tar's headers are skipped through). An archive that
    cannot be read stays a file, as in Zou; asked for, it is the job that reports it broken."""
    kind = media.archive_kind(extension)
    if kind is None or asked is False:
        return False
    if asked:
        return True
    try:
        with storage.open_media(stored) as handle:
            media.find_sequence(media.member_names(handle, kind), strict=True)
    except media.NotASequence:
        return False
    return True


def upload_options(query: Mapping[str, str]) -> dict[str, Any]:
    """The processing options in a preview upload's query (the multipart route's, or the tus
    creation request's), as `receive_media` takes them: `normalize` (Zou: anything but
    "true" is false), `sequence` (absent: decided from the archive; "true" or anything
    else), `color_space` and `layer` (names, recorded in the preview's data). Raises
    WrongParameter on an over-long name or one with control characters."""
    normalize = query.get("normalize")
    sequence = query.get("sequence")
    options: dict[str, Any] = {
        "normalize": normalize is None or normalize.strip().lower() == "true",
        "sequence": None if sequence is None else sequence.strip().lower() == "true",
    }
    for key in ("color_space", "layer"):
        value = (query.get(key) or "").strip()
        if len(value) > MAX_OPTION_LENGTH:
            raise WrongParameter(f"{key} is longer than {MAX_OPTION_LENGTH} characters.")
        if not value.isprintable():  # a name, kept in a JSON column (no NUL in PostgreSQL)
            raise WrongParameter(f"{key} must be a name, without control characters.")
        options[key] = value or None
    return options
