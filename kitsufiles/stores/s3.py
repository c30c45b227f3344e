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
from datetime import UTC, datetime
from typing import IO, Any

import urllib3.exceptions
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from storages.backends.s3 import S3Storage

from kitsufiles.stores.names import ObjectName
from kitsufiles.stores.objects import (
    PART_SIZE,
    EmptyBody,
    ObjectBody,
    ObjectInfo,
    ObjectStorage,
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
