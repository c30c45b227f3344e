"""What the benchmarks share: progress on stderr, percentiles, the machine's description and
load, process trees and their memory (Linux /proc), and a throwaway PostgreSQL database.

Imported as `bench.common`: a script run as `python bench/<name>.py` first puts the repository
root on sys.path in place of bench/ (where bench/working_files.py and bench/previews.py would
shadow the apps of the same names).
"""

from __future__ import annotations

import contextlib
import os
import platform
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The PostgreSQL server the benchmarks use when DATABASE_URL is not set.
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def log(message: str) -> None:
    """Progress on stderr; lost, without failing the run, when nobody reads it any more."""
    with contextlib.suppress(OSError):
        print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], fraction: float) -> float:
    """The value at `fraction` of the sorted values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def mib_text(value: int | None) -> str:
    return "n/a" if value is None else f"{value / MIB:.0f} MiB"


# --- The machine ----------------------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"


def machine_text() -> str:
    return (
        f"{os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (/proc/stat), all cores."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


class BusyMeter:
    """How many cores the whole machine kept busy (on average) between start and stop, and how
    many of them went to other work than the measured processes.

    `own_pids()` names the measured processes; it is called every `every` seconds from a
    background thread, so that short-lived ones (PostgreSQL's parallel workers, a backend that
    comes and goes) are seen too. Each one counts with the CPU it used while the meter ran: all
    of it if it started after the meter, what it used since it was first seen otherwise."""

    def __init__(self, own_pids: Callable[[], Iterable[int]] = tuple, every: float = 0.25):
        self.own_pids = own_pids
        self.every = every
        self.cores = self.others = self.own = 0.0
        self.baseline: dict[int, float] = {}
        self.latest: dict[int, float] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def sample(self) -> None:
        for pid in self.own_pids():
            used = cpu_seconds(pid)
            if pid not in self.baseline:
                started = process_start(pid)
                self.baseline[pid] = 0.0 if started and started >= self.started_uptime else used
            self.latest[pid] = max(self.latest.get(pid, 0.0), used)

    def _sample(self) -> None:
        while not self.stopping.wait(self.every):
            self.sample()

    def __enter__(self) -> BusyMeter:
        self.started_uptime = uptime()
        self.started_busy = busy_seconds()
        self.started = time.monotonic()
        self.sample()
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopping.set()
        self.thread.join()
        self.sample()
        elapsed = max(time.monotonic() - self.started, 1e-9)
        busy = busy_seconds() - self.started_busy
        own = sum(self.latest[pid] - self.baseline[pid] for pid in self.latest)
        self.cores = busy / elapsed
        self.own = own / elapsed
        self.others = max(0.0, busy - own) / elapsed


# --- Processes ------------------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (Linux /proc)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                pending.extend(int(child) for child in (task / "children").read_text().split())
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 when it is gone)."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return 0.0


def process_start(pid: int) -> float | None:
    """When the process started, in seconds since boot (None when it is gone)."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return int(fields[19]) / CLOCK_TICKS
    return None


def uptime() -> float:
    """Seconds since boot."""
    return float(Path("/proc/uptime").read_text().split()[0])


def tree_cpu(pid: int) -> float:
    return sum(cpu_seconds(member) for member in process_tree(pid))


# --- PostgreSQL -----------------------------------------------------------------------------


def postgres_url(database_url: str, name: str) -> str:
    """`database_url` (a postgres:// URL) naming the database `name` instead."""
    parts = urlsplit(database_url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit(
            f"DATABASE_URL must name a PostgreSQL server (postgres://...), not {parts.scheme}://"
        )
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def postgres_unreachable(server_url: str, error: Exception) -> SystemExit:
    parts = urlsplit(server_url)
    where = f"{parts.hostname or 'localhost'}:{parts.port or 5432} as {parts.username or '?'}"
    return SystemExit(
        f"Cannot use the PostgreSQL server at {where}: {str(error).strip()}\n"
        "Start PostgreSQL (e.g. `sudo service postgresql start`), or set DATABASE_URL to a "
        "server where this user may create databases, e.g.\n"
        f"  DATABASE_URL={DEFAULT_POSTGRES} .venv/bin/python {' '.join(sys.argv)}"
    )


@contextlib.contextmanager
def throwaway_database(
    server_url: str, name: str, *, settings: dict[str, str] | None = None
) -> Iterator[str]:
    """A new, empty PostgreSQL database `name` on the server of `server_url` (with `settings`
    as its defaults, ALTER DATABASE ... SET), dropped on the way out; yields its URL. An
    existing database of that name is left alone: the run stops and says how to drop it."""
    import psycopg  # only the PostgreSQL benchmarks need it
    from psycopg import sql

    maintenance = postgres_url(server_url, urlsplit(server_url).path[1:] or "postgres")
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=10) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if exists:
                raise SystemExit(
                    f"The database {name} already exists (a previous run that was killed?). "
                    f'Drop it (`dropdb --force {name}`, or `psql -c \'DROP DATABASE "{name}" '
                    "WITH (FORCE)'`) or choose another name with --database."
                )
            log(f"Creating the PostgreSQL database {name}...")
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            for key, value in (settings or {}).items():
                connection.execute(
                    sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                        sql.Identifier(name), sql.Identifier(key), sql.Literal(value)
                    )
                )
    except psycopg.OperationalError as error:
        raise postgres_unreachable(server_url, error) from None
    try:
        yield postgres_url(server_url, name)
    finally:
        log(f"Dropping the PostgreSQL database {name}...")
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=10) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def postgres_version(database_url: str) -> str:
    """The server's version and whether its autovacuum runs (it keeps the planner's
    statistics up to date)."""
    import psycopg

    with psycopg.connect(database_url, connect_timeout=10) as connection:
        version = connection.execute("SHOW server_version").fetchone()
        autovacuum = connection.execute("SHOW autovacuum").fetchone()
    return (
        f"PostgreSQL {version[0].split()[0] if version else '?'} "
        f"(autovacuum {autovacuum[0] if autovacuum else '?'})"
    )
