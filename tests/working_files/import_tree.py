"""A production with the shipped `simple` tree and files laid out on disk the way that tree
places them, for the import_tree tests (working and output modes)."""

import hashlib
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from file_trees.shipped import shipped_tree
from production import services
from production.models import EntityType, OutputType, Person, Project, Task, TaskStatus, TaskType


@dataclass
class Production:
    project: Project
    animation: Task  # SH010's animation task
    layout: Task  # SH010's layout task
    modeling: Task  # the Bunny asset's modeling task
    geometry: OutputType


def build_production(admin: Person) -> Production:
    project = services.create_project(
        values={"name": "Big Buck Bunny", "file_tree": shipped_tree("simple")}
    )
    status = TaskStatus.objects.get(short_name="todo")
    sequence = services.create_temporal_entity(
        kind="Sequence", project=project, name="SQ01", created_by=admin
    )
    shots = {
        name: services.create_temporal_entity(
            kind="Shot", project=project, name=name, parent=sequence, created_by=admin
        )
        for name in ("SH010", "SH020")
    }
    asset = services.create_asset(
        project=project,
        asset_type=EntityType.objects.get(name="Character"),
        name="Bunny",
        created_by=admin,
    )
    animation_type = TaskType.objects.get(name="Animation", for_entity="Shot")
    layout_type = TaskType.objects.get(name="Layout", for_entity="Shot")

    def task(entity, task_type, name="main"):
        return services.create_task(
            values={
                "name": name,
                "project": project,
                "entity": entity,
                "task_type": task_type,
                "task_status": status,
            }
        )

    production = Production(
        project=project,
        animation=task(shots["SH010"], animation_type),
        layout=task(shots["SH010"], layout_type),
        modeling=task(asset, TaskType.objects.get(name="Modeling", for_entity="Asset")),
        geometry=OutputType.objects.get_or_create(name="Geometry", defaults={"short_name": "geo"})[
            0
        ],
    )
    # Two animation tasks on SH020: its animation folder names either (ambiguous).
    task(shots["SH020"], animation_type)
    task(shots["SH020"], animation_type, name="second")
    return production


def write(root: Path, relative: str, content: bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def run(root: Path, *arguments: str, project: str = "Big Buck Bunny") -> str:
    """The command's stdout (findings and summary)."""
    out = StringIO()
    call_command(
        "import_tree", str(root), "--project", project, "--no-progress", *arguments, stdout=out
    )
    return out.getvalue()


def summary(output: str) -> dict[str, int]:
    """The summary's counts by label."""
    counts = {}
    for line in output.splitlines():
        label, colon, value = line.strip().rpartition(": ")
        if colon and value.isdigit():
            counts[label] = int(value)
    return counts
