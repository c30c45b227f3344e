"""What the S3 backend (kitsufiles/stores/s3.py) does beyond the contract every backend passes
(test_contract.py), on a real S3 server on loopback (moto, tests/stores/s3_server.py): real
multipart uploads and copies, ranged GETs, presigned URLs fetched over HTTP, a server stopped
or frozen mid-test, buckets checked at start-up by a real process."""

import contextlib
import hashlib
import io
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from rest_framework.test import APIClient

from kitsufiles.stores.names import ObjectName
from kitsufiles.stores.objects import PART_SIZE, StoreUnavailable
from kitsufiles.stores.s3 import STAGING_PREFIX, S3ObjectStorage
from tests.stores.conftest import make_s3_store, remove_s3_buckets
from tests.stores.s3_server import S3Server, free_port

ROOT = Path(__file__).resolve().parents[2]
ID = "63e453f1-9655-49ad-acba-ff7f27c49e9d"
NAME = f"working/63e/453/{ID}"


@pytest.fixture
def store(s3_server, s3_bucket_prefix):
    store = make_s3_store(s3_server, bucket="files", bucket_prefix=s3_bucket_prefix)
    store.ensure_buckets(create=True)
    try:
        yield store
    finally:
        remove_s3_buckets(store)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_all(store: S3ObjectStorage, name: str) -> bytes:
    with store.open(name) as handle:
        return handle.read()


def uploads_in_progress(store: S3ObjectStorage, bucket: str) -> list[dict]:
    return list(store.client.list_multipart_uploads(Bucket=bucket).get("Uploads", ()))


# ---------------------------------------------------------------------------------------------
# Multipart


def test_a_large_save_is_a_multipart_upload_and_reads_back_identical(store):
    content = os.urandom(2 * PART_SIZE + 4321)
    store.save(NAME, io.BytesIO(content))

    head = store.client.head_object(Bucket=store.staging_bucket, Key=f"working-{ID}")
    assert head["ETag"].strip('"').endswith("-3")  # three parts: 8 MiB, 8 MiB, the rest
    assert head["ContentLength"] == len(content)
    digest = hashlib.sha256()
    with store.open(NAME) as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    assert digest.hexdigest() == sha256(content)


def test_small_and_empty_contents_are_one_put(store):
    store.save(NAME, ContentFile(b""))
    assert store.size(NAME) == 0 and read_all(store, NAME) == b""
    sink = store.sink(store.object_name(NAME))
    sink.commit(NAME)  # nothing written: an empty object
    assert store.size(NAME) == 0
    store.save(NAME, ContentFile(b"kitsu"))
    head = store.client.head_object(Bucket=store.staging_bucket, Key=f"working-{ID}")
    assert "-" not in head["ETag"]  # a single PutObject
    modified = store.get_modified_time(NAME)
    assert modified.tzinfo is UTC and abs((datetime.now(UTC) - modified).total_seconds()) < 300


def test_a_staged_upload_is_copied_on_the_store_in_parts_and_its_staging_removed(store):
    store.copy_part_size = 5 * 1024 * 1024  # S3's smallest copy part: a multipart copy here
    content = os.urandom(PART_SIZE + 999)
    sink = store.sink()
    for start in range(0, len(content), 300_000):
        sink.write(content[start : start + 300_000])
    sink.commit(NAME)

    head = store.client.head_object(Bucket=store.staging_bucket, Key=f"working-{ID}")
    assert head["ETag"].strip('"').endswith("-2")  # copied by UploadPartCopy, in 2 parts
    assert sha256(read_all(store, NAME)) == sha256(content)
    assert list(store.objects(store.staging_bucket, STAGING_PREFIX)) == []
    assert uploads_in_progress(store, store.staging_bucket) == []


def test_a_sinks_bytes_are_invisible_until_commit_and_an_abort_leaves_no_parts(store):
    content = os.urandom(PART_SIZE + 100)
    obj = store.object_name(NAME)

    sink = store.sink(obj)
    sink.write(content)  # one part sent, the rest buffered
    assert store.head(obj) is None
    assert [u["Key"] for u in uploads_in_progress(store, obj.bucket)] == [obj.key]
    sink.abort()
    assert store.head(obj) is None
    assert uploads_in_progress(store, obj.bucket) == []

    staged = store.sink()
    staged.write(content)
    staged.abort()
    assert uploads_in_progress(store, obj.bucket) == []
    assert list(store.objects(store.staging_bucket)) == []

    sink = store.sink(obj)
    sink.write(content)
    assert store.head(obj) is None
    sink.commit(NAME)
    assert store.size(NAME) == len(content) == sink.size
    assert uploads_in_progress(store, obj.bucket) == []


def test_a_sink_committed_under_another_name_refuses_and_writes_nothing(store):
    sink = store.sink(store.object_name(NAME))
    sink.write(b"abc")
    with pytest.raises(ValueError, match="not"):
        sink.commit(f"working/aaa/bbb/aaabbbcc-{ID}")
    assert not store.exists(NAME)
    assert not store.exists(f"working/aaa/bbb/aaabbbcc-{ID}")


# ---------------------------------------------------------------------------------------------
# Ranges and signed URLs


def test_get_is_one_ranged_request_from_the_offset(store):
    content = os.urandom(3 * 1024 * 1024)
    store.save(NAME, io.BytesIO(content))
    obj = store.object_name(NAME)

    body = store.get(obj, 1_000_000)
    try:
        assert body.read(10) == content[1_000_000:1_000_010]
        assert body.read() == content[1_000_010:]
    finally:
        body.close()
    assert store.get(obj, len(content)).read() == b""  # past the end: nothing, no error
    with pytest.raises(FileNotFoundError):
        store.get(ObjectName(obj.bucket, "working-absent"))


def test_a_signed_url_serves_the_bytes_with_the_asked_headers(store):
    content = os.urandom(100_000)
    store.save(NAME, io.BytesIO(content))
    url = store.signed_url(
        store.object_name(NAME),
        expires=300,
        disposition='attachment; filename="shot 010.psd"',
        content_type="image/vnd.adobe.photoshop",
    )
    assert "testing" not in url.split("?")[0]

    answer = requests.get(url, timeout=30)
    assert answer.status_code == 200
    assert answer.content == content
    assert answer.headers["Content-Disposition"] == 'attachment; filename="shot 010.psd"'
    assert answer.headers["Content-Type"] == "image/vnd.adobe.photoshop"

    ranged = requests.get(url, headers={"Range": "bytes=10-19"}, timeout=30)
    assert ranged.status_code == 206 and ranged.content == content[10:20]


# ---------------------------------------------------------------------------------------------
# The store going away


@pytest.fixture
def private_server(tmp_path):
    """A server of this test only, which the test stops or freezes."""
    server = S3Server(tmp_path / "private-s3")
    try:
        yield server.start()
    finally:
        pid = int(server.env.get("S3_SERVER_PID", "0"))
        if pid:  # a frozen server must be able to take its SIGTERM
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        server.stop()


def timed(call) -> float:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as raised:
        call()
    assert "testing" not in str(raised.value)  # no credential in what clients see
    return time.monotonic() - started


def test_a_stopped_store_is_unavailable_quickly_not_a_hang(private_server):
    store = make_s3_store(private_server, bucket="files", bucket_prefix="")
    store.ensure_buckets(create=True)
    content = os.urandom(PART_SIZE + 10)
    store.save(NAME, io.BytesIO(content))
    opened = store.open(NAME)
    assert opened.read(10) == content[:10]
    sink = store.sink()
    sink.write(b"x")

    private_server.stop()

    calls = {
        "exists": lambda: store.exists(NAME),
        "open": lambda: store.open(NAME),
        "read on": lambda: (opened.seek(PART_SIZE), opened.read(5)),
        "save": lambda: store.save(NAME, io.BytesIO(b"new")),
        "large save": lambda: store.save(NAME, io.BytesIO(content)),
        "sink commit": lambda: sink.commit(NAME),
        "delete": lambda: store.delete(NAME),
        "listing": lambda: list(store.objects("files")),
        "bucket check": lambda: store.ensure_buckets(create=False),
    }
    for what, call in calls.items():
        assert timed(call) < 15, what
    opened.close()
    sink.abort()  # nothing to do, and no error


def test_a_frozen_store_times_out_within_the_bounds(private_server):
    """A server that accepts connections but never answers (SIGSTOP): the read timeout and
    the few attempts bound the wait."""
    store = S3ObjectStorage(
        bucket="files",
        endpoint_url=private_server.endpoint,
        region="us-east-1",
        access_key="testing",
        secret_key="testing",
        connect_timeout=2,
        read_timeout=2,
        max_attempts=2,
    )
    store.ensure_buckets(create=True)
    store.save(NAME, ContentFile(b"kitsu"))
    os.kill(int(private_server.env["S3_SERVER_PID"]), signal.SIGSTOP)
    # Measured: about 7 s and 10 s (2 attempts of a 2 s read timeout, a backoff, and for a
    # PUT botocore's wait for `100 Continue`); with the defaults (60 s) it is 2 minutes.
    assert timed(lambda: store.exists(NAME)) < 30
    assert timed(lambda: store.save(NAME, ContentFile(b"other"))) < 30


def test_a_missing_bucket_is_unavailable_not_absent(store):
    gone = ObjectName(f"{store.bucket_prefix}gone", "working-x")
    with pytest.raises(StoreUnavailable, match=f"{gone.bucket} does not exist"):
        store.head(gone)  # a HEAD's 404 says no more than "not found"
    assert store.head(ObjectName(store.staging_bucket, "working-x")) is None
    with pytest.raises(StoreUnavailable, match="NoSuchBucket"):
        store.get(gone)
    with pytest.raises(StoreUnavailable, match="NoSuchBucket"):
        list(store.objects(gone.bucket))
    with pytest.raises(StoreUnavailable, match="NoSuchBucket"):
        store.put(gone, io.BytesIO(b"x"))


# ---------------------------------------------------------------------------------------------
# Start-up: every process checks the buckets


def manage_check(endpoint: str, tmp_path: Path, **variables: str):
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FS_"))},
        "DATA_DIR": str(tmp_path),
        "FS_BACKEND": "s3",
        "FS_S3_ENDPOINT": endpoint,
        "FS_S3_ACCESS_KEY": "testing",
        "FS_S3_SECRET_KEY": "testing",
        "FS_S3_REGION": "us-east-1",
        **variables,
    }
    environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_missing_bucket_stops_the_start_naming_it_unless_created(
    s3_server, s3_bucket_prefix, tmp_path
):
    refused = manage_check(s3_server.endpoint, tmp_path, FS_BUCKET_PREFIX=s3_bucket_prefix)
    assert refused.returncode != 0
    assert f"{s3_bucket_prefix}files" in refused.stderr
    assert "FS_S3_CREATE_BUCKET" in refused.stderr

    started = manage_check(
        s3_server.endpoint,
        tmp_path,
        FS_BUCKET_PREFIX=s3_bucket_prefix,
        FS_S3_CREATE_BUCKET="true",
    )
    assert started.returncode == 0, started.stderr
    store = make_s3_store(s3_server, bucket=None, bucket_prefix=s3_bucket_prefix)
    try:
        assert all(store.has_bucket(b) for b in store.buckets())
        assert sorted(store.buckets()) == sorted(
            f"{s3_bucket_prefix}{b}" for b in ("pictures", "movies", "files")
        )
        again = manage_check(s3_server.endpoint, tmp_path, FS_BUCKET_PREFIX=s3_bucket_prefix)
        assert again.returncode == 0, again.stderr
    finally:
        remove_s3_buckets(store)


def test_a_store_that_does_not_answer_stops_the_start(tmp_path):
    nowhere = f"http://127.0.0.1:{free_port()}"  # free: nothing listens there
    result = manage_check(nowhere, tmp_path)
    assert result.returncode != 0
    assert "unavailable" in result.stderr and "HeadBucket" in result.stderr


# ---------------------------------------------------------------------------------------------
# Readiness (kitsufiles/health.py) on S3


def previews_alias_on(settings, server: S3Server, bucket_prefix: str) -> S3ObjectStorage:
    settings.STORAGES = {
        **settings.STORAGES,
        "previews": {
            "BACKEND": "kitsufiles.stores.s3.S3ObjectStorage",
            "OPTIONS": {**server.options(), "bucket": None, "bucket_prefix": bucket_prefix},
        },
    }
    store = storages["previews"]
    assert isinstance(store, S3ObjectStorage)
    store.ensure_buckets(create=True)
    return store


def readiness_of_previews() -> tuple[int, dict]:
    response = APIClient().get("/api/health/ready")
    body = response.json()
    checks = body["data"]["checks"] if response.status_code == 503 else body["checks"]
    return response.status_code, checks["storage.previews"]


def test_readiness_sees_a_bucket_gone(db, settings, s3_server, s3_bucket_prefix):
    store = previews_alias_on(settings, s3_server, s3_bucket_prefix)
    try:
        assert readiness_of_previews()[0] == 200
        store.client.delete_bucket(Bucket=f"{s3_bucket_prefix}movies")
        status, check = readiness_of_previews()
        assert status == 503 and check["ok"] is False
        assert f"{s3_bucket_prefix}movies does not exist" in check["error"]
    finally:
        remove_s3_buckets(store)


def test_readiness_sees_a_stopped_store(db, settings, private_server):
    previews_alias_on(settings, private_server, "")
    assert readiness_of_previews()[0] == 200
    private_server.stop()
    started = time.monotonic()
    status, check = readiness_of_previews()
    assert status == 503 and "StoreUnavailable" in check["error"]
    assert time.monotonic() - started < 15
