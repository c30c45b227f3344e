"""Writes of working files: new revisions (race-free), comments, content."""

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from file_trees import services as file_tree_services
from file_trees.inputs import PathOptions
from kitsufiles import digests, records
from kitsufiles.errors import DataConflict
from kitsufiles.stores import aliases
from kitsufiles.stores.objects import StoreUnavailable, UploadSink
from kitsufiles.uploads import UPLOAD_CHUNK_SIZE, ReceivedContent
from production.errors import check_same_project
from production.models import Entity, Person, Software, Task
from working_files import selectors
from working_files.errors import WorkingFileExists
from working_files.models import WorkingFile

logger = logging.getLogger(__name__)

# The software a new working file is made with when none is given (Zou's default).
DEFAULT_SOFTWARE = {"name": "Blender", "short_name": "blender", "file_extension": ".blend"}
# The software the path route renders with when none is given and a template names one (Zou's
# route default; its services fall back to `3dsmax`, file_trees.services.FALLBACK_SOFTWARE).
PATH_ROUTE_SOFTWARE = {"name": "3ds Max", "short_name": "max", "file_extension": ".max"}


def _revision_or_next(task: Task, name: str, revision: int) -> int:
    """Revision 0 means the next revision of the task's `name` line."""
    return revision or selectors.next_revision(task, name)


def working_file_path(*, task: Task, options: PathOptions) -> file_tree_services.PathParts:
    """Where a working file of the task goes, without creating it."""
    return file_tree_services.working_file_path(
        task=task,
        software=options.software,
        name=options.name,
        revision=_revision_or_next(task, options.name, options.revision),
        mode=options.mode,
        sep=options.sep,
        software_default=PATH_ROUTE_SOFTWARE,
    )


@transaction.atomic
def create_working_file(
    *,
    task: Task,
    name: str,
    author: Person,
    caller: Person,
    software: Software | None = None,
    comment: str = "",
    revision: int = 0,
    mode: str = "working",
    sep: str = "/",
) -> WorkingFile:
    """A new revision of the task's `name` line; revision 0 takes the next one.

    The task row is locked for the transaction, so concurrent calls for the same task take
    consecutive numbers instead of colliding; the unique constraint backs the rule up. As in
    Zou the caller gets assigned to the task, but here only if the revision is created
    (docs/compatibility.md#working-files).
    """
    records.lock_row(Task, task.pk)
    if software is None:
        software, _ = Software.objects.get_or_create(
            name=DEFAULT_SOFTWARE["name"], defaults=DEFAULT_SOFTWARE
        )
    revision = _revision_or_next(task, name, revision)
    # The folder keeps `/` (Zou): only the joint between folder and file name takes `sep`.
    folder, file_name = file_tree_services.working_file_path(
        task=task, software=software, name=name, revision=revision, mode=mode
    )
    values = {
        "name": name,
        "comment": comment,
        "revision": revision,
        "path": f"{folder}{sep}{file_name}",
        "task": task,
        "entity": task.entity,
        "person": author,
        "software": software,
    }
    try:
        # No savepoint: a refused insert rolls the whole creation back.
        working_file = records.insert_record(WorkingFile, values)
    except (IntegrityError, DataConflict):
        raise WorkingFileExists() from None
    task.assignees.add(caller)
    return working_file


def _check_links(task: Task | None, entity: Entity | None) -> None:
    """A working file's entity is a row of its task's project: the listings of a project's
    working files go by their entity, so one pointing elsewhere would be shown to another
    production's team."""
    if task is not None:
        check_same_project(entity, task.project_id, "entity")


@transaction.atomic
def create_working_file_record(*, values: dict[str, Any], person: Person) -> WorkingFile:
    """The generic CRUD creation (admins): the row as sent, its links in one production."""
    _check_links(values.get("task"), values.get("entity"))
    return records.create_record(WorkingFile, values)


@transaction.atomic
def update_working_file(
    *, instance: WorkingFile, values: dict[str, Any], person: Person
) -> WorkingFile:
    """The generic CRUD update, by the same rule as its creation when it changes the task or
    the entity."""
    if values.keys() & {"task", "entity"}:
        _check_links(values.get("task", instance.task), values.get("entity", instance.entity))
    return records.update_record(instance, values)


@transaction.atomic
def set_comment(*, working_file: WorkingFile, comment: str) -> WorkingFile:
    working_file.comment = comment
    working_file.save(update_fields=["comment", "updated_at"])
    return working_file


@transaction.atomic
def mark_modified(*, working_file: WorkingFile) -> WorkingFile:
    working_file.save(update_fields=["updated_at"])
    return working_file


def content_sink(working_file: WorkingFile, *, direct: bool = True) -> UploadSink:
    """Where an upload of the content goes while it arrives: a temporary file beside the
    stored content on local storage (committing it is a rename: docs/decisions/
    upload-chunk-size.md), else straight to its key on the object store (a multipart upload
    that committing completes: docs/decisions/object-storage.md). Not `direct`: staged in the
    store (for a part that is not the content, which is never committed)."""
    key = selectors.content_key(working_file) if direct else None
    return aliases.sink_for(selectors.STORAGE_ALIAS, key)


@transaction.atomic
def store_content(
    *, working_file: WorkingFile, upload: ReceivedContent, expected_sha256: str | None = None
) -> WorkingFile:
    """Replace the content with a finished upload and record its size and checksum (Zou
    records neither: docs/compatibility.md#working-files).

    `expected_sha256` (hex) is the whole file's sha256 the client stated: bytes that do not
    have it are refused (ChecksumMismatch) before anything is committed, so the previous
    content stays and the caller aborts the upload's sink (docs/compatibility.md#upload-
    integrity).

    Both happen under the row's lock, in the transaction that records them: of two uploads
    at once, one commits its bytes and records them, then the other does, so the row always
    describes the bytes in storage (and a download, which opens them under the same lock,
    gets a checksum matching what it sends). If the commit fails (the store is down:
    StoreUnavailable, 503) the record is rolled back and the previous content stays; if the
    database commit fails after it, the bytes are a whole upload whose row still holds the
    previous values, which a download never serves as its length. The new bytes take the old
    ones' place in one step (a rename, or an object store's commit), so an interrupted upload
    (which never gets here; its sink is aborted) leaves the previous content whole."""
    digests.verify_sha256(expected=expected_sha256, received=upload.sha256)
    records.lock_row(WorkingFile, working_file.pk)
    upload.commit(selectors.content_key(working_file))
    WorkingFile.objects.filter(pk=working_file.pk).update(
        size=upload.size, checksum=upload.sha256, updated_at=timezone.now()
    )
    working_file.refresh_from_db()
    return working_file


# ---------------------------------------------------------------------------------------------
# Deletion


def delete_working_file(*, person: Person, instance: WorkingFile, force: bool = False) -> None:
    """Delete the row, then its stored content once the deletion has committed
    (docs/compatibility.md#working-files).

    The content goes only after the commit: a deletion that rolls back (an output still made
    from the file, a later failure in the same transaction) keeps a row whose bytes are
    still there."""
    key = selectors.content_key(instance)
    with transaction.atomic():
        records.delete_record(instance)
        transaction.on_commit(lambda: remove_content(key))


def remove_content(key: str) -> None:
    """Remove stored content; content that is already gone (never uploaded) is no error, and
    neither is a store that is down (the row is gone already: the object is left for
    prune_storage, docs/decisions/object-storage.md)."""
    storage = storages[selectors.STORAGE_ALIAS]
    try:
        storage.delete(key)
    except FileNotFoundError:  # some object stores say so; the local one does not
        return
    except StoreUnavailable as error:
        logger.warning("The content %s was not removed: %s", key, error)


# ---------------------------------------------------------------------------------------------
# Checksums against the stored content (the admin's action; the verify_checksums command)


@dataclass
class ChecksumReport:
    """What re-hashing some working files found, by row: `unchanged` (the row describes its
    bytes), `fixed` (size or checksum differed and were rewritten), `missing` (the row records
    content, but none is stored), `no_content` (nothing recorded, nothing stored: a row that
    only names a path on the studio's disk), `changed` (an upload replaced the content while
    it was hashed: left as that upload recorded it), `unavailable` (the store did not answer),
    and without `fix`, `mismatched` (size or checksum differ, left as they are)."""

    unchanged: list[WorkingFile] = field(default_factory=list)
    fixed: list[WorkingFile] = field(default_factory=list)
    mismatched: list[WorkingFile] = field(default_factory=list)
    missing: list[WorkingFile] = field(default_factory=list)
    no_content: list[WorkingFile] = field(default_factory=list)
    changed: list[WorkingFile] = field(default_factory=list)
    unavailable: list[WorkingFile] = field(default_factory=list)

    @property
    def checked(self) -> int:
        return sum(
            len(rows)
            for rows in (
                self.unchanged,
                self.fixed,
                self.mismatched,
                self.missing,
                self.no_content,
                self.changed,
                self.unavailable,
            )
        )


def _hash(handle: Any) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(UPLOAD_CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def recompute_checksum(
    working_file: WorkingFile, report: ChecksumReport, *, fix: bool = True
) -> None:
    """Re-hash one working file's stored content through the storage API (local disk or an
    object store alike) and record its size and sha256 where the row says otherwise (without
    `fix`: only report the row as `mismatched`).

    The content is opened under the row's lock, as a download opens it
    (`selectors.opened_content`), but hashed outside it: a long read must not hold up an
    upload. The row is then written only if it is still the one the bytes were opened with
    (same `updated_at`); otherwise an upload recorded newer bytes meanwhile, and it is left."""
    recorded = (working_file.size, working_file.checksum)
    try:
        opened = selectors.opened_content(working_file)
        if opened is None:
            has_record = bool(working_file.size) or bool(working_file.checksum)
            (report.missing if has_record else report.no_content).append(working_file)
            return
        handle, current = opened
        opened_at = current.updated_at
        with handle:
            size, checksum = _hash(handle)
    except StoreUnavailable as error:
        logger.warning("The content of working file %s was not read: %s", working_file.pk, error)
        report.unavailable.append(working_file)
        return
    if (current.size, current.checksum) == (size, checksum):
        report.unchanged.append(working_file)
        return
    if not fix:
        report.mismatched.append(working_file)
        return
    updated = WorkingFile.objects.filter(pk=working_file.pk, updated_at=opened_at).update(
        size=size, checksum=checksum, updated_at=timezone.now()
    )
    if not updated:
        report.changed.append(working_file)
        return
    logger.info(
        "Working file %s: recorded size/checksum %s, stored content %s",
        working_file.pk,
        recorded,
        (size, checksum),
    )
    working_file.refresh_from_db(fields=["size", "checksum", "updated_at"])
    report.fixed.append(working_file)


def recompute_checksums(
    working_files: Iterable[WorkingFile],
    *,
    fix: bool = True,
    on_checked: Callable[[WorkingFile], None] | None = None,
) -> ChecksumReport:
    """`recompute_checksum` for each of `working_files`, one after the other (each row in a
    transaction of its own: a long run commits what it fixed as it goes). `on_checked` is
    called after each row (a command's progress bar). A queryset is read in chunks
    (`.iterator()`) rather than cached whole; the report still holds every row it lists."""
    report = ChecksumReport()
    rows = working_files.iterator() if isinstance(working_files, QuerySet) else working_files
    for working_file in rows:
        recompute_checksum(working_file, report, fix=fix)
        if on_checked is not None:
            on_checked(working_file)
    return report
