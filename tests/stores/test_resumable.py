"""The resumable sinks (kitsufiles/stores/resumable.py) on every content backend: local storage,
the folder store, S3 (moto) and Swift (loopback). Each "request" opens the sink anew, in a fresh
storage instance, from the state the last one saved as JSON (what the upload's row keeps), as a
server restarted or another machine of the cluster would.
docs/decisions/resumable-storage.md says how each backend keeps the bytes between requests."""

import hashlib
import json
import os
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from kitsufiles.stores.local import INCOMING_FOLDER, RETIRED_PREFIX
from kitsufiles.stores.objects import PART_SIZE, FolderObjectStorage, ObjectStorage
from kitsufiles.stores.resumable import LocalResumableSink, ResumableSink, SinkState
from kitsufiles.stores.s3 import S3ObjectStorage, resumable_part_size
from kitsufiles.stores.swift import SEGMENTS_SUFFIX, SwiftObjectStorage
from tests.stores.conftest import make_s3_store, remove_s3_buckets
from tests.stores.swift_server import unique_prefix

MIB = 1024 * 1024
ID = "63e453f1-9655-49ad-acba-ff7f27c49e9d"
NAME = f"working/63e/453/{ID}"
# What a request body reader hands the sink at a time.
READ = 256 * 1024


@dataclass
class Backend:
    name: str
    fresh: Callable[[], FileSystemStorage | ObjectStorage]  # a new instance on the same store

    def open(self, state: SinkState | None, upload_id: uuid.UUID, length: int) -> ResumableSink:
        """The sink as a request opens it: a fresh storage, the state through JSON."""
        storage = self.fresh()
        if state is not None:
            state = json.loads(json.dumps(state))
        if isinstance(storage, ObjectStorage):
            obj = storage.object_name(NAME)
            return storage.resumable_sink(obj, state, upload_id=upload_id, length=length)
        return LocalResumableSink(storage, NAME, state, upload_id=upload_id)

    def read(self) -> bytes | None:
        storage = self.fresh()
        if not storage.exists(NAME):
            return None
        with storage.open(NAME, "rb") as handle:
            data: bytes = handle.read()
        return data

    def save(self, data: bytes) -> None:
        self.fresh().save(NAME, ContentFile(data))

    def leftovers(self) -> list[str]:
        """Whatever an upload may keep before its commit, on this backend: the incoming or
        staging folder, objects beside the destination, multipart uploads, segments."""
        storage = self.fresh()
        if isinstance(storage, FileSystemStorage):
            folder = Path(storage.location) / INCOMING_FOLDER
            # The old content replaced by a commit is unlinked by a thread after the answer
            # (kitsufiles.stores.local.replace_file): not an upload's.
            found = folder.iterdir() if folder.exists() else ()
            return sorted(p.name for p in found if not p.name.startswith(RETIRED_PREFIX))
        if isinstance(storage, FolderObjectStorage):
            staging = storage.location / ".staging"
            return sorted(p.name for p in staging.iterdir()) if staging.exists() else []
        bucket = storage.buckets()[0]
        key = storage.object_name(NAME).key
        found = [info.key for info in storage.objects(bucket) if info.key != key]
        if isinstance(storage, S3ObjectStorage):
            found += [f"multipart {u.obj.key}" for u in storage.multipart_uploads(bucket)]
        if isinstance(storage, SwiftObjectStorage):
            # The segments of the committed content are not leftovers: its manifest's.
            segments = bucket + SEGMENTS_SUFFIX
            content = storage.referenced_segments(storage.object_name(NAME))
            found += [
                info.key
                for info in storage.objects(segments)
                if (segments, info.key) not in content
            ]
        return sorted(found)


@pytest.fixture(params=["local", "folder", "s3", "swift"])
def store(request, tmp_path) -> Iterator[Backend]:
    kind = request.param
    if kind == "local":
        yield Backend(kind, lambda: FileSystemStorage(location=str(tmp_path / "files")))
    elif kind == "folder":

        def folder() -> ObjectStorage:
            storage = FolderObjectStorage(location=str(tmp_path / "objects"), bucket="files")
            storage.ensure_buckets(create=True)
            return storage

        yield Backend(kind, folder)
    elif kind == "s3":
        server = request.getfixturevalue("s3_server")
        prefix = request.getfixturevalue("s3_bucket_prefix")
        first = make_s3_store(server, bucket="files", bucket_prefix=prefix)
        first.ensure_buckets(create=True)
        try:
            yield Backend(kind, lambda: make_s3_store(server, bucket="files", bucket_prefix=prefix))
        finally:
            remove_s3_buckets(first)
    else:
        server = request.getfixturevalue("swift_server")
        prefix = unique_prefix()
        server.store(bucket="files", bucket_prefix=prefix).ensure_buckets(create=True)
        yield Backend(kind, lambda: server.store(bucket="files", bucket_prefix=prefix))


def pattern(size: int, seed: int) -> bytes:
    """`size` bytes that differ from one offset and one seed to the next (a part or segment
    put in the wrong place shows in the checksum)."""
    block = hashlib.sha256(str(seed).encode()).digest() * (MIB // 32)
    return (block * (size // len(block) + 1))[:size]


def request(
    store: Backend,
    state: SinkState | None,
    upload_id: uuid.UUID,
    length: int,
    data: bytes,
    *,
    outcome: str = "checkpoint",
) -> SinkState | None:
    """One PATCH: open, write `data` as it would arrive, then checkpoint (the new state), roll
    back (a chunk whose checksum did not match: the state stays), or nothing (the request
    died: the state stays)."""
    sink = store.open(state, upload_id, length)
    offset = sink.size
    for start in range(0, len(data), READ):
        sink.write(data[start : start + READ])
    assert sink.size == offset + len(data)
    if outcome == "checkpoint":
        return sink.checkpoint()
    if outcome == "rollback":
        sink.rollback()
        assert sink.size == offset
    return state


def test_chunks_of_uneven_sizes_over_requests_then_one_step_commit(store):
    chunks = [pattern(size, seed) for seed, size in enumerate((1, 3 * MIB, 9 * MIB, 17 * MIB + 1))]
    whole = b"".join(chunks)
    length = len(whole)
    upload_id = uuid.uuid4()
    store.save(b"the old content")

    state = request(store, None, upload_id, length, b"")
    state = request(store, state, upload_id, length, chunks[0])
    state = request(store, state, upload_id, length, chunks[1])
    # A chunk refused (its checksum): rolled back, across a part's boundary on S3 (the first
    # part, and the multipart upload, begun and forgotten), then sent again.
    state = request(store, state, upload_id, length, pattern(9 * MIB, 99), outcome="rollback")
    state = request(store, state, upload_id, length, chunks[2])
    # Another, now that parts were checkpointed; and a request that died half-way.
    state = request(store, state, upload_id, length, pattern(6 * MIB, 98), outcome="rollback")
    state = request(store, state, upload_id, length, pattern(10 * MIB, 97), outcome="died")
    assert state is not None and state["size"] == len(b"".join(chunks[:3]))
    state = request(store, state, upload_id, length, chunks[3])
    assert state is not None and state["size"] == length
    # The state stays small: no byte of the upload in it.
    assert len(json.dumps(state)) < 2000

    # Until the commit, readers get the old content.
    assert store.read() == b"the old content"
    sink = store.open(state, upload_id, length)
    assert sink.size == length
    sink.commit(NAME)
    stored = store.read()
    assert stored is not None
    assert len(stored) == length
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(whole).hexdigest()
    assert store.leftovers() == []


def test_requests_that_bring_no_byte_keep_the_pending_ones(store):
    """An empty PATCH (a client asking whether the upload is free, or a body cut before its
    first byte) checkpoints a sink it never wrote to: the bytes of the last checkpoint stay
    (on S3, the pending object it never read)."""
    first, second = pattern(MIB + 5, 1), pattern(2 * MIB, 2)
    length = len(first) + len(second)
    upload_id = uuid.uuid4()
    state = request(store, None, upload_id, length, first)
    for _ in range(3):
        state = request(store, state, upload_id, length, b"")
    state = request(store, state, upload_id, length, b"", outcome="rollback")
    sink = store.open(state, upload_id, length)
    sink.write(second)
    sink.commit(NAME)
    assert store.read() == first + second
    assert store.leftovers() == []


def test_a_checkpoint_whose_state_was_never_saved(store):
    """A request that checkpointed, then died before the upload's row was saved: the next one
    goes on from the last saved state and finds the bytes it names, untouched (on S3 the
    pending bytes of each checkpoint are an object of their own, never overwritten)."""
    upload_id = uuid.uuid4()
    chunks = [pattern(3 * MIB, 1), pattern(2 * MIB, 2), pattern(2 * MIB + 7, 3)]
    length = sum(map(len, chunks))
    state = request(store, None, upload_id, length, chunks[0])
    request(store, state, upload_id, length, pattern(MIB, 66))  # its state is lost
    request(store, state, upload_id, length, pattern(2 * MIB, 67))  # and this one's
    for chunk in chunks[1:]:
        state = request(store, state, upload_id, length, chunk)
    store.open(state, upload_id, length).commit(NAME)
    stored = store.read()
    assert (
        stored is not None
        and hashlib.sha256(stored).digest() == hashlib.sha256(b"".join(chunks)).digest()
    )
    assert store.leftovers() == []


@pytest.mark.parametrize("store", ["s3"], indirect=True)  # S3's pending objects
def test_pending_objects_replaced_are_deleted_by_the_next_request(store):
    """S3: a 20-request upload of small chunks keeps at most two pending objects."""
    upload_id = uuid.uuid4()
    chunk = pattern(100_000, 4)
    length = 20 * len(chunk)
    state = None
    for _ in range(20):
        state = request(store, state, upload_id, length, chunk)
        assert len([key for key in store.leftovers() if "-pending-" in key]) <= 2
    store.open(state, upload_id, length).commit(NAME)
    assert store.read() == chunk * 20
    assert store.leftovers() == []


def test_abort_leaves_nothing_and_the_old_content(store):
    upload_id = uuid.uuid4()
    length = 20 * MIB
    store.save(b"the old content")
    state = request(store, None, upload_id, length, pattern(1, 1))
    state = request(store, state, upload_id, length, pattern(9 * MIB, 2))
    assert store.leftovers() != []
    sink = store.open(state, upload_id, length)
    sink.write(pattern(3 * MIB, 3))
    sink.abort()
    sink.abort()  # again: nothing
    assert store.leftovers() == []
    assert store.read() == b"the old content"
    # Its bytes are gone: the upload cannot be reopened (local) or fails at its first read.
    if store.name in ("local", "folder"):
        with pytest.raises(FileNotFoundError):
            store.open(state, upload_id, length)


def test_abort_of_a_new_upload_and_of_one_aborted_already(store):
    upload_id = uuid.uuid4()
    sink = store.open(None, upload_id, 10)
    sink.abort()
    store.open(None, upload_id, 10).abort()
    assert store.leftovers() == []


def test_a_zero_byte_upload(store):
    upload_id = uuid.uuid4()
    store.save(b"the old content")
    state = request(store, None, upload_id, 0, b"")
    store.open(state, upload_id, 0).commit(NAME)
    assert store.read() == b""
    assert store.leftovers() == []


def test_a_small_upload_in_one_request(store):
    upload_id = uuid.uuid4()
    data = pattern(1000, 5)
    state = request(store, None, upload_id, len(data), data)
    store.open(state, upload_id, len(data)).commit(NAME)
    assert store.read() == data
    assert store.leftovers() == []


def test_the_last_request_commits_without_a_checkpoint(store):
    """The request that brings the last byte commits what it wrote (a whole part past the
    checkpoint on S3, a segment's worth on Swift) without checkpointing it first."""
    upload_id = uuid.uuid4()
    first, last = pattern(3 * MIB, 1), pattern(9 * MIB, 2)
    length = len(first) + len(last)
    state = request(store, None, upload_id, length, first)
    sink = store.open(state, upload_id, length)
    sink.write(last)
    with pytest.raises(ValueError, match="opened for"):
        sink.commit(NAME + "0")
    sink.commit(NAME)
    sink.abort()  # after a commit: nothing
    assert store.read() == first + last
    assert store.leftovers() == []


def test_a_rollback_then_the_chunk_again_and_the_commit_in_one_sink(store):
    """The last request: part of its chunk rolled back, the chunk written again, committed
    without a checkpoint."""
    upload_id = uuid.uuid4()
    first, last = pattern(3 * MIB, 1), pattern(6 * MIB, 2)
    length = len(first) + len(last)
    state = request(store, None, upload_id, length, first)
    sink = store.open(state, upload_id, length)
    sink.write(last[:MIB])
    sink.rollback()
    sink.write(last)
    sink.commit(NAME)
    assert store.read() == first + last
    assert store.leftovers() == []


@pytest.mark.parametrize("store", ["s3"], indirect=True)  # S3's pending objects
def test_a_request_ending_on_part_boundaries_leaves_no_pending_bytes(store):
    """tus clients send chunks of a multiple of the part size (64 MiB: 8 parts): on S3 such a
    request puts no pending object (docs/decisions/resumable-storage.md)."""
    upload_id = uuid.uuid4()
    length = 2 * PART_SIZE + 5
    state = request(store, None, upload_id, length, pattern(2 * PART_SIZE, 1))
    assert state is not None and state["pending"] == 0 and len(state["parts"]) == 2
    assert [key for key in store.leftovers() if not key.startswith("multipart")] == []
    state = request(store, state, upload_id, length, pattern(5, 2))
    assert state is not None and state["pending"] == 5
    assert [key for key in store.leftovers() if "-pending-" in key] == [
        f"incoming/resumable-{upload_id.hex}-pending-{length}"
    ]
    store.open(state, upload_id, length).commit(NAME)
    assert store.read() == pattern(2 * PART_SIZE, 1) + pattern(5, 2)
    assert store.leftovers() == []


@pytest.mark.parametrize("store", ["s3", "swift"], indirect=True)  # (local writes hold none)
def test_memory_stays_within_a_part(store):
    """64 MiB written in one request holds at most one part in memory (S3's part, Swift's
    segment), whatever the length."""
    upload_id = uuid.uuid4()
    length = 64 * MIB + 1
    block = pattern(MIB, 3)
    sink = store.open(None, upload_id, length)
    storage = sink.storage  # type: ignore[attr-defined]
    storage.has_bucket(storage.buckets()[0])  # the client made (botocore's models: 11 MiB)
    tracemalloc.start()
    try:
        for _ in range(64):
            sink.write(block)
        sink.write(b"x")
        state = sink.checkpoint()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"peak of Python allocations: {peak / MIB:.1f} MiB")
    assert peak < 1.5 * PART_SIZE, peak
    store.open(state, upload_id, length).commit(NAME)
    stored = store.read()
    assert stored is not None and len(stored) == length


def test_the_part_size_fits_s3s_ten_thousand_parts():
    assert resumable_part_size(0) == PART_SIZE
    assert resumable_part_size(10_000 * PART_SIZE) == PART_SIZE
    # 100 GiB: 10.24 MiB a part, rounded up to 11 MiB.
    assert resumable_part_size(100 * 1024**3) == 11 * MIB
    assert resumable_part_size(100 * 1024**3) * 10_000 >= 100 * 1024**3
    with pytest.raises(ValueError):
        resumable_part_size(10_000 * 5 * 1024**3 + 1)


def test_the_folder_store_needs_no_server(tmp_path):
    """open_resumable_sink picks the storage's sink by alias (the folder store's here)."""
    from django.test import override_settings

    from kitsufiles.stores.resumable import open_resumable_sink

    location = tmp_path / "objects"
    storages_setting = {
        "files": {
            "BACKEND": "kitsufiles.stores.objects.FolderObjectStorage",
            "OPTIONS": {"location": str(location), "bucket": "files"},
        },
    }
    upload_id = uuid.uuid4()
    with override_settings(STORAGES=storages_setting):
        from django.core.files.storage import storages

        storages["files"].ensure_buckets(create=True)  # type: ignore[attr-defined]
        sink = open_resumable_sink("files", NAME, None, upload_id=upload_id, length=3)
        sink.write(b"abc")
        state = sink.checkpoint()
        open_resumable_sink("files", NAME, state, upload_id=upload_id, length=3).commit(NAME)
        assert storages["files"].open(NAME).read() == b"abc"
    assert os.listdir(location / ".staging") == []
