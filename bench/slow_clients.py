"""How long a plain `GET /api/` waits while slow clients hold connections open, with gunicorn's
sync workers (2 processes, one request each) against the threaded workers `scripts/run` starts
(2 processes × 8 threads). Prints figures; not a test.

    .venv/bin/python bench/slow_clients.py [--clients 10] [--seconds 12]

Each slow client sends the headers of a log-in POST with a Content-Length, then trickles the
body a few bytes a second, as an upload from a slow link does: the worker that took it waits on
the socket until the body is complete. Every gunicorn started here is stopped on the way out
(its whole process group), and every socket is closed. Runs in well under a minute.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import live  # noqa: E402

PROBE_TIMEOUT = 30.0  # seconds; longer than the slow bodies take, so a probe always ends


def trickle(url: str, seconds: float, stop: threading.Event) -> None:
    """One slow client: a POST whose body of `seconds` × 4 bytes arrives 4 bytes a second."""
    host, port = url.removeprefix("http://").split(":")
    padding = max(int(seconds * 4) - 45, 1)
    body = b'{"email": "slow@client.test", "password": "' + b"x" * padding + b'"}'
    with socket.create_connection((host, int(port)), timeout=PROBE_TIMEOUT) as sock:
        sock.sendall(
            b"POST /api/auth/login HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
            b"Content-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
        )
        for start in range(0, len(body), 2):
            if stop.is_set():
                return
            sock.sendall(body[start : start + 2])
            time.sleep(0.5)
        with contextlib.suppress(OSError):
            sock.recv(65536)


def probe(url: str, count: int) -> list[float]:
    """`count` sequential GET /api/, each one's latency in seconds (inf when it timed out)."""
    times = []
    for _ in range(count):
        started = time.monotonic()
        try:
            response = requests.get(f"{url}/api/", timeout=PROBE_TIMEOUT)
            response.raise_for_status()
            times.append(time.monotonic() - started)
        except requests.RequestException:
            times.append(float("inf"))
        time.sleep(0.2)
    return times


def measure(label: str, folder: Path, *, clients: int, seconds: float, **server) -> None:
    env = live.environment(folder, DEBUG="true")
    with live.gunicorn(env=env, log_path=folder / f"{label}.log", **server) as gunicorn:
        idle = probe(gunicorn.url, 5)
        stop = threading.Event()
        slow = [
            threading.Thread(target=trickle, args=(gunicorn.url, seconds, stop), daemon=True)
            for _ in range(clients)
        ]
        try:
            for thread in slow:
                thread.start()
            time.sleep(1.0)  # let the slow clients take their workers
            busy = probe(gunicorn.url, 5)
        finally:
            stop.set()
            for thread in slow:
                thread.join(timeout=PROBE_TIMEOUT)
    print(
        f"{label:<28} idle: median {statistics.median(idle) * 1000:7.1f} ms   "
        f"with {clients} slow clients: first {busy[0] * 1000:8.1f} ms, "
        f"median {statistics.median(busy) * 1000:8.1f} ms, max {max(busy) * 1000:8.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=12.0, help="how long a slow body takes")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        common = {"clients": options.clients, "seconds": options.seconds}
        # threads=1: gunicorn turns a sync worker with threads into a threaded one.
        measure("sync, 2 workers", root, workers=2, threads=1,
                extra=("--worker-class", "sync", "--timeout", "120"), **common)
        measure("gthread, 2 workers x 8", root, workers=2, threads=8,
                extra=("--worker-class", "gthread", "--timeout", "120"), **common)


if __name__ == "__main__":
    main()
