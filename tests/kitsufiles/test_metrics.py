"""`/metrics` (kitsufiles/metrics.py, previews/monitoring.py, docs/operations.md#metrics):
off unless enabled, guarded by its token, request latency labelled by route (never by path),
the preview jobs' gauges read from the database, the jobs' durations, and several processes'
figures shared through PROMETHEUS_MULTIPROC_DIR."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.checks import ERROR, run_checks
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from kitsufiles.checks import METRICS_FOLDER_UNUSABLE
from previews import queue
from previews.models import PreviewFile, PreviewStatus
from production import services as production_services
from tests.previews.helpers import named_file, png_bytes

REQUESTS = "kitsufiles_http_request_duration_seconds"
JOBS = "kitsufiles_job_duration_seconds"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = None


def scrape(client: APIClient | None = None) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of one scrape."""
    response = (client or APIClient()).get("/metrics")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


# ---------------------------------------------------------------------------------------------
# Keeping it private


def test_off_by_default(db):
    assert django_settings.METRICS_ENABLED is False
    response = APIClient().get("/metrics")
    assert response.status_code == 404
    assert response.json()["error"] is True


def test_token(db, settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    client = APIClient()
    assert client.get("/metrics").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Bearer wrong")
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")
    client.credentials(HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")
    assert scrape(client)


def test_only_get(db, metrics_on):
    assert APIClient().post("/metrics").status_code == 405


# ---------------------------------------------------------------------------------------------
# Requests


def test_latency_by_route_and_status_class(metrics_on, admin_client, task):
    before = scrape()
    task_route = "api/data/tasks/<str:instance_id>"
    for _ in range(3):
        assert admin_client.get(f"/api/data/tasks/{task.pk}").status_code == 200
    assert admin_client.get("/api/data/tasks/7c9e7a37-0000-4000-8000-000000000000").status_code
    assert admin_client.get("/api/no/such/route/7c9e7a37").status_code == 404
    after = scrape()

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    ok = {"route": task_route, "method": "GET", "status": "2xx"}
    assert delta(f"{REQUESTS}_count", **ok) == 3
    assert delta(f"{REQUESTS}_bucket", **ok, le="+Inf") == 3
    assert delta(f"{REQUESTS}_sum", **ok) > 0
    assert delta(f"{REQUESTS}_count", route=task_route, method="GET", status="4xx") == 1
    assert delta(f"{REQUESTS}_count", route="<unmatched>", method="GET", status="4xx") == 1
    # Bounded labels: no path, no id ever becomes a label value.
    routes = {dict(labels).get("route", "") for (_, labels) in after}
    assert not any(str(task.pk) in route or "7c9e7a37" in route for route in routes)


def test_an_unknown_method_is_one_label_value(db, metrics_on):
    client = APIClient()
    before = scrape()
    client.generic("BREW", "/api/health")
    after = scrape()
    labels = {"route": "api/health", "method": "other", "status": "4xx"}
    assert (
        value(after, f"{REQUESTS}_count", **labels) - value(before, f"{REQUESTS}_count", **labels)
        == 1
    )


# ---------------------------------------------------------------------------------------------
# Preview jobs


def make_preview(task, number: int, **fields) -> PreviewFile:
    return PreviewFile.objects.create(
        name=f"preview-{number}",
        task=task,
        revision=number,
        original_name=f"shot-{number}.png",
        extension="png",
        **fields,
    )


def test_preview_job_gauges(metrics_on, task):
    now = timezone.now()
    timeout = queue.job_timeout_seconds()
    # One of each state; a slot nobody uploaded to yet (processing, no media) is no job.
    make_preview(task, 1, status=PreviewStatus.PROCESSING)
    make_preview(task, 2, status=PreviewStatus.PROCESSING, attempts=1, attempt_started_at=now)
    make_preview(task, 3, status=PreviewStatus.PROCESSING, attempts=1, attempt_started_at=now)
    make_preview(
        task,
        4,
        status=PreviewStatus.PROCESSING,
        attempts=1,
        attempt_started_at=now - timedelta(seconds=timeout + 60),
    )
    make_preview(task, 5, status=PreviewStatus.BROKEN, broken_reason="not a picture")
    make_preview(task, 6, status=PreviewStatus.READY)
    PreviewFile.objects.create(name="slot", task=task, revision=7)
    samples = scrape()
    states = {
        state: value(samples, "kitsufiles_preview_jobs", state=state)
        for state in ("queued", "running", "stuck", "failed")
    }
    assert states == {"queued": 1, "running": 2, "stuck": 1, "failed": 1}
    assert value(samples, "kitsufiles_metrics_collector_up", collector="preview_jobs") == 1
    assert value(samples, "kitsufiles_metrics_collector_up", collector="job_queue") == 1
    assert ("kitsufiles_job_queue_length", ()) in samples


def test_job_durations_by_outcome(
    metrics_on, admin_client, task, task_status, admin, django_capture_on_commit_callbacks
):
    """Two pictures through the real job (Django Q's sync mode runs it in this process):
    one is processed, one is broken."""
    comment = production_services.create_comment(task=task, task_status=task_status, author=admin)
    before = scrape()
    for content in (png_bytes(64, 36), b"%PDF-1.4 not a picture"):
        with django_capture_on_commit_callbacks(execute=True):
            slot = admin_client.post(
                f"/api/actions/tasks/{task.pk}/comments/{comment.pk}/add-preview",
                {},
                format="json",
            ).json()
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                f"/api/pictures/preview-files/{slot['id']}",
                {"file": named_file("picture.png", content)},
                format="multipart",
            )
        assert response.status_code == 201, response.content
    after = scrape()
    for outcome in ("ready", "broken"):
        name = f"{JOBS}_count"
        labels = {"job": "preview", "outcome": outcome}
        assert value(after, name, **labels) - value(before, name, **labels) == 1, outcome
    assert value(after, f"{JOBS}_sum", job="preview", outcome="ready") > 0


# ---------------------------------------------------------------------------------------------
# Several processes


def test_a_multiprocess_folder_that_is_not_one_stops_the_start(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "missing"))
    (error,) = [m for m in run_checks(tags=["kitsufiles"]) if m.id == METRICS_FOLDER_UNUSABLE]
    assert "missing" in error.msg and error.level == ERROR
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    assert [m for m in run_checks(tags=["kitsufiles"]) if m.id == METRICS_FOLDER_UNUSABLE] == []


def test_several_processes_share_their_figures(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR, what a job worker and a web worker observed (two
    processes) is in the scrape a third one answers."""
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}

    def run(code: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", f"from kitsufiles import metrics\n{code}"],
            env=environment,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout

    run('metrics.observe_job(job="preview", outcome="ready", seconds=4.2)')
    run('metrics.observe_request(route="api/health", method="GET", status=200, seconds=0.01)')
    run('metrics.observe_job(job="preview", outcome="ready", seconds=1.0)')
    text = run("print(metrics.exposition_text(None)[0].decode())")
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert value(samples, f"{JOBS}_count", job="preview", outcome="ready") == 2
    assert value(samples, f"{JOBS}_sum", job="preview", outcome="ready") == pytest.approx(5.2)
    assert value(samples, f"{REQUESTS}_count", route="api/health", method="GET", status="2xx") == 1
