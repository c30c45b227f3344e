"""How prune_storage's walk scales: its time and the Python memory it holds at its peak, on
local storage, at several sizes of store. Prints figures; not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kitsufiles_bench \
        .venv/bin/python bench/prune_storage.py --sizes 10000,100000

For each size N, in a throwaway test database (created and dropped here) and a temporary
`files` folder: N working-file rows that recorded an upload, of which 90 % have their content
stored (Zou's sharded layout, 16 bytes each) and 10 % lost it, plus N / 10 orphan files (ids
with no row). Then one dry run of the walk (kitsufiles.stores.prune.prune on the `files`
alias): wall time, SQL queries, and the peak of Python allocations during the run
(tracemalloc), which should not grow with N (docs/decisions/prune-storage.md).
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kitsufiles.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from kitsufiles.stores.prune import Kind, Summary, prune  # noqa: E402
from production import services  # noqa: E402
from production.models import EntityType, Person, Role, Task, TaskStatus, TaskType  # noqa: E402
from working_files.models import WorkingFile  # noqa: E402


def task() -> Task:
    services.ensure_default_data()
    admin = Person.objects.create_user(
        email=f"bench-{uuid.uuid4().hex[:6]}@studio.test", password="x", role=Role.ADMIN
    )
    project = services.create_project(values={"name": f"Bench {uuid.uuid4().hex[:6]}"})
    asset = services.create_asset(
        project=project, asset_type=EntityType.objects.get(name="Prop"), name="Crate",
        created_by=admin,
    )  # fmt: skip
    return Task.objects.create(
        name="main", project=project, entity=asset,
        task_type=TaskType.objects.get(name="Modeling"),
        task_status=TaskStatus.objects.get(short_name="todo"),
    )  # fmt: skip


def store(root: Path, file_id: str) -> None:
    folder = root / "working" / file_id[:3] / file_id[3:6]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / file_id).write_bytes(b"0123456789abcdef")


def populate(root: Path, size: int) -> None:
    owner = task()
    rows = [
        WorkingFile(task=owner, entity=owner.entity, name=f"n{i % 10}", revision=i // 10 + 1,
                    size=16)
        for i in range(size)
    ]  # fmt: skip
    for start in range(0, size, 5000):
        WorkingFile.objects.bulk_create(rows[start : start + 5000])
    for number, row in enumerate(rows):
        if number % 10:
            store(root, str(row.pk))
    for _ in range(size // 10):
        store(root, str(uuid.uuid4()))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE working_files_workingfile")


def walk() -> tuple[int, Summary]:
    summary = Summary()
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        for finding in prune("files", delete=False):
            summary.add(finding)
    return queries[0], summary


def run() -> tuple[float, int, int, Summary]:
    """Timed once as it is, then once under tracemalloc (which slows Python down) for the
    peak of what the walk holds."""
    started = time.perf_counter()
    queries, summary = walk()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    walk()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, queries, peak, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    sizes = [int(value) for value in parser.parse_args().sizes.split(",")]
    old_name = connection.settings_dict["NAME"]
    print(f"Creating a throwaway database on {connection.vendor}...", file=sys.stderr)
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"{'rows':>9} {'files':>9} {'seconds':>8} {'files/s':>8} {'queries':>8} "
              f"{'peak MiB':>9} {'orphans':>8} {'missing':>8}")  # fmt: skip
        for size in sizes:
            WorkingFile.objects.all().delete()
            with tempfile.TemporaryDirectory(prefix="bench-prune-") as folder:
                root = Path(folder)
                storages = {
                    **settings.STORAGES,
                    "files": {
                        "BACKEND": "django.core.files.storage.FileSystemStorage",
                        "OPTIONS": {"location": str(root)},
                    },
                }
                with override_settings(STORAGES=storages, DATA_DIR=root / "data"):
                    print(f"Populating {size} rows...", file=sys.stderr)
                    populate(root, size)
                    seconds, queries, peak, summary = run()
                listed = sum(summary.count("files", kind)[0] for kind in Kind)
                print(
                    f"{size:>9} {listed:>9} {seconds:>8.2f} {listed / seconds:>8.0f} "
                    f"{queries:>8} {peak / 2**20:>9.1f} "
                    f"{summary.count('files', Kind.ORPHAN)[0]:>8} "
                    f"{summary.count('files', Kind.MISSING)[0]:>8}"
                )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
