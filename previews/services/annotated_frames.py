"""The annotated frames of a preview, rendered for download (contract §4.5): the drawing of
the first annotation over the picture (PNG), or every annotation's, as a zip of PNGs or as a
PDF of one page each. Reads only: nothing is stored.

A movie's annotation is drawn on the very frame it was made on: the frame number comes from
the entry's time at the movie's exact rate (previews.annotations.frame_of, as the annotations
store it), and the frame is extracted exactly (services.frames.frame_of_preview).

The answers are written to a spooled temporary file, not built in memory: a PDF of many
1200-wide pages can be large, and the route streams the file."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from PIL import Image

from previews import errors, rendering, selectors, storage
from previews.annotations import frame_of
from previews.media.annotation_drawing import draw_annotations
from previews.models import PreviewFile
from previews.services.frames import frame_of_preview
from previews.services.uploads import MOVIE_EXTENSIONS, PICTURE_EXTENSIONS
from thumbnails.images import fitted_size

PDF_RESOLUTION = 150.0
# Answers up to this size stay in memory; larger ones go to a temporary file.
SPOOL_SIZE = 8 * 1024 * 1024


def _kind(preview: PreviewFile) -> str:
    """ "picture" or "movie"; any other extension cannot be rendered (Zou's 400)."""
    extension = (preview.extension or "").lower()
    if extension in PICTURE_EXTENSIONS:
        return "picture"
    if extension in MOVIE_EXTENSIONS:
        return "movie"
    raise errors.CannotExtractAnnotatedFrame(extension)


def _objects(entry: Any) -> list[Any]:
    """The drawing objects of one annotation entry (contract §5.1); none for a malformed
    entry (the renderer skips malformed objects the same way)."""
    if not isinstance(entry, dict):
        return []
    drawing = entry.get("drawing")
    objects = drawing.get("objects") if isinstance(drawing, dict) else None
    return objects if isinstance(objects, list) else []


def _entries(preview: PreviewFile) -> list[Any]:
    annotations = preview.annotations
    return annotations if isinstance(annotations, list) else []


def _picture(preview: PreviewFile) -> tuple[Image.Image, tuple[int, int, int, int] | None]:
    """The picture Zou draws on, its 1200-wide `previews` variant, and where in it the picture
    lies when it does not fill it.

    Our variant does not enlarge a picture narrower than 1200 pixels: it is centred at its
    own size in a transparent 1200-wide box (docs/compatibility.md#thumbnails-and-pictures).
    Kitsu's canvas shows the picture itself, so for such a picture the original is enlarged
    to the box, as Zou's variant is, and drawn on whole; a picture shrunk to fit a capped
    height is drawn on where it lies in the box."""
    variant = _opened_picture(preview, "previews")
    box = variant.size
    size = (preview.width, preview.height)
    if min(size) < 1 or fitted_size(size, *box) == box:
        return variant, None
    if size[0] <= box[0] and size[1] <= box[1]:
        original = _opened_picture(preview, "original")
        return original.convert("RGBA").resize(box, Image.Resampling.LANCZOS), None
    content = fitted_size(size, *box)
    left, top = (box[0] - content[0]) // 2, (box[1] - content[1]) // 2
    return variant, (left, top, left + content[0], top + content[1])


def _opened_picture(preview: PreviewFile, prefix: str) -> Image.Image:
    """The stored picture, decoded from a local file (Pillow seeks back and forth while it
    reads: on an object store each seek would be a request, so the picture is copied first)."""
    try:
        with storage.local_copy(storage.picture(prefix, preview.pk)) as path:
            if not path.stat().st_size:
                raise errors.BinaryNotAvailable()
            picture = Image.open(path)
            picture.load()
    except FileNotFoundError:
        raise errors.BinaryNotAvailable() from None
    return picture


def _spooled() -> IO[bytes]:
    storage.work_dir().mkdir(parents=True, exist_ok=True)
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_SIZE, dir=str(storage.work_dir()))


def _png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def base_name(preview: PreviewFile) -> str:
    """The download name (contract §4.9) without its extension."""
    name = selectors.download_name(preview)
    return name.rsplit(".", 1)[0] if "." in name else name


def annotated_frame(preview: PreviewFile, *, frame_number: int | None) -> IO[bytes]:
    """The first annotation drawn on the picture, as PNG (`frame_number` is ignored for
    pictures, as in Zou). The file is positioned at its start; the caller closes it."""
    if _kind(preview) == "movie":
        if frame_number is None:
            raise errors.MovieFrameNumberRequired()
        rendered = _annotated_movie_frame(preview, frame_number)
    else:
        entries = _entries(preview)
        if not entries:
            raise errors.NoAnnotationOnPicture()
        picture, area = _picture(preview)
        rendered = draw_annotations(picture, _objects(entries[0]), area=area)
    output = _spooled()
    rendered.save(output, "PNG")
    output.seek(0)
    return output


def _movie_frames(preview: PreviewFile) -> list[tuple[int, Any]]:
    """(frame number, entry) of every entry of a movie whose time is a number of seconds, in
    the stored order."""
    rate = rendering.preview_frame_rate(preview)
    framed = []
    for entry in _entries(preview):
        frame = frame_of(entry.get("time"), rate) if isinstance(entry, dict) else None
        if frame is not None:
            framed.append((frame, entry))
    return framed


def _annotated_movie_frame(preview: PreviewFile, frame_number: int) -> Image.Image:
    """Frame `frame_number` with the first annotation made on it (Zou: the first whose time is
    within half a frame of the frame's start, which is the frame its time rounds to)."""
    for frame, entry in _movie_frames(preview):
        if frame == frame_number:
            picture = frame_of_preview(preview=preview, frame_number=frame_number)
            return draw_annotations(picture, _objects(entry))
    raise errors.NoAnnotationForFrame(frame_number)


def _rendered_frames(preview: PreviewFile) -> Iterator[tuple[int, Image.Image]]:
    """(frame number, rendered picture) for every annotation: pictures number them 1, 2, 3…;
    a movie's are its annotated frames, those past the movie's end left out (as Zou skips the
    frames ffmpeg did not write)."""
    entries = _entries(preview)
    if not entries:
        raise errors.NoAnnotations()
    if _kind(preview) == "movie":
        for frame, entry in _movie_frames(preview):
            try:
                picture = frame_of_preview(preview=preview, frame_number=frame)
            except errors.FrameBeyondEnd:
                continue
            yield frame, draw_annotations(picture, _objects(entry))
        return
    picture, area = _picture(preview)
    for number, entry in enumerate(entries, start=1):
        yield number, draw_annotations(picture, _objects(entry), area=area)


def annotated_frames_zip(preview: PreviewFile) -> tuple[str, IO[bytes]]:
    """The zip (deflated) of `<base>_frame_<N>.png` entries, and its download name."""
    base = base_name(preview)
    frames = _rendered_frames(preview)
    first = next(frames, None)  # errors are raised before anything is written
    if first is None:
        raise errors.NoAnnotatedFrame()
    output = _spooled()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number, rendered in _chain(first, frames):
            archive.writestr(f"{base}_frame_{number}.png", _png(rendered))
    output.seek(0)
    return f"{base}_annotated_frames.zip", output


def annotated_frames_pdf(preview: PreviewFile) -> tuple[str, IO[bytes]]:
    """A PDF of one RGB page per annotation at 150 dpi, and its download name."""
    base = base_name(preview)
    pages = [rendered.convert("RGB") for _, rendered in _rendered_frames(preview)]
    if not pages:
        raise errors.NoAnnotatedFrame()
    output = _spooled()
    pages[0].save(output, "PDF", save_all=True, append_images=pages[1:], resolution=PDF_RESOLUTION)
    output.seek(0)
    return f"{base}_annotated_frames.pdf", output


def _chain(
    first: tuple[int, Image.Image], rest: Iterator[tuple[int, Image.Image]]
) -> Iterator[tuple[int, Image.Image]]:
    yield first
    yield from rest
