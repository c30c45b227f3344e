"""What every object-store backend must do (kitsufiles/stores/objects.py), on each backend
of tests/stores/conftest.py: Zou's buckets and keys, streamed round trips larger than a part,
ranges, one-step replacement, sinks that commit or leave the key alone, listings."""

import hashlib
import io
import os

import pytest
from django.core.files.base import ContentFile

from kitsufiles.stores.names import ObjectName, name_of, object_of
from kitsufiles.stores.objects import PART_SIZE, ObjectStorage

ID = "63e453f1-9655-49ad-acba-ff7f27c49e9d"


# ---------------------------------------------------------------------------------------------
# Names (pure)


@pytest.mark.parametrize(
    ("name", "bucket", "expected"),
    [
        (f"pictures/thumbnails/63e/453/{ID}", None, ObjectName("pictures", f"thumbnails-{ID}")),
        (
            f"pictures/thumbnails/squ/are/square-{ID}",
            None,
            ObjectName("pictures", f"thumbnails-square-{ID}"),
        ),
        (
            f"pictures/preview/bac/kgr/backgrounds-{ID}",
            None,
            ObjectName("pictures", f"preview-backgrounds-{ID}"),
        ),
        (f"movies/lowdef/63e/453/{ID}", None, ObjectName("movies", f"lowdef-{ID}")),
        (f"working/63e/453/{ID}", "files", ObjectName("files", f"working-{ID}")),
        ("check/probe-1", "files", ObjectName("files", "check/probe-1")),
    ],
)
def test_names_are_zous_buckets_and_keys(name, bucket, expected):
    assert object_of(name, bucket=bucket) == expected
    assert name_of(expected, bucket=bucket) == name


def test_the_bucket_prefix_is_on_the_bucket_only():
    obj = object_of(f"movies/previews/63e/453/{ID}", bucket=None, bucket_prefix="studio-")
    assert obj == ObjectName("studio-movies", f"previews-{ID}")
    assert name_of(obj, bucket=None, bucket_prefix="studio-") == f"movies/previews/63e/453/{ID}"


# ---------------------------------------------------------------------------------------------
# Backends


def big_content() -> bytes:
    """More than two parts, not a multiple of the part size."""
    return os.urandom(2 * PART_SIZE + 12345)


def test_round_trip_larger_than_a_part(files_store: ObjectStorage):
    content = big_content()
    name = f"working/63e/453/{ID}"
    files_store.save(name, io.BytesIO(content))

    assert files_store.exists(name) and files_store.size(name) == len(content)
    digest = hashlib.sha256()
    with files_store.open(name) as handle:
        while chunk := handle.read(256 * 1024):
            digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(content).hexdigest()


def test_ranges_read_only_what_they_ask(files_store: ObjectStorage):
    content = big_content()
    name = f"working/63e/453/{ID}"
    files_store.save(name, io.BytesIO(content))
    with files_store.open(name) as handle:
        handle.seek(PART_SIZE - 10)
        assert handle.read(20) == content[PART_SIZE - 10 : PART_SIZE + 10]
        handle.seek(100)
        assert handle.read(100) == content[100:200]
        handle.seek(-5, os.SEEK_END)
        assert handle.read() == content[-5:]


def test_saving_again_replaces_in_place(previews_store: ObjectStorage):
    name = f"pictures/thumbnails/63e/453/{ID}"
    assert previews_store.save(name, ContentFile(b"first")) == name
    assert previews_store.save(name, ContentFile(b"second")) == name
    with previews_store.open(name) as handle:
        assert handle.read() == b"second"


def test_a_sink_commits_in_one_step_and_an_aborted_one_changes_nothing(
    files_store: ObjectStorage,
):
    name = f"working/63e/453/{ID}"
    files_store.save(name, ContentFile(b"old"))
    content = big_content()

    aborted = files_store.sink()
    aborted.write(content[: PART_SIZE + 1])
    aborted.abort()
    with files_store.open(name) as handle:
        assert handle.read() == b"old"

    for destination in (None, files_store.object_name(name)):
        sink = files_store.sink(destination)
        for start in range(0, len(content), 256 * 1024):
            sink.write(content[start : start + 256 * 1024])
        with files_store.open(name) as handle:  # not yet visible
            assert handle.read() == b"old"
        sink.commit(name)
        sink.abort()  # after a commit: nothing
        assert files_store.size(name) == len(content) == sink.size
        with files_store.open(name) as handle:
            assert hashlib.sha256(handle.read()).digest() == hashlib.sha256(content).digest()
        files_store.save(name, ContentFile(b"old"))


def test_absent_objects(previews_store: ObjectStorage):
    name = f"movies/previews/63e/453/{ID}"
    assert not previews_store.exists(name)
    with pytest.raises(FileNotFoundError):
        previews_store.open(name)
    with pytest.raises(FileNotFoundError):
        previews_store.size(name)
    previews_store.delete(name)  # no error


def test_listing_names_every_object_once(previews_store: ObjectStorage):
    names = {
        f"pictures/thumbnails/63e/453/{ID}",
        f"movies/lowdef/63e/453/{ID}",
        f"files/attachments/63e/453/{ID}",
    }
    for name in names:
        previews_store.save(name, ContentFile(b"x"))
    listed = set()
    for bucket in previews_store.buckets():
        for info in previews_store.objects(bucket):
            listed.add(previews_store.name(ObjectName(bucket, info.key)))
    assert names <= listed
    previews_store.delete(f"movies/lowdef/63e/453/{ID}")
    assert not previews_store.exists(f"movies/lowdef/63e/453/{ID}")


def test_a_missing_bucket_is_named(backend, tmp_path, files_store: ObjectStorage):
    """Without the create option, a store whose bucket is missing refuses to start and says
    which bucket and what to do."""
    from django.core.exceptions import ImproperlyConfigured

    missing = type(files_store).__new__(type(files_store))
    missing.__dict__.update(files_store.__dict__)
    missing.bucket_prefix = "kf-missing-"
    with pytest.raises(ImproperlyConfigured, match="kf-missing-files"):
        missing.ensure_buckets(create=False)
