"""How long a 1,000-row listing takes to serialize, our way and DRF's way, and through the
whole route. Prints figures; not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kitsufiles_bench \
        .venv/bin/python bench/listing.py

Runs in a throwaway test database (created and dropped here). The reference
(docs/decisions/listing-serialization.md): on this machine 1,000 rows × 16 columns take ≈ 50 ms
through ModelSerializer(many=True) + JSONRenderer against ≈ 14 ms for .values() + orjson.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kitsufiles.settings")

import django  # noqa: E402

django.setup()

import orjson  # noqa: E402
from django.db import connection  # noqa: E402
from rest_framework import serializers  # noqa: E402
from rest_framework.renderers import JSONRenderer  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from kitsufiles.api.authentication import issue_tokens  # noqa: E402
from kitsufiles.api.serialization import serialize_rows  # noqa: E402
from production import services  # noqa: E402
from production.models import EntityType, Person, Role, Task, TaskStatus, TaskType  # noqa: E402

ROWS = 1000
RUNS = 15


def median_ms(action) -> float:
    action()  # warm up
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


class TaskModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        exclude = ["assignees"]


def populate() -> Person:
    services.ensure_default_data()
    admin = Person.objects.create_user(email="bench@studio.test", password="x", role=Role.ADMIN)
    project = services.create_project(values={"name": "Bench"})
    asset = services.create_asset(
        project=project,
        asset_type=EntityType.objects.get(name="Prop"),
        name="Crate",
        created_by=admin,
    )
    task_type = TaskType.objects.get(name="Modeling")
    status = TaskStatus.objects.get(short_name="todo")
    Task.objects.bulk_create(
        Task(
            name=f"task{i:04d}",
            project=project,
            entity=asset,
            task_type=task_type,
            task_status=status,
        )
        for i in range(ROWS)
    )
    return admin


def main() -> None:
    old_name = connection.settings_dict["NAME"]
    print(f"Creating a throwaway database on {connection.vendor}...", file=sys.stderr)
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        admin = populate()
        queryset = Task.objects.order_by("created_at", "pk")
        columns = len(Task._meta.concrete_fields)
        client = APIClient(SERVER_NAME="localhost")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(admin)[0]}")

        query_only = median_ms(lambda: list(queryset.values()))
        ours = median_ms(lambda: orjson.dumps(serialize_rows(queryset)))
        drf = median_ms(
            lambda: JSONRenderer().render(TaskModelSerializer(queryset, many=True).data)
        )
        route = median_ms(lambda: client.get("/api/data/tasks"))
        assert len(client.get("/api/data/tasks").json()) == ROWS

        print(f"{ROWS} rows x {columns} columns, median of {RUNS} runs, {connection.vendor}")
        print(f"  query alone (.values())                  {query_only:7.1f} ms")
        print(f"  serialize_rows + orjson                  {ours:7.1f} ms")
        print(f"  ModelSerializer(many=True) + JSONRenderer {drf:7.1f} ms")
        print(f"  GET /api/data/tasks (whole stack)        {route:7.1f} ms")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
