"""Real processes for the tests that need them: gunicorn serving the project, `manage.py`
commands run in a fresh environment, and the clean-up that stops them whatever happens.

Every process is started in a session of its own, so stopping it stops its whole process group
(gunicorn's workers, qcluster's workers, an ffmpeg they started). gunicorn binds a socket that
this process opened first and hands over (`fd://`), so no other program can take the port
between choosing it and listening on it.

Start-up waits are generous: the machine the suite runs on may be busy with ffmpeg and other
workers, and a server that comes up late is not a failure. A server that dies is reported at
once with its log.

Used by tests/production/test_admin.py, tests/previews/deployment.py (the cluster tests and
bench/previews.py) and tests/race.py (the concurrency tests).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parents[1]
START_TIMEOUT = 120  # seconds for a server to answer its first request
STOP_TIMEOUT = 30  # seconds a process group gets after SIGTERM before SIGKILL


def environment(folder: Path, **variables: str) -> dict[str, str]:
    """The environment of a deployment living in `folder`: its own SQLite database, storage
    and previews there, no Redis, and `variables` on top. The suite's own DATABASE_URL and
    REDIS_URL are left out: a deployment never shares the test database or job queue."""
    values = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kitsufiles.settings",
        "DATA_DIR": str(folder),
        "FS_ROOT": str(folder / "files"),
        "PREVIEW_FOLDER": str(folder / "previews"),
        "DEBUG": "true",
    }
    values.pop("DATABASE_URL", None)
    values.pop("REDIS_URL", None)
    values.update(variables)
    return values


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """Run a manage.py command in `env`; its output, or an assertion error showing it."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def shell_json(env: dict[str, str], script: str) -> dict:
    """Run `script` in `manage.py shell` and read back what it printed with `print_json`.

    The script is given a `print_json(value)` function; other output (warnings, logs) is
    ignored."""
    marker = "SHELL-JSON "
    prelude = f"import json\ndef print_json(value):\n    print({marker!r} + json.dumps(value))\n"
    output = manage(env, "shell", "-c", prelude + script)
    lines = [line for line in output.splitlines() if line.startswith(marker)]
    assert lines, f"the script printed no result:\n{output}"
    return json.loads(lines[-1].removeprefix(marker))


def start_process(
    argv: list[str], *, env: dict[str, str], log_path: Path, **options
) -> subprocess.Popen:
    """Start `argv` in its own session (a process group of its own), output to `log_path`."""
    with log_path.open("ab") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            argv,
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **options,
        )


def stop_process(process: subprocess.Popen, *, timeout: float = STOP_TIMEOUT) -> None:
    """Stop the process group of `process`: SIGTERM, then SIGKILL if it lingers."""
    _signal_group(process, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=timeout)
    # Whatever the leader did, no worker of its group may survive it.
    _signal_group(process, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=timeout)


def kill_process(process: subprocess.Popen) -> None:
    """Kill the process group of `process` at once (a crash, as far as it can tell)."""
    _signal_group(process, signal.SIGKILL)
    process.wait(timeout=STOP_TIMEOUT)


def _signal_group(process: subprocess.Popen, number: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, number)


def read_log(log_path: Path, *, last: int | None = 8000) -> str:
    """The end of a log (`last` characters; all of it when None)."""
    try:
        text = log_path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return text if last is None else text[-last:]


class Gunicorn:
    """gunicorn serving kitsufiles.wsgi on a loopback port, in `env`.

    `url` is the server's root (`http://127.0.0.1:<port>`). Call `wait_until_up()` before
    using it and `stop()` in every case; `gunicorn()` below does both."""

    def __init__(
        self,
        *,
        env: dict[str, str],
        log_path: Path,
        workers: int = 1,
        threads: int = 4,
        backlog: int = 2048,
        extra: tuple[str, ...] = (),
    ):
        self.log_path = log_path
        listener = socket.create_server(("127.0.0.1", 0), backlog=backlog)
        try:
            self.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
            argv = [
                str(Path(sys.executable).with_name("gunicorn")),
                "kitsufiles.wsgi",
                "--bind",
                f"fd://{listener.fileno()}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                *extra,
            ]
            self.process = start_process(
                argv, env=env, log_path=log_path, pass_fds=(listener.fileno(),)
            )
        finally:
            listener.close()  # gunicorn holds its own copy

    def wait_until_up(self, path: str = "/api/", timeout: float = START_TIMEOUT) -> None:
        """Poll `path` until it answers 200; fail at once, with the log, if gunicorn dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited at start-up:\n{self.read_log()}")
            try:
                if requests.get(f"{self.url}{path}", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer within {timeout} s:\n{self.read_log()}")

    def read_log(self, *, last: int | None = 8000) -> str:
        return read_log(self.log_path, last=last)

    def stop(self) -> None:
        stop_process(self.process)


@contextlib.contextmanager
def gunicorn(**options) -> Iterator[Gunicorn]:
    """A running `Gunicorn(**options)`, stopped on the way out whatever happened (a failed
    start-up included)."""
    server = Gunicorn(**options)
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()
