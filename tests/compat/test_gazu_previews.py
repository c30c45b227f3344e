"""Previews driven through gazu 1.3.1 against the live server: what a review tool uploads,
reads and downloads.

Jobs run in the live server's thread as soon as the upload commits (Django Q's sync mode);
the real cluster is exercised by tests/previews/test_cluster.py."""

import av
import gazu
import pytest
from gazu.exception import ParameterException, RouteNotFoundException
from PIL import Image

from previews.models import PreviewFile
from production.models import Entity
from tests.previews.clips import make_clip

pytestmark = pytest.mark.live


@pytest.fixture
def picture(tmp_path):
    path = tmp_path / "th01.png"
    Image.new("RGB", (180, 101), (10, 120, 200)).save(path)
    return path


@pytest.fixture
def clip(tmp_path):
    return make_clip(tmp_path / "shot.mov", duration=2.002, rate="24000/1001", audio=True)


def test_publish_preview_with_a_picture_sets_the_thumbnail(
    gazu_admin, task, task_status, picture, tmp_path
):
    comment, preview = gazu.task.publish_preview(
        str(task.pk),
        str(task_status.pk),
        comment="first look",
        preview_file_path=str(picture),
        set_thumbnail=True,
    )
    assert preview["extension"] == "png"
    assert preview["original_name"] == "th01"
    stored = gazu.files.get_preview_file(preview["id"])
    assert stored["status"] == "ready"
    assert (stored["width"], stored["height"]) == (180, 101)
    assert Entity.objects.get(pk=task.entity_id).preview_file_id.hex == preview["id"].replace(
        "-", ""
    )

    thumbnail = tmp_path / "thumbnail.png"
    gazu.files.download_preview_file_thumbnail(stored, str(thumbnail))
    assert Image.open(thumbnail).size == (150, 100)
    original = tmp_path / "original.png"
    gazu.files.download_preview_file(stored, str(original))
    assert Image.open(original).size == (180, 101)
    cover = tmp_path / "cover.png"
    gazu.files.download_preview_file_cover(stored, str(cover))
    assert Image.open(cover).size == (180, 101)
    assert [p["id"] for p in gazu.files.get_all_preview_files_for_task(str(task.pk))] == [
        preview["id"]
    ]


def test_movie_preview_is_normalized_and_downloadable(
    gazu_admin, project, task, task_status, clip, tmp_path
):
    project.resolution = "640x360"
    project.save()
    comment = gazu.task.add_comment(str(task.pk), str(task_status.pk), "anim pass")
    preview = gazu.task.add_preview(str(task.pk), comment, preview_file_path=str(clip))
    assert preview["extension"] == "mp4"
    preview = gazu.files.wait_for_preview_file(preview, timeout=60, poll_interval=1)
    assert preview["status"] == "ready", preview
    assert (preview["width"], preview["height"]) == (640, 360)

    movie = tmp_path / "movie.mp4"
    gazu.files.download_preview_movie(preview, str(movie))
    low = tmp_path / "low.mp4"
    gazu.files.download_preview_lowdef_movie(preview, str(low))
    for path in (movie, low):
        with av.open(str(path)) as container:
            video = container.streams.video[0]
            assert video.average_rate == 24000 / 1001 or str(video.average_rate) == "24000/1001"
            assert video.frames == 48
            assert container.streams.audio
    thumbnail = tmp_path / "thumbnail.png"
    gazu.files.download_preview_file_thumbnail(preview, str(thumbnail))
    assert Image.open(thumbnail).size == (150, 100)


def test_extra_preview_and_reordering(gazu_admin, task, task_status, picture):
    comment = gazu.task.add_comment(str(task.pk), str(task_status.pk), "two views")
    main = gazu.task.add_preview(str(task.pk), comment, preview_file_path=str(picture))
    extra = gazu.task.add_extra_preview(str(task.pk), comment, main, preview_file_path=str(picture))
    assert (extra["revision"], extra["position"]) == (main["revision"], 2)
    reordered = gazu.files.update_preview_position(extra, 1)
    assert [row["id"] for row in reordered] == [extra["id"], main["id"]]
    assert [row["position"] for row in reordered] == [1, 2]
    assert [p["id"] for p in gazu.task.all_previews_for_task(str(task.pk))] != []


def test_wrong_extension_is_refused_and_the_preview_removed(
    gazu_admin, task, task_status, tmp_path
):
    notes = tmp_path / "notes.xyz"
    notes.write_text("not a preview")
    comment = gazu.task.add_comment(str(task.pk), str(task_status.pk), "oops")
    preview = gazu.task.create_preview(str(task.pk), comment)
    with pytest.raises(ParameterException):
        gazu.task.upload_preview_file(preview, str(notes))
    with pytest.raises(RouteNotFoundException):
        gazu.files.get_preview_file(preview["id"])


def test_reupload_is_refused(gazu_admin, task, task_status, picture):
    comment = gazu.task.add_comment(str(task.pk), str(task_status.pk), "v1")
    preview = gazu.task.add_preview(str(task.pk), comment, preview_file_path=str(picture))
    with pytest.raises(ParameterException):
        gazu.task.upload_preview_file(preview, str(picture))


def test_update_set_main_and_remove(gazu_admin, task, task_status, picture):
    comment = gazu.task.add_comment(str(task.pk), str(task_status.pk), "review")
    preview = gazu.task.add_preview(str(task.pk), comment, preview_file_path=str(picture))
    updated = gazu.files.update_preview(preview, {"validation_status": "validated"})
    assert updated["validation_status"] == "validated"
    entity = gazu.task.set_main_preview(preview)
    assert entity["preview_file_id"] == preview["id"]
    gazu.files.remove_preview_file(preview, force=True)
    assert not PreviewFile.objects.filter(pk=preview["id"]).exists()
    assert Entity.objects.get(pk=task.entity_id).preview_file_id is None


def test_batch_comments_with_previews(gazu_admin, task, task_status, picture):
    comments = gazu.task.batch_comments(
        [
            {
                "task_status_id": str(task_status.pk),
                "text": "first",
                "preview_files": [str(picture)],
            },
            {"task_status_id": str(task_status.pk), "text": "second"},
        ],
        task=str(task.pk),
    )
    assert [c["text"] for c in comments] == ["first", "second"]
    assert len(comments[0]["preview_files"]) == 1
    assert comments[0]["preview_files"][0]["extension"] == "png"
    assert comments[1]["preview_files"] == []


def test_running_previews_and_remove_from_comment(gazu_admin, task, task_status, picture):
    comment = gazu.task.add_comment(str(task.pk), str(task_status.pk), "pending")
    slot = gazu.task.create_preview(str(task.pk), comment)  # no upload: still processing
    running = gazu.files.get_running_preview_files()
    assert [row["id"] for row in running] == [slot["id"]]
    gazu.task.remove_preview_from_comment(str(task.pk), comment, slot)
    assert gazu.files.get_running_preview_files() == []


def test_update_preview_annotations(gazu_admin, task, task_status, picture):
    """gazu.files.update_preview_annotations with Zou's format (gazu map §3.5): additions and
    updates are `{time, drawing: {objects}}`, deletions `{time, objects: [ids]}`."""
    comment = gazu.task.add_comment(str(task.pk), str(task_status.pk), "notes")
    preview = gazu.task.create_preview(str(task.pk), comment)
    arrow = {"type": "path", "path": [["M", 1, 1], ["L", 5, 5]], "stroke": "#ff3b30"}
    circle = {"id": "c-1", "type": "circle", "left": 4, "top": 4, "radius": 8}

    added = gazu.files.update_preview_annotations(
        preview,
        additions=[{"time": 1.001, "drawing": {"objects": [arrow, circle]}}],
    )
    (entry,) = added["annotations"]
    assert (entry["time"], entry["frame"]) == (1.001, 25)  # 24000/1001: frame 25 starts at 1.001
    arrow_id = entry["drawing"]["objects"][0]["id"]
    assert arrow_id and arrow_id != "c-1"  # given an id by the server

    updated = gazu.files.update_preview_annotations(
        preview, updates=[{"time": 1.001, "drawing": {"objects": [{**circle, "radius": 12}]}}]
    )
    assert updated["annotations"][0]["drawing"]["objects"][1]["radius"] == 12
    removed = gazu.files.update_preview_annotations(
        preview, deletions=[{"time": 1.001, "objects": [arrow_id]}]
    )
    assert [o["id"] for o in removed["annotations"][0]["drawing"]["objects"]] == ["c-1"]
    assert gazu.files.get_preview_file(preview["id"])["annotations"] == removed["annotations"]
    assert gazu.files.update_preview_annotations(preview)["annotations"] == removed["annotations"]

    with pytest.raises(ParameterException, match="deletions\\[0\\] must be an object"):
        gazu.files.update_preview_annotations(preview, deletions=[arrow_id])  # the docstring's
    assert PreviewFile.objects.get(pk=preview["id"]).annotations == removed["annotations"]


def test_an_exr_render_becomes_a_picture_preview_for_gazu(gazu_admin, task, task_status, tmp_path):
    """A pipeline tool that publishes its EXR render with gazu, unchanged, gets a reviewable
    picture: gazu reads the PNG variants as for any picture (docs/compatibility.md)."""
    import numpy as np

    from tests.previews import vfx_media

    ramp = np.repeat(vfx_media.linear_ramp(width=320, height=1), 180, axis=0)
    render = vfx_media.write_exr(tmp_path / "sh010_comp_v004.exr", ramp, pixel_type="half")
    _, preview = gazu.task.publish_preview(
        str(task.pk), str(task_status.pk), comment="comp v4", preview_file_path=str(render)
    )
    assert (preview["extension"], preview["original_name"]) == ("png", "sh010_comp_v004")
    stored = gazu.files.wait_for_preview_file(preview, timeout=60, poll_interval=1)
    assert stored["status"] == "ready", stored
    assert (stored["width"], stored["height"]) == (320, 180)
    assert stored["data"]["color_transform"]["view"] == "ACES 1.0 - SDR Video"
    thumbnail = tmp_path / "thumbnail.png"
    gazu.files.download_preview_file_thumbnail(stored, str(thumbnail))
    assert Image.open(thumbnail).size == (150, 100)
    original = tmp_path / "original.png"
    gazu.files.download_preview_file(stored, str(original))
    with Image.open(original) as image:
        assert image.size == (320, 180) and image.mode == "RGB"


@pytest.mark.ffmpeg
def test_a_zip_of_exr_frames_becomes_a_movie_for_gazu(
    gazu_admin, project, task, task_status, tmp_path
):
    import numpy as np

    from tests.previews import vfx_media

    project.resolution = "320x180"
    project.save()
    frames = {}
    for number in range(1001, 1013):
        grey = np.full((90, 160, 3), (number - 1000) / 12, dtype=np.float32)
        frames[number] = vfx_media.write_exr(tmp_path / f"{number}.exr", grey)
    archive = vfx_media.write_sequence_archive(tmp_path / "sh010_comp_v004.zip", frames)
    comment = gazu.task.add_comment(str(task.pk), str(task_status.pk), "comp v4")
    preview = gazu.task.add_preview(str(task.pk), comment, preview_file_path=str(archive))
    assert preview["extension"] == "mp4"
    preview = gazu.files.wait_for_preview_file(preview, timeout=120, poll_interval=1)
    assert preview["status"] == "ready", preview
    assert preview["data"]["frame_start"] == 1001
    assert preview["data"]["missing_frames"] == []
    movie = tmp_path / "movie.mp4"
    gazu.files.download_preview_movie(preview, str(movie))
    with av.open(str(movie)) as container:
        video = container.streams.video[0]
        assert str(video.average_rate) == "24000/1001"
        assert video.frames == 12
        assert (video.width, video.height) == (320, 180)
