"""Reads of the thumbnails app: the rows a picture belongs to, and their stored pictures."""

from collections.abc import Iterator
from uuid import UUID

from django.db.models import Model

from kitsufiles.lookups import get_or_404
from kitsufiles.media_store import Media, OpenedMedia, open_stored, picture
from kitsufiles.stores import inventory
from production.models import AttachmentFile, Organisation, Person, Project

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


# ---------------------------------------------------------------------------------------------
# Stored pictures against rows (prune_storage, kitsufiles/stores/inventory.py)


def ids_with_picture(ids: list[UUID]) -> list[UUID]:
    """Which of these ids are a person, project or organisation that has a picture (the file
    of one whose `has_avatar` is false is left over), or an attachment (its thumbnail)."""
    found: list[UUID] = []
    for model in AVATAR_MODELS.values():
        rows = model.objects.filter(pk__in=ids, has_avatar=True)
        found += rows.values_list("pk", flat=True)
    found += AttachmentFile.objects.filter(pk__in=ids).values_list("pk", flat=True)
    return found


def rows_needing_pictures(batch: int) -> Iterator[list[inventory.Expected]]:
    """Persons, projects and organisations with `has_avatar`: each must have its picture."""
    for model in AVATAR_MODELS.values():
        rows = model.objects.filter(has_avatar=True).only("pk")
        for page in inventory.in_pages(rows, batch):
            yield [
                inventory.Expected(
                    "previews",
                    f"{model._meta.verbose_name} {row.pk} (has_avatar)",
                    ((avatar(row).name,),),
                )
                for row in page
            ]
