"""The import_tree command in output mode (issue 19): files laid out by the tree's output
section become output file revisions of their entity, output type and task type, once."""

import pytest

from output_files.models import OutputFile
from tests.working_files.import_tree import build_production, run, sha256, summary, write

SHOT = "big_buck_bunny/shots/sq01/sh010"
NAME = "big_buck_bunny_sq01_sh010"
FILES = {
    f"{SHOT}/animation/geometry/{NAME}_animation_geometry_main_v001.abc": b"cache 1",
    f"{SHOT}/animation/geometry/{NAME}_animation_geometry_main_v002.abc": b"cache 22",
    f"{SHOT}/layout/geometry/{NAME}_layout_geometry_camera_v001.abc": b"camera",
}
UNPLACEABLE = {
    f"{SHOT}/animation/textures/{NAME}_animation_textures_main_v001.png": "no OutputType",
    f"{SHOT}/animation/geometry/{NAME}_animation_geometry_main.abc": "does not match",
}


@pytest.fixture
def production(admin):
    return build_production(admin)


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "export"
    for relative, content in {**FILES, **dict.fromkeys(UNPLACEABLE, b"?")}.items():
        write(root, relative, content)
    return root


def outputs() -> set[tuple[str, str, str, int, str, int, str]]:
    return set(
        OutputFile.objects.values_list(
            "entity__name",
            "task_type__name",
            "output_type__name",
            "revision",
            "name",
            "size",
            "checksum",
        )
    )


EXPECTED = {
    ("SH010", "Animation", "Geometry", 1, "main", 7, sha256(b"cache 1")),
    ("SH010", "Animation", "Geometry", 2, "main", 8, sha256(b"cache 22")),
    ("SH010", "Layout", "Geometry", 1, "camera", 6, sha256(b"camera")),
}


def test_creates_the_output_revisions_the_files_hold(production, tree):
    output = run(tree, "--mode", "output")

    assert outputs() == EXPECTED
    row = OutputFile.objects.get(name="camera")
    assert row.extension == ".abc"
    folder = f"/simple/productions/export/{SHOT}/layout/geometry"
    assert row.path == f"{folder}/{NAME}_layout_geometry_camera_v001.abc"
    assert row.file_status.name  # the default status, as a publish gives it
    assert row.asset_instance is None and row.temporal_entity is None
    for relative, why in UNPLACEABLE.items():
        assert f"unplaceable: {relative}: " in output
        assert why in next(line for line in output.splitlines() if relative in line)
    counts = summary(output)
    assert counts["revisions created"] == len(FILES)
    assert counts["unplaceable"] == len(UNPLACEABLE)


def test_a_second_run_creates_nothing(production, tree):
    run(tree, "--mode", "output")
    before = set(OutputFile.objects.values_list("pk", "updated_at"))

    output = run(tree, "--mode", "output")

    assert set(OutputFile.objects.values_list("pk", "updated_at")) == before
    assert summary(output)["skipped as existing"] == len(FILES)
    assert summary(output)["revisions created"] == 0


def test_dry_run_writes_nothing(production, tree):
    output = run(tree, "--mode", "output", "--dry-run")

    assert not OutputFile.objects.exists()
    assert summary(output)["revisions created"] == len(FILES)


def test_working_files_in_an_output_root_are_not_placed(production, tmp_path):
    working = "big_buck_bunny/shots/sq01/sh010/animation/blender/x_main_v001.blend"
    write(tmp_path, working, b"w")

    output = run(tmp_path, "--mode", "output")

    assert f"unplaceable: {working}" in output
    assert not OutputFile.objects.exists()
