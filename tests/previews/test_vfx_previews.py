"""VFX picture previews and image sequences through the real API: an EXR, DPX, TIFF or PSD
uploaded to POST pictures/preview-files/<id> becomes a colour-managed PNG preview whose upload
is kept and served byte for byte; a zip or tar of numbered frames becomes a movie at the
project's rate (docs/compatibility.md#vfx-pictures-and-image-sequences).

Expected display values come from tests/previews/vfx_media.py: `ocio_reference` runs the
OpenColorIO inside OpenImageIO, a separate build from the PyOpenColorIO the pipeline uses.
Jobs run in-process (the `upload`/`preview_on` fixtures). Sequence tests run the real ffmpeg;
the picture and sequence round trips run on every content backend (local, folder, S3, Swift)."""

from __future__ import annotations

import io
import zipfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from previews import media, storage
from previews.models import PreviewFile, PreviewStatus
from tests.previews import vfx_media
from tests.previews.helpers import body_of
from tests.stores.content import CONTENT_BACKENDS

LINEAR_REC709 = "Linear Rec.709 (sRGB)"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPECTED_CONFIG = vfx_media.ACES_STUDIO_CONFIG
SEQUENCE_FRAMES = (1001, 1002, 1003, 1005, 1006)  # 1004 missing
FRAME_SIZE = (64, 36)  # width, height

# The round trips of a picture and of a sequence run on every content backend.
every_backend = pytest.mark.parametrize("content_backend", CONTENT_BACKENDS, indirect=True)


# ---------------------------------------------------------------------------------------------
# Helpers


def original_pixels(client, preview_id: str) -> np.ndarray:
    """The preview's PNG original as uint8 RGB (h, w, 3)."""
    response = client.get(f"/api/pictures/originals/preview-files/{preview_id}.png")
    assert response.status_code == 200
    body = body_of(response)
    assert body.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(body))
    assert image.mode in ("RGB", "RGBA")  # 8 bits per channel
    return np.asarray(image.convert("RGB")).astype(np.int16)


def ready(preview_id: str) -> PreviewFile:
    preview = PreviewFile.objects.get(pk=preview_id)
    assert preview.status == PreviewStatus.READY, preview.broken_reason
    return preview


def broken(preview_id: str) -> PreviewFile:
    preview = PreviewFile.objects.get(pk=preview_id)
    assert preview.status == PreviewStatus.BROKEN
    assert preview.broken_reason
    return preview


def constant(value: tuple[float, float, float], width: int = 32, height: int = 16) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=np.float32), (height, width, 3)).copy()


def exr_frames(tmp_path: Path, numbers, size=FRAME_SIZE, sizes=None) -> dict[int, Path]:
    """A constant grey EXR per frame number (a different level per frame)."""
    frames = {}
    for index, number in enumerate(numbers):
        width, height = (sizes or {}).get(number, size)
        level = 0.05 + 0.1 * index
        frames[number] = vfx_media.write_exr(
            tmp_path / f"f{number}.exr", constant((level,) * 3, width, height)
        )
    return frames


def sequence_archive(tmp_path: Path, kind: str = "zip", **kwargs) -> Path:
    frames = exr_frames(tmp_path, SEQUENCE_FRAMES, **kwargs)
    return vfx_media.write_sequence_archive(tmp_path / f"shot.{kind}", frames, kind=kind)


def with_readme(archive: Path, target: Path) -> Path:
    """A copy of the zip `archive` with a readme.txt beside its frames."""
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(target, "w") as copy:
        for info in source.infolist():
            copy.writestr(info, source.read(info))
        copy.writestr("readme.txt", "frames of shot 010\n")
    return target


def assert_upload_kept(backend, preview_id: str, content: bytes) -> None:
    """The upload is the files bucket's `previews-<id>`, as it came; on an object store nothing
    is left in the local storage folders or the work folder."""
    assert storage.size_of(storage.other_file(preview_id)) == len(content)
    if backend.is_object_store:
        assert backend.read_object("files", f"previews-{preview_id}") == content
        assert backend.local_files() == []
        work = backend.work_dir
        assert not work.exists() or not [p for p in work.rglob("*") if p.is_file()]


def download(client, preview_id: str):
    response = client.get(f"/api/pictures/originals/preview-files/{preview_id}/download")
    assert response.status_code == 200
    return response, body_of(response)


# ---------------------------------------------------------------------------------------------
# Pictures


@every_backend
def test_an_exr_becomes_a_colour_managed_png_and_its_upload_is_kept(
    content_backend, tmp_path, task, preview_on, admin_client
):
    ramp = vfx_media.linear_ramp()
    exr = vfx_media.write_exr(tmp_path / "ramp.exr", ramp, pixel_type="half")
    content = exr.read_bytes()

    preview_id, response = preview_on(task, "ramp.exr", content)

    assert response.status_code == 201, response.content
    assert response.json()["extension"] == "png"
    assert response.json()["status"] == "processing"
    preview = ready(preview_id)
    assert (preview.width, preview.height) == (64, 16)
    assert preview.extension == "png"
    assert preview.data["original_extension"] == "exr"
    assert preview.data["original_file_size"] == len(content)
    assert preview.data["color_transform"] == {
        "config": EXPECTED_CONFIG,
        "color_space": LINEAR_REC709,
        "referred": "scene",
        "guessed_from": "format",
        "display": vfx_media.SRGB_DISPLAY,
        "view": vfx_media.ACES_SDR_VIEW,
    }
    assert preview.data["layer"] == "rgba"
    assert preview.data["layers"] == ["rgba"]

    # Half floats: the reference is computed from the values the file holds.
    stored = ramp.astype(np.float16).astype(np.float32)
    vfx_media.assert_close(
        original_pixels(admin_client, preview_id), vfx_media.expected_display(stored, LINEAR_REC709)
    )

    for variant in ("thumbnails", "thumbnails-square", "previews"):
        answer = admin_client.get(f"/api/pictures/{variant}/preview-files/{preview_id}.png")
        assert answer.status_code == 200, variant
        assert body_of(answer).startswith(PNG_SIGNATURE)

    assert_upload_kept(content_backend, preview_id, content)
    response, body = download(admin_client, preview_id)
    assert body == content
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert disposition.rstrip('"').endswith(".exr")

    kept = admin_client.get(f"/api/pictures/originals/preview-files/{preview_id}.exr")
    assert kept.status_code == 200
    assert body_of(kept) == content


def test_a_multipart_exr_shows_the_beauty_or_the_layer_asked_for(
    tmp_path, task, preview_on, admin_client
):
    beauty = constant((0.5, 0.1, 0.05))
    diffuse = constant((0.05, 0.2, 0.6))
    exr = vfx_media.write_multipart_exr(
        tmp_path / "parts.exr", [("beauty", beauty), ("diffuse", diffuse)]
    )
    content = exr.read_bytes()

    default_id, _ = preview_on(task, "parts.exr", content)
    preview = ready(default_id)
    assert preview.data["layer"] == "beauty"
    vfx_media.assert_close(
        original_pixels(admin_client, default_id), vfx_media.expected_display(beauty, LINEAR_REC709)
    )

    diffuse_id, _ = preview_on(task, "parts.exr", content, query="?layer=diffuse")
    preview = ready(diffuse_id)
    assert preview.data["layer"] == "diffuse"
    assert preview.data["layers"] == ["beauty", "diffuse"]
    vfx_media.assert_close(
        original_pixels(admin_client, diffuse_id),
        vfx_media.expected_display(diffuse, LINEAR_REC709),
    )

    missing_id, response = preview_on(task, "parts.exr", content, query="?layer=nope")
    assert response.status_code == 201
    preview = broken(missing_id)
    assert preview.data["layer"] == "nope"
    assert "nope" in preview.broken_reason
    assert "beauty" in preview.broken_reason and "diffuse" in preview.broken_reason


def test_a_layered_exr_shows_its_rgb_or_a_prefixed_layer(tmp_path, task, preview_on, admin_client):
    beauty = constant((0.3, 0.3, 0.02))
    specular = constant((0.9, 0.01, 0.4))
    exr = vfx_media.write_layered_exr(tmp_path / "aovs.exr", {"": beauty, "specular": specular})
    content = exr.read_bytes()

    default_id, _ = preview_on(task, "aovs.exr", content)
    preview = ready(default_id)
    assert preview.data["layers"] == ["rgba", "specular"]
    vfx_media.assert_close(
        original_pixels(admin_client, default_id), vfx_media.expected_display(beauty, LINEAR_REC709)
    )

    specular_id, _ = preview_on(task, "aovs.exr", content, query="?layer=specular")
    assert ready(specular_id).data["layer"] == "specular"
    vfx_media.assert_close(
        original_pixels(admin_client, specular_id),
        vfx_media.expected_display(specular, LINEAR_REC709),
    )


def test_deleting_a_vfx_preview_removes_its_kept_upload(
    settings, tmp_path, task, preview_on, admin_client, django_capture_on_commit_callbacks
):
    settings.REMOVE_FILES = True
    content = vfx_media.write_exr(tmp_path / "gone.exr", vfx_media.linear_ramp()).read_bytes()
    preview_id, _ = preview_on(task, "gone.exr", content)
    ready(preview_id)
    assert storage.size_of(storage.other_file(preview_id)) == len(content)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.delete(f"/api/data/preview-files/{preview_id}")

    assert response.status_code == 204
    assert storage.size_of(storage.other_file(preview_id)) is None
    assert storage.size_of(storage.picture("original", preview_id)) is None


def test_a_10_bit_log_dpx_is_read_as_a_film_scan(tmp_path, task, preview_on, admin_client):
    codes = np.arange(1024, dtype=np.uint16)
    rows = np.stack([codes, codes, codes], axis=-1)[None].repeat(4, axis=0)  # 1024 x 4
    dpx = vfx_media.write_dpx_log10(tmp_path / "scan.dpx", rows)

    preview_id, response = preview_on(task, "scan.dpx", dpx.read_bytes())

    assert response.status_code == 201
    preview = ready(preview_id)
    assert (preview.width, preview.height) == (1024, 4)
    transform = preview.data["color_transform"]
    assert (transform["color_space"], transform["guessed_from"]) == ("ADX10", "format")
    assert transform["referred"] == "scene"
    # OpenImageIO widens a 10-bit code c to 16 bits as (c << 6) | (c >> 4), over 65535.
    c = rows.astype(np.int64)
    normalised = ((c << 6) | (c >> 4)).astype(np.float64) / 65535
    expected = vfx_media.expected_display(normalised.astype(np.float32), "ADX10")
    vfx_media.assert_close(original_pixels(admin_client, preview_id), expected)


def test_a_16_bit_tiff_is_display_referred_and_kept(tmp_path, task, preview_on, admin_client):
    width = 256
    values = np.linspace(0, 65535, width).round().astype(np.uint16)
    pixels = np.stack([values, values[::-1], values // 2], axis=-1)[None].repeat(8, axis=0)
    tiff = vfx_media.write_tiff(tmp_path / "matte.tif", pixels, 16)

    preview_id, _ = preview_on(task, "matte.tif", tiff.read_bytes())

    preview = ready(preview_id)
    transform = preview.data["color_transform"]
    assert transform["referred"] == "display"
    assert transform["view"] is None
    assert transform["display"] is None
    expected = np.round(pixels.astype(np.float64) / 257).astype(np.uint8)
    vfx_media.assert_close(original_pixels(admin_client, preview_id), expected)
    _, body = download(admin_client, preview_id)
    assert body == tiff.read_bytes()


def test_a_layered_psd_shows_its_composite(tmp_path, task, preview_on, admin_client):
    height, width = 12, 20
    rng = np.random.default_rng(7)
    composite = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    background = np.full((height, width, 4), (10, 200, 30, 255), dtype=np.uint8)
    top = np.full((height, width, 4), (250, 5, 120, 128), dtype=np.uint8)
    psd = vfx_media.write_layered_psd(
        tmp_path / "paint.psd", [("Background", background), ("Top", top)], composite
    )

    preview_id, _ = preview_on(task, "paint.psd", psd.read_bytes())

    preview = ready(preview_id)
    assert (preview.width, preview.height) == (width, height)
    assert preview.data["color_transform"]["referred"] == "display"
    vfx_media.assert_close(original_pixels(admin_client, preview_id), composite)


def test_the_colour_space_asked_by_the_upload_or_the_project(
    tmp_path, project, task, preview_on, admin_client
):
    ramp = vfx_media.linear_ramp(peak=1.5)
    content = vfx_media.write_exr(tmp_path / "cg.exr", ramp, pixel_type="float").read_bytes()

    asked_id, _ = preview_on(task, "cg.exr", content, query="?color_space=ACEScg")
    preview = ready(asked_id)
    assert preview.data["color_space"] == "ACEScg"
    transform = preview.data["color_transform"]
    assert (transform["color_space"], transform["guessed_from"]) == ("ACEScg", "upload")
    aces = vfx_media.expected_display(ramp, "ACEScg")
    vfx_media.assert_close(original_pixels(admin_client, asked_id), aces)
    # Not what the same file shows read as linear Rec.709.
    assert not np.array_equal(aces, vfx_media.expected_display(ramp, LINEAR_REC709))

    project.data = {"color_space": "ACEScg"}
    project.save(update_fields=["data"])
    project_id, _ = preview_on(task, "cg.exr", content)
    preview = ready(project_id)
    transform = preview.data["color_transform"]
    assert (transform["color_space"], transform["guessed_from"]) == ("ACEScg", "project")
    vfx_media.assert_close(original_pixels(admin_client, project_id), aces)


def test_a_truncated_exr_is_broken_as_unreadable(tmp_path, task, preview_on):
    exr = vfx_media.write_exr(tmp_path / "whole.exr", vfx_media.linear_ramp(256, 64))
    damaged = vfx_media.corrupt_copy(exr, tmp_path / "damaged.exr")

    preview_id, response = preview_on(task, "damaged.exr", damaged.read_bytes())

    assert response.status_code == 201
    assert "unreadable" in broken(preview_id).broken_reason.lower()


# ---------------------------------------------------------------------------------------------
# Image sequences


def served_movie(client, preview_id: str, tmp_path: Path) -> media.MovieInfo:
    response = client.get(f"/api/movies/originals/preview-files/{preview_id}.mp4")
    assert response.status_code == 200
    path = tmp_path / f"served-{preview_id}.mp4"
    path.write_bytes(body_of(response))
    return media.probe_movie(path)


def assert_sequence_movie(
    client, preview_id: str, archive: bytes, tmp_path: Path, extension: str
) -> None:
    preview = ready(preview_id)
    assert preview.extension == "mp4"
    data = preview.data
    assert data["frame_start"] == 1001
    assert data["frame_end"] == 1006
    assert data["sequence_frames"] == 5
    assert data["missing_frame_count"] == 1
    assert data["missing_frames"] == ["1004"]
    assert data["sequence_pattern"] == "shot_v003.####.exr"
    assert data["frame_count"] == 5
    assert data["frame_rate"] == "24000/1001"
    assert data["original_file_size"] == len(archive)
    info = served_movie(client, preview_id, tmp_path)
    assert info.frame_count == 5
    assert info.frame_rate == Fraction(24000, 1001)
    response, body = download(client, preview_id)
    assert body == archive
    assert response["Content-Disposition"].rstrip('"').endswith(f".{extension}")


@pytest.mark.ffmpeg
@every_backend
def test_a_zip_of_numbered_exr_frames_becomes_a_movie(
    content_backend, tmp_path, small_project, task, preview_on, admin_client
):
    archive = sequence_archive(tmp_path).read_bytes()

    preview_id, response = preview_on(task, "shot_v003.zip", archive)

    assert response.status_code == 201, response.content
    assert response.json()["extension"] == "mp4"
    assert response.json()["status"] == "processing"
    assert_sequence_movie(admin_client, preview_id, archive, tmp_path, "zip")
    assert ready(preview_id).data["original_extension"] == "zip"
    assert_upload_kept(content_backend, preview_id, archive)


@pytest.mark.ffmpeg
def test_a_tar_of_numbered_exr_frames_becomes_a_movie(
    tmp_path, small_project, task, preview_on, admin_client
):
    archive = sequence_archive(tmp_path, kind="tar").read_bytes()

    preview_id, response = preview_on(task, "shot_v003.tar", archive)

    assert response.json()["extension"] == "mp4"
    assert_sequence_movie(admin_client, preview_id, archive, tmp_path, "tar")
    assert ready(preview_id).data["original_extension"] == "tar"


def test_a_zip_holding_other_files_stays_a_file(tmp_path, task, preview_on, admin_client):
    archive = with_readme(sequence_archive(tmp_path), tmp_path / "mixed.zip").read_bytes()

    preview_id, response = preview_on(task, "mixed.zip", archive)

    assert response.status_code == 201
    assert response.json()["extension"] == "zip"
    preview = ready(preview_id)
    assert preview.extension == "zip"
    assert preview.file_size == len(archive)
    _, body = download(admin_client, preview_id)
    assert body == archive


@pytest.mark.ffmpeg
def test_a_zip_asked_to_be_a_sequence_ignores_its_other_files(
    tmp_path, small_project, task, preview_on, admin_client
):
    archive = with_readme(sequence_archive(tmp_path), tmp_path / "mixed.zip").read_bytes()

    preview_id, response = preview_on(task, "mixed.zip", archive, query="?sequence=true")

    assert response.json()["extension"] == "mp4"
    preview = ready(preview_id)
    assert preview.data["sequence_frames"] == 5
    assert preview.data["frame_count"] == 5


def test_a_numbered_zip_asked_not_to_be_a_sequence_stays_a_file(
    tmp_path, task, preview_on, admin_client
):
    archive = sequence_archive(tmp_path).read_bytes()

    preview_id, response = preview_on(task, "shot.zip", archive, query="?sequence=false")

    assert response.json()["extension"] == "zip"
    preview = ready(preview_id)
    assert preview.file_size == len(archive)


def test_an_archive_asked_to_be_a_sequence_that_is_not_one_is_broken(
    tmp_path, small_project, task, preview_on
):
    notes = tmp_path / "notes.zip"
    with zipfile.ZipFile(notes, "w") as archive:
        archive.writestr("readme.txt", "no frames here\n")
    preview_id, response = preview_on(task, "notes.zip", notes.read_bytes(), query="?sequence=true")
    assert response.json()["extension"] == "mp4"
    assert "numbered pictures" in broken(preview_id).broken_reason

    garbage = b"PK\x03\x04 this is not really a zip archive" * 10
    preview_id, _ = preview_on(task, "bad.zip", garbage, query="?sequence=true")
    assert "unreadable" in broken(preview_id).broken_reason.lower()


@pytest.mark.ffmpeg
def test_a_sequence_whose_frames_differ_in_size_is_broken(
    tmp_path, small_project, task, preview_on
):
    archive = sequence_archive(tmp_path, sizes={1002: (32, 18)}).read_bytes()

    preview_id, _ = preview_on(task, "shot.zip", archive)

    reason = broken(preview_id).broken_reason
    assert reason.startswith("Frame 1002 is 32x18"), reason
    assert "64x36" in reason


@pytest.mark.parametrize(
    ("name", "write", "source", "tolerance"),
    [
        # RGBE keeps about 1/128 of each value: a step or two of 8 bits.
        ("light.hdr", lambda path, ramp: vfx_media.write_hdr(path, ramp), LINEAR_REC709, 2),
        ("light.tiff", lambda path, ramp: vfx_media.write_tiff(path, ramp, 32), LINEAR_REC709, 1),
        ("TILED.EXR", lambda path, ramp: vfx_media.write_exr(path, ramp, tiled=True), None, 1),
        ("light.webp", lambda path, ramp: vfx_media.write_webp(path, vfx_media.to_8bit(ramp)),
         "kept", 0),
        ("light.jp2", lambda path, ramp: vfx_media.write_jp2(path, vfx_media.to_8bit(ramp)),
         "kept", 0),
    ],
)  # fmt: skip
def test_other_vfx_formats(
    tmp_path, task, preview_on, admin_client, name, write, source, tolerance
):
    ramp = vfx_media.linear_ramp(peak=1.0)
    content = write(tmp_path / name.lower(), ramp).read_bytes()

    preview_id, response = preview_on(task, name, content)

    assert response.json()["extension"] == "png"
    preview = ready(preview_id)
    assert preview.data["original_extension"] == name.rsplit(".", 1)[1].lower()
    transform = preview.data["color_transform"]
    pixels = original_pixels(admin_client, preview_id)
    if source == "kept":
        assert (transform["referred"], transform["view"]) == ("display", None)
        vfx_media.assert_close(pixels, vfx_media.to_8bit(ramp), tolerance)
    else:
        assert transform["color_space"] == LINEAR_REC709
        stored = ramp.astype(np.float16).astype(np.float32) if source is None else ramp
        vfx_media.assert_close(pixels, vfx_media.expected_display(stored, LINEAR_REC709), tolerance)
    _, body = download(admin_client, preview_id)
    assert body == content


def test_an_exr_data_window_is_shown_in_its_display_window(
    tmp_path, task, preview_on, admin_client
):
    ramp = vfx_media.linear_ramp(peak=1.0)
    exr = vfx_media.write_exr(tmp_path / "crop.exr", ramp, data_window=(8, 4, 32, 8))

    preview_id, _ = preview_on(task, "crop.exr", exr.read_bytes())

    preview = ready(preview_id)
    assert (preview.width, preview.height) == (64, 16)
    pixels = original_pixels(admin_client, preview_id)
    stored = ramp.astype(np.float16).astype(np.float32)
    expected = np.zeros_like(pixels)
    expected[4:12, 8:40] = vfx_media.expected_display(stored, LINEAR_REC709)[4:12, 8:40]
    vfx_media.assert_close(pixels, expected)


def test_an_exr_with_alpha_gives_a_png_with_alpha(tmp_path, task, preview_on, admin_client):
    colour = constant((0.2, 0.1, 0.05))  # premultiplied by the alpha, as EXR stores it
    exr = vfx_media.write_exr(tmp_path / "a.exr", colour, alpha=np.full(colour.shape[:2], 0.5))

    preview_id, _ = preview_on(task, "a.exr", exr.read_bytes())

    ready(preview_id)
    response = admin_client.get(f"/api/pictures/originals/preview-files/{preview_id}.png")
    image = Image.open(io.BytesIO(body_of(response)))
    assert image.mode == "RGBA"
    rgba = np.asarray(image).astype(np.int16)
    assert np.all(np.abs(rgba[..., 3] - 128) <= 1)
    # Straight colours in the PNG: the premultiplied values over the alpha, then the view.
    vfx_media.assert_close(rgba[..., :3], vfx_media.expected_display(colour / 0.5, LINEAR_REC709))


def first_frame_centre(client, preview_id: str, tmp_path: Path) -> np.ndarray:
    """The centre pixel (RGB, int) of the served movie's first frame."""
    import av

    response = client.get(f"/api/movies/originals/preview-files/{preview_id}.mp4")
    path = tmp_path / f"frame-{preview_id}.mp4"
    path.write_bytes(body_of(response))
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    return frame[frame.shape[0] // 2, frame.shape[1] // 2].astype(np.int16)


@pytest.mark.ffmpeg
def test_a_sequence_of_layered_exr_frames_shows_the_layer_asked_for(
    tmp_path, small_project, task, preview_on, admin_client
):
    beauty = constant((0.1, 0.1, 0.1), *FRAME_SIZE)
    specular = constant((0.8, 0.2, 0.05), *FRAME_SIZE)
    frames = {
        number: vfx_media.write_layered_exr(
            tmp_path / f"l{number}.exr", {"": beauty, "specular": specular}
        )
        for number in (10, 11)
    }
    archive = vfx_media.write_sequence_archive(
        tmp_path / "aovs.zip", frames, name="aovs.{frame:03d}.exr", folder="renders/aovs"
    )

    preview_id, _ = preview_on(task, "aovs.zip", archive.read_bytes(), query="?layer=specular")

    preview = ready(preview_id)
    assert preview.data["layer"] == "specular"
    assert preview.data["layers"] == ["rgba", "specular"]
    assert preview.data["sequence_pattern"] == "renders/aovs/aovs.###.exr"
    assert (preview.data["frame_start"], preview.data["frame_end"]) == (10, 11)
    assert preview.data["frame_count"] == 2
    expected = vfx_media.expected_display(specular, LINEAR_REC709)[0, 0].astype(np.int16)
    # Through H.264's 4:2:0 YUV: a few steps of 8 bits.
    centre = first_frame_centre(admin_client, preview_id, tmp_path)
    assert np.abs(centre - expected).max() <= 6, (centre, expected)


@pytest.mark.ffmpeg
def test_a_tar_of_log_dpx_frames_is_read_as_film_scans(
    tmp_path, small_project, task, preview_on, admin_client
):
    codes = np.full((FRAME_SIZE[1], FRAME_SIZE[0], 3), 445, dtype=np.uint16)
    frames = {n: vfx_media.write_dpx_log10(tmp_path / f"d{n}.dpx", codes) for n in (1, 2, 3)}
    archive = vfx_media.write_sequence_archive(
        tmp_path / "scan.tar", frames, name="scan.{frame:07d}.dpx", kind="tar"
    )

    preview_id, _ = preview_on(task, "scan.tar", archive.read_bytes())

    preview = ready(preview_id)
    transform = preview.data["color_transform"]
    assert (transform["color_space"], transform["guessed_from"]) == ("ADX10", "format")
    assert preview.data["sequence_pattern"] == "scan.#######.dpx"
    assert preview.data["frame_count"] == 3


def test_an_unknown_colour_space_or_a_picture_too_large_is_broken(
    settings, tmp_path, task, preview_on
):
    content = vfx_media.write_exr(tmp_path / "r.exr", vfx_media.linear_ramp()).read_bytes()

    preview_id, _ = preview_on(task, "r.exr", content, query="?color_space=NotASpace")
    reason = broken(preview_id).broken_reason
    assert "'NotASpace'" in reason and "ACEScg" in reason  # it names spaces the config has

    settings.MAX_IMAGE_PIXELS = 500
    preview_id, _ = preview_on(task, "r.exr", content)
    assert "too large" in broken(preview_id).broken_reason


def test_an_exr_processed_in_the_request(tmp_path, task, preview_on):
    content = vfx_media.write_exr(tmp_path / "r.exr", vfx_media.linear_ramp()).read_bytes()

    preview_id, response = preview_on(task, "r.exr", content, query="?no_job=true")

    assert response.status_code == 201
    assert response.json()["status"] == "ready"
    assert response.json()["extension"] == "png"
    assert ready(preview_id).data["color_transform"]["guessed_from"] == "format"
