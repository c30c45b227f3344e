"""End-to-end integrity of POST data/working-files/<id>/file: the client states the whole
file's sha256 (`Repr-Digest`, `Digest` or a `sha256` form field, before or after the file
part); bytes that differ are refused with 400 and nothing is committed: the previous content,
size and checksum stay, and no upload is left behind. On local storage and the object stores
(tests/stores/content.py): local storage and S3, where the
two ways of committing differ (a rename; completing a multipart upload sent straight to the
key, which a refusal aborts); the folder store and Swift commit as S3 does."""

import base64
import hashlib
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.stores.content import ContentBackend, pending_uploads
from working_files import selectors, services
from working_files.models import WorkingFile

pytestmark = [
    pytest.mark.usefixtures("content_backend"),
    pytest.mark.parametrize("content_backend", ["local", "s3"], indirect=True),
]

MIB = 1024 * 1024
# An all-zero sha256: what a client states when the bytes it sends are not its file's.
WRONG_HEX = "00" * 32
WRONG_B64 = base64.b64encode(bytes(32)).decode()


@pytest.fixture
def working_file(task, admin) -> WorkingFile:
    return services.create_working_file(task=task, name="main", author=admin, caller=admin)


def url(working_file: WorkingFile) -> str:
    return f"/api/data/working-files/{working_file.pk}/file"


def hex_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def b64_of(content: bytes) -> str:
    return base64.b64encode(hashlib.sha256(content).digest()).decode()


def post(client, working_file, content: bytes, *, fields=None, before=False, **headers):
    """The multipart upload, with `fields` before or after the file part."""
    part = SimpleUploadedFile("scene_v002.blend", content, "application/octet-stream")
    fields = fields or {}
    body = {**fields, "file": part} if before else {"file": part, **fields}
    return client.post(url(working_file), body, format="multipart", **headers)


def stored(backend: ContentBackend, working_file: WorkingFile) -> bytes | None:
    return backend.read("files", selectors.content_key(working_file))


@pytest.fixture
def previous(admin_client, working_file) -> bytes:
    """Content already stored (and checked on the way in)."""
    content = os.urandom(300_000)
    response = post(
        admin_client, working_file, content, HTTP_REPR_DIGEST=f"sha-256=:{b64_of(content)}:"
    )
    assert response.status_code == 201, response.content
    return content


def assert_previous_content_intact(backend, working_file, previous: bytes) -> None:
    row = WorkingFile.objects.get(pk=working_file.pk)
    assert (row.size, row.checksum) == (len(previous), hex_of(previous))
    assert stored(backend, working_file) == previous
    assert pending_uploads("files") == []


CONTENT = os.urandom(MIB + 12345)  # several of the handler's 256 KiB chunks


@pytest.mark.parametrize(
    "ways",
    [
        pytest.param({"HTTP_REPR_DIGEST": f"sha-256=:{b64_of(CONTENT)}:"}, id="repr-digest"),
        pytest.param(
            {
                "HTTP_REPR_DIGEST": f"sha-512=:{base64.b64encode(bytes(64)).decode()}:, "
                f"sha-256=:{b64_of(CONTENT)}:"
            },
            id="repr-digest-among-others",
        ),
        pytest.param({"HTTP_DIGEST": f"SHA-256={b64_of(CONTENT)}"}, id="digest"),
        pytest.param({"HTTP_DIGEST": f"sha-256={b64_of(CONTENT)}"}, id="digest-lower-case"),
        pytest.param({"fields": {"sha256": hex_of(CONTENT)}}, id="field-after"),
        pytest.param(
            {"fields": {"sha256": hex_of(CONTENT).upper()}, "before": True}, id="field-before"
        ),
    ],
)
def test_the_right_sha256_is_accepted(admin_client, working_file, content_backend, ways):
    response = post(admin_client, working_file, CONTENT, **ways)

    assert response.status_code == 201, response.content
    assert response.json()["checksum"] == hex_of(CONTENT)
    assert response.json()["size"] == len(CONTENT)
    assert stored(content_backend, working_file) == CONTENT
    assert pending_uploads("files") == []


@pytest.mark.parametrize(
    "ways",
    [
        pytest.param({"HTTP_REPR_DIGEST": f"sha-256=:{WRONG_B64}:"}, id="repr-digest"),
        pytest.param({"HTTP_DIGEST": f"SHA-256={WRONG_B64}"}, id="digest"),
        pytest.param({"fields": {"sha256": WRONG_HEX}}, id="field-after"),
        pytest.param({"fields": {"sha256": WRONG_HEX}, "before": True}, id="field-before"),
    ],
)
def test_a_wrong_sha256_is_refused_and_the_previous_content_stays(
    admin_client, working_file, previous, content_backend, ways
):
    response = post(admin_client, working_file, CONTENT, **ways)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] is True
    assert body["declared_sha256"] == WRONG_HEX
    assert body["received_sha256"] == hex_of(CONTENT)
    assert "does not match its declared checksum" in body["message"]
    assert WRONG_HEX in body["message"] and hex_of(CONTENT) in body["message"]
    assert "send it" in body["message"]
    assert_previous_content_intact(content_backend, working_file, previous)

    # The same file, stated rightly, goes in.
    response = post(admin_client, working_file, CONTENT, fields={"sha256": hex_of(CONTENT)})
    assert response.status_code == 201
    assert stored(content_backend, working_file) == CONTENT


def test_a_first_upload_refused_leaves_no_content(admin_client, working_file, content_backend):
    response = post(admin_client, working_file, CONTENT, HTTP_DIGEST=f"SHA-256={WRONG_B64}")

    assert response.status_code == 400
    row = WorkingFile.objects.get(pk=working_file.pk)
    assert row.checksum in (None, "") and not row.size
    assert stored(content_backend, working_file) is None
    assert pending_uploads("files") == []


@pytest.mark.parametrize(
    "ways",
    [
        pytest.param({"HTTP_REPR_DIGEST": f"sha-256={b64_of(CONTENT)}"}, id="repr-not-bytes"),
        pytest.param({"HTTP_REPR_DIGEST": "sha-256=:c2hvcnQ=:"}, id="repr-short"),
        pytest.param({"HTTP_DIGEST": "SHA-256"}, id="digest-no-value"),
        pytest.param({"HTTP_DIGEST": f"SHA-256={hex_of(CONTENT)}"}, id="digest-hex"),
        pytest.param({"fields": {"sha256": "not a sha256"}}, id="field"),
        pytest.param(
            {"HTTP_REPR_DIGEST": f"sha-256=:{b64_of(CONTENT)}:", "fields": {"sha256": WRONG_HEX}},
            id="ways-disagree",
        ),
    ],
)
def test_a_malformed_digest_is_refused(admin_client, working_file, previous, content_backend, ways):
    response = post(admin_client, working_file, CONTENT, **ways)

    assert response.status_code == 400
    assert response.json()["error"] is True
    assert "cannot be read" in response.json()["message"]
    assert_previous_content_intact(content_backend, working_file, previous)


def test_other_algorithms_alone_are_ignored(admin_client, working_file, content_backend):
    """RFC 9530 lets a server ignore algorithms it does not support: the upload is taken
    unchecked (docs/compatibility.md#upload-integrity)."""
    sha512 = base64.b64encode(hashlib.sha512(CONTENT).digest()).decode()
    response = post(
        admin_client,
        working_file,
        CONTENT,
        HTTP_REPR_DIGEST=f"sha-512=:{sha512}:",
        HTTP_DIGEST=f"MD5={base64.b64encode(bytes(16)).decode()}",
    )

    assert response.status_code == 201
    assert stored(content_backend, working_file) == CONTENT
