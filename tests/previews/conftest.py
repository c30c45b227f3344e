"""Fixtures of the preview tests: generated clips (session-scoped, see clips.py), a comment
to hang previews on, and helpers that add a preview slot and upload into it with the jobs run
before they return. The isolated `previews` storage and in-process jobs come from
tests/conftest.py."""

from __future__ import annotations

import pytest

from production import services as production_services
from production.models import Role, TaskType
from tests.previews.helpers import named_file

from . import clips

WEB_X264 = (
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-bf",
    "3",
    "-pix_fmt",
    "yuv420p",
    "-b:v",
    "2M",
)


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def clip_2398_audio_bframes(clip_dir):
    """320×180, 24000/1001 fps, 48 frames, AAC audio, H.264 with B-frames (moov at the end)."""
    return clips.make_clip(
        clip_dir / "2398_audio_bframes.mp4",
        rate="24000/1001",
        duration=2.002,
        video_args=("-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-g", "48",
                    "-pix_fmt", "yuv420p"),
    )  # fmt: skip


@pytest.fixture(scope="session")
def clip_25_silent(clip_dir):
    """320×180, 25 fps, 50 frames, no audio."""
    return clips.make_clip(clip_dir / "25_silent.mp4", rate="25", duration=2, audio=False)


@pytest.fixture(scope="session")
def clip_portrait(clip_dir):
    """180×320 portrait, 24000/1001 fps, 48 frames, audio."""
    return clips.make_clip(clip_dir / "portrait.mp4", size="180x320", duration=2.002)


@pytest.fixture(scope="session")
def clip_anamorphic(clip_dir):
    """240×180 stored with 4:3 pixels (16:9 displayed), 24000/1001 fps, 48 frames."""
    return clips.make_clip(
        clip_dir / "anamorphic.mov",
        size="240x180",
        duration=2.002,
        video_filters="setsar=4/3",
    )


@pytest.fixture(scope="session")
def clip_mpeg4_avi(clip_dir):
    """MPEG-4 part 2 + PCM in AVI, 320×240 at 30 fps, 60 frames. (With MP3 audio, ffmpeg's avi
    muxer inserts an empty "repeat" chunk after the first frame: 61 frames.)"""
    return clips.make_clip(
        clip_dir / "mpeg4.avi",
        size="320x240",
        rate="30",
        duration=2,
        video_args=("-c:v", "mpeg4", "-q:v", "5"),
        audio_args=("-c:a", "pcm_s16le"),
    )


@pytest.fixture(scope="session")
def clip_webm(clip_dir):
    """VP9 + Opus in WebM, 25 fps, 50 frames: Matroska gives no stream duration."""
    return clips.make_clip(
        clip_dir / "vp9.webm",
        rate="25",
        duration=2,
        video_args=("-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8",
                    "-b:v", "300k"),
        audio_args=("-c:a", "libopus"),
    )  # fmt: skip


@pytest.fixture(scope="session")
def clip_web_ready(clip_dir):
    """Exactly what a 640×360 24000/1001 project wants: H.264 High yuv420p with B-frames,
    GOP 12, AAC, faststart; 72 frames."""
    return clips.make_clip(
        clip_dir / "web_ready.mp4",
        size="640x360",
        duration=3.003,
        video_args=(*WEB_X264, "-g", "12"),
        extra_args=("-movflags", "+faststart"),
    )


@pytest.fixture(scope="session")
def clip_long_gop(clip_dir):
    """The web-ready clip with a GOP of 250 frames (one keyframe): not web-ready."""
    return clips.make_clip(
        clip_dir / "long_gop.mp4",
        size="640x360",
        duration=3.003,
        video_args=(*WEB_X264, "-g", "250"),
        extra_args=("-movflags", "+faststart"),
    )


@pytest.fixture(scope="session")
def clip_random_bytes(clip_dir):
    return clips.make_random_bytes(clip_dir / "random.mp4")


@pytest.fixture(scope="session")
def clip_truncated(clip_dir, clip_2398_audio_bframes):
    """Half of an mp4 whose moov atom is at the end: the index is gone."""
    return clips.make_truncated(clip_2398_audio_bframes, clip_dir / "truncated.mp4")


@pytest.fixture(scope="session")
def clip_truncated_faststart(clip_dir, clip_web_ready):
    """Half of an mp4 whose moov atom is at the front: the index promises missing frames."""
    return clips.make_truncated(clip_web_ready, clip_dir / "truncated_faststart.mp4")


@pytest.fixture(scope="session")
def clip_audio_only(clip_dir):
    return clips.make_audio_only(clip_dir / "audio_only.mp4")


@pytest.fixture(scope="session")
def clip_rotated(clip_dir, clip_2398_audio_bframes):
    """The 320×180 clip with a quarter-turn display matrix (phone footage shot upright)."""
    path = clip_dir / "rotated.mp4"
    clips.ffmpeg(
        "-display_rotation:v", "90", "-i", str(clip_2398_audio_bframes), "-c", "copy", str(path)
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def clip_long_audio(clip_dir):
    """25 fps, 50 frames (2 s) of video with 3 s of audio."""
    return clips.make_clip(clip_dir / "long_audio.mp4", rate="25", duration=2, audio_duration=3)


@pytest.fixture(scope="session")
def clip_short_audio(clip_dir):
    """25 fps, 50 frames (2 s) of video with 0.5 s of audio."""
    return clips.make_clip(clip_dir / "short_audio.mp4", rate="25", duration=2, audio_duration=0.5)


# ---------------------------------------------------------------------------------------------
# Slots and uploads through the API


@pytest.fixture
def comment(task, admin, task_status):
    return production_services.create_comment(task=task, task_status=task_status, author=admin)


@pytest.fixture
def comment_for(task, admin, task_status):
    def make(on_task=None, author=None):
        return production_services.create_comment(
            task=on_task or task, task_status=task_status, author=author or admin
        )

    return make


@pytest.fixture
def add_preview(django_capture_on_commit_callbacks):
    """POST add-preview as `client`; returns the response."""

    def add(client, task, comment, **body):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/api/actions/tasks/{task.pk}/comments/{comment.pk}/add-preview",
                body,
                format="json",
            )

    return add


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """POST a file into a preview as `client` (jobs run before this returns)."""

    def send(client, preview_id, name: str, content: bytes, query: str = ""):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/api/pictures/preview-files/{preview_id}{query}",
                {"file": named_file(name, content)},
                format="multipart",
            )

    return send


@pytest.fixture
def preview_on(add_preview, upload, admin_client, comment):
    """A preview added on `comment` of `task` and uploaded with `name`/`content`."""

    def make(task, name: str, content: bytes, client=None, query: str = ""):
        client = client or admin_client
        slot = add_preview(client, task, comment).json()
        response = upload(client, slot["id"], name, content, query)
        return slot["id"], response

    return make


@pytest.fixture
def artist_in_team(make_person, add_to_team):
    return add_to_team(make_person(Role.ARTIST))


@pytest.fixture
def small_project(project):
    """Normalize to 320x180 (the short clips' size): processing stays quick."""
    project.resolution = "320x180"
    project.save(update_fields=["resolution"])
    return project


@pytest.fixture
def shot_task(project, shot, task_status):
    return production_services.create_task(
        values={
            "name": "main",
            "project": project,
            "entity": shot,
            "task_type": TaskType.objects.get(name="Animation", for_entity="Shot"),
            "task_status": task_status,
        }
    )


@pytest.fixture(scope="session")
def clip(clip_dir) -> bytes:
    """1 s of 320x180 testsrc2 at 25 fps with a 440 Hz AAC track, as bytes."""
    return clips.make_clip(clip_dir / "short.mp4", rate="25", duration=1).read_bytes()


@pytest.fixture(scope="session")
def silent_clip(clip_dir) -> bytes:
    """The same picture without any audio stream."""
    return clips.make_clip(
        clip_dir / "short_silent.mp4", rate="25", duration=1, audio=False
    ).read_bytes()
