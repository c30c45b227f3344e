"""Reading the pictures of VFX pipelines (OpenEXR, DPX, Cineon, TIFF, PSD, Radiance HDR,
JPEG 2000, WebP) with OpenImageIO and turning them into 8-bit display pictures.

A picture is opened (`open_picture`): its parts and layers are listed, one layer is chosen
(the upload's `data.layer`, else the beauty: the unprefixed R, G, B channels), and the size is
checked against the pixel limit before any pixel is read. Its pixels are then turned into
display values a strip of rows at a time (`display_rows`) through the colour transform that
previews.media.colour chooses, and written as a PNG (`write_display_png`: a picture preview's
original, from which the thumbnails are made as for any PNG) or handed to ffmpeg as raw RGB
frames (previews.media.sequences).

Memory: the chosen layer's channels are read once in their own pixel type (a 4K RGBA half
EXR is 70 MB), and only a strip of rows is ever converted to float at a time; the output is
8-bit. Other parts and layers of a multi-layer EXR are not read.

The display window is the picture: an EXR whose data window is smaller (a region render, an
auto-cropped comp) is placed in it on black, one larger is cropped to it.

Pure: no Django. Decisions and measurements: docs/decisions/vfx-pictures.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from previews.media import colour
from previews.media.colour import (
    ColourRequest,
    ColourTransform,
    SourceColour,
    choose_transform,
)
from previews.media.probe import MediaError

# Extensions of the pictures read here (uploads are classified by extension, as in Zou).
VFX_PICTURE_EXTENSIONS = frozenset(
    {"exr", "dpx", "cin", "tif", "tiff", "psd", "hdr", "jp2", "j2k", "webp"}
)

# Pixels converted at a time (whole rows): 512 rows of 2K, 16 MB of float RGBA.
STRIP_PIXELS = 1024 * 1024
# The layers a preview lists in data.layers (a render may have hundreds of AOVs).
MAX_LISTED_LAYERS = 100
# The default layer's usual names, after the unprefixed R, G, B channels.
BEAUTY_NAMES = ("rgba", "rgb", "beauty", "combined", "main")
DEFAULT_LAYER = "rgba"

PNG_COMPRESS_LEVEL = 1  # the original: fast, as thumbnails.images.COMPRESS_LEVELS["original"]


class PictureTooLarge(MediaError):
    """More pixels than the limit: refused from the header, before any pixel is read."""


@dataclass(frozen=True)
class Layer:
    """One layer of a picture: channels of one part (subimage) sharing a prefix."""

    name: str
    subimage: int
    channel_names: tuple[str, ...]
    channel_indexes: tuple[int, ...]  # in the subimage, in `channel_names` order

    def picked(self) -> tuple[tuple[int | None, int | None, int | None], int | None]:
        """The subimage's channels that give red, green and blue (None: black), and alpha."""
        by_suffix: dict[str, int] = {}
        for name, index in zip(self.channel_names, self.channel_indexes, strict=True):
            by_suffix.setdefault(name.rsplit(".", 1)[-1].upper(), index)
        alpha = by_suffix.get("A")
        if all(key in by_suffix for key in "RGB"):
            return (by_suffix["R"], by_suffix["G"], by_suffix["B"]), alpha
        if all(key in by_suffix for key in "XYZ"):  # normals, positions
            return (by_suffix["X"], by_suffix["Y"], by_suffix["Z"]), alpha
        if "Y" in by_suffix:  # luminance
            return (by_suffix["Y"],) * 3, alpha
        colour = [i for i in self.channel_indexes if i != alpha]
        if not colour:
            colour = list(self.channel_indexes)
        if len(colour) == 1:
            return (colour[0],) * 3, alpha
        if len(colour) == 2:  # motion vectors and the like: red and green
            return (colour[0], colour[1], None), alpha
        return (colour[0], colour[1], colour[2]), alpha


@dataclass(frozen=True)
class OpenedPicture:
    """A picture's header: what `display_rows` needs to read the chosen layer."""

    path: Path
    format_name: str
    layer: Layer
    layers: tuple[str, ...]  # every layer's name (up to MAX_LISTED_LAYERS)
    width: int  # of the display window
    height: int
    origin: tuple[int, int]  # the display window's top-left corner (data coordinates)
    colour: SourceColour
    icc_profile: bytes | None

    @property
    def has_alpha(self) -> bool:
        return self.layer.picked()[1] is not None


def _oiio() -> Any:
    import OpenImageIO as oiio  # a compiled wheel: loaded when a VFX picture arrives

    return oiio


def _layers(specs: list[Any]) -> list[Layer]:
    """The layers of a picture's parts, in file order. A single part's unprefixed channels
    are the layer "rgba"; in a multi-part EXR each part's unprefixed channels are named after
    the part, prefixed ones `<part>.<prefix>`."""
    layers: list[Layer] = []
    multipart = len(specs) > 1
    for subimage, spec in enumerate(specs):
        part = spec.get_string_attribute("name") or f"part{subimage}"
        groups: dict[str, list[tuple[str, int]]] = {}
        for index, channel in enumerate(spec.channelnames):
            prefix = channel.rsplit(".", 1)[0] if "." in channel else ""
            groups.setdefault(prefix, []).append((channel, index))
        for prefix, channels in groups.items():
            if multipart:
                name = f"{part}.{prefix}" if prefix else part
            else:
                name = prefix or DEFAULT_LAYER
            layers.append(
                Layer(
                    name=name,
                    subimage=subimage,
                    channel_names=tuple(c for c, _ in channels),
                    channel_indexes=tuple(i for _, i in channels),
                )
            )
    return layers


def _choose_layer(layers: list[Layer], asked: str | None) -> Layer:
    if asked:
        for match in (lambda n: n == asked, lambda n: n.lower() == asked.lower()):
            for layer in layers:
                if match(layer.name):
                    return layer
        names = ", ".join(layer.name for layer in layers[:MAX_LISTED_LAYERS])
        raise MediaError(f"The picture has no layer {asked!r} (data.layer); its layers: {names}.")
    for layer in layers:  # the beauty: unprefixed red, green and blue
        if {"R", "G", "B"} <= set(layer.channel_names):
            return layer
    for layer in layers:
        if layer.name.rsplit(".", 1)[-1].lower() in BEAUTY_NAMES:
            return layer
    for layer in layers:
        suffixes = {name.rsplit(".", 1)[-1].upper() for name in layer.channel_names}
        if {"R", "G", "B"} <= suffixes:
            return layer
    return layers[0]


def _float_format(spec: Any) -> bool:
    return str(spec.format) in ("half", "float", "double")


def open_picture(path: Path, *, max_pixels: int, layer: str | None = None) -> OpenedPicture:
    """The header of the picture at `path`, with its layer `layer` (default: the beauty)
    chosen. Raises MediaError when OpenImageIO cannot read it, when the layer does not exist,
    and PictureTooLarge when it has more than `max_pixels` pixels."""
    oiio = _oiio()
    source = oiio.ImageInput.open(str(path))
    if source is None:
        raise MediaError(f"Unreadable picture: {_clean(oiio.geterror())}")
    try:
        format_name = source.format_name()
        specs = [source.spec()]
        # Parts of an EXR; the other formats' later subimages (a PSD's layers, after its
        # flattened composite) are not previewed.
        while format_name == "openexr" and source.seek_subimage(len(specs), 0):
            specs.append(source.spec())
    finally:
        source.close()
    for spec in specs:
        if spec.width < 1 or spec.height < 1 or spec.nchannels < 1:
            raise MediaError("Unreadable picture: it has no pixels.")
    layers = _layers(specs)
    chosen = _choose_layer(layers, layer)
    spec = specs[chosen.subimage]
    width, height = spec.full_width, spec.full_height
    origin = (spec.full_x, spec.full_y)
    if width < 1 or height < 1:  # no display window: the data window is the picture
        width, height, origin = spec.width, spec.height, (spec.x, spec.y)
    for w, h in ((width, height), (spec.width, spec.height)):
        if w * h > max_pixels:
            raise PictureTooLarge(
                f"Uploaded picture is too large: {w}x{h} is more than {max_pixels} pixels."
            )
    chromaticities = spec.getattribute("chromaticities")
    transfer = spec.get_string_attribute("dpx:Transfer")
    icc = spec.getattribute("ICCProfile")
    return OpenedPicture(
        path=Path(path),
        format_name=format_name,
        layer=chosen,
        layers=tuple(layer.name for layer in layers[:MAX_LISTED_LAYERS]),
        width=width,
        height=height,
        origin=origin,
        colour=SourceColour(
            format_name=format_name,
            is_float=_float_format(spec),
            metadata_space=spec.get_string_attribute("oiio:ColorSpace") or None,
            log_transfer=format_name == "cineon"
            or (format_name == "dpx" and transfer in ("Printing density", "Logarithmic")),
            chromaticities=tuple(float(v) for v in chromaticities) if chromaticities else None,
        ),
        icc_profile=bytes(np.asarray(icc, dtype=np.uint8)) if icc is not None else None,
    )


def _clean(message: str) -> str:
    """OpenImageIO's message on one line, without the local path of the work file."""
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    return (lines[-1] if lines else "not a picture OpenImageIO can read")[:300]


def display_rows(
    picture: OpenedPicture, transform: ColourTransform, *, keep_alpha: bool
) -> Iterator[tuple[int, np.ndarray]]:
    """The picture's display pixels, a strip of rows at a time: (first row, uint8 array of
    shape (rows, width, 3 or 4)). With `keep_alpha` (a PNG), colours are un-premultiplied
    before the transform and alpha kept, as PNG stores it; without it (a movie frame), the
    premultiplied colours are transformed as they are, which shows the picture over black.
    Raises MediaError when the pixels cannot be read."""
    oiio = _oiio()
    layer = picture.layer
    (red, green, blue), alpha = layer.picked()
    used = [i for i in (red, green, blue, alpha) if i is not None]
    first, last = min(used), max(used) + 1
    # The chosen layer's channels only, in their own pixel type (half stays half).
    buffer = oiio.ImageBuf(str(picture.path), layer.subimage, 0)
    if not buffer.read(layer.subimage, 0, first, last, True, oiio.TypeDesc("unknown")):
        raise MediaError(f"Unreadable picture: {_clean(buffer.geterror())}")
    x0, y0 = picture.origin
    with_alpha = keep_alpha and alpha is not None
    threads = os.cpu_count() or 1
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="colour")
    try:
        strip_rows = max(1, STRIP_PIXELS // picture.width)
        for top in range(0, picture.height, strip_rows):
            rows = min(strip_rows, picture.height - top)
            # Channels of the buffer: it holds only first..last, numbered from 0.
            roi = oiio.ROI(x0, x0 + picture.width, y0 + top, y0 + top + rows, 0, 1, 0, last - first)
            pixels = buffer.get_pixels(oiio.FLOAT, roi)
            if pixels is None:
                raise MediaError(f"Unreadable picture: {_clean(buffer.geterror())}")
            pixels = pixels.reshape(rows, picture.width, last - first)
            strip = _picked(pixels, (red, green, blue), alpha if with_alpha else None, first)
            yield top, _to_display(strip, transform, pool, threads)
    finally:
        pool.shutdown()
        buffer.clear()


def _picked(
    pixels: np.ndarray,
    colour: tuple[int | None, int | None, int | None],
    alpha: int | None,
    first: int,
) -> np.ndarray:
    """RGB (or RGBA) float32 from the read channels; an absent channel is black."""
    rows, width, _ = pixels.shape
    out = np.zeros((rows, width, 4 if alpha is not None else 3), dtype=np.float32)
    for target, index in enumerate(colour):
        if index is not None:
            out[..., target] = pixels[..., index - first]
    if alpha is not None:
        out[..., 3] = pixels[..., alpha - first]
        # Un-premultiply: PNG stores straight colours; a transparent pixel stays black.
        covered = out[..., 3] > 0
        out[..., :3][covered] /= out[..., 3][covered][:, None]
    # Renderers write NaN and infinities now and then: black, not noise.
    np.nan_to_num(out, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    return out


def _to_display(
    strip: np.ndarray, transform: ColourTransform, pool: ThreadPoolExecutor, parts: int
) -> np.ndarray:
    """The strip through the transform (in place), as uint8 (rounded, clamped)."""
    if colour.needs_processing(transform):
        colour.apply(transform, strip, pool, parts)
    return np.clip(np.rint(strip * 255.0), 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class DisplayPicture:
    """A picture turned into an 8-bit PNG, and what was done to it."""

    path: Path
    width: int
    height: int
    transform: ColourTransform
    layer: str
    layers: tuple[str, ...]

    def as_data(self) -> dict[str, Any]:
        """What the preview records in `data`."""
        return {
            "color_transform": self.transform.as_data(),
            "layer": self.layer,
            "layers": list(self.layers),
        }


def write_display_png(
    source: Path,
    target: Path,
    *,
    colour: ColourRequest,
    max_pixels: int,
    layer: str | None = None,
) -> DisplayPicture:
    """The picture at `source` as an 8-bit RGB(A) PNG at `target`, at its own size, through
    the colour transform chosen for it. A display-referred picture's ICC profile is kept in
    the PNG, so that the thumbnails apply it as they do for any PNG. Raises MediaError (and
    leaves no `target`) when the picture cannot be read or transformed."""
    from PIL import Image

    picture = open_picture(source, max_pixels=max_pixels, layer=layer)
    transform = choose_transform(picture.colour, colour)
    channels = 4 if picture.has_alpha else 3
    canvas = np.zeros((picture.height, picture.width, channels), dtype=np.uint8)
    try:
        for top, rows in display_rows(picture, transform, keep_alpha=True):
            canvas[top : top + rows.shape[0]] = rows
        image = Image.fromarray(canvas)  # (h, w, 3) uint8 is RGB, (h, w, 4) RGBA
        extra = {"icc_profile": picture.icc_profile} if transform.view is None else {}
        image.save(target, format="PNG", compress_level=PNG_COMPRESS_LEVEL, **extra)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return DisplayPicture(
        path=target,
        width=picture.width,
        height=picture.height,
        transform=transform,
        layer=picture.layer.name,
        layers=picture.layers,
    )
