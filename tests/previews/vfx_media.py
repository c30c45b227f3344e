"""Small generated VFX pictures for the picture-preview tests, and expected values computed
independently of the preview pipeline.

Writers: OpenEXR (scanline, tiled, data window, multipart, layered), 10-bit log DPX, TIFF
8/16/32, Radiance HDR, WebP and JPEG 2000 (Pillow), a hand-written layered Photoshop PSD,
zip/tar archives of numbered frames and truncated ("corrupt") copies. Every writer returns
the path it wrote. Arrays are numpy (height, width, channels).

Expected values: `srgb_encode` (the IEC 61966-2-1 formula), `to_8bit`, `cineon_log_to_linear`
(Kodak Cineon formula) and `ocio_reference`, which runs the OpenColorIO inside the OpenImageIO
wheel (2.5), a separate build from PyOpenColorIO (PyPI `opencolorio`, 2.6), which the pipeline
transforms with, so the tests do not check the pipeline against itself.

Pure helpers: no Django, no database."""

from __future__ import annotations

import struct
import tarfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import OpenImageIO as oiio
from PIL import Image

ACES_STUDIO_CONFIG = "ocio://studio-config-v2.2.0_aces-v1.3_ocio-v2.4"
SRGB_DISPLAY = "sRGB - Display"
ACES_SDR_VIEW = "ACES 1.0 - SDR Video"

EXR_TILE = 16


# --- Pixels ------------------------------------------------------------------------------------


def linear_ramp(width: int = 64, height: int = 16, peak: float = 2.0) -> np.ndarray:
    """Scene-linear float32 RGB, the same on every row: R = x / (width - 1) * peak, G = R / 2,
    B = R / 4. With peak > 1 the right part is brighter than display white, which a preview
    must tone-map rather than clip before the colour transform."""
    red = np.linspace(0.0, peak, width, dtype=np.float64)
    row = np.stack([red, red / 2, red / 4], axis=-1)
    return np.ascontiguousarray(np.broadcast_to(row, (height, width, 3)), dtype=np.float32)


def srgb_encode(linear: np.ndarray) -> np.ndarray:
    """The sRGB transfer function (IEC 61966-2-1) of linear values clamped to 0..1: 12.92·v up
    to 0.0031308, 1.055·v^(1/2.4) − 0.055 above. Returns float64 in 0..1."""
    v = np.clip(np.asarray(linear, dtype=np.float64), 0.0, 1.0)
    return np.where(v <= 0.0031308, 12.92 * v, 1.055 * np.power(v, 1 / 2.4) - 0.055)


def to_8bit(values: np.ndarray) -> np.ndarray:
    """Display values 0..1 to uint8: round(v · 255), clamped first."""
    v = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0)
    return np.round(v * 255).astype(np.uint8)


def cineon_log_to_linear(codes: np.ndarray) -> np.ndarray:
    """Kodak Cineon 10-bit printing-density codes to scene linear (float64): black 95, white
    685, 0.002 density per code, negative gamma 0.6. lin = (10^((c−685)·0.002/0.6) − off) /
    (1 − off) with off = 10^((95−685)·0.002/0.6), so code 95 → 0 and code 685 → 1."""
    c = np.asarray(codes, dtype=np.float64)
    offset = 10 ** ((95 - 685) * 0.002 / 0.6)
    return (10 ** ((c - 685) * 0.002 / 0.6) - offset) / (1 - offset)


def ocio_reference(
    rgb: np.ndarray,
    *,
    config: str = ACES_STUDIO_CONFIG,
    source: str,
    display: str = SRGB_DISPLAY,
    view: str = ACES_SDR_VIEW,
) -> np.ndarray:
    """Display values (float32, same shape as `rgb`) of `rgb` in colour space `source` through
    the `display`/`view` of `config`, computed by OpenImageIO's ociodisplay: the OpenColorIO
    built into the OpenImageIO wheel, a separate build (2.5) from the PyOpenColorIO (2.6) the
    pipeline transforms with, called through another API. Not clamped: "Un-tone-mapped" gives
    values above 1 for inputs above 1."""
    pixels = np.ascontiguousarray(rgb, dtype=np.float32)
    height, width, channels = pixels.shape
    buffer = oiio.ImageBuf(oiio.ImageSpec(width, height, channels, oiio.FLOAT))
    buffer.set_pixels(oiio.ROI(0, width, 0, height, 0, 1, 0, channels), pixels)
    shown = oiio.ImageBufAlgo.ociodisplay(
        buffer, display, view, fromspace=source, colorconfig=config, unpremult=False
    )
    assert not shown.has_error, shown.geterror()
    return np.asarray(shown.get_pixels(oiio.FLOAT), dtype=np.float32).reshape(pixels.shape)


def expected_display(rgb: np.ndarray, source: str) -> np.ndarray:
    """The 8-bit display values (int) of scene `rgb` in `source` through the ACES SDR view of
    the studio config on sRGB, by `ocio_reference`."""
    reference = ocio_reference(rgb, source=source)
    return to_8bit(np.clip(reference, 0.0, 1.0)).astype(int)


def assert_close(actual: np.ndarray, expected: np.ndarray, tolerance: int = 1) -> None:
    """The same shape, and no value more than `tolerance` codes apart."""
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    difference = np.abs(actual.astype(int) - expected.astype(int))
    assert difference.max() <= tolerance, (difference.max(), actual[0, ::8], expected[0, ::8])


# --- OpenImageIO writing ---------------------------------------------------------------------


def _oiio_write(path: Path, spec: oiio.ImageSpec, pixels: np.ndarray) -> Path:
    out = oiio.ImageOutput.create(str(path))
    if out is None:
        raise RuntimeError(f"no OpenImageIO writer for {path}: {oiio.geterror()}")
    try:
        if not out.open(str(path), spec):
            raise RuntimeError(f"cannot open {path}: {out.geterror()}")
        if not out.write_image(np.ascontiguousarray(pixels)):
            raise RuntimeError(f"cannot write {path}: {out.geterror()}")
    finally:
        out.close()
    return Path(path)


def _exr_spec(width: int, height: int, channels: Sequence[str], pixel_type: str) -> oiio.ImageSpec:
    if pixel_type not in ("half", "float"):
        raise ValueError(f"pixel_type must be 'half' or 'float', not {pixel_type!r}")
    spec = oiio.ImageSpec(width, height, len(channels), pixel_type)
    spec.channelnames = tuple(channels)
    spec.attribute("compression", "zip")
    return spec


def write_exr(
    path: Path,
    rgb: np.ndarray,
    *,
    pixel_type: str = "half",
    alpha: np.ndarray | None = None,
    tiled: bool = False,
    data_window: tuple[int, int, int, int] | None = None,
) -> Path:
    """A single-part OpenEXR of `rgb` (h, w, 3) as R,G,B (+ A from `alpha`, an (h, w) array),
    stored as `pixel_type` "half" or "float", zip-compressed. `tiled` stores 16×16 tiles instead
    of scanlines. `data_window=(x, y, w, h)` stores only that region of `rgb` (the data window)
    inside a display window of the full size, origin 0,0."""
    height, width = rgb.shape[:2]
    pixels = np.asarray(rgb, dtype=np.float32)
    names = ["R", "G", "B"]
    if alpha is not None:
        pixels = np.concatenate([pixels, np.asarray(alpha, dtype=np.float32)[..., None]], axis=-1)
        names.append("A")
    spec = _exr_spec(width, height, names, pixel_type)
    if alpha is not None:
        spec.alpha_channel = 3
    if data_window is not None:
        x, y, w, h = data_window
        if x < 0 or y < 0 or x + w > width or y + h > height:
            raise ValueError(f"data window {data_window} outside {width}x{height}")
        pixels = pixels[y : y + h, x : x + w]
        spec.x, spec.y, spec.width, spec.height = x, y, w, h
        spec.full_x, spec.full_y, spec.full_width, spec.full_height = 0, 0, width, height
    if tiled:
        spec.tile_width = spec.tile_height = EXR_TILE
    return _oiio_write(path, spec, pixels)


def write_multipart_exr(path: Path, parts: Sequence[tuple[str, np.ndarray]]) -> Path:
    """A multipart OpenEXR: one part (OpenImageIO subimage) per `(name, rgb)`, in order, each
    named `name` (the part's "name" attribute, read back as "oiio:subimagename") with plain
    R,G,B float channels. The parts may differ in size: OpenEXR wants one display window for
    all parts, so it is the largest width × height and each part's data window starts at 0,0."""
    full_width = max(rgb.shape[1] for _, rgb in parts)
    full_height = max(rgb.shape[0] for _, rgb in parts)
    specs = []
    for name, rgb in parts:
        height, width = rgb.shape[:2]
        spec = _exr_spec(width, height, ["R", "G", "B"], "float")
        spec.full_width, spec.full_height = full_width, full_height
        spec.attribute("oiio:subimagename", name)
        specs.append(spec)
    out = oiio.ImageOutput.create(str(path))
    if out is None or not out.supports("multiimage"):
        raise RuntimeError(f"OpenImageIO cannot write multipart EXR: {oiio.geterror()}")
    try:
        # OpenEXR writes every part's header first, so all the specs are given to the first
        # open; each following part is then opened with "AppendSubimage".
        if not out.open(str(path), specs):
            raise RuntimeError(f"cannot open {path}: {out.geterror()}")
        for index, (spec, (_, rgb)) in enumerate(zip(specs, parts, strict=True)):
            if index and not out.open(str(path), spec, "AppendSubimage"):
                raise RuntimeError(f"cannot append part {index}: {out.geterror()}")
            if not out.write_image(np.ascontiguousarray(rgb, dtype=np.float32)):
                raise RuntimeError(f"cannot write part {index}: {out.geterror()}")
    finally:
        out.close()
    return Path(path)


def write_layered_exr(path: Path, layers: Mapping[str, np.ndarray]) -> Path:
    """A single-part OpenEXR holding several layers of the same size as channels
    "<layer>.R", "<layer>.G", "<layer>.B" (float), in the mapping's order; the layer named ""
    is stored as plain R,G,B."""
    names: list[str] = []
    planes: list[np.ndarray] = []
    for layer, rgb in layers.items():
        prefix = f"{layer}." if layer else ""
        names += [f"{prefix}R", f"{prefix}G", f"{prefix}B"]
        planes.append(np.asarray(rgb, dtype=np.float32))
    height, width = planes[0].shape[:2]
    spec = _exr_spec(width, height, names, "float")
    return _oiio_write(path, spec, np.concatenate(planes, axis=-1))


def write_dpx_log10(path: Path, codes: np.ndarray) -> Path:
    """A 10-bit DPX (filled 32-bit words, method A) whose R,G,B code values are exactly
    `codes` (uint16 0..1023, (h, w, 3)), transfer "Printing density" (Cineon log).

    OpenImageIO takes uint16 pixels over the full 0..65535 range and reduces them to 10 bits
    itself (and widens them back on read by bit replication, (c << 6) | (c >> 4)), so the codes
    are passed as round(code · 65535 / 1023): that lands on the code whether the writer shifts
    right by 6 or rescales and rounds. `dpx_codes` reads the file's words directly to check it."""
    codes = np.asarray(codes)
    if codes.ndim != 3 or codes.shape[2] != 3 or codes.min() < 0 or codes.max() > 1023:
        raise ValueError("codes must be (h, w, 3) values in 0..1023")
    height, width = codes.shape[:2]
    full = np.round(codes.astype(np.float64) * 65535 / 1023).astype(np.uint16)
    spec = oiio.ImageSpec(width, height, 3, "uint16")
    spec.attribute("oiio:BitsPerSample", 10)
    spec.attribute("dpx:Transfer", "Printing density")
    return _oiio_write(path, spec, full)


def dpx_codes(path: Path) -> np.ndarray:
    """The 10-bit R,G,B codes (uint16, (h, w, 3)) of a DPX written by `write_dpx_log10`,
    decoded from the file's bytes without OpenImageIO: the magic gives the byte order, the
    generic header the image offset (bytes 4–8) and size (772–780), and each pixel is one
    32-bit word with R, G, B in bits 31–22, 21–12, 11–2 (packing "filled, method A")."""
    data = Path(path).read_bytes()
    endian = {b"SDPX": ">", b"XPDS": "<"}[data[:4]]
    (offset,) = struct.unpack(endian + "I", data[4:8])
    width, height = struct.unpack(endian + "II", data[772:780])
    element = 780  # the first image element: descriptor, transfer, colorimetric, bit size…
    bits = data[element + 23]
    (packing,) = struct.unpack(endian + "H", data[element + 24 : element + 26])
    if bits != 10 or packing != 1:
        raise ValueError(f"not a 10-bit filled DPX (bits {bits}, packing {packing})")
    words = np.frombuffer(data, dtype=endian + "u4", count=width * height, offset=offset)
    planes = [(words >> shift) & 0x3FF for shift in (22, 12, 2)]
    return np.stack(planes, axis=-1).reshape(height, width, 3).astype(np.uint16)


def write_tiff(path: Path, pixels: np.ndarray, bits: int) -> Path:
    """A TIFF of `bits` 8, 16 or 32 per sample (uint8, uint16, float32), any channel count.

    `pixels` may be given in that type already (written unchanged), or as floats 0..1 for 8 and
    16 bits, converted here to round(v · 255) or round(v · 65535) after clamping, so the stored
    integers are known exactly."""
    dtypes = {8: np.uint8, 16: np.uint16, 32: np.float32}
    if bits not in dtypes:
        raise ValueError(f"bits must be 8, 16 or 32, not {bits}")
    dtype = dtypes[bits]
    data = np.asarray(pixels)
    if bits != 32 and np.issubdtype(data.dtype, np.floating):
        top = np.iinfo(dtype).max
        data = np.round(np.clip(data.astype(np.float64), 0.0, 1.0) * top)
    data = data.astype(dtype)
    if data.ndim == 2:
        data = data[..., None]
    height, width, channels = data.shape
    oiio_type = {8: "uint8", 16: "uint16", 32: "float"}[bits]
    spec = oiio.ImageSpec(width, height, channels, oiio_type)
    spec.attribute("compression", "zip")
    return _oiio_write(path, spec, data)


def write_hdr(path: Path, rgb: np.ndarray) -> Path:
    """A Radiance .hdr (RGBE: 8-bit mantissas sharing an exponent, so values come back within
    about 1/128 relative) of float RGB (h, w, 3)."""
    height, width = rgb.shape[:2]
    spec = oiio.ImageSpec(width, height, 3, "float")
    return _oiio_write(path, spec, np.asarray(rgb, dtype=np.float32))


# --- Pillow writing ----------------------------------------------------------------------------


def write_webp(path: Path, rgb_uint8: np.ndarray) -> Path:
    """A lossless WebP of uint8 RGB(A) (h, w, 3 or 4), written with Pillow."""
    Image.fromarray(np.ascontiguousarray(rgb_uint8, dtype=np.uint8)).save(
        path, format="WEBP", lossless=True, quality=100, exact=True
    )
    return Path(path)


def write_jp2(path: Path, rgb_uint8: np.ndarray) -> Path:
    """A JPEG 2000 (JP2 box format) of uint8 RGB (h, w, 3), written with Pillow/OpenJPEG using the
    reversible 5/3 wavelet (lossless). Written with Pillow because the JPEG 2000 writer of the
    OpenImageIO wheel produces files that neither it nor other readers can read back here;
    OpenImageIO reads Pillow's files fine."""
    Image.fromarray(np.ascontiguousarray(rgb_uint8, dtype=np.uint8)).save(
        path, format="JPEG2000", irreversible=False, no_jp2=False
    )
    return Path(path)


# --- Photoshop ---------------------------------------------------------------------------------


def _pascal_string(name: str, multiple: int) -> bytes:
    raw = name.encode("latin-1", "replace")[:255]
    data = bytes([len(raw)]) + raw
    return data + b"\0" * (-len(data) % multiple)


def write_layered_psd(
    path: Path, layers: Sequence[tuple[str, np.ndarray]], composite: np.ndarray
) -> Path:
    """A Photoshop PSD (version 1, RGB, 8 bits, every channel uncompressed) written byte by byte.

    Holds the `layers` (name, RGBA uint8 (h, w, 4) covering the whole canvas) bottom first as
    Photoshop lists them, each with channels A (id −1), R, G, B, normal blending, opacity 255,
    and `composite` (uint8 RGB or RGBA, the canvas size) as the merged image data, which is
    what other programs show. The composite is not computed from the layers: the tests choose
    it, so a reader that shows the composite can be told from one that flattens the layers.

    OpenImageIO 3.2 reads it as 1 + len(layers) subimages: subimage 0 is the merged composite
    (channels R,G,B[,A]); subimages 1.. are the layers in file order, each R,G,B,A with the
    layer's name as "oiio:subimagename". It associates alpha on read unless the
    "oiio:UnassociatedAlpha" open hint is 1 (then layer pixels come back exactly as stored).
    An RGBA composite is marked by a negative layer count (Photoshop's way of saying the merged
    image has transparency); OpenImageIO then takes its colour as matted on white, as Photoshop
    stores it, and un-mattes it: stored s with alpha a reads back as (s − 255·(1 − a/255)) /
    (a/255) where that lies in 0..255 (other values come back unpredictable, not clamped). The
    bytes are written as given, so only opaque composite pixels (or an RGB composite) read back
    unchanged.

    Sections (all big-endian): header (26 bytes), colour mode data (empty), image resources
    (empty), layer and mask information (layer info: count, records, channel image data;
    global mask info empty), image data (compression 0, planar)."""
    comp = np.asarray(composite, dtype=np.uint8)
    height, width, comp_channels = comp.shape
    if comp_channels not in (3, 4):
        raise ValueError("composite must be RGB or RGBA")

    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, comp_channels, height, width, 8, 3)
    color_mode_data = struct.pack(">I", 0)
    image_resources = struct.pack(">I", 0)

    records = b""
    channel_data = b""
    for name, rgba in layers:
        pixels = np.asarray(rgba, dtype=np.uint8)
        if pixels.shape != (height, width, 4):
            raise ValueError(f"layer {name!r} must be RGBA {width}x{height}")
        # Channel order: transparency first, as Photoshop writes it.
        planes = [(-1, pixels[..., 3]), (0, pixels[..., 0]), (1, pixels[..., 1]),
                  (2, pixels[..., 2])]  # fmt: skip
        record = struct.pack(">iiiiH", 0, 0, height, width, len(planes))
        for channel_id, plane in planes:
            # Each channel's length counts its 2-byte compression field.
            record += struct.pack(">hI", channel_id, 2 + plane.size)
            channel_data += struct.pack(">H", 0) + np.ascontiguousarray(plane).tobytes()
        extra = struct.pack(">I", 0)  # layer mask data: none
        extra += struct.pack(">I", 0)  # layer blending ranges: none
        extra += _pascal_string(name, 4)
        # Blend mode, opacity, clipping (0 = base), flags (0: visible), filler.
        record += b"8BIM" + b"norm" + struct.pack(">BBBx", 255, 0, 0)
        record += struct.pack(">I", len(extra)) + extra
        records += record

    # A negative layer count says the merged image's fourth channel is its transparency;
    # OpenImageIO drops that channel from the composite when the count is positive.
    count = -len(layers) if comp_channels == 4 else len(layers)
    layer_info = struct.pack(">h", count) + records + channel_data
    layer_info += b"\0" * (len(layer_info) % 2)  # padded to an even length
    layer_and_mask = struct.pack(">I", len(layer_info)) + layer_info
    layer_and_mask += struct.pack(">I", 0)  # global layer mask info: none
    layer_and_mask_section = struct.pack(">I", len(layer_and_mask)) + layer_and_mask

    image_data = struct.pack(">H", 0) + np.ascontiguousarray(comp.transpose(2, 0, 1)).tobytes()

    Path(path).write_bytes(
        header + color_mode_data + image_resources + layer_and_mask_section + image_data
    )
    return Path(path)


# --- Archives and damage -----------------------------------------------------------------------


def write_sequence_archive(
    path: Path,
    frames: Mapping[int, Path],
    *,
    name: str = "shot_v003.{frame:04d}.exr",
    kind: str = "zip",
    folder: str = "",
) -> Path:
    """A zip or tar archive holding each `frames[n]` file as `folder/` + name.format(frame=n),
    in frame order. Zip members are stored (ZIP_STORED): EXR data is compressed already."""
    prefix = f"{folder.strip('/')}/" if folder else ""
    members = [(prefix + name.format(frame=n), Path(frames[n])) for n in sorted(frames)]
    if kind == "zip":
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
            for arcname, source in members:
                archive.write(source, arcname)
    elif kind == "tar":
        with tarfile.open(path, "w") as archive:
            for arcname, source in members:
                archive.add(source, arcname)
    else:
        raise ValueError(f"kind must be 'zip' or 'tar', not {kind!r}")
    return Path(path)


def corrupt_copy(source: Path, target: Path) -> Path:
    """`target` holding the first half of `source`'s bytes: a valid header, truncated data."""
    data = Path(source).read_bytes()
    Path(target).write_bytes(data[: len(data) // 2])
    return Path(target)


# --- ICC profiles ------------------------------------------------------------------------------

# The sRGB primaries as an ICC v2 profile states them (adapted to D50, the profile connection
# space's white).
SRGB_RED_D50 = (0.4361, 0.2225, 0.0139)
SRGB_GREEN_D50 = (0.3851, 0.7169, 0.0971)
SRGB_BLUE_D50 = (0.1431, 0.0606, 0.7141)


def _s15fixed16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz_tag(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + bytes(4) + _s15fixed16(x) + _s15fixed16(y) + _s15fixed16(z)


def _gamma_tag(gamma: float) -> bytes:
    return b"curv" + bytes(4) + struct.pack(">IH", 1, round(gamma * 256)) + bytes(2)


def _description_tag(text: str) -> bytes:
    ascii_text = text.encode() + b"\0"
    body = b"desc" + bytes(4) + struct.pack(">I", len(ascii_text)) + ascii_text
    body += struct.pack(">IIHB", 0, 0, 0, 0) + bytes(67)  # no Unicode, no ScriptCode
    return body + bytes(-len(body) % 4)


def rgb_icc_profile(
    red: tuple[float, float, float],
    green: tuple[float, float, float],
    blue: tuple[float, float, float],
    *,
    gamma: float = 2.2,
    name: str = "test profile",
) -> bytes:
    """A minimal ICC v2 display profile (matrix/TRC) written byte by byte: the colorants of the
    red, green and blue channels (XYZ, D50) and one gamma for all three. With the sRGB blue as
    `red` and the sRGB red as `blue`, a pixel stored as pure red means blue."""
    tags = [
        (b"desc", _description_tag(name)),
        (b"wtpt", _xyz_tag(0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz_tag(*red)),
        (b"gXYZ", _xyz_tag(*green)),
        (b"bXYZ", _xyz_tag(*blue)),
        (b"rTRC", _gamma_tag(gamma)),
        (b"gTRC", _gamma_tag(gamma)),
        (b"bTRC", _gamma_tag(gamma)),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = (
        struct.pack(">I", offset + len(data))
        + bytes(4)
        + struct.pack(">I", 0x02100000)  # version 2.1
        + b"mntrRGB XYZ "  # display class, RGB data, XYZ connection space
        + bytes(12)  # date
        + b"acsp"
        + bytes(24)  # platform, flags, manufacturer, model, attributes
        + struct.pack(">I", 0)  # perceptual intent
        + _s15fixed16(0.9642)
        + _s15fixed16(1.0)
        + _s15fixed16(0.8249)
        + bytes(48)  # creator, profile id, reserved
    )
    return header + struct.pack(">I", len(tags)) + table + data


def write_tiff_with_profile(path: Path, rgb_uint8: np.ndarray, profile: bytes) -> Path:
    """An 8-bit RGB TIFF carrying the ICC `profile`, written with Pillow."""
    Image.fromarray(np.ascontiguousarray(rgb_uint8, dtype=np.uint8)).save(
        path, format="TIFF", icc_profile=profile
    )
    return Path(path)


# --- Cineon ------------------------------------------------------------------------------------

CINEON_MAGIC = 0x802A5FD7


def write_cineon_log10(path: Path, codes: np.ndarray) -> Path:
    """A Kodak Cineon 4.5 file (OpenImageIO reads Cineon but cannot write it) of 10-bit R,G,B
    code values `codes` (uint16 0..1023, (h, w, 3)), written byte by byte, big-endian: the
    1024-byte generic header (file information; image information with three 10-bit channels
    designated R, G, B; data format: pixel interleave, packing 5 = three samples left-justified
    in a 32-bit word, R in bits 31-22, G in 21-12, B in 11-2), an empty 1024-byte
    motion-picture header, then the pixel words from offset 2048."""
    height, width, _ = codes.shape
    generic = bytearray(1024)
    words_size = 4 * width * height
    struct.pack_into(">IIIIII", generic, 0, CINEON_MAGIC, 2048, 1024, 1024, 0, 2048 + words_size)
    generic[24:28] = b"V4.5"
    struct.pack_into(">BB", generic, 192, 0, 3)  # orientation, channel count
    for channel in range(3):  # designator (universal metric, R/G/B), bits, size, data range
        struct.pack_into(
            ">BBBBIIffff", generic, 196 + 28 * channel, 0, channel + 1, 10, 0, width, height,
            0.0, 0.0, 1023.0, 2.048,
        )  # fmt: skip
    struct.pack_into(">BBBBII", generic, 680, 0, 5, 0, 0, 0, 0)  # interleave, packing...
    codes = codes.astype(np.uint32)
    words = (codes[..., 0] << 22) | (codes[..., 1] << 12) | (codes[..., 2] << 2)
    with open(path, "wb") as output:
        output.write(bytes(generic))
        output.write(bytes(1024))
        output.write(words.astype(">u4").tobytes())
    return Path(path)
