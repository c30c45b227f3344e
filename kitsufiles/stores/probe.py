"""The round trip of `check_storage`: a test object written to each bucket of a content alias
through the paths uploads and downloads take (an upload sink committed under its name, the
Storage API's open, seek and read, save, delete), read back and compared.

Each step is timed and says, when it fails, what to look at next: the object store's own
message (`StoreUnavailable`: address, credentials, a missing bucket), or the local folder's.
The test object is named `kitsufiles-check/<uuid>` inside the bucket, a name no content ever
takes (content keys are `<prefix>-<id>`, kitsufiles/stores/names.py), and is removed whatever
happens."""

import hashlib
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages

from kitsufiles.stores.aliases import sink_for
from kitsufiles.stores.names import ZOU_BUCKETS
from kitsufiles.stores.objects import PART_SIZE, ObjectStorage, StoreUnavailable

PROBE_FOLDER = "kitsufiles-check"
MIB = 1024 * 1024
SIZE = 4 * MIB
# Larger than a part: the multipart upload and a range across two parts are exercised.
LARGE_SIZE = 2 * PART_SIZE + MIB
RANGE_LENGTH = 64 * 1024
CHUNK = MIB


@dataclass(frozen=True)
class Step:
    target: str  # "files", "previews/movies"
    name: str  # write, size, read, range, save, delete, gone
    ok: bool | None  # None: skipped, an earlier step failed
    seconds: float = 0.0
    detail: str = ""  # what was seen (a rate, a mismatch)
    advice: str = ""  # what to do about a failure


def targets(alias: str) -> list[tuple[str, str, str | None]]:
    """(label, folder of the test object, bucket to look for) of each bucket of `alias`: the
    `files` alias has one; `previews` names carry their bucket (pictures, movies, files)."""
    storage = storages[alias]
    if isinstance(storage, ObjectStorage):
        if storage.fixed_bucket is not None:
            return [(alias, PROBE_FOLDER, storage.buckets()[0])]
        return [
            (f"{alias}/{short}", f"{short}/{PROBE_FOLDER}", full)
            for short, full in zip(ZOU_BUCKETS, storage.buckets(), strict=True)
        ]
    if alias == "previews":
        return [(f"{alias}/{bucket}", f"{bucket}/{PROBE_FOLDER}", None) for bucket in ZOU_BUCKETS]
    return [(alias, PROBE_FOLDER, None)]


def describe(alias: str) -> str:
    try:
        storage = storages[alias]
    except Exception as error:  # noqa: BLE001 (check() reports it)
        return f"cannot be set up: {error}"
    if isinstance(storage, FileSystemStorage):
        return f"{type(storage).__name__} in {storage.location}"
    if isinstance(storage, ObjectStorage):
        return f"{type(storage).__name__}, buckets {', '.join(storage.buckets())}"
    return type(storage).__name__


def advice(error: BaseException) -> str:
    """What to do about a failure, in words an operator can act on."""
    if isinstance(error, StoreUnavailable):
        return (
            f"{error.message} Check the object store's address and credentials (FS_S3_* or "
            "FS_SWIFT_* settings) and that its buckets exist (created at start with "
            "FS_S3_CREATE_BUCKET / FS_SWIFT_CREATE_CONTAINER)."
        )
    if isinstance(error, PermissionError):
        return (
            f"Permission denied on {error.filename}: the service's user must be able to "
            "write there (check the folder's owner and mode, FS_ROOT / PREVIEW_FOLDER)."
        )
    if isinstance(error, OSError):
        where = f" ({error.filename})" if error.filename else ""
        return (
            f"{error.strerror or error}{where}: check that the storage folder exists, is a "
            "folder and has room (FS_ROOT / PREVIEW_FOLDER)."
        )
    return f"{type(error).__name__}: {error}"


class _Mismatch(Exception):
    pass


def _rate(size: int, seconds: float) -> str:
    return f"{size / MIB:.1f} MiB, {size / MIB / seconds:.0f} MiB/s" if seconds > 0 else ""


def check(alias: str, *, size: int = SIZE) -> Iterator[Step]:
    """The steps of the round trip on each bucket of `alias`, as they finish."""
    try:
        found = targets(alias)
    except Exception as error:  # noqa: BLE001 (a backend that cannot even be set up)
        yield Step(alias, "set up", False, 0.0, type(error).__name__, advice(error))
        return
    for label, folder, bucket in found:
        yield from _check_target(alias, label, folder, bucket, size)


def _check_target(
    alias: str, label: str, folder: str, bucket: str | None, size: int
) -> Iterator[Step]:
    storage = storages[alias]
    name = f"{folder}/{uuid.uuid4()}"
    small_name = f"{folder}/{uuid.uuid4()}"
    # A range across the middle (across the first part boundary of a large object).
    offset = PART_SIZE - RANGE_LENGTH // 2 if size > PART_SIZE else size // 2 - RANGE_LENGTH // 2
    written: dict[str, object] = {}

    def timed(step: str, action: Callable[[], str]) -> Step:
        started = time.perf_counter()
        try:
            detail = action()
        except _Mismatch as mismatch:
            seconds = time.perf_counter() - started
            return Step(label, step, False, seconds, str(mismatch), _MISMATCH_ADVICE)
        except Exception as error:  # noqa: BLE001 (every failure is reported with its advice)
            seconds = time.perf_counter() - started
            return Step(label, step, False, seconds, type(error).__name__, advice(error))
        return Step(label, step, True, time.perf_counter() - started, detail)

    try:
        if isinstance(storage, ObjectStorage) and bucket is not None:
            step = timed("bucket", lambda: _bucket(storage, bucket))
            yield step
            if not step.ok:
                return
        write = timed("write", lambda: _write(alias, name, size, offset, written))
        yield write
        for step_name, action in (
            ("size", lambda: _size(storage, name, size)),
            ("read", lambda: _read(storage, name, size, written)),
            ("range", lambda: _range(storage, name, offset, written)),
        ):
            yield timed(step_name, action) if write.ok else Step(label, step_name, None)
        yield timed("save", lambda: _save(storage, small_name))
        yield timed("delete", lambda: _delete(storage, name, small_name))
        yield timed("gone", lambda: _gone(storage, name, small_name))
    finally:  # whatever failed, leave nothing behind
        for leftover in (name, small_name):
            with suppress(Exception):
                storage.delete(leftover)


_MISMATCH_ADVICE = (
    "The store does not give back what was written to it: check the object store's health "
    "(and any proxy in front of it), or the disk."
)


def _bucket(storage: ObjectStorage, bucket: str) -> str:
    if not storage.has_bucket(bucket):
        raise StoreUnavailable(f"the bucket {bucket} does not exist")
    return f"bucket {bucket} found"


def _write(alias: str, name: str, size: int, offset: int, written: dict[str, object]) -> str:
    """The test object through an upload sink committed under its name, as uploads are."""
    digest = hashlib.sha256()
    wanted = bytearray()
    started = time.perf_counter()
    sink = sink_for(alias, name)
    try:
        position = 0
        while position < size:
            chunk = os.urandom(min(CHUNK, size - position))
            digest.update(chunk)
            # Keep the bytes the range step reads.
            low, high = max(offset - position, 0), min(offset + RANGE_LENGTH - position, len(chunk))
            if low < high:
                wanted += chunk[low:high]
            sink.write(chunk)
            position += len(chunk)
        sink.commit(name)
    finally:
        sink.abort()
    written["sha256"] = digest.hexdigest()
    written["range"] = bytes(wanted)
    return _rate(size, time.perf_counter() - started)


def _size(storage: Storage, name: str, size: int) -> str:
    if not storage.exists(name):
        raise _Mismatch(f"{name} is not there after its commit")
    stored = storage.size(name)
    if stored != size:
        raise _Mismatch(f"{stored} bytes stored, {size} written")
    return f"{stored} bytes"


def _read(storage: Storage, name: str, size: int, written: dict[str, object]) -> str:
    digest = hashlib.sha256()
    started = time.perf_counter()
    read = 0
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            read += len(chunk)
    if digest.hexdigest() != written["sha256"]:
        raise _Mismatch(f"sha256 of the {read} bytes read differs from the {size} written")
    return f"sha256 matches, {_rate(read, time.perf_counter() - started)}"


def _range(storage: Storage, name: str, offset: int, written: dict[str, object]) -> str:
    wanted = written["range"]
    assert isinstance(wanted, bytes)
    got = bytearray()
    with storage.open(name, "rb") as handle:
        handle.seek(offset)
        while len(got) < len(wanted) and (chunk := handle.read(len(wanted) - len(got))):
            got += chunk
    if bytes(got) != wanted:
        raise _Mismatch(f"bytes {offset}-{offset + len(wanted) - 1} differ from those written")
    return f"bytes {offset}-{offset + len(wanted) - 1} match"


def _save(storage: Storage, name: str) -> str:
    """A small object through Storage.save, as stored media are (kitsufiles/media_store.py)."""
    content = os.urandom(1024)
    saved = storage.save(name, ContentFile(content))
    if saved != name:
        raise _Mismatch(f"saved as {saved}, not {name}")
    with storage.open(name, "rb") as handle:
        if handle.read() != content:
            raise _Mismatch(f"{name} reads back other bytes than saved")
    return "1 KiB saved and read back"


def _delete(storage: Storage, *names: str) -> str:
    for name in names:
        storage.delete(name)
    return f"{len(names)} test objects deleted"


def _gone(storage: Storage, *names: str) -> str:
    for name in names:
        if storage.exists(name):
            raise _Mismatch(f"{name} is still there after its deletion")
    return "none left"
