"""Health, metrics and request ids on a real deployment (tests/previews/deployment.py):
gunicorn and a `qcluster` on Redis, with PROMETHEUS_MULTIPROC_DIR shared by both, so that a
scrape of the web server holds the duration of a job that ran in the cluster's worker process
(docs/decisions/metrics.md)."""

import contextlib

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.previews.deployment import Deployment
from tests.previews.helpers import png_bytes

pytestmark = pytest.mark.live

TOKEN = "scrape-token-for-the-test"


@pytest.fixture
def deployment(tmp_path):
    metrics_folder = tmp_path / "prometheus"
    metrics_folder.mkdir()
    started = None
    try:
        started = Deployment(
            tmp_path / "deployment",
            broker="redis",
            METRICS_ENABLED="true",
            METRICS_TOKEN=TOKEN,
            PROMETHEUS_MULTIPROC_DIR=str(metrics_folder),
        )
        yield started
    finally:
        if started is not None:
            with contextlib.suppress(Exception):
                started.stop()


def scrape(deployment: Deployment) -> dict:
    response = requests.get(
        f"{deployment.server.url}/metrics",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_health_metrics_and_request_ids_on_gunicorn_and_qcluster(deployment, tmp_path):
    base = deployment.server.url
    health = requests.get(f"{base}/api/health", timeout=60)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    ready = requests.get(f"{base}/api/health/ready", headers={"X-Request-ID": "lb-1"}, timeout=60)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["queue"]["broker"] == "Redis"
    assert ready.headers["X-Request-ID"] == "lb-1"
    assert requests.get(f"{base}/metrics", timeout=60).status_code == 401

    picture = tmp_path / "frame.png"
    picture.write_bytes(png_bytes(64, 36))
    answered = deployment.add_movie(picture)  # any file: a picture here
    preview = deployment.wait_for(answered["id"], lambda row: row["status"] != "processing")
    assert preview["status"] == "ready", preview

    samples = scrape(deployment)
    # Observed in the qcluster's worker process, served by gunicorn's.
    job = (("job", "preview"), ("outcome", "ready"))
    assert samples[("kitsufiles_job_duration_seconds_count", job)] == 1
    upload = (
        ("method", "POST"),
        ("route", "api/pictures/preview-files/<str:preview_id>"),
        ("status", "2xx"),
    )
    assert samples.get(("kitsufiles_http_request_duration_seconds_count", upload)) == 1, [
        key for key in samples if key[0] == "kitsufiles_http_request_duration_seconds_count"
    ]
    for state in ("queued", "running", "stuck", "failed"):
        assert samples[("kitsufiles_preview_jobs", (("state", state),))] == 0
    # The job's log lines name the preview.
    assert f"[preview:{preview['id']}]" in (deployment.folder / "qcluster.log").read_text()
