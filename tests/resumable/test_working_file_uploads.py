"""tus 1.0 uploads of a working file's content, through the routes, on every content backend:
`POST data/working-files/<id>/file/uploads`, then HEAD/PATCH/DELETE on the upload's URL
(docs/resumable-uploads.md)."""

from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.utils import timezone

from production.models import ProjectPersonLink, Role
from resumable import services as resumable_services
from resumable.models import ResumableUpload
from tests.resumable.helpers import Tus, checksum, metadata, sha256
from tests.stores.content import ContentBackend, pending_uploads
from working_files import selectors, services
from working_files.models import WorkingFile

pytestmark = pytest.mark.usefixtures("content_backend")

KIB = 1024
MIB = 1024 * KIB


@pytest.fixture
def working_file(task, admin) -> WorkingFile:
    return services.create_working_file(task=task, name="main", author=admin, caller=admin)


@pytest.fixture
def tus(admin_client) -> Tus:
    return Tus(admin_client)


def uploads_url(working_file: WorkingFile) -> str:
    return f"/api/data/working-files/{working_file.pk}/file/uploads"


def stored(working_file: WorkingFile) -> bytes | None:
    storage = storages["files"]
    key = selectors.content_key(working_file)
    if not storage.exists(key):
        return None
    with storage.open(key, "rb") as handle:
        return handle.read()


def patterned(size: int) -> bytes:
    """Bytes whose every position differs from its neighbours' (a chunk stored at the wrong
    offset shows)."""
    return bytes((i * 7 + i // 251) % 256 for i in range(size))


def test_a_file_sent_in_chunks_becomes_the_content(tus, working_file):
    data = patterned(3 * MIB + 123)
    location = tus.upload(
        uploads_url(working_file),
        data,
        chunk=1 * MIB + 7,
        **{"Upload-Metadata": metadata(filename="scene.blend", sha256=sha256(data))},
    )
    assert stored(working_file) == data
    working_file.refresh_from_db()
    assert (working_file.size, working_file.checksum) == (len(data), sha256(data))
    # The upload still answers after its last byte, with its length as offset.
    head = tus.head(location)
    assert head.status_code == 200
    assert (head["Upload-Offset"], head["Upload-Length"]) == (str(len(data)), str(len(data)))
    assert tus.patch(location, len(data), b"more").status_code == 409
    assert pending_uploads() == []


def test_the_content_is_the_multipart_routes(tus, working_file, admin_client):
    """The same row and download as a multipart upload would make: size, sha256, ETag."""
    data = patterned(200 * KIB)
    tus.upload(uploads_url(working_file), data, chunk=64 * KIB)
    answer = admin_client.get(f"/api/data/working-files/{working_file.pk}/file")
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == data
    assert answer["ETag"].strip('"') == sha256(data)


def test_the_offset_is_asked_and_the_upload_goes_on(tus, working_file):
    data = patterned(2 * MIB)
    created = tus.create(uploads_url(working_file), len(data))
    location = created["Location"]
    assert tus.patch(location, 0, data[: MIB + 5]).status_code == 204
    head = tus.head(location)
    assert head["Upload-Offset"] == str(MIB + 5)
    assert head["Cache-Control"] == "no-store"
    # A chunk sent again from an older offset is refused, and nothing moves.
    refused = tus.patch(location, 0, data[:10])
    assert refused.status_code == 409
    assert "HEAD" in refused.json()["message"]
    assert tus.patch(location, MIB + 5, data[MIB + 5 :]).status_code == 204
    assert stored(working_file) == data


def test_a_whole_file_checksum_that_does_not_match_keeps_the_old_content(tus, working_file):
    old = patterned(100 * KIB)
    tus.upload(uploads_url(working_file), old, chunk=len(old))
    new = b"another scene" * 1000
    created = tus.create(
        uploads_url(working_file),
        len(new),
        **{"Upload-Metadata": metadata(sha256=sha256(b"what the artist had"))},
    )
    location = created["Location"]
    assert tus.patch(location, 0, new[:5000]).status_code == 204
    refused = tus.patch(location, 5000, new[5000:])
    assert refused.status_code == 400
    message = refused.json()["message"]
    assert sha256(new) in message and sha256(b"what the artist had") in message
    assert stored(working_file) == old
    working_file.refresh_from_db()
    assert working_file.checksum == sha256(old)
    # The upload is gone with its bytes (the first one stays, completed, until it expires).
    assert tus.head(location).status_code == 404
    assert list(ResumableUpload.objects.values_list("completed_at", flat=True)) != [None]
    assert ResumableUpload.objects.count() == 1
    assert pending_uploads() == []


def test_a_chunk_whose_checksum_does_not_match_is_dropped_and_sent_again(tus, working_file):
    data = patterned(3 * MIB)
    location = tus.create(uploads_url(working_file), len(data))["Location"]
    first = data[:MIB]
    assert tus.patch(location, 0, first, **{"Upload-Checksum": checksum(first)}).status_code == 204
    second = data[MIB : 2 * MIB]
    damaged = second[:1000] + b"\x00" + second[1001:]
    refused = tus.patch(location, MIB, damaged, **{"Upload-Checksum": checksum(second)})
    assert refused.status_code == 460
    assert "dropped" in refused.json()["message"]
    assert tus.head(location)["Upload-Offset"] == str(MIB)
    # Sent again, right this time (sha1 and md5 are understood too).
    again = tus.patch(location, MIB, second, **{"Upload-Checksum": checksum(second, "sha1")})
    assert again.status_code == 204
    rest = data[2 * MIB :]
    assert tus.patch(location, 2 * MIB, rest, **{"Upload-Checksum": checksum(rest, "md5")})
    assert stored(working_file) == data
    working_file.refresh_from_db()
    assert working_file.checksum == sha256(data)


def test_creation_with_upload(tus, working_file):
    data = patterned(300 * KIB)
    created = tus.create(uploads_url(working_file), len(data), body=data[: 100 * KIB])
    assert created.status_code == 201
    assert created["Upload-Offset"] == str(100 * KIB)
    location = created["Location"]
    assert tus.patch(location, 100 * KIB, data[100 * KIB :]).status_code == 204
    assert stored(working_file) == data
    # The whole file in the creation request.
    other = b"small scene"
    created = tus.create(uploads_url(working_file), len(other), body=other)
    assert created["Upload-Offset"] == str(len(other))
    assert stored(working_file) == other


def test_termination_forgets_the_bytes(tus, working_file):
    data = patterned(2 * MIB)
    location = tus.create(uploads_url(working_file), len(data))["Location"]
    assert tus.patch(location, 0, data[: MIB + 1]).status_code == 204
    assert tus.delete(location).status_code == 204
    assert tus.head(location).status_code == 404
    assert tus.patch(location, MIB + 1, data[MIB + 1 :]).status_code == 404
    assert stored(working_file) is None
    assert pending_uploads() == []


def test_an_expired_upload_is_gone_and_swept(tus, working_file, content_backend: ContentBackend):
    data = patterned(2 * MIB)
    location = tus.create(uploads_url(working_file), len(data))["Location"]
    answer = tus.patch(location, 0, data[: MIB + 3])
    assert answer.status_code == 204
    assert "GMT" in answer["Upload-Expires"]
    ResumableUpload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tus.head(location).status_code == 404
    assert tus.patch(location, MIB + 3, data[MIB + 3 :]).status_code == 404
    assert resumable_services.expire_uploads() == 1
    assert not ResumableUpload.objects.exists()
    assert pending_uploads() == []
    assert stored(working_file) is None


def test_expiry_follows_the_last_chunk(tus, working_file, settings):
    settings.RESUMABLE_UPLOAD_EXPIRY = timedelta(hours=2)
    location = tus.create(uploads_url(working_file), 10)["Location"]
    upload = ResumableUpload.objects.get()
    ResumableUpload.objects.update(expires_at=timezone.now() + timedelta(minutes=1))
    assert tus.patch(location, 0, b"12345").status_code == 204
    upload.refresh_from_db()
    assert upload.expires_at > timezone.now() + timedelta(hours=1, minutes=59)
    assert resumable_services.expire_uploads() == 0


def test_a_request_sending_bytes_holds_the_upload(tus, working_file, settings):
    """Two requests never write one upload: while one holds it (its lease is live), another
    is refused with 409; once the holder stopped renewing, the next takes it over."""
    location = tus.create(uploads_url(working_file), 10)["Location"]
    ResumableUpload.objects.update(
        lease_token="00000000-0000-0000-0000-000000000001",
        lease_expires=timezone.now() + timedelta(seconds=30),
    )
    busy = tus.patch(location, 0, b"12345")
    assert busy.status_code == 409
    assert "Another request" in busy.json()["message"]
    assert tus.delete(location).status_code == 409
    ResumableUpload.objects.update(lease_expires=timezone.now() - timedelta(seconds=1))
    assert tus.patch(location, 0, b"12345").status_code == 204
    upload = ResumableUpload.objects.get()
    assert (upload.offset, upload.lease_token, upload.lease_expires) == (5, None, None)


def test_another_persons_upload_cannot_be_resumed(
    working_file, task, make_person, client_for, add_to_team
):
    """Even a person who may upload the same file: an upload is its creator's alone."""
    owner = add_to_team(make_person(Role.SUPERVISOR))
    other = add_to_team(make_person(Role.SUPERVISOR))
    mine, theirs = Tus(client_for(owner)), Tus(client_for(other))
    created = mine.create(uploads_url(working_file), 10)
    assert created.status_code == 201
    location = created["Location"]
    assert theirs.head(location).status_code == 404
    assert theirs.patch(location, 0, b"12345").status_code == 404
    assert theirs.delete(location).status_code == 404
    assert mine.patch(location, 0, b"1234567890").status_code == 204
    working_file.refresh_from_db()
    assert working_file.size == 10


def test_the_access_rules_of_the_content_route(working_file, make_person, client_for, add_to_team):
    outsider = make_person(Role.ARTIST)
    assert Tus(client_for(outsider)).create(uploads_url(working_file), 10).status_code == 403
    assert Tus(client_for(None)).create(uploads_url(working_file), 10).status_code == 401
    # Access lost mid-way: the next chunk is refused.
    member = add_to_team(make_person(Role.SUPERVISOR))
    tus = Tus(client_for(member))
    location = tus.create(uploads_url(working_file), 10)["Location"]
    assert tus.patch(location, 0, b"12345").status_code == 204
    ProjectPersonLink.objects.filter(person=member).delete()
    assert tus.patch(location, 5, b"67890").status_code == 403
    assert stored(working_file) is None


def test_unknown_and_malformed_ids_are_404(tus, working_file):
    assert tus.create("/api/data/working-files/nope/file/uploads", 10).status_code == 404
    missing = "/api/data/working-files/00000000-0000-0000-0000-000000000000/file/uploads"
    assert tus.create(missing, 10).status_code == 404
    url = uploads_url(working_file)
    assert tus.head(f"{url}/nope").status_code == 404
    assert tus.head(f"{url}/00000000-0000-0000-0000-000000000000").status_code == 404
    assert tus.patch(f"{url}/nope", 0, b"x").status_code == 404


@pytest.mark.parametrize(
    ("headers", "status", "words"),
    [
        ({"Upload-Length": None}, 400, "Upload-Length"),
        ({"Upload-Length": "-5"}, 400, "non-negative"),
        ({"Upload-Length": "ten"}, 400, "non-negative"),
        ({"Upload-Defer-Length": "1"}, 400, "Defer"),
        ({"Upload-Metadata": "filename !!!"}, 400, "base64"),
        ({"Upload-Metadata": "a,a"}, 400, "repeated"),
        ({"Upload-Metadata": metadata(sha256="abc")}, 400, "64 hexadecimal"),
        ({"Tus-Resumable": None}, 412, "1.0.0"),
        ({"Tus-Resumable": "0.2.2"}, 412, "1.0.0"),
    ],
)
def test_creation_refusals(tus, working_file, headers, status, words):
    answer = tus.create(uploads_url(working_file), 10, **headers)
    assert answer.status_code == status, answer.content
    assert words in answer.json()["message"]
    assert answer["Tus-Resumable"] == "1.0.0"
    if status == 412:
        assert answer["Tus-Version"] == "1.0.0"
    assert not ResumableUpload.objects.exists()


def test_an_upload_longer_than_the_limit_is_413(tus, working_file, settings):
    settings.MAX_UPLOAD_SIZE = 1000
    answer = tus.create(uploads_url(working_file), 1001)
    assert answer.status_code == 413
    assert "Tus-Max-Size" in answer.json()["message"]


@pytest.mark.parametrize(
    ("content_type", "headers", "status"),
    [
        ("application/octet-stream", {}, 415),
        ("application/offset+octet-stream", {"Upload-Offset": None}, 400),
        ("application/offset+octet-stream", {"Upload-Offset": "x"}, 400),
        ("application/offset+octet-stream", {"Upload-Checksum": "crc32 AAAA"}, 400),
        ("application/offset+octet-stream", {"Upload-Checksum": "sha256 !!"}, 400),
        ("application/offset+octet-stream", {"Upload-Checksum": "sha256 AAAA"}, 400),
        ("application/offset+octet-stream", {"Tus-Resumable": None}, 412),
    ],
)
def test_chunk_refusals(tus, working_file, content_type, headers, status):
    location = tus.create(uploads_url(working_file), 10)["Location"]
    answer = tus.patch(location, 0, b"12345", content_type=content_type, **headers)
    assert answer.status_code == status, answer.content
    assert tus.head(location)["Upload-Offset"] == "0"


def test_a_chunk_past_the_length_is_refused_before_it_is_read(tus, working_file):
    location = tus.create(uploads_url(working_file), 10)["Location"]
    answer = tus.patch(location, 0, b"12345678901")
    assert answer.status_code == 400
    assert "past Upload-Length" in answer.json()["message"]
    assert tus.head(location)["Upload-Offset"] == "0"


def test_discovery_needs_no_credentials(client_for, working_file, settings):
    settings.MAX_UPLOAD_SIZE = 5 * 1024**3
    answer = client_for(None).options(uploads_url(working_file))
    assert answer.status_code == 204
    assert answer["Tus-Version"] == "1.0.0"
    assert set(answer["Tus-Extension"].split(",")) == {
        "creation",
        "creation-with-upload",
        "termination",
        "expiration",
        "checksum",
    }
    assert "sha256" in answer["Tus-Checksum-Algorithm"].split(",")
    assert answer["Tus-Max-Size"] == str(5 * 1024**3)


def test_methods_may_be_overridden(tus, working_file, admin_client):
    """For clients behind proxies that only pass GET and POST (tus-js-client's
    overridePatchMethod)."""
    location = tus.create(uploads_url(working_file), 4)["Location"]
    answer = admin_client.generic(
        "POST",
        location,
        b"abcd",
        content_type="application/offset+octet-stream",
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_OFFSET="0",
        HTTP_X_HTTP_METHOD_OVERRIDE="PATCH",
    )
    assert answer.status_code == 204
    assert stored(working_file) == b"abcd"


def test_a_zero_byte_file(tus, working_file):
    created = tus.create(uploads_url(working_file), 0)
    location = created["Location"]
    assert tus.patch(location, 0, b"").status_code == 204
    assert stored(working_file) == b""
    working_file.refresh_from_db()
    assert working_file.size == 0
