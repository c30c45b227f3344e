"""The VFX test-media generators themselves (tests/previews/vfx_media.py): every file they write
is read back with OpenImageIO (or unpacked) with the intended values, format, bit depth,
channel names and subimages, and the reference colour values agree with the sRGB formula.
Plain pytest functions: no database."""

from __future__ import annotations

import tarfile
import zipfile

import numpy as np
import OpenImageIO as oiio
import pytest

from . import vfx_media

RNG_SEED = 20261205


def read_all(path, *, unassociated=False):
    """[(spec, pixels in the file's own type)] for every subimage of `path`, via OpenImageIO."""
    config = oiio.ImageSpec()
    if unassociated:
        config.attribute("oiio:UnassociatedAlpha", 1)
    image = oiio.ImageInput.open(str(path), config)
    assert image is not None, oiio.geterror()
    subimages = []
    try:
        while image.seek_subimage(len(subimages), 0):
            spec = image.spec()
            pixels = image.read_image(spec.format)
            assert pixels is not None, image.geterror()
            subimages.append((spec, pixels))
    finally:
        image.close()
    return subimages


def read_one(path, **kwargs):
    subimages = read_all(path, **kwargs)
    assert len(subimages) == 1
    return subimages[0]


def format_name(path):
    image = oiio.ImageInput.open(str(path))
    assert image is not None, oiio.geterror()
    try:
        return image.format_name()
    finally:
        image.close()


def random_uint8(shape):
    return np.random.default_rng(RNG_SEED).integers(0, 256, shape, dtype=np.uint8)


# --- Pixels and reference values -------------------------------------------------------------


def test_linear_ramp_goes_past_display_white():
    ramp = vfx_media.linear_ramp(width=64, height=16, peak=2.0)
    assert ramp.shape == (16, 64, 3)
    assert ramp.dtype == np.float32
    assert ramp[0, 0].tolist() == [0.0, 0.0, 0.0]
    assert ramp[5, -1].tolist() == [2.0, 1.0, 0.5]
    x = 21
    assert ramp[3, x, 0] == pytest.approx(x / 63 * 2.0)
    np.testing.assert_allclose(ramp[..., 1], ramp[..., 0] / 2)
    np.testing.assert_allclose(ramp[..., 2], ramp[..., 0] / 4)
    assert (ramp == ramp[:1]).all()


def test_srgb_encode_and_to_8bit():
    values = vfx_media.srgb_encode(np.array([-1.0, 0.0, 0.001, 0.0031308, 0.18, 1.0, 4.0]))
    expected = [0.0, 0.0, 0.01292, 0.04045, 0.461356, 1.0, 1.0]
    np.testing.assert_allclose(values, expected, atol=2e-5)
    assert vfx_media.to_8bit(values).tolist() == [0, 0, 3, 10, 118, 255, 255]
    assert vfx_media.to_8bit(np.array([0.5, 2.0, -0.1])).dtype == np.uint8


def test_cineon_black_and_white_points():
    lin = vfx_media.cineon_log_to_linear(np.array([95, 445, 685, 1023]))
    assert lin[0] == pytest.approx(0.0, abs=1e-12)
    assert lin[2] == pytest.approx(1.0)
    assert 0.14 < lin[1] < 0.16  # 445: a mid grey, about 15 % (Cineon's 18 % is near 470)
    assert lin[3] > 10  # codes above white are highlights, far over 1


def test_ocio_untonemapped_view_is_the_srgb_formula():
    """The reference (OpenImageIO's OCIO, studio config) and the IEC formula agree on the plain sRGB
    display of linear Rec.709, so either can check the pipeline's untone-mapped output."""
    linear = vfx_media.linear_ramp(width=256, height=2, peak=1.0)
    display = vfx_media.ocio_reference(
        linear, source="Linear Rec.709 (sRGB)", view="Un-tone-mapped"
    )
    assert display.shape == linear.shape
    assert display.dtype == np.float32
    np.testing.assert_allclose(display, vfx_media.srgb_encode(linear), atol=1e-3)


def test_ocio_aces_view_tone_maps_highlights():
    linear = vfx_media.linear_ramp(width=64, height=1, peak=16.0)
    display = vfx_media.ocio_reference(linear, source="Linear Rec.709 (sRGB)")
    untouched = linear.copy()
    assert np.array_equal(linear, untouched)  # the input is not modified in place
    red = display[0, :, 0]
    assert (np.diff(red) >= -1e-6).all()  # monotonic
    assert red.max() < 1.01  # the highlights roll off at display white instead of clipping
    assert red[-1] > 0.9
    # ACES darkens mid grey compared with the plain sRGB curve.
    grey = np.full((1, 1, 3), 0.18, dtype=np.float32)
    aces_grey = vfx_media.ocio_reference(grey, source="Linear Rec.709 (sRGB)")[0, 0, 0]
    assert aces_grey < vfx_media.srgb_encode(np.float32(0.18))


# --- OpenEXR ---------------------------------------------------------------------------------


@pytest.mark.parametrize("pixel_type", ["half", "float"])
def test_exr_scanline_keeps_values_above_one(tmp_path, pixel_type):
    ramp = vfx_media.linear_ramp()
    path = vfx_media.write_exr(tmp_path / "ramp.exr", ramp, pixel_type=pixel_type)
    assert format_name(path) == "openexr"
    spec, pixels = read_one(path)
    assert spec.format == oiio.TypeDesc(pixel_type)
    assert spec.channelnames == ("R", "G", "B")
    assert (spec.width, spec.height, spec.tile_width) == (64, 16, 0)
    atol = 1e-3 if pixel_type == "half" else 0  # half keeps 11 significant bits
    np.testing.assert_allclose(pixels.astype(np.float32), ramp, atol=atol, rtol=1e-3)
    assert pixels[..., 0].max() == 2.0


def test_exr_with_alpha_and_tiles(tmp_path):
    ramp = vfx_media.linear_ramp(width=40, height=24)
    alpha = np.tile(np.linspace(0, 1, 40, dtype=np.float32), (24, 1))
    path = vfx_media.write_exr(
        tmp_path / "tiled.exr", ramp, pixel_type="float", alpha=alpha, tiled=True
    )
    spec, pixels = read_one(path, unassociated=True)
    assert spec.channelnames == ("R", "G", "B", "A")
    assert spec.alpha_channel == 3
    assert (spec.tile_width, spec.tile_height) == (16, 16)
    assert (spec.width, spec.height) == (40, 24)
    np.testing.assert_array_equal(pixels[..., :3], ramp)
    np.testing.assert_array_equal(pixels[..., 3], alpha)


def test_exr_data_window_inside_display_window(tmp_path):
    ramp = vfx_media.linear_ramp(width=64, height=16)
    path = vfx_media.write_exr(
        tmp_path / "window.exr", ramp, pixel_type="float", data_window=(10, 4, 20, 8)
    )
    spec, pixels = read_one(path)
    assert (spec.x, spec.y, spec.width, spec.height) == (10, 4, 20, 8)
    assert (spec.full_x, spec.full_y, spec.full_width, spec.full_height) == (0, 0, 64, 16)
    np.testing.assert_array_equal(pixels, ramp[4:12, 10:30])


def test_exr_data_window_must_fit(tmp_path):
    with pytest.raises(ValueError):
        vfx_media.write_exr(
            tmp_path / "bad.exr", vfx_media.linear_ramp(), data_window=(60, 0, 10, 4)
        )


def test_multipart_exr_has_named_parts(tmp_path):
    beauty = vfx_media.linear_ramp(width=64, height=16, peak=2.0)
    diffuse = vfx_media.linear_ramp(width=32, height=8, peak=0.5)
    path = vfx_media.write_multipart_exr(
        tmp_path / "parts.exr", [("beauty", beauty), ("diffuse", diffuse)]
    )
    subimages = read_all(path)
    assert len(subimages) == 2
    names = [spec.get_string_attribute("oiio:subimagename") for spec, _ in subimages]
    assert names == ["beauty", "diffuse"]
    for (spec, pixels), expected in zip(subimages, [beauty, diffuse], strict=True):
        assert spec.channelnames == ("R", "G", "B")
        assert spec.format == oiio.TypeDesc("float")
        np.testing.assert_array_equal(pixels, expected)
    assert (subimages[1][0].full_width, subimages[1][0].full_height) == (64, 16)


def test_layered_exr_names_channels_by_layer(tmp_path):
    beauty = vfx_media.linear_ramp(peak=2.0)
    diffuse = vfx_media.linear_ramp(peak=0.5)
    specular = vfx_media.linear_ramp(peak=8.0)
    path = vfx_media.write_layered_exr(
        tmp_path / "layers.exr", {"": beauty, "diffuse": diffuse, "specular": specular}
    )
    spec, pixels = read_one(path)
    names = list(spec.channelnames)
    assert sorted(names) == sorted(
        ["R", "G", "B"] + [f"{layer}.{c}" for layer in ("diffuse", "specular") for c in "RGB"]
    )
    for prefix, expected in (("", beauty), ("diffuse.", diffuse), ("specular.", specular)):
        for index, channel in enumerate("RGB"):
            plane = pixels[..., names.index(prefix + channel)]
            np.testing.assert_array_equal(plane, expected[..., index])


# --- DPX, TIFF, HDR --------------------------------------------------------------------------


def dpx_test_codes():
    codes = np.arange(1024, dtype=np.uint16).reshape(32, 32)
    return np.stack([codes, 1023 - codes, codes // 3], axis=-1)


def test_dpx_holds_the_exact_10_bit_codes(tmp_path):
    codes = dpx_test_codes()
    path = vfx_media.write_dpx_log10(tmp_path / "log.dpx", codes)
    assert format_name(path) == "dpx"
    spec, pixels = read_one(path)
    assert spec.get_int_attribute("oiio:BitsPerSample") == 10
    assert spec.get_string_attribute("dpx:Transfer") == "Printing density"
    assert spec.format == oiio.TypeDesc("uint16")
    assert spec.channelnames == ("R", "G", "B")
    # OpenImageIO widens 10-bit samples to 16 bits by bit replication: (c << 6) | (c >> 4).
    wide = codes.astype(np.uint16)
    np.testing.assert_array_equal(pixels, (wide << 6) | (wide >> 4))
    # And the file's own words, decoded without OpenImageIO, are the codes.
    np.testing.assert_array_equal(vfx_media.dpx_codes(path), codes)


def test_dpx_refuses_codes_out_of_range(tmp_path):
    with pytest.raises(ValueError):
        vfx_media.write_dpx_log10(tmp_path / "bad.dpx", np.full((2, 2, 3), 1024))


@pytest.mark.parametrize(
    ("bits", "oiio_type", "dtype"),
    [(8, "uint8", np.uint8), (16, "uint16", np.uint16), (32, "float", np.float32)],
)
def test_tiff_bit_depths_from_native_values(tmp_path, bits, oiio_type, dtype):
    if bits == 32:
        pixels = vfx_media.linear_ramp(width=24, height=8)
    else:
        top = np.iinfo(dtype).max
        pixels = np.random.default_rng(RNG_SEED).integers(0, top + 1, (8, 24, 3), dtype=dtype)
    path = vfx_media.write_tiff(tmp_path / f"{bits}.tif", pixels, bits)
    assert format_name(path) == "tiff"
    spec, read = read_one(path)
    assert spec.format == oiio.TypeDesc(oiio_type)
    assert spec.get_int_attribute("oiio:BitsPerSample") == bits
    assert spec.channelnames == ("R", "G", "B")
    assert read.dtype == dtype
    np.testing.assert_array_equal(read, pixels)


@pytest.mark.parametrize("bits", [8, 16])
def test_tiff_from_floats_rounds_exactly(tmp_path, bits):
    floats = vfx_media.linear_ramp(width=32, height=4, peak=1.2)  # past 1: clamped
    path = vfx_media.write_tiff(tmp_path / "f.tif", floats, bits)
    _, read = read_one(path)
    top = 255 if bits == 8 else 65535
    np.testing.assert_array_equal(read, np.round(np.clip(floats, 0, 1).astype(float) * top))


def test_hdr_keeps_high_values_within_rgbe_precision(tmp_path):
    ramp = vfx_media.linear_ramp(peak=8.0)
    path = vfx_media.write_hdr(tmp_path / "ramp.hdr", ramp)
    assert format_name(path) == "hdr"
    spec, pixels = read_one(path)
    assert spec.channelnames == ("R", "G", "B")
    assert (spec.width, spec.height) == (64, 16)
    np.testing.assert_allclose(pixels, ramp, rtol=1 / 64, atol=1e-6)
    assert pixels.max() > 7.8


# --- Pillow formats --------------------------------------------------------------------------


def test_webp_is_lossless(tmp_path):
    rgb = random_uint8((12, 20, 3))
    path = vfx_media.write_webp(tmp_path / "p.webp", rgb)
    assert format_name(path) == "webp"
    spec, pixels = read_one(path)
    assert spec.format == oiio.TypeDesc("uint8")
    np.testing.assert_array_equal(pixels, rgb)


def test_jp2_is_lossless_and_readable_by_openimageio(tmp_path):
    rgb = random_uint8((12, 20, 3))
    path = vfx_media.write_jp2(tmp_path / "p.jp2", rgb)
    assert path.read_bytes()[4:8] == b"jP  "  # the JP2 signature box, not a bare codestream
    assert format_name(path) == "jpeg2000"
    spec, pixels = read_one(path)
    assert spec.format == oiio.TypeDesc("uint8")
    assert spec.channelnames == ("R", "G", "B")
    np.testing.assert_array_equal(pixels, rgb)


# --- Photoshop -------------------------------------------------------------------------------


def psd_layers(height=8, width=12):
    rng = np.random.default_rng(RNG_SEED)
    background = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    background[..., 3] = 255
    paint = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    composite = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    return [("Background", background), ("Paint over", paint)], composite


def test_psd_reads_as_composite_then_layers(tmp_path):
    layers, composite = psd_layers()
    path = vfx_media.write_layered_psd(tmp_path / "paint.psd", layers, composite)
    assert path.read_bytes()[:6] == b"8BPS\x00\x01"
    assert format_name(path) == "psd"
    subimages = read_all(path, unassociated=True)
    assert len(subimages) == 3
    spec, pixels = subimages[0]
    assert spec.channelnames == ("R", "G", "B")
    assert spec.format == oiio.TypeDesc("uint8")
    assert (spec.width, spec.height) == (12, 8)
    np.testing.assert_array_equal(pixels, composite)
    for (spec, pixels), (name, rgba) in zip(subimages[1:], layers, strict=True):
        assert spec.get_string_attribute("oiio:subimagename") == name
        assert spec.channelnames == ("R", "G", "B", "A")
        np.testing.assert_array_equal(pixels, rgba)


def test_psd_layers_are_associated_by_default(tmp_path):
    layers, composite = psd_layers()
    path = vfx_media.write_layered_psd(tmp_path / "paint.psd", layers, composite)
    subimages = read_all(path)
    np.testing.assert_array_equal(subimages[0][1], composite)
    np.testing.assert_array_equal(subimages[1][1], layers[0][1])  # opaque: unchanged
    paint = layers[1][1].astype(np.float64)
    premultiplied = paint[..., :3] * paint[..., 3:] / 255
    assert np.abs(subimages[2][1][..., :3] - premultiplied).max() <= 1


def test_psd_rgba_composite(tmp_path):
    layers, composite = psd_layers()
    alpha = np.full(composite.shape[:2], 255, dtype=np.uint8)
    alpha[:, :4] = 0
    alpha[:, 4:6] = 128
    rgba = np.concatenate([composite, alpha[..., None]], axis=-1)
    path = vfx_media.write_layered_psd(tmp_path / "alpha.psd", layers, rgba)
    subimages = read_all(path, unassociated=True)
    assert len(subimages) == 3
    spec, pixels = subimages[0]
    assert spec.channelnames == ("R", "G", "B", "A")
    np.testing.assert_array_equal(pixels[..., 3], alpha)
    np.testing.assert_array_equal(pixels[:, 6:], rgba[:, 6:])  # opaque pixels as stored
    # Half-transparent pixels are un-matted from white, as the docstring says.
    a = 128 / 255
    stored = rgba[:, 4:6, :3].astype(np.float64)
    unmatted = (stored - 255 * (1 - a)) / a
    in_range = (unmatted >= 0) & (unmatted <= 255)
    assert in_range.any()
    assert np.abs(pixels[:, 4:6, :3][in_range] - unmatted[in_range]).max() <= 1


def test_psd_layer_size_must_match_canvas(tmp_path):
    _, composite = psd_layers()
    with pytest.raises(ValueError):
        vfx_media.write_layered_psd(
            tmp_path / "bad.psd", [("small", np.zeros((2, 2, 4), np.uint8))], composite
        )


# --- Archives and damage ---------------------------------------------------------------------


@pytest.fixture
def exr_frames(tmp_path):
    frames = {}
    for frame in (1001, 1002, 1003):
        ramp = vfx_media.linear_ramp(width=16, height=4, peak=frame / 1000)
        frames[frame] = vfx_media.write_exr(tmp_path / f"src_{frame}.exr", ramp)
    return frames


def test_zip_sequence_archive(tmp_path, exr_frames):
    path = vfx_media.write_sequence_archive(tmp_path / "seq.zip", exr_frames, folder="renders")
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        assert [info.filename for info in infos] == [
            "renders/shot_v003.1001.exr",
            "renders/shot_v003.1002.exr",
            "renders/shot_v003.1003.exr",
        ]
        assert {info.compress_type for info in infos} == {zipfile.ZIP_STORED}
        for info, frame in zip(infos, sorted(exr_frames), strict=True):
            assert archive.read(info) == exr_frames[frame].read_bytes()


def test_tar_sequence_archive_with_custom_names(tmp_path, exr_frames):
    path = vfx_media.write_sequence_archive(
        tmp_path / "seq.tar", exr_frames, name="plate.{frame}.exr", kind="tar"
    )
    with tarfile.open(path) as archive:
        members = archive.getmembers()
        assert [m.name for m in members] == ["plate.1001.exr", "plate.1002.exr", "plate.1003.exr"]
        for member, frame in zip(members, sorted(exr_frames), strict=True):
            extracted = archive.extractfile(member)
            assert extracted is not None
            assert extracted.read() == exr_frames[frame].read_bytes()


def test_sequence_archive_kind_is_checked(tmp_path, exr_frames):
    with pytest.raises(ValueError):
        vfx_media.write_sequence_archive(tmp_path / "seq.rar", exr_frames, kind="rar")


def test_corrupt_copy_is_a_truncated_unreadable_file(tmp_path):
    source = vfx_media.write_exr(tmp_path / "ok.exr", vfx_media.linear_ramp())
    target = vfx_media.corrupt_copy(source, tmp_path / "broken.exr")
    data = source.read_bytes()
    assert target.read_bytes() == data[: len(data) // 2]
    image = oiio.ImageInput.open(str(target))
    if image is not None:  # the header may still parse; the pixels must not
        try:
            assert image.read_image() is None
        finally:
            image.close()
    oiio.geterror()  # clear OpenImageIO's pending message
