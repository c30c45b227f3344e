"""Importing a folder of a studio's files as revisions (the import_tree command): a walk that
places each file with the project's file tree (file_trees.placing), hashes it as a stream, and
hands the placed files, a batch at a time, to a writer that creates the missing revisions. This
module holds the walk and the working-file writer (with `--upload`, the content goes through
`services.store_content`, as the upload route stores it); output_files.imports holds the
output writer. Choices and measures: docs/decisions/import-tree.md.

Memory stays bounded whatever the number of files: the walk keeps a stack of folders still to
read (never a list of files), one batch of placed files (paths, sizes, checksums, not bytes),
and the answers of the folders being read.
"""

import hashlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.core.files.storage import storages
from django.db import IntegrityError, reset_queries, transaction

from file_trees.placing import FilePlace, FolderPlace, Placer, Unplaced
from kitsufiles.errors import ChecksumMismatch
from kitsufiles.stores.objects import StoreUnavailable, UploadSink
from kitsufiles.uploads import UPLOAD_CHUNK_SIZE, abort_quietly
from production.models import Software, Task
from working_files import selectors, services
from working_files.models import WorkingFile

BATCH_SIZE = 500  # placed files per database round (docs/decisions/import-tree.md)

# What the walk reports about one file, as it finds it (kind, path relative to ROOT, why).
Report = Callable[[str, str, str], None]
UNPLACEABLE, AMBIGUOUS, CONFLICT, UPLOAD_FAILED = "unplaceable", "ambiguous", "conflict", "upload"


@dataclass
class ImportCounts:
    """What an import did (with --dry-run: would have done)."""

    seen: int = 0
    placed: int = 0
    created: int = 0
    existing: int = 0
    conflicts: int = 0
    unplaceable: int = 0
    ambiguous: int = 0
    uploaded: int = 0
    upload_failures: int = 0

    def lines(self) -> list[str]:
        lines = [
            f"files seen: {self.seen}",
            f"placed: {self.placed}",
            f"revisions created: {self.created}",
            f"skipped as existing: {self.existing}",
            f"conflicts (existing revision, other content): {self.conflicts}",
            f"unplaceable: {self.unplaceable}",
            f"ambiguous: {self.ambiguous}",
        ]
        if self.uploaded or self.upload_failures:
            lines += [f"contents uploaded: {self.uploaded}"]
            lines += [f"uploads failed: {self.upload_failures}"]
        return lines


@dataclass(frozen=True)
class FoundFile:
    """A placed file: where it is, where the tree puts it, and what it holds."""

    path: str  # on this machine
    relative: str  # to ROOT, for the findings
    tree_path: str  # the tree's root + `relative`: the path recorded on the revision
    place: FilePlace
    size: int
    sha256: str

    @property
    def folder(self) -> FolderPlace:
        return self.place.folder


@dataclass
class Written:
    """What a writer did with a batch: rows created, rows that were there already with the
    same content (their ids), and the files refused, with why."""

    created: list[tuple[FoundFile, WorkingFile | None]] = field(default_factory=list)
    existing: list[tuple[FoundFile, object]] = field(default_factory=list)
    conflicts: list[tuple[FoundFile, str]] = field(default_factory=list)


def sort_out(
    batch: Sequence[FoundFile],
    existing: Mapping[Any, tuple[object, int | None, str | None]],
    key_of: Callable[[FoundFile], Any],
) -> tuple[Written, dict[Any, FoundFile]]:
    """A batch's files against the revisions that exist (`existing`: by revision key, the row's
    id, size and checksum): those already there with the same bytes, conflicts (other bytes, or
    two files of one revision), and the new ones to create, by key (the output files' writer
    too)."""
    written = Written()
    new: dict[Any, FoundFile] = {}
    for found in batch:
        key = key_of(found)
        label = f"revision {found.place.revision} of {found.place.name!r}"
        if key in existing:
            row_id, size, checksum = existing[key]
            if (size, checksum) == (found.size, found.sha256):
                written.existing.append((found, row_id))
            else:
                written.conflicts.append((found, f"{label} exists with other content"))
        elif key in new:
            written.conflicts.append((found, f"{label} is also {new[key].relative}"))
        else:
            new[key] = found
    return written, new


class Writer(Protocol):
    def write(self, batch: Sequence[FoundFile], *, dry_run: bool) -> Written: ...


def hash_file(path: str) -> tuple[int, str]:
    """Size and sha256 of a file, read in upload-sized chunks (never whole)."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(UPLOAD_CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def walk(root: Path) -> Iterator[tuple[tuple[str, ...], os.DirEntry[str] | None]]:
    """Each file under `root` with its folder's parts (relative to root), streamed from
    os.scandir; after a folder's last file, `(parts, None)`. Folders are read one at a time,
    depth first; links to folders are not followed (no loops, nothing outside ROOT)."""
    stack: list[tuple[str, tuple[str, ...]]] = [(str(root), ())]
    while stack:
        folder, parts = stack.pop()
        subfolders: list[tuple[str, tuple[str, ...]]] = []
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    subfolders.append((entry.path, (*parts, entry.name)))
                elif entry.is_file():
                    yield parts, entry
        yield parts, None
        stack.extend(sorted(subfolders, reverse=True))


def import_tree(
    root: Path,
    placer: Placer,
    writer: Writer,
    *,
    dry_run: bool = False,
    upload: bool = False,
    batch_size: int = BATCH_SIZE,
    report: Report,
    advance: Callable[[int], None] = lambda count: None,
) -> ImportCounts:
    """Place every file under `root`, and have `writer` create the missing revisions, a batch
    at a time; `report` hears of each file left out (unplaceable, ambiguous, conflict, failed
    upload) as it is found. With `upload` (working files), the content of each revision
    created, and of each one found without stored content, is stored."""
    counts = ImportCounts()
    batch: list[FoundFile] = []

    def flush() -> None:
        if batch:
            _flush(batch, writer, counts, dry_run=dry_run, upload=upload, report=report)
            advance(len(batch))
            batch.clear()
            # With DEBUG on, Django keeps the last 9,000 queries' SQL, a batch's insert of
            # 500 rows among them (docs/decisions/prune-storage.md does the same).
            reset_queries()

    for parts, entry in walk(root):
        if entry is None:
            placer.forget_folder(parts)
            continue
        counts.seen += 1
        relative = "/".join((*parts, entry.name))
        place = _place(placer, parts, entry.name)
        if isinstance(place, Unplaced):
            if place.ambiguous:
                counts.ambiguous += 1
                report(AMBIGUOUS, relative, place.reason)
            else:
                counts.unplaceable += 1
                report(UNPLACEABLE, relative, place.reason)
            advance(1)
            continue
        counts.placed += 1
        size, sha256 = hash_file(entry.path)
        batch.append(FoundFile(entry.path, relative, placer.root + relative, place, size, sha256))
        if len(batch) >= batch_size:
            flush()
    flush()
    return counts


def _place(placer: Placer, parts: tuple[str, ...], name: str) -> FilePlace | Unplaced:
    folder = placer.place_folder(parts)
    if isinstance(folder, Unplaced):
        return folder
    return placer.place_file(folder, name)


def _flush(
    batch: list[FoundFile],
    writer: Writer,
    counts: ImportCounts,
    *,
    dry_run: bool,
    upload: bool,
    report: Report,
) -> None:
    written = writer.write(batch, dry_run=dry_run)
    counts.created += len(written.created)
    counts.existing += len(written.existing)
    counts.conflicts += len(written.conflicts)
    for found, reason in written.conflicts:
        report(CONFLICT, found.relative, reason)
    if not upload or dry_run:
        return
    to_upload: list[tuple[FoundFile, WorkingFile]] = [
        (found, row) for found, row in written.created if row is not None
    ]
    to_upload += _without_content(written.existing)
    for found, working_file in to_upload:
        try:
            upload_file(working_file, found.path, expected_sha256=found.sha256)
        except (StoreUnavailable, ChecksumMismatch, OSError) as error:
            counts.upload_failures += 1
            why = getattr(error, "message", None) or str(error)
            report(UPLOAD_FAILED, found.relative, f"content not stored: {why}")
        else:
            counts.uploaded += 1


def _without_content(
    existing: list[tuple[FoundFile, object]],
) -> list[tuple[FoundFile, WorkingFile]]:
    """The existing rows (matching the files) whose content is not stored: a run without
    --upload, or an upload that failed, created them. One existence check per row, on
    --upload runs only."""
    rows = WorkingFile.objects.in_bulk([row_id for _, row_id in existing])
    storage = storages[selectors.STORAGE_ALIAS]
    return [
        (found, rows[row_id])
        for found, row_id in existing
        if row_id in rows and not storage.exists(selectors.content_key(rows[row_id]))
    ]


# ---------------------------------------------------------------------------------------------
# Content


@dataclass
class SinkContent:
    """A file written into a sink and hashed on the way: the ReceivedContent that
    `services.store_content` commits, as the upload route hands it a received part."""

    sink: UploadSink
    size: int
    sha256: str

    def commit(self, name: str) -> None:
        self.sink.commit(name)


def upload_file(working_file: WorkingFile, path: str, *, expected_sha256: str) -> WorkingFile:
    """Store the file at `path` as the working file's content, streamed into the sink the
    upload route uses (local storage, S3 or Swift alike). Bytes that are no longer those hashed
    when the row was created are refused (ChecksumMismatch), the sink aborted."""
    sink = services.content_sink(working_file)
    try:
        digest, size = hashlib.sha256(), 0
        with open(path, "rb") as handle:
            while chunk := handle.read(UPLOAD_CHUNK_SIZE):
                digest.update(chunk)
                size += len(chunk)
                sink.write(chunk)
        finish = getattr(sink, "finish", None)
        if finish is not None:
            finish()
        return services.store_content(
            working_file=working_file,
            upload=SinkContent(sink, size, digest.hexdigest()),
            expected_sha256=expected_sha256,
        )
    except BaseException:
        abort_quietly(sink)
        raise


# ---------------------------------------------------------------------------------------------
# Working files


def default_software(*, create: bool) -> Software:
    """The software of a revision whose path names none, as create_working_file chooses it.
    Created only when writing: a dry run works with an unsaved row, so that it places the
    files of the first real run the same way."""
    name = services.DEFAULT_SOFTWARE["name"]
    if create:
        software, _ = Software.objects.get_or_create(name=name, defaults=services.DEFAULT_SOFTWARE)
        return software
    return Software.objects.filter(name=name).first() or Software(**services.DEFAULT_SOFTWARE)


class WorkingFileWriter:
    """Creates the missing working file revisions of a batch in one transaction: the batch's
    tasks are locked (in id order, so two imports cannot deadlock), as create_working_file
    locks its task to allocate a revision; the revisions already there are read in one query;
    the new rows go in one bulk insert. The revisions are the ones the file names hold, never
    allocated, so rows need no per-row numbering; the unique constraint backs the lock up (an
    insert racing past it makes the batch retry, reading the row as existing)."""

    def write(self, batch: Sequence[FoundFile], *, dry_run: bool) -> Written:
        try:
            return self._write(batch, dry_run=dry_run)
        except IntegrityError:
            return self._write(batch, dry_run=dry_run)

    @transaction.atomic
    def _write(self, batch: Sequence[FoundFile], *, dry_run: bool) -> Written:
        task_ids = sorted({_task(found).pk for found in batch})
        if not dry_run:
            list(
                Task.objects.select_for_update()
                .filter(pk__in=task_ids)
                .order_by("pk")
                .values_list("pk")
            )
        rows = WorkingFile.objects.filter(
            task_id__in=task_ids,
            name__in={found.place.name for found in batch},
            revision__in={found.place.revision for found in batch},
        ).values_list("task_id", "name", "revision", "pk", "size", "checksum")
        existing = {
            (task, name, revision): (pk, size, checksum)
            for task, name, revision, pk, size, checksum in rows
        }
        written, new = sort_out(
            batch, existing, lambda found: (_task(found).pk, found.place.name, found.place.revision)
        )
        if dry_run:
            written.created = [(found, None) for found in new.values()]
            return written
        created = WorkingFile.objects.bulk_create(_row(found) for found in new.values())
        written.created = list(zip(new.values(), created, strict=True))
        return written


def _task(found: FoundFile) -> Task:
    task = found.folder.task
    assert task is not None  # working mode places files in tasks
    return task


def _row(found: FoundFile) -> WorkingFile:
    task = _task(found)
    stem = found.tree_path[: len(found.tree_path) - len(found.place.extension)]
    return WorkingFile(
        name=found.place.name,
        revision=found.place.revision,
        # As create_working_file records it: the tree's folder and file name, no extension.
        path=stem,
        comment="",
        task=task,
        entity_id=task.entity_id,
        software=found.folder.software,
        size=found.size,
        checksum=found.sha256,
    )
