"""`/api/health` and `/api/health/ready` (kitsufiles/health.py, docs/operations.md): no
credentials, and each failure of the readiness checks met for real: a refused database
connection, a previews folder that is not a folder or may not be read, a Redis broker on a
closed port, and one that accepts connections but never answers."""

import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.db import connection
from django_q.conf import Conf
from rest_framework.test import APIClient

from kitsufiles import health


def closed_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ready(client: APIClient | None = None):
    return (client or APIClient()).get("/api/health/ready")


def assert_not_ready(response, failing: str, reason: str) -> dict:
    assert response.status_code == 503, response.content
    body = response.json()
    assert body["error"] is True
    assert failing in body["message"]
    checks = body["data"]["checks"]
    assert checks[failing]["ok"] is False
    assert reason in checks[failing]["error"], checks[failing]
    return checks


@pytest.fixture
def redis_broker(monkeypatch):
    """Django Q's broker switched to Redis at `url` (the ORM broker is the tests' default)."""

    def use(url: str) -> None:
        monkeypatch.setattr(Conf, "ORM", None)
        monkeypatch.setattr(Conf, "DJANGO_REDIS", None)
        monkeypatch.setattr(Conf, "REDIS", url)

    return use


# ---------------------------------------------------------------------------------------------
# Liveness


def test_health_answers_without_credentials_or_database(settings):
    # No `db` fixture: pytest-django refuses any query, so this also shows the route makes none.
    response = APIClient().get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": settings.API_VERSION}
    assert response["Cache-Control"] == "no-store"
    assert APIClient().head("/api/health/").status_code == 200


def test_health_ignores_a_bad_token():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert client.get("/api/health").status_code == 200


# ---------------------------------------------------------------------------------------------
# Readiness


def test_ready_when_everything_answers(db):
    response = ready()
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "storage.files", "storage.previews", "queue"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["queue"]["broker"] == "ORM"


def test_ready_needs_no_credentials_and_ignores_bad_ones(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert ready(client).status_code == 200


def test_ready_with_the_redis_broker(db, redis_broker):
    redis_broker("redis://127.0.0.1:6379/0")  # the Redis .ci/run starts
    response = ready()
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["queue"]["broker"] == "Redis"


def test_database_refusing_connections(db, monkeypatch):
    if connection.vendor != "postgresql":
        # Django never closes a connection to SQLite's in-memory test database, so a probe
        # thread keeps the one it opened first whatever the settings say now.
        pytest.skip("a refused connection needs a database server (CI runs PostgreSQL)")
    # The probe opens its own connection (in its worker thread) from these settings.
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(connection.settings_dict, "PORT", str(closed_port()))
    reason = "Connection refused"
    checks = assert_not_ready(ready(), "database", reason)
    assert checks["storage.previews"]["ok"] is checks["storage.files"]["ok"] is True
    # The ORM broker (the tests' default) keeps its queue in that same database.
    assert checks["queue"]["ok"] is False


def test_previews_folder_that_is_a_file(db, settings, preview_storage):
    preview_storage.parent.mkdir(parents=True, exist_ok=True)
    preview_storage.write_text("a file where the previews folder should be")
    assert_not_ready(ready(), "storage.previews", "NotADirectoryError")


def test_previews_folder_under_a_file(db, preview_storage):
    # A mount point gone: the configured folder's parent is not a folder.
    preview_storage.parent.parent.mkdir(parents=True, exist_ok=True)
    preview_storage.parent.write_text("")
    assert_not_ready(ready(), "storage.previews", "is not a folder")


def test_a_previews_folder_not_made_yet_is_ready(db, preview_storage):
    # FileSystemStorage makes its folder at the first write.
    assert not preview_storage.exists()
    assert ready().status_code == 200


@pytest.fixture
def previews_object_store(settings, tmp_path):
    """The `previews` alias on the folder-backed object store (kitsufiles/stores/objects.py):
    the object-store code paths, buckets and all, without a server."""
    settings.STORAGES = {
        **settings.STORAGES,
        "previews": {
            "BACKEND": "kitsufiles.stores.objects.FolderObjectStorage",
            "OPTIONS": {"location": str(tmp_path / "objects")},
        },
    }
    store = storages["previews"]
    store.ensure_buckets(create=True)
    return store


def test_ready_on_an_object_store(db, previews_object_store):
    response = ready()
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["storage.previews"]["ok"] is True


def test_an_object_store_missing_a_bucket(db, previews_object_store):
    (previews_object_store.location / "movies").rmdir()
    checks = assert_not_ready(ready(), "storage.previews", "StoreUnavailable")
    assert "movies" in checks["storage.previews"]["error"]


def in_child(function, *, as_nobody: bool = False) -> str:
    """`function()`'s outcome ("ok" or the exception's type and text) in a forked process,
    optionally running as the unprivileged user `nobody`: the tests run as root in CI, for
    whom the kernel checks no permission."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: nothing of pytest's runs here, it ends with os._exit
        outcome = "ok"
        try:
            if as_nobody:
                os.setgid(65534)
                os.setuid(65534)
            function()
        except BaseException as error:  # noqa: BLE001
            outcome = f"{type(error).__name__}: {error}"
        os.write(write_end, outcome.encode()[:4000])
        os._exit(0)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as pipe:
            outcome = pipe.read().decode()
    finally:
        os.waitpid(pid, 0)
    return outcome


@pytest.fixture
def open_folder():
    """A folder `nobody` may enter (pytest's temporary folders are root's alone), removed
    afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="kitsufiles-health-", dir="/tmp"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize(
    "mode, reason",
    [
        (0o000, "PermissionError"),  # cannot be listed
        (0o555, "cannot be written to"),  # read-only
    ],
)
def test_previews_folder_without_permission(db, settings, open_folder, mode, reason):
    folder = open_folder / f"previews-{mode:o}"
    folder.mkdir()
    folder.chmod(0o777)
    settings.STORAGES = {
        **settings.STORAGES,
        "previews": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    check = health.check_storage("previews")
    assert in_child(check, as_nobody=True) == "ok"  # the same folder, open to all
    folder.chmod(mode)
    try:
        outcome = in_child(check, as_nobody=True)
    finally:
        folder.chmod(0o777)
    assert outcome.startswith("PermissionError"), outcome
    assert reason in outcome


def test_broker_refusing_connections(db, redis_broker):
    redis_broker(f"redis://127.0.0.1:{closed_port()}/0")
    checks = assert_not_ready(ready(), "queue", "ConnectionError")
    assert "Connection refused" in checks["queue"]["error"]
    assert checks["database"]["ok"] is True


def test_a_broker_that_never_answers_is_reported_within_the_timeout(db, settings, redis_broker):
    """A server that accepts connections and never answers: the readiness answer still comes
    within HEALTH_CHECK_TIMEOUT, and a second call waits for the same probe rather than
    starting another one."""
    settings.HEALTH_CHECK_TIMEOUT = 1
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshakes; nobody reads the PING
    try:
        redis_broker(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        for _ in range(2):
            started = time.monotonic()
            checks = assert_not_ready(ready(), "queue", "no answer within 1 s")
            assert time.monotonic() - started < 10
            assert checks["database"]["ok"] is True
        probe = health._in_flight["queue"]
        assert not probe.done()
    finally:
        silent.close()  # the waiting connection is reset: the probe ends
    result = probe.result(timeout=60)
    assert result.ok is False


def test_a_forked_process_probes_with_threads_of_its_own(db):
    """A gunicorn worker forked from a master that had probed: the pool it inherits has no
    threads, so it makes its own."""
    assert ready().status_code == 200  # the pool has threads now

    def probe_in_child():
        assert health._in_flight == {}
        assert health._executor.submit(lambda: 42).result(timeout=30) == 42

    assert in_child(probe_in_child) == "ok"
