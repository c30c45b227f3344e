"""OpenStack Swift through its own API (python-swiftclient), with Zou's containers and keys
(kitsufiles/stores/names.py): FS_BACKEND=swift.

Not django-storage-swift: its `open()` reads a whole object into memory, and its top-level
module `swift` is the name of OpenStack's server package (docs/decisions/swift-backend.md).

- Authentication: v1 (tempauth, `auth_version="1"`) or Keystone v2/v3 (`"3"`, Zou's default,
  with `os_options`: project/tenant name, region, user and project domains; Keystone needs
  python-keystoneclient, in requirements.txt). One token is shared by the connections.
- Connections: swiftclient's `Connection` is not safe across threads (each request goes through
  one HTTP connection object that keeps the last response), so calls borrow one from a small
  pool and give it back when the call is over. A streamed read gets a `Connection` of its own for
  as long as its body is read: swiftclient reads a streamed body through the last response of
  the connection, which another call on the same connection would replace.
- Timeouts and retries are bounded (FS_SWIFT_TIMEOUT, FS_SWIFT_RETRIES), so a store that is
  down answers `StoreUnavailable` in seconds rather than hanging a request.
- Large objects: Swift keeps at most 5 GiB in one object. Uploads whose size is unknown or
  above that go in segments of `PART_SIZE` into `<bucket>_segments`, under a prefix of their
  own (`<key>/<upload id>/<n>`), and become visible in one step when their static large object
  (SLO) manifest is written at the key. Replacing or removing a large object deletes its old
  segments once the new content (or the removal) is in place.
"""

import io
import json
import logging
import os
import queue
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import IO, Any
from urllib.parse import quote, unquote, urlencode, urlsplit
from uuid import UUID

import swiftclient
from django.core.exceptions import ImproperlyConfigured
from swiftclient.exceptions import ClientException
from swiftclient.utils import LengthWrapper, generate_temp_url

from kitsufiles.stores.names import ObjectName
from kitsufiles.stores.objects import (
    PART_SIZE,
    RESUMABLE_PREFIX,
    EmptyBody,
    ObjectBody,
    ObjectInfo,
    ObjectStorage,
    PartBuffer,
    SinkState,
    StoreUnavailable,
)

try:  # Keystone's own errors (a refused connection to the identity service, say)
    from keystoneauth1.exceptions import ClientException as KeystoneError
except ImportError:  # pragma: no cover - python-keystoneclient is in requirements.txt

    class KeystoneError(Exception):  # type: ignore[no-redef]
        pass


logger = logging.getLogger(__name__)

# Where a bucket's segments go: an underscore, which no S3 bucket name has, so the segments
# containers never pass for one of Zou's buckets (s3api keeps its own in `<bucket>+segments`).
SEGMENTS_SUFFIX = "_segments"
# Swift's largest single object (max_file_size is 5 GiB + 2 bytes by default).
MAX_OBJECT_SIZE = 5 * 1024**3
# Swift's default max_manifest_segments: a manifest of more segments (above 8 GiB with 8 MiB
# segments) is split into manifests of manifests.
MANIFEST_SEGMENTS = 1000
LISTING_PAGE = 1000
# Bytes per read of a streamed body and per write of a streamed upload.
CHUNK_SIZE = 256 * 1024


class SwiftObjectStorage(ObjectStorage):
    def __init__(
        self,
        *,
        auth_url: str,
        user: str,
        key: str,
        auth_version: str = "3",
        tenant_name: str | None = None,
        region_name: str | None = None,
        user_domain_name: str | None = None,
        project_domain_name: str | None = None,
        temp_url_key: str | None = None,
        timeout: float = 10.0,
        retries: int = 1,
        pool_size: int = 20,
        segment_size: int = PART_SIZE,
        manifest_segments: int = MANIFEST_SEGMENTS,
        max_object_size: int = MAX_OBJECT_SIZE,
        create_buckets: bool = False,
        bucket: str | None = None,
        bucket_prefix: str = "",
    ) -> None:
        super().__init__(bucket=bucket, bucket_prefix=bucket_prefix)
        self.auth_url = auth_url
        self.user = user
        self._key = key
        self.auth_version = auth_version
        self.os_options = _os_options(
            auth_version,
            tenant_name=tenant_name,
            region_name=region_name,
            user_domain_name=user_domain_name,
            project_domain_name=project_domain_name,
        )
        self.temp_url_key = temp_url_key or None
        self.timeout = timeout
        self.retries = retries
        self.segment_size = segment_size
        self.manifest_segments = manifest_segments
        self.max_object_size = max_object_size
        # FS_SWIFT_CREATE_CONTAINER, read by aliases.prepare_buckets() at start
        self.create_buckets = create_buckets
        self.pool_size = pool_size
        self._pool: queue.LifoQueue[swiftclient.Connection] = queue.LifoQueue(maxsize=pool_size)
        self._pool_pid = os.getpid()
        self._lock = threading.Lock()
        self._auth: tuple[str, str] | None = None  # storage URL and token, shared

    def __repr__(self) -> str:  # no key in logs or tracebacks
        return (
            f"<SwiftObjectStorage {self.auth_url} user={self.user!r} bucket={self.fixed_bucket!r}>"
        )

    # -- Connections ------------------------------------------------------------------------

    def new_connection(self) -> swiftclient.Connection:
        """A swiftclient Connection with this store's credentials and bounds."""
        connection = swiftclient.Connection(
            authurl=self.auth_url,
            user=self.user,
            key=self._key,
            auth_version=self.auth_version,
            os_options=dict(self.os_options),
            timeout=self.timeout,
            retries=self.retries,
            starting_backoff=0.5,
            max_backoff=2,
        )
        with self._lock:
            if self._auth is not None:
                connection.url, connection.token = self._auth
        return connection

    def _share_auth(self, connection: swiftclient.Connection) -> None:
        if connection.url and connection.token:
            with self._lock:
                self._auth = (connection.url, connection.token)

    @contextmanager
    def _connection(self, what: str) -> Iterator[swiftclient.Connection]:
        """A pooled connection for one call; the store's errors that get out of the block
        become StoreUnavailable."""
        if self._pool_pid != os.getpid():
            # A forked process (a web server's workers after the master checked the buckets):
            # the parent's connections share their sockets with it, so start afresh.
            self._pool = queue.LifoQueue(maxsize=self.pool_size)
            self._pool_pid = os.getpid()
        try:
            connection = self._pool.get_nowait()
        except queue.Empty:
            connection = self.new_connection()
        try:
            with _unavailable_on_errors(what):
                yield connection
        except BaseException:
            connection.close()  # its HTTP state is unknown: do not hand it out again
            raise
        self._share_auth(connection)
        try:
            self._pool.put_nowait(connection)
        except queue.Full:
            connection.close()

    def storage_url(self) -> str:
        with self._connection("authentication") as connection:
            if not connection.url or not connection.token:
                connection.url, connection.token = connection.get_auth()
            return str(connection.url)

    # -- Objects ------------------------------------------------------------------------------

    def head(self, obj: ObjectName) -> ObjectInfo | None:
        with self._connection("reading an object's size") as connection:
            try:
                headers = connection.head_object(obj.bucket, obj.key)
            except ClientException as error:
                if error.http_status == 404:
                    return None
                raise
        return ObjectInfo(obj.key, int(headers["content-length"]), _modified(headers))

    def get(self, obj: ObjectName, start: int = 0) -> ObjectBody:
        connection = self.new_connection()  # the body's own: see the module's docstring
        headers = {"Range": f"bytes={start}-"} if start > 0 else None
        try:
            with _unavailable_on_errors("reading an object"):
                try:
                    _, body = connection.get_object(
                        obj.bucket, obj.key, resp_chunk_size=CHUNK_SIZE, headers=headers
                    )
                except ClientException as error:
                    if error.http_status == 404:
                        raise FileNotFoundError(f"{obj.bucket}/{obj.key}") from None
                    if error.http_status == 416:  # from past the end: nothing
                        connection.close()
                        return EmptyBody()
                    raise
        except BaseException:
            connection.close()
            raise
        self._share_auth(connection)
        return _StreamedBody(body, connection)

    def put(self, obj: ObjectName, source: IO[bytes]) -> int:
        size = _remaining_size(source)
        if size is None or size > self.max_object_size:
            sink = self.sink(obj)
            try:
                while chunk := source.read(self.segment_size):
                    sink.write(chunk)
                sink.commit_object(obj)
            finally:
                sink.abort()
            return sink.size
        self.replace(obj, source, size)
        return size

    def replace(self, obj: ObjectName, source: IO[bytes] | io.RawIOBase, size: int) -> None:
        """One streamed PUT of `size` bytes of `source` at the key (swiftclient seeks back
        to retry), then the segments of the large object it replaced are deleted."""
        previous = self._segments_of(obj)
        with self._connection("writing an object") as connection:
            # LengthWrapper: a Django File without a name is falsy, which swiftclient would
            # take for "no content"; the wrapper also seeks back for a retry.
            connection.put_object(
                obj.bucket,
                obj.key,
                contents=LengthWrapper(source, size),
                content_length=size,
                chunk_size=CHUNK_SIZE,
            )
        self._delete_segments(previous)

    def remove(self, obj: ObjectName) -> None:
        segments = self._segments_of(obj)
        if segments is None:
            return
        with self._connection("deleting an object") as connection:
            try:
                connection.delete_object(obj.bucket, obj.key)
            except ClientException as error:
                if error.http_status != 404:
                    raise
        self._delete_segments(segments)

    def objects(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        marker = ""
        while True:
            with self._connection("listing a bucket") as connection:
                try:
                    _, page = connection.get_container(
                        bucket, marker=marker, prefix=prefix or None, limit=LISTING_PAGE
                    )
                except ClientException as error:
                    if error.http_status == 404:
                        return
                    raise
            for item in page:
                if "name" in item:  # not a `subdir` entry
                    yield ObjectInfo(item["name"], int(item["bytes"]), _listed(item))
            if len(page) < LISTING_PAGE:
                return
            marker = page[-1].get("name") or page[-1].get("subdir")

    def sink(self, obj: ObjectName | None = None) -> "SwiftSink":
        return SwiftSink(self, obj)

    def resumable_sink(
        self, obj: ObjectName, state: SinkState | None, *, upload_id: UUID, length: int
    ) -> "SwiftResumableSink":
        return SwiftResumableSink(self, obj, state, upload_id=upload_id, length=length)

    def referenced_segments(self, obj: ObjectName) -> set[tuple[str, str]]:
        """The segments (container, name) the large object at `obj` is made of, manifests of
        manifests followed (and counted); none when it is absent or a plain object."""
        found: set[tuple[str, str]] = set()
        for container, name, is_manifest in self._segments_of(obj) or ():
            found.add((container, name))
            if is_manifest:
                found |= self.referenced_segments(ObjectName(container, name))
        return found

    def signed_url(
        self,
        obj: ObjectName,
        *,
        expires: int,
        disposition: str | None = None,
        content_type: str | None = None,
    ) -> str:
        """A TempURL (the tempurl middleware, signed with FS_SWIFT_TEMP_URL_KEY, which
        `ensure_buckets` sets on the account). The disposition goes in the URL (`inline`,
        `filename=`); Swift answers the object's stored Content-Type whatever `content_type`
        says (a TempURL cannot change it)."""
        if not self.temp_url_key:
            raise ImproperlyConfigured(
                "Signed URLs on Swift need FS_SWIFT_TEMP_URL_KEY (the account's TempURL key)."
            )
        parts = urlsplit(self.storage_url())
        path = f"{parts.path}/{obj.bucket}/{obj.key}"
        signed = generate_temp_url(path, expires, self.temp_url_key, "GET", digest="sha256")
        _, _, query = signed.partition("?")
        extra = _disposition_query(disposition)
        if extra:
            query = f"{query}&{extra}"
        return f"{parts.scheme}://{parts.netloc}{quote(path)}?{query}"

    # -- Buckets ------------------------------------------------------------------------------

    def has_bucket(self, bucket: str) -> bool:
        with self._connection("reading a bucket") as connection:
            try:
                connection.head_container(bucket)
            except ClientException as error:
                if error.http_status == 404:
                    return False
                raise
        return True

    def make_bucket(self, bucket: str) -> None:
        with self._connection("creating a bucket") as connection:
            connection.put_container(bucket)
            connection.put_container(bucket + SEGMENTS_SUFFIX)

    def ensure_buckets(self, *, create: bool) -> None:
        """Zou's containers (created or refused as the base class says), the segments
        containers beside them when creating (otherwise the first large upload creates its
        own), and the account's TempURL key when FS_SWIFT_TEMP_URL_KEY is set."""
        super().ensure_buckets(create=create)
        if create:
            for bucket in self.buckets():
                if not self.has_bucket(bucket + SEGMENTS_SUFFIX):
                    with self._connection("creating a bucket") as connection:
                        connection.put_container(bucket + SEGMENTS_SUFFIX)
        if self.temp_url_key:
            self._ensure_temp_url_key()

    def segments_bucket(self, obj: ObjectName | None) -> str:
        """Where the segments of an upload to `obj` go; an upload whose destination is not
        known yet uses the alias's first bucket's (a manifest may name any container)."""
        bucket = obj.bucket if obj is not None else self.buckets()[0]
        return bucket + SEGMENTS_SUFFIX

    def _ensure_temp_url_key(self) -> None:
        with self._connection("reading the account") as connection:
            headers = connection.head_account()
        first = headers.get("x-account-meta-temp-url-key")
        second = headers.get("x-account-meta-temp-url-key-2")
        if self.temp_url_key in (first, second):
            return
        if first and second:
            raise ImproperlyConfigured(
                "The Swift account has two TempURL keys already, neither FS_SWIFT_TEMP_URL_KEY: "
                "set FS_SWIFT_TEMP_URL_KEY to one of them."
            )
        header = "X-Account-Meta-Temp-URL-Key-2" if first else "X-Account-Meta-Temp-URL-Key"
        try:
            with self._connection("setting the TempURL key") as connection:
                connection.post_account({header: self.temp_url_key})
        except StoreUnavailable as error:
            raise ImproperlyConfigured(
                "Could not set the Swift account's TempURL key (FS_SWIFT_TEMP_URL_KEY): "
                f"{error.message}. Set it with `swift post -m Temp-URL-Key:...` as an operator."
            ) from error

    # -- Segments -----------------------------------------------------------------------------

    def put_segment(self, bucket: str, name: str, data: bytes | bytearray) -> str:
        """One segment of a large object; its ETag. Creates the segments container when it
        is missing (Zou's containers come without one)."""
        for attempt in range(2):
            with self._connection("writing a segment") as connection:
                # The pooled connection keeps its last request, body included, until its next
                # one: the reader lets go of the segment once sent, so that it is not held
                # while the next one fills (two segments in memory otherwise).
                reader = _BufferReader(data)
                try:
                    etag = connection.put_object(
                        bucket,
                        name,
                        contents=LengthWrapper(reader, len(data)),
                        content_length=len(data),
                        chunk_size=CHUNK_SIZE,
                    )
                    return str(etag)
                except ClientException as error:
                    if error.http_status != 404 or attempt:
                        raise
                    connection.put_container(bucket)
                finally:
                    reader.release()
        raise AssertionError("unreachable")

    def put_manifest(
        self,
        obj: ObjectName,
        segments: list[dict[str, Any]],
        *,
        segments_bucket: str,
        prefix: str,
        created: list[tuple[str, str]],
    ) -> None:
        """Write the SLO manifest of `segments` at the key, in one step (manifests of at most
        `manifest_segments` entries: more are grouped into manifests of manifests, written
        beside the segments and recorded in `created`), then delete the segments of the large
        object it replaced."""
        entries = segments
        level = 0
        while len(entries) > self.manifest_segments:
            grouped = []
            for number, first in enumerate(range(0, len(entries), self.manifest_segments)):
                group = entries[first : first + self.manifest_segments]
                name = f"{prefix}manifest-{level}-{number:08d}"
                self._write_manifest(ObjectName(segments_bucket, name), group)
                created.append((segments_bucket, name))
                size = sum(int(entry["size_bytes"]) for entry in group)
                grouped.append(
                    {"path": f"/{segments_bucket}/{name}", "etag": None, "size_bytes": size}
                )
            entries = grouped
            level += 1
        previous = self._segments_of(obj)
        self._write_manifest(obj, entries)
        self._delete_segments(previous)

    def _write_manifest(self, obj: ObjectName, entries: list[dict[str, Any]]) -> None:
        with self._connection("writing a large object") as connection:
            connection.put_object(
                obj.bucket,
                obj.key,
                contents=json.dumps(entries),
                query_string="multipart-manifest=put",
            )

    def _segments_of(self, obj: ObjectName) -> list[tuple[str, str, bool]] | None:
        """None when the object is absent; else the segments of the large object it is
        ((container, name, whether it is a manifest itself)), or none for a plain object."""
        with self._connection("reading an object") as connection:
            try:
                headers = connection.head_object(obj.bucket, obj.key)
                if headers.get("x-static-large-object", "").lower() != "true":
                    return []
                _, manifest = connection.get_object(
                    obj.bucket, obj.key, query_string="multipart-manifest=get"
                )
            except ClientException as error:
                if error.http_status == 404:
                    return None
                raise
        segments = []
        for entry in json.loads(manifest):
            container, _, name = entry["name"].lstrip("/").partition("/")
            segments.append((container, name, bool(entry.get("sub_slo"))))
        return segments

    def _delete_segments(self, segments: list[tuple[str, str, bool]] | None) -> None:
        """Delete the segments of a large object that is no longer at its key. What cannot
        be deleted is logged (kept bytes, no lost ones), not raised: the write or removal
        that called this has been done. The first failure ends it: a store that does not
        answer would make each of the others wait for its timeout."""
        segments = segments or []
        for number, (container, name, is_manifest) in enumerate(segments):
            try:
                if is_manifest:
                    self._delete_segments(self._segments_of(ObjectName(container, name)))
                self.delete_segment(container, name)
            except StoreUnavailable:
                logger.warning(
                    "Swift: %d segment(s) left behind from %s/%s on",
                    len(segments) - number,
                    container,
                    name,
                )
                return

    def delete_segment(self, container: str, name: str) -> None:
        with self._connection("deleting a segment") as connection:
            try:
                connection.delete_object(container, name)
            except ClientException as error:
                if error.http_status != 404:
                    raise


class SwiftSink:
    """An upload into Swift as it arrives: parts of `segment_size` are written as segments
    as they fill (at most one part in memory); `commit` writes the manifest at the key, or
    the bytes themselves in one PUT when they never filled a part; `abort` deletes the
    segments."""

    def __init__(self, storage: SwiftObjectStorage, obj: ObjectName | None) -> None:
        self.storage = storage
        self.size = 0
        self._buffer = bytearray()
        self._segments: list[dict[str, Any]] = []
        self._created: list[tuple[str, str]] = []  # (container, name) written so far
        self._bucket = storage.segments_bucket(obj)
        upload = uuid.uuid4().hex
        self._prefix = f"{obj.key}/{upload}/" if obj is not None else f"incoming/{upload}/"
        self._done = False

    def write(self, data: bytes) -> None:
        if self._done:
            raise ValueError("the sink is closed")
        view = memoryview(data)
        while view:
            room = self.storage.segment_size - len(self._buffer)
            self._buffer += view[:room]
            view = view[room:]
            if len(self._buffer) >= self.storage.segment_size:
                self._flush()
        self.size += len(data)

    def _flush(self) -> None:
        name = f"{self._prefix}{len(self._segments):08d}"
        self._created.append((self._bucket, name))
        etag = self.storage.put_segment(self._bucket, name, self._buffer)
        self._segments.append(
            {"path": f"/{self._bucket}/{name}", "etag": etag, "size_bytes": len(self._buffer)}
        )
        self._buffer = bytearray()

    def commit(self, name: str) -> None:
        self.commit_object(self.storage.object_name(name))

    def commit_object(self, obj: ObjectName) -> None:
        if self._done:
            return
        try:
            if not self._segments:
                self.storage.replace(obj, _BufferReader(self._buffer), len(self._buffer))
            else:
                if self._buffer:
                    self._flush()
                self.storage.put_manifest(
                    obj,
                    self._segments,
                    segments_bucket=self._bucket,
                    prefix=self._prefix,
                    created=self._created,
                )
        except BaseException:
            self.abort()
            raise
        self._done = True
        self._buffer = bytearray()

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        self._buffer = bytearray()
        created, self._created = self._created, []
        for number, (container, name) in enumerate(reversed(created)):
            try:
                self.storage.delete_segment(container, name)
            except StoreUnavailable:  # the store is down: the others would wait as long
                logger.warning(
                    "Swift: %d segment(s) of an aborted upload left behind in %s under %s",
                    len(created) - number,
                    container,
                    self._prefix,
                )
                return


class SwiftResumableSink:
    """A resumable upload to Swift: segments in the segments container, under a prefix of the
    upload's own (`<key>/resumable-<hex>/`, numbered in order: a segment sent again after a
    rollback or a lost request replaces the one of that number), full ones of `segment_size`
    as they fill, and the rest of a request (however small: Swift's SLO takes segments of 1
    byte and more) as one segment more at `checkpoint`. The state lists the segments; `commit`
    writes the SLO manifest at the key in one step (docs/decisions/resumable-storage.md)."""

    def __init__(
        self,
        storage: SwiftObjectStorage,
        obj: ObjectName,
        state: SinkState | None,
        *,
        upload_id: UUID,
        length: int,
    ) -> None:
        self.storage = storage
        self.obj = obj
        self.length = length
        self.bucket = storage.segments_bucket(obj)
        self.prefix = f"{obj.key}/{RESUMABLE_PREFIX}{upload_id.hex}/"
        listed = [] if state is None else list(state["segments"])
        self._checkpointed: list[dict[str, Any]] = [
            {"path": path, "etag": etag, "size_bytes": int(size)} for path, etag, size in listed
        ]
        self._segments = list(self._checkpointed)
        self._checkpointed_size = 0 if state is None else int(state["size"])
        self.size = self._checkpointed_size
        self._buffer = PartBuffer()
        self._done = self._committed = False

    def write(self, data: bytes) -> None:
        if self._done:
            raise ValueError("the upload is finished")
        view = memoryview(data)
        while view:
            start = self.size + (len(data) - len(view)) - len(self._buffer)
            capacity = max(1, min(self.storage.segment_size, self.length - start))
            view = self._buffer.fill(view, capacity)
            if len(self._buffer) >= self.storage.segment_size:
                self._flush()
        self.size += len(data)

    def checkpoint(self) -> SinkState:
        if self._done:
            raise ValueError("the upload is finished")
        if self._buffer:
            self._flush()
        self._checkpointed = list(self._segments)
        self._checkpointed_size = self.size
        return {
            "size": self.size,
            "segments": [
                [entry["path"], entry["etag"], entry["size_bytes"]] for entry in self._segments
            ],
        }

    def rollback(self) -> None:
        """The segments written since the checkpoint are deleted (their numbers would be
        written again, but maybe fewer of them: none must outlive the upload unlisted)."""
        written = self._segments[len(self._checkpointed) :]
        for entry in written:
            container, _, name = entry["path"].lstrip("/").partition("/")
            self.storage.delete_segment(container, name)
        self._segments = list(self._checkpointed)
        self._buffer.clear()
        self.size = self._checkpointed_size

    def commit(self, name: str) -> None:
        if self._done:
            return
        if self.storage.object_name(name) != self.obj:
            raise ValueError(f"this upload was opened for {self.obj}, not {name!r}")
        if self._buffer:  # the last request's bytes (no checkpoint before a commit)
            self._flush()
        if not self._segments:  # nothing at all: an empty object (a manifest needs a segment)
            self.storage.replace(self.obj, _BufferReader(b""), 0)
        else:
            self.storage.put_manifest(
                self.obj,
                self._segments,
                segments_bucket=self.bucket,
                prefix=self.prefix,
                created=[],
            )
        self._done = self._committed = True

    def abort(self) -> None:
        """Every segment under the upload's prefix, those of requests that never checkpointed
        too (one listing, then a DELETE each); nothing once committed (they are the key's)."""
        if self._committed:
            return
        self._done = True
        self._buffer.clear()
        names = [info.key for info in self.storage.objects(self.bucket, self.prefix)]
        for name in names:
            self.storage.delete_segment(self.bucket, name)

    def _flush(self) -> None:
        name = f"{self.prefix}{len(self._segments):08d}"
        etag = self.storage.put_segment(self.bucket, name, self._buffer.contents())
        self._segments.append(
            {"path": f"/{self.bucket}/{name}", "etag": etag, "size_bytes": len(self._buffer)}
        )
        self._buffer.clear()


# ---------------------------------------------------------------------------------------------
# Helpers


def _os_options(
    auth_version: str,
    *,
    tenant_name: str | None,
    region_name: str | None,
    user_domain_name: str | None,
    project_domain_name: str | None,
) -> dict[str, str]:
    """swiftclient's `os_options` for Keystone (v1 ignores them)."""
    options: dict[str, str] = {}
    if tenant_name:
        options["tenant_name"] = tenant_name
        if auth_version.startswith("3"):
            options["project_name"] = tenant_name
    if region_name:
        options["region_name"] = region_name
    if auth_version.startswith("3"):
        options["user_domain_name"] = user_domain_name or "Default"
        options["project_domain_name"] = project_domain_name or "Default"
    return options


@contextmanager
def _unavailable_on_errors(what: str) -> Iterator[None]:
    """The store's failures as StoreUnavailable, with no secret in the message (the details
    go to the log). Callers read the 404s they expect inside the block (an absent object);
    one that gets out is a container gone (FolderObjectStorage says the same)."""
    try:
        yield
    except ClientException as error:
        status = error.http_status
        logger.warning("Swift: %s failed: %s", what, error)
        if status in (401, 403) or (status is None and "nauthori" in str(error)):
            reason = "Swift refused the credentials"
        elif status == 404:
            reason = "a bucket does not exist"
        elif status is None:
            reason = "Swift did not complete the request"
        else:
            reason = f"Swift answered {status}"
        raise StoreUnavailable(f"{reason} while {what}") from error
    except KeystoneError as error:
        logger.warning("Swift: %s failed at Keystone: %s", what, error)
        raise StoreUnavailable(f"the identity service failed while {what}") from error
    except FileNotFoundError:
        raise
    except OSError as error:  # refused or dropped connections, timeouts (requests' too)
        logger.warning("Swift: %s failed: %r", what, error)
        raise StoreUnavailable(f"Swift cannot be reached while {what}") from error


def _remaining_size(source: IO[bytes]) -> int | None:
    """How many bytes a seekable source holds from where it is; None when it cannot say."""
    try:
        if hasattr(source, "seekable") and not source.seekable():
            return None
        position = source.tell()
        end = source.seek(0, os.SEEK_END)
        source.seek(position)
    except (AttributeError, OSError, ValueError):
        return None
    return int(end) - int(position)


def _modified(headers: dict[str, str]) -> datetime:
    if "x-timestamp" in headers:
        return datetime.fromtimestamp(float(headers["x-timestamp"]), UTC)
    return parsedate_to_datetime(headers["last-modified"]).astimezone(UTC)


def _listed(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["last_modified"]).replace(tzinfo=UTC)


# One `key=value` parameter of a header: a token, or a quoted string with backslash escapes.
_PARAMETER = re.compile(r'\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)\s*(?:;|$)')


def _disposition_query(disposition: str | None) -> str:
    """TempURL's query for a Content-Disposition value: `inline` and/or `filename=`, the
    UTF-8 `filename*` (RFC 6266) preferred to its ASCII fallback."""
    if not disposition:
        return ""
    kind, _, rest = disposition.partition(";")
    parameters = {}
    for match in _PARAMETER.finditer(rest):
        value = match.group(2).strip()
        if value.startswith('"') and value.endswith('"') and len(value) > 1:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        parameters[match.group(1).lower()] = value
    filename = parameters.get("filename", "")
    if "filename*" in parameters:
        charset, _, encoded = parameters["filename*"].partition("'")
        _, _, encoded = encoded.partition("'")
        filename = unquote(encoded, encoding=charset or "utf-8", errors="replace")
    encoded = urlencode([("filename", filename)], quote_via=quote) if filename else ""
    if kind.strip().lower() == "inline":
        return f"inline&{encoded}" if encoded else "inline"
    return encoded


class _BufferReader(io.RawIOBase):
    """Reads a bytearray without copying it whole (swiftclient seeks back to retry a PUT)."""

    def __init__(self, data: bytes | bytearray) -> None:
        super().__init__()
        self._data = data
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: len(self._data)}
        self._position = max(base[whence] + offset, 0)
        return self._position

    def release(self) -> None:
        """Drop the reference to the bytes (read nothing from now on)."""
        self._data = b""

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._data) if size is None or size < 0 else self._position + size
        chunk = bytes(self._data[self._position : end])
        self._position += len(chunk)
        return chunk


class _StreamedBody:
    """A streamed GET's body, read as the caller asks; closing it closes its connection."""

    def __init__(self, body: Any, connection: swiftclient.Connection) -> None:
        self._body = body
        self._connection = connection

    def read(self, size: int = -1) -> bytes:
        with _unavailable_on_errors("reading an object"):
            if size is None or size < 0:
                return b"".join(iter(lambda: bytes(self._body.read(CHUNK_SIZE)), b""))
            return bytes(self._body.read(size))

    def close(self) -> None:
        try:
            self._body.close()
        finally:
            self._connection.close()
