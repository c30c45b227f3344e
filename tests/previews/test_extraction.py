"""Frames and tile sheets made on demand from a movie preview: extract-frame (exact frame N at
24000/1001, proven by what each frame shows), extract-tile (the sheet made again, stored and
served), set-main-preview with `frame_number` in the query string, their errors, access
rules and query counts.

The movie is a counting clip (tests/previews/clips.py: each frame shows its own index as
bars) uploaded and normalized by the real pipeline at the project's 24000/1001, so what is
checked is the frame of the stored high-def rendition."""

import io

import pytest
from PIL import Image

from previews import media, storage
from previews.models import PreviewFile, PreviewStatus
from production.models import Role
from tests.previews.clips import frame_index_of, make_counting_clip
from tests.previews.helpers import body_of, png_bytes

FRAMES = 60  # 2.5 s at 24000/1001
WIDTH, HEIGHT = 320, 180


@pytest.fixture(scope="session")
def counting_clip(clip_dir) -> bytes:
    """60 frames at 24000/1001 (B-frames, a keyframe every 12 frames), each showing its
    index."""
    return make_counting_clip(
        clip_dir / "counting.mp4",
        frames=FRAMES,
        size=f"{WIDTH}x{HEIGHT}",
        video_args=("-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-g", "12",
                    "-pix_fmt", "yuv420p"),
    ).read_bytes()  # fmt: skip


@pytest.fixture
def movie(small_project, task, preview_on, counting_clip) -> PreviewFile:
    """The counting clip, uploaded on `task` and normalized at 320x180, 24000/1001."""
    preview_id, response = preview_on(task, "counting.mov", counting_clip)
    assert response.status_code == 201, response.content
    preview = PreviewFile.objects.get(pk=preview_id)
    assert preview.status == PreviewStatus.READY, preview.broken_reason
    assert preview.data["frame_rate"] == "24000/1001"
    assert preview.data["frame_count"] == FRAMES
    return preview


def frame_url(preview_id, frame_number=None) -> str:
    url = f"/api/actions/preview-files/{preview_id}/extract-frame"
    return url if frame_number is None else f"{url}?frame_number={frame_number}"


def tile_url(preview_id) -> str:
    return f"/api/actions/preview-files/{preview_id}/extract-tile"


def picture_of(response) -> Image.Image:
    picture = Image.open(io.BytesIO(body_of(response)))
    picture.load()
    return picture


def shown_frame(response) -> int:
    """The frame number (from 1) the PNG of an answer shows."""
    return frame_index_of(picture_of(response)) + 1


# ---------------------------------------------------------------------------------------------
# extract-frame


def test_extract_frame_gives_exactly_frame_n(movie, admin_client):
    """Frames 1, 2, the middle and the last, each the very frame asked for (not its
    neighbour): at 24000/1001 a float time rounds one frame off somewhere in a movie."""
    for number in (1, 2, FRAMES // 2, FRAMES - 1, FRAMES):
        response = admin_client.get(frame_url(movie.pk, number))
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("inline; filename=")
        assert "no-cache" in response["Cache-Control"]
        picture = picture_of(response)
        assert picture.format == "PNG"
        assert picture.size == (WIDTH, HEIGHT)
        assert frame_index_of(picture) + 1 == number


def test_every_frame_is_exact(movie, admin_client):
    """The whole movie, frame by frame: no frame is ever its neighbour."""
    shown = [shown_frame(admin_client.get(frame_url(movie.pk, n))) for n in range(1, FRAMES + 1)]
    assert shown == list(range(1, FRAMES + 1))


@pytest.mark.parametrize("query", ["", "?frame_number=0", "?frame_number=-3", "?frame_number="])
def test_frame_zero_or_none_is_the_first(movie, admin_client, query):
    response = admin_client.get(frame_url(movie.pk) + query)
    assert response.status_code == 200, response.content
    assert shown_frame(response) == 1


def test_a_frame_past_the_end_is_400_with_the_count(movie, admin_client):
    response = admin_client.get(frame_url(movie.pk, FRAMES + 1))
    assert response.status_code == 400
    body = response.json()
    assert body["error"] is True
    assert f"Frame {FRAMES + 1}" in body["message"]
    assert f"has {FRAMES} frames" in body["message"]


@pytest.mark.parametrize("value", ["abc", "1.5", "2e3"])
def test_a_frame_number_that_is_not_an_integer_is_400(movie, admin_client, value):
    response = admin_client.get(frame_url(movie.pk) + f"?frame_number={value}")
    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": "Wrong value for parameter frame_number.",
        "data": None,
    }


def test_extract_frame_of_a_picture_is_404(task, comment, preview_on, admin_client):
    preview_id, response = preview_on(task, "still.png", png_bytes())
    assert response.status_code == 201
    answer = admin_client.get(frame_url(preview_id, 1))
    assert answer.status_code == 404
    assert answer.json()["error"] is True


@pytest.mark.parametrize("preview_id", ["0b8c5d8e-2f4b-4c57-9a3e-5f1d2c3b4a59", "malformed", "1"])
def test_extract_routes_of_an_unknown_preview_are_404(admin_client, preview_id):
    for url in (frame_url(preview_id, 1), tile_url(preview_id)):
        response = admin_client.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"] is True


def test_a_movie_without_its_file_is_404(movie, task, comment, add_preview, admin_client):
    """A slot still waiting for its upload, and a movie whose files were removed: Zou's
    hand-built 404 (where Zou answers 500 for the second)."""
    waiting = add_preview(admin_client, task, comment).json()
    for prefix in storage.MOVIE_RENDITIONS:
        storage.delete(storage.movie(prefix, movie.pk))
    for preview_id in (waiting["id"], movie.pk):
        for url in (frame_url(preview_id, 1), tile_url(preview_id)):
            response = admin_client.get(url)
            assert response.status_code == 404, url
            assert response.json() == {"error": "preview file binary is not available"}


def test_a_damaged_movie_is_409(movie, admin_client, tmp_path):
    damaged = tmp_path / "damaged"
    damaged.write_bytes(b"\x00" * 4096)
    for prefix in ("previews", "lowdef"):
        copy = tmp_path / prefix
        copy.write_bytes(damaged.read_bytes())
        storage.store(storage.movie(prefix, movie.pk), copy)
    for url in (frame_url(movie.pk, 1), tile_url(movie.pk)):
        response = admin_client.get(url)
        assert response.status_code == 409, url
        assert response.json()["message"].startswith("Unreadable movie")


def test_frames_fall_back_on_the_low_def_rendition(movie, admin_client):
    """Without the high-def file the frame comes from the low-def one (Zou: 500)."""
    storage.delete(storage.movie("previews", movie.pk))
    response = admin_client.get(frame_url(movie.pk, 17))
    assert response.status_code == 200
    assert shown_frame(response) == 17


# ---------------------------------------------------------------------------------------------
# Access


@pytest.mark.parametrize(
    ("role", "in_team", "frame_status", "tile_status"),
    [
        (Role.MANAGER, True, 200, 200),
        (Role.MANAGER, False, 403, 403),
        (Role.SUPERVISOR, True, 403, 200),
        (Role.ARTIST, True, 403, 200),
        (Role.CLIENT, True, 403, 200),
        (Role.VENDOR, True, 403, 403),  # no task on the entity
        (Role.ARTIST, False, 403, 403),
    ],
)
def test_access(
    movie, make_person, add_to_team, client_for, role, in_team, frame_status, tile_status
):
    """extract-frame needs manager project access, extract-tile task access (Zou's rules)."""
    person = make_person(role)
    if in_team:
        add_to_team(person)
    client = client_for(person)
    frame = client.get(frame_url(movie.pk, 5))
    assert frame.status_code == frame_status, frame.content
    if frame_status == 200:
        assert shown_frame(frame) == 5
    tile = client.get(tile_url(movie.pk))
    assert tile.status_code == tile_status


def test_a_project_manager_role_overrides_the_global_one(
    movie, make_person, add_to_team, client_for
):
    artist = add_to_team(make_person(Role.ARTIST), role=Role.MANAGER)
    assert client_for(artist).get(frame_url(movie.pk, 3)).status_code == 200


# ---------------------------------------------------------------------------------------------
# extract-tile


def tile_cells(sheet: Image.Image, count: int, cell_width: int) -> list[int]:
    """The frame index each of the first `count` cells shows (8 cells a row, 100 px high)."""
    shown = []
    for index in range(count):
        row, column = divmod(index, 8)
        box = (column * cell_width, row * 100, (column + 1) * cell_width, (row + 1) * 100)
        shown.append(frame_index_of(sheet.crop(box)))
    return shown


def test_extract_tile_makes_stores_and_serves_the_sheet(movie, admin_client):
    tiles = storage.picture("tiles", movie.pk)
    storage.delete(tiles)  # as for a preview processed before tiles existed
    assert admin_client.get(f"/api/movies/tiles/preview-files/{movie.pk}.png").status_code == 404
    before = PreviewFile.objects.get(pk=movie.pk).updated_at

    response = admin_client.get(tile_url(movie.pk))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "image/png"
    assert "no-cache" in response["Cache-Control"]
    sheet_bytes = body_of(response)
    sheet = Image.open(io.BytesIO(sheet_bytes))
    # 60 frames: 8 rows of 8 cells, each 100 px high and ceil(100 × 16/9) = 178 px wide.
    assert sheet.size == (8 * 178, 8 * 100)
    # Every cell is its frame, in order; the cells past the last frame stay black.
    assert tile_cells(sheet, FRAMES, 178) == list(range(FRAMES))
    assert sheet.convert("L").crop((7 * 178, 7 * 100, 8 * 178, 8 * 100)).getextrema() == (0, 0)

    served = admin_client.get(f"/api/movies/tiles/preview-files/{movie.pk}.png")
    assert served.status_code == 200
    assert body_of(served) == sheet_bytes
    # The row's updated_at moves: the served tile's Last-Modified changes.
    assert PreviewFile.objects.get(pk=movie.pk).updated_at > before


def test_extract_tile_overwrites_the_stored_sheet(movie, admin_client, tmp_path):
    stale = tmp_path / "stale.png"
    stale.write_bytes(png_bytes(width=10, height=10))
    storage.store(storage.picture("tiles", movie.pk), stale)
    response = admin_client.get(tile_url(movie.pk))
    assert response.status_code == 200
    served = admin_client.get(f"/api/movies/tiles/preview-files/{movie.pk}.png")
    assert Image.open(io.BytesIO(body_of(served))).size == (8 * 178, 8 * 100)


def test_extract_tile_of_a_picture_is_400(task, comment, preview_on, admin_client):
    preview_id, _ = preview_on(task, "still.png", png_bytes())
    response = admin_client.get(tile_url(preview_id))
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": "Preview file is not a movie"}
    assert storage.size_of(storage.picture("tiles", preview_id)) is None


# ---------------------------------------------------------------------------------------------
# set-main-preview with a frame


def original_frame(client, preview_id) -> int:
    response = client.get(f"/api/pictures/originals/preview-files/{preview_id}.png")
    assert response.status_code == 200
    return shown_frame(response)


def set_main(client, preview_id, query="", body=None):
    url = f"/api/actions/preview-files/{preview_id}/set-main-preview{query}"
    return client.put(url, body if body is not None else {}, format="json")


def test_set_main_preview_takes_the_frame_from_the_query_string(movie, asset, admin_client):
    assert original_frame(admin_client, movie.pk) == 1  # the poster
    response = set_main(admin_client, movie.pk, f"?frame_number={FRAMES // 2 + 1}")
    assert response.status_code == 200, response.content
    assert response.json()["preview_file_id"] == str(movie.pk)
    assert original_frame(admin_client, movie.pk) == FRAMES // 2 + 1
    # The thumbnails are made from the same frame.
    thumbnail = admin_client.get(f"/api/pictures/thumbnails/preview-files/{movie.pk}.png")
    assert picture_of(thumbnail).size == (150, 100)
    asset.refresh_from_db()
    assert asset.preview_file_id == movie.pk


def test_set_main_preview_without_a_body(movie, admin_client):
    url = f"/api/actions/preview-files/{movie.pk}/set-main-preview?frame_number=7"
    assert admin_client.put(url).status_code == 200
    assert original_frame(admin_client, movie.pk) == 7


def test_the_body_frame_number_wins_over_the_query_string(movie, admin_client):
    response = set_main(admin_client, movie.pk, "?frame_number=9", {"frame_number": FRAMES})
    assert response.status_code == 200, response.content
    assert original_frame(admin_client, movie.pk) == FRAMES


def test_set_main_preview_with_a_bad_query_frame_changes_nothing(movie, asset, admin_client):
    refusals = {
        "?frame_number=ten": "Validation error.",
        f"?frame_number={FRAMES + 1}": f"has {FRAMES} frames",
    }
    for query, message in refusals.items():
        response = set_main(admin_client, movie.pk, query)
        assert response.status_code == 400
        assert message in response.json()["message"]
    assert original_frame(admin_client, movie.pk) == 1
    asset.refresh_from_db()
    assert asset.preview_file_id is None


def test_set_main_preview_query_frame_on_a_picture_is_400(task, comment, preview_on, admin_client):
    preview_id, _ = preview_on(task, "still.png", png_bytes())
    response = set_main(admin_client, preview_id, "?frame_number=2")
    assert response.status_code == 400
    assert response.json()["message"] == "Can't use a given frame on non movie preview"


# ---------------------------------------------------------------------------------------------
# Query counts: the look-up with the caller's link, then the route's own writes


def test_extract_frame_query_count(movie, admin_client, make_person, add_to_team, client_for,
                                   django_assert_max_num_queries):  # fmt: skip
    manager = client_for(add_to_team(make_person(Role.MANAGER)))
    for client in (admin_client, manager):
        # Authentication, the preview with its task's ids and the caller's team link.
        with django_assert_max_num_queries(2):
            assert client.get(frame_url(movie.pk, FRAMES)).status_code == 200


def test_extract_tile_and_set_main_preview_query_counts(
    movie, admin_client, django_assert_max_num_queries
):
    # Authentication, the look-up, the row's updated_at moved (in a savepoint: 3 statements).
    with django_assert_max_num_queries(5):
        assert admin_client.get(tile_url(movie.pk)).status_code == 200
    # set-main-preview as before, plus the updated_at of the frame's pictures.
    with django_assert_max_num_queries(12):
        assert set_main(admin_client, movie.pk, "?frame_number=4").status_code == 200


# ---------------------------------------------------------------------------------------------
# The pure extraction on other containers: timestamps that do not fall on the frame grid


COUNTING_X264 = ("-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "12",
                 "-pix_fmt", "yuv420p")  # fmt: skip


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        # mp4 at a 1/90000 time base: 90000 × 1001/24000 = 3753.75, so stored timestamps are
        # rounded (0, 3754, 7508, 11261...) and never exactly k × 1001/24000 s.
        ("timescale.mp4", ("-video_track_timescale", "90000")),
        # Matroska: millisecond timestamps (0, 42, 83, 125...) and no declared frame count, so
        # the end is found by decoding.
        ("ms.mkv", ()),
    ],
)
def test_extract_frame_on_rounded_timestamps(clip_dir, name, extra):
    path = make_counting_clip(
        clip_dir / name, frames=40, size="160x90", video_args=COUNTING_X264, extra_args=extra
    )
    assert media.frame_count(path) == 40
    shown = [frame_index_of(media.extract_frame(path, n)) + 1 for n in range(1, 41)]
    assert shown == list(range(1, 41))
    with pytest.raises(media.FrameOutOfRange) as caught:
        media.extract_frame(path, 41)
    assert caught.value.frame_count == 40


# ---------------------------------------------------------------------------------------------
# Annotated frames of a movie (the renderer's routes, contract §4.5): drawn on the very frame


RED_BOX = {  # top-left, away from the counting bars read on the middle row
    "type": "rect", "left": 10, "top": 10, "width": 60, "height": 30, "fill": "#ff0000",
    "stroke": "#ff0000", "strokeWidth": 1, "canvasWidth": WIDTH, "canvasHeight": HEIGHT,
}  # fmt: skip


def made_on(frame: int, **object_fields) -> dict:
    """An annotation entry made on `frame` (from 1), its time as Kitsu writes it at
    24000/1001: the frame's start in seconds, rounded to 3 decimals."""
    time = round((frame - 1) * 1001 / 24000, 3)
    return {"time": time, "drawing": {"objects": [{**RED_BOX, **object_fields}]}}


def annotated_url(preview_id, route="extract-annotated-frame", frame_number=None) -> str:
    url = f"/api/actions/preview-files/{preview_id}/{route}"
    return url if frame_number is None else f"{url}?frame_number={frame_number}"


def has_red_box(picture: Image.Image) -> bool:
    red, green, blue = picture.convert("RGB").getpixel((40, 25))
    return red > 200 and green < 60 and blue < 60


def test_an_annotated_movie_frame_is_that_frame_with_its_drawing(movie, admin_client):
    PreviewFile.objects.filter(pk=movie.pk).update(annotations=[made_on(10), made_on(37)])
    for frame in (10, 37):
        response = admin_client.get(annotated_url(movie.pk, frame_number=frame))
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "image/png"
        picture = picture_of(response)  # the body is a stream: read once
        assert frame_index_of(picture) + 1 == frame
        assert has_red_box(picture)


def test_a_movie_frame_without_annotation_is_zous_400(movie, admin_client):
    PreviewFile.objects.filter(pk=movie.pk).update(annotations=[made_on(10)])
    response = admin_client.get(annotated_url(movie.pk, frame_number=11))
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": "No annotation found for frame 11"}


def test_a_movies_annotated_frames_zip_and_pdf(movie, admin_client):
    import zipfile

    late = made_on(10)
    late["time"] = 100.0  # past the movie's 2.5 s: left out, as Zou skips unwritten frames
    PreviewFile.objects.filter(pk=movie.pk).update(annotations=[made_on(5), made_on(50), late])
    response = admin_client.get(annotated_url(movie.pk, "extract-annotated-frames"))
    assert response.status_code == 200, response.content
    archive = zipfile.ZipFile(io.BytesIO(body_of(response)))
    names = archive.namelist()
    assert [name.rsplit("_frame_", 1)[1] for name in names] == ["5.png", "50.png"]
    for name, frame in zip(names, (5, 50), strict=True):
        picture = Image.open(io.BytesIO(archive.read(name)))
        assert frame_index_of(picture) + 1 == frame
        assert has_red_box(picture)

    pdf = admin_client.get(annotated_url(movie.pk, "extract-annotated-frames-pdf"))
    assert pdf.status_code == 200
    body = body_of(pdf)
    assert body.count(b"/Type /Page\n") + body.count(b"/Type /Page ") == 2  # one per frame
