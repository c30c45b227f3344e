"""The race harness of the concurrency tests: many clients sending one request each, all
released at the same moment, against a server that really runs requests in parallel.

Where the race runs:
- PostgreSQL (CI): pytest-django's live server on the test database; each request runs in
  its own server thread with its own connection, so the row locks are what is exercised.
- SQLite (the local default): the test database is a shared-cache in-memory database, whose
  table locks fail at once instead of waiting ("database table is locked"), whatever the
  application does; the live server cannot race on it. The race runs instead against the
  deployment set-up on SQLite: gunicorn (4 processes x 16 threads) on a database file, where
  SQLite serializes the writers (settings: BEGIN IMMEDIATE, 20 s busy timeout).

Used by tests/working_files/test_concurrency.py, tests/output_files/test_concurrency.py and
tests/previews/test_annotation_race.py.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from tests import live

ADMIN_EMAIL = "race@studio.test"

SETUP_SCRIPT = f"""
from kitsufiles.api.authentication import issue_tokens
from production import services
from production.models import Person, Role

services.ensure_default_data()
admin = Person.objects.create_user(
    email={ADMIN_EMAIL!r}, password="x", role=Role.ADMIN, first_name="Race", last_name="Admin"
)
print_json({{"token": issue_tokens(admin)[0], "admin_id": str(admin.pk)}})
"""


def send_all_at_once(
    url: str, token: str, bodies: list[dict], *, ping_url: str, method: str = "post"
) -> list[requests.Response]:
    """POST (or `method`) each body to `url` from its own thread, all released together.

    Each thread first opens its keep-alive connection (a GET of `ping_url`, retried if the
    server's listen queue refuses it: harmless, it changes nothing), so that the POSTs
    themselves start at the same moment on established connections and are never retried."""
    barrier = threading.Barrier(len(bodies))

    def post(body: dict) -> requests.Response:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {token}"
            for attempt in range(20):
                try:
                    assert session.get(ping_url, timeout=30).status_code == 200
                    break
                except requests.ConnectionError:
                    if attempt == 19:
                        raise
                    time.sleep(0.05 * (attempt + 1))
            barrier.wait(timeout=60)
            return session.request(method, url, json=body, timeout=120)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


class SqliteDeployment:
    """gunicorn serving kitsufiles on a fresh SQLite file, with the reference data and an admin
    (`token`, `admin_id`). Each test module adds its own production with `shell_json`."""

    def __init__(self, folder: Path):
        self.environment = live.environment(folder)
        live.manage(self.environment, "migrate", "--no-input", "-v", "0")
        setup = live.shell_json(self.environment, SETUP_SCRIPT)
        self.token, self.admin_id = setup["token"], setup["admin_id"]
        self.server = live.Gunicorn(
            env=self.environment,
            log_path=folder / "gunicorn.log",
            workers=4,
            threads=16,
            backlog=256,
            # Clients open their connection, then wait for the others at the barrier: on a busy
            # machine that can take longer than gunicorn's 2 s keep-alive, after which it would
            # close the idle connection under the POST about to be sent.
            extra=("--timeout", "120", "--keep-alive", "120"),
        )
        try:
            self.server.wait_until_up()
        except BaseException:
            self.server.stop()
            raise
        self.base_url = f"{self.server.url}/api"

    def shell_json(self, script: str) -> dict:
        return live.shell_json(self.environment, script)

    def read_log(self) -> str:
        return self.server.read_log(last=None)

    def check_no_server_errors(self) -> None:
        log = self.read_log()
        assert "database is locked" not in log
        assert "Traceback" not in log, log

    def stop(self) -> None:
        self.server.stop()
