"""Frames and tiles through gazu 1.3.1 against the live server: extract_frame_from_preview,
extract_tile_from_preview and set_main_preview with a frame, on a movie normalized at
24000/1001 whose frames show their own index (tests/previews/clips.py)."""

import gazu
import pytest
from gazu.exception import NotAllowedException, ParameterException, RouteNotFoundException
from PIL import Image

from previews import storage
from production.models import Entity, Role
from tests.conftest import PASSWORD
from tests.previews.clips import frame_index_of, make_counting_clip

pytestmark = pytest.mark.live

FRAMES = 48


@pytest.fixture
def movie(gazu_admin, project, task, task_status, tmp_path):
    project.resolution = "320x180"
    project.save()
    clip = make_counting_clip(
        tmp_path / "count.mp4",
        frames=FRAMES,
        video_args=("-c:v", "libx264", "-preset", "veryfast", "-bf", "2", "-pix_fmt", "yuv420p"),
    )
    comment = gazu.task.add_comment(str(task.pk), str(task_status.pk), "timing pass")
    preview = gazu.task.add_preview(str(task.pk), comment, preview_file_path=str(clip))
    preview = gazu.files.wait_for_preview_file(preview, timeout=60, poll_interval=1)
    assert preview["status"] == "ready", preview
    return preview


def shown(path) -> int:
    with Image.open(path) as picture:
        return frame_index_of(picture) + 1


def test_extract_frame_from_preview(movie, tmp_path):
    for number in (1, 2, FRAMES // 2, FRAMES):
        path = tmp_path / f"frame-{number}.png"
        gazu.files.extract_frame_from_preview(movie, number, file_path=str(path))
        assert Image.open(path).size == (320, 180)
        assert shown(path) == number
    # Without a file path gazu hands back the response.
    response = gazu.files.extract_frame_from_preview(movie["id"], 3)
    assert response.headers["Content-Type"] == "image/png"
    with pytest.raises(ParameterException):
        gazu.files.extract_frame_from_preview(movie, FRAMES + 1, file_path=str(tmp_path / "x"))


def test_extract_frame_is_for_managers(movie, make_person, add_to_team, tmp_path):
    artist = add_to_team(make_person(Role.ARTIST))
    client = gazu.client.create_client(gazu.client.get_host())
    gazu.log_in(artist.email, PASSWORD, client=client)
    with pytest.raises(NotAllowedException):
        gazu.files.extract_frame_from_preview(
            movie, 2, file_path=str(tmp_path / "f.png"), client=client
        )
    # The tile needs task access only.
    path = tmp_path / "tile.png"
    gazu.files.extract_tile_from_preview(movie, file_path=str(path), client=client)
    assert Image.open(path).size == (8 * 178, 6 * 100)


def test_extract_tile_from_preview(movie, tmp_path):
    storage.delete(storage.picture("tiles", movie["id"]))
    path = tmp_path / "tile.png"
    gazu.files.extract_tile_from_preview(movie, file_path=str(path))
    sheet = Image.open(path)
    assert sheet.size == (8 * 178, 6 * 100)  # 48 frames: 6 rows of 8 cells of 178x100
    assert frame_index_of(sheet.crop((178, 0, 2 * 178, 100))) == 1
    # Stored where the tiles route serves it.
    served = tmp_path / "served.png"
    gazu.client.download(f"movies/tiles/preview-files/{movie['id']}.png", str(served))
    assert served.read_bytes() == path.read_bytes()


def test_set_main_preview_with_a_frame(movie, task, tmp_path):
    entity = gazu.task.set_main_preview(movie, frame_number=30)
    assert entity["preview_file_id"] == movie["id"]
    assert str(Entity.objects.get(pk=task.entity_id).preview_file_id) == movie["id"]
    cover = tmp_path / "cover.png"
    gazu.files.download_preview_file_cover(movie, str(cover))
    assert shown(cover) == 30
    with pytest.raises(ParameterException):
        gazu.task.set_main_preview(movie, frame_number=FRAMES + 1)
    with pytest.raises(RouteNotFoundException):
        gazu.files.extract_frame_from_preview(
            "0b8c5d8e-2f4b-4c57-9a3e-5f1d2c3b4a59", 1, file_path=str(tmp_path / "f.png")
        )
