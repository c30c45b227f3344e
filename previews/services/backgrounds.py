"""Preview background files (HDR environments for Kitsu's 3D viewer): their rows, their
upload, and the projects that offer them.

Rules (Zou's, zou-previews-contract §6.8, §6.15): names are unique; at most one background is
the studio default, and setting one resets the others; a project offers any number of them
and has at most one default among them. Where we differ on purpose (more formats, a refused
upload changes nothing, no HDR thumbnail until a decoder is installed):
docs/compatibility.md#preview-background-files.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from kitsufiles.errors import NotFound
from kitsufiles.records import lock_row
from previews import errors, storage
from previews.models import PreviewBackgroundFile, ProjectPreviewBackgroundFileLink
from previews.services.uploads import LocalUpload, split_file_name
from production.models import Project
from thumbnails import hdr, images

# Radiance and OpenEXR environments (Zou takes `hdr` only), and LDR panoramas.
BACKGROUND_EXTENSIONS = frozenset({"hdr", "exr", "png", "jpg", "jpeg"})
THUMBNAIL_SIZE = (300, 200)  # Zou's BIG_RECTANGLE_SIZE
SIGNATURE_LENGTH = 16


# ---------------------------------------------------------------------------------------------
# Rows (the generic CRUD's services)


def _check_name(name: str | None, exclude: Any = None) -> None:
    if name is None:
        return
    clash = PreviewBackgroundFile.objects.filter(name=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise errors.BackgroundNameTaken()


def _reset_other_defaults(background: PreviewBackgroundFile) -> None:
    """Only one default: the others lose the flag (their rows locked first, so that two
    requests setting a default queue up; the partial unique index catches the rest)."""
    others = PreviewBackgroundFile.objects.select_for_update().filter(is_default=True)
    others = others.exclude(pk=background.pk)
    ids = list(others.values_list("pk", flat=True))
    if ids:
        PreviewBackgroundFile.objects.filter(pk__in=ids).update(is_default=False)


@transaction.atomic
def create_background(*, values: dict[str, Any]) -> PreviewBackgroundFile:
    _check_name(values.get("name"))
    background = PreviewBackgroundFile(**values)
    if background.is_default:
        _reset_other_defaults(background)
    background.save(force_insert=True)
    return background


@transaction.atomic
def update_background(
    *, background: PreviewBackgroundFile, values: dict[str, Any]
) -> PreviewBackgroundFile:
    _check_name(values.get("name"), exclude=background.pk)
    for key, value in values.items():
        setattr(background, key, value)
    if background.is_default:
        _reset_other_defaults(background)
    background.save()
    return background


@transaction.atomic
def delete_background(*, background: PreviewBackgroundFile, force: bool = False) -> None:
    """Delete the row and its project links; its files only with REMOVE_FILES (or `force`),
    as Zou does, once the deletion has committed."""
    background_id = background.pk
    background.delete()
    if force or settings.REMOVE_FILES:
        transaction.on_commit(lambda: _delete_media(background_id))


def _delete_media(background_id: Any) -> None:
    for media in storage.background_media(background_id):
        storage.delete(media)


# ---------------------------------------------------------------------------------------------
# Upload


def receive_background_file(
    *, background: PreviewBackgroundFile, upload: LocalUpload
) -> PreviewBackgroundFile:
    """Store an uploaded environment (kept byte for byte) and its 300x200 thumbnail.

    Every check comes before anything is written: a file of another kind or whose content is
    not what its extension says is refused (400) and the row and its stored files stay as
    they were. A new upload replaces the previous one (as in Zou)."""
    original_name, extension = split_file_name(upload.name)
    if extension not in BACKGROUND_EXTENSIONS:
        raise errors.WrongFileFormat(extension)
    source = Path(upload.temporary_file_path())
    with storage.scratch_dir(prefix=f"background-{background.pk}-") as workdir:
        thumbnail = _thumbnail(source, extension, workdir)
        with transaction.atomic():
            locked = PreviewBackgroundFile.objects.select_for_update().filter(pk=background.pk)
            row = locked.first()
            if row is None:  # deleted meanwhile
                raise NotFound()
            row.file_size = storage.store(storage.background(row.pk), source)
            thumbnail_media = storage.picture("thumbnails", row.pk)
            if thumbnail is None:
                storage.delete(thumbnail_media)  # never the thumbnail of a previous upload
            else:
                storage.store(thumbnail_media, thumbnail)
            row.original_name = original_name
            row.extension = extension
            row.save(update_fields=["file_size", "original_name", "extension", "updated_at"])
    return row


def _thumbnail(source: Path, extension: str, workdir: Path) -> Path | None:
    """The thumbnail of the upload at `source`, written in `workdir`: HDR pictures are read
    by OpenImageIO and tone-mapped (thumbnails.hdr), the others by Pillow. Raises
    NotABackgroundPicture when the content is not a picture of that kind."""
    if extension in ("hdr", "exr"):
        with source.open("rb") as handle:
            head = handle.read(SIGNATURE_LENGTH)
        recognised = hdr.is_radiance(head) if extension == "hdr" else hdr.is_openexr(head)
        if not recognised:
            raise errors.NotABackgroundPicture()
        try:
            size, linear = hdr.read_linear_fitted(
                source,
                width=THUMBNAIL_SIZE[0],
                height=THUMBNAIL_SIZE[1],
                max_pixels=settings.MAX_IMAGE_PIXELS,
            )
        except hdr.UnreadableHdr:
            raise errors.NotABackgroundPicture() from None
        picture = images.picture_from_rgb(size, hdr.tone_map(linear))
        path = workdir / "thumbnail.png"
        images.fit_in_box(picture, *THUMBNAIL_SIZE).save(path, format="PNG")
        return path
    try:
        picture = images.open_picture(source, max_pixels=settings.MAX_IMAGE_PIXELS)
    except images.PictureError:
        raise errors.NotABackgroundPicture() from None
    path = workdir / "thumbnail.png"
    images.fit_in_box(picture, *THUMBNAIL_SIZE).save(path, format="PNG")
    return path


# ---------------------------------------------------------------------------------------------
# Projects


@transaction.atomic
def add_to_project(*, project: Project, background: PreviewBackgroundFile) -> None:
    lock_row(Project, project.pk)  # changes to one project's backgrounds queue up
    ProjectPreviewBackgroundFileLink.objects.get_or_create(
        project=project, preview_background_file=background
    )


@transaction.atomic
def remove_from_project(*, project: Project, background: PreviewBackgroundFile) -> None:
    ProjectPreviewBackgroundFileLink.objects.filter(
        project=project, preview_background_file=background
    ).delete()


@transaction.atomic
def set_project_default(*, project: Project, background: PreviewBackgroundFile | None) -> None:
    """Make `background` the project's default (linking it to the project if it was not),
    or clear the default (None)."""
    lock_row(Project, project.pk)  # two managers setting a default: one after the other
    links = ProjectPreviewBackgroundFileLink.objects.filter(project=project)
    links.filter(is_default=True).exclude(preview_background_file=background).update(
        is_default=False
    )
    if background is not None:
        link, _ = ProjectPreviewBackgroundFileLink.objects.get_or_create(
            project=project, preview_background_file=background
        )
        if not link.is_default:
            link.is_default = True
            link.save(update_fields=["is_default"])
