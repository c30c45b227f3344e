"""Picture operations with Pillow: reading an uploaded picture safely, colour and orientation
normalization, and the fixed-size variants of previews (`original`, `thumbnails`,
`thumbnails-square`, `previews`) and of avatars.

Pure functions on files and images: no Django models, no settings (limits are passed in), so the
module can be imported and tested without a database.

Where the results differ from Zou on purpose (no enlarging of small pictures, only PNG, JPEG and
WebP content decoded, every picture turned into 8-bit sRGB, a pixel limit checked before
decoding): docs/compatibility.md#thumbnails-and-pictures. As in Zou 1.0.97, an unreadable
picture raises :class:`PictureError` (the API answers 400) and leaves no file behind.
"""

from __future__ import annotations

import contextlib
import io
import struct
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from PIL import ExifTags, Image, ImageCms, ImageFile, ImageMath, ImageOps

THUMBNAIL_SIZE = (150, 100)  # "thumbnails" variant of previews
SQUARE_SIZE = (100, 100)  # "thumbnails-square"
PREVIEW_WIDTH = 1200  # "previews" variant: 1200 wide, height from the ratio
AVATAR_SIZE = (400, 400)  # persons / projects / organisation
DEFAULT_MAX_PIXELS = 400_000_000  # Zou's MAX_IMAGE_PIXELS (20000 x 20000)

# The "previews" canvas of a very narrow picture would be absurd (a 10 x 100000 strip asks for
# 1200 x 12000000 pixels): its height is capped, and the picture shrinks to fit that box.
PREVIEW_MAX_HEIGHT = 20_000

# Content decoded by open_picture, in the order tried (Pillow format names). Uploads count as
# pictures by their extension (png, jpg, jpeg, jpe); MPO is the multi-picture JPEG that cameras
# write, and WebP the usual content of a picture saved from a web page under a .png or .jpg
# name. Anything else is refused rather than handed to more of Pillow's decoders.
PICTURE_FORMATS = ("PNG", "JPEG", "MPO", "WEBP")
# Avatars (persons, projects, organisation) and attachment thumbnails also take TIFF, 8 or 16
# bit: studios keep stills and scans that way, and these pictures are only ever served as
# the PNG made from them (docs/compatibility.md#avatars-and-attachment-thumbnails).
AVATAR_FORMATS = (*PICTURE_FORMATS, "TIFF")
ATTACHMENT_THUMBNAIL_SIZE = (150, 150)

# zlib level of each PNG written. Measured on a 4K photo-like picture (2 cores, zlib-ng): the
# original takes 0.60 s at level 1, 0.84 s at 3, 2.9 s at 6 for 13.4 / 13.0 / 12.0 MB (and is
# not encoded at all when the upload is a plain 8-bit PNG: _write_stripped_png); the 1200-wide
# previews 0.09 / 0.10 / 0.16 s at levels 1 / 2 / 3 for 1.10 / 1.06 / 1.01 MB
# (docs/decisions/picture-variants.md). The small thumbnails, served in every listing, cost
# nothing at 6.
COMPRESS_LEVELS = {"original": 1, "previews": 2, "thumbnails": 6, "thumbnails-square": 6}
# Resizing: Pillow's `reducing_gap` (see _resized).
REDUCING_GAP = 1.5

_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


class PictureError(Exception):
    """The file is not a picture we can read.

    ``str(error)`` is always Zou's message; the reason, for logs, is in ``error.detail``;
    ``error.explanation`` is what a client may be told (Zou's message, or more when it helps).
    """

    message = "Uploaded file is not a readable picture."

    def __init__(self, detail: str = "") -> None:
        super().__init__(self.message)
        self.detail = detail
        self.explanation = self.message


class PictureTooLarge(PictureError):
    """A picture with more pixels than allowed (a decompression bomb, or a huge scan): refused
    from its header, before any pixel is decoded. Its explanation says the size and the
    limit."""

    def __init__(self, width: int, height: int, max_pixels: int) -> None:
        super().__init__(f"{width}x{height} is more than {max_pixels} pixels")
        self.explanation = (
            f"Uploaded picture is too large: {width}x{height} is more than {max_pixels} pixels."
        )


# ---------------------------------------------------------------------------------------------
# Reading


def open_picture(
    path: Path, *, max_pixels: int = DEFAULT_MAX_PIXELS, formats: tuple[str, ...] = PICTURE_FORMATS
) -> Image.Image:
    """Decode the picture at `path` completely and return it upright, in sRGB, as an RGB image
    (RGBA when the source has transparency), without metadata.

    Raises PictureError when the content is not a decodable PNG/JPEG/WebP picture (wrong
    content, truncated or corrupt data, empty file) or has more than `max_pixels` pixels. The
    limit is checked on the header, before any pixel is decoded, and independently of Pillow's
    process-wide ``Image.MAX_IMAGE_PIXELS`` (neither read nor changed). A missing or unreadable
    file raises the usual OSError.
    """
    return _decode(path, max_pixels, formats)[0]


def _decode(
    path: Path,
    max_pixels: int,
    formats: tuple[str, ...] = PICTURE_FORMATS,
    reduce_to: tuple[int, int] | None = None,
) -> tuple[Image.Image, bool]:
    """open_picture's picture, and whether it is the file's own pixels untouched: an 8-bit
    RGB or RGBA PNG (no palette, no transparent colour key) with no colour profile to apply
    and no orientation to correct. Such a file needs no encoding to be the original
    (`_write_stripped_png`)."""
    with open(path, "rb") as fp:
        try:
            image = _identify(fp, str(path), formats)
            pixels = max(1, image.width) * max(1, image.height)
            if pixels > max_pixels:
                raise PictureTooLarge(image.width, image.height, max_pixels)
            if reduce_to is not None and image.format in ("JPEG", "MPO"):
                # libjpeg decodes at 1/2, 1/4 or 1/8 scale, no smaller than asked: twice the
                # box leaves LANCZOS a margin (docs/decisions/picture-variants.md#avatars).
                image.draft(image.mode, (2 * max(reduce_to), 2 * max(reduce_to)))
            image.load()
        except (PictureError, MemoryError):
            raise
        except Exception as exc:  # any decoder failure: truncated, corrupt, bomb...
            raise PictureError(f"{type(exc).__name__}: {exc}"[:200]) from exc

    icc_profile = image.info.get("icc_profile")
    untouched = (
        image.format == "PNG"
        and image.mode in ("RGB", "RGBA")
        and not icc_profile
        and "transparency" not in image.info
        and getattr(image, "n_frames", 1) == 1
    )
    with contextlib.suppress(Exception):  # a broken EXIF block: keep the picture as stored
        if image.getexif().get(ExifTags.Base.Orientation, 1) != 1:
            untouched = False
        ImageOps.exif_transpose(image, in_place=True)
    try:
        picture = _to_srgb(image, icc_profile)
    except MemoryError:
        raise
    except Exception as exc:  # an exotic mode Pillow cannot convert
        raise PictureError(f"{type(exc).__name__}: {exc}"[:200]) from exc
    picture.info = {}  # no stale ICC profile, EXIF or transparency key travels to the PNGs
    return picture, untouched and picture is image


def _identify(
    fp: BinaryIO, filename: str, formats: tuple[str, ...] = PICTURE_FORMATS
) -> ImageFile.ImageFile:
    """Pillow's own format detection (the registered open factories), limited to
    PICTURE_FORMATS and without its decompression-bomb check: Pillow's check reads a process-wide
    limit, open_picture applies its own `max_pixels` instead. None of these formats consults the
    global limit again while loading."""
    prefix = fp.read(16)
    if not prefix:
        raise PictureError("empty file")
    Image.preinit()
    for name in formats:
        if name not in Image.OPEN:
            Image.init()
        entry = Image.OPEN.get(name)
        if entry is None:  # this Pillow build lacks the format (e.g. no WebP)
            continue
        factory, accept = entry
        if accept is not None:
            verdict = accept(prefix)
            if not verdict or isinstance(verdict, str):
                continue
        fp.seek(0)
        try:
            return factory(fp, filename)
        except (SyntaxError, IndexError, TypeError, struct.error):
            continue  # same as Pillow: not this format after all, try the next
    raise PictureError(f"not a picture of {', '.join(formats)}")


# ---------------------------------------------------------------------------------------------
# Colour


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Return `image` as RGB or RGBA, converted from its embedded ICC profile to sRGB when it
    has a usable one (a broken or mismatched profile is ignored)."""
    has_alpha = _has_alpha(image)
    mode = image.mode
    if mode in _SIXTEEN_BIT_MODES:
        image = _sixteen_bit_to_8(image)
    elif mode == "1":
        image = image.convert("L")
    elif mode in ("P", "PA"):
        image = image.convert("RGBA" if has_alpha else "RGB")
    elif mode == "L" and has_alpha:  # grayscale with a tRNS colour
        image = image.convert("LA")
    elif mode == "RGB" and has_alpha:  # RGB with a tRNS colour
        image = image.convert("RGBA")
    elif mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):
        image = image.convert("RGBA" if has_alpha else "RGB")
    # Now one of RGB, RGBA, L, LA, CMYK, with any transparency as an alpha band.

    if icc_profile:
        converted = _apply_profile(image, icc_profile)
        if converted is not None:
            image = converted

    target = "RGBA" if has_alpha else "RGB"
    if image.mode != target:
        image = image.convert(target)
    return image


def _has_alpha(image: Image.Image) -> bool:
    if image.mode in _ALPHA_MODES or image.info.get("transparency") is not None:
        return True
    return image.mode == "P" and image.palette is not None and image.palette.mode.endswith("A")


def _sixteen_bit_to_8(image: Image.Image) -> Image.Image:
    """16-bit grayscale to L (or LA when a tRNS gray level is set). Pillow's direct conversion
    clips every value above 255 to white; this one scales 0..65535 down to 0..255."""
    wide = image if image.mode == "I" else image.convert("I")
    # Mode I (32-bit) says nothing of the range: scale only when values go beyond 8 bits.
    # One band, so the extrema are the (lowest, highest) values.
    eight_bit = image.mode == "I" and cast("tuple[float, float]", wide.getextrema())[1] <= 255
    scaled = wide if eight_bit else wide.point(lambda v: v * (1 / 257) + 0.5)
    gray = scaled.convert("L")  # clamps to 0..255
    transparent = image.info.get("transparency")
    if isinstance(transparent, int):
        mask = ImageMath.lambda_eval(lambda a: (a["im"] != transparent) * 255, im=wide)
        gray = gray.convert("LA")
        gray.putalpha(mask.convert("L"))
    return gray


def _apply_profile(image: Image.Image, icc_profile: bytes) -> Image.Image | None:
    """Convert through littleCMS from the embedded profile to sRGB; None when the profile is
    unusable (corrupt, or for another colour space than the picture's)."""
    alpha = None
    colour = image
    if image.mode in ("RGBA", "LA"):
        alpha = image.getchannel("A")
        colour = image.convert(image.mode[:-1])
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        transform = ImageCms.buildTransform(
            source, _SRGB, colour.mode, "RGB", ImageCms.Intent.PERCEPTUAL
        )
        converted = ImageCms.applyTransform(colour, transform)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None
    if converted is None:  # only when applied in place, which is not the case here
        return None
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


# ---------------------------------------------------------------------------------------------
# Boxes


def picture_from_rgb(size: tuple[int, int], data: bytes) -> Image.Image:
    """An 8-bit RGB picture of `size` from its pixels (R, G, B bytes per pixel, by rows)."""
    return Image.frombytes("RGB", size, data)


def fit_in_box(image: Image.Image, width: int, height: int) -> Image.Image:
    """An RGBA canvas of exactly width x height, fully transparent, with the picture centered
    on it. A picture larger than the box (in either dimension) is shrunk with LANCZOS to fit
    inside it keeping its ratio, the fitted side rounded up as Zou does (180x101 in 150x100 gives
    150x85); a picture that already fits is pasted as it is: never upscaled, never stretched."""
    size = fitted_size(image.size, width, height)
    return _on_canvas(_resized(image, size), width, height)


def fitted_size(source: tuple[int, int], width: int, height: int) -> tuple[int, int]:
    """The size a picture of size `source` takes in a width x height box (see fit_in_box)."""
    if width < 1 or height < 1:
        raise ValueError(f"box {width}x{height} is empty")
    source_width, source_height = source
    if source_width <= width and source_height <= height:
        return (source_width, source_height)
    if source_width * height >= source_height * width:  # wider than the box: full width
        return (width, _ceil_div(width * source_height, source_width))
    return (_ceil_div(height * source_width, source_height), height)  # taller: full height


def _resized(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    content = image
    if content.mode not in ("RGB", "RGBA"):
        content = content.convert("RGBA" if _has_alpha(content) else "RGB")
    if size != image.size:
        # A cheap integer reduction (box average) first, then LANCZOS on the last factor of
        # at least REDUCING_GAP: on a 4K picture shrunk to 1200 wide, 2x2 boxes then LANCZOS
        # differ by at most 2 levels of 255 from LANCZOS alone, at half its time
        # (docs/decisions/picture-variants.md).
        content = content.resize(size, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
    return content


def _on_canvas(content: Image.Image, width: int, height: int) -> Image.Image:
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    canvas.paste(content, ((width - content.width) // 2, (height - content.height) // 2))
    return canvas


def preview_box(width: int, height: int) -> tuple[int, int]:
    """The box of the "previews" variant: 1200 wide, the height from the picture's ratio."""
    if width < 1 or height < 1:
        raise ValueError(f"picture {width}x{height} is empty")
    return (PREVIEW_WIDTH, _ceil_div(PREVIEW_WIDTH * height, width))


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


# ---------------------------------------------------------------------------------------------
# Variants


@dataclass(frozen=True)
class PictureVariants:
    original: Path  # PNG, sRGB, same pixel size as the (orientation-corrected) picture
    thumbnails: Path  # 150x100 PNG (fit_in_box)
    thumbnails_square: Path  # 100x100 PNG
    previews: Path  # preview_box PNG (height capped at PREVIEW_MAX_HEIGHT)
    width: int  # of the original
    height: int


def write_variants(
    source: Path, directory: Path, *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> PictureVariants:
    """Decode `source` once and write into `directory` (created if needed) the original as PNG
    and its three variants (150x100, 100x100 and 1200 wide), under names unique to this call
    (``<variant>-<uuid>.png``). On any error, the files already written are removed and the
    error is raised again (PictureError for an unreadable picture).

    Where the time goes on a 4K picture, and what is done about it
    (docs/decisions/picture-variants.md): a PNG whose pixels need no change (8-bit RGB or
    RGBA, no profile, no orientation) becomes the original by copying its compressed data
    without its metadata chunks, instead of being encoded again (the costliest step); the two
    thumbnails are shrunk from the 1200-wide picture rather than from the full-size one."""
    picture, untouched = _decode(source, max_pixels)
    width, height = picture.size
    preview_width, preview_height = preview_box(width, height)
    preview_height = min(preview_height, PREVIEW_MAX_HEIGHT)

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex
    written: list[Path] = []

    def path_of(name: str) -> Path:
        path = directory / f"{name}-{token}.png"
        written.append(path)
        return path

    def save(name: str, image: Image.Image) -> Path:
        path = path_of(name)
        with open(path, "xb") as fp:  # exclusive: never overwrite someone else's file
            image.save(fp, format="PNG", compress_level=COMPRESS_LEVELS[name])
        return path

    try:
        original = None
        if untouched:
            original = path_of("original")
            if not _write_stripped_png(source, original, picture.size):
                original.unlink(missing_ok=True)
                original = None
        if original is None:
            original = save("original", picture)
        # The 1200-wide picture first; the thumbnails are shrunk from it (at the sizes they
        # would have from the full picture), a sixth of the pixels to read for a 4K one.
        preview_content = _resized(
            picture, fitted_size(picture.size, preview_width, preview_height)
        )
        previews = save("previews", _on_canvas(preview_content, preview_width, preview_height))
        thumbnails = save("thumbnails", _thumbnail(picture.size, preview_content, THUMBNAIL_SIZE))
        square = save("thumbnails-square", _thumbnail(picture.size, preview_content, SQUARE_SIZE))
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return PictureVariants(
        original=original,
        thumbnails=thumbnails,
        thumbnails_square=square,
        previews=previews,
        width=width,
        height=height,
    )


def _thumbnail(
    picture_size: tuple[int, int], intermediate: Image.Image, box: tuple[int, int]
) -> Image.Image:
    """fit_in_box of the picture, made from a smaller copy of it (`intermediate`) when that
    copy is still at least as large as the thumbnail."""
    size = fitted_size(picture_size, *box)
    return _on_canvas(_resized(intermediate, size), *box)


# ---------------------------------------------------------------------------------------------
# PNG chunks

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COPY_BLOCK = 1024 * 1024


def _write_stripped_png(source: Path, target: Path, size: tuple[int, int]) -> bool:
    """Write to `target` the PNG `source` with its image chunks only (IHDR, IDAT, IEND): the
    same compressed pixels, no metadata (text, EXIF, time, physical size, gamma...). Every
    chunk's CRC is checked on the way. False, leaving `target` incomplete, when the file is not
    exactly what the original must be: an 8-bit RGB or RGBA non-interlaced PNG of `size` whose
    chunks are all sound."""
    with open(source, "rb") as reader, open(target, "xb") as writer:
        if reader.read(8) != PNG_SIGNATURE:
            return False
        writer.write(PNG_SIGNATURE)
        first = True
        while True:
            head = reader.read(8)
            if len(head) < 8:
                return False  # no IEND
            length, kind = struct.unpack(">I4s", head)
            keep = kind in (b"IHDR", b"IDAT", b"IEND")
            if first:
                if kind != b"IHDR" or length != 13:
                    return False
                header = reader.read(13)
                if len(header) < 13:
                    return False
                width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
                if (width, height) != size or depth != 8 or colour not in (2, 6) or interlace:
                    return False
                crc = zlib.crc32(header, zlib.crc32(kind))
                writer.write(head + header)
                remaining = 0
                first = False
            else:
                if not keep and not kind[0:1].islower() and kind != b"PLTE":
                    return False  # a critical chunk we do not know
                crc = zlib.crc32(kind)
                if keep:
                    writer.write(head)
                remaining = length
            while remaining:
                block = reader.read(min(remaining, _COPY_BLOCK))
                if not block:
                    return False
                crc = zlib.crc32(block, crc)
                if keep:
                    writer.write(block)
                remaining -= len(block)
            stored = reader.read(4)
            if len(stored) < 4 or struct.unpack(">I", stored)[0] != crc:
                return False
            if keep:
                writer.write(stored)
            if kind == b"IEND":
                return True


# ---------------------------------------------------------------------------------------------
# Avatars and attachment thumbnails


def write_fitted(
    source: Path,
    target: Path,
    box: tuple[int, int] = AVATAR_SIZE,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    formats: tuple[str, ...] = AVATAR_FORMATS,
) -> tuple[int, int]:
    """Decode `source` (upright, sRGB) and write at `target` (a new file) the PNG of exactly
    `box` with the picture fitted in it (fit_in_box: shrunk keeping its ratio, never
    enlarged nor stretched, on a transparent canvas). Returns the fitted picture's size.
    Raises PictureError (nothing written) when `source` is not a readable picture."""
    picture = _decode(source, max_pixels, formats, reduce_to=box)[0]
    size = fitted_size(picture.size, *box)
    canvas = _on_canvas(_resized(picture, size), *box)
    with open(target, "xb") as fp:  # exclusive: never overwrite someone else's file
        try:
            canvas.save(fp, format="PNG", compress_level=COMPRESS_LEVELS["thumbnails"])
        except BaseException:
            fp.close()
            target.unlink(missing_ok=True)
            raise
    return size
