"""Frames and tile sheets made on demand from a preview's stored movie: one frame by number
(extract-frame, and a movie frame as the entity's thumbnail), and the scrubbing tile sheet
made again (extract-tile).

Frames are exact (previews/media/frames.py: rational timestamps, Zou's numbering from 1). They
are read from the high-def rendition, else the low-def one, else the upload; Zou reads the
high-def only and answers 500 without it (docs/compatibility.md#previews).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from PIL import Image

from kitsufiles.errors import NotFound
from previews import errors, media, selectors, storage
from previews.models import PreviewFile, PreviewStatus
from previews.services.processing import store_pictures


@contextmanager
def _stored_movie(preview: PreviewFile, route: str) -> Iterator[Path]:
    """A local path to the movie `route` reads for `preview` (selectors.MOVIE_FALLBACKS).
    While the preview is processing, its raw upload is no stand-in for the renditions being
    made (as for delivery): BinaryNotAvailable then, and when nothing is stored."""
    found = selectors.stored_movie(preview, route)
    if found is None or (
        found[0].prefix == "source" and preview.status == PreviewStatus.PROCESSING
    ):
        raise errors.BinaryNotAvailable()
    with storage.local_copy(found[0]) as path:
        yield path


def _frame_of(movie: Path, frame_number: int) -> Image.Image:
    """media.extract_frame with its failures as the routes' errors."""
    try:
        return media.extract_frame(movie, frame_number)
    except media.FrameOutOfRange as error:
        raise errors.FrameBeyondEnd(frame_number, error.frame_count) from None
    except media.MediaError as error:
        raise errors.MovieUnreadable(str(error)) from None


def frame_of_preview(*, preview: PreviewFile, frame_number: int) -> Image.Image:
    """Frame `frame_number` (from 1; 0 and below: the first) of a movie preview's stored movie,
    as an RGB Pillow image at the movie's raster, found exactly (media.extract_frame). For
    whatever draws on a frame (annotated frames). BinaryNotAvailable without a stored movie,
    FrameBeyondEnd past the end (its message gives the frame count), MovieUnreadable for a
    damaged movie; the caller checks that the preview is a movie."""
    with _stored_movie(preview, "originals") as movie:
        return _frame_of(movie, frame_number)


def write_frame(*, preview: PreviewFile, frame_number: int, workdir: Path) -> Path:
    """Frame `frame_number` of a movie preview (see frame_of_preview) as a PNG file in
    `workdir`. NotFound for a preview that is not a movie (Zou's extract-frame answer)."""
    if preview.extension != "mp4":
        raise NotFound()
    image = frame_of_preview(preview=preview, frame_number=frame_number)
    output = workdir / f"{preview.pk}_{max(frame_number, 1)}.png"
    media.save_png(image, output)
    return output


def use_frame_as_thumbnail(*, preview: PreviewFile, frame_number: int) -> None:
    """Rebuild a movie preview's pictures (original, thumbnails, previews) from frame
    `frame_number` (from 1; 0 and below mean the first) of its stored movie, found exactly as
    extract-frame finds it. The row's updated_at moves, so browsers holding the old thumbnail
    see a new Last-Modified (docs/compatibility.md#previews)."""
    if preview.extension != "mp4":
        raise errors.FrameOnNonMovie()
    image = frame_of_preview(preview=preview, frame_number=frame_number)
    with storage.scratch_dir(prefix=f"{preview.pk}-frame-") as workdir:
        frame = workdir / "frame.png"
        media.save_png(image, frame)
        store_pictures(preview.pk, frame, workdir)
    _touch(preview)


def extract_tile(*, preview: PreviewFile) -> None:
    """Make a movie preview's scrubbing tile sheet again from its stored movie and store it
    where movies/tiles/preview-files/<id>.png serves it (overwriting). The sheet is 100 px
    cells: it is made from the low-def rendition when there is one (the same frames and ratio
    as the high-def, a third of the pixels to decode). NotAMovie (400) for other previews,
    BinaryNotAvailable without a stored movie, MovieUnreadable for a damaged one."""
    if preview.extension != "mp4":
        raise errors.NotAMovie()
    with storage.scratch_dir(prefix=f"{preview.pk}-tile-") as workdir:
        with _stored_movie(preview, "low") as movie:
            try:
                tile = media.render_tile(
                    movie, workdir, timeout=settings.PREVIEW_PROCESSING_TIMEOUT
                )
            except media.MediaError as error:
                raise errors.MovieUnreadable(str(error)) from None
        storage.store(storage.picture("tiles", preview.pk), tile)
    _touch(preview)


def _touch(preview: PreviewFile) -> None:
    """Move the row's updated_at: the pictures it dates (Last-Modified) changed."""
    with transaction.atomic():
        PreviewFile.objects.filter(pk=preview.pk).update(updated_at=timezone.now())
