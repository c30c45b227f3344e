"""How import_tree scales (issue 19 part 5): files per second and peak memory on a generated
tree of small files. Prints figures; not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kitsufiles_bench \
        .venv/bin/python bench/import_tree.py --files 100000

In a throwaway test database (created and dropped here) and a temporary folder: a project with
the shipped `simple` tree, `--shots` shots over ten sequences with an animation and a layout
task each, and `--files` files of a few bytes laid out as that tree's working section places
them (ten revision lines per task folder, revisions numbered on). Then import_tree on them:

1. the first run (every file placed, hashed and created), timed;
2. the second run (nothing created: every revision exists), timed;
3. the first run again on emptied tables, under tracemalloc (slower) for the peak of Python
   allocations.

Each run reports wall time, files per second, SQL queries, and the process's peak resident
memory during the run (VmHWM, reset before it through /proc/self/clear_refs), which should not
grow with the number of files (docs/decisions/import-tree.md).
"""

import argparse
import contextlib
import os
import sys
import tempfile
import time
import tracemalloc
import uuid
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kitsufiles.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from file_trees.shipped import shipped_tree  # noqa: E402
from production import services  # noqa: E402
from production.models import Person, Role, TaskStatus, TaskType  # noqa: E402
from working_files.models import WorkingFile  # noqa: E402

PROJECT = "Bench Show"
LINES = 10  # revision lines (names) per task folder


def populate(shots: int) -> list[tuple[str, str, str]]:
    """The production: (sequence, shot, task type) of each task folder."""
    services.ensure_default_data()
    admin = Person.objects.create_user(
        email=f"bench-{uuid.uuid4().hex[:6]}@studio.test", password="x", role=Role.ADMIN
    )
    project = services.create_project(values={"name": PROJECT, "file_tree": shipped_tree("simple")})
    status = TaskStatus.objects.get(short_name="todo")
    task_types = [TaskType.objects.get(name=n, for_entity="Shot") for n in ("Animation", "Layout")]
    folders = []
    sequences = {}
    for number in range(shots):
        sequence_name = f"sq{number % 10:03d}"
        if sequence_name not in sequences:
            sequences[sequence_name] = services.create_temporal_entity(
                kind="Sequence", project=project, name=sequence_name, created_by=admin
            )
        shot = services.create_temporal_entity(
            kind="Shot",
            project=project,
            name=f"sh{number:04d}",
            parent=sequences[sequence_name],
            created_by=admin,
        )
        for task_type in task_types:
            services.create_task(
                values={
                    "name": "main",
                    "project": project,
                    "entity": shot,
                    "task_type": task_type,
                    "task_status": status,
                }
            )
            folders.append((sequence_name, shot.name, task_type.name.lower()))
    return folders


def generate(root: Path, folders: list[tuple[str, str, str]], files: int) -> None:
    """`files` files spread over the task folders, in the tree's working layout."""
    per_folder = -(-files // len(folders))
    written = 0
    for sequence, shot, task_type in folders:
        folder = root / "bench_show" / "shots" / sequence / shot / task_type / "blender"
        folder.mkdir(parents=True, exist_ok=True)
        for number in range(min(per_folder, files - written)):
            name, revision = f"n{number % LINES}", number // LINES + 1
            stem = f"bench_show_{sequence}_{shot}_{task_type}_{name}_v{revision:03d}"
            (folder / f"{stem}.blend").write_bytes(f"{stem}\n".encode()[:16])
            written += 1


def vm_hwm() -> int:
    """The process's peak resident memory, in bytes (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def vm_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def reset_hwm() -> None:
    with contextlib.suppress(OSError):  # not Linux: the peak since the start
        Path("/proc/self/clear_refs").write_text("5")


def import_run(root: Path) -> tuple[float, int, int, str]:
    queries = [0]

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        queries[0] += 1
        return execute(sql, params, many, context)

    out = StringIO()
    reset_hwm()
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        call_command("import_tree", str(root), "--project", PROJECT, "--no-progress", stdout=out)
    seconds = time.perf_counter() - started
    return seconds, queries[0], vm_hwm(), out.getvalue()


def created(summary: str) -> str:
    for line in summary.splitlines():
        if "revisions created" in line:
            return line.split(": ")[1]
    return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--shots", type=int, default=500)
    options = parser.parse_args()
    settings.DEBUG = False  # no query log growing with the run
    old_name = connection.settings_dict["NAME"]
    print(f"Creating a throwaway database on {connection.vendor}...", file=sys.stderr)
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-import-tree-") as folder:
            root = Path(folder)
            print(f"Populating {options.shots} shots...", file=sys.stderr)
            folders = populate(options.shots)
            print(f"Writing {options.files} files...", file=sys.stderr)
            generate(root, folders, options.files)
            print(f"{options.files} files in {len(folders)} task folders")
            print(f"resident memory before the runs: {vm_rss() / 2**20:.1f} MiB")
            print(
                f"{'run':<22} {'files':>8} {'created':>8} {'seconds':>8} {'files/s':>8} "
                f"{'queries':>8} {'VmHWM MiB':>10} {'py peak MiB':>12}"
            )
            for label in ("first run", "second run (no-op)"):
                print(f"{label}...", file=sys.stderr)
                seconds, queries, hwm, summary = import_run(root)
                print(
                    f"{label:<22} {options.files:>8} {created(summary):>8} {seconds:>8.1f} "
                    f"{options.files / seconds:>8.0f} {queries:>8} {hwm / 2**20:>10.1f} "
                    f"{'-':>12}"
                )
            WorkingFile.objects.all().delete()
            print("first run under tracemalloc...", file=sys.stderr)
            tracemalloc.start()
            seconds, queries, hwm, summary = import_run(root)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(
                f"{'first, tracemalloc':<22} {options.files:>8} {created(summary):>8} "
                f"{seconds:>8.1f} {options.files / seconds:>8.0f} {queries:>8} "
                f"{hwm / 2**20:>10.1f} {peak / 2**20:>12.1f}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
