"""Bring a production's breakdown in from a spreadsheet: episodes, sequences, shots, assets and
their tasks, from Kitsu's CSV export columns or a JSON list (docs/batch-imports.md, section
import_production).

Three steps, so that a bad line never leaves half a file written:

1. `read_production_file` reads the file into `SourceRow`s (one per line or JSON item, with its
   line number), refusing a file it cannot read at all (`BadProductionFile`) and noting the
   problems of single lines (a bad number, a missing name).
2. `plan_import` matches every row with the project's existing rows by name (a few queries for
   the whole project, not one per row), resolves asset types, task types and statuses, and
   works out what each row would create or change. Every problem of every line is collected
   and raised together (`BadProductionLines`) before anything is written.
3. `write_import` writes the plan in one transaction through the services that create
   entities and tasks (`production.services`), so the rules on names, parents and project
   membership stay in one place.

A second run of the same file plans nothing but "unchanged" rows: the import is idempotent.
"""

import codecs
import csv
import itertools
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.db import transaction

from production import services
from production.errors import BadProductionFile, BadProductionLines
from production.models import (
    Entity,
    EntityType,
    EntityTypeNames,
    Person,
    Project,
    Task,
    TaskStatus,
    TaskType,
    parse_frame_rate,
)

KINDS = ("episode", "sequence", "shot", "asset")
ENTITY_TYPE_OF_KIND = {
    "episode": EntityTypeNames.EPISODE,
    "sequence": EntityTypeNames.SEQUENCE,
    "shot": EntityTypeNames.SHOT,
}
# The `for_entity` of the task types a kind's tasks take (Zou's TaskType.for_entity).
TASK_TYPE_ENTITY = {"episode": "Episode", "sequence": "Sequence", "shot": "Shot", "asset": "Asset"}
TASK_NAME = "main"  # the name Kitsu gives the tasks it creates for an entity
NAME_LENGTH = Entity._meta.get_field("name").max_length or 160

# CSV headers, compared without case or surrounding spaces (docs/batch-imports.md).
CSV_FIELDS = {
    "episode": "episode",
    "sequence": "sequence",
    "name": "name",
    "description": "description",
    "nb frames": "nb_frames",
    "frames": "nb_frames",
    "nb_frames": "nb_frames",
    "frame in": "frame_in",
    "frame out": "frame_out",
    "fps": "fps",
    "type": "type",
}
# Columns of Kitsu's exports that carry nothing this import writes: skipped.
CSV_IGNORED = {"project", "id", "time spent", "estimation", "ready for", "thumbnail"}
CSV_IGNORED_SUFFIXES = (" assignations", " comment", " comments")

JSON_KEYS = {
    "kind",
    "name",
    "episode",
    "sequence",
    "type",
    "description",
    "nb_frames",
    "frame_in",
    "frame_out",
    "fps",
    "data",
    "tasks",
}

Progress = Callable[[], None]


def _nothing() -> None:
    pass


# ---------------------------------------------------------------------------------------------
# 1. Reading


@dataclass
class SourceRow:
    """One entity the file describes, as read (names, not rows yet)."""

    line: int
    kind: str
    name: str
    episode: str | None = None
    sequence: str | None = None
    asset_type: str | None = None
    description: str | None = None
    nb_frames: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # Task type name → status name (None: the default status for a new task).
    tasks: dict[str, str | None] = field(default_factory=dict)


@dataclass
class SourceFile:
    rows: list[SourceRow]
    problems: list[tuple[int, str]]


def read_production_file(
    path: Path, *, file_format: str | None = None, on_row: Progress = _nothing
) -> SourceFile:
    """The rows of a CSV or JSON production file (by `file_format`, else by its extension:
    `.json` is JSON, anything else CSV). `on_row` is called after each row read."""
    file_format = file_format or ("json" if path.suffix.lower() == ".json" else "csv")
    if file_format == "json":
        return _read_json(path, on_row)
    return _read_csv(path, on_row)


class _LineProblem(Exception):
    """A problem of one line while it is read (kept, reading goes on)."""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _integer(value: Any, what: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    # Digits only: int() would also take "1_000" and other spellings no spreadsheet means.
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]+", value.strip()):
        return int(value.strip())
    raise _LineProblem(f"{what} should be a whole number, not {value!r}")


def _frame_rate(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _LineProblem(f"FPS should be a number or a ratio such as 24000/1001, not {value!r}")
    text = str(value).strip()
    try:
        parse_frame_rate(text)
    except (ValueError, ZeroDivisionError):
        raise _LineProblem(
            f"FPS should be a number or a ratio such as 24000/1001, not {value!r}"
        ) from None
    return text


def _frames(row: SourceRow, nb_frames: Any, frame_in: Any, frame_out: Any, fps: Any) -> None:
    """Set the frame fields of `row`: nb_frames a column, frame in/out and fps in `data`
    (where Kitsu keeps them). Without a frame count, frame in and out give it (inclusive)."""
    row.nb_frames = _integer(nb_frames, "Nb Frames")
    if row.nb_frames is not None and row.nb_frames < 0:
        raise _LineProblem(f"Nb Frames cannot be negative ({row.nb_frames})")
    first = _integer(frame_in, "Frame In")
    last = _integer(frame_out, "Frame Out")
    if first is not None and last is not None:
        if last < first:
            raise _LineProblem(f"Frame Out ({last}) is before Frame In ({first})")
        if row.nb_frames is None:
            row.nb_frames = last - first + 1
    if first is not None:
        row.data["frame_in"] = first
    if last is not None:
        row.data["frame_out"] = last
    rate = _frame_rate(fps)
    if rate is not None:
        row.data["fps"] = rate


def _check_names(row: SourceRow) -> None:
    if not row.name:
        raise _LineProblem("the name is missing")
    for what, name in (
        ("name", row.name),
        ("episode", row.episode),
        ("sequence", row.sequence),
    ):
        if name is not None and len(name) > NAME_LENGTH:
            raise _LineProblem(f"the {what} is longer than {NAME_LENGTH} characters")
    if row.kind == "shot" and not row.sequence:
        raise _LineProblem(f"the shot {row.name!r} has no sequence")
    if row.kind == "asset" and not row.asset_type:
        raise _LineProblem(f"the asset {row.name!r} has no type")


def _read_csv(path: Path, on_row: Progress) -> SourceFile:
    rows: list[SourceRow] = []
    problems: list[tuple[int, str]] = []
    with path.open("rb") as stream:
        lines = _decoded_lines(stream)
        first_line = next(lines, "")
        if not first_line.strip():
            if any(line.strip() for line in lines):
                raise BadProductionFile("the first line is blank: the header goes there", line=1)
            raise BadProductionFile("it is empty (a header line is expected first)")
        # Kitsu writes commas; spreadsheets set to some locales write semicolons.
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        reader = csv.reader(itertools.chain([first_line], lines), delimiter=delimiter, strict=True)
        try:
            header = next(reader)
            columns = _csv_columns(header)
            kind = "asset" if "type" in columns.values() else "shot"
            last_line = reader.line_num
            for cells in reader:
                line = last_line + 1
                last_line = reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue  # blank lines, as spreadsheets leave at the end
                if len(cells) > len(header):
                    problems.append((line, f"{len(cells)} cells for {len(header)} columns"))
                    continue
                try:
                    rows.append(_csv_row(line, kind, columns, cells))
                except _LineProblem as problem:
                    problems.append((line, str(problem)))
                on_row()
        except csv.Error as error:
            raise BadProductionFile(f"malformed CSV ({error})", line=reader.line_num) from None
    if not rows and not problems:
        raise BadProductionFile("it has a header but no rows")
    return SourceFile(rows, problems)


def _decoded_lines(stream: BinaryIO) -> Iterator[str]:
    """The file's lines as text, decoded one by one so that a byte that is not UTF-8 is
    reported on its own line (a UTF-8 sequence never holds a newline byte). The byte-order
    mark spreadsheets often write first is dropped."""
    for number, raw in enumerate(stream, start=1):
        try:
            yield (raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw).decode("utf-8")
        except UnicodeDecodeError:
            raise BadProductionFile("it is not UTF-8 text", line=number) from None


def _csv_columns(header: list[str]) -> dict[int, str]:
    """Column index → field name, or "task:<task type name>" for a task type's column."""
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        key = title.strip().lower()
        if not key or key in CSV_IGNORED or key.endswith(CSV_IGNORED_SUFFIXES):
            continue
        name = CSV_FIELDS.get(key, f"task:{title.strip()}")
        if name in columns.values():
            raise BadProductionFile(f"the column {title.strip()!r} appears twice", line=1)
        columns[index] = name
    named = set(columns.values())
    if "name" not in named:
        raise BadProductionFile("the header has no Name column", line=1)
    if "type" in named and "sequence" in named:
        raise BadProductionFile(
            "the header has both Type (an asset file) and Sequence (a shot file) columns: "
            "import assets and shots from two files",
            line=1,
        )
    if "type" not in named and "sequence" not in named:
        raise BadProductionFile(
            "the header has neither a Type column (an asset file) nor a Sequence column "
            "(a shot file)",
            line=1,
        )
    return columns


def _csv_row(line: int, kind: str, columns: dict[int, str], cells: list[str]) -> SourceRow:
    values: dict[str, str] = {}
    tasks: dict[str, str | None] = {}
    for index, name in columns.items():
        cell = cells[index].strip() if index < len(cells) else ""
        if name.startswith("task:"):
            if cell:
                tasks[name.removeprefix("task:")] = cell
        else:
            values[name] = cell
    row = SourceRow(
        line=line,
        kind=kind,
        name=values.get("name", ""),
        episode=values.get("episode") or None,
        sequence=values.get("sequence") or None,
        asset_type=values.get("type") or None,
        description=values.get("description") or None,
        tasks=tasks,
    )
    _check_names(row)
    _frames(
        row,
        values.get("nb_frames"),
        values.get("frame_in"),
        values.get("frame_out"),
        values.get("fps"),
    )
    return row


def _read_json(path: Path, on_row: Progress) -> SourceFile:
    raw = path.read_bytes()  # JSON is parsed whole: a production file is a spreadsheet's size
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise BadProductionFile("it is not UTF-8 text", line=line) from None
    if not text.strip():
        raise BadProductionFile("it is empty (a JSON list of objects is expected)")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadProductionFile(f"malformed JSON ({error.msg})", line=error.lineno) from None
    if not isinstance(document, list):
        raise BadProductionFile("a JSON list of objects is expected", line=1)
    if not document:
        raise BadProductionFile("the JSON list is empty")
    rows: list[SourceRow] = []
    problems: list[tuple[int, str]] = []
    for line, item in zip(_item_lines(text), document, strict=True):
        try:
            rows.append(_json_row(line, item))
        except _LineProblem as problem:
            problems.append((line, str(problem)))
        on_row()
    return SourceFile(rows, problems)


def _item_lines(text: str) -> Iterator[int]:
    """The line on which each item of a (valid) top-level JSON list starts."""
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    line = text.count("\n", 0, position) + 1
    length = len(text)
    while True:
        while position < length and text[position] in " \t\r\n,":
            if text[position] == "\n":
                line += 1
            position += 1
        if position >= length or text[position] == "]":
            return
        yield line
        _, end = decoder.raw_decode(text, position)
        line += text.count("\n", position, end)
        position = end


def _json_row(line: int, item: Any) -> SourceRow:
    if not isinstance(item, dict):
        raise _LineProblem("each item should be a JSON object")
    unknown = sorted(set(item) - JSON_KEYS)
    if unknown:
        raise _LineProblem(f"unknown key{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")
    kind = item.get("kind")
    if kind not in KINDS:
        raise _LineProblem(f"kind should be one of {', '.join(KINDS)}, not {kind!r}")
    for key in ("name", "episode", "sequence", "type", "description"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise _LineProblem(f"{key} should be a string")
    row = SourceRow(
        line=line,
        kind=kind,
        name=_text(item.get("name")) or "",
        episode=_text(item.get("episode")),
        sequence=_text(item.get("sequence")),
        asset_type=_text(item.get("type")),
        description=_text(item.get("description")),
    )
    _check_names(row)
    if kind in ("episode", "sequence") and row.sequence:
        raise _LineProblem(f"an {kind} has no sequence")
    if kind == "episode" and row.episode:
        raise _LineProblem("an episode has no parent episode")
    if kind != "asset" and row.asset_type:
        raise _LineProblem(f"a {kind} has no type (only assets do)")
    data = item.get("data")
    if data is not None:
        if not isinstance(data, dict):
            raise _LineProblem("data should be a JSON object")
        row.data.update(data)
    _frames(
        row, item.get("nb_frames"), item.get("frame_in"), item.get("frame_out"), item.get("fps")
    )
    row.tasks = _json_tasks(item.get("tasks"))
    return row


def _json_tasks(tasks: Any) -> dict[str, str | None]:
    """`["Modeling", "Rigging"]` or `{"Modeling": "wip", "Rigging": null}`."""
    if tasks is None:
        return {}
    if isinstance(tasks, list) and all(isinstance(name, str) for name in tasks):
        return {name.strip(): None for name in tasks if name.strip()}
    if isinstance(tasks, dict) and all(
        isinstance(status, str) or status is None for status in tasks.values()
    ):
        return {name.strip(): (_text(status)) for name, status in tasks.items() if name.strip()}
    raise _LineProblem(
        "tasks should be a list of task type names, or an object of task type name → status"
    )


# ---------------------------------------------------------------------------------------------
# 2. Planning


CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass(eq=False)
class PlannedEntity:
    kind: str
    name: str
    line: int
    entity_type: EntityType
    parent: "PlannedEntity | None" = None  # a sequence's episode, a shot's sequence
    episode: "PlannedEntity | None" = None  # an asset's episode (its `source`)
    existing: Entity | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    explicit_line: int | None = None  # the line that describes it (not only names it)
    written: Entity | None = None

    @property
    def action(self) -> str:
        if self.existing is None:
            return CREATED
        return UPDATED if self.changes else UNCHANGED

    @property
    def row(self) -> Entity:
        row = self.written or self.existing
        assert row is not None, "parents are written before their children"
        return row


@dataclass(eq=False)
class PlannedTask:
    entity: PlannedEntity
    task_type: TaskType
    task_status: TaskStatus | None  # None on an existing task: left as it is
    existing_id: Any = None

    @property
    def action(self) -> str:
        if self.existing_id is None:
            return CREATED
        return UPDATED if self.task_status is not None else UNCHANGED


@dataclass
class ImportPlan:
    project: Project
    entities: list[PlannedEntity]
    tasks: list[PlannedTask]

    def counts(self) -> dict[str, Counter[str]]:
        """Kind (episode, sequence, shot, asset, task) → created/updated/unchanged counts."""
        counts: dict[str, Counter[str]] = {kind: Counter() for kind in (*KINDS, "task")}
        for entity in self.entities:
            counts[entity.kind][entity.action] += 1
        for task in self.tasks:
            counts["task"][task.action] += 1
        return counts

    @property
    def writes(self) -> int:
        """How many rows the plan creates or changes (0: the project matches the file)."""
        steps = [entity.action for entity in self.entities] + [task.action for task in self.tasks]
        return sum(action != UNCHANGED for action in steps)


class _References:
    """The reference rows a file names (asset types, task types, statuses), read once."""

    def __init__(self) -> None:
        self.entity_types = {row.name.lower(): row for row in EntityType.objects.all()}
        self.task_types: dict[tuple[str, str], list[TaskType]] = {}
        for task_type in TaskType.objects.all():
            key = (task_type.name.lower(), task_type.for_entity.lower())
            self.task_types.setdefault(key, []).append(task_type)
        self.statuses: dict[str, TaskStatus] = {}
        for status in TaskStatus.objects.all():
            self.statuses.setdefault(status.name.lower(), status)
            self.statuses.setdefault(status.short_name.lower(), status)
        self.default_status = TaskStatus.objects.filter(is_default=True).first()

    def temporal_type(self, kind: str) -> EntityType:
        name = ENTITY_TYPE_OF_KIND[kind]
        found = self.entity_types.get(name.lower())
        if found is None:
            # A database before init_data: no row of this kind exists yet. Planning writes
            # nothing (a dry run stays one): the type is made when the first entity is
            # written (services.create_temporal_entity makes it by name).
            found = self.entity_types[name.lower()] = EntityType(name=name)
        return found

    def asset_type(self, name: str) -> EntityType:
        found = self.entity_types.get(name.lower())
        if found is None or not found.is_asset_type:
            raise _LineProblem(f"unknown asset type {name!r}")
        return found

    def task_type(self, name: str, kind: str) -> TaskType:
        found = self.task_types.get((name.lower(), TASK_TYPE_ENTITY[kind].lower()), [])
        if not found:
            raise _LineProblem(f"unknown task type {name!r} for a {kind}")
        if len(found) > 1:
            raise _LineProblem(
                f"several task types are named {name!r} for a {kind} (in different "
                "departments): rename one"
            )
        return found[0]

    def status(self, name: str | None) -> TaskStatus:
        if name is None:
            if self.default_status is None:
                raise _LineProblem("no task status is the default: name one for the task")
            return self.default_status
        found = self.statuses.get(name.lower())
        if found is None:
            raise _LineProblem(f"unknown task status {name!r}")
        return found


class _Planner:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.references = _References()
        existing = Entity.objects.filter(project=project).select_related("entity_type")
        # (entity type id, parent id, name) → row; assets are matched by (type, name).
        self.existing: dict[tuple[Any, Any, str], Entity] = {}
        for entity in existing.order_by("created_at"):
            parent = None if entity.entity_type.is_asset_type else entity.parent_id
            self.existing.setdefault((entity.entity_type_id, parent, entity.name), entity)
        self.existing_tasks: dict[tuple[Any, Any], tuple[Any, Any]] = {}
        task_rows = Task.objects.filter(project=project).order_by("created_at")
        for task_id, entity_id, type_id, status_id in task_rows.values_list(
            "id", "entity_id", "task_type_id", "task_status_id"
        ):
            self.existing_tasks.setdefault((entity_id, type_id), (task_id, status_id))
        self.nodes: dict[tuple[Any, ...], PlannedEntity] = {}
        self.tasks: dict[tuple[int, Any], PlannedTask] = {}

    def node(
        self,
        kind: str,
        name: str,
        line: int,
        *,
        parent: PlannedEntity | None = None,
        entity_type: EntityType | None = None,
    ) -> PlannedEntity:
        """The planned entity of this kind and name (under `parent`), made on first mention."""
        entity_type = entity_type or self.references.temporal_type(kind)
        key = (kind, entity_type.pk, id(parent) if parent else None, name)
        found = self.nodes.get(key)
        if found is None:
            existing = None
            if parent is None or parent.existing is not None:
                parent_id = parent.existing.pk if parent and parent.existing else None
                existing = self.existing.get((entity_type.pk, parent_id, name))
            found = self.nodes[key] = PlannedEntity(
                kind=kind,
                name=name,
                line=line,
                entity_type=entity_type,
                parent=parent,
                existing=existing,
            )
        return found

    def add(self, row: SourceRow) -> None:
        episode = self.node("episode", row.episode, row.line) if row.episode else None
        if row.kind == "episode":
            target = self.node("episode", row.name, row.line)
        elif row.kind == "sequence":
            target = self.node("sequence", row.name, row.line, parent=episode)
        elif row.kind == "shot":
            assert row.sequence is not None  # checked when read
            sequence = self.node("sequence", row.sequence, row.line, parent=episode)
            target = self.node("shot", row.name, row.line, parent=sequence)
        else:
            assert row.asset_type is not None  # checked when read
            asset_type = self.references.asset_type(row.asset_type)
            target = self.node("asset", row.name, row.line, entity_type=asset_type)
            target.episode = episode
        if target.explicit_line is not None:
            raise _LineProblem(
                f"the {row.kind} {row.name!r} is already on line {target.explicit_line}"
            )
        target.explicit_line = row.line
        target.line = row.line
        self._changes(target, row)
        for type_name, status_name in row.tasks.items():
            self._task(target, type_name, status_name)

    def _changes(self, target: PlannedEntity, row: SourceRow) -> None:
        """What the row sets: on a new entity everything it gives, on an existing one only
        what differs (a value the file leaves empty keeps the stored one)."""
        wanted: dict[str, Any] = {}
        if row.description is not None:
            wanted["description"] = row.description
        if row.nb_frames is not None:
            wanted["nb_frames"] = row.nb_frames
        existing = target.existing
        if row.data:
            stored = (existing.data or {}) if existing is not None else {}
            wanted["data"] = {**stored, **row.data}
        if existing is None:
            target.changes = wanted
            return
        target.changes = {
            key: value for key, value in wanted.items() if getattr(existing, key) != value
        }
        if target.episode is not None:
            episode_id = target.episode.existing.pk if target.episode.existing else None
            if episode_id is None or existing.source_id != episode_id:
                target.changes["source"] = target.episode

    def _task(self, target: PlannedEntity, type_name: str, status_name: str | None) -> None:
        task_type = self.references.task_type(type_name, target.kind)
        key = (id(target), task_type.pk)
        if key in self.tasks:
            return
        existing = (
            self.existing_tasks.get((target.existing.pk, task_type.pk))
            if target.existing is not None
            else None
        )
        if existing is None:
            status: TaskStatus | None = self.references.status(status_name)
            self.tasks[key] = PlannedTask(target, task_type, status)
            return
        task_id, status_id = existing
        status = None
        if status_name is not None:
            wanted = self.references.status(status_name)
            status = wanted if wanted.pk != status_id else None
        self.tasks[key] = PlannedTask(target, task_type, status, existing_id=task_id)


def plan_import(project: Project, source: SourceFile, *, on_row: Progress = _nothing) -> ImportPlan:
    """Match every row of `source` with the project's rows and work out what to write.
    Raises BadProductionLines, naming every bad line, when any line cannot be honoured."""
    planner = _Planner(project)
    problems = list(source.problems)
    for row in source.rows:
        try:
            planner.add(row)
        except _LineProblem as problem:
            problems.append((row.line, str(problem)))
        on_row()
    if problems:
        raise BadProductionLines(problems)
    return ImportPlan(project, list(planner.nodes.values()), list(planner.tasks.values()))


# ---------------------------------------------------------------------------------------------
# 3. Writing


@transaction.atomic
def write_import(
    plan: ImportPlan, *, created_by: Person | None = None, on_write: Progress = _nothing
) -> None:
    """Write the plan in one transaction: all of it or nothing. Entities come in the order
    they were first named, so parents are written before their children."""
    project = plan.project
    for node in plan.entities:
        if node.action == CREATED:
            node.written = _create(node, project, created_by)
            on_write()
        elif node.action == UPDATED:
            values = dict(node.changes)
            if "source" in values:
                values["source"] = node.episode.row if node.episode else None
            node.written = services.update_entity(instance=node.row, values=values)
            on_write()
    for task in plan.tasks:
        if task.action == CREATED:
            services.create_task(
                values={
                    "name": TASK_NAME,
                    "project": project,
                    "entity": task.entity.row,
                    "task_type": task.task_type,
                    "task_status": task.task_status,
                }
            )
            on_write()
        elif task.action == UPDATED:
            services.update_task(
                instance=Task.objects.get(pk=task.existing_id),
                values={"task_status": task.task_status},
            )
            on_write()


def _create(node: PlannedEntity, project: Project, created_by: Person | None) -> Entity:
    changes = node.changes
    if node.kind == "asset":
        return services.create_asset(
            project=project,
            asset_type=node.entity_type,
            name=node.name,
            created_by=created_by,
            description=changes.get("description"),
            data=changes.get("data"),
            episode=node.episode.row if node.episode else None,
        )
    return services.create_temporal_entity(
        kind=node.entity_type.name,
        project=project,
        name=node.name,
        created_by=created_by,
        parent=node.parent.row if node.parent else None,
        description=changes.get("description"),
        data=changes.get("data"),
        nb_frames=changes.get("nb_frames"),
    )


def import_production(
    project: Project,
    path: Path,
    *,
    dry_run: bool = False,
    file_format: str | None = None,
    created_by: Person | None = None,
) -> ImportPlan:
    """Read, check and (unless `dry_run`) write a production file, without progress
    reports: what the command does, for callers that need no display."""
    plan = plan_import(project, read_production_file(path, file_format=file_format))
    if not dry_run:
        write_import(plan, created_by=created_by)
    return plan


def describe_counts(plan: ImportPlan) -> list[str]:
    """One line per kind the file touches: 'shots: 3 created, 1 updated, 2 unchanged'."""
    lines = []
    plural = {
        "episode": "episodes",
        "sequence": "sequences",
        "shot": "shots",
        "asset": "assets",
        "task": "tasks",
    }
    for kind, counts in plan.counts().items():
        if not counts:
            continue
        parts: Iterable[str] = (
            f"{counts[action]} {action}" for action in (CREATED, UPDATED, UNCHANGED)
        )
        lines.append(f"{plural[kind]}: {', '.join(parts)}")
    return lines
