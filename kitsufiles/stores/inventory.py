"""What is stored, against what the rows refer to: the walk behind `prune_storage`.

The plumbing imports no app (docs/architecture.md), yet knowing which stored file a row refers
to is each app's business: a working file's content (`working_files`), a preview's media,
background files and attachments (`previews`), avatars and attachment thumbnails
(`thumbnails`). So each app registers its part from its `AppConfig.ready()`, as the previews
app extends a project's rows (`kitsufiles.api.serialization.extend_rows`):

- `refer(alias, bucket, prefix, referrer)`: the stored files `<prefix>-<id>` of `bucket` on
  `alias` belong to rows of this app; `referrer(ids)` says which of up to BATCH ids still have
  a row that refers to its file (one query per call, never one per file).
- `expect(alias, rows)`: `rows(batch)` yields the app's rows that must have stored content, a
  page of `batch` rows at a time (`in_pages`), each with the names it needs.
- `scratch(alias, folder)`: a local folder where this app's uploads or jobs leave files while
  they run (staged uploads, job scratch), swept when older than the age limit.
- `register_live_uploads(provider)`: `provider()` yields the resumable uploads still alive
  (`LiveUpload`: id and destination), whose bytes are kept however old; once no live upload
  claims them they are leftovers like the others (docs/decisions/resumable-storage.md).
- `register_expiry(hook)`: `hook(delete)` expires the uploads past their time (rows deleted,
  sinks aborted) when `delete` is true, only counts them otherwise; how many. prune_storage
  calls it before its walk.

Besides the stored files and scratch folders, the walk lists what object stores keep of
uploads not finished (`unfinished_uploads`): S3's multipart uploads, and the Swift segments of
resumable uploads (`<key>/resumable-<hex>/...` in the segments containers) that no manifest
refers to.

Memory stays bounded whatever the store holds: the listing is streamed (local: an `os.scandir`
walk of Zou's sharded layout; object stores: each bucket's paged listing), checked BATCH names
at a time, and the rows are read a page at a time (keyset pagination on the primary key).

A stored file is `referenced`, an `orphan` (its name is one an app registered, and no row
refers to it), `unknown` (a name no app registered: reported, never removed), or belongs to
the other alias (object stores share Zou's `files` bucket between the two aliases: each alias
checks only its own keys).
"""

import os
import re
import shutil
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db.models import Model, QuerySet

from kitsufiles.stores.aliases import CONTENT_ALIASES
from kitsufiles.stores.local import INCOMING_FOLDER
from kitsufiles.stores.names import ObjectName, object_of
from kitsufiles.stores.objects import (
    RESUMABLE_PREFIX,
    FolderObjectStorage,
    ObjectInfo,
    ObjectStorage,
)

if TYPE_CHECKING:
    from kitsufiles.stores.swift import SwiftObjectStorage

# Ids checked per query, rows read per page.
BATCH = 1000
# Where an object store stages uploads whose destination is not known yet, in the `files`
# bucket (kitsufiles/stores/s3.py): what a crashed process left there is a leftover.
STAGED_KEYS = "incoming/"
# The bucket of each content alias when a name does not carry one (config.content_storages).
FIXED_BUCKET: dict[str, str | None] = {"files": "files", "previews": None}

Referrer = Callable[[list[uuid.UUID]], Iterable[uuid.UUID]]


@dataclass(frozen=True)
class Expected:
    """A row that must have stored content: `needs` lists groups of names on `alias`, and
    one name of each group must be stored (a movie preview needs one of its movies)."""

    alias: str
    row: str  # what the report says: "working file <id>"
    needs: tuple[tuple[str, ...], ...]


@dataclass
class _Registry:
    referrers: dict[tuple[str, str], tuple[str, list[Referrer]]] = field(default_factory=dict)
    expectations: list[tuple[str, Callable[[int], Iterator[list[Expected]]]]] = field(
        default_factory=list
    )
    scratch_folders: list[tuple[str, Callable[[], Path]]] = field(default_factory=list)
    live_uploads: list["LiveUploads"] = field(default_factory=list)
    expiry_hooks: list["ExpiryHook"] = field(default_factory=list)


_registry = _Registry()


@dataclass(frozen=True)
class LiveUpload:
    """A resumable upload not finished nor expired: its bytes (named after `upload_id`) and
    S3's multipart uploads to its destination (`name` on `alias`) are kept."""

    upload_id: uuid.UUID
    alias: str
    name: str


# The live uploads (all of them: there are few, each a client sending now or soon).
LiveUploads = Callable[[], Iterable[LiveUpload]]
# (delete) -> how many uploads past their expiry were expired (delete) or would be.
ExpiryHook = Callable[[bool], int]


def register_live_uploads(provider: LiveUploads) -> None:
    """`provider()` yields the uploads whose bytes must be kept: not committed, not aborted,
    not past their expiry (an expired one's bytes are then leftovers even in a dry run)."""
    if provider not in _registry.live_uploads:
        _registry.live_uploads.append(provider)


def register_expiry(hook: ExpiryHook) -> None:
    if hook not in _registry.expiry_hooks:
        _registry.expiry_hooks.append(hook)


def expire_uploads(*, delete: bool) -> int:
    """Expire the uploads past their time (with `delete`; else count them): how many."""
    return sum(hook(delete) for hook in _registry.expiry_hooks)


_UPLOAD_NAME = re.compile(rf"(?:^|/){RESUMABLE_PREFIX}([0-9a-f]{{32}})(?:-pending-[0-9]+)?$")


def upload_of(name: str) -> uuid.UUID | None:
    """The resumable upload whose bytes a name holds (`.../resumable-<hex>`, S3's
    `incoming/resumable-<hex>-pending-<end>`), else None."""
    match = _UPLOAD_NAME.search(name)
    return uuid.UUID(match.group(1)) if match else None


@dataclass(frozen=True)
class Live:
    """What the live uploads claim: their ids, and their destinations on object stores
    ((bucket, key): S3's multipart uploads are matched by key)."""

    ids: frozenset[uuid.UUID]
    destinations: frozenset[tuple[str, str]]

    def claims(self, stored: "StoredFile") -> bool:
        upload = stored.upload or upload_of(stored.name)
        if upload is not None:
            return upload in self.ids
        return stored.target is not None and stored.target in self.destinations


def live_uploads() -> Live:
    ids: set[uuid.UUID] = set()
    destinations: set[tuple[str, str]] = set()
    for provider in _registry.live_uploads:
        for upload in provider():
            ids.add(upload.upload_id)
            storage = storages[upload.alias]
            if isinstance(storage, ObjectStorage):
                obj = storage.object_name(upload.name)
                destinations.add((obj.bucket, obj.key))
    return Live(frozenset(ids), frozenset(destinations))


def refer(alias: str, bucket: str, prefix: str, referrer: Referrer) -> None:
    """Files `<prefix>-<id>` of `bucket` (without FS_BUCKET_PREFIX) belong to rows that
    `referrer` finds; several apps may refer to one prefix (`thumbnails-<id>`: previews,
    background files, attachments and avatars)."""
    owner, referrers = _registry.referrers.setdefault((bucket, prefix), (alias, []))
    if owner != alias:
        raise ValueError(f"{bucket}/{prefix} belongs to the {owner!r} alias")
    if referrer not in referrers:
        referrers.append(referrer)


def expect(alias: str, rows: Callable[[int], Iterator[list[Expected]]]) -> None:
    if (alias, rows) not in _registry.expectations:
        _registry.expectations.append((alias, rows))


def scratch(alias: str, folder: Callable[[], Path]) -> None:
    if (alias, folder) not in _registry.scratch_folders:
        _registry.scratch_folders.append((alias, folder))


M = TypeVar("M", bound=Model)


def in_pages(queryset: QuerySet[M], size: int = BATCH) -> Iterator[list[M]]:
    """The queryset's rows, `size` at a time, by primary key: one query per page, each
    starting after the last key of the previous one (no OFFSET, no cursor held open)."""
    last: Any = None
    queryset = queryset.order_by("pk")
    while True:
        page = list((queryset if last is None else queryset.filter(pk__gt=last))[:size])
        if not page:
            return
        yield page
        last = page[-1].pk
        if len(page) < size:
            return


# ---------------------------------------------------------------------------------------------
# The listing


@dataclass(frozen=True)
class StoredFile:
    """A stored file (`name`, on `alias`), or a leftover in a scratch folder (`path`)."""

    alias: str
    name: str
    size: int
    modified: datetime
    path: Path | None = None  # scratch only: removed from local disk, not through the storage
    # An unfinished upload on an object store: the resumable upload it belongs to, if known;
    # S3's multipart uploads: the (bucket, key) they write; how to remove it.
    upload: uuid.UUID | None = None
    target: tuple[str, str] | None = None
    remover: Callable[[], None] | None = field(default=None, compare=False)

    @property
    def is_scratch(self) -> bool:
        return self.path is not None


def as_time(timestamp: float) -> datetime:
    """A file's time (seconds since the epoch) as an aware UTC datetime."""
    return datetime.fromtimestamp(timestamp, UTC)


def local_locations() -> dict[str, Path]:
    """The folders of the content aliases on local disk."""
    found = {}
    for alias in CONTENT_ALIASES:
        storage = storages[alias]
        if isinstance(storage, FileSystemStorage):
            found[alias] = Path(storage.location).resolve()
    return found


def scratch_folders(alias: str) -> list[Path]:
    """The local folders where `alias`'s uploads and jobs leave files while they run. A
    folder both aliases use (the folder store's staging) is the first alias's."""
    earlier: set[Path] = set()
    for other in CONTENT_ALIASES[: CONTENT_ALIASES.index(alias)]:
        earlier.update(_scratch_folders(other))
    return [folder for folder in _scratch_folders(alias) if folder not in earlier]


def _scratch_folders(alias: str) -> list[Path]:
    storage = storages[alias]
    folders: list[Path] = []
    if isinstance(storage, FileSystemStorage):
        folders.append(Path(storage.location) / INCOMING_FOLDER)  # stores.local.LocalSink
    if isinstance(storage, FolderObjectStorage):
        folders.append(storage.location / ".staging")
    if alias == "previews":  # kitsufiles.media_store: job scratch, uploads received there
        work = Path(settings.PREVIEW_WORK_DIR)
        folders += [work / INCOMING_FOLDER, work]
    folders += [folder() for owner, folder in _registry.scratch_folders if owner == alias]
    unique: dict[Path, None] = {}
    for folder in folders:
        unique.setdefault(folder.resolve(), None)
    return list(unique)


def stored_files(alias: str) -> Iterator[StoredFile]:
    """Every file of `alias`'s store, streamed (scratch folders left out: `scratch_files`)."""
    storage = storages[alias]
    if isinstance(storage, ObjectStorage):
        for bucket in storage.buckets():
            for info in storage.objects(bucket):
                name = storage.name(ObjectName(bucket, info.key))
                yield StoredFile(alias, name, info.size, info.modified)
        return
    if not isinstance(storage, FileSystemStorage):
        raise TypeError(f"The {alias!r} storage ({type(storage).__name__}) cannot be listed")
    root = Path(storage.location).resolve()
    if not root.is_dir():
        return
    # Another alias's folder or a scratch folder inside this one is not this alias's content.
    skipped = {str(path) for other, path in local_locations().items() if other != alias}
    for other in CONTENT_ALIASES:
        skipped.update(str(folder) for folder in _scratch_folders(other))
    yield from _walk(alias, str(root), str(root), skipped)


def _walk(alias: str, root: str, folder: str, skipped: set[str]) -> Iterator[StoredFile]:
    """Depth first, one folder's entries at a time (os.scandir: no stat for the folders);
    plain strings rather than Paths, which cost more than the walk itself."""
    at_root = folder == root
    with os.scandir(folder) as entries:
        for entry in entries:
            if at_root and entry.name.startswith("."):
                continue  # staging and scratch folders (scratch_files), dot files
            if entry.is_dir(follow_symlinks=False):
                if entry.path not in skipped:
                    yield from _walk(alias, root, entry.path, skipped)
            elif entry.is_file(follow_symlinks=False):
                status = entry.stat(follow_symlinks=False)
                name = entry.path[len(root) + 1 :].replace(os.sep, "/")
                # A dot file beside the media is a copy that media_store.store did not
                # finish (`.<name>.partial`): a leftover, like those of scratch folders.
                scratch = Path(entry.path) if entry.name.startswith(".") else None
                yield StoredFile(alias, name, status.st_size, as_time(status.st_mtime), scratch)


def scratch_files(alias: str) -> Iterator[StoredFile]:
    """The entries of `alias`'s scratch folders: a file, or a job's folder as one entry whose
    time is the newest of anything in it (a job still writing is recent)."""
    folders = scratch_folders(alias)
    nested = {str(folder) for other in CONTENT_ALIASES for folder in _scratch_folders(other)}
    for folder in folders:
        if not folder.is_dir():
            continue
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.path in nested:  # a scratch folder of its own (work/.incoming)
                    continue
                path = Path(entry.path)
                try:
                    size, newest = figures(path)
                except FileNotFoundError:  # finished meanwhile
                    continue
                yield StoredFile(alias, str(path), size, as_time(newest), path=path)


def figures(path: Path) -> tuple[int, float]:
    """Size and newest modification time of a file, or of everything in a folder."""
    status = path.lstat()
    if not path.is_dir() or path.is_symlink():
        return status.st_size, status.st_mtime
    size, newest = 0, status.st_mtime
    for parent, folders, files in os.walk(path):
        for name, is_file in (*((f, False) for f in folders), *((f, True) for f in files)):
            try:
                status = os.lstat(os.path.join(parent, name))
            except FileNotFoundError:
                continue
            size += status.st_size if is_file else 0
            newest = max(newest, status.st_mtime)
    return size, newest


def _own_buckets(alias: str, storage: ObjectStorage) -> list[str]:
    """The buckets whose unfinished uploads `alias` reports: the shared `files` bucket is the
    `files` alias's (as for the staged uploads)."""
    shared = {bucket for other, bucket in FIXED_BUCKET.items() if other != alias and bucket}
    return [
        bucket
        for bucket in storage.buckets()
        if bucket.removeprefix(storage.bucket_prefix) not in shared
    ]


def unfinished_uploads(alias: str) -> Iterator[StoredFile]:
    """What an object store keeps of uploads neither finished nor aborted, outside the
    buckets' listings: S3's multipart uploads (their size from ListParts), and the segments of
    Swift's resumable uploads that no manifest refers to (a group per upload)."""
    from kitsufiles.stores.s3 import S3ObjectStorage
    from kitsufiles.stores.swift import SEGMENTS_SUFFIX, SwiftObjectStorage

    storage = storages[alias]
    if isinstance(storage, S3ObjectStorage):
        for bucket in _own_buckets(alias, storage):
            for upload in storage.multipart_uploads(bucket):
                yield StoredFile(
                    alias,
                    f"{upload.obj.bucket}/{upload.obj.key} (multipart upload)",
                    storage.multipart_size(upload),
                    upload.initiated,
                    target=(upload.obj.bucket, upload.obj.key),
                    remover=partial(storage.abort_multipart_upload, upload.obj, upload.upload_id),
                )
    elif isinstance(storage, SwiftObjectStorage):
        for bucket in _own_buckets(alias, storage):
            yield from _segment_groups(storage, alias, bucket, bucket + SEGMENTS_SUFFIX)


_SEGMENT = re.compile(rf"^(.+)/{RESUMABLE_PREFIX}([0-9a-f]{{32}})/")


def _segment_groups(
    storage: "SwiftObjectStorage", alias: str, bucket: str, container: str
) -> Iterator[StoredFile]:
    """The resumable uploads' segments in `container`, a group per upload (the listing is
    sorted: a group's segments are contiguous), less those of the content at their key."""
    group: tuple[str, str] | None = None
    infos: list[ObjectInfo] = []
    for info in storage.objects(container):
        match = _SEGMENT.match(info.key)
        if match is None:
            continue
        if (match.group(1), match.group(2)) != group:
            if group is not None:
                yield from _segment_group(storage, alias, bucket, container, group, infos)
            group, infos = (match.group(1), match.group(2)), []
        infos.append(info)
    if group is not None:
        yield from _segment_group(storage, alias, bucket, container, group, infos)


def _segment_group(
    storage: "SwiftObjectStorage",
    alias: str,
    bucket: str,
    container: str,
    group: tuple[str, str],
    infos: list[ObjectInfo],
) -> Iterator[StoredFile]:
    key, upload = group
    content = storage.referenced_segments(ObjectName(bucket, key))
    loose = [info for info in infos if (container, info.key) not in content]
    if not loose:  # the content at the key (a committed upload)
        return
    names = [info.key for info in loose]

    def delete() -> None:
        for name in names:
            storage.delete_segment(container, name)

    yield StoredFile(
        alias,
        f"{container}/{key}/{RESUMABLE_PREFIX}{upload}/ ({len(loose)} segments)",
        sum(info.size for info in loose),
        max(info.modified for info in loose),
        upload=uuid.UUID(upload),
        remover=delete,
    )


# ---------------------------------------------------------------------------------------------
# Who refers to what


class Verdict(Enum):
    REFERENCED = "referenced"
    ORPHAN = "orphan"
    UNKNOWN = "unknown"  # a name no app registered: never removed
    LEFTOVER = "leftover"  # an unfinished copy beside the media
    OTHER_ALIAS = "other alias"  # a key of the other alias in a shared bucket


def _bucket_and_key(alias: str, name: str, storage: Storage) -> tuple[str, str] | None:
    try:
        if isinstance(storage, ObjectStorage):
            obj = storage.object_name(name)
            return obj.bucket.removeprefix(storage.bucket_prefix), obj.key
        obj = object_of(name, bucket=FIXED_BUCKET.get(alias))
    except ValueError:  # a name without a bucket
        return None
    return obj.bucket, obj.key


@dataclass(frozen=True)
class _Owner:
    bucket: str
    prefix: str
    alias: str  # the alias whose rows refer to such files
    row_id: uuid.UUID


def _owner(bucket: str, key: str) -> _Owner | None:
    """Who owns a key `<prefix>-<id>` of `bucket`, if some app registered its prefix."""
    prefix, dash, text = key[:-37], key[-37:-36], key[-36:]
    if dash != "-":
        return None
    registered = _registry.referrers.get((bucket, prefix))
    if registered is None:
        return None
    try:
        row_id = uuid.UUID(text)
    except ValueError:
        return None
    if str(row_id) != text:  # not Zou's spelling of an id
        return None
    return _Owner(bucket, prefix, registered[0], row_id)


def classified(
    alias: str, files: Iterable[StoredFile], *, batch: int | None = None
) -> Iterator[tuple[StoredFile, Verdict]]:
    """Each file with its verdict, checked `batch` (BATCH) files at a time: one query per
    app that refers to a kind of file present in the batch."""
    storage = storages[alias]
    batch = batch or BATCH
    pending: list[StoredFile] = []
    for stored in files:
        pending.append(stored)
        if len(pending) >= batch:
            yield from _classify_batch(alias, storage, pending)
            pending = []
    if pending:
        yield from _classify_batch(alias, storage, pending)


def _classify_batch(
    alias: str, storage: Storage, files: list[StoredFile]
) -> Iterator[tuple[StoredFile, Verdict]]:
    owners: list[_Owner | None] = []
    wanted: dict[tuple[str, str], list[uuid.UUID]] = defaultdict(list)
    for stored in files:
        located = _bucket_and_key(alias, stored.name, storage)
        owner = _owner(*located) if located is not None and not stored.is_scratch else None
        if owner is not None and owner.alias == alias:
            wanted[(owner.bucket, owner.prefix)].append(owner.row_id)
        owners.append(owner)
    referenced: dict[tuple[str, str], set[uuid.UUID]] = {}
    for kind, ids in wanted.items():
        found: set[uuid.UUID] = set()
        for referrer in _registry.referrers[kind][1]:
            if unsettled := [row_id for row_id in ids if row_id not in found]:
                found.update(referrer(unsettled))
        referenced[kind] = found
    # On an object store the `files` bucket is shared: what no app registered there is the
    # `files` alias's to report, the bucket it has to itself (config.content_storages).
    shared = {bucket for other, bucket in FIXED_BUCKET.items() if other != alias and bucket}
    for stored, owner in zip(files, owners, strict=True):
        if stored.is_scratch:
            yield stored, Verdict.LEFTOVER
            continue
        if isinstance(storage, ObjectStorage):
            located = _bucket_and_key(alias, stored.name, storage)
            if located is not None and located[0] == "files" and located[1].startswith(STAGED_KEYS):
                staged_here = FIXED_BUCKET.get(alias) == "files"
                yield stored, Verdict.LEFTOVER if staged_here else Verdict.OTHER_ALIAS
                continue
        if owner is None and isinstance(storage, ObjectStorage) and storage.fixed_bucket is None:
            located = _bucket_and_key(alias, stored.name, storage)
            if located is not None and located[0] in shared:
                yield stored, Verdict.OTHER_ALIAS
                continue
        if owner is None:
            yield stored, Verdict.UNKNOWN
        elif owner.alias != alias:
            yield stored, Verdict.OTHER_ALIAS
        elif owner.row_id in referenced[(owner.bucket, owner.prefix)]:
            yield stored, Verdict.REFERENCED
        else:
            yield stored, Verdict.ORPHAN


def remove(stored: StoredFile) -> None:
    """Remove an orphan from its store, or a leftover from its scratch folder."""
    if stored.remover is not None:
        stored.remover()
        return
    if stored.path is not None:
        if stored.path.is_dir() and not stored.path.is_symlink():
            shutil.rmtree(stored.path)
        else:
            stored.path.unlink(missing_ok=True)
        return
    storage = storages[stored.alias]
    try:
        storage.delete(stored.name)
    except FileNotFoundError:  # removed meanwhile
        return


# ---------------------------------------------------------------------------------------------
# Rows whose content is missing


@dataclass(frozen=True)
class Missing:
    expected: Expected
    names: tuple[str, ...]  # each group of which nothing is stored ("a or b")


def expectations(alias: str, *, batch: int | None = None) -> Iterator[list[Expected]]:
    """Pages of the rows that must have content on `alias`, from every app."""
    for owner, rows in _registry.expectations:
        if owner == alias:
            yield from rows(batch or BATCH)


def missing(expected: Expected) -> Missing | None:
    """What `expected` lacks, None when it has all it needs. One existence check per name
    (a stat on local disk, a HEAD on an object store), stopping at the first name found."""
    storage = storages[expected.alias]
    absent = tuple(
        " or ".join(group)
        for group in expected.needs
        if not any(storage.exists(name) for name in group)
    )
    return Missing(expected, absent) if absent else None
