"""The object stores the backend tests run against, one fixture parameter per backend.

`folder` needs no server (kitsufiles.stores.objects.FolderObjectStorage). `s3` and `swift`
are real servers on loopback, started once per test session from the project's own scripts
and stopped whatever happens (`swift`: tests/stores/swift_server.py, scripts/swift-server.sh);
each test gets containers of its own there (a bucket prefix of its own)."""

from collections.abc import Iterator

import pytest

from kitsufiles.stores.objects import FolderObjectStorage, ObjectStorage
from tests.stores.swift_server import unique_prefix

BACKENDS = ["folder", "swift"]


def make_folder_store(tmp_path, *, bucket: str | None) -> ObjectStorage:
    store = FolderObjectStorage(location=str(tmp_path / "objects"), bucket=bucket)
    store.ensure_buckets(create=True)
    return store


def make_swift_store(request, *, bucket: str | None) -> ObjectStorage:
    """On the session's Swift (started by the first test that asks for it)."""
    server = request.getfixturevalue("swift_server")
    store = server.store(bucket=bucket, bucket_prefix=unique_prefix())
    store.ensure_buckets(create=True)
    return store


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def previews_store(backend, tmp_path, request) -> Iterator[ObjectStorage]:
    """The `previews` alias's store (names carry their bucket), with Zou's buckets."""
    if backend == "folder":
        yield make_folder_store(tmp_path, bucket=None)
    elif backend == "swift":
        yield make_swift_store(request, bucket=None)
    else:  # pragma: no cover - each backend adds its branch
        raise LookupError(backend)


@pytest.fixture
def files_store(backend, tmp_path, request) -> Iterator[ObjectStorage]:
    """The `files` alias's store (one bucket, `files`)."""
    if backend == "folder":
        yield make_folder_store(tmp_path, bucket="files")
    elif backend == "swift":
        yield make_swift_store(request, bucket="files")
    else:  # pragma: no cover
        raise LookupError(backend)
