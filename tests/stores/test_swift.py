"""What the Swift backend (kitsufiles/stores/swift.py) does beyond the contract of every
backend (tests/stores/test_contract.py), on a real Swift on loopback
(tests/stores/swift_server.py): large objects in segments and what becomes of their segments,
ranges, TempURLs, objects written through Swift's S3 layer, a store that stops or refuses, and
the FS_SWIFT_* settings."""

import hashlib
import io
import os
import signal
import threading
import time

import boto3
import pytest
import requests
import swiftclient
from botocore.config import Config
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile

from kitsufiles.stores import config
from kitsufiles.stores.names import ObjectName
from kitsufiles.stores.objects import StoreUnavailable
from kitsufiles.stores.swift import SEGMENTS_SUFFIX, SwiftObjectStorage, _disposition_query
from tests.stores.swift_server import start_swift, swift_missing, unique_prefix

ID = "63e453f1-9655-49ad-acba-ff7f27c49e9d"
NAME = f"working/63e/453/{ID}"
SEGMENT = 256 * 1024  # small segments: several per test without megabytes of data
TEMP_URL_KEY = "kitsufiles-test-temp-url-key"


@pytest.fixture
def store(swift_server) -> SwiftObjectStorage:
    """The `files` alias on fresh containers, with small segments."""
    store = swift_server.store(bucket="files", bucket_prefix=unique_prefix(), segment_size=SEGMENT)
    store.ensure_buckets(create=True)
    return store


def segments_left(store: SwiftObjectStorage, bucket: str | None = None) -> list[str]:
    bucket = bucket or f"{store.bucket_prefix}files{SEGMENTS_SUFFIX}"
    return [info.key for info in store.objects(bucket)]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_all(store: SwiftObjectStorage, name: str) -> bytes:
    with store.open(name) as handle:
        return handle.read()


def raw_headers(store: SwiftObjectStorage, obj: ObjectName) -> dict:
    return store.new_connection().head_object(obj.bucket, obj.key)


class NotSeekable(io.RawIOBase):
    """An upload stream whose size is not known in advance."""

    def __init__(self, data: bytes) -> None:
        self._source = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._source.read(size)


# ---------------------------------------------------------------------------------------------
# Large objects


def test_a_round_trip_larger_than_a_segment_is_one_large_object(store):
    content = os.urandom(3 * SEGMENT + 1234)
    obj = store.object_name(NAME)

    size = store.put(obj, NotSeekable(content))  # size unknown: segments

    assert size == len(content) == store.size(NAME)
    assert raw_headers(store, obj)["x-static-large-object"] == "True"
    assert len(segments_left(store)) == 4
    digest = hashlib.sha256()
    with store.open(NAME) as handle:
        while chunk := handle.read(100_000):
            digest.update(chunk)
    assert digest.hexdigest() == sha256(content)


def test_a_seekable_source_of_known_size_is_one_streamed_put(store):
    content = os.urandom(3 * SEGMENT)
    store.save(NAME, ContentFile(content))  # a Django File with no name (falsy)
    headers = raw_headers(store, store.object_name(NAME))
    assert "x-static-large-object" not in headers
    assert sha256(read_all(store, NAME)) == sha256(content)
    assert segments_left(store) == []


def test_ranges_are_ranged_gets(store):
    content = os.urandom(3 * SEGMENT + 99)
    sink = store.sink(store.object_name(NAME))
    sink.write(content)
    sink.commit(NAME)

    body = store.get(store.object_name(NAME), SEGMENT - 10)  # across two segments
    try:
        assert body.read(20) == content[SEGMENT - 10 : SEGMENT + 10]
    finally:
        body.close()
    assert store.get(store.object_name(NAME), len(content)).read() == b""  # 416: nothing
    # The same through swiftclient's own Range request, as Zou's deployments read it.
    headers, part = store.new_connection().get_object(
        f"{store.bucket_prefix}files", f"working-{ID}", headers={"Range": "bytes=100-199"}
    )
    assert headers["content-range"] == f"bytes 100-199/{len(content)}"
    assert part == content[100:200]


def test_a_sink_is_invisible_until_commit_and_abort_deletes_its_segments(store):
    obj = store.object_name(NAME)
    content = os.urandom(2 * SEGMENT + 5)
    for destination in (obj, None):
        sink = store.sink(destination)
        sink.write(content)
        assert len(segments_left(store)) == 2  # uploaded as they filled
        assert store.head(obj) is None
        sink.abort()
        sink.abort()
        assert segments_left(store) == []
        assert store.head(obj) is None


def test_a_small_upload_is_one_put_at_commit(store):
    sink = store.sink(store.object_name(NAME))
    sink.write(b"small")
    assert segments_left(store) == [] and not store.exists(NAME)
    sink.commit(NAME)
    assert read_all(store, NAME) == b"small"
    assert "x-static-large-object" not in raw_headers(store, store.object_name(NAME))


def test_replacing_or_removing_a_large_object_leaves_no_segment(store):
    obj = store.object_name(NAME)
    for replacement in (b"small", os.urandom(2 * SEGMENT + 1)):
        store.put(obj, NotSeekable(os.urandom(3 * SEGMENT)))
        assert len(segments_left(store)) == 3
        sink = store.sink(None)  # to a destination told at commit
        sink.write(replacement)
        sink.commit(NAME)
        assert read_all(store, NAME) == replacement
        expected = 0 if len(replacement) < SEGMENT else 3
        assert len(segments_left(store)) == expected
    store.delete(NAME)
    assert not store.exists(NAME)
    assert segments_left(store) == []


def test_manifests_of_manifests_beyond_the_segment_limit(swift_server):
    """Swift takes at most 1,000 segments in a manifest (8 GiB with 8 MiB segments): more are
    grouped into manifests of manifests. Here with a limit of 3."""
    store = swift_server.store(
        bucket="files", bucket_prefix=unique_prefix(), segment_size=SEGMENT, manifest_segments=3
    )
    store.ensure_buckets(create=True)
    content = os.urandom(10 * SEGMENT + 7)  # 11 segments → 4 manifests → 2 → the top one
    sink = store.sink(store.object_name(NAME))
    for start in range(0, len(content), 100_000):
        sink.write(content[start : start + 100_000])
    sink.commit(NAME)
    assert store.size(NAME) == len(content)
    assert sha256(read_all(store, NAME)) == sha256(content)
    with store.open(NAME) as handle:
        handle.seek(7 * SEGMENT - 3)
        assert handle.read(6) == content[7 * SEGMENT - 3 : 7 * SEGMENT + 3]
    assert len(segments_left(store)) == 11 + 4 + 2
    store.save(NAME, ContentFile(b"replaced"))
    assert segments_left(store) == []


def test_a_zou_container_without_segments_container_gets_one_on_first_large_upload(
    swift_server,
):
    prefix = unique_prefix()
    connection = swift_server.store().new_connection()
    connection.put_container(f"{prefix}files")  # as Zou made it: no segments container
    store = swift_server.store(bucket="files", bucket_prefix=prefix, segment_size=SEGMENT)
    store.ensure_buckets(create=False)
    content = os.urandom(SEGMENT + 1)
    store.put(store.object_name(NAME), NotSeekable(content))
    assert read_all(store, NAME) == content


def test_threads_share_the_store(store):
    contents = {f"working/63e/453/{ID[:-1]}{n}": os.urandom(SEGMENT + n) for n in range(6)}
    errors: list[BaseException] = []

    def round_trip(name: str, content: bytes) -> None:
        try:
            for _ in range(3):
                store.save(name, ContentFile(content))
                with store.open(name) as handle:
                    handle.seek(5)
                    assert handle.read(10) == content[5:15]
                    assert store.exists(name)  # another call while a body is open
                    assert handle.read() == content[15:]
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=round_trip, args=item) for item in contents.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []


# ---------------------------------------------------------------------------------------------
# TempURLs


def test_a_temp_url_gives_the_bytes_and_the_disposition(swift_server):
    store = swift_server.store(
        bucket=None, bucket_prefix=unique_prefix(), temp_url_key=TEMP_URL_KEY
    )
    store.ensure_buckets(create=True)  # sets the account's TempURL key
    name = f"movies/previews/63e/453/{ID}"
    content = os.urandom(1000)
    store.save(name, ContentFile(content))
    obj = store.object_name(name)

    attachment = store.signed_url(obj, expires=60, disposition='attachment; filename="shot v1.mp4"')
    answer = requests.get(attachment, timeout=10)
    assert answer.status_code == 200 and answer.content == content
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="shot v1.mp4"')

    inline = store.signed_url(obj, expires=60, disposition="inline")
    answer = requests.get(inline, timeout=10)
    assert answer.content == content
    assert answer.headers["Content-Disposition"] == "inline"

    ranged = requests.get(inline, headers={"Range": "bytes=10-19"}, timeout=10)
    assert ranged.status_code == 206 and ranged.content == content[10:20]

    # Zou's header for a non-ASCII name: an ASCII fallback and the UTF-8 name (RFC 6266).
    accented = store.signed_url(
        obj,
        expires=60,
        disposition="attachment; filename=Prod_ete_v1.pdf; "
        "filename*=UTF-8''Prod_%C3%A9t%C3%A9_v1.pdf",
    )
    answer = requests.get(accented, timeout=10)
    assert answer.content == content
    assert "filename*=UTF-8''Prod_%C3%A9t%C3%A9_v1.pdf" in answer.headers["Content-Disposition"]

    tampered = attachment.replace("temp_url_expires=", "temp_url_expires=1")
    assert requests.get(tampered, timeout=10).status_code == 401
    assert "test:tester" not in attachment and "testing" not in attachment


@pytest.mark.parametrize(
    ("disposition", "query"),
    [
        (None, ""),
        ("inline", "inline"),
        ('inline; filename=""', "inline"),  # Zou's inline media routes
        ("inline; filename=bg.hdr", "inline&filename=bg.hdr"),
        ("attachment; filename=shot_v1.mp4", "filename=shot_v1.mp4"),
        ('attachment; filename="shot v1.mp4"', "filename=shot%20v1.mp4"),
        (
            "attachment; filename=Prod_ete_v1.pdf; filename*=UTF-8''Prod_%C3%A9t%C3%A9_v1.pdf",
            "filename=Prod_%C3%A9t%C3%A9_v1.pdf",
        ),
    ],
)
def test_dispositions_become_temp_url_queries(disposition, query):
    assert _disposition_query(disposition) == query


def test_a_bucket_removed_under_the_store_is_store_unavailable(store):
    store.save(NAME, ContentFile(b"x"))
    store.delete(NAME)
    connection = store.new_connection()
    connection.delete_container(f"{store.bucket_prefix}files")
    assert not store.exists(NAME)  # an absent object, as far as a HEAD can tell
    with pytest.raises(StoreUnavailable, match="bucket"):
        store.save(NAME, ContentFile(b"y"))


def test_signed_urls_need_a_key(store):
    with pytest.raises(ImproperlyConfigured, match="FS_SWIFT_TEMP_URL_KEY"):
        store.signed_url(store.object_name(NAME), expires=60)


# ---------------------------------------------------------------------------------------------
# Objects of a Zou deployment written through Swift's S3 layer


def test_objects_put_through_s3api_are_read_as_they_are(swift_server):
    prefix = unique_prefix()
    s3 = boto3.client(
        "s3",
        endpoint_url=swift_server.s3_endpoint,
        aws_access_key_id=swift_server.env["SWIFT_S3_ACCESS_KEY"],
        aws_secret_access_key=swift_server.env["SWIFT_S3_SECRET_KEY"],
        region_name=swift_server.env["SWIFT_S3_REGION"],
        config=Config(s3={"addressing_style": "path"}),
    )
    for bucket in ("pictures", "movies", "files"):
        s3.create_bucket(Bucket=f"{prefix}{bucket}")
    thumbnail = os.urandom(3000)
    s3.put_object(Bucket=f"{prefix}pictures", Key=f"thumbnails-{ID}", Body=thumbnail)
    movie = os.urandom(5 * 1024 * 1024 + 4321)  # a multipart upload: two parts
    upload = s3.create_multipart_upload(Bucket=f"{prefix}movies", Key=f"previews-{ID}")
    parts = []
    for number, start in enumerate((0, 5 * 1024 * 1024), start=1):
        answer = s3.upload_part(
            Bucket=f"{prefix}movies",
            Key=f"previews-{ID}",
            UploadId=upload["UploadId"],
            PartNumber=number,
            Body=movie[start : start + 5 * 1024 * 1024],
        )
        parts.append({"PartNumber": number, "ETag": answer["ETag"]})
    s3.complete_multipart_upload(
        Bucket=f"{prefix}movies",
        Key=f"previews-{ID}",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": parts},
    )

    store = swift_server.store(bucket=None, bucket_prefix=prefix)
    store.ensure_buckets(create=False)  # Zou's buckets are there
    assert read_all(store, f"pictures/thumbnails/63e/453/{ID}") == thumbnail
    assert store.size(f"movies/previews/63e/453/{ID}") == len(movie)
    assert sha256(read_all(store, f"movies/previews/63e/453/{ID}")) == sha256(movie)
    with store.open(f"movies/previews/63e/453/{ID}") as handle:
        handle.seek(5 * 1024 * 1024 - 2)
        assert handle.read(4) == movie[5 * 1024 * 1024 - 2 : 5 * 1024 * 1024 + 2]

    # Removing it removes the parts s3api kept in its own segments container.
    store.delete(f"movies/previews/63e/453/{ID}")
    assert not store.exists(f"movies/previews/63e/453/{ID}")
    assert [info.key for info in store.objects(f"{prefix}movies+segments")] == []


# ---------------------------------------------------------------------------------------------
# A store that stops or refuses


@pytest.mark.skipif(swift_missing(), reason="OpenStack Swift is not installed")
def test_a_stopped_or_hung_store_answers_store_unavailable_quickly(tmp_path):
    """A Swift of this test's own (the session's stays up): frozen (SIGSTOP: connections
    accepted, no answer), then stopped (connections refused)."""
    server = start_swift(tmp_path / "private-swift")
    try:
        store = server.store(bucket="files", timeout=2.0, retries=1)
        store.ensure_buckets(create=True)
        store.save(NAME, ContentFile(b"before"))
        opened = store.open(NAME)

        os.kill(server.proxy_pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            with pytest.raises(StoreUnavailable):
                store.exists(NAME)
            assert time.monotonic() - started < 15
        finally:
            os.kill(server.proxy_pid, signal.SIGCONT)
        assert store.exists(NAME)

        server.stop()
        for operation in (
            lambda: store.exists(NAME),
            lambda: opened.read(),
            lambda: store.save(NAME, ContentFile(b"after")),
            lambda: store.delete(NAME),
            lambda: list(store.objects(f"{store.bucket_prefix}files")),
            lambda: store.sink(store.object_name(NAME)).write(os.urandom(store.segment_size)),
        ):
            started = time.monotonic()
            with pytest.raises(StoreUnavailable) as raised:
                operation()
            assert time.monotonic() - started < 15
            assert "testing" not in raised.value.message
    finally:
        server.stop()


def test_a_wrong_key_is_store_unavailable_without_the_key(swift_server):
    store = SwiftObjectStorage(
        auth_url=swift_server.auth_url,
        user="test:tester",
        key="not-the-key-s3cr3t",
        auth_version="1",
        bucket="files",
        timeout=5.0,
        retries=0,
    )
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="refused the credentials") as raised:
        store.exists(NAME)
    assert time.monotonic() - started < 15
    assert "s3cr3t" not in raised.value.message and "s3cr3t" not in repr(store)
    with pytest.raises(StoreUnavailable):
        store.get(store.object_name(NAME))


# ---------------------------------------------------------------------------------------------
# Keystone v3 and the FS_SWIFT_* settings


def test_keystone_v3_options_reach_swiftclient(monkeypatch):
    """No Keystone server runs here: this checks that the options reach swiftclient's
    Connection and, through it, the Keystone v3 client it calls (replaced by a stand-in that
    records its arguments and refuses them, as a Keystone would refuse a wrong password)."""
    from keystoneclient import exceptions as keystone_errors

    store = SwiftObjectStorage(
        auth_url="https://keystone.example.test/v3",
        user="kitsu",
        key="s3cr3t",
        auth_version="3",
        tenant_name="studio",
        region_name="RegionTwo",
        user_domain_name="users",
        project_domain_name="projects",
        timeout=7.0,
        retries=2,
        bucket="files",
    )
    connection = store.new_connection()
    assert connection.auth_version == "3"
    assert connection.authurl == "https://keystone.example.test/v3"
    assert (connection.user, connection.key) == ("kitsu", "s3cr3t")
    assert (connection.timeout, connection.retries) == (7.0, 2)
    assert connection.os_options == {
        "tenant_name": "studio",
        "project_name": "studio",
        "region_name": "RegionTwo",
        "user_domain_name": "users",
        "project_domain_name": "projects",
    }

    seen: dict = {}

    class RefusingKeystone:
        def __init__(self, **arguments):
            seen.update(arguments)
            raise keystone_errors.Unauthorized("refused")

    monkeypatch.setattr(swiftclient.client.ksclient_v3, "Client", RefusingKeystone)
    store.retries = 0
    with pytest.raises(StoreUnavailable, match="refused the credentials") as raised:
        store.exists(NAME)
    assert "s3cr3t" not in raised.value.message
    assert seen["username"] == "kitsu" and seen["password"] == "s3cr3t"
    assert seen["project_name"] == "studio"
    assert seen["user_domain_name"] == "users" and seen["project_domain_name"] == "projects"
    assert seen["auth_url"] == "https://keystone.example.test/v3" and seen["timeout"] == 7.0


ZOU_ENV = {
    "FS_SWIFT_AUTHURL": "https://keystone.example.test/v3",
    "FS_SWIFT_USER": "kitsu",
    "FS_SWIFT_KEY": "s3cr3t",
    "FS_SWIFT_TENANT_NAME": "studio",
    "FS_SWIFT_REGION_NAME": "RegionOne",
}


def set_env(monkeypatch, values: dict[str, str]) -> None:
    for name in list(os.environ):
        if name.startswith("FS_SWIFT_"):
            monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_swift_options_from_zous_variables(monkeypatch):
    set_env(monkeypatch, ZOU_ENV)
    options = config.swift_options()
    assert options == {
        "auth_url": "https://keystone.example.test/v3",
        "user": "kitsu",
        "key": "s3cr3t",
        "auth_version": "3",  # Zou's default
        "tenant_name": "studio",
        "region_name": "RegionOne",
        "user_domain_name": None,
        "project_domain_name": None,
        "temp_url_key": None,
        "timeout": 10.0,
        "retries": 1,
        "pool_size": 20,
        "create_buckets": False,  # Zou's FS_SWIFT_CREATE_CONTAINER default
    }
    store = SwiftObjectStorage(**options, bucket="files")
    assert store.new_connection().os_options["user_domain_name"] == "Default"

    set_env(
        monkeypatch,
        {
            **ZOU_ENV,
            "FS_SWIFT_AUTH_VERSION": "1",
            "FS_SWIFT_TIMEOUT": "3",
            "FS_SWIFT_RETRIES": "0",
            "FS_SWIFT_POOL_SIZE": "4",
            "FS_SWIFT_CREATE_CONTAINER": "true",
            "FS_SWIFT_TEMP_URL_KEY": "k",
            "FS_SWIFT_USER_DOMAIN_NAME": "users",
        },
    )
    options = config.swift_options()
    assert options["auth_version"] == "1" and options["timeout"] == 3.0
    assert options["retries"] == 0 and options["pool_size"] == 4
    assert options["temp_url_key"] == "k" and options["user_domain_name"] == "users"
    assert options["create_buckets"] is True
    assert SwiftObjectStorage(**options).create_buckets is True

    entries = config.content_storages("swift", fs_root=None, preview_folder=None)  # type: ignore[arg-type]
    assert entries["files"]["BACKEND"] == "kitsufiles.stores.swift.SwiftObjectStorage"
    assert entries["files"]["OPTIONS"]["bucket"] == "files"
    assert entries["previews"]["OPTIONS"]["bucket"] is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"FS_SWIFT_USER": "kitsu"}, "FS_SWIFT_AUTHURL, FS_SWIFT_KEY"),
        ({**ZOU_ENV, "FS_SWIFT_AUTH_VERSION": "4"}, "FS_SWIFT_AUTH_VERSION"),
        ({**ZOU_ENV, "FS_SWIFT_TIMEOUT": "soon"}, "FS_SWIFT_TIMEOUT"),
        ({**ZOU_ENV, "FS_SWIFT_AES256_ENCRYPTED": "true"}, "not supported"),
    ],
)
def test_swift_options_refuse_what_cannot_work(monkeypatch, values, message):
    set_env(monkeypatch, values)
    with pytest.raises(ImproperlyConfigured, match=message):
        config.swift_options()


def _round_trip_in_child(store: SwiftObjectStorage, name: str) -> None:
    store.save(name, ContentFile(b"from the child"))
    with store.open(name) as handle:
        os._exit(0 if handle.read() == b"from the child" else 1)


def test_a_forked_process_opens_its_own_connections(store):
    """Web servers fork their workers after the master checked the buckets: a child must not
    use the parent's pooled connections (their sockets are shared)."""
    import multiprocessing

    store.save(NAME, ContentFile(b"from the parent"))  # the pool holds a connection now
    child = multiprocessing.get_context("fork").Process(
        target=_round_trip_in_child, args=(store, f"working/63e/453/{ID[:-1]}0")
    )
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert read_all(store, NAME) == b"from the parent"
    assert read_all(store, f"working/63e/453/{ID[:-1]}0") == b"from the child"
