"""Reads for file trees: the rows a path is about (as the engine's `Subjects`), and the rows a
path names (guess-from-path, and the path → task helpers).

A tree that cannot read a path back is TreeCannotParse; the helpers refuse a path that does not
fit with WrongPathFormat or TaskNotFound (file_trees.errors)."""

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import models
from slugify import slugify

from file_trees import engine
from file_trees.errors import TaskNotFound, TreeCannotParse, WrongPathFormat
from production.models import (
    AssetInstance,
    Department,
    Entity,
    EntityType,
    EntityTypeNames,
    OutputType,
    Project,
    Software,
    Task,
    TaskType,
)

TEMPORAL_KINDS = ("Shot", "Sequence", "Scene", "Episode")


def row(instance: models.Model | None) -> dict[str, Any] | None:
    """A model row as the plain mapping the engine reads (ids as strings)."""
    if instance is None:
        return None
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        values[field.attname] = str(value) if field.attname == "id" else value
    return values


def entity_kind(entity: Entity) -> str:
    name = entity.entity_type.name
    return name if name in TEMPORAL_KINDS else "asset"


def _sequence_and_episode(entity: Entity) -> tuple[Entity | None, Entity | None]:
    kind = entity_kind(entity)
    if kind in ("Shot", "Scene"):
        sequence = entity.parent
        return sequence, sequence.parent if sequence is not None else None
    if kind == "Sequence":
        return entity, entity.parent
    if kind == "Episode":
        return None, entity
    return None, None


def _asset_type(entity: Entity | None) -> EntityType | None:
    if entity is None or not entity.entity_type.is_asset_type:
        return None
    return entity.entity_type


def subjects(
    *,
    entity: Entity,
    kind: str,
    task: Task | None = None,
    task_type: TaskType | None = None,
    software: Software | None = None,
    output_type: OutputType | None = None,
    asset: Entity | None = None,
    instance: AssetInstance | None = None,
    name: str = "",
    representation: str = "",
    revision: int = 1,
) -> engine.Subjects:
    """Everything a template may ask about `entity` (the temporal entity for instances)."""
    sequence, episode = _sequence_and_episode(entity)
    task_type = task_type or (task.task_type if task else None)
    department = task_type.department if task_type and task_type.department_id else None
    asset = asset or entity
    return engine.Subjects(
        kind=kind,
        entity_kind=entity_kind(entity),
        project=row(entity.project),
        entity=row(entity),
        entity_type=row(entity.entity_type),
        sequence=row(sequence),
        episode=row(episode),
        task=row(task),
        task_type=row(task_type),
        department=row(department),
        software=row(software),
        output_type=row(output_type),
        asset=row(asset),
        asset_type=row(_asset_type(asset)),
        instance=row(instance),
        name=name,
        representation=representation,
        revision=revision,
    )


# ---------------------------------------------------------------------------------------------
# guess-from-path: the rows a path's token values name


def _same_slug(name: str, value: str) -> bool:
    return slugify(name or "", separator="_") == slugify(value, separator="_")


def _first_named(queryset: models.QuerySet, value: str) -> uuid.UUID | None:
    """The first row (oldest) whose name is `value` once both are slugified.

    Paths hold slugified names (`Hero's Sword` → `hero_s_sword`), so names are compared in
    that form: case, spaces, underscores and punctuation do not matter, and nothing in the
    value acts as a wildcard (docs/compatibility.md#file-trees)."""
    for row_id, name in queryset.order_by("created_at", "pk").values_list("pk", "name"):
        if _same_slug(name, value):
            return row_id
    return None


def _entities(kind: str, found: Mapping[str, Any]) -> models.QuerySet[Entity]:
    return Entity.objects.filter(entity_type__name=kind, project_id=found["Project"])


def lookup_token(token: str, value: str, found: Mapping[str, Any]) -> Any:
    """The id (or value) a token's path value names, given what was found before; None
    stops the template there. `found` maps token words to ids already resolved."""
    if token == "Project":
        return _first_named(Project.objects.all(), value)
    if token in ("Name", "Representation"):
        return value
    if token == "Version":
        return int(value) if value.isdigit() and int(value) > 0 else None
    if token in ("Department", "TaskType", "OutputType", "AssetType", "TemporalEntityType"):
        model = {
            "Department": Department,
            "TaskType": TaskType,
            "OutputType": OutputType,
            "AssetType": EntityType,
            "TemporalEntityType": EntityType,
        }[token]
        return _first_named(model._default_manager.all(), value)
    if "Project" not in found:
        return None  # every other row lives in a project
    if token == "Episode":
        return _first_named(_entities(EntityTypeNames.EPISODE, found), value)
    if token in ("Sequence", "Scene"):
        parent = found.get("Episode") if token == "Sequence" else found.get("Sequence")
        queryset = _entities(token, found)
        if parent:
            queryset = queryset.filter(parent_id=parent)
        return _first_named(queryset, value)
    if token == "Shot":
        if "Sequence" not in found:
            return None
        queryset = _entities(EntityTypeNames.SHOT, found).filter(parent_id=found["Sequence"])
        return _first_named(queryset, value)
    if token in ("Asset", "TemporalEntity"):  # narrowed by <AssetType> / <TemporalEntityType>
        type_token = f"{token}Type"
        if type_token not in found:
            return None
        queryset = Entity.objects.filter(
            project_id=found["Project"], entity_type_id=found[type_token]
        )
        return _first_named(queryset, value)
    if token == "Instance":
        if "Asset" not in found:
            return None
        return _first_named(AssetInstance.objects.filter(asset_id=found["Asset"]), value)
    if token == "Task":
        entity_id = found.get("Scene") or found.get("Asset") or found.get("Shot")
        if "TaskType" not in found or entity_id is None:
            return None
        tasks = Task.objects.filter(
            project_id=found["Project"], task_type_id=found["TaskType"], entity_id=entity_id
        )
        return _first_named(tasks, value)
    return None  # Software, Revision, OutputFile, WorkingFile name nothing stored


@contextmanager
def _tree_refusals() -> Iterator[None]:
    """The engine's refusals as the domain error of a path that cannot be read back."""
    try:
        yield
    except engine.FileTreeError as error:
        raise TreeCannotParse(str(error)) from None


def guess_from_path(project: Project, file_path: str, sep: str = "/") -> list[dict[str, str]]:
    """Zou's guess-from-path: per matching template, the rows its tokens name, in template
    order, stopping at the first token that names nothing (partial matches are answers too).

    Raises TreeCannotParse when the project has no tree."""
    tree = project.file_tree
    results: list[dict[str, str]] = []
    with _tree_refusals():
        matches = engine.parse_path(tree, file_path, sep)
    for match in matches:
        data: dict[str, str] = {"Template": match.kind}
        found: dict[str, Any] = {}
        template = engine.template_of(tree, match.mode, "folder_path", match.kind)
        for element in template.split("/"):
            token = next((t for t in match.values if f"<{t}>" in element), None)
            if token is None:
                continue
            result = lookup_token(token, match.values[token], found)
            if result is None:
                break
            if token == "Project" and str(result) != str(project.pk):
                break  # a path of another production
            found[token] = result
            data[token] = str(result)
        if data not in results:
            results.append(data)
    return results


# ---------------------------------------------------------------------------------------------
# Path → task: helpers for pipeline tools, with no route (Zou has none either)


def _values_for(project: Project, file_path: str, kind: str, mode: str, sep: str) -> dict[str, str]:
    tree = project.file_tree
    with _tree_refusals():
        template = engine.template_of(tree, mode, "folder_path", kind)
        root = engine.root_path(tree, mode, sep)
    path_elements = file_path[len(root) :].split(sep)
    template_elements = template.split("/")
    if len(path_elements) != len(template_elements):
        raise WrongPathFormat(f"{file_path} doesn't match {template}")
    values = engine.extract_values(path_elements, template_elements)
    if values is None:
        raise WrongPathFormat(f"{file_path} doesn't match {template}")
    return values


def _task_for(project: Project, entity_id: uuid.UUID | None, values: Mapping[str, str]) -> Task:
    if entity_id is None:
        raise WrongPathFormat("No asset or shot found in given path.")
    task_types = TaskType.objects.all()
    department = values.get("Department")
    if department:
        department_id = _first_named(Department.objects.all(), department)
        if department_id is not None:  # an unknown department only stops narrowing
            task_types = task_types.filter(department_id=department_id)
    task_type_id = _first_named(task_types, values.get("TaskType", ""))
    if task_type_id is None:
        raise WrongPathFormat(
            f"Task type {values.get('TaskType', '')} was not found in given path."
        )
    tasks = Task.objects.filter(project=project, entity_id=entity_id, task_type_id=task_type_id)
    task_id = (
        _first_named(tasks, values["Task"])
        if values.get("Task")
        else (tasks.order_by("created_at").values_list("pk", flat=True).first())
    )
    if task_id is None:
        raise TaskNotFound("No task matches the given path yet.")
    return Task.objects.get(pk=task_id)


def shot_task_from_path(
    project: Project, file_path: str, mode: str = "working", sep: str = "/"
) -> Task:
    """The task of a shot a working path belongs to."""
    values = _values_for(project, file_path, "shot", mode, sep)
    found: dict[str, Any] = {"Project": project.pk}
    if values.get("Episode"):
        episode = lookup_token("Episode", values["Episode"], found)
        if episode is not None:  # an unknown episode is ignored
            found["Episode"] = episode
    # Narrowed by the episode when the path names one (Zou insists on a null parent
    # otherwise, which misses every sequence of a TV show whose template has no <Episode>).
    sequence = lookup_token("Sequence", values.get("Sequence", ""), found)
    if not values.get("Shot"):
        raise WrongPathFormat("Shot name was not found in given path")
    shot = None
    if sequence is not None:
        shot = _first_named(_entities("Shot", found).filter(parent_id=sequence), values["Shot"])
    return _task_for(project, shot, values)


def asset_task_from_path(
    project: Project, file_path: str, mode: str = "working", sep: str = "/"
) -> Task:
    """The task of an asset a working path belongs to."""
    values = _values_for(project, file_path, "asset", mode, sep)
    if not values.get("Asset"):
        raise WrongPathFormat("Asset name was not found in given path.")
    asset_type = _first_named(EntityType.objects.all(), values.get("AssetType", ""))
    asset = None
    if asset_type is not None:
        assets = Entity.objects.filter(project=project, entity_type_id=asset_type)
        asset = _first_named(assets, values["Asset"])
    return _task_for(project, asset, values)
