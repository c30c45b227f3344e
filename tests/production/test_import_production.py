"""import_production: a breakdown from Kitsu's CSV export columns or a JSON list, matched by
name with what the project has; idempotent, --dry-run writes nothing, a bad line is reported
with its number and nothing of the file is written (docs/batch-imports.md)."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from production import services
from production.models import Entity, EntityType, Task, TaskStatus

pytestmark = pytest.mark.django_db

SHOTS_CSV = (
    (
        "Project,Episode,Sequence,Name,Description,Nb Frames,Frame In,Frame Out,FPS,"
        "Layout,Animation,Animation Assignations\n"
    )
    + """\
Big Buck Bunny,E01,SQ01,SH010,Opening,,101,148,24,Todo,wip,someone@studio.test
Big Buck Bunny,E01,SQ01,SH020,,30,,,,,Done,
Big Buck Bunny,E01,SQ02,SH010,"Same name, other sequence",12,,,24000/1001,,,
Big Buck Bunny,E02,SQ01,SH010,,,,,,,,
"""
)

ASSETS_CSV = """\
type;name;description;modeling;RIGGING
Character;Bunny;The hero;Work In Progress;
Prop;Acorn;;todo;todo
"""


def run(path: Path, *args: str, project: str = "Big Buck Bunny") -> str:
    from io import StringIO

    out = StringIO()
    call_command(
        "import_production", str(path), "--project", project, "--no-progress", *args, stdout=out
    )
    return out.getvalue()


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def snapshot(project) -> tuple[list, list]:
    """Every column an import may touch, with the rows' last change time."""
    entities = list(
        Entity.objects.filter(project=project)
        .order_by("id")
        .values_list(
            "id",
            "name",
            "entity_type__name",
            "parent_id",
            "source_id",
            "description",
            "nb_frames",
            "data",
            "updated_at",
        )
    )
    tasks = list(
        Task.objects.filter(project=project)
        .order_by("id")
        .values_list("id", "entity_id", "task_type_id", "task_status_id", "name", "updated_at")
    )
    return entities, tasks


def entity(project, kind: str, name: str, parent: str | None = None) -> Entity:
    rows = Entity.objects.filter(project=project, entity_type__name=kind, name=name)
    if parent is not None:
        rows = rows.filter(parent__name=parent)
    return rows.get()


def task_statuses(row: Entity) -> dict[str, str]:
    return {
        task.task_type.name: task.task_status.short_name
        for task in row.tasks.select_related("task_type", "task_status")
    }


# ---------------------------------------------------------------------------------------------
# The happy paths


def test_a_shot_csv_creates_episodes_sequences_shots_and_tasks(project, tmp_path):
    out = run(write(tmp_path, "shots.csv", SHOTS_CSV))

    assert "Done:" in out
    assert "episodes: 2 created, 0 updated, 0 unchanged" in out
    assert "sequences: 3 created" in out
    assert "shots: 4 created" in out
    assert "tasks: 3 created" in out
    episodes = Entity.objects.filter(project=project, entity_type__name="Episode")
    assert sorted(episodes.values_list("name", flat=True)) == ["E01", "E02"]
    sq01 = Entity.objects.get(project=project, name="SQ01", parent__name="E01")
    opening = Entity.objects.get(project=project, name="SH010", parent=sq01)
    assert opening.description == "Opening"
    # No frame count: frame in and out give it (both inclusive).
    assert opening.nb_frames == 48
    assert opening.data == {"frame_in": 101, "frame_out": 148, "fps": "24"}
    assert task_statuses(opening) == {"Layout": "todo", "Animation": "wip"}
    assert opening.tasks.get(task_type__name="Layout").name == "main"
    sh020 = Entity.objects.get(project=project, name="SH020")
    assert (sh020.nb_frames, sh020.data, task_statuses(sh020)) == (30, {}, {"Animation": "done"})
    other = Entity.objects.get(project=project, name="SH010", parent__name="SQ02")
    assert other.description == "Same name, other sequence"
    assert other.data == {"fps": "24000/1001"}
    assert not other.tasks.exists()
    assert Entity.objects.filter(project=project, name="SH010", parent__parent__name="E02").exists()


def test_an_asset_csv_with_semicolons_and_any_case_headers(project, tmp_path):
    out = run(write(tmp_path, "assets.csv", ASSETS_CSV))

    assert "assets: 2 created" in out
    bunny = entity(project, "Character", "Bunny")
    assert bunny.description == "The hero"
    assert task_statuses(bunny) == {"Modeling": "wip"}
    acorn = entity(project, "Prop", "Acorn")
    assert task_statuses(acorn) == {"Modeling": "todo", "Rigging": "todo"}
    assert Task.objects.filter(project=project).count() == 3


def test_a_json_file_creates_every_kind(project, tmp_path):
    items = [
        {"kind": "episode", "name": "E01", "description": "Pilot"},
        {"kind": "sequence", "name": "SQ01", "episode": "E01"},
        {
            "kind": "shot",
            "name": "SH010",
            "episode": "E01",
            "sequence": "SQ01",
            "nb_frames": 24,
            "frame_in": 1,
            "fps": 25,
            "data": {"camera": "cam_A"},
            "tasks": {"Animation": "wfa", "Compositing": None},
        },
        {
            "kind": "asset",
            "name": "Bunny",
            "type": "character",
            "episode": "E01",
            "tasks": ["Modeling"],
        },
    ]
    out = run(write(tmp_path, "breakdown.json", json.dumps(items, indent=2)))

    assert "tasks: 3 created" in out
    pilot = entity(project, "Episode", "E01")
    assert pilot.description == "Pilot"
    sequence = entity(project, "Sequence", "SQ01")
    assert sequence.parent == pilot
    shot = entity(project, "Shot", "SH010")
    assert shot.parent == sequence
    assert shot.nb_frames == 24
    assert shot.data == {"camera": "cam_A", "frame_in": 1, "fps": "25"}
    assert task_statuses(shot) == {"Animation": "wfa", "Compositing": "todo"}
    bunny = entity(project, "Character", "Bunny")
    assert bunny.source == pilot
    assert task_statuses(bunny) == {"Modeling": "todo"}


def test_task_types_are_those_of_the_entity_kind(project, tmp_path):
    """Layout is a shot task type: a sequence's Layout column is a bad line, not a guess."""
    items = [{"kind": "sequence", "name": "SQ01", "tasks": ["Layout"]}]
    with pytest.raises(CommandError, match=r"line 1: unknown task type 'Layout' for a sequence"):
        run(write(tmp_path, "breakdown.json", json.dumps(items)))


# ---------------------------------------------------------------------------------------------
# Matching existing rows, idempotency, dry runs


def test_existing_rows_are_matched_by_name_and_updated(project, shot, sequence, admin, tmp_path):
    services.update_entity(instance=shot, values={"data": {"camera": "cam_B", "fps": "24"}})
    csv_text = (
        "Sequence,Name,Description,Nb Frames,FPS,Animation\nSQ01,SH010,Now described,96,25,retake\n"
    )
    out = run(write(tmp_path, "shots.csv", csv_text))

    assert "shots: 0 created, 1 updated, 0 unchanged" in out
    assert "sequences: 0 created, 0 updated, 1 unchanged" in out
    shot.refresh_from_db()
    assert shot.description == "Now described"
    assert shot.nb_frames == 96
    # The file's keys replace the stored ones; the others are kept.
    assert shot.data == {"camera": "cam_B", "fps": "25"}
    assert Entity.objects.filter(project=project).count() == 2
    assert task_statuses(shot) == {"Animation": "retake"}


def test_an_empty_cell_keeps_the_stored_value(project, shot, tmp_path):
    services.update_entity(instance=shot, values={"description": "Kept", "nb_frames": 10})
    out = run(write(tmp_path, "shots.csv", "Sequence,Name,Description,Nb Frames\nSQ01,SH010,,\n"))

    assert "Nothing to change" in out
    shot.refresh_from_db()
    assert (shot.description, shot.nb_frames) == ("Kept", 10)


def test_an_existing_task_gets_the_status_of_the_file(project, shot, tmp_path):
    path = write(tmp_path, "shots.csv", "Sequence,Name,Animation\nSQ01,SH010,wip\n")
    run(path)
    task = shot.tasks.get()
    assert task.task_status.short_name == "wip"

    write(tmp_path, "shots.csv", "Sequence,Name,Animation\nSQ01,SH010,Done\n")
    out = run(path)
    assert "tasks: 0 created, 1 updated, 0 unchanged" in out
    task.refresh_from_db()
    assert task.task_status.short_name == "done"
    assert shot.tasks.count() == 1


@pytest.mark.parametrize(
    ("name", "text"),
    [("shots.csv", SHOTS_CSV), ("assets.csv", ASSETS_CSV)],
)
def test_a_second_run_changes_nothing_and_says_so(project, tmp_path, name, text):
    path = write(tmp_path, name, text)
    run(path)
    before = snapshot(project)

    out = run(path)

    assert snapshot(project) == before
    assert "Nothing to change: Big Buck Bunny already matches" in out
    assert " 0 created, 0 updated" in out


def test_dry_run_writes_nothing_and_reports_what_it_would_do(project, shot, tmp_path):
    before = snapshot(project)
    out = run(write(tmp_path, "shots.csv", SHOTS_CSV), "--dry-run")

    assert snapshot(project) == before
    assert "Dry run: nothing was written. It would have:" in out
    assert "shots: 4 created" in out
    assert "episodes: 2 created" in out


def test_the_project_is_named_by_id_too(project, tmp_path):
    run(write(tmp_path, "assets.csv", ASSETS_CSV), project=str(project.pk))
    assert Entity.objects.filter(project=project).count() == 2


# ---------------------------------------------------------------------------------------------
# Bad lines: reported with their number, nothing of the file written


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Type,Name,Modeling\nCharacter,Bunny,todo\nVehicle,Car,todo\n",
            r"line 3: unknown asset type 'Vehicle'",
        ),
        ("Type,Name\nCharacter,Bunny\nCharacter,\n", r"line 3: the name is missing"),
        ("Sequence,Name\nSQ01,SH010\n,SH020\n", r"line 3: the shot 'SH020' has no sequence"),
        ("Sequence,Name,Nb Frames\nSQ01,SH010,12\nSQ01,SH020,twelve\n", r"line 3: Nb Frames"),
        ("Sequence,Name,FPS\nSQ01,SH010,24\nSQ01,SH020,0\n", r"line 3: FPS should be"),
        (
            "Sequence,Name,Frame In,Frame Out\nSQ01,SH010,1,2\nSQ01,SH020,10,5\n",
            r"line 3: Frame Out \(5\) is before Frame In \(10\)",
        ),
        (
            "Sequence,Name,Animation\nSQ01,SH010,todo\nSQ01,SH020,Sleeping\n",
            r"line 3: unknown task status 'Sleeping'",
        ),
        ("Sequence,Name,Juggling\nSQ01,SH010,todo\n", r"line 2: unknown task type 'Juggling'"),
        (
            "Sequence,Name\nSQ01,SH010\nSQ01,SH010\n",
            r"line 3: the shot 'SH010' is already on line 2",
        ),
        # A quoted cell over two lines: the next record starts on line 4.
        ('Sequence,Name,Description\nSQ01,SH010,"two\nlines"\nSQ01,,x\n', r"line 4: the name"),
        ("Sequence,Name\nSQ01,SH010\nSQ01,SH020,extra\n", r"line 3: 3 cells for 2 columns"),
    ],
)
def test_a_bad_line_is_reported_with_its_number_and_nothing_is_written(
    project, tmp_path, text, expected
):
    with pytest.raises(CommandError, match=expected) as raised:
        run(write(tmp_path, "file.csv", text))
    assert "nothing was written" in str(raised.value)
    assert not Entity.objects.filter(project=project).exists()
    assert not Task.objects.exists()


def test_every_bad_line_is_reported_at_once(project, tmp_path):
    text = "Type,Name\nVehicle,Car\nCharacter,\nCharacter,Bunny\nPlanet,Mars\n"
    with pytest.raises(CommandError) as raised:
        run(write(tmp_path, "assets.csv", text))
    message = str(raised.value)
    assert message.startswith("3 bad lines in the file, nothing was written:")
    assert "line 2:" in message and "line 3:" in message and "line 5:" in message
    assert "line 4" not in message


def test_a_bad_json_item_is_reported_with_the_line_it_starts_on(project, tmp_path):
    items = [
        {"kind": "asset", "name": "Bunny", "type": "Character"},
        {"kind": "shot", "name": "SH010"},
        {"kind": "asset", "name": "Acorn", "type": "Prop", "nb_frames": "many"},
        {"kind": "planet", "name": "Mars"},
        {"kind": "asset", "name": "Bunny", "type": "Character", "colour": "grey"},
    ]
    path = write(tmp_path, "breakdown.json", json.dumps(items, indent=2))
    lines = path.read_text().splitlines()
    starts = [number for number, text in enumerate(lines, 1) if text == "  {"]

    with pytest.raises(CommandError) as raised:
        run(path)
    message = str(raised.value)
    assert f"line {starts[1]}: the shot 'SH010' has no sequence" in message
    assert f"line {starts[2]}: Nb Frames should be a whole number" in message
    assert f"line {starts[3]}: kind should be one of" in message
    assert f"line {starts[4]}: unknown key: colour" in message
    assert f"line {starts[0]}:" not in message
    assert not Entity.objects.filter(project=project).exists()


def test_a_bad_line_leaves_existing_rows_as_they_were(project, shot, tmp_path):
    before = snapshot(project)
    text = "Sequence,Name,Description\nSQ01,SH010,Changed\nSQ01,SH020,x\n,SH030,\n"
    with pytest.raises(CommandError, match="line 4"):
        run(write(tmp_path, "shots.csv", text))
    assert snapshot(project) == before


# ---------------------------------------------------------------------------------------------
# Files and projects refused whole


def test_an_unknown_project_is_refused(project, tmp_path):
    with pytest.raises(CommandError, match="No project is named 'Elephants Dream'"):
        run(write(tmp_path, "assets.csv", ASSETS_CSV), project="Elephants Dream")
    assert not Entity.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "shots.csv",
            "Sequence,Name\nSQ01,SH\xe910\n".encode("latin-1"),
            r"\(line 2\): it is not UTF-8 text",
        ),
        ("shots.json", b'[{"kind": "episode",\n "name": "\xe9"}]', r"\(line 2\): it is not UTF-8"),
        ("shots.csv", b"", "it is empty"),
        ("shots.csv", b"\n\n", "it is empty"),
        ("shots.json", b"  \n", "it is empty"),
        ("shots.json", b"[]", "the JSON list is empty"),
        ("shots.csv", b"Sequence,Name\n", "it has a header but no rows"),
        ("shots.csv", b'Sequence,Name\nSQ01,"SH010\n', r"malformed CSV"),
        ("shots.csv", b'Sequence,Name\nSQ01,"SH0"10\n', r"\(line 2\): malformed CSV"),
        ("shots.csv", b"Sequence,Title\nSQ01,SH010\n", r"\(line 1\): the header has no Name"),
        ("shots.csv", b"Name,Description\nSH010,x\n", "neither a Type column"),
        ("shots.csv", b"Type,Sequence,Name\nProp,SQ01,x\n", "both Type"),
        ("shots.csv", b"Sequence,Name,Name\nSQ01,a,b\n", "appears twice"),
        (
            "shots.json",
            b'[\n{"kind": "episode", "name": "E01"},\n{"kind": }\n]',
            r"\(line 3\): malformed JSON",
        ),
        ("shots.json", b'{"kind": "episode", "name": "E01"}', "a JSON list of objects"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused(project, tmp_path, name, content, expected):
    with pytest.raises(CommandError, match=expected) as raised:
        run(write(tmp_path, name, content))
    assert "Nothing was written" in str(raised.value)
    assert not Entity.objects.filter(project=project).exists()


def test_a_missing_file_is_refused(project, tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        run(tmp_path / "nowhere.csv")


def test_the_format_option_overrides_the_extension(project, tmp_path):
    path = write(tmp_path, "export.txt", json.dumps([{"kind": "episode", "name": "E01"}]))
    run(path, "--format", "json")
    assert entity(project, "Episode", "E01")


def test_a_default_status_is_needed_only_for_a_task_without_one(project, tmp_path):
    TaskStatus.objects.filter(is_default=True).update(is_default=False)
    items = [{"kind": "asset", "name": "Bunny", "type": "Character", "tasks": ["Modeling"]}]
    with pytest.raises(CommandError, match="line 1: no task status is the default"):
        run(write(tmp_path, "a.json", json.dumps(items)))
    items[0]["tasks"] = {"Modeling": "wip"}
    run(write(tmp_path, "a.json", json.dumps(items)))
    assert EntityType.objects.get(name="Character").entities.get().tasks.count() == 1


# ---------------------------------------------------------------------------------------------
# Long files


def shot_lines(count: int) -> str:
    lines = ["Episode,Sequence,Name,Nb Frames,Animation"]
    lines += [f"E{n % 3},SQ{n % 7:02d},SH{n:05d},{n % 90 + 10},todo" for n in range(count)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("count", [10, 400])
def test_checking_a_file_reads_the_project_in_a_fixed_number_of_queries(
    project, shot, tmp_path, django_assert_max_num_queries, count
):
    """Matching by name reads the project's rows once, whatever the file's length; only
    the writes go row by row (through the services)."""
    from production import imports

    source = imports.read_production_file(write(tmp_path, "shots.csv", shot_lines(count)))
    with django_assert_max_num_queries(8):
        plan = imports.plan_import(project, source)
    assert plan.counts()["shot"]["created"] == count


def test_a_long_file_is_imported_then_found_unchanged(project, tmp_path):
    path = write(tmp_path, "shots.csv", shot_lines(500))
    out = run(path)
    assert "shots: 500 created" in out
    assert "tasks: 500 created" in out
    assert Entity.objects.filter(project=project, entity_type__name="Shot").count() == 500
    before = snapshot(project)
    assert "Nothing to change" in run(path)
    assert snapshot(project) == before


def test_a_dry_run_writes_no_entity_type_either(project, tmp_path):
    """Before init_data there is no Episode type: a dry run plans it without making it."""
    EntityType.objects.filter(name="Episode").delete()
    path = write(tmp_path, "e.json", json.dumps([{"kind": "episode", "name": "E01"}]))
    assert "episodes: 1 created" in run(path, "--dry-run")
    assert not EntityType.objects.filter(name="Episode").exists()
    run(path)
    assert entity(project, "Episode", "E01").entity_type.name == "Episode"


def test_bad_input_exits_non_zero_with_the_message(tmp_path):
    """What a shell sees: the message on stderr and a non-zero exit status (no database is
    reached for a missing file)."""
    import subprocess
    import sys

    manage = Path(__file__).resolve().parents[2] / "manage.py"
    result = subprocess.run(
        [
            sys.executable,
            str(manage),
            "import_production",
            str(tmp_path / "no.csv"),
            "--project",
            "Any",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "is not a file" in result.stderr
    assert "Traceback" not in result.stderr
