"""Processing through the real job function and hook: pictures and movies of every kind
become ready with exact figures; what cannot become a preview ends broken with its reason;
failed jobs are retried a bounded number of times; the sweep and the requeue command pick up
what a lost job left behind."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Task as QTask

from previews import jobs, queue, services, storage
from previews.models import PreviewFile
from tests.previews.helpers import png_bytes


@pytest.fixture
def small_project(project):
    project.resolution = "640x360"
    project.fps = "24000/1001"
    project.save()
    return project


def uploaded(preview_on, task, path: Path, name: str | None = None) -> PreviewFile:
    preview_id, response = preview_on(task, name or path.name, path.read_bytes())
    assert response.status_code == 201, response.content
    return PreviewFile.objects.get(pk=preview_id)


def test_a_movie_with_audio_and_b_frames_keeps_its_frames_and_rate(
    small_project, task, preview_on, clip_2398_audio_bframes
):
    preview = uploaded(preview_on, task, clip_2398_audio_bframes)
    assert preview.status == "ready", preview.broken_reason
    assert (preview.width, preview.height) == (640, 360)
    assert preview.data["frame_rate"] == "24000/1001"
    assert preview.data["frame_count"] == preview.data["original_frame_count"]
    assert preview.attempts == 1
    for prefix in ("previews", "lowdef", "source"):
        assert storage.size_of(storage.movie(prefix, preview.pk))
    for prefix in ("original", "thumbnails", "thumbnails-square", "previews", "tiles"):
        assert storage.size_of(storage.picture(prefix, preview.pk))
    task.refresh_from_db()
    assert task.last_preview_file_id == preview.pk
    # Django Q recorded the job as a success.
    assert QTask.objects.filter(func="previews.jobs.process_preview", success=True).count() == 1


def test_a_25_fps_silent_movie_is_converted_to_the_project_rate(
    small_project, task, preview_on, clip_25_silent
):
    preview = uploaded(preview_on, task, clip_25_silent)
    assert preview.status == "ready", preview.broken_reason
    assert preview.data["original_frame_rate"] == "25"
    assert preview.data["frame_rate"] == "24000/1001"


@pytest.mark.parametrize("clip", ["clip_portrait", "clip_anamorphic", "clip_mpeg4_avi"])
def test_other_shapes_and_codecs_fit_the_project_raster(
    small_project, task, preview_on, clip, request
):
    preview = uploaded(preview_on, task, request.getfixturevalue(clip))
    assert preview.status == "ready", preview.broken_reason
    assert (preview.width, preview.height) == (640, 360)


def test_a_web_ready_movie_is_remuxed(project, task, preview_on, clip_web_ready):
    project.resolution, project.fps = "640x360", "24000/1001"
    project.save()
    preview = uploaded(preview_on, task, clip_web_ready)
    assert preview.status == "ready", preview.broken_reason
    assert preview.data["remuxed"] is True


@pytest.mark.parametrize(
    "clip, reason",
    [
        ("clip_random_bytes", ""),
        ("clip_truncated", ""),
        ("clip_audio_only", "video"),
    ],
)
def test_what_cannot_become_a_preview_is_broken_with_its_reason(
    small_project, task, preview_on, clip, reason, request
):
    preview = uploaded(preview_on, task, request.getfixturevalue(clip))
    assert preview.status == "broken"
    assert preview.broken_reason
    assert reason in preview.broken_reason.lower()
    assert preview.attempts == 1  # a bad file is not retried


def test_a_4k_picture_and_a_tiny_one(task, preview_on, admin_client):
    big_id, _ = preview_on(task, "plate.png", png_bytes(3840, 2160))
    tiny_id, _ = preview_on(task, "dot.png", png_bytes(4, 3))
    big, tiny = PreviewFile.objects.get(pk=big_id), PreviewFile.objects.get(pk=tiny_id)
    assert (big.status, big.width, big.height) == ("ready", 3840, 2160)
    assert (tiny.status, tiny.width, tiny.height) == ("ready", 4, 3)
    # The upload itself is dropped once the PNG original replaces it.
    assert storage.size_of(storage.picture(storage.PICTURE_UPLOAD, big.pk)) is None


def test_a_corrupt_picture_is_broken(task, preview_on):
    preview_id, response = preview_on(task, "fake.png", b"%PDF-1.4 not a picture")
    assert response.status_code == 201
    preview = PreviewFile.objects.get(pk=preview_id)
    assert preview.status == "broken"
    assert "readable picture" in preview.broken_reason


# ---------------------------------------------------------------------------------------------
# Bounded retries, lost jobs, requeue


@pytest.fixture
def waiting_movie(small_project, task, comment, admin, clip_25_silent, monkeypatch):
    """A movie uploaded and stored, whose job never ran (as if the broker lost it)."""
    monkeypatch.setattr(queue, "enqueue_processing", lambda preview: None)
    preview = services.add_preview_slot(task=task, comment=comment, author=admin)
    content = clip_25_silent.read_bytes()
    sink = services.upload_sink(preview.pk, "clip.mp4")
    sink.write(content)

    class Upload:
        name, size = "clip.mp4", len(content)

        @staticmethod
        def commit(name):
            sink.commit(name)

    return services.receive_media(preview=preview, upload=Upload)


def test_a_failed_attempt_is_retried_then_given_up(waiting_movie, settings, monkeypatch):
    settings.PREVIEW_MAX_ATTEMPTS = 2
    queued = []
    monkeypatch.setattr(queue, "enqueue_processing", lambda p: queued.append(p.attempts + 1))
    assert services.start_attempt(preview_id=waiting_movie.pk, attempt=1) is not None
    services.attempt_failed(preview_id=waiting_movie.pk, reason="disk full")
    preview = PreviewFile.objects.get(pk=waiting_movie.pk)
    assert (preview.status, queued) == ("processing", [2])
    assert "disk full" in preview.broken_reason
    assert services.start_attempt(preview_id=waiting_movie.pk, attempt=2) is not None
    services.attempt_failed(preview_id=waiting_movie.pk, reason="disk still full")
    preview = PreviewFile.objects.get(pk=waiting_movie.pk)
    assert preview.status == "broken"
    assert preview.broken_reason.startswith("Processing failed 2 times")
    assert queued == [2]


def test_a_job_copy_is_run_once(waiting_movie):
    assert services.start_attempt(preview_id=waiting_movie.pk, attempt=1) is not None
    # The same job handed out again while the first holder is alive: refused.
    assert services.start_attempt(preview_id=waiting_movie.pk, attempt=1) is None


def test_a_job_copy_after_its_holder_died_takes_the_next_attempt(waiting_movie):
    assert services.start_attempt(preview_id=waiting_movie.pk, attempt=1) is not None
    PreviewFile.objects.filter(pk=waiting_movie.pk).update(
        attempt_started_at=timezone.now() - timedelta(days=1)
    )
    claimed = services.start_attempt(preview_id=waiting_movie.pk, attempt=1)
    assert claimed is not None and claimed.attempts == 2


def test_the_hook_retries_a_job_that_raised(waiting_movie, monkeypatch):
    queued = []
    monkeypatch.setattr(queue, "enqueue_processing", lambda p: queued.append(p.pk))
    services.start_attempt(preview_id=waiting_movie.pk, attempt=1)

    class FailedTask:
        success = False
        args = (str(waiting_movie.pk), 1)
        result = "OSError: [Errno 28] No space left on device : Traceback..."

    jobs.record_outcome(FailedTask)
    preview = PreviewFile.objects.get(pk=waiting_movie.pk)
    assert queued == [waiting_movie.pk]
    assert "No space left" in preview.broken_reason


def test_the_sweep_gives_lost_jobs_another_attempt(waiting_movie, monkeypatch):
    queued = []
    monkeypatch.setattr(queue, "enqueue_processing", lambda p: queued.append(p.pk))
    assert jobs.sweep_stuck_previews() == 0  # not stuck yet
    PreviewFile.objects.filter(pk=waiting_movie.pk).update(
        updated_at=timezone.now() - timedelta(days=1)
    )
    assert jobs.sweep_stuck_previews() == 1
    assert queued == [waiting_movie.pk]


def test_the_requeue_command_processes_broken_previews_again(
    waiting_movie, monkeypatch, django_capture_on_commit_callbacks, capsys
):
    monkeypatch.undo()  # real enqueue: the job runs in-process (Django Q sync mode)
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    PreviewFile.objects.filter(pk=waiting_movie.pk).update(
        status="broken", broken_reason="ffmpeg was killed", attempts=3
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("requeue_previews")
    preview = PreviewFile.objects.get(pk=waiting_movie.pk)
    assert preview.status == "ready", preview.broken_reason
    assert preview.attempts == 1
    assert "1 re-queued" in capsys.readouterr().out


def test_the_requeue_command_reports_what_it_cannot_process(task, comment, admin, capsys):
    slot = services.add_preview_slot(task=task, comment=comment, author=admin)
    PreviewFile.objects.filter(pk=slot.pk).update(status="broken", original_name="gone")
    call_command("requeue_previews", "--id", str(slot.pk))
    assert PreviewFile.objects.get(pk=slot.pk).status == "missing"
    assert "skipped" in capsys.readouterr().out


def test_the_requeue_command_refuses_a_malformed_id():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="UUID"):
        call_command("requeue_previews", "--id", "nope")


def test_normalize_false_serves_the_upload_as_it_is(
    small_project, task, preview_on, admin_client, clip_anamorphic
):
    """Zou's test_stream_original_and_low_movie: no re-encode; both movie routes answer the
    uploaded bytes, and the pictures (poster, thumbnails, tile) are still made."""
    content = clip_anamorphic.read_bytes()
    preview_id, response = preview_on(task, "plate.mov", content, query="?normalize=false")
    assert response.status_code == 201
    preview = PreviewFile.objects.get(pk=preview_id)
    assert preview.status == "ready", preview.broken_reason
    assert storage.size_of(storage.movie("previews", preview.pk)) is None
    assert storage.size_of(storage.movie("lowdef", preview.pk)) is None
    for route in ("originals", "low"):
        answer = admin_client.get(f"/api/movies/{route}/preview-files/{preview_id}.mp4")
        assert answer.status_code == 200
        assert b"".join(answer.streaming_content) == content
    # Square pixels as displayed: the anamorphic 240x180 stored at 4:3 shows as 320x180.
    assert (preview.width, preview.height) == (320, 180)
    assert preview.file_size == len(content)
    assert preview.data["frame_count"] == preview.data["original_frame_count"]
    for prefix in ("original", "thumbnails", "thumbnails-square", "previews", "tiles"):
        assert storage.size_of(storage.picture(prefix, preview.pk)), prefix


def test_a_frame_of_a_movie_becomes_the_thumbnail(
    small_project, task, preview_on, admin_client, clip_2398_audio_bframes
):
    preview = uploaded(preview_on, task, clip_2398_audio_bframes)
    before = admin_client.get(f"/api/pictures/originals/preview-files/{preview.pk}.png")
    response = admin_client.put(
        f"/api/actions/preview-files/{preview.pk}/set-main-preview",
        {"frame_number": 24},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["preview_file_id"] == str(preview.pk)
    after = admin_client.get(f"/api/pictures/originals/preview-files/{preview.pk}.png")
    assert b"".join(after.streaming_content) != b"".join(before.streaming_content)
    assert after["ETag"] != before["ETag"]
    beyond = admin_client.put(
        f"/api/actions/preview-files/{preview.pk}/set-main-preview",
        {"frame_number": 10_000},
        format="json",
    )
    assert beyond.status_code == 400


def test_the_requeue_command_narrows_to_a_project(task, comment, admin, project, capsys):
    from django.core.management.base import CommandError

    from production import services as production_services

    slot = services.add_preview_slot(task=task, comment=comment, author=admin)
    PreviewFile.objects.filter(pk=slot.pk).update(status="broken", original_name="clip")
    production_services.create_project(values={"name": "Sintel", "fps": "24"})

    call_command("requeue_previews", "--project", "Sintel")
    assert capsys.readouterr().out.strip() == "Nothing to re-queue."
    assert PreviewFile.objects.get(pk=slot.pk).status == "broken"
    with pytest.raises(CommandError, match="No preview with id"):
        call_command("requeue_previews", "--project", "sintel", "--id", str(slot.pk))

    call_command("requeue_previews", "--project", str(project.pk), "--dry-run")
    assert f"{slot.pk} (broken) would be re-queued" in capsys.readouterr().out

    with pytest.raises(CommandError, match="Nope"):
        call_command("requeue_previews", "--project", "Nope")
