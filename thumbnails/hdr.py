"""High-dynamic-range pictures (Radiance `.hdr`, OpenEXR `.exr`): recognising them and turning
their linear light into an 8-bit sRGB thumbnail.

Pure functions, no Django. Pillow decodes neither format: OpenImageIO's `openimageio` wheel
does (`read_linear_fitted`), and `tone_map` turns what it reads into the thumbnail's pixels.

Tone mapping (Reinhard et al. 2002, "Photographic tone reproduction", global operator):

1. luminance L = 0.2126 R + 0.7152 G + 0.0722 B (Rec. 709 primaries, as sRGB's);
2. exposure: L is scaled by `key / log-average(L)` (key 0.18, middle grey), times 2^stops
   when the caller asks for more or less light;
3. compression: Ld = L (1 + L / Lwhite²) / (1 + L), Lwhite being the brightest scaled
   luminance (the "extended" form: only the brightest pixel reaches white);
4. each channel is scaled by Ld / L (hue and saturation kept), clipped to 1 only where a
   saturated colour exceeds it, then encoded with the sRGB transfer function to 0..255.

A naive clamp flattens everything above 1.0 (the sun and the sky near it) to one white; here
brighter stays brighter, up to the brightest pixel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from thumbnails.images import fitted_size

RADIANCE_SIGNATURES = (b"#?RADIANCE", b"#?RGBE")
OPENEXR_MAGIC = b"\x76\x2f\x31\x01"
KEY = 0.18
_EPSILON = 1e-6


def is_radiance(head: bytes) -> bool:
    """Whether `head` (the first bytes of a file) starts a Radiance RGBE picture."""
    return head.startswith(RADIANCE_SIGNATURES)


def is_openexr(head: bytes) -> bool:
    return head.startswith(OPENEXR_MAGIC)


class UnreadableHdr(ValueError):
    """A file OpenImageIO cannot read as a picture, or one with more pixels than allowed."""


def read_linear_fitted(
    path: Path, *, width: int, height: int, max_pixels: int
) -> tuple[tuple[int, int], list[float]]:
    """The picture at `path` (Radiance, OpenEXR: its first part, its first three channels, a
    single channel repeated as grey) shrunk to fit a `width` x `height` box keeping its ratio
    (never enlarged), as linear RGB floats: ((w, h), [R, G, B, R, G, B, ...]). The size is
    checked from the header against `max_pixels` before any pixel is decoded. Raises
    UnreadableHdr."""
    import OpenImageIO as oiio  # a compiled wheel: loaded only when an HDR arrives

    source = oiio.ImageInput.open(str(path))
    if source is None:
        raise UnreadableHdr(oiio.geterror() or "not a picture")
    try:
        spec = source.spec()
        if spec.width < 1 or spec.height < 1 or spec.nchannels < 1:
            raise UnreadableHdr("empty picture")
        if spec.width * spec.height > max_pixels:
            raise UnreadableHdr(f"{spec.width}x{spec.height} is more than {max_pixels} pixels")
    finally:
        source.close()
    picture = oiio.ImageBuf(str(path))
    if picture.has_error:
        raise UnreadableHdr(picture.geterror())
    channels = (0, 1, 2) if spec.nchannels >= 3 else (0, 0, 0)
    rgb = oiio.ImageBufAlgo.channels(picture, channels)
    size = fitted_size((spec.width, spec.height), width, height)
    if size != (spec.width, spec.height):
        rgb = oiio.ImageBufAlgo.resize(rgb, roi=oiio.ROI(0, size[0], 0, size[1], 0, 1, 0, 3))
    if rgb.has_error:
        raise UnreadableHdr(rgb.geterror())
    pixels = rgb.get_pixels(oiio.FLOAT)
    if pixels is None:
        raise UnreadableHdr(oiio.geterror() or "unreadable pixels")
    return size, [float(value) for value in pixels.reshape(-1)]


def luminance(red: float, green: float, blue: float) -> float:
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def tone_map(pixels: Sequence[float], *, stops: float = 0.0) -> bytes:
    """8-bit sRGB bytes (R, G, B per pixel) of linear RGB floats `pixels` (R, G, B per
    pixel), by the operator of the module's docstring. Negative and non-finite values (which
    some renderers write) count as black."""
    if len(pixels) % 3:
        raise ValueError("pixels must be RGB triples")
    values = [v if math.isfinite(v) and v > 0 else 0.0 for v in pixels]
    count = len(values) // 3
    if not count:
        return b""
    lums = [luminance(*values[i : i + 3]) for i in range(0, len(values), 3)]
    log_average = math.exp(sum(math.log(_EPSILON + lum) for lum in lums) / count)
    scale = KEY / max(log_average, _EPSILON) * (2.0**stops)
    white = max(lums) * scale
    white_squared = max(white * white, _EPSILON)
    out = bytearray(len(values))
    for index, lum in enumerate(lums):
        base = index * 3
        scaled = lum * scale
        if scaled <= 0:
            continue  # black (out is zero-filled)
        mapped = scaled * (1 + scaled / white_squared) / (1 + scaled)
        ratio = mapped / lum
        for channel in range(3):
            out[base + channel] = _srgb_byte(values[base + channel] * ratio)
    return bytes(out)


def _srgb_byte(linear: float) -> int:
    """The sRGB transfer function (IEC 61966-2-1) of a linear value, as 0..255."""
    linear = min(max(linear, 0.0), 1.0)
    encoded = 12.92 * linear if linear <= 0.0031308 else 1.055 * linear ** (1 / 2.4) - 0.055
    return round(encoded * 255)
