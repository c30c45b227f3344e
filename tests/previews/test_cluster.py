"""End to end: gunicorn and a real `qcluster` process, the ORM broker or Redis.

Each deployment gets its own database (a SQLite file, or a fresh PostgreSQL database when the
suite runs on PostgreSQL), its own folders and its own Django Q cluster name, so that runs in
parallel never take each other's jobs on the shared Redis. A movie uploaded over HTTP must be
answered `processing` at once and become `ready` by the cluster's hand.
"""

import contextlib
from pathlib import Path

import av
import pytest

from tests.previews.clips import make_clip
from tests.previews.deployment import Deployment

pytestmark = pytest.mark.live


@pytest.fixture
def deploy(tmp_path):
    """Starts deployments; each is stopped at the end whatever happened (a deployment that
    fails to start stops itself)."""
    started = []

    def start(broker: str, **environment) -> Deployment:
        deployment = Deployment(
            tmp_path / f"deployment-{len(started)}", broker=broker, **environment
        )
        started.append(deployment)
        return deployment

    try:
        yield start
    finally:
        with contextlib.ExitStack() as stopping:  # every one is stopped, even if one fails
            for deployment in started:
                stopping.callback(deployment.stop)


@pytest.fixture(scope="module")
def movie(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cluster-clips")
    return make_clip(folder / "shot.mov", duration=2.002, rate="24000/1001", audio=True)


@pytest.mark.parametrize("broker", ["orm", "redis"])
def test_the_cluster_makes_an_uploaded_movie_ready(deploy, movie, broker):
    deployment = deploy(broker)
    answered = deployment.add_movie(movie)
    assert answered["status"] == "processing"  # queued, not processed in the request

    preview = deployment.wait_for(answered["id"], lambda row: row["status"] != "processing")
    assert preview["status"] == "ready", preview
    assert (preview["width"], preview["height"]) == (640, 360)
    assert preview["data"]["frame_rate"] == "24000/1001"
    assert preview["data"]["frame_count"] == 48
    assert preview["attempts"] == 1

    low = deployment.api("GET", f"movies/low/preview-files/{preview['id']}.mp4")
    assert low.status_code == 200
    (deployment.folder / "low.mp4").write_bytes(low.content)
    with av.open(str(deployment.folder / "low.mp4")) as container:
        assert container.streams.video[0].frames == 48
    tiles = deployment.api("GET", f"movies/tiles/preview-files/{preview['id']}.png")
    assert tiles.status_code == 200 and tiles.headers["Content-Type"] == "image/png"


def test_a_job_whose_worker_died_is_retried(deploy, tmp_path):
    """The cluster is killed while ffmpeg works; the ORM broker hands the unacknowledged job
    out again after Q_RETRY seconds, and the next cluster finishes it as attempt 2."""
    long_movie = make_clip(tmp_path / "long.mov", size="1280x720", duration=10, audio=True)
    deployment = deploy("orm", Q_TIMEOUT="20", Q_RETRY="21", PREVIEW_PROCESSING_TIMEOUT="15")
    answered = deployment.add_movie(long_movie)
    deployment.wait_for(answered["id"], lambda row: row["attempts"] == 1, timeout=60)
    deployment.kill_cluster()
    deployment.start_cluster()
    preview = deployment.wait_for(
        answered["id"], lambda row: row["status"] != "processing", timeout=240
    )
    assert preview["status"] == "ready", preview
    assert preview["attempts"] == 2
