"""One upload wins, whole (on each content backend: tests/stores/content.py): uploads to the
same working file at once leave the bytes of one of them and the size and checksum of those
same bytes, and a download running beside them never sends a length or checksum other than
those of the bytes it sends.

Storing the bytes and recording them happen under the working file's row lock; a download
opens the bytes under the same lock. The race needs real row locks and concurrent
connections: it runs on PostgreSQL (the SQLite test database is an in-memory one whose
table locks fail at once instead of waiting; see tests/race.py)."""

import hashlib
import os
import random
import threading
import time

import pytest
from django.db import connection

from kitsufiles.downloads import stored_length
from kitsufiles.uploads import HashedUploadedFile
from tests.working_files.test_content import files_storage as files_storage  # noqa: F401
from tests.working_files.test_content import stored_bytes
from working_files import selectors, services
from working_files.models import WorkingFile

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (see docstring)"
    ),
]

ROUNDS = 20
UPLOADS = 3


def prepared_upload(working_file: WorkingFile, content: bytes) -> HashedUploadedFile:
    """A finished upload in its sink, as the upload handler leaves it."""
    sink = services.content_sink(working_file)
    sink.write(content)
    return HashedUploadedFile(
        sink,
        "scene.blend",
        "application/octet-stream",
        len(content),
        None,
        hashlib.sha256(content).hexdigest(),
    )


@pytest.fixture
def slow_moves(monkeypatch):
    """A commit into place that takes a while (a slow disk, an object store's upload): it
    widens the window in which another upload could slip between the bytes and their
    record."""
    real = HashedUploadedFile.commit

    def commit_slowly(self, name: str) -> None:
        real(self, name)
        time.sleep(random.uniform(0, 0.02))

    monkeypatch.setattr(HashedUploadedFile, "commit", commit_slowly)


def in_threads(functions) -> list:
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait(timeout=30)
            results[index] = function()
        except BaseException as error:  # reported by the test, not lost in the thread
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def download_once(working_file_id) -> tuple[int, bytes, str | None]:
    """What a download reads: the length it would announce, the bytes, the ETag's checksum."""
    opened = selectors.opened_content(WorkingFile.objects.get(pk=working_file_id))
    assert opened is not None
    handle, row = opened
    with handle:
        length = stored_length(handle)
        data = handle.read()
    return length, data, row.checksum


def test_concurrent_uploads_leave_the_bytes_and_the_record_of_one(
    task,
    admin,
    slow_moves,
    files_storage,  # noqa: F811
):
    working_file = services.create_working_file(task=task, name="main", author=admin, caller=admin)
    services.store_content(
        working_file=working_file, upload=prepared_upload(working_file, b"first" * 100)
    )

    for round_number in range(ROUNDS):
        contents = [os.urandom(1000 * (index + 1) + round_number) for index in range(UPLOADS)]
        uploads = [prepared_upload(working_file, content) for content in contents]

        def store(upload=None):
            return services.store_content(
                working_file=WorkingFile.objects.get(pk=working_file.pk), upload=upload
            )

        results = in_threads(
            [lambda u=upload: store(u) for upload in uploads]
            + [lambda: download_once(working_file.pk)]
        )

        for result in results:
            assert not isinstance(result, BaseException), result
        length, data, checksum = results[-1]
        assert length == len(data), f"round {round_number}: download length"
        assert checksum == hashlib.sha256(data).hexdigest(), f"round {round_number}: ETag"
        row = WorkingFile.objects.get(pk=working_file.pk)
        on_disk = stored_bytes(row)
        assert on_disk in contents, f"round {round_number}: not one whole upload"
        assert (row.size, row.checksum) == (
            len(on_disk),
            hashlib.sha256(on_disk).hexdigest(),
        ), f"round {round_number}: the row describes other bytes"
