"""The object-store side of the `files` and `previews` storage aliases.

`ObjectStorage` is Django's `Storage` API over a handful of primitives that each backend
writes (`head`, `get`, `put`, `remove`, `objects`, `sink`, `signed_url`, buckets): S3 through
django-storages (`kitsufiles/stores/s3.py`), Swift through python-swiftclient
(`kitsufiles/stores/swift.py`), and a folder of flat files (`FolderObjectStorage`, below), which
takes the object-store code paths on local disk: it is what the tests use where the backend
itself is not under test, and the reference of what the others must do.

What the primitives guarantee, whatever the backend:
- Streams stay streams. `get` reads from a byte offset as the caller consumes the body;
  `put` and `sink` send the bytes as they come (multipart or segments for large ones), holding
  at most one part in memory; nothing is copied to local disk on the way.
- A key's content is replaced in one step: `put`, and a sink's `commit`, make the new bytes
  visible all at once, and until then readers get the old ones. A sink that is aborted (an
  upload cut short, a checksum that does not match) leaves the key as it was.
- The store being down or refusing is `StoreUnavailable` (503 with Retry-After, Zou's error
  shape), never a backend's own exception; an absent key is `FileNotFoundError` for reads and
  nothing at all for `remove`.
"""

import io
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol
from uuid import UUID

from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import Storage

from kitsufiles.errors import DomainError, Kind, Shape
from kitsufiles.stores.names import ObjectName, name_of, object_of

# Bytes a backend holds in memory at most per upload: one part of a multipart upload (S3's
# parts must be 5 MiB at least, but the last) or one Swift segment.
PART_SIZE = 8 * 1024 * 1024


class StoreUnavailable(DomainError):
    """The object store cannot be reached, or refuses (credentials, a bucket gone): nothing
    was written, the client may try again later."""

    kind = Kind.UNAVAILABLE
    default_shape = Shape.ERROR_MESSAGE

    def __init__(self, what: str, *, retry_after: int = 30) -> None:
        super().__init__(
            f"The file store is unavailable ({what}). Nothing was changed: "
            f"try again in {retry_after} s."
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    modified: datetime  # aware, UTC


class ObjectBody(Protocol):
    """An object's bytes from some offset, read as they arrive."""

    def read(self, size: int = -1) -> bytes: ...

    def close(self) -> None: ...


class EmptyBody:
    """The body of a read from the end of an object (or of an empty one): no request made."""

    def read(self, size: int = -1) -> bytes:
        return b""

    def close(self) -> None:
        pass


class UploadSink(Protocol):
    """Where an upload's bytes go while they arrive (kitsufiles.uploads). `commit(name)` makes
    them the content of `name` in one step; `abort()` forgets them. One of the two is always
    called; both may be called again without effect."""

    size: int

    def write(self, data: bytes) -> None: ...

    def commit(self, name: str) -> None: ...

    def abort(self) -> None: ...


# A sink's saved state: JSON-serializable, small (no bytes of the upload but S3's pending part,
# which is stored as an object, not in the state).
SinkState = dict[str, Any]

# What a resumable upload keeps before its commit is named after the upload's id:
# `resumable-<hex>` (the storage sweep tells a live upload's bytes from a dead one's by it).
RESUMABLE_PREFIX = "resumable-"


class ResumableSink(Protocol):
    """An upload's bytes, kept across requests (see the module's docstring)."""

    # Bytes received: those of the last checkpoint plus those written since.
    size: int

    def write(self, data: bytes) -> None: ...

    def checkpoint(self) -> SinkState:
        """Make every byte written so far durable; the state to reopen the sink with."""
        ...

    def rollback(self) -> None:
        """Forget the bytes written since the sink was opened or last checkpointed."""
        ...

    def commit(self, name: str) -> None:
        """Every byte written (checkpointed or not: the last request commits without a
        checkpoint) becomes the content of `name`, in one step. `name` is the destination
        the sink was opened for. A commit that fails may be followed by `rollback()`."""
        ...

    def abort(self) -> None:
        """Forget every byte of the upload (parts, segments, files); an absent one is no
        error."""
        ...


class PartBuffer:
    """The bytes of one part (or segment) being filled, in a buffer allocated once at the size
    the part will have: a bytearray grown by appends is copied as it grows, two parts in
    memory for a moment (docs/decisions/resumable-storage.md)."""

    def __init__(self) -> None:
        self._data = bytearray()
        self.filled = 0

    def __len__(self) -> int:
        return self.filled

    def fill(self, view: memoryview, capacity: int) -> memoryview:
        """Copy what fits of `view` into a part of `capacity` bytes; what is left of it."""
        if len(self._data) < capacity:
            if self.filled == 0:
                self._data = bytearray(capacity)
            else:  # a part longer than foreseen (more bytes than the upload's length)
                self._data.extend(bytes(capacity - len(self._data)))
        room = capacity - self.filled
        taken = view[:room]
        self._data[self.filled : self.filled + len(taken)] = taken
        self.filled += len(taken)
        return view[len(taken) :]

    def contents(self) -> bytes | bytearray:
        """The bytes filled so far: the buffer itself when full, else a copy of them."""
        if self.filled == len(self._data):
            return self._data
        return bytes(memoryview(self._data)[: self.filled])

    def truncate(self, size: int) -> None:
        self.filled = min(self.filled, size)

    def clear(self) -> None:
        self._data = bytearray()
        self.filled = 0


class ObjectStorage(Storage):
    """Django's Storage API over Zou's buckets and keys (kitsufiles/stores/names.py).

    `bucket` is the alias's fixed bucket (`files`), or None when each name's first segment
    says it (`previews`: pictures, movies, files). Keys are overwritten in place, never
    renamed: a name is its object."""

    def __init__(self, *, bucket: str | None = None, bucket_prefix: str = "") -> None:
        self.fixed_bucket = bucket
        self.bucket_prefix = bucket_prefix

    # -- What a backend writes -------------------------------------------------------------

    def head(self, obj: ObjectName) -> ObjectInfo | None:
        """The object's size and time, or None when it is absent."""
        raise NotImplementedError

    def get(self, obj: ObjectName, start: int = 0) -> ObjectBody:
        """The object's bytes from `start` to its end, streamed; FileNotFoundError if absent."""
        raise NotImplementedError

    def put(self, obj: ObjectName, source: IO[bytes]) -> int:
        """Store what `source` holds (read to its end, in parts) as the object; its size."""
        raise NotImplementedError

    def remove(self, obj: ObjectName) -> None:
        """Delete the object; an absent one is no error."""
        raise NotImplementedError

    def objects(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object of `bucket` (its full name) whose key starts with `prefix`, paged."""
        raise NotImplementedError

    def sink(self, obj: ObjectName | None = None) -> UploadSink:
        """A sink for an upload; `obj` when the destination is known before the first byte
        (the bytes then go straight there), else they are staged and moved on commit."""
        raise NotImplementedError

    def resumable_sink(
        self, obj: ObjectName, state: SinkState | None, *, upload_id: UUID, length: int
    ) -> ResumableSink:
        """A sink for a resumable upload of `length` bytes to `obj`, new or reopened from its
        saved state (kitsufiles/stores/resumable.py)."""
        raise NotImplementedError

    def signed_url(
        self,
        obj: ObjectName,
        *,
        expires: int,
        disposition: str | None = None,
        content_type: str | None = None,
    ) -> str:
        """A URL that reads the object without credentials for `expires` seconds, answered
        with these Content-Disposition and Content-Type."""
        raise NotImplementedError

    def has_bucket(self, bucket: str) -> bool:
        raise NotImplementedError

    def make_bucket(self, bucket: str) -> None:
        raise NotImplementedError

    # -- Buckets ---------------------------------------------------------------------------

    def buckets(self) -> tuple[str, ...]:
        """The full names of the buckets this alias uses."""
        from kitsufiles.stores.names import ZOU_BUCKETS

        short = (self.fixed_bucket,) if self.fixed_bucket else ZOU_BUCKETS
        return tuple(f"{self.bucket_prefix}{name}" for name in short)

    def ensure_buckets(self, *, create: bool) -> None:
        """Create the missing buckets, or refuse to start naming them."""
        for bucket in self.buckets():
            if self.has_bucket(bucket):
                continue
            if not create:
                raise ImproperlyConfigured(
                    f"The bucket {bucket!r} does not exist on the object store: create it, or "
                    "set FS_S3_CREATE_BUCKET=true (S3) / FS_SWIFT_CREATE_CONTAINER=true "
                    "(Swift) to have it created at start."
                )
            self.make_bucket(bucket)

    # -- Names -----------------------------------------------------------------------------

    def object_name(self, name: str) -> ObjectName:
        return object_of(name, bucket=self.fixed_bucket, bucket_prefix=self.bucket_prefix)

    def name(self, obj: ObjectName) -> str:
        return name_of(obj, bucket=self.fixed_bucket, bucket_prefix=self.bucket_prefix)

    # -- Django's Storage API --------------------------------------------------------------

    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("Object-store files are written with save() or a sink, not open()")
        obj = self.object_name(name)
        info = self.head(obj)
        if info is None:
            raise FileNotFoundError(name)
        return File(RemoteFile(self, obj, info), name=name)  # type: ignore[arg-type]

    def _save(self, name: str, content: IO[bytes]) -> str:
        if hasattr(content, "seek"):
            content.seek(0)
        self.put(self.object_name(name), content)
        return name

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name  # keys are overwritten in place (Zou's file_overwrite)

    def delete(self, name: str) -> None:
        self.remove(self.object_name(name))

    def exists(self, name: str) -> bool:
        return self.head(self.object_name(name)) is not None

    def size(self, name: str) -> int:
        info = self.head(self.object_name(name))
        if info is None:
            raise FileNotFoundError(name)
        return info.size

    def get_modified_time(self, name: str) -> datetime:
        info = self.head(self.object_name(name))
        if info is None:
            raise FileNotFoundError(name)
        return info.modified

    def url(self, name: str | None) -> str:
        if name is None:
            raise ValueError("no name")
        return self.signed_url(self.object_name(name), expires=3600)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        """Every name under `path`, as files (object stores have no folders)."""
        names: list[str] = []
        buckets = self.buckets()
        if self.fixed_bucket is None and path.strip("/"):
            buckets = (f"{self.bucket_prefix}{path.strip('/').split('/')[0]}",)
        for bucket in buckets:
            for info in self.objects(bucket):
                name = self.name(ObjectName(bucket, info.key))
                if name.startswith(path.strip("/")):
                    names.append(name)
        return [], names


class RemoteFile(io.RawIOBase):
    """A stored object opened for reading: seeking is free, and each read after a seek opens
    one streamed request from that offset (an HTTP Range), read as the caller consumes it.
    Its size and time come from the look-up that opened it, so a replaced object keeps the
    figures of the bytes this handle was opened for (kitsufiles/media_store.OpenedMedia)."""

    def __init__(self, storage: ObjectStorage, obj: ObjectName, info: ObjectInfo) -> None:
        super().__init__()
        self.storage = storage
        self.obj = obj
        self.info = info
        self._position = 0
        self._body: ObjectBody | None = None
        self._body_position = -1

    @property
    def size(self) -> int:
        return self.info.size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_CUR:
            offset += self._position
        elif whence == os.SEEK_END:
            offset += self.info.size
        self._position = max(offset, 0)
        return self._position

    def start(self) -> ObjectBody:
        """Send the GET from the current position now, its body read later: a GET in flight
        keeps reading the version it started on if the object is replaced meanwhile (a
        working-file download starts it under the row's lock). Without a byte read: a
        backend's body may take a read of 0 bytes for the end of its stream."""
        if self._body is None or self._body_position != self._position:
            self._drop_body()
            self._body = self.storage.get(self.obj, self._position)
            self._body_position = self._position
        return self._body

    def read(self, size: int | None = -1) -> bytes:
        if self._position >= self.info.size:
            return b""
        data = self.start().read(-1 if size is None else size)
        self._position += len(data)
        self._body_position = self._position
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        return self.read(-1)

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        self._drop_body()
        super().close()


# ---------------------------------------------------------------------------------------------
# A folder of flat objects


class FolderObjectStorage(ObjectStorage):
    """Objects as flat files `<location>/<bucket>/<key>`: the object-store code paths on local
    disk, with no server (for tests of the code above the backends, and as the reference the
    real backends follow). Not for production: use FS_BACKEND=local."""

    def __init__(self, *, location: str, bucket: str | None = None, bucket_prefix: str = ""):
        super().__init__(bucket=bucket, bucket_prefix=bucket_prefix)
        self.location = Path(location)

    def _file(self, obj: ObjectName) -> Path:
        if not self.has_bucket(obj.bucket):
            raise StoreUnavailable(f"the bucket {obj.bucket} does not exist")
        return self.location / obj.bucket / obj.key.replace("/", "%2F")

    def head(self, obj: ObjectName) -> ObjectInfo | None:
        try:
            status = self._file(obj).stat()
        except FileNotFoundError:
            return None
        return ObjectInfo(obj.key, status.st_size, datetime.fromtimestamp(status.st_mtime, UTC))

    def get(self, obj: ObjectName, start: int = 0) -> ObjectBody:
        handle = self._file(obj).open("rb")
        handle.seek(start)
        return handle

    def put(self, obj: ObjectName, source: IO[bytes]) -> int:
        sink = self.sink(obj)
        try:
            while chunk := source.read(PART_SIZE):
                sink.write(chunk)
            sink.commit(self.name(obj))
        finally:
            sink.abort()
        return sink.size

    def remove(self, obj: ObjectName) -> None:
        self._file(obj).unlink(missing_ok=True)

    def objects(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        folder = self.location / bucket
        for path in sorted(folder.glob("*")):
            key = path.name.replace("%2F", "/")
            if path.is_file() and key.startswith(prefix):
                status = path.stat()
                yield ObjectInfo(key, status.st_size, datetime.fromtimestamp(status.st_mtime, UTC))

    def sink(self, obj: ObjectName | None = None) -> UploadSink:
        return _FolderSink(self)

    def resumable_sink(
        self, obj: ObjectName, state: SinkState | None, *, upload_id: UUID, length: int
    ) -> ResumableSink:
        return _FolderResumableSink(self, obj, state, upload_id=upload_id)

    def signed_url(
        self,
        obj: ObjectName,
        *,
        expires: int,
        disposition: str | None = None,
        content_type: str | None = None,
    ) -> str:
        return self._file(obj).as_uri()

    def has_bucket(self, bucket: str) -> bool:
        return (self.location / bucket).is_dir()

    def make_bucket(self, bucket: str) -> None:
        (self.location / bucket).mkdir(parents=True, exist_ok=True)


class ResumableFile:
    """A resumable upload's bytes as one local file in `folder`, named after the upload
    (`resumable-<hex>`): local storage's sink (kitsufiles/stores/resumable.py) and the folder
    store's. Writes go at explicit offsets (pwrite), so a rollback is a truncate and a request
    that lost its lease cannot append where the next one writes; `_place` moves the file into
    place on commit."""

    def __init__(self, folder: Path, state: SinkState | None, *, upload_id: UUID) -> None:
        self.path = folder / f"{RESUMABLE_PREFIX}{upload_id.hex}"
        if state is None:
            folder.mkdir(parents=True, exist_ok=True)
            self.path.touch()
            self._checkpointed = 0
        else:
            self._checkpointed = int(state["size"])
            if not self.path.exists():
                raise FileNotFoundError(f"the bytes of this upload are gone ({self.path})")
        self.size = self._checkpointed
        self._fd: int | None = None

    def write(self, data: bytes) -> None:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY)
        view = memoryview(data)
        while view:
            written = os.pwrite(self._fd, view, self.size)
            view = view[written:]
            self.size += written

    def checkpoint(self) -> SinkState:
        if self._fd is not None:
            # What a request that lost its lease wrote past the offset goes. The bytes are in
            # the file (the kernel's cache): a process that dies keeps them, a machine that
            # loses power may not; the next request asks for the offset again.
            os.ftruncate(self._fd, self.size)
        self._checkpointed = self.size
        return {"size": self.size}

    def rollback(self) -> None:
        os.truncate(self.path, self._checkpointed)
        self.size = self._checkpointed

    def commit(self, name: str) -> None:
        self._close()
        self._place(name)

    def _place(self, name: str) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        self._close()
        self.path.unlink(missing_ok=True)

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class _FolderResumableSink(ResumableFile):
    """A resumable upload on the folder store: its file in the staging folder, moved over the
    object's file on commit (docs/decisions/resumable-storage.md)."""

    def __init__(
        self,
        storage: FolderObjectStorage,
        obj: ObjectName,
        state: SinkState | None,
        *,
        upload_id: UUID,
    ) -> None:
        super().__init__(storage.location / ".staging", state, upload_id=upload_id)
        self.storage = storage
        self.obj = obj

    def _place(self, name: str) -> None:
        if self.storage.object_name(name) != self.obj:
            raise ValueError(f"this upload was opened for {self.obj}, not {name!r}")
        os.replace(self.path, self.storage._file(self.obj))


class _FolderSink:
    """Bytes written to a staging file beside the buckets, renamed over the object's file."""

    def __init__(self, storage: FolderObjectStorage) -> None:
        self.storage = storage
        self.size = 0
        staging = storage.location / ".staging"
        staging.mkdir(parents=True, exist_ok=True)
        self._path = staging / uuid.uuid4().hex
        self._file: IO[bytes] | None = self._path.open("wb")

    def write(self, data: bytes) -> None:
        if self._file is None:
            raise ValueError("the sink is closed")
        self._file.write(data)
        self.size += len(data)

    def commit(self, name: str) -> None:
        if self._file is None:
            return
        self._file.close()
        self._file = None
        destination = self.storage._file(self.storage.object_name(name))
        try:
            os.replace(self._path, destination)
        except OSError:  # another file system
            with (
                tempfile.NamedTemporaryFile(dir=destination.parent, delete=False) as copy,
                self._path.open("rb") as source,
            ):
                shutil.copyfileobj(source, copy)
            os.replace(copy.name, destination)
            self._path.unlink(missing_ok=True)

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._path.unlink(missing_ok=True)
