"""End-to-end integrity of POST pictures/preview-files/<id>: the client states the whole
file's sha256 (`Repr-Digest`, `Digest` or a `sha256` form field, before or after the file
part); bytes that differ are refused with 400 before the slot is judged on them, nothing is
stored, and the slot stays empty and ready for the file to be sent again. On local storage and
S3 (tests/stores/content.py), where the upload goes straight to its key and a refusal aborts
it."""

import base64
import hashlib

import pytest

from previews import storage
from previews.models import PreviewFile, PreviewStatus
from tests.previews.helpers import PDF, named_file, png_bytes
from tests.stores.content import ContentBackend, pending_uploads

pytestmark = [
    pytest.mark.usefixtures("content_backend"),
    pytest.mark.parametrize("content_backend", ["local", "s3"], indirect=True),
]

WRONG_HEX = "00" * 32
WRONG_B64 = base64.b64encode(bytes(32)).decode()


def hex_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def b64_of(content: bytes) -> str:
    return base64.b64encode(hashlib.sha256(content).digest()).decode()


@pytest.fixture
def slot(add_preview, admin_client, task, comment) -> str:
    response = add_preview(admin_client, task, comment)
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.fixture
def send(admin_client, django_capture_on_commit_callbacks):
    """POST the file into the slot (jobs run before this returns), with `fields` before or
    after the file part, and headers."""

    def post(preview_id, name, content, *, fields=None, before=False, **headers):
        part = named_file(name, content)
        fields = fields or {}
        body = {**fields, "file": part} if before else {"file": part, **fields}
        with django_capture_on_commit_callbacks(execute=True):
            return admin_client.post(
                f"/api/pictures/preview-files/{preview_id}", body, format="multipart", **headers
            )

    return post


def assert_slot_empty(backend: ContentBackend, preview_id: str) -> None:
    """The slot is there, empty, and nothing was stored for it."""
    preview = PreviewFile.objects.get(pk=preview_id)
    assert not preview.is_uploaded
    assert preview.status == PreviewStatus.PROCESSING
    assert not preview.file_size
    assert backend.read("previews", storage.other_file(preview_id).name) is None
    assert pending_uploads("previews") == []


@pytest.mark.parametrize(
    "ways",
    [
        pytest.param({"HTTP_REPR_DIGEST": f"sha-256=:{b64_of(PDF)}:"}, id="repr-digest"),
        pytest.param({"HTTP_DIGEST": f"SHA-256={b64_of(PDF)}"}, id="digest"),
        pytest.param({"fields": {"sha256": hex_of(PDF)}}, id="field-after"),
        pytest.param({"fields": {"sha256": hex_of(PDF)}, "before": True}, id="field-before"),
    ],
)
def test_the_right_sha256_is_accepted(send, slot, content_backend, ways):
    response = send(slot, "notes.pdf", PDF, **ways)

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "ready"
    assert content_backend.read("previews", storage.other_file(slot).name) == PDF


def test_a_checked_picture_is_processed(send, slot):
    picture = png_bytes()
    response = send(slot, "frame.png", picture, HTTP_REPR_DIGEST=f"sha-256=:{b64_of(picture)}:")

    assert response.status_code == 201, response.content
    assert PreviewFile.objects.get(pk=slot).status == PreviewStatus.READY


@pytest.mark.parametrize(
    "ways",
    [
        pytest.param({"HTTP_REPR_DIGEST": f"sha-256=:{WRONG_B64}:"}, id="repr-digest"),
        pytest.param({"HTTP_DIGEST": f"SHA-256={WRONG_B64}"}, id="digest"),
        pytest.param({"fields": {"sha256": WRONG_HEX}}, id="field-after"),
        pytest.param({"fields": {"sha256": WRONG_HEX}, "before": True}, id="field-before"),
    ],
)
def test_a_wrong_sha256_is_refused_and_the_slot_stays_usable(send, slot, content_backend, ways):
    response = send(slot, "notes.pdf", PDF, **ways)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] is True
    assert (body["declared_sha256"], body["received_sha256"]) == (WRONG_HEX, hex_of(PDF))
    assert "does not match its declared checksum" in body["message"]
    assert_slot_empty(content_backend, slot)

    response = send(slot, "notes.pdf", PDF, fields={"sha256": hex_of(PDF)})
    assert response.status_code == 201, response.content
    assert content_backend.read("previews", storage.other_file(slot).name) == PDF


def test_a_wrong_sha256_is_refused_before_the_file_kind_is_judged(send, slot, content_backend):
    """A file of a kind we do not take deletes its slot (as in Zou), but only bytes that
    arrived intact are judged: a mismatch leaves the slot."""
    response = send(slot, "scene.xyz", PDF, HTTP_DIGEST=f"SHA-256={WRONG_B64}")

    assert response.status_code == 400
    assert "does not match its declared checksum" in response.json()["message"]
    assert PreviewFile.objects.filter(pk=slot).exists()


@pytest.mark.parametrize(
    "ways",
    [
        pytest.param({"HTTP_REPR_DIGEST": "sha-256=:c2hvcnQ=:"}, id="repr-short"),
        pytest.param({"HTTP_DIGEST": "SHA-256"}, id="digest-no-value"),
        pytest.param({"fields": {"sha256": "abc"}}, id="field"),
    ],
)
def test_a_malformed_digest_is_refused(send, slot, content_backend, ways):
    response = send(slot, "notes.pdf", PDF, **ways)

    assert response.status_code == 400
    assert "cannot be read" in response.json()["message"]
    assert_slot_empty(content_backend, slot)


def test_other_algorithms_alone_are_ignored(send, slot, content_backend):
    sha512 = base64.b64encode(hashlib.sha512(PDF).digest()).decode()
    response = send(slot, "notes.pdf", PDF, HTTP_REPR_DIGEST=f"sha-512=:{sha512}:")

    assert response.status_code == 201
    assert content_backend.read("previews", storage.other_file(slot).name) == PDF
