"""The import_tree command in working mode (issue 19): files laid out by the project's tree
become working file revisions with their size and sha256, once; what cannot be placed is listed
with why; --upload stores the content through the upload route's service."""

import hashlib
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError

from production.models import Project
from tests.working_files.import_tree import build_production, run, sha256, summary, write
from working_files import selectors
from working_files.models import WorkingFile

SHOT = "big_buck_bunny/shots/sq01/sh010"
ASSET = "big_buck_bunny/assets/character/bunny"
FILES = {
    f"{SHOT}/animation/blender/big_buck_bunny_sq01_sh010_animation_main_v001.blend": b"anim 1",
    f"{SHOT}/animation/blender/big_buck_bunny_sq01_sh010_animation_main_v002.blend": b"anim 2",
    f"{SHOT}/animation/blender/big_buck_bunny_sq01_sh010_animation_blocking_v001.blend": b"bk",
    f"{SHOT}/layout/blender/big_buck_bunny_sq01_sh010_layout_main_v003.blend": b"layout",
    f"{ASSET}/modeling/blender/big_buck_bunny_character_bunny_modeling_main_v001.blend": b"m",
}
UNPLACEABLE = {
    "notes.txt": "a file at the root",
    "big_buck_bunny/random/readme.txt": "no template matches",
    "big_buck_bunny/shots/sq01/sh999/animation/blender/x_v001.blend": "no Shot named 'sh999'",
    f"{SHOT}/lighting/blender/bbb_lighting_v001.blend": "no 'lighting' task",
    f"{SHOT}/animation/blender/wrong_name.blend": "does not match the tree's file name",
    f"{SHOT}/animation/maya/bbb_animation_main_v001.ma": "no software named 'maya'",
}
AMBIGUOUS = (
    "big_buck_bunny/shots/sq01/sh020/animation/blender/"
    "big_buck_bunny_sq01_sh020_animation_main_v001.blend"
)


@pytest.fixture
def production(admin):
    return build_production(admin)


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "productions"
    for relative, content in {**FILES, **dict.fromkeys(UNPLACEABLE, b"?"), AMBIGUOUS: b"a"}.items():
        write(root, relative, content)
    return root


def revisions() -> set[tuple[str, str, int, int, str]]:
    return set(
        WorkingFile.objects.values_list(
            "task__task_type__name", "name", "revision", "size", "checksum"
        )
    )


EXPECTED = {
    ("Animation", "main", 1, 6, sha256(b"anim 1")),
    ("Animation", "main", 2, 6, sha256(b"anim 2")),
    ("Animation", "blocking", 1, 2, sha256(b"bk")),
    ("Layout", "main", 3, 6, sha256(b"layout")),
    ("Modeling", "main", 1, 1, sha256(b"m")),
}


def test_creates_the_revisions_the_files_hold(production, tree):
    output = run(tree)

    assert revisions() == EXPECTED
    row = WorkingFile.objects.get(task=production.layout)
    assert row.entity_id == production.layout.entity_id
    assert row.software.name == "Blender"
    assert row.path == (
        f"/simple/productions/{SHOT}/layout/blender/big_buck_bunny_sq01_sh010_layout_main_v003"
    )
    counts = summary(output)
    assert counts["files seen"] == len(FILES) + len(UNPLACEABLE) + 1
    assert counts["placed"] == counts["revisions created"] == len(FILES)
    assert counts["unplaceable"] == len(UNPLACEABLE)
    assert counts["ambiguous"] == 1
    assert (
        counts["skipped as existing"] == counts["conflicts (existing revision, other content)"] == 0
    )


def test_lists_each_file_it_cannot_place_with_why(production, tree):
    findings = {
        line.split(": ")[1]: line
        for line in run(tree).splitlines()
        if line.startswith(("unplaceable: ", "ambiguous: "))
    }

    assert set(findings) == {*UNPLACEABLE, AMBIGUOUS}
    for relative, why in UNPLACEABLE.items():
        assert findings[relative].startswith("unplaceable: ") and why in findings[relative]
    assert findings[AMBIGUOUS].startswith("ambiguous: ")
    assert "several such tasks" in findings[AMBIGUOUS]
    # Nothing was guessed for the ambiguous shot.
    assert not WorkingFile.objects.filter(entity__name="SH020").exists()


def test_a_second_run_changes_nothing_and_says_so(production, tree):
    run(tree)
    before = set(WorkingFile.objects.values_list("pk", "updated_at"))

    output = run(tree)

    assert set(WorkingFile.objects.values_list("pk", "updated_at")) == before
    counts = summary(output)
    assert counts["revisions created"] == 0
    assert counts["skipped as existing"] == len(FILES)
    assert "nothing new" in output


def test_a_revision_with_other_content_is_a_conflict_left_alone(production, tree):
    run(tree)
    changed = next(iter(FILES))
    (tree / changed).write_bytes(b"changed since")

    output = run(tree)

    assert revisions() == EXPECTED
    assert f"conflict: {changed}: revision 1 of 'main' exists with other content" in output
    assert summary(output)["conflicts (existing revision, other content)"] == 1


def test_two_files_of_one_revision_are_a_conflict(production, tree):
    first = next(iter(FILES))
    shutil.copy(tree / first, tree / first.replace(".blend", ".blend1"))

    output = run(tree)

    assert summary(output)["conflicts (existing revision, other content)"] == 1
    assert (
        WorkingFile.objects.filter(task=production.animation, name="main", revision=1).count() == 1
    )


def test_dry_run_writes_nothing_and_tells_what_it_would_do(production, tree):
    output = run(tree, "--dry-run")

    assert not WorkingFile.objects.exists()
    assert "Dry run: nothing was written" in output
    assert summary(output)["revisions created"] == len(FILES)
    assert "ambiguous: " in output


def test_small_batches_give_the_same_result(production, tree):
    output = run(tree, "--batch-size", "2")

    assert revisions() == EXPECTED
    assert summary(output)["revisions created"] == len(FILES)


@pytest.mark.parametrize("content_backend", ["local", "s3", "swift"], indirect=True)
def test_upload_stores_each_content(content_backend, production, tree):
    output = run(tree, "--upload")

    assert summary(output)["contents uploaded"] == len(FILES)
    for working_file in WorkingFile.objects.all():
        stored = content_backend.read(selectors.STORAGE_ALIAS, selectors.content_key(working_file))
        assert stored is not None
        assert hashlib.sha256(stored).hexdigest() == working_file.checksum
        assert len(stored) == working_file.size


def test_upload_after_a_run_without_stores_the_missing_content(production, tree):
    run(tree)

    output = run(tree, "--upload")

    counts = summary(output)
    assert counts["revisions created"] == 0
    assert counts["contents uploaded"] == len(FILES)
    row = WorkingFile.objects.get(task=production.layout)
    with selectors.open_content(row) as handle:
        assert handle.read() == b"layout"
    assert "contents uploaded" not in run(tree, "--upload")  # all stored: nothing to do


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("/no/such/folder", "--project", "Big Buck Bunny"), "is not a folder"),
        (("{root}", "--project", "No Such Show"), "No Such Show"),
        (("{root}", "--project", "Big Buck Bunny", "--mode", "output", "--upload"), "--upload"),
    ],
)
def test_bad_input_is_refused(production, tmp_path, arguments, message):
    from django.core.management import call_command

    arguments = tuple(argument.format(root=tmp_path) for argument in arguments)
    with pytest.raises(CommandError, match=message):
        call_command("import_tree", *arguments, "--no-progress")
    assert not WorkingFile.objects.exists()


def test_a_project_without_a_tree_is_refused(production, tree):
    Project.objects.filter(pk=production.project.pk).update(file_tree=None)

    with pytest.raises(CommandError, match="no file tree"):
        run(tree)


def test_bad_input_exits_non_zero(production, tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "import_tree", str(tmp_path / "missing"), "--project", "x"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode != 0
    assert "is not a folder" in result.stderr
