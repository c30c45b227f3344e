"""The object stores the backend tests run against, one fixture parameter per backend.

`folder` needs no server (kitsufiles.stores.objects.FolderObjectStorage). `s3` and `swift` are
real servers on loopback, started once per test session (per xdist worker) from the project's
own scripts and stopped whatever happens: moto (tests/stores/s3_server.py,
scripts/s3-server.sh) and OpenStack Swift (tests/stores/swift_server.py,
scripts/swift-server.sh). Each test gets buckets of its own (a bucket prefix per test); S3's
are emptied and removed after it (moto keeps everything in memory)."""

import itertools
import os
from collections.abc import Iterator

import pytest

from kitsufiles.stores.objects import FolderObjectStorage, ObjectStorage
from kitsufiles.stores.s3 import S3ObjectStorage
from tests.stores.swift_server import unique_prefix

BACKENDS = ["folder", "s3", "swift"]

_prefixes = itertools.count(1)


def make_folder_store(tmp_path, *, bucket: str | None) -> ObjectStorage:
    store = FolderObjectStorage(location=str(tmp_path / "objects"), bucket=bucket)
    store.ensure_buckets(create=True)
    return store


def make_s3_store(server, *, bucket: str | None, bucket_prefix: str) -> S3ObjectStorage:
    """A store on `server` (tests/stores/s3_server.S3Server), as settings would build it."""
    return S3ObjectStorage(bucket=bucket, bucket_prefix=bucket_prefix, **server.options())


def remove_s3_buckets(store: S3ObjectStorage) -> None:
    """Empty and delete the store's buckets (and its staging bucket): moto keeps everything
    in memory for the whole session otherwise."""
    client = store.client
    for bucket in {*store.buckets(), store.staging_bucket}:
        if not store.has_bucket(bucket):
            continue
        uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", ())
        for upload in uploads:
            client.abort_multipart_upload(
                Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"]
            )
        for info in store.objects(bucket):
            client.delete_object(Bucket=bucket, Key=info.key)
        client.delete_bucket(Bucket=bucket)


@pytest.fixture
def s3_bucket_prefix() -> str:
    """Buckets of this test only (per xdist worker, which has its own server)."""
    return f"t{os.getpid()}-{next(_prefixes)}-"


def make_swift_store(request, *, bucket: str | None) -> ObjectStorage:
    """On the session's Swift (started by the first test that asks for it)."""
    server = request.getfixturevalue("swift_server")
    store = server.store(bucket=bucket, bucket_prefix=unique_prefix())
    store.ensure_buckets(create=True)
    return store


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def _store(request, backend: str, tmp_path, bucket: str | None) -> Iterator[ObjectStorage]:
    if backend == "folder":
        yield make_folder_store(tmp_path, bucket=bucket)
    elif backend == "s3":
        server = request.getfixturevalue("s3_server")
        prefix = request.getfixturevalue("s3_bucket_prefix")
        store = make_s3_store(server, bucket=bucket, bucket_prefix=prefix)
        store.ensure_buckets(create=True)
        try:
            yield store
        finally:
            remove_s3_buckets(store)
    elif backend == "swift":
        yield make_swift_store(request, bucket=bucket)
    else:  # pragma: no cover - each backend adds its branch
        raise LookupError(backend)


@pytest.fixture
def previews_store(request, backend, tmp_path) -> Iterator[ObjectStorage]:
    """The `previews` alias's store (names carry their bucket), with Zou's buckets."""
    yield from _store(request, backend, tmp_path, None)


@pytest.fixture
def files_store(request, backend, tmp_path) -> Iterator[ObjectStorage]:
    """The `files` alias's store (one bucket, `files`)."""
    yield from _store(request, backend, tmp_path, "files")
