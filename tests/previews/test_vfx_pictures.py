"""The VFX picture core without Django (previews.media.colour, .vfx, .sequences): generated
pictures in each format (tests/previews/vfx_media.py) turned into display pixels, checked
against values computed independently — the OpenColorIO inside the OpenImageIO wheel (another
build, through another API, than the PyOpenColorIO the pipeline transforms with) for the ACES
view transform, the sRGB formula for the un-tone-mapped view, the stored integers for
display-referred sources.

The API, the jobs and the stores: tests/previews/test_vfx_previews.py."""

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from previews.media import colour, sequences, vfx
from previews.media.probe import MediaError
from tests.previews import vfx_media

REQUEST = colour.ColourRequest()
UNLIMITED = 10**9


def display_png(path: Path, tmp_path: Path, **options) -> tuple[vfx.DisplayPicture, np.ndarray]:
    """The picture at `path` through write_display_png, with its PNG's pixels."""
    options.setdefault("colour", REQUEST)
    options.setdefault("max_pixels", UNLIMITED)
    made = vfx.write_display_png(path, tmp_path / "display.png", **options)
    with Image.open(made.path) as image:
        return made, np.asarray(image).copy()


# ---------------------------------------------------------------------------------------------
# Choosing the transform


def source(**values) -> colour.SourceColour:
    defaults = {
        "format_name": "openexr",
        "is_float": True,
        "metadata_space": None,
        "log_transfer": False,
        "chromaticities": None,
    }
    return colour.SourceColour(**{**defaults, **values})


@pytest.mark.parametrize(
    ("described", "space", "referred", "origin"),
    [
        (source(), "Linear Rec.709 (sRGB)", "scene", "format"),
        (source(chromaticities=colour._AP1), "ACEScg", "scene", "metadata"),
        (source(chromaticities=colour._AP0), "ACES2065-1", "scene", "metadata"),
        (source(metadata_space="lin_rec709_scene"), "Linear Rec.709 (sRGB)", "scene", "metadata"),
        (
            source(format_name="dpx", is_float=False, log_transfer=True),
            "ADX10",
            "scene",
            "format",
        ),
        (
            source(format_name="tiff", is_float=False),
            "sRGB Encoded Rec.709 (sRGB)",
            "display",
            "format",
        ),
        (
            source(format_name="webp", is_float=False, metadata_space="srgb_rec709_scene"),
            "sRGB Encoded Rec.709 (sRGB)",
            "display",
            "metadata",
        ),
    ],
)
def test_the_input_space_is_guessed_from_metadata_then_format(described, space, referred, origin):
    chosen = colour.choose_transform(described, REQUEST)
    assert (chosen.color_space, chosen.referred, chosen.guessed_from) == (space, referred, origin)
    if referred == "scene":
        assert (chosen.display, chosen.view) == ("sRGB - Display", "ACES 1.0 - SDR Video")
    else:  # kept as it is: no view transform
        assert (chosen.display, chosen.view) == (None, None)
    assert chosen.as_data()["config"] == colour.DEFAULT_CONFIG


def test_the_upload_then_the_project_override_the_guess():
    tiff = source(format_name="tiff", is_float=False)
    both = colour.ColourRequest(upload_color_space="ACEScg", project_color_space="ACEScct")
    chosen = colour.choose_transform(tiff, both)
    assert (chosen.color_space, chosen.guessed_from, chosen.referred) == (
        "ACEScg",
        "upload",
        "scene",
    )
    project = colour.ColourRequest(project_color_space="acescct_ap1")  # an alias
    chosen = colour.choose_transform(tiff, project)
    assert (chosen.color_space, chosen.guessed_from) == ("ACEScct", "project")


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (colour.ColourRequest(upload_color_space="Kodak 5219"), "colour space 'Kodak 5219'"),
        (colour.ColourRequest(view="Filmic"), "view 'Filmic'"),
        (colour.ColourRequest(display="Cinema"), "display 'Cinema'"),
        (colour.ColourRequest(config="/nowhere/config.ocio"), "cannot be loaded"),
    ],
)
def test_names_the_config_does_not_have_are_refused_with_what_it_has(request_, message):
    with pytest.raises(MediaError, match=message):
        colour.choose_transform(source(), request_)


# ---------------------------------------------------------------------------------------------
# Pictures of each format against independent values


def test_a_linear_half_exr_goes_through_the_aces_view(tmp_path):
    ramp = vfx_media.linear_ramp()
    path = vfx_media.write_exr(tmp_path / "ramp.exr", ramp, pixel_type="half")
    made, pixels = display_png(path, tmp_path)
    assert (made.width, made.height) == (64, 16) and pixels.shape == (16, 64, 3)
    half = ramp.astype(np.float16).astype(np.float32)  # what the file holds
    vfx_media.assert_close(pixels, vfx_media.expected_display(half, "Linear Rec.709 (sRGB)"))
    # Not a naive clamp: values above 1.0 keep getting brighter instead of all being white.
    red = pixels[0, :, 0].astype(int)
    above_one = red[32:]  # linear 1.02 .. 2.0
    assert np.all(np.diff(above_one) >= 0) and above_one[-1] - above_one[0] >= 10
    assert made.as_data()["color_transform"] == {
        "config": colour.DEFAULT_CONFIG,
        "color_space": "Linear Rec.709 (sRGB)",
        "referred": "scene",
        "guessed_from": "format",
        "display": "sRGB - Display",
        "view": "ACES 1.0 - SDR Video",
    }


def test_the_un_tone_mapped_view_is_the_srgb_formula(tmp_path):
    ramp = vfx_media.linear_ramp(peak=1.0)
    path = vfx_media.write_exr(tmp_path / "ramp.exr", ramp, pixel_type="float")
    _, pixels = display_png(path, tmp_path, colour=colour.ColourRequest(view="Un-tone-mapped"))
    vfx_media.assert_close(pixels, vfx_media.to_8bit(vfx_media.srgb_encode(ramp)))


def test_straight_alpha_is_written_from_premultiplied_exr_colours(tmp_path):
    ramp = vfx_media.linear_ramp(peak=1.0)
    alpha = np.full(ramp.shape[:2], 0.5, dtype=np.float32)
    path = vfx_media.write_exr(tmp_path / "a.exr", ramp * 0.5, pixel_type="float", alpha=alpha)
    view = colour.ColourRequest(view="Un-tone-mapped")
    made, pixels = display_png(path, tmp_path, colour=view)
    assert pixels.shape == (16, 64, 4)
    assert np.all(pixels[..., 3] == 128)
    vfx_media.assert_close(pixels[..., :3], vfx_media.to_8bit(vfx_media.srgb_encode(ramp)))


def test_a_tiled_exr_with_a_small_data_window_is_placed_in_its_display_window(tmp_path):
    grey = np.full((16, 64, 3), 0.18, dtype=np.float32)
    path = vfx_media.write_exr(
        tmp_path / "crop.exr", grey, pixel_type="half", tiled=True, data_window=(8, 4, 16, 6)
    )
    made, pixels = display_png(path, tmp_path)
    assert (made.width, made.height) == (64, 16)
    inside = pixels[4:10, 8:24]
    vfx_media.assert_close(
        inside,
        vfx_media.expected_display(np.full((6, 16, 3), 0.18, np.float32), "Linear Rec.709 (sRGB)"),
    )
    outside = pixels.copy()
    outside[4:10, 8:24] = 0
    assert outside.max() <= 1  # black where the render has no pixels (ACES maps 0 to ~0)


def test_each_part_of_a_multipart_exr_can_be_shown(tmp_path):
    beauty = np.full((8, 32, 3), [0.18, 0.18, 0.18], dtype=np.float32)
    diffuse = np.full((8, 32, 3), [0.5, 0.05, 0.02], dtype=np.float32)
    path = vfx_media.write_multipart_exr(
        tmp_path / "parts.exr", [("beauty", beauty), ("diffuse", diffuse)]
    )
    made, pixels = display_png(path, tmp_path)
    assert (made.layer, made.layers) == ("beauty", ("beauty", "diffuse"))
    vfx_media.assert_close(pixels, vfx_media.expected_display(beauty, "Linear Rec.709 (sRGB)"))
    made, pixels = display_png(path, tmp_path, layer="diffuse")
    assert made.layer == "diffuse"
    vfx_media.assert_close(pixels, vfx_media.expected_display(diffuse, "Linear Rec.709 (sRGB)"))
    with pytest.raises(MediaError, match=r"no layer 'specular'.*beauty, diffuse"):
        display_png(path, tmp_path, layer="specular")


def test_a_layer_of_a_single_part_exr_is_chosen_by_its_prefix(tmp_path):
    rgba = np.full((8, 16, 3), 0.18, dtype=np.float32)
    normals = np.full((8, 16, 3), [1.0, 0.0, 0.0], dtype=np.float32)
    path = vfx_media.write_layered_exr(tmp_path / "aovs.exr", {"": rgba, "N": normals})
    made, pixels = display_png(path, tmp_path)
    assert made.layer == "rgba" and set(made.layers) == {"rgba", "N"}
    vfx_media.assert_close(pixels, vfx_media.expected_display(rgba, "Linear Rec.709 (sRGB)"))
    made, pixels = display_png(path, tmp_path, layer="n")  # any case
    assert made.layer == "N"
    vfx_media.assert_close(pixels, vfx_media.expected_display(normals, "Linear Rec.709 (sRGB)"))


def test_a_10_bit_log_dpx_is_a_film_scan_through_adx10(tmp_path):
    codes = np.tile(np.linspace(0, 1023, 64).round().astype(np.uint16), (16, 1))
    codes = np.stack([codes, codes, codes], axis=-1)
    path = vfx_media.write_dpx_log10(tmp_path / "scan.dpx", codes)
    made, pixels = display_png(path, tmp_path)
    assert made.transform.color_space == "ADX10" and made.transform.guessed_from == "format"
    read = ((codes.astype(np.uint32) << 6) | (codes >> 4)) / 65535.0  # how 10 bits widen
    vfx_media.assert_close(pixels, vfx_media.expected_display(read.astype(np.float32), "ADX10"))


def test_a_cineon_file_is_a_film_scan_through_adx10(tmp_path):
    codes = np.tile(np.linspace(0, 1023, 64).round().astype(np.uint16), (16, 1))
    codes = np.stack([codes, codes // 2, codes // 4], axis=-1)
    path = vfx_media.write_cineon_log10(tmp_path / "scan.cin", codes)
    made, pixels = display_png(path, tmp_path)
    assert (made.transform.color_space, made.transform.guessed_from) == ("ADX10", "format")
    read = ((codes.astype(np.uint32) << 6) | (codes >> 4)) / 65535.0  # how 10 bits widen
    vfx_media.assert_close(pixels, vfx_media.expected_display(read.astype(np.float32), "ADX10"))


@pytest.mark.parametrize("bits", [8, 16])
def test_integer_tiffs_are_display_pictures_kept_as_they_are(tmp_path, bits):
    top = 255 if bits == 8 else 65535
    values = np.tile(np.linspace(0, top, 64).round(), (16, 1))
    rgb = np.stack([values, values[:, ::-1], np.full_like(values, top // 3)], axis=-1)
    stored = rgb.astype(np.uint8 if bits == 8 else np.uint16)
    path = vfx_media.write_tiff(tmp_path / "still.tif", stored, bits)
    made, pixels = display_png(path, tmp_path)
    assert made.transform.view is None and made.transform.referred == "display"
    expected = stored if bits == 8 else np.rint(stored / 257.0)
    vfx_media.assert_close(pixels, expected, tolerance=0 if bits == 8 else 1)


def test_a_float_tiff_is_scene_linear(tmp_path):
    ramp = vfx_media.linear_ramp()
    path = vfx_media.write_tiff(tmp_path / "render.tif", ramp, 32)
    made, pixels = display_png(path, tmp_path)
    assert made.transform.referred == "scene"
    vfx_media.assert_close(pixels, vfx_media.expected_display(ramp, "Linear Rec.709 (sRGB)"))


def test_a_layered_psd_shows_its_composite(tmp_path):
    height, width = 8, 16
    red = np.zeros((height, width, 4), dtype=np.uint8)
    red[..., 0], red[..., 3] = 255, 255
    blue = np.zeros((height, width, 4), dtype=np.uint8)
    blue[..., 2], blue[..., 3] = 255, 255
    composite = np.zeros((height, width, 3), dtype=np.uint8)
    composite[..., 0] = np.arange(width, dtype=np.uint8)[None, :] * 16
    composite[..., 1] = 90
    path = vfx_media.write_layered_psd(
        tmp_path / "paint.psd", [("red", red), ("blue", blue)], composite
    )
    made, pixels = display_png(path, tmp_path)
    assert made.transform.view is None and made.layers == ("rgba",)
    assert np.array_equal(pixels[..., :3], composite)


def test_radiance_hdr_is_scene_linear_from_its_metadata(tmp_path):
    ramp = vfx_media.linear_ramp(peak=4.0)
    path = vfx_media.write_hdr(tmp_path / "sky.hdr", ramp)
    made, pixels = display_png(path, tmp_path)
    assert (made.transform.color_space, made.transform.guessed_from) == (
        "Linear Rec.709 (sRGB)",
        "metadata",
    )
    # RGBE keeps 8-bit mantissas: compare with what the file holds.
    import OpenImageIO as oiio

    held = oiio.ImageBuf(str(path)).get_pixels(oiio.FLOAT)
    vfx_media.assert_close(pixels, vfx_media.expected_display(held, "Linear Rec.709 (sRGB)"))


@pytest.mark.parametrize("writer", ["webp", "jp2"])
def test_webp_and_jpeg_2000_are_display_pictures(tmp_path, writer):
    values = np.tile(np.linspace(0, 255, 32).round().astype(np.uint8), (8, 1))
    rgb = np.stack([values, 255 - values, np.full_like(values, 60)], axis=-1)
    write = vfx_media.write_webp if writer == "webp" else vfx_media.write_jp2
    path = write(tmp_path / f"still.{writer}", rgb)
    made, pixels = display_png(path, tmp_path)
    assert made.transform.view is None
    assert np.array_equal(pixels, rgb)  # both written losslessly


def test_the_pixel_limit_is_checked_from_the_header(tmp_path):
    path = vfx_media.write_exr(tmp_path / "big.exr", vfx_media.linear_ramp(), pixel_type="half")
    with pytest.raises(vfx.PictureTooLarge, match=r"64x16 is more than 1000 pixels"):
        vfx.write_display_png(path, tmp_path / "out.png", colour=REQUEST, max_pixels=1000)
    assert not (tmp_path / "out.png").exists()


def test_a_truncated_exr_is_unreadable_and_leaves_nothing(tmp_path):
    whole = vfx_media.write_exr(
        tmp_path / "ok.exr", vfx_media.linear_ramp(256, 64), pixel_type="float"
    )
    path = vfx_media.corrupt_copy(whole, tmp_path / "cut.exr")
    with pytest.raises(MediaError, match="Unreadable picture"):
        vfx.write_display_png(path, tmp_path / "out.png", colour=REQUEST, max_pixels=UNLIMITED)
    assert not (tmp_path / "out.png").exists()
    (tmp_path / "noise.exr").write_bytes(b"not an exr at all" * 10)
    with pytest.raises(MediaError, match="Unreadable picture"):
        vfx.open_picture(tmp_path / "noise.exr", max_pixels=UNLIMITED)


# ---------------------------------------------------------------------------------------------
# Sequences


def test_the_frames_of_one_series_are_found_with_their_gaps():
    names = [
        "shot/shot_v003.1003.exr",
        "shot/shot_v003.1001.exr",
        "shot/shot_v003.1002.exr",
        "shot/shot_v003.1006.exr",
        "shot/shot_v003.1010.exr",
        "__MACOSX/shot/._shot_v003.1001.exr",
        "shot/.DS_Store",
        "shot/Thumbs.db",
    ]
    found = sequences.find_sequence(names, strict=True)
    assert [frame.number for frame in found.frames] == [1001, 1002, 1003, 1006, 1010]
    assert found.as_data() == {
        "frame_start": 1001,
        "frame_end": 1010,
        "sequence_pattern": "shot/shot_v003.####.exr",
        "sequence_frames": 5,
        "missing_frame_count": 5,
        "missing_frames": ["1004-1005", "1007-1009"],
    }


@pytest.mark.parametrize(
    ("names", "strict", "message"),
    [
        (["readme.txt", "notes.pdf"], False, "no numbered pictures"),
        (["a.1001.exr", "readme.txt"], True, "other files than numbered pictures: readme.txt"),
        (
            ["a.1001.exr", "b.1001.exr", "b.1002.exr"],
            False,
            r"2 series of pictures: a\.####\.exr \(1 frames\)",
        ),
        (["a.1001.exr", "a.01001.exr"], False, "Frame 1001 is in the archive twice"),
    ],
)
def test_an_archive_that_is_not_one_series_says_why(names, strict, message):
    with pytest.raises(sequences.NotASequence, match=message):
        sequences.find_sequence(names, strict=strict)


def test_other_files_are_ignored_when_a_sequence_is_asked_for():
    found = sequences.find_sequence(["a.1001.exr", "a.1002.exr", "readme.txt"], strict=False)
    assert found.pattern == "a.####.exr" and len(found.frames) == 2


def test_archives_that_are_not_archives_are_not_sequences(tmp_path):
    (tmp_path / "fake.zip").write_bytes(b"PK but not really" * 20)
    with open(tmp_path / "fake.zip", "rb") as handle, pytest.raises(sequences.NotASequence):
        sequences.member_names(handle, "zip")


def grey_frames(tmp_path: Path, numbers: list[int], size=(32, 18)) -> dict[int, Path]:
    """A half EXR per frame number: flat grey of linear value (n - 1000) / 8."""
    frames = {}
    for number in numbers:
        value = (number - 1000) / 8
        rgb = np.full((size[1], size[0], 3), value, dtype=np.float32)
        frames[number] = vfx_media.write_exr(tmp_path / f"f{number}.exr", rgb, pixel_type="half")
    return frames


@pytest.mark.ffmpeg
@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_a_sequence_becomes_one_movie_frame_per_picture(tmp_path, kind):
    numbers = [1001, 1002, 1003, 1005, 1006]
    archive = vfx_media.write_sequence_archive(
        tmp_path / f"seq.{kind}", grey_frames(tmp_path, numbers), kind=kind, folder="shot"
    )
    found = sequences.read_sequence(archive, kind)
    assert found.missing_ranges() == ["1004"]
    work = tmp_path / "work"
    work.mkdir()
    encoded = sequences.encode_sequence(
        archive,
        kind,
        found,
        work,
        frame_rate=Fraction(24000, 1001),
        colour=REQUEST,
        max_pixels=UNLIMITED,
        timeout=120,
    )
    assert (encoded.width, encoded.height, encoded.frame_count) == (32, 18, 5)
    assert sorted(p.name for p in work.iterdir()) == ["sequence.mkv"]  # frames removed
    with av.open(str(encoded.movie)) as movie:
        stream = movie.streams.video[0]
        assert stream.average_rate == Fraction(24000, 1001)
        decoded = [frame.to_ndarray(format="rgb24") for frame in movie.decode(stream)]
    assert len(decoded) == 5
    for number, frame in zip(numbers, decoded, strict=True):
        grey = np.full((1, 1, 3), (number - 1000) / 8, dtype=np.float32)
        expected = vfx_media.expected_display(
            grey.astype(np.float16).astype(np.float32), "Linear Rec.709 (sRGB)"
        )
        # Through BT.709 YUV and back: within a couple of codes.
        vfx_media.assert_close(frame[9:10, 16:17], expected, tolerance=2)


def assert_stops_leaving_nothing(
    tmp_path: Path, frames: dict[int, Path], message: str, timeout: float = 120
) -> None:
    """Encoding the archive of `frames` fails with `message` and leaves its work folder empty
    (no intermediate movie, no extracted frame)."""
    archive = vfx_media.write_sequence_archive(tmp_path / "seq.zip", frames)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(MediaError, match=message):
        sequences.encode_sequence(
            archive,
            "zip",
            sequences.read_sequence(archive, "zip"),
            work,
            frame_rate=Fraction(25),
            colour=REQUEST,
            max_pixels=UNLIMITED,
            timeout=timeout,
        )
    assert list(work.iterdir()) == []


@pytest.mark.ffmpeg
def test_a_frame_of_another_size_stops_the_sequence(tmp_path):
    frames = grey_frames(tmp_path, [1001])
    frames.update(grey_frames(tmp_path, [1002], size=(16, 8)))
    assert_stops_leaving_nothing(
        tmp_path, frames, r"Frame 1002 is 16x8; the sequence is 32x18 \(frame 1001\)"
    )


@pytest.mark.ffmpeg
def test_a_corrupt_frame_stops_the_sequence_with_its_number(tmp_path):
    frames = grey_frames(tmp_path, [1001, 1002])
    frames[1002] = vfx_media.corrupt_copy(frames[1002], tmp_path / "cut.exr")
    assert_stops_leaving_nothing(tmp_path, frames, r"Frame 1002: Unreadable picture")


def test_a_display_pictures_icc_profile_keeps_its_meaning(tmp_path):
    from thumbnails import images

    swapped = vfx_media.rgb_icc_profile(
        vfx_media.SRGB_BLUE_D50, vfx_media.SRGB_GREEN_D50, vfx_media.SRGB_RED_D50
    )
    stored = np.zeros((8, 8, 3), dtype=np.uint8)
    stored[..., 0] = 200  # "red" in the file, which the profile says is blue
    path = vfx_media.write_tiff_with_profile(tmp_path / "swapped.tif", stored, swapped)
    made, pixels = display_png(path, tmp_path)
    assert made.transform.view is None
    assert np.array_equal(pixels, stored)  # the values as stored, with their profile...
    variants = images.write_variants(made.path, tmp_path / "variants")
    with Image.open(variants.original) as original:
        red, green, blue = original.convert("RGB").getpixel((0, 0))
    assert red <= 2 and green <= 2 and abs(blue - 200) <= 3  # ...shown as what they mean


def test_a_display_encoding_asked_for_is_converted_not_rendered_through_the_view(tmp_path):
    ramp = vfx_media.linear_ramp(peak=1.0)
    path = vfx_media.write_exr(tmp_path / "graded.exr", ramp, pixel_type="float")
    srgb = colour.ColourRequest(upload_color_space="srgb_tx")  # an alias
    made, pixels = display_png(path, tmp_path, colour=srgb)
    assert (made.transform.color_space, made.transform.referred) == (
        "sRGB Encoded Rec.709 (sRGB)",
        "display",
    )
    assert made.transform.view is None
    vfx_media.assert_close(pixels, vfx_media.to_8bit(ramp))  # the values are the display's already
    gamma = colour.ColourRequest(project_color_space="Gamma 2.2 Encoded Rec.709")
    made, pixels = display_png(path, tmp_path, colour=gamma)
    assert made.transform.referred == "display" and made.transform.guessed_from == "project"
    vfx_media.assert_close(pixels, vfx_media.to_8bit(vfx_media.srgb_encode(ramp**2.2)))


def test_a_sequence_past_its_time_limit_stops_and_leaves_nothing(tmp_path):
    frames = grey_frames(tmp_path, [1001, 1002])
    assert_stops_leaving_nothing(tmp_path, frames, r"Processing took longer than 0 s", timeout=0)
