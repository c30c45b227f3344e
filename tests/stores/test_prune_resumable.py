"""prune_storage and resumable uploads (kitsufiles/stores/inventory.py, prune.py), on every
content backend: the bytes a live upload keeps before its commit (a file in `.incoming` or the
folder store's staging, S3's multipart upload and pending object, Swift's segments) are kept
however old; once no live upload claims them they are leftovers, removed with --delete; the
expiry hook runs first; S3's multipart uploads that nothing claims are reported and aborted.
docs/decisions/resumable-storage.md, docs/decisions/prune-storage.md."""

import dataclasses
import hashlib
import io
import os
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command

from kitsufiles.stores import inventory
from kitsufiles.stores.inventory import LiveUpload
from kitsufiles.stores.objects import FolderObjectStorage, ObjectStorage
from kitsufiles.stores.resumable import SinkState, open_resumable_sink
from kitsufiles.stores.s3 import S3ObjectStorage
from kitsufiles.stores.swift import SEGMENTS_SUFFIX, SwiftObjectStorage

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024
DAYS = 24 * 3600


@pytest.fixture
def registry(monkeypatch, content_backend):
    """A registry of this test's own (the apps' referrers kept, no upload provider)."""
    own = dataclasses.replace(inventory._registry, live_uploads=[], expiry_hooks=[])
    monkeypatch.setattr(inventory, "_registry", own)
    return own


@dataclasses.dataclass
class Upload:
    upload_id: uuid.UUID
    name: str
    data: bytes
    state: SinkState

    @property
    def key(self) -> str:
        storage = storages["files"]
        return storage.object_name(self.name).key if isinstance(storage, ObjectStorage) else ""

    def resume(self) -> None:
        """The rest of the bytes in a request of their own, then the commit."""
        sink = open_resumable_sink(
            "files", self.name, self.state, upload_id=self.upload_id, length=len(self.data)
        )
        sink.write(self.data[sink.size :])
        sink.checkpoint()
        sink.commit(self.name)


def begun(sent: int, total: int) -> Upload:
    """An upload to a name of no app's (left alone by the walk once stored) with `sent` of
    its `total` bytes received: past a part on S3 (a multipart upload, a pending object)."""
    upload_id = uuid.uuid4()
    name = f"resumable-tests/{upload_id}"
    data = (hashlib.sha256(upload_id.bytes).digest() * (total // 32 + 1))[:total]
    sink = open_resumable_sink("files", name, None, upload_id=upload_id, length=total)
    sink.write(data[:sent])
    return Upload(upload_id, name, data, sink.checkpoint())


def backdate_local(upload: Upload, seconds: float) -> None:
    """Make an upload's local bytes look old (object stores' times are their servers')."""
    storage = storages["files"]
    if isinstance(storage, FileSystemStorage):
        folder = Path(storage.location) / ".incoming"
    elif isinstance(storage, FolderObjectStorage):
        folder = storage.location / ".staging"
    else:
        return
    when = time.time() - seconds
    os.utime(folder / f"resumable-{upload.upload_id.hex}", (when, when))


def remains(upload: Upload) -> list[str]:
    """Whatever the store keeps of an upload before its commit."""
    storage = storages["files"]
    hexa = upload.upload_id.hex
    if isinstance(storage, FileSystemStorage):
        folder = Path(storage.location) / ".incoming"
        return [path.name for path in folder.iterdir() if hexa in path.name]
    if isinstance(storage, FolderObjectStorage):
        return [
            path.name for path in (storage.location / ".staging").iterdir() if hexa in path.name
        ]
    assert isinstance(storage, ObjectStorage)
    bucket = storage.buckets()[0]
    found = [info.key for info in storage.objects(bucket) if hexa in info.key]
    if isinstance(storage, S3ObjectStorage):
        found += [
            f"multipart {item.obj.key}"
            for item in storage.multipart_uploads(bucket)
            if item.obj.key == upload.key
        ]
    if isinstance(storage, SwiftObjectStorage):  # not the segments of the content
        segments = bucket + SEGMENTS_SUFFIX
        content = storage.referenced_segments(storage.object_name(upload.name))
        found += [
            info.key
            for info in storage.objects(segments)
            if hexa in info.key and (segments, info.key) not in content
        ]
    return found


def prune(*args: str) -> tuple[dict[str, list[str]], str]:
    out = io.StringIO()
    call_command("prune_storage", "--no-progress", "--alias", "files", *args, stdout=out)
    lines: dict[str, list[str]] = {}
    for line in out.getvalue().splitlines():
        kind = line.split(" ", 1)[0]
        lines.setdefault(kind, []).append(line)
    return lines, out.getvalue()


def mentions(lines: list[str], upload: Upload) -> list[str]:
    return [line for line in lines if upload.upload_id.hex in line or f"/{upload.key} " in line]


def test_live_uploads_are_kept_however_old_and_dead_ones_removed(registry, content_backend):
    live = begun(9 * MIB + 5, 12 * MIB)
    dead = begun(9 * MIB + 5, 12 * MIB)
    for upload in (live, dead):
        backdate_local(upload, 30 * DAYS)
        assert remains(upload) != []
    calls: list[bool] = []

    def expire(delete: bool) -> int:
        calls.append(delete)
        return 2

    inventory.register_live_uploads(lambda: [LiveUpload(live.upload_id, "files", live.name)])
    inventory.register_expiry(expire)

    lines, out = prune("--older-than", "0")
    assert calls == [False]
    assert "resumable uploads past their expiry: 2" in out
    assert mentions(lines.get("leftover", []), live) == []
    assert mentions(lines["live"], live) != []
    assert all("(kept: upload in progress)" in line for line in lines["live"])
    assert mentions(lines["live"], dead) == []
    dead_lines = mentions(lines["leftover"], dead)
    assert dead_lines and all("(would be removed)" in line for line in dead_lines)
    if content_backend.name == "s3":  # the multipart upload and the pending bytes
        assert len(dead_lines) == 2 and len(mentions(lines["live"], live)) == 2
    assert "bytes of live resumable uploads, kept" in out

    lines, out = prune("--delete", "--older-than", "0")
    assert calls == [False, True]
    assert "resumable uploads expired: 2" in out
    assert all("(removed)" in line for line in mentions(lines["leftover"], dead))
    assert remains(dead) == []
    assert remains(live) != []

    # The live upload goes on where it was, and its content is whole.
    live.resume()
    with storages["files"].open(live.name, "rb") as handle:
        assert handle.read() == live.data
    assert remains(live) == []
    # Nothing of it is a leftover once committed (Swift: its segments are the content's).
    lines, _ = prune("--delete", "--older-than", "0")
    assert mentions(lines.get("leftover", []), live) == []
    with storages["files"].open(live.name, "rb") as handle:
        assert handle.read() == live.data


def test_recent_bytes_of_a_dead_upload_are_kept_until_the_age_limit(registry, content_backend):
    dead = begun(5, 10)
    lines, _ = prune("--delete", "--older-than", "1")
    assert all("(kept: too recent)" in line for line in mentions(lines["leftover"], dead))
    assert remains(dead) != []


@pytest.mark.parametrize("content_backend", ["s3"], indirect=True)
def test_multipart_uploads_nothing_claims_are_aborted(registry, content_backend):
    """A multipart upload left by a process that died (a multipart POST cut short)."""
    storage = storages["files"]
    assert isinstance(storage, S3ObjectStorage)
    bucket = storage.buckets()[0]
    storage.client.create_multipart_upload(Bucket=bucket, Key="working-stray")
    lines, _ = prune("--older-than", "0")
    stray = [line for line in lines["leftover"] if f"{bucket}/working-stray " in line]
    assert stray and "(would be removed)" in stray[0]
    assert [u.obj.key for u in storage.multipart_uploads(bucket)] == ["working-stray"]
    # One that a live upload claims (its destination) is kept.
    inventory.register_live_uploads(lambda: [LiveUpload(uuid.uuid4(), "files", "working-stray")])
    lines, _ = prune("--delete", "--older-than", "0")
    assert [u.obj.key for u in storage.multipart_uploads(bucket)] == ["working-stray"]
    registry.live_uploads.clear()
    lines, _ = prune("--delete", "--older-than", "0")
    assert list(storage.multipart_uploads(bucket)) == []
    assert any("(removed)" in line for line in lines["leftover"] if "working-stray" in line)
