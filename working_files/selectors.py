"""Reads of working files.

Listings are querysets: the API turns their `.values()` rows into Zou's shape without DRF's
serializers, since a task with 1,000 revisions is common
(docs/decisions/listing-serialization.md)."""

from collections.abc import Iterator
from uuid import UUID

from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Max, Q, QuerySet

from kitsufiles.downloads import remote_file, stored_length
from kitsufiles.last_rows import last_of_each_group
from kitsufiles.lookups import parse_id
from kitsufiles.stores import inventory
from production import permissions
from production.models import Entity, Project, Task
from working_files.models import WorkingFile

STORAGE_ALIAS = "files"
# A revision line of a task: its rows of one name. Its newest row first.
LINE = ("name",)
NEWEST_OF_LINE = ("-revision", "-created_at", "-pk")


def with_task() -> QuerySet[WorkingFile]:
    """Working files with what their task's access rules and paths read."""
    relations = (f"task__{relation}" for relation in permissions.TASK_RELATIONS)
    return WorkingFile.objects.select_related(*relations)


def for_download() -> QuerySet[WorkingFile]:
    """Working files with only what the content route's access check reads of their task (its
    project's and entity's ids): `opened_content` reads the columns the answer needs, under
    the row's lock (docs/decisions/media-delivery.md)."""
    return WorkingFile.objects.select_related("task").only("task__project", "task__entity")


def next_revision(task: Task, name: str) -> int:
    """1 + the highest revision of the task's `name` line, or 1 for a new line."""
    last = WorkingFile.objects.filter(task=task, name=name).aggregate(last=Max("revision"))
    return (last["last"] or 0) + 1


def revisions_of_task(task: Task) -> QuerySet[WorkingFile]:
    return WorkingFile.objects.filter(task=task, revision__gte=0).order_by("-revision", "name")


def last_revisions_of_task(task: Task) -> QuerySet[WorkingFile]:
    """For each name of the task, its highest revision, by name. As in Zou, a row without a
    name is in no line and one without a revision is never the highest; of two rows at the
    same revision (another entity's, made through the CRUD) the later created is the last.

    Read through the `working_file_line_idx` index, in a time that grows with the number of
    names, not of revisions (kitsufiles/last_rows.py)."""
    revisions = WorkingFile.objects.filter(task=task, revision__isnull=False)
    last = last_of_each_group(revisions, group_by=LINE, newest_first=NEWEST_OF_LINE)
    return last.order_by("name")


def revisions_of_entity(
    entity: Entity, *, task_id: object = None, name: str | None = None
) -> QuerySet[WorkingFile]:
    """The entity's revisions, newest first, narrowed to a task and a name when given. A
    malformed task id is NotFound; an unknown one just matches nothing."""
    queryset = WorkingFile.objects.filter(entity=entity, revision__gte=0)
    if task_id:
        queryset = queryset.filter(task_id=parse_id(task_id))
    if name:
        queryset = queryset.filter(name=name)
    return queryset.order_by("-revision", "name")


def to_verify(project: Project | None = None) -> QuerySet[WorkingFile]:
    """The working files whose stored content verify_checksums re-hashes: all of them, or
    those of one project (by their task's project, or their entity's for a row without a
    task), in a stable order so that two runs list their findings alike."""
    queryset = WorkingFile.objects.all()
    if project is not None:
        queryset = queryset.filter(Q(task__project=project) | Q(entity__project=project))
    return queryset.order_by("created_at", "pk")


def content_key(working_file: WorkingFile) -> str:
    """Where the content is stored: sharded so no folder holds millions of files."""
    file_id = str(working_file.pk)
    return f"working/{file_id[:3]}/{file_id[3:6]}/{file_id}"


def open_content(working_file: WorkingFile) -> File:
    return storages[STORAGE_ALIAS].open(content_key(working_file), "rb")


def opened_content(
    working_file: WorkingFile, *, streamed: bool = True
) -> tuple[File, WorkingFile] | None:
    """The stored content, opened, with the row as it describes those bytes; None when there
    is no content (absent or empty: Zou answers 404 for both).

    Opened under the row's lock: an upload replaces the bytes and records them under that
    lock (`services.store_content`), so the handle and the checksum read here are both from
    before it or both from after it. The handle keeps reading the bytes it opened even if
    they are replaced afterwards (on an object store: the GET started under the lock, when the
    caller is to send the whole content, `streamed`; a range is read by a GET of its own)."""
    with transaction.atomic():
        # The lock and the columns the answer reads, in one statement (records.lock_row's
        # lock, as store_content takes it).
        row = (
            WorkingFile.objects.select_for_update()
            .filter(pk=working_file.pk)
            .values("size", "checksum", "updated_at")
            .first()
        )
        if row is None:  # deleted meanwhile
            return None
        try:
            handle = open_content(working_file)
        except FileNotFoundError:
            return None
        length = stored_length(handle)
        remote = remote_file(handle)
        if streamed and length and remote is not None:
            # An object store's file reads on demand: its GET starts here, under the lock, so
            # that the bytes a whole download sends are those the row describes even if an
            # upload replaces them next (a GET in flight keeps reading its version).
            remote.start()
    for name, value in row.items():
        setattr(working_file, name, value)
    if length == 0:
        handle.close()
        return None
    return handle, working_file


# ---------------------------------------------------------------------------------------------
# Stored content against rows (prune_storage, kitsufiles/stores/inventory.py)

CONTENT_FOLDER = "working"  # content_key's folder: files bucket, keys `working-<id>`


def ids_with_content_row(ids: list[UUID]) -> list[UUID]:
    """Which of these working-file ids still have their row (their content is referenced)."""
    return list(WorkingFile.objects.filter(pk__in=ids).values_list("pk", flat=True))


def rows_needing_content(batch: int) -> Iterator[list[inventory.Expected]]:
    """Working files that recorded an upload (size > 0) and so must have stored content, a
    page at a time."""
    rows = WorkingFile.objects.filter(size__gt=0).only("pk")
    for page in inventory.in_pages(rows, batch):
        yield [
            inventory.Expected(STORAGE_ALIAS, f"working file {row.pk}", ((content_key(row),),))
            for row in page
        ]
