"""Writes of the thumbnails app: a person's, project's or organisation's picture (400x400
PNG at pictures `thumbnails-<id>`, and the row's `has_avatar`), and the thumbnails of
comment attachments (150x150 PNG at pictures `thumbnails-<attachment id>`).

A picture is decoded and written in full before anything is stored: an upload that is not a
picture, or too large, changes nothing (the previous picture and the flag stay)."""

from pathlib import Path

from django.conf import settings

from kitsufiles.media_store import (
    OpenedMedia,
    attachment,
    delete,
    local_copy,
    open_stored,
    picture,
    scratch_dir,
    store,
)
from production.models import AttachmentFile, Organisation, Person, Project
from thumbnails import errors, images
from thumbnails.selectors import avatar

# Attachments whose content is worth decoding for a thumbnail (by their extension, so that a
# PDF is not opened on every request).
PICTURE_EXTENSIONS = frozenset(("png", "jpg", "jpeg", "jpe", "webp", "tif", "tiff"))


def _fitted(source: Path, work: Path, box: tuple[int, int]) -> Path:
    target = work / "picture.png"
    try:
        images.write_fitted(source, target, box, max_pixels=settings.MAX_IMAGE_PIXELS)
    except images.PictureError as error:
        raise errors.NotAPicture(error.explanation) from error
    return target


def set_avatar(*, row: Person | Project | Organisation, upload: Path) -> None:
    """Make `upload` the picture of `row`: fitted in 400x400 (never enlarged nor stretched),
    stored, then `has_avatar` set (and `updated_at`, the Last-Modified of the picture)."""
    with scratch_dir("avatar-") as work:
        store(avatar(row), _fitted(upload, work, images.AVATAR_SIZE))
    row.has_avatar = True
    row.save(update_fields=["has_avatar", "updated_at"])


def clear_avatar(*, person: Person) -> None:
    """`has_avatar` false, then the stored picture removed (a reader that saw the flag true
    gets a 404, never half a file)."""
    person.has_avatar = False
    person.save(update_fields=["has_avatar", "updated_at"])
    delete(avatar(person))


def attachment_thumbnail(row: AttachmentFile) -> OpenedMedia | None:
    """The 150x150 thumbnail of a comment attachment, made from its content on first request
    when it is a picture (Zou makes one only for PNG chat attachments); None when there is
    none to give (not a picture, content missing or unreadable)."""
    thumbnail = picture("thumbnails", row.pk)
    opened = open_stored(thumbnail)
    if opened is not None or row.extension.lower() not in PICTURE_EXTENSIONS:
        return opened
    with scratch_dir("attachment-") as work:
        try:
            with local_copy(attachment(row.pk)) as source:
                made = _fitted(source, work, images.ATTACHMENT_THUMBNAIL_SIZE)
        except (errors.NotAPicture, OSError):
            return None
        store(thumbnail, made)
    return open_stored(thumbnail)
