"""S3 (and S3-compatible stores: MinIO, Ceph, Swift's s3api...) as an object store, through
django-storages' `S3Storage` and its boto3 connection (`FS_BACKEND=s3`).

django-storages configures the connection (credentials, endpoint, region, client config); the
primitives of `ObjectStorage` call its boto3 client directly, because `S3Storage`'s own file
object buffers whole objects and one `S3Storage` stands for one bucket while the `previews`
alias spans Zou's three (docs/decisions/s3-backend.md). How the primitives keep streams streams:

- `get` is one GetObject with `Range: bytes=<start>-`, its body read as the caller consumes it.
- `put` and `sink(obj)` send a multipart upload, one part of `objects.PART_SIZE` at a time (at
  most one part in memory); the object appears in one step at CompleteMultipartUpload, and an
  abort is AbortMultipartUpload. Smaller contents (and empty ones) are a single PutObject.
- `sink(None)` (destination unknown until the upload is checked) stages the upload under
  `incoming/<uuid>` in the `files` bucket; commit is a server-side copy (multipart copy for
  large objects, no byte through this process) then the staging object's deletion.

Errors: an absent key is FileNotFoundError (None for `head`, once the bucket is known to
exist); a store that cannot be reached, times out, answers 5xx, refuses (403) or lacks a bucket
is `StoreUnavailable`. The client's timeouts and retries are bounded (config.s3_options) so a
stopped store answers in seconds.
"""

import contextlib
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any
from uuid import UUID

import urllib3.exceptions
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from storages.backends.s3 import S3Storage

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
    UploadSink,
)

logger = logging.getLogger(__name__)

# Where uploads whose destination is not known yet are staged (in the `files` bucket):
# prune_storage may remove what a crashed process left there.
STAGING_PREFIX = "incoming/"
# Server-side copies (a staged upload's commit) go in parts of this size above it: the store
# copies, so large parts cost no memory here and save requests.
COPY_PART_SIZE = 256 * 1024 * 1024
# What `put` reads from its source at a time, into the part being filled (no second part-sized
# buffer: 8.7 MiB of Python memory at most for a 32 MiB upload, measured with tracemalloc).
READ_SIZE = 1024 * 1024
# S3's limits on a multipart upload: parts are numbered 1 to 10,000, and at most 5 GiB each.
MAX_PARTS = 10_000
MAX_PART_SIZE = 5 * 1024**3
MIB = 1024 * 1024

# What a failed call looks like, whatever the layer that raised it: botocore (connection,
# timeouts, the store's answers), urllib3 under a streamed body.
_FAILURES = (
    BotoCoreError,
    ClientError,
    urllib3.exceptions.HTTPError,
    ConnectionError,
    TimeoutError,
)
_ABSENT_CODES = {"NoSuchKey", "404", "NotFound"}


def _code(error: BaseException) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", ""))
    return ""


def _status(error: BaseException) -> int:
    if isinstance(error, ClientError):
        return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return 0


def _is_absent(error: BaseException) -> bool:
    return _code(error) in _ABSENT_CODES


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)  # botocore's are aware, in dateutil's tzutc


def _unavailable(what: str, error: BaseException) -> StoreUnavailable:
    """The error callers see: what failed and why, in the store's words (an error code or
    the client's exception class: never a credential or a signed URL)."""
    reason = _code(error) or type(error).__name__
    status = _status(error)
    detail = f"{reason}, HTTP {status}" if status else reason
    logger.warning("S3 %s failed: %s", what, detail)
    return StoreUnavailable(f"S3 {what} failed: {detail}")


class S3ObjectStorage(ObjectStorage):
    """Zou's buckets and keys on an S3 store (options: config.s3_options)."""

    def __init__(
        self,
        *,
        bucket: str | None = None,
        bucket_prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        create_buckets: bool = False,
        connect_timeout: float = 5,
        read_timeout: float = 60,
        max_attempts: int = 2,
        verify: bool | str | None = None,
    ) -> None:
        super().__init__(bucket=bucket, bucket_prefix=bucket_prefix)
        # Read by aliases.prepare_buckets at start-up (FS_S3_CREATE_BUCKET).
        self.create_buckets = create_buckets
        self.staging_bucket = f"{bucket_prefix}files"
        self.copy_part_size = COPY_PART_SIZE
        # The smallest part of a resumable upload (a test may lower it to S3's 5 MiB floor).
        self.resumable_part_size = PART_SIZE
        client_config = Config(
            # Path-style (`<endpoint>/<bucket>/<key>`): what S3-compatible stores on one host
            # answer; signature v4, which every current store takes (SigV2 fails on some).
            s3={"addressing_style": "path"},
            signature_version="s3v4",
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            # Few retries: a request to a stopped store gives up in seconds (503 to the
            # client, who may retry), not after minutes of backing off.
            retries={"max_attempts": max_attempts, "mode": "standard"},
        )
        self.s3 = S3Storage(
            bucket_name=self.staging_bucket,
            endpoint_url=endpoint_url or None,
            region_name=region or None,  # None: boto3's own chain (AWS_DEFAULT_REGION...)
            access_key=access_key or None,
            secret_key=secret_key or None,
            verify=verify,
            addressing_style="path",
            signature_version="s3v4",
            file_overwrite=True,
            client_config=client_config,
            # Only used if S3Storage's own file objects were: spill them to disk past a part.
            max_memory_size=PART_SIZE,
        )

    @property
    def client(self) -> Any:
        """django-storages' boto3 client (one per thread)."""
        return self.s3.connection.meta.client

    # -- Reads -----------------------------------------------------------------------------

    def head(self, obj: ObjectName) -> ObjectInfo | None:
        try:
            answer = self.client.head_object(Bucket=obj.bucket, Key=obj.key)
        except _FAILURES as error:
            if not _is_absent(error):
                raise _unavailable(f"HeadObject of {obj.bucket}/{obj.key}", error) from error
            # A HEAD's 404 has no body to tell a missing key from a missing bucket: a bucket
            # gone is the store being unusable (readiness probes rely on it,
            # kitsufiles/health.py), so a miss costs a HeadBucket.
            if not self.has_bucket(obj.bucket):
                raise StoreUnavailable(f"S3 bucket {obj.bucket} does not exist") from error
            return None
        return ObjectInfo(obj.key, int(answer["ContentLength"]), _utc(answer["LastModified"]))

    def get(self, obj: ObjectName, start: int = 0) -> ObjectBody:
        what = f"GetObject of {obj.bucket}/{obj.key}"
        request: dict[str, Any] = {"Bucket": obj.bucket, "Key": obj.key}
        if start > 0:
            request["Range"] = f"bytes={start}-"
        try:
            answer = self.client.get_object(**request)
        except _FAILURES as error:
            if _is_absent(error):
                raise FileNotFoundError(f"{obj.bucket}/{obj.key}") from error
            if _code(error) == "InvalidRange":  # from at or past the end: nothing to read
                return EmptyBody()
            raise _unavailable(what, error) from error
        return _Body(answer["Body"], what)

    def objects(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        try:
            for page in pages:
                for item in page.get("Contents", ()):
                    yield ObjectInfo(item["Key"], int(item["Size"]), _utc(item["LastModified"]))
        except _FAILURES as error:
            raise _unavailable(f"ListObjectsV2 of {bucket}", error) from error

    def signed_url(
        self,
        obj: ObjectName,
        *,
        expires: int,
        disposition: str | None = None,
        content_type: str | None = None,
    ) -> str:
        params: dict[str, str] = {"Bucket": obj.bucket, "Key": obj.key}
        if disposition is not None:
            params["ResponseContentDisposition"] = disposition
        if content_type is not None:
            params["ResponseContentType"] = content_type
        try:
            return str(
                self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)
            )
        except _FAILURES as error:  # no request is made: only missing credentials fail
            raise _unavailable(f"presigning {obj.bucket}/{obj.key}", error) from error

    # -- Writes ----------------------------------------------------------------------------

    def put(self, obj: ObjectName, source: IO[bytes]) -> int:
        upload = _MultipartUpload(self, obj)
        try:
            while chunk := source.read(READ_SIZE):
                upload.write(chunk)
            upload.complete()
        finally:
            upload.abort()  # after complete(): nothing
        return upload.size

    def remove(self, obj: ObjectName) -> None:
        try:
            self.client.delete_object(Bucket=obj.bucket, Key=obj.key)
        except _FAILURES as error:
            if _is_absent(error):
                return
            raise _unavailable(f"DeleteObject of {obj.bucket}/{obj.key}", error) from error

    def sink(self, obj: ObjectName | None = None) -> UploadSink:
        if obj is not None:
            return _DirectSink(self, obj)
        return _StagedSink(self)

    def resumable_sink(
        self, obj: ObjectName, state: SinkState | None, *, upload_id: UUID, length: int
    ) -> "S3ResumableSink":
        return S3ResumableSink(self, obj, state, upload_id=upload_id, length=length)

    def multipart_uploads(self, bucket: str) -> Iterator["MultipartUpload"]:
        """The multipart uploads begun in `bucket` and neither completed nor aborted, paged
        (prune_storage: kitsufiles/stores/inventory.py)."""
        pages = self.client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket)
        try:
            for page in pages:
                for item in page.get("Uploads", ()):
                    yield MultipartUpload(
                        ObjectName(bucket, item["Key"]), item["UploadId"], _utc(item["Initiated"])
                    )
        except _FAILURES as error:
            raise _unavailable(f"ListMultipartUploads of {bucket}", error) from error

    def multipart_size(self, upload: "MultipartUpload") -> int:
        """The bytes of the parts a multipart upload holds (ListParts, paged)."""
        pages = self.client.get_paginator("list_parts").paginate(
            Bucket=upload.obj.bucket, Key=upload.obj.key, UploadId=upload.upload_id
        )
        try:
            return sum(int(part["Size"]) for page in pages for part in page.get("Parts", ()))
        except _FAILURES as error:
            if _code(error) == "NoSuchUpload":  # completed or aborted meanwhile
                return 0
            what = f"ListParts of {upload.obj.bucket}/{upload.obj.key}"
            raise _unavailable(what, error) from error

    def abort_multipart_upload(self, obj: ObjectName, upload_id: str) -> None:
        """Forget a multipart upload and its parts; one already gone is no error."""
        try:
            self.client.abort_multipart_upload(Bucket=obj.bucket, Key=obj.key, UploadId=upload_id)
        except _FAILURES as error:
            if _code(error) == "NoSuchUpload" or _is_absent(error):
                return
            raise _unavailable(f"AbortMultipartUpload of {obj.bucket}/{obj.key}", error) from error

    def copy(self, source: ObjectName, destination: ObjectName) -> None:
        """A server-side copy (boto3's managed copy: multipart copy for large objects)."""
        config = TransferConfig(
            multipart_threshold=self.copy_part_size,
            multipart_chunksize=self.copy_part_size,
            use_threads=False,
        )
        try:
            self.client.copy(
                CopySource={"Bucket": source.bucket, "Key": source.key},
                Bucket=destination.bucket,
                Key=destination.key,
                Config=config,
            )
        except _FAILURES as error:
            what = f"copy of {source.bucket}/{source.key} to {destination.bucket}/{destination.key}"
            raise _unavailable(what, error) from error

    # -- Buckets ---------------------------------------------------------------------------

    def has_bucket(self, bucket: str) -> bool:
        try:
            self.client.head_bucket(Bucket=bucket)
        except _FAILURES as error:
            if _is_absent(error) or _code(error) == "NoSuchBucket":
                return False
            raise _unavailable(f"HeadBucket of {bucket}", error) from error
        return True

    def make_bucket(self, bucket: str) -> None:
        request: dict[str, Any] = {"Bucket": bucket}
        region = self.client.meta.region_name
        if region and region != "us-east-1":  # S3's default region takes no constraint
            request["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self.client.create_bucket(**request)
        except _FAILURES as error:
            if _code(error) in {"BucketAlreadyOwnedByYou"}:
                return
            raise _unavailable(f"CreateBucket of {bucket}", error) from error


# ---------------------------------------------------------------------------------------------
# Streamed bodies


class _Body:
    """A GetObject body read as the caller consumes it; failures on the way are the store's."""

    def __init__(self, body: Any, what: str) -> None:
        self._body = body
        self._what = what

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._body.read(None if size is None or size < 0 else size)
        except _FAILURES as error:
            self.close()
            raise _unavailable(f"{self._what} (reading)", error) from error
        return bytes(data)

    def close(self) -> None:
        with contextlib.suppress(*_FAILURES):  # a broken connection: nothing left to close
            self._body.close()


# ---------------------------------------------------------------------------------------------
# Uploads


class _MultipartUpload:
    """Bytes sent to one key as they come: a single PutObject while they fit in a part, a
    multipart upload (parts of PART_SIZE, the last one shorter) once they do not. Nothing is
    visible at the key before `complete()`; `abort()` forgets what was sent."""

    def __init__(self, storage: S3ObjectStorage, obj: ObjectName) -> None:
        self.storage = storage
        self.obj = obj
        self.size = 0
        # The part being filled: handed to botocore as it is (it signs, checksums and sends
        # a bytearray without copying it), then replaced by a new one.
        self._part = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._done = False

    @property
    def upload_id(self) -> str | None:
        return self._upload_id

    def write(self, data: bytes) -> None:
        if self._done:
            raise ValueError("the upload is finished")
        self.size += len(data)
        view = memoryview(data)
        while len(view):
            room = PART_SIZE - len(self._part)
            self._part += view[:room]
            view = view[room:]
            if len(self._part) == PART_SIZE:
                part, self._part = self._part, bytearray()
                self._send_part(part)

    def complete(self) -> None:
        if self._done:
            return
        client = self.storage.client
        bucket, key = self.obj.bucket, self.obj.key
        if self._upload_id is None:
            try:
                client.put_object(Bucket=bucket, Key=key, Body=self._part)
            except _FAILURES as error:
                raise _unavailable(f"PutObject of {bucket}/{key}", error) from error
        else:
            if self._part:
                self._send_part(self._part)
            try:
                client.complete_multipart_upload(
                    Bucket=bucket,
                    Key=key,
                    UploadId=self._upload_id,
                    MultipartUpload={"Parts": self._parts},
                )
            except _FAILURES as error:
                raise _unavailable(f"CompleteMultipartUpload of {bucket}/{key}", error) from error
        self._part = bytearray()
        self._done = True

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        self._part = bytearray()
        if self._upload_id is None:
            return
        try:
            self.storage.client.abort_multipart_upload(
                Bucket=self.obj.bucket, Key=self.obj.key, UploadId=self._upload_id
            )
        except _FAILURES as error:
            # The store is gone or refuses: the parts stay until its lifecycle rules (or
            # prune_storage) remove them; the key itself was never changed.
            logger.warning(
                "S3 AbortMultipartUpload of %s/%s failed (%s): its parts are left behind",
                self.obj.bucket,
                self.obj.key,
                _code(error) or type(error).__name__,
            )

    def _send_part(self, part: bytearray) -> None:
        client = self.storage.client
        bucket, key = self.obj.bucket, self.obj.key
        try:
            if self._upload_id is None:
                answer = client.create_multipart_upload(Bucket=bucket, Key=key)
                self._upload_id = str(answer["UploadId"])
            number = len(self._parts) + 1
            answer = client.upload_part(
                Bucket=bucket, Key=key, UploadId=self._upload_id, PartNumber=number, Body=part
            )
        except _FAILURES as error:
            raise _unavailable(f"multipart upload to {bucket}/{key}", error) from error
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})


class _DirectSink:
    """An upload whose key is known before its first byte: a multipart upload to that key,
    completed on commit (the key changes in one step) and aborted on abort."""

    def __init__(self, storage: S3ObjectStorage, obj: ObjectName) -> None:
        self.storage = storage
        self.obj = obj
        self._upload = _MultipartUpload(storage, obj)
        self.size = 0

    def write(self, data: bytes) -> None:
        self._upload.write(data)
        self.size = self._upload.size

    def commit(self, name: str) -> None:
        if self.storage.object_name(name) != self.obj:
            self.abort()
            raise ValueError(f"this sink writes {self.obj}, not {name!r}")
        self._upload.complete()

    def abort(self) -> None:
        self._upload.abort()


class _StagedSink:
    """An upload whose key is not known yet: staged under `incoming/<uuid>` in the `files`
    bucket, copied to its key on the store's side on commit, then deleted."""

    def __init__(self, storage: S3ObjectStorage) -> None:
        self.storage = storage
        self.staging = ObjectName(storage.staging_bucket, f"{STAGING_PREFIX}{uuid.uuid4().hex}")
        self._upload = _MultipartUpload(storage, self.staging)
        self.size = 0
        self._staged = False  # whether the staging object may exist
        self._finished = False

    def write(self, data: bytes) -> None:
        self._upload.write(data)
        self.size = self._upload.size

    def commit(self, name: str) -> None:
        if self._finished:
            return
        destination = self.storage.object_name(name)
        try:
            self._staged = True
            self._upload.complete()
            self.storage.copy(self.staging, destination)
        finally:
            self.abort()

    def abort(self) -> None:
        if self._finished:
            return
        self._finished = True
        self._upload.abort()  # an upload still in parts; nothing once completed
        if not self._staged:
            return
        try:
            self.storage.remove(self.staging)
        except StoreUnavailable:
            logger.warning(
                "The staged upload %s/%s is left behind", self.staging.bucket, self.staging.key
            )


# ---------------------------------------------------------------------------------------------
# Resumable uploads (docs/decisions/resumable-storage.md)


@dataclass(frozen=True)
class MultipartUpload:
    obj: ObjectName
    upload_id: str
    initiated: datetime  # aware, UTC


def resumable_part_size(length: int, smallest: int = PART_SIZE) -> int:
    """The part size of a resumable upload of `length` bytes: `smallest`, or more (in whole
    MiB) when that many bytes would need more than S3's 10,000 parts."""
    needed = -(-length // MAX_PARTS)  # ceiling
    part = max(smallest, -(-needed // MIB) * MIB)
    if part > MAX_PART_SIZE:
        raise ValueError(f"{length} bytes do not fit in one S3 multipart upload")
    return part


def pending_prefix(upload_id: UUID) -> str:
    """Where the bytes of a part not full yet wait between two requests (staging bucket):
    `<prefix><end>`, `end` the offset they end at. Never overwritten: a request whose new
    state is not saved (it died after its checkpoint) must leave the pending bytes the saved
    state names as they were."""
    return f"{STAGING_PREFIX}{RESUMABLE_PREFIX}{upload_id.hex}-pending-"


class S3ResumableSink:
    """A resumable upload to S3: one multipart upload to the destination key, begun at the
    first full part, whose parts (all of `part_size` bytes but the last) are sent as they
    fill; at most one part in memory. What a request leaves of a part that is not full (less
    than a part) is put as a small object in the staging bucket at `checkpoint`, and read
    back by the next request. The state names the multipart upload, its checkpointed parts
    and the pending bytes' count; every byte is sent once to its part (the pending ones
    once more, as a small object, when a request does not end on a part's boundary).

    A pending object is named after the offset it ends at and never overwritten; the ones a
    checkpoint replaces are listed in its state (`stale`) and deleted by the next request,
    once that state is saved (docs/decisions/resumable-storage.md)."""

    def __init__(
        self,
        storage: S3ObjectStorage,
        obj: ObjectName,
        state: SinkState | None,
        *,
        upload_id: UUID,
        length: int,
    ) -> None:
        self.storage = storage
        self.obj = obj
        self.pending_prefix = pending_prefix(upload_id)
        self.length = length
        if state is None:
            self.part_size = resumable_part_size(length, storage.resumable_part_size)
            self._upload_id: str | None = None
            self._checkpointed_parts: list[tuple[int, str]] = []
            self._pending_size = 0
            self.size = 0
            self._stale: list[int] = []
        else:
            self.part_size = int(state["part_size"])
            self._upload_id = state["upload_id"]
            self._checkpointed_parts = [(int(n), str(etag)) for n, etag in state["parts"]]
            self._pending_size = int(state["pending"])
            self.size = int(state["size"])
            self._stale = [int(end) for end in state.get("stale", ())]
        # The ends of the pending objects a saved state may name: the opened state's, and
        # those of this sink's own checkpoints (saved or not: the caller knows).
        self._named = {self.size} if self._pending_size else set()
        self._checkpointed_upload_id = self._upload_id
        self._checkpointed_size = self.size
        self._parts = list(self._checkpointed_parts)
        # The part being filled; starts with the pending bytes (`_load` reads them once).
        self._buffer = PartBuffer()
        self._loaded = self._pending_size == 0
        self._dirty = False  # whether the buffer changed since the pending object was put
        self._done = self._committed = False

    # -- Writes ------------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        if self._done:
            raise ValueError("the upload is finished")
        self._load()
        view = memoryview(data)
        while len(view):
            view = self._buffer.fill(view, self._capacity())
            self._dirty = True
            if len(self._buffer) == self.part_size:
                self._send_part(self._buffer.contents())
                self._buffer.clear()
        self.size += len(data)

    def _capacity(self) -> int:
        """The size of the part being filled: a whole part, or what the upload has left."""
        start = len(self._parts) * self.part_size
        return max(1, min(self.part_size, self.length - start))

    def checkpoint(self) -> SinkState:
        if self._done:
            raise ValueError("the upload is finished")
        if self._loaded:
            if self._dirty and self._buffer:
                self._put_pending()
            pending = len(self._buffer)
        else:
            # Nothing was written since the sink was opened (writing reads the pending bytes
            # first): they are still in the object the opened state names, unread.
            pending = self._pending_size
        current = self.size if pending else None
        # The state this sink was opened from is saved: what it calls stale, no state names.
        kept = []
        for end in self._stale:
            try:
                self.storage.remove(self._pending_object(end))
            except StoreUnavailable:
                kept.append(end)
        self._stale = sorted({*kept, *(end for end in self._named if end != current)})
        if current is not None:
            self._named.add(current)
        self._dirty = False
        self._pending_size = pending
        self._checkpointed_parts = list(self._parts)
        self._checkpointed_upload_id = self._upload_id
        self._checkpointed_size = self.size
        return {
            "size": self.size,
            "part_size": self.part_size,
            "upload_id": self._upload_id,
            "parts": [[number, etag] for number, etag in self._parts],
            "pending": self._pending_size,
            "stale": self._stale,
        }

    def rollback(self) -> None:
        """Parts sent since the checkpoint are forgotten (their numbers are sent again, which
        replaces them; S3 drops the parts a completion does not list); a multipart upload
        begun since is aborted."""
        if self._upload_id is not None and self._checkpointed_upload_id is None:
            self.storage.abort_multipart_upload(self.obj, self._upload_id)
        self._upload_id = self._checkpointed_upload_id
        if len(self._parts) == len(self._checkpointed_parts) and self._loaded:
            self._buffer.truncate(self._pending_size)  # no part sent: the pending bytes are here
        else:
            self._buffer.clear()
            self._loaded = self._pending_size == 0
        self._parts = list(self._checkpointed_parts)
        self.size = self._checkpointed_size
        self._dirty = False

    def commit(self, name: str) -> None:
        if self._done:
            return
        if self.storage.object_name(name) != self.obj:
            raise ValueError(f"this upload was opened for {self.obj}, not {name!r}")
        self._load()
        client = self.storage.client
        bucket, key = self.obj.bucket, self.obj.key
        if self._upload_id is None:
            try:
                client.put_object(Bucket=bucket, Key=key, Body=self._buffer.contents())
            except _FAILURES as error:
                raise _unavailable(f"PutObject of {bucket}/{key}", error) from error
        else:
            if self._buffer:
                self._send_part(self._buffer.contents())
                self._buffer.clear()
            parts = [{"PartNumber": number, "ETag": etag} for number, etag in self._parts]
            try:
                client.complete_multipart_upload(
                    Bucket=bucket,
                    Key=key,
                    UploadId=self._upload_id,
                    MultipartUpload={"Parts": parts},
                )
            except _FAILURES as error:
                raise _unavailable(f"CompleteMultipartUpload of {bucket}/{key}", error) from error
        self._done = self._committed = True
        self._buffer.clear()
        self._remove_pending()

    def abort(self) -> None:
        if self._committed:
            return
        self._done = True
        self._buffer.clear()
        for upload_id in {self._upload_id, self._checkpointed_upload_id} - {None}:
            assert upload_id is not None
            self.storage.abort_multipart_upload(self.obj, upload_id)
        self._remove_pending()

    # -- Helpers -----------------------------------------------------------------------------

    def _load(self) -> None:
        """Read the pending bytes of the last checkpoint into the buffer (one GET of less
        than a part), before the first byte that follows them."""
        if self._loaded:
            return
        pending = self._pending_object(self._checkpointed_size)
        body = self.storage.get(pending)  # FileNotFoundError: swept meanwhile
        try:
            data = body.read()
        finally:
            body.close()
        if len(data) != self._pending_size:
            raise FileNotFoundError(
                f"the pending bytes of this upload are not those saved ({pending.key})"
            )
        self._buffer.clear()
        self._buffer.fill(memoryview(data), self._capacity())
        self._loaded = True

    def _pending_object(self, end: int) -> ObjectName:
        return ObjectName(self.storage.staging_bucket, f"{self.pending_prefix}{end}")

    def _put_pending(self) -> None:
        pending = self._pending_object(self.size)
        try:
            self.storage.client.put_object(
                Bucket=pending.bucket, Key=pending.key, Body=self._buffer.contents()
            )
        except _FAILURES as error:
            raise _unavailable(f"PutObject of {pending.key}", error) from error

    def _remove_pending(self) -> None:
        """Every pending object of the upload (one listing: those of requests whose state
        was never saved too)."""
        bucket = self.storage.staging_bucket
        try:
            for info in list(self.storage.objects(bucket, self.pending_prefix)):
                self.storage.remove(ObjectName(bucket, info.key))
        except StoreUnavailable:
            logger.warning("The pending bytes %s* are left behind", self.pending_prefix)

    def _send_part(self, part: bytes | bytearray) -> None:
        client = self.storage.client
        bucket, key = self.obj.bucket, self.obj.key
        number = len(self._parts) + 1
        try:
            if self._upload_id is None:
                answer = client.create_multipart_upload(Bucket=bucket, Key=key)
                self._upload_id = str(answer["UploadId"])
            answer = client.upload_part(
                Bucket=bucket, Key=key, UploadId=self._upload_id, PartNumber=number, Body=part
            )
        except _FAILURES as error:
            raise _unavailable(f"multipart upload to {bucket}/{key}", error) from error
        self._parts.append((number, str(answer["ETag"])))
