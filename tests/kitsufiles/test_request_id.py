"""Request ids (kitsufiles/log_context.py, RequestIdMiddleware; docs/operations.md#request-ids):
sent back in X-Request-ID, a client's sane id kept and a hostile one replaced, carried by every
log record of the request (Django's own 4xx/5xx lines and the error handlers' included), and a
preview job's records name the preview."""

import logging
import re
import uuid

import pytest
from django.conf import settings as django_settings
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from kitsufiles import urls as root_urls
from kitsufiles.log_context import MAX_REQUEST_ID_LENGTH
from previews import jobs

OURS = re.compile(r"[0-9a-f]{32}")


# A URL configuration of this module: the service's routes plus two that fail unexpectedly.


def failing_view(request: HttpRequest) -> HttpResponse:
    logging.getLogger("tests.failing").warning("about to fail")
    raise RuntimeError("a bug in a plain view")


class FailingApiView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request: Request):
        raise RuntimeError("a bug in an API view")


urlpatterns = [
    path("boom", failing_view),
    path("api-boom", FailingApiView.as_view()),
    *root_urls.urlpatterns,
]
handler404 = root_urls.handler404
handler500 = root_urls.handler500


@pytest.fixture
def failing_routes(settings):
    settings.ROOT_URLCONF = __name__


def ids_of(records, logger_name: str) -> set[str]:
    return {record.request_id for record in records if record.name == logger_name}


# ---------------------------------------------------------------------------------------------
# The header


def test_made_when_none_is_sent():
    first = Client().get("/api/health")["X-Request-ID"]
    second = Client().get("/api/health")["X-Request-ID"]
    assert OURS.fullmatch(first) and OURS.fullmatch(second)
    assert first != second


@pytest.mark.parametrize(
    "sent",
    [
        "3f2b9c1e-8d7a-4b6e-9f0a-1c2d3e4f5a6b",
        "Root=1-67891233-abcdef012345678912345678",  # an AWS load balancer's trace id
        "x" * MAX_REQUEST_ID_LENGTH,
    ],
)
def test_a_sane_id_is_kept(sent):
    assert Client().get("/api/health", HTTP_X_REQUEST_ID=sent)["X-Request-ID"] == sent


@pytest.mark.parametrize(
    "sent",
    [
        "x" * (MAX_REQUEST_ID_LENGTH + 1),
        "abc\ninjected log line",
        "abc\r\nSet-Cookie: stolen=1",
        "two words",
        "quote\"'<script>",
        "",
        "é-unicode",
    ],
)
def test_a_hostile_id_is_replaced(sent, caplog):
    caplog.set_level(logging.WARNING)
    response = Client().get("/api/no/such/route", HTTP_X_REQUEST_ID=sent)
    assert response.status_code == 404
    replaced = response["X-Request-ID"]
    assert OURS.fullmatch(replaced)
    assert ids_of(caplog.records, "django.request") == {replaced}
    assert all(sent not in record.getMessage() for record in caplog.records if sent)


# ---------------------------------------------------------------------------------------------
# Log records


def test_records_of_a_request_carry_its_id(db, caplog):
    caplog.set_level(logging.INFO)
    response = Client().get("/api/data/tasks", HTTP_X_REQUEST_ID="req-4xx")  # no credentials
    assert response.status_code == 401
    assert response["X-Request-ID"] == "req-4xx"
    # Django logs the 401 after the middlewares have returned: the id is still there.
    assert ids_of(caplog.records, "django.request") == {"req-4xx"}
    logging.getLogger("tests.after").warning("between requests")
    assert ids_of(caplog.records, "tests.after") == {"-"}


def test_the_log_format_prints_it(db, caplog):
    caplog.set_level(logging.WARNING)
    Client().get("/api/data/tasks", HTTP_X_REQUEST_ID="req-format")
    record = next(record for record in caplog.records if record.name == "django.request")
    formatter = logging.Formatter(django_settings.LOGGING["formatters"]["default"]["format"])
    assert "[req-format] django.request: Unauthorized" in formatter.format(record)


def test_errors_of_a_plain_view_carry_the_id(failing_routes, caplog):
    caplog.set_level(logging.WARNING)
    client = Client(raise_request_exception=False)
    response = client.get("/boom", HTTP_X_REQUEST_ID="req-500")
    assert response.status_code == 500
    assert response.json() == {"error": True, "message": "Internal server error."}
    assert response["X-Request-ID"] == "req-500"
    assert ids_of(caplog.records, "tests.failing") == {"req-500"}
    errors = [record for record in caplog.records if record.name == "django.request"]
    assert errors and all(record.request_id == "req-500" for record in errors)
    assert any(record.exc_info for record in errors)


def test_errors_of_an_api_view_carry_the_id(failing_routes, caplog):
    caplog.set_level(logging.WARNING)
    response = Client().get("/api-boom", HTTP_X_REQUEST_ID="req-api-500")
    assert response.status_code == 500
    assert response["X-Request-ID"] == "req-api-500"
    handled = [record for record in caplog.records if record.name == "kitsufiles.api.errors"]
    assert handled and {record.request_id for record in handled} == {"req-api-500"}
    assert "a bug in an API view" in str(handled[0].exc_info[1])


def test_preview_job_records_name_the_preview(db, caplog):
    caplog.set_level(logging.INFO, logger="previews.jobs")
    preview_id = str(uuid.uuid4())  # no such preview: the job skips it
    assert jobs.process_preview(preview_id, 1) == "skipped"
    records = [record for record in caplog.records if record.name == "previews.jobs"]
    assert records
    assert {record.request_id for record in records} == {f"preview:{preview_id}"}
    assert any(preview_id in record.getMessage() for record in records)
