"""The upload handler and its sinks (kitsufiles/uploads.py): every part goes into the sink the
route chose, with its size and sha256; whatever is not committed is aborted; a store that
fails while a sink is made, written or aborted answers 503 with Retry-After, aborts the other
sinks, and changes no row.

A real S3 store fails when the multipart upload is created or a part is sent; the folder
store only when it commits. The failing sinks here stand for those moments (a refused
connection itself is tested on the s3 and swift branches)."""

import hashlib
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kitsufiles.stores.objects import StoreUnavailable
from working_files import services
from working_files.models import WorkingFile


class RecordingSink:
    """A sink that keeps its bytes in memory and says what happened to it."""

    def __init__(self, *, fail_on: str | None = None, after: int = 0) -> None:
        self.size = 0
        self.data = bytearray()
        self.committed: str | None = None
        self.aborted = False
        self.fail_on = fail_on
        self.after = after

    def _maybe_fail(self, step: str) -> None:
        if self.fail_on == step and len(self.data) >= self.after:
            raise StoreUnavailable(f"{step} refused")

    def write(self, data: bytes) -> None:
        self._maybe_fail("write")
        self.data += data
        self.size += len(data)

    def commit(self, name: str) -> None:
        self._maybe_fail("commit")
        self.committed = name

    def abort(self) -> None:
        self.aborted = True
        self._maybe_fail("abort")


@pytest.fixture
def working_file(task, admin):
    return services.create_working_file(task=task, name="main", author=admin, caller=admin)


@pytest.fixture
def sinks(monkeypatch):
    """The sinks the content route makes, in order; `plan` says how each one behaves."""
    made: list[RecordingSink] = []
    plan: list[dict] = []

    def content_sink(working_file, *, direct=True):
        sink = RecordingSink(**(plan[len(made)] if len(made) < len(plan) else {}))
        made.append(sink)
        return sink

    monkeypatch.setattr(services, "content_sink", content_sink)
    return made, plan


def post(client, working_file, **parts):
    files = {
        field: SimpleUploadedFile(f"{field}.bin", content, "application/octet-stream")
        for field, content in parts.items()
    }
    return client.post(f"/api/data/working-files/{working_file.pk}/file", files)


def row(working_file):
    return WorkingFile.objects.values("size", "checksum", "updated_at").get(pk=working_file.pk)


def test_each_part_goes_to_its_sink_with_its_size_and_sha256(admin_client, working_file, sinks):
    made, _ = sinks
    content, other = os.urandom(700_000), b"not the content"

    response = post(admin_client, working_file, file=content, extra=other)

    assert response.status_code == 201, response.content
    assert response.json()["checksum"] == hashlib.sha256(content).hexdigest()
    by_bytes = {bytes(sink.data): sink for sink in made}
    key = str(working_file.pk)
    assert by_bytes[content].committed == f"working/{key[:3]}/{key[3:6]}/{key}"
    assert by_bytes[other].committed is None and by_bytes[other].aborted


BIG = os.urandom(700_000)


@pytest.mark.parametrize(
    ("plan", "parts"),
    [
        # a part refused mid-upload
        ([{"fail_on": "write", "after": 300_000}], {"file": BIG}),
        # the second part's upload refused at once (S3: creating its multipart upload)
        ([{}, {"fail_on": "write"}], {"first": b"x" * 1000, "file": BIG}),
        # the commit refused
        ([{"fail_on": "commit"}], {"file": BIG}),
        # the first sink cannot even be aborted: the error that counts is still the write's
        ([{"fail_on": "abort"}, {"fail_on": "write"}], {"first": b"x" * 1000, "file": BIG}),
    ],
    ids=["write", "second-part", "commit", "abort-fails-too"],
)
def test_a_store_that_fails_answers_503_and_changes_nothing(
    admin_client, working_file, sinks, plan, parts
):
    made, planned = sinks
    planned.extend(plan)
    before = row(working_file)

    response = post(admin_client, working_file, **parts)

    assert response.status_code == 503, response.content
    assert response["Retry-After"].isdigit()
    assert response.json()["error"] is True
    assert row(working_file) == before
    assert len(made) == len(plan)
    assert all(sink.aborted for sink in made)
    assert all(sink.committed is None for sink in made)
