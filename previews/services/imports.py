"""import_previews: attach a folder of movies and pictures to tasks by their file names
(docs/batch-imports.md#import_previews).

Each file is read with a name pattern (previews/name_patterns.py) into an entity (a shot or an
asset of the project, a shot optionally qualified by its sequence and episode), a task type and
optionally a revision. The file then goes where the API's add-preview and upload routes put a
preview: a comment on the task, an empty slot on it (slots.add_preview_slot), the bytes
streamed from disk into the slot's upload sink in chunks, and `uploads.receive_media`, which
stores them and queues the processing job once the transaction commits.

A file is recognised as already attached when the task has a preview with the same original
name (the file name without its extension, which receive_media records) and, when the pattern
has `{revision}`, the same revision. The name, not the bytes, because the name is what the
pattern reads the file's place from (two files of one name are one version of one shot), and
because hashing every movie of a folder again on each run would read terabytes to skip them.
A file re-exported under the same name is therefore skipped: delete its preview, or give the
new file a new revision.
"""

import hashlib
import logging
import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from kitsufiles.errors import DomainError
from kitsufiles.stores.objects import UploadSink
from kitsufiles.uploads import UPLOAD_CHUNK_SIZE, HashedUploadedFile, abort_quietly
from previews import errors, selectors, storage
from previews.models import PreviewFile
from previews.name_patterns import NamePattern, PatternError, parse_pattern
from previews.services import slots, uploads
from production import services as production_services
from production.models import Entity, EntityTypeNames, Person, Project, Task, TaskStatus

logger = logging.getLogger(__name__)

IMPORTED_KINDS = ("picture", "movie")
# The column that keeps a preview's file name (PreviewFile.original_name).
ORIGINAL_NAME_LENGTH = PreviewFile._meta.get_field("original_name").max_length or 250


def checked_pattern(text: str) -> NamePattern:
    try:
        return parse_pattern(text)
    except PatternError as error:
        raise errors.BadNamePattern(str(error)) from None


def checked_folder(folder: str | Path) -> Path:
    path = Path(folder)
    if not path.is_dir():
        raise errors.FolderNotFound(str(folder))
    return path


def checked_task_status(named: str | None) -> TaskStatus | None:
    if not named:
        return None
    status = selectors.task_status_named(named)
    if status is None:
        raise errors.UnknownTaskStatus(named)
    return status


def checked_author(email: str | None) -> Person:
    author = selectors.active_person(email)
    if author is None:
        raise errors.NoImportAuthor(email)
    return author


def media_files(folder: Path) -> list[Path]:
    """The files under `folder` (its subfolders too), hidden ones left out, in name order."""
    found: list[Path] = []
    for root, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        found.extend(Path(root) / name for name in sorted(files) if not name.startswith("."))
    return found


# ---------------------------------------------------------------------------------------------
# What the names may point at


@dataclass
class Catalogue:
    """The project's shots, assets, task types, tasks and already attached previews, read
    once. Names are compared in any case (a file system's names and Kitsu's often differ in
    case only); two entities that differ only in case make a name ambiguous."""

    # name → (entity, its sequence's name, its episode's name); assets have neither.
    entities: dict[str, list[tuple[Entity, str | None, str | None]]]
    task_types: dict[str, list[str]]  # name or short name → task type ids
    tasks: dict[tuple[str, str], Task]  # (entity id, task type id) → task
    attached: set[tuple[str, str, int | None]]  # (task id, original name, revision)

    @classmethod
    def of(cls, project: Project) -> "Catalogue":
        entities: dict[str, list[tuple[Entity, str | None, str | None]]] = defaultdict(list)
        for entity in selectors.import_entities(project):
            sequence = episode = None
            if entity.entity_type.name == EntityTypeNames.SHOT and entity.parent is not None:
                sequence = entity.parent.name
                if entity.parent.parent is not None:
                    episode = entity.parent.parent.name
            entities[entity.name.lower()].append((entity, sequence, episode))
        task_types: dict[str, list[str]] = defaultdict(list)
        for task_type in selectors.import_task_types():
            names = {task_type.name.lower(), (task_type.short_name or "").lower()} - {""}
            for name in names:
                task_types[name].append(str(task_type.pk))
        tasks = {
            (str(task.entity_id), str(task.task_type_id)): task
            for task in selectors.import_tasks(project)
        }
        attached: set[tuple[str, str, int | None]] = set()
        for preview in selectors.imported_previews(project):
            name = (preview.original_name or "").lower()
            attached.add((str(preview.task_id), name, preview.revision))
            attached.add((str(preview.task_id), name, None))
        return cls(dict(entities), dict(task_types), tasks, attached)

    def tasks_for(self, reading: dict[str, str]) -> tuple[list[Task], list[str]]:
        """The tasks one reading of a name points at, and why it points at none."""
        named = reading["entity"]
        entities = [
            entity
            for entity, sequence, episode in self.entities.get(named.lower(), [])
            if _same(reading.get("sequence"), sequence) and _same(reading.get("episode"), episode)
        ]
        if not entities:
            where = ", ".join(
                f"{key} {reading[key]!r}" for key in ("episode", "sequence") if key in reading
            )
            return [], [f"no shot or asset {named!r}" + (f" in {where}" if where else "")]
        type_ids = self.task_types.get(reading["task_type"].lower(), [])
        if not type_ids:
            return [], [f"no task type {reading['task_type']!r}"]
        tasks = [
            self.tasks[(str(entity.pk), type_id)]
            for entity in entities
            for type_id in type_ids
            if (str(entity.pk), type_id) in self.tasks
        ]
        if not tasks:
            return [], [f"{named!r} has no {reading['task_type']!r} task"]
        return tasks, []


def _same(read: str | None, actual: str | None) -> bool:
    """A qualifier the pattern does not have matches anything; one it has must be the
    entity's (a shot outside any sequence, or an asset, has none to match)."""
    return read is None or (actual is not None and read.lower() == actual.lower())


# ---------------------------------------------------------------------------------------------
# One file


@dataclass
class Placed:
    """What one file of the folder comes to."""

    path: Path
    outcome: str  # attach, attached, already, unmatched, ambiguous, conflict, failed
    reason: str = ""
    task: Task | None = None
    revision: int | None = None
    preview: PreviewFile | None = None

    @property
    def original_name(self) -> str:
        return uploads.split_file_name(self.path.name)[0]


@dataclass
class ImportReport:
    placed: list[Placed] = field(default_factory=list)

    def of(self, outcome: str) -> list[Placed]:
        return [item for item in self.placed if item.outcome == outcome]


def place(path: Path, pattern: NamePattern, catalogue: Catalogue) -> Placed:
    """The task (and revision) a file goes to, or why it goes nowhere. Writes nothing."""
    if uploads.media_kind(uploads.split_file_name(path.name)[1]) not in IMPORTED_KINDS:
        return Placed(path, "unmatched", "not a picture or a movie")
    if len(uploads.split_file_name(path.name)[0]) > ORIGINAL_NAME_LENGTH:
        return Placed(
            path, "unmatched", f"a name longer than {ORIGINAL_NAME_LENGTH} characters: rename it"
        )
    readings = pattern.readings(path.name)
    if not readings:
        return Placed(path, "unmatched", f"does not match the pattern {pattern.text}")
    found: dict[tuple[str, int | None], Placed] = {}
    reasons: list[str] = []
    for reading in readings:
        tasks, why = catalogue.tasks_for(reading)
        reasons += [reason for reason in why if reason not in reasons]
        revision = int(reading["revision"]) if "revision" in reading else None
        for task in tasks:
            found[(str(task.pk), revision)] = Placed(path, "attach", task=task, revision=revision)
    if not found:
        return Placed(path, "unmatched", "; ".join(reasons))
    if len(found) > 1:
        choices = "; ".join(
            f"{item.task.entity.name} / {item.task.task_type.name}"
            for item in found.values()
            if item.task is not None
        )
        return Placed(path, "ambiguous", f"reads as several tasks: {choices}")
    return next(iter(found.values()))


# ---------------------------------------------------------------------------------------------
# The run


def import_previews(
    *,
    project: Project,
    files: list[Path],
    pattern: NamePattern,
    author: Person,
    task_status: TaskStatus | None = None,
    dry_run: bool = False,
) -> Iterator[Placed]:
    """Place and (unless `dry_run`) attach each of `files`, yielding what each came to as it
    goes (the command's progress). Each file is attached in a transaction of its own: a file
    that fails leaves nothing of itself, and the files before it stay attached."""
    catalogue = Catalogue.of(project)
    # What the files of this run took: (task, revision) and (task, original name). A second
    # file for either (`SH010_anim_v001.mov` beside `SH010_anim_v001.png`) is reported, not
    # attached on top of the first, and --dry-run reports it alike.
    claimed: dict[tuple[str, object], Path] = {}
    for path in files:
        placed = place(path, pattern, catalogue)
        if placed.outcome == "attach" and placed.task is not None:
            task_id, name = str(placed.task.pk), placed.original_name.lower()
            keys: list[tuple[str, object]] = [(task_id, name)]
            if placed.revision is not None:
                keys.append((task_id, placed.revision))
            taken_by = next((claimed[key] for key in keys if key in claimed), None)
            if (task_id, name, placed.revision) in catalogue.attached:
                placed.outcome, placed.reason = "already", "already attached"
            elif taken_by is not None:
                placed.outcome = "ambiguous"
                placed.reason = f"{taken_by.name} of this run goes to the same preview"
            elif placed.revision is not None and _revision_taken(placed.task, placed.revision):
                placed.outcome = "conflict"
                placed.reason = f"revision {placed.revision} holds another preview"
            else:
                claimed.update((key, path) for key in keys)
                if not dry_run:
                    _attach(placed, author, task_status)
        yield placed


def _revision_taken(task: Task, revision: int) -> bool:
    return selectors.revision_taken(task.pk, revision)


def _attach(placed: Placed, author: Person, task_status: TaskStatus | None) -> None:
    assert placed.task is not None
    try:
        placed.preview = attach_file(
            task=placed.task,
            path=placed.path,
            revision=placed.revision,
            author=author,
            task_status=task_status,
        )
        placed.outcome = "attached"
    except DomainError as error:  # a refusal of this file: the next ones go on
        placed.outcome, placed.reason = "failed", error.message or error.kind.value
    except OSError as error:  # unreadable file
        placed.outcome, placed.reason = "failed", str(error)


def attach_file(
    *,
    task: Task,
    path: Path,
    revision: int | None,
    author: Person,
    task_status: TaskStatus | None,
) -> PreviewFile:
    """A comment on `task` with the file at `path` as its preview, all or nothing: the
    comment (setting `task_status`, or keeping the task's), the slot, the bytes streamed into
    the slot's upload sink, and the processing job queued when the transaction commits. If
    the transaction fails after the bytes were stored, they are deleted."""
    stored: list[storage.Media] = []
    try:
        with transaction.atomic():
            comment = production_services.create_comment(
                task=task,
                task_status=task_status or task.task_status,
                author=author,
                text=f"Preview imported from {path.name}",
            )
            slot = slots.add_preview_slot(
                task=task, comment=comment, author=author, revision=revision
            )
            upload = _streamed(path, uploads.upload_sink(slot.pk, path.name))
            try:
                preview = uploads.receive_media(preview=slot, upload=upload)
            except BaseException:
                upload.discard()
                raise
            stored.extend(storage.media_of(slot.pk, preview.extension))
    except BaseException:
        for item in stored:
            storage.delete(item)
        raise
    return preview


def _streamed(path: Path, sink: UploadSink) -> HashedUploadedFile:
    """The file's bytes written into `sink` in chunks (never the whole file in memory), with
    their size and sha256, as an upload received from a client."""
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(UPLOAD_CHUNK_SIZE):
                sink.write(chunk)
                digest.update(chunk)
                size += len(chunk)
    except BaseException:
        abort_quietly(sink)
        raise
    return HashedUploadedFile(sink, path.name, None, size, None, digest.hexdigest())
