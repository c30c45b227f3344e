"""Bad input never poisons a row: JSON numbers beyond 64 bits, lone surrogates, deep nesting and
oversized bodies are refused before anything is written, and an absurd Range header gets the
answer its meaning calls for, never a 500."""

import io
import json

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from kitsufiles.api.parsers import MAX_JSON_DEPTH, ZouJSONParser
from kitsufiles.downloads import file_response
from kitsufiles.errors import UploadTooLarge
from production.models import Comment, Project
from tests.conftest import PASSWORD

TOO_LARGE_BODY = {
    "error": True,
    "message": "The data value transmitted exceeds the capacity limit.",
}
OUT_OF_RANGE = "Numbers must lie between -2**63 and 2**63-1."

# Written as raw JSON text: the numbers must reach the server exactly as a client could send them.
TOO_BIG_NUMBERS = [
    "1e20",  # a float, but PostgreSQL's jsonb reads it back as a 21-digit integer
    "9223372036854775808",  # 2**63
    "-9223372036854775809",  # -2**63 - 1
    "18446744073709551616",  # 2**64
    "123456789012345678901234567890",
    "1e400",  # infinity once parsed
]


def send(client: APIClient, method: str, url: str, raw: str | bytes, **extra):
    body = raw.encode() if isinstance(raw, str) else raw
    return client.generic(method, url, body, content_type="application/json", **extra)


def refused_as(response, field: str, message: str) -> None:
    assert response.status_code == 400, response.content
    assert response.json() == {
        "error": True,
        "message": "Validation error.",
        "data": {"errors": [{"field": field, "message": message}]},
    }


def listings_still_answer(client: APIClient) -> None:
    assert client.get("/api/data/projects").status_code == 200
    assert client.get("/api/data/comments").status_code == 200


@pytest.mark.parametrize("number", TOO_BIG_NUMBERS)
def test_too_big_number_in_a_created_row_is_refused(admin_client, project, number):
    before = Project.objects.count()

    response = send(
        admin_client, "POST", "/api/data/projects", f'{{"name": "Big", "data": {{"n": {number}}}}}'
    )

    refused_as(response, "data.n", OUT_OF_RANGE)
    assert Project.objects.count() == before
    listings_still_answer(admin_client)


@pytest.mark.parametrize("number", TOO_BIG_NUMBERS)
def test_too_big_number_in_an_update_is_refused(admin_client, project, number):
    response = send(
        admin_client,
        "PUT",
        f"/api/data/projects/{project.pk}",
        f'{{"data": {{"list": [1, {{"deep": {number}}}]}}}}',
    )

    refused_as(response, "data.list.1.deep", OUT_OF_RANGE)
    project.refresh_from_db()
    assert project.data is None
    listings_still_answer(admin_client)


def test_too_big_number_in_a_comment_checklist_is_refused(admin_client, task, task_status, admin):
    before = Comment.objects.count()
    body = {
        "object_id": str(task.pk),
        "task_status_id": str(task_status.pk),
        "person_id": str(admin.pk),
        "text": "Looks good",
        "checklist": [{"text": "ears", "checked": False, "order": "@"}],
    }

    response = send(
        admin_client, "POST", "/api/data/comments", json.dumps(body).replace('"@"', "1e20")
    )

    refused_as(response, "checklist.0.order", OUT_OF_RANGE)
    assert Comment.objects.count() == before
    listings_still_answer(admin_client)


@pytest.mark.parametrize("number", ["9223372036854775807", "-9223372036854775808", "1.5e18"])
def test_numbers_within_64_bits_are_kept(admin_client, project, number):
    response = send(
        admin_client, "POST", "/api/data/projects", f'{{"name": "Edge", "data": {{"n": {number}}}}}'
    )

    assert response.status_code == 201, response.content
    assert response.json()["data"] == {"n": json.loads(number)}
    listings_still_answer(admin_client)


def test_lone_surrogate_in_text_is_refused(admin_client, project):
    before = Project.objects.count()

    response = send(admin_client, "POST", "/api/data/projects", r'{"name": "Bad \ud800 name"}')

    refused_as(response, "name", "Text must be valid Unicode (no lone surrogates).")
    assert Project.objects.count() == before
    listings_still_answer(admin_client)


TOO_DEEP = f"JSON values may not be nested more than {MAX_JSON_DEPTH} levels deep."


@pytest.mark.parametrize("url", ["/api/auth/login", "/api/data/projects"])
def test_deeply_nested_body_is_400(admin_client, project, url):
    before = Project.objects.count()

    response = send(admin_client, "POST", url, "[" * 1000)

    assert response.status_code == 400
    assert response.json()["error"] is True
    assert Project.objects.count() == before


def test_well_formed_but_too_deep_value_is_refused(admin_client, project):
    before = Project.objects.count()
    nested = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH

    response = send(
        admin_client, "POST", "/api/data/projects", f'{{"name": "D", "data": {nested}}}'
    )

    assert response.status_code == 400
    assert response.json()["data"]["errors"][0]["message"] == TOO_DEEP
    assert Project.objects.count() == before
    listings_still_answer(admin_client)


def test_reasonably_nested_value_is_kept(admin_client, project):
    nested = "[" * 20 + "1" + "]" * 20

    response = send(
        admin_client, "POST", "/api/data/projects", f'{{"name": "D", "data": {nested}}}'
    )

    assert response.status_code == 201
    listings_still_answer(admin_client)


def test_json_body_over_the_limit_is_413(settings, admin):
    settings.MAX_JSON_BODY_SIZE = 1000
    body = json.dumps({"email": admin.email, "password": PASSWORD, "padding": "x" * 2000})

    response = send(APIClient(), "POST", "/api/auth/login", body)

    assert response.status_code == 413
    assert response.json() == TOO_LARGE_BODY


def test_json_body_over_the_limit_is_refused_before_it_is_read(settings, admin):
    # The declared length alone refuses it: the test payload is shorter than declared, and
    # reading past its end would fail the request.
    settings.MAX_JSON_BODY_SIZE = 1000
    body = json.dumps({"email": admin.email, "password": PASSWORD})

    response = send(APIClient(), "POST", "/api/auth/login", body, CONTENT_LENGTH=str(100 * 2**20))

    assert response.status_code == 413
    assert response.json() == TOO_LARGE_BODY


def test_json_body_within_the_limit_logs_in(settings, admin):
    settings.MAX_JSON_BODY_SIZE = 1000
    body = json.dumps({"email": admin.email, "password": PASSWORD})

    assert send(APIClient(), "POST", "/api/auth/login", body).status_code == 200


def test_json_read_is_bounded_without_a_declared_length(settings):
    settings.MAX_JSON_BODY_SIZE = 1000
    stream = io.BytesIO(b'{"padding": "' + b"x" * 10_000 + b'"}')

    with pytest.raises(UploadTooLarge):
        ZouJSONParser().parse(stream, "application/json", {})
    assert stream.tell() == 1001


# ---------------------------------------------------------------------------------------------
# Range headers with positions no file can have

CONTENT = bytes(range(256)) * 4
HUGE = "9" * 5000


def ranged(header: str):
    request = RequestFactory().get("/file", HTTP_RANGE=header)
    response = file_response(
        request, lambda: io.BytesIO(CONTENT), size=len(CONTENT), etag="tag", last_modified=None
    )
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_range_starting_beyond_any_size_is_416():
    response, _ = ranged(f"bytes={HUGE}-")

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(CONTENT)}"


def test_range_ending_beyond_any_size_ends_at_the_last_byte():
    response, body = ranged(f"bytes=10-{HUGE}")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 10-{len(CONTENT) - 1}/{len(CONTENT)}"
    assert body == CONTENT[10:]


def test_suffix_range_longer_than_any_size_is_the_whole_file():
    response, body = ranged(f"bytes=-{HUGE}")

    assert response.status_code == 206
    assert body == CONTENT


def test_range_with_leading_zeros_keeps_its_value():
    response, body = ranged("bytes=" + "0" * 5000 + "5-" + "0" * 5000 + "9")

    assert response.status_code == 206
    assert body == CONTENT[5:10]


def test_deeply_nested_list_filter_is_400(admin_client, project):
    response = admin_client.get("/api/data/projects", {"name": "[" * 5000})

    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": "Malformed list filter for field name.",
        "data": None,
    }
