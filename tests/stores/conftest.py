"""The object stores the backend tests run against, one fixture parameter per backend.

`folder` needs no server (kitsufiles.stores.objects.FolderObjectStorage). `s3` and `swift`
are real servers on loopback, started once per test session by tests/stores/servers.py
from the project's own scripts (scripts/objectstores.sh) and stopped whatever happens."""

from collections.abc import Iterator

import pytest

from kitsufiles.stores.objects import FolderObjectStorage, ObjectStorage

BACKENDS = ["folder"]


def make_folder_store(tmp_path, *, bucket: str | None) -> ObjectStorage:
    store = FolderObjectStorage(location=str(tmp_path / "objects"), bucket=bucket)
    store.ensure_buckets(create=True)
    return store


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def previews_store(backend, tmp_path) -> Iterator[ObjectStorage]:
    """The `previews` alias's store (names carry their bucket), with Zou's buckets."""
    if backend == "folder":
        yield make_folder_store(tmp_path, bucket=None)
    else:  # pragma: no cover - each backend adds its branch
        raise LookupError(backend)


@pytest.fixture
def files_store(backend, tmp_path) -> Iterator[ObjectStorage]:
    """The `files` alias's store (one bucket, `files`)."""
    if backend == "folder":
        yield make_folder_store(tmp_path, bucket="files")
    else:  # pragma: no cover
        raise LookupError(backend)
