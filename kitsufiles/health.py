"""Readiness: can this process serve requests? It needs the database, the stores that hold
content (the `files` and `previews` storage aliases) and the job queue (Django Q's broker).

Each check is cheap: `SELECT 1`; `exists()` of names nobody writes on each store,
through Django's Storage API so that it works for whatever backend FS_BACKEND configures (a
local folder is also checked for being a folder this process may list and write, which
`exists()` alone does not tell); the broker's ping and queue length. Load balancers call this
every few seconds, so a check must answer within settings.HEALTH_CHECK_TIMEOUT seconds even
when what it probes hangs (a store that accepts connections and never answers, a database host
that drops packets): each runs in a worker thread that the caller waits for at most that long.
At most one probe per check is in flight; while one hangs, later calls wait for that same probe
instead of piling up threads. See docs/operations.md#health-endpoints.
"""

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.db import DEFAULT_DB_ALIAS, connections

from kitsufiles import job_queue
from kitsufiles.stores.aliases import CONTENT_ALIASES
from kitsufiles.stores.names import ZOU_BUCKETS

logger = logging.getLogger(__name__)

# Names nobody writes, one in each of Zou's buckets: `exists()` of them is the cheapest call
# that still reaches each bucket of an object store (it answers StoreUnavailable when it
# cannot be reached, or a bucket is gone; kitsufiles/stores/names.py says how a name maps to
# a bucket and key). On local disk these are three look-ups of missing files.
PROBE_KEY = "kitsufiles-readiness-probe"
PROBE_NAMES = tuple(f"{bucket}/{PROBE_KEY}" for bucket in ZOU_BUCKETS)
MAX_ERROR_LENGTH = 300


@dataclass
class CheckResult:
    ok: bool
    seconds: float
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": self.ok, "seconds": round(self.seconds, 4)}
        if self.error is not None:
            body["error"] = self.error
        return body | self.details


Check = Callable[[], dict[str, Any] | None]


def check_database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_storage(alias: str) -> Check:
    def check() -> None:
        storage = storages[alias]
        for name in PROBE_NAMES:
            storage.exists(name)  # a remote store raises when it cannot be reached
        try:
            location = storage.path("")
        except NotImplementedError:  # not a local folder: exists() was the probe
            return
        check_local_folder(Path(location))

    return check


def check_local_folder(folder: Path) -> None:
    """A local store's folder must be a folder this process can list and write in, or not
    exist yet under one it can write in (FileSystemStorage makes it at the first write)."""
    if folder.exists():
        if not folder.is_dir():
            raise NotADirectoryError(f"{folder} is not a folder")
        with os.scandir(folder) as entries:  # PermissionError when it cannot be listed
            next(entries, None)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(f"{folder} cannot be written to")
        return
    parent = folder.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise NotADirectoryError(f"{folder} cannot be made: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(f"{folder} cannot be made in {parent}")


def check_queue() -> dict[str, Any]:
    queue = job_queue.broker()
    return {"broker": job_queue.describe(queue), "length": job_queue.length(queue)}


def checks() -> dict[str, Check]:
    named: dict[str, Check] = {"database": check_database}
    for alias in CONTENT_ALIASES:
        named[f"storage.{alias}"] = check_storage(alias)
    named["queue"] = check_queue
    return named


# Probes run in these threads; `_in_flight` holds each check's latest probe.
_executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readiness")
_in_flight: dict[str, Future[CheckResult]] = {}
_lock = threading.Lock()


def _reset_after_fork() -> None:
    """A forked process (a gunicorn worker of a preloading master) has none of its parent's
    threads: it starts its own pool rather than wait on a copy whose threads are gone."""
    global _executor, _in_flight, _lock
    _executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readiness")
    _in_flight = {}
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)


def _probe(check: Check) -> CheckResult:
    started = time.monotonic()
    try:
        details = check() or {}
    except Exception as error:  # noqa: BLE001 (any failure is what the check reports)
        text = (str(error).strip().splitlines() or [""])[0]
        message = f"{type(error).__name__}: {text}" if text else type(error).__name__
        return CheckResult(False, time.monotonic() - started, message[:MAX_ERROR_LENGTH])
    finally:
        # This thread's database connection (the database check, the ORM broker) is closed
        # after each probe: none is left open between probes, a broken one is not reused.
        connections.close_all()
    return CheckResult(True, time.monotonic() - started, details=details)


def run_checks(timeout: float | None = None) -> dict[str, CheckResult]:
    """Every check's result, within `timeout` seconds (settings.HEALTH_CHECK_TIMEOUT)."""
    timeout = settings.HEALTH_CHECK_TIMEOUT if timeout is None else timeout
    started = time.monotonic()
    futures: dict[str, Future[CheckResult]] = {}
    with _lock:
        for name, check in checks().items():
            future = _in_flight.get(name)
            if future is None or future.done():
                future = _executor.submit(_probe, check)
                _in_flight[name] = future
            futures[name] = future
    wait_for(futures.values(), timeout=timeout)
    results: dict[str, CheckResult] = {}
    for name, future in futures.items():
        if future.done():
            results[name] = future.result()
        else:
            results[name] = CheckResult(
                False, time.monotonic() - started, f"no answer within {timeout:g} s"
            )
        if not results[name].ok:
            logger.warning("Readiness check %s failed: %s", name, results[name].error)
    return results
