"""import_previews (issue 19): a folder of generated pictures and tiny clips attached to tasks
by their file names, processed by the job (run in process: Django Q's sync mode), a second run
attaching nothing, --dry-run writing nothing, names that match nothing or several tasks
reported, and bad input refused before any file is touched."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from previews.models import PreviewFile
from previews.name_patterns import PatternError, parse_pattern
from production import services as production_services
from production.models import Comment, Task, TaskStatus, TaskType
from tests.previews import clips
from tests.previews.helpers import png_bytes


@pytest.fixture
def shot_task(shot, task_status):
    return production_services.create_task(
        values={
            "name": "main",
            "project": shot.project,
            "entity": shot,
            "task_type": TaskType.objects.get(name="Animation"),
            "task_status": task_status,
        }
    )


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("import_clip")
    return clips.make_clip(folder / "clip.mp4", duration=1.0, audio=False)


@pytest.fixture
def folder(tmp_path, clip) -> Path:
    """A picture for the asset's Modeling task, a clip for the shot's Animation task (named
    by the task type's short name, in a subfolder), and files that match nothing."""
    root = tmp_path / "dailies"
    (root / "shots").mkdir(parents=True)
    (root / "Bunny_Modeling_v001.png").write_bytes(png_bytes())
    (root / "shots" / "SH010_anim_v002.mp4").write_bytes(clip.read_bytes())
    (root / "Nobody_Modeling_v001.png").write_bytes(png_bytes())
    (root / "Bunny_Lighting_v001.png").write_bytes(png_bytes())  # no such task on Bunny
    (root / "Bunny_v1.png").write_bytes(png_bytes())  # does not match the pattern
    (root / "notes.txt").write_text("not a preview")
    # A name of 251 characters: longer than a preview's original_name column.
    (root / f"Bunny_Modeling_v{'9' * 235}.png").write_bytes(png_bytes())
    (root / ".DS_Store").write_bytes(b"hidden")
    return root


def run(*args: str, capture=None) -> str:
    out = StringIO()
    if capture is None:
        call_command("import_previews", *args, "--no-progress", stdout=out)
    else:
        with capture(execute=True):
            call_command("import_previews", *args, "--no-progress", stdout=out)
    return out.getvalue()


def test_files_are_attached_processed_and_a_second_run_attaches_nothing(
    folder, project, task, shot_task, admin, django_capture_on_commit_callbacks
):
    out = run(
        str(folder),
        "--project",
        project.name,
        "--task-status",
        "wfa",
        capture=django_capture_on_commit_callbacks,
    )

    assert "Bunny_Modeling_v001.png: attached to Bunny / Modeling r1" in out
    assert "shots/SH010_anim_v002.mp4: attached to SH010 / Animation r2" in out
    assert "Nobody_Modeling_v001.png: unmatched: no shot or asset 'Nobody'" in out
    assert "Bunny_Lighting_v001.png: unmatched: 'Bunny' has no 'Lighting' task" in out
    assert "Bunny_v1.png: unmatched: does not match the pattern" in out
    assert "notes.txt: unmatched: not a picture or a movie" in out
    assert "unmatched: a name longer than 250 characters: rename it" in out
    assert ".DS_Store" not in out
    assert "2 attached" in out and "5 matching no task, skipped" in out

    picture = PreviewFile.objects.get(task=task)
    assert (picture.status, picture.extension, picture.revision) == ("ready", "png", 1)
    assert picture.original_name == "Bunny_Modeling_v001"
    assert picture.width > 0
    movie = PreviewFile.objects.get(task=shot_task)
    assert (movie.status, movie.extension, movie.revision) == ("ready", "mp4", 2), (
        movie.broken_reason
    )
    assert (
        movie.data["original_file_size"]
        == (folder / "shots" / "SH010_anim_v002.mp4").stat().st_size
    )
    # Each on a comment of its task, which set the status asked for.
    wfa = TaskStatus.objects.get(short_name="wfa")
    for preview in (picture, movie):
        comment = preview.comments.get()
        assert comment.person_id == admin.pk and comment.task_status_id == wfa.pk
        refreshed = Task.objects.get(pk=preview.task_id)
        assert refreshed.task_status_id == wfa.pk
        assert refreshed.last_preview_file_id == preview.pk

    counts = (PreviewFile.objects.count(), Comment.objects.count())
    again = run(
        str(folder), "--project", str(project.pk), capture=django_capture_on_commit_callbacks
    )
    assert "Bunny_Modeling_v001.png: already attached to Bunny / Modeling r1" in again
    assert "2 already attached, skipped" in again and " attached\n" not in again
    assert (PreviewFile.objects.count(), Comment.objects.count()) == counts


def test_dry_run_lists_what_it_would_attach_and_writes_nothing(folder, project, task, shot_task):
    out = run(str(folder), "--project", project.name, "--dry-run")
    assert "Bunny_Modeling_v001.png: would attach to Bunny / Modeling r1" in out
    assert "shots/SH010_anim_v002.mp4: would attach to SH010 / Animation r2" in out
    assert "Dry run: nothing was written" in out
    assert not PreviewFile.objects.exists() and not Comment.objects.exists()


def test_ambiguous_names_are_reported_and_a_sequence_placeholder_resolves_them(
    tmp_path, project, admin, task_status, shot_task, django_capture_on_commit_callbacks
):
    other_sequence = production_services.create_temporal_entity(
        kind="Sequence", project=project, name="SQ02", created_by=admin
    )
    other_shot = production_services.create_temporal_entity(
        kind="Shot", project=project, name="SH010", parent=other_sequence, created_by=admin
    )
    other_task = production_services.create_task(
        values={
            "name": "main",
            "project": project,
            "entity": other_shot,
            "task_type": shot_task.task_type,
            "task_status": task_status,
        }
    )
    (tmp_path / "SH010_anim_v001.png").write_bytes(png_bytes())
    # Two files of this run for one preview: the second is reported, not stacked on the first.
    (tmp_path / "SQ02_SH010_anim_v001.png").write_bytes(png_bytes())
    (tmp_path / "SQ02_SH010_anim_v001.jpg").write_bytes(png_bytes())

    out = run(str(tmp_path), "--project", project.name, "--dry-run")
    assert "SH010_anim_v001.png: ambiguous: reads as several tasks: SH010 / Animation; " in out
    assert "SQ02_SH010_anim_v001.png: unmatched: no shot or asset 'SQ02'" in out

    pattern = "{sequence}_{entity}_{task_type}_v{revision}.{ext}"
    out = run(
        str(tmp_path),
        "--project",
        project.name,
        "--pattern",
        pattern,
        capture=django_capture_on_commit_callbacks,
    )
    # Files are taken in name order: the .jpg first.
    assert "SQ02_SH010_anim_v001.jpg: attached to SH010 / Animation r1" in out
    assert (
        "SQ02_SH010_anim_v001.png: ambiguous: SQ02_SH010_anim_v001.jpg of this run goes to "
        "the same preview" in out
    )
    assert "SH010_anim_v001.png: unmatched: does not match the pattern" in out
    assert PreviewFile.objects.get().task_id == other_task.pk


def test_a_revision_held_by_another_preview_is_refused(
    tmp_path, project, task, django_capture_on_commit_callbacks
):
    (tmp_path / "Bunny_mod_v001.png").write_bytes(png_bytes())
    run(str(tmp_path), "--project", project.name, capture=django_capture_on_commit_callbacks)
    (tmp_path / "Bunny_Modeling_v001.png").write_bytes(png_bytes(color=(0, 0, 255)))
    out = run(str(tmp_path), "--project", project.name)
    assert "Bunny_Modeling_v001.png: conflict: revision 1 holds another preview" in out
    assert "Bunny_mod_v001.png: already attached" in out
    assert PreviewFile.objects.count() == 1


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("{entity}{task_type}.{ext}", "side by side"),
        ("{entity}_{shot}_{task_type}.{ext}", "unknown placeholder {shot}"),
        ("{entity}_v{revision}.{ext}", "needs {task_type}"),
        ("{entity}_{task_type}_{entity}.{ext}", "{entity} twice"),
        ("{entity_{task_type}.{ext}", "unmatched '{'"),
        ("shots/{entity}_{task_type}.{ext}", "file names only"),
    ],
)
def test_a_bad_pattern_is_refused(tmp_path, project, pattern, message):
    with pytest.raises(CommandError, match="The pattern") as raised:
        run(str(tmp_path), "--project", project.name, "--pattern", pattern)
    assert message in str(raised.value)


def test_bad_input_is_refused(tmp_path, project):
    with pytest.raises(CommandError, match="No folder"):
        run(str(tmp_path / "missing"), "--project", project.name)
    with pytest.raises(CommandError, match="No project is named 'Nope'"):
        run(str(tmp_path), "--project", "Nope")
    with pytest.raises(CommandError, match="No task status is named 'nope'"):
        run(str(tmp_path), "--project", project.name, "--task-status", "nope")
    with pytest.raises(CommandError, match="No active person"):
        run(str(tmp_path), "--project", project.name, "--author", "ghost@example.com")


def test_pattern_readings():
    pattern = parse_pattern("{entity}_{task_type}_v{revision}.{ext}")
    assert pattern.readings("SH010_layout_anim_V003.mov") == [
        {"entity": "SH010", "task_type": "layout_anim", "revision": "003", "ext": "mov"},
        {"entity": "SH010_layout", "task_type": "anim", "revision": "003", "ext": "mov"},
    ]
    assert pattern.readings("SH010_anim_vX.mov") == []
    with pytest.raises(PatternError):
        parse_pattern("")


@pytest.mark.parametrize("content_backend", ["folder"], indirect=True)
def test_on_an_object_store_and_a_refused_file_leaves_nothing(
    content_backend, tmp_path, project, task, shot_task, django_capture_on_commit_callbacks
):
    (tmp_path / "Bunny_Modeling_v001.png").write_bytes(png_bytes())
    (tmp_path / "SH010_anim_v001.mov").write_bytes(b"")  # empty: refused by the upload
    out = run(str(tmp_path), "--project", project.name, capture=django_capture_on_commit_callbacks)

    assert "SH010_anim_v001.mov: failed: Uploaded movie could not be written" in out
    assert "1 attached" in out and "1 failed" in out
    assert not PreviewFile.objects.filter(task=shot_task).exists()
    assert not Comment.objects.filter(object_id=shot_task.pk).exists()
    picture = PreviewFile.objects.get(task=task)
    assert picture.status == "ready", picture.broken_reason
