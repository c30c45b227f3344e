"""Working-file content up and down on each storage backend, side by side: a 1 GiB upload and
download through the API, MB/s and the web server's memory, on local storage, S3 (moto on
loopback) and OpenStack Swift (loopback, from Debian's packages). Prints figures; not a test.

    .venv/bin/python bench/storage.py                       # 1 GiB, 3 runs, every backend
    .venv/bin/python bench/storage.py --size-mib 256 --runs 1 --backends local,s3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/storage.py

Each backend gets a fresh server (bench/working_files.local_server: migrate, an admin, gunicorn
2 workers x 8 threads, DEBUG=false) whose FS_* variables point at the store, and a store
started here from the project's own scripts (scripts/s3-server.sh, scripts/swift-server.sh)
and stopped at the end. Uploads stream from disk, downloads stream to disk, and every transfer
is checked (the stored size and sha256, the downloaded bytes' sha256).

What the figures mean: client, web server and store share this machine's cores, so a rate is
that of all three; moto keeps objects in its memory (its own RSS grows by the file's size, not
the web server's, which is what is sampled: VmRSS of the gunicorn master and workers, and the
highest worker high-water mark). Swift writes to disk through four servers of its own.
"""

import argparse
import contextlib
import os
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent
]

from bench import working_files as wf  # noqa: E402
from bench.common import cpu_model, load_average, log, mib_text  # noqa: E402

BACKENDS = ("local", "s3", "swift")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def store_server(backend: str, folder: Path):
    """(FS_* variables of the server, description); the store is stopped on the way out."""
    if backend == "local":
        yield {}, "local storage"
        return
    script = ROOT / "scripts" / f"{backend}-server.sh"
    server_dir = folder / f"{backend}-server"
    server_dir.mkdir()
    log(f"Starting the {backend} server on loopback ({script.name})...")
    started = subprocess.run(
        ["bash", str(script), "start", str(server_dir), str(free_port())],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if started.returncode != 0:
        raise SystemExit(f"{script.name} could not start the server:\n{started.stderr}")
    exported = {}
    for line in started.stdout.splitlines():
        if line.startswith("export "):
            name, _, value = shlex.split(line)[1].partition("=")
            exported[name] = value
    variables = {key: value for key, value in exported.items() if key.startswith("FS_")} | {
        "FS_BACKEND": backend,
        "FS_BUCKET_PREFIX": "bench-",
    }
    variables["FS_S3_CREATE_BUCKET" if backend == "s3" else "FS_SWIFT_CREATE_CONTAINER"] = "true"
    try:
        yield variables, f"{backend} on loopback"
    finally:
        log(f"Stopping the {backend} server...")
        subprocess.run(
            ["bash", str(script), "stop", str(server_dir)], capture_output=True, timeout=120
        )


@contextlib.contextmanager
def service_on(backend: str, folder: Path):
    """The service (bench/working_files.py's local server, DATABASE_URL honoured) storing on
    `backend`'s server on loopback (or local storage), logged in, with a task to work on:
    (api, server, session, task id)."""
    with (
        store_server(backend, folder) as (variables, text),
        wf.local_server(
            folder,
            os.environ.get("DATABASE_URL"),
            storage=variables,
            storage_text=text,
        ) as server,
    ):
        api = wf.Api.log_in(server)
        session = api.session()
        yield api, server, session, wf.set_up_task(api, session)


def bench_backend(backend: str, folder: Path, args) -> list[wf.Transfer]:
    with service_on(backend, folder) as (api, server, session, task_id):
        return wf.transfer_round(
            api, server.pid, session, task_id, folder, args.size_mib, args.runs
        )


def print_table(results: dict[str, list[wf.Transfer]], args) -> bool:
    print()
    print(f"Working-file content, {args.size_mib} MiB, {args.runs} run(s) each way")
    print(f"Machine: {cpu_model()}, {os.cpu_count()} cores, load {load_average()}")
    print(f"{'backend':<8} {'direction':<9} {'MB/s median (range)':>21} "
          f"{'server RSS peak':>16} {'worker HWM':>11}  check")  # fmt: skip
    ok = True
    for backend, transfers in results.items():
        for transfer in transfers:
            rates = transfer.rates()
            rate = (
                f"{statistics.median(rates):.0f} ({rates[0]:.0f}-{rates[-1]:.0f})" if rates else "-"
            )
            print(
                f"{backend:<8} {transfer.direction:<9} {rate:>21} "
                f"{mib_text(transfer.peak):>16} {mib_text(transfer.hwm):>11}  {transfer.check}"
            )
            ok = ok and not transfer.check.startswith("FAIL")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="file size (default 1024)")
    parser.add_argument("--runs", type=int, default=3, help="runs each way (default 3)")
    parser.add_argument(
        "--backends", default=",".join(BACKENDS), help="comma-separated: local,s3,swift"
    )
    args = parser.parse_args()
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    unknown = set(backends) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backend(s) {', '.join(sorted(unknown))}: use {', '.join(BACKENDS)}")
    results = {}
    with tempfile.TemporaryDirectory(prefix="kitsufiles-bench-storage-") as temporary:
        for backend in backends:
            log(f"=== {backend}")
            folder = Path(temporary) / backend
            folder.mkdir()
            results[backend] = bench_backend(backend, folder, args)
    if not print_table(results, args):
        sys.exit(1)


if __name__ == "__main__":
    main()
