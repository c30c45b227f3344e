"""The app tests on every content backend: a fixture, `content_backend`, parametrized over
local storage and the object stores, that points the `files` and `previews` aliases at it for
one test (fresh buckets each time), and helpers that read what a test stored through Zou's
bucket and key, whatever the backend.

Registered for the whole suite by tests/conftest.py (`pytest_plugins`). A module runs its
tests on every backend with `pytestmark = pytest.mark.usefixtures("content_backend")` (or a
fixture of its own that depends on it); a test that is about local storage only (inodes,
renames, sendfile) says so with `@local_only`.

A backend is one entry of OBJECT_STORES (its storage class; the session fixture of its test
server, tests/stores/s3_server.py and swift_server.py, whose `options()` are the class's
OPTIONS; the options of the same store when it is down; how to clean a test's buckets and
list its unfinished uploads) and its name in CONTENT_BACKENDS. The server fixture is asked
for only by tests of that backend, so a run without the server never starts it. "The store
is down" is the same store class with the `down` options (the session's server keeps running
for the other tests); the folder store moves its buckets aside instead.
"""

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage, storages

from kitsufiles.stores.local import INCOMING_FOLDER
from kitsufiles.stores.names import ObjectName
from kitsufiles.stores.objects import FolderObjectStorage, ObjectStorage


@dataclass(frozen=True)
class ObjectStore:
    """How the tests reach one kind of object store."""

    storage_class: str  # dotted path, as STORAGES names it
    server: str | None = None  # the session fixture of its test server (None: the folder store)
    # The storage class's options (bucket and prefix aside) from what the server fixture gives.
    options: Callable[[Any], dict[str, Any]] = lambda server: dict(server.options())
    # Options that make the same class meet a store that is down (None: the folder store).
    down: dict[str, Any] | None = None
    # Empties and removes a test's buckets once it has run (None: they go with tmp_path).
    cleanup: Callable[[ObjectStorage], None] | None = None
    # The uploads begun on a store and neither committed nor aborted (S3: its multipart
    # uploads), for the tests that check an upload leaves nothing behind (None: not seen).
    pending: Callable[[ObjectStorage], list[str]] | None = None


def _remove_s3_buckets(store: ObjectStorage) -> None:
    from tests.stores.conftest import remove_s3_buckets  # (imported once the suite runs)

    remove_s3_buckets(store)  # type: ignore[arg-type]


def _s3_multipart_uploads(store: ObjectStorage) -> list[str]:
    client = store.client  # type: ignore[attr-defined]
    return [
        upload["Key"]
        for bucket in {*store.buckets(), store.staging_bucket}  # type: ignore[attr-defined]
        if store.has_bucket(bucket)
        for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", ())
    ]


# A port nothing listens on: a store configured there is a store that is down.
REFUSED = "http://127.0.0.1:9"

OBJECT_STORES: dict[str, ObjectStore] = {
    "folder": ObjectStore("kitsufiles.stores.objects.FolderObjectStorage"),
    "s3": ObjectStore(
        "kitsufiles.stores.s3.S3ObjectStorage",
        server="s3_server",
        down={"endpoint_url": REFUSED},
        cleanup=_remove_s3_buckets,
        pending=_s3_multipart_uploads,
    ),
    "swift": ObjectStore(
        "kitsufiles.stores.swift.SwiftObjectStorage",
        server="swift_server",
        # With a TempURL key: signed URLs (FS_SIGNED_URL_SECONDS) need one on Swift.
        options=lambda server: {**server.options(), "temp_url_key": "kitsufiles-test-temp-url"},
        down={"auth_url": f"{REFUSED}/auth/v1.0"},
    ),
}
CONTENT_BACKENDS = ["local", "folder", "s3", "swift"]

local_only = pytest.mark.parametrize("content_backend", ["local"], indirect=True)

_test_numbers = itertools.count(1)


@dataclass
class ContentBackend:
    """What a test stores into: `name` ("local", "folder", ...), the local folders that must
    stay empty on an object store (`local_roots`), and the work folder (local scratch)."""

    name: str
    local_roots: tuple[Path, ...]
    work_dir: Path
    bucket_prefix: str
    stop: Callable[[], None]  # the store goes down: every access is StoreUnavailable
    start: Callable[[], None]  # and comes back, with what it held

    @property
    def is_object_store(self) -> bool:
        return self.name != "local"

    def storage(self, alias: str) -> FileSystemStorage | ObjectStorage:
        storage = storages[alias]
        assert isinstance(storage, FileSystemStorage | ObjectStorage)
        return storage

    def object(self, bucket: str, key: str) -> ObjectName:
        """Zou's object (bucket without FS_BUCKET_PREFIX), as this test's stores name it."""
        return ObjectName(f"{self.bucket_prefix}{bucket}", key)

    def read(self, alias: str, name: str) -> bytes | None:
        """The stored bytes of a storage name, or None when absent."""
        storage = storages[alias]
        if not storage.exists(name):
            return None
        with storage.open(name, "rb") as handle:
            data: bytes = handle.read()
        return data

    def read_object(self, bucket: str, key: str) -> bytes | None:
        """The bytes of Zou's bucket/key on an object store (None when absent)."""
        store = self._any_object_store()
        obj = self.object(bucket, key)
        if store.head(obj) is None:
            return None
        body = store.get(obj)
        try:
            return body.read()
        finally:
            body.close()

    def local_files(self) -> list[Path]:
        """Files under the local storage folders (on an object store: none may be there)."""
        return sorted(
            path for root in self.local_roots if root.exists() for path in root.rglob("*")
            if path.is_file() and not path.is_relative_to(self.work_dir)
        )  # fmt: skip

    def stored_files(self) -> list[str]:
        """Everything the stores hold, and whatever uploads left while they arrived: the
        files of the local storage folders (`.incoming` included); on an object store its
        objects as `bucket/key`, plus a folder store's staged files."""
        found = [str(path) for path in self.local_files()]
        if not self.is_object_store:
            return found
        store = self._any_object_store()
        buckets = {
            bucket
            for alias in ("files", "previews")
            if isinstance(storage := self.storage(alias), ObjectStorage)
            for bucket in storage.buckets()
        }
        for bucket in sorted(buckets):
            found += [f"{bucket}/{info.key}" for info in store.objects(bucket)]
        if isinstance(store, FolderObjectStorage):
            staging = store.location / ".staging"
            if staging.exists():
                found += [str(path) for path in staging.iterdir()]
        return found

    def _any_object_store(self) -> ObjectStorage:
        for alias in ("previews", "files"):
            storage = storages[alias]
            if isinstance(storage, ObjectStorage):
                return storage
        raise AssertionError(f"{self.name} is not an object store")


def incoming_folder(alias: str = "files") -> Path | None:
    """Where the alias's uploads are written while they arrive, when that is a local folder:
    local storage's `.incoming`, the folder store's staging folder; None on a server."""
    storage = storages[alias]
    if isinstance(storage, FileSystemStorage):
        return Path(storage.location) / INCOMING_FOLDER
    if isinstance(storage, FolderObjectStorage):
        return storage.location / ".staging"
    return None


def pending_uploads(alias: str = "files") -> list[str]:
    """The uploads of the alias begun and neither committed nor aborted: files in the
    incoming folder, or what the store's entry says (OBJECT_STORES' `pending`)."""
    folder = incoming_folder(alias)
    if folder is not None:
        return sorted(path.name for path in folder.iterdir()) if folder.exists() else []
    storage = storages[alias]
    class_path = f"{type(storage).__module__}.{type(storage).__qualname__}"
    for entry in OBJECT_STORES.values():
        if entry.storage_class == class_path and entry.pending is not None:
            assert isinstance(storage, ObjectStorage)
            return entry.pending(storage)
    return []


def _folder_switch(location: Path) -> tuple[Callable[[], None], Callable[[], None]]:
    """The folder store 'stops': its buckets are moved aside (each access is then
    StoreUnavailable, as a refused connection is on a real store); 'starting' it puts them
    back."""
    aside = location / ".stopped"

    def stop() -> None:
        aside.mkdir(exist_ok=True)
        for bucket in location.iterdir():
            if bucket.is_dir() and not bucket.name.startswith("."):
                shutil.move(bucket, aside / bucket.name)

    def start() -> None:
        for bucket in aside.iterdir():
            shutil.move(bucket, location / bucket.name)

    return stop, start


Switch = tuple[Callable[[], None], Callable[[], None]]


def _aliases(class_path: str, options: dict[str, Any], prefix: str) -> dict[str, Any]:
    """STORAGES entries of both content aliases on one store."""
    return {
        "files": {
            "BACKEND": class_path,
            "OPTIONS": {**options, "bucket": "files", "bucket_prefix": prefix},
        },
        "previews": {
            "BACKEND": class_path,
            "OPTIONS": {**options, "bucket": None, "bucket_prefix": prefix},
        },
    }


def _object_storages(
    request: pytest.FixtureRequest, settings: Any, backend: str, root: Path, prefix: str
) -> tuple[dict[str, Any], Switch]:
    """STORAGES entries of both aliases on `backend`, and how to stop and start the store."""
    store = OBJECT_STORES[backend]
    if store.server is None:
        location = root / "objects"
        return _aliases(store.storage_class, {"location": str(location)}, prefix), _folder_switch(
            location
        )
    server = request.getfixturevalue(store.server)
    options = store.options(server)
    up = _aliases(store.storage_class, options, prefix)
    down = _aliases(store.storage_class, {**options, **(store.down or {})}, prefix)

    def stop() -> None:
        settings.STORAGES = {**settings.STORAGES, **down}

    def start() -> None:
        settings.STORAGES = {**settings.STORAGES, **up}

    return up, (stop, start)


@pytest.fixture(params=CONTENT_BACKENDS)
def content_backend(
    request: pytest.FixtureRequest, settings: Any, preview_storage: Path, tmp_path: Path
) -> Iterator[ContentBackend]:
    """Both content aliases on this test's backend, in fresh folders or buckets."""
    backend = request.param
    number = next(_test_numbers)
    files_root = tmp_path / "files"
    settings.FS_ROOT = files_root
    if backend == "local":
        work_dir = Path(settings.PREVIEW_WORK_DIR)
        settings.STORAGES = {
            **settings.STORAGES,
            "files": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(files_root)},
            },
            "previews": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(preview_storage)},
            },
        }
        yield ContentBackend(
            backend, (files_root, preview_storage), work_dir, "", _no_switch, _no_switch
        )
        return
    # Local scratch only: nothing of the stores' content may land under the storage folders.
    work_dir = tmp_path / "work"
    settings.PREVIEW_WORK_DIR = work_dir
    prefix = f"t{os.getpid()}-{number}-"  # a server may be shared by the xdist workers
    entries, (stop, start) = _object_storages(request, settings, backend, tmp_path, prefix)
    settings.STORAGES = {**settings.STORAGES, **entries}
    stores = []
    for alias in ("files", "previews"):
        store = storages[alias]
        assert isinstance(store, ObjectStorage)
        store.ensure_buckets(create=True)
        stores.append(store)
    try:
        yield ContentBackend(backend, (files_root, preview_storage), work_dir, prefix, stop, start)
    finally:
        cleanup = OBJECT_STORES[backend].cleanup
        if cleanup is not None:
            for store in stores:
                cleanup(store)


def _no_switch() -> None:  # pragma: no cover - local storage does not go down
    raise NotImplementedError("local storage cannot be stopped")


__all__ = [
    "CONTENT_BACKENDS",
    "OBJECT_STORES",
    "ContentBackend",
    "ObjectStore",
    "content_backend",
    "incoming_folder",
    "local_only",
    "pending_uploads",
]
