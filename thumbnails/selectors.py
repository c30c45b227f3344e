"""Reads of the thumbnails app: the rows a picture belongs to, and their stored pictures."""

from django.db.models import Model

from kitsufiles.lookups import get_or_404
from kitsufiles.media_store import Media, OpenedMedia, open_stored, picture
from production.models import Organisation, Person, Project

# The rows that have a picture, by the collection name of their URL.
AVATAR_MODELS: dict[str, type[Person | Project | Organisation]] = {
    "persons": Person,
    "projects": Project,
    "organisations": Organisation,
}
# What the picture routes read of those rows: the flag and the validator.
AVATAR_FIELDS = ("id", "has_avatar", "updated_at")


def avatar_row(kind: str, row_id: object) -> Person | Organisation:
    """The person or the organisation `row_id` with what its picture routes read (NotFound
    when there is none, or the id is malformed). Projects go through the access entry point,
    which reads the caller's team link with the row."""
    model = AVATAR_MODELS[kind]
    row = get_or_404(model.objects.only(*AVATAR_FIELDS), row_id)
    assert isinstance(row, Person | Organisation)
    return row


def avatar(row: Model) -> Media:
    """Zou's key of a person's, project's or organisation's picture: pictures `thumbnails-<id>`."""
    return picture("thumbnails", row.pk)


def opened_avatar(row: Person | Project | Organisation) -> OpenedMedia | None:
    """The stored picture of `row`, or None when it has none (`has_avatar` false, or the file
    is missing)."""
    if not row.has_avatar:
        return None
    return open_stored(avatar(row))
