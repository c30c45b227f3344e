"""What a path request names, resolved to rows, and what an output path is rendered for.

Plain Python over the values an API serializer validated, so the path services read the same
whether a route, a command or a test calls them. Each app's api validates its own body (the
path routes differ in a few keys and defaults) and hands the values here."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models

from file_trees import engine
from file_trees.errors import UnknownRow
from kitsufiles.errors import NotFound
from kitsufiles.lookups import get_or_404
from production.models import AssetInstance, Entity, OutputType, Software, TaskType

Row = TypeVar("Row", bound=models.Model)


def row_named_by(
    model_or_queryset: type[Row] | models.QuerySet[Row], value: object, label: str
) -> Row:
    """The row a body id names; UnknownRow (a 400 naming the key) if there is none."""
    try:
        return get_or_404(model_or_queryset, value)
    except NotFound:
        raise UnknownRow(label, value) from None


def optional_row(
    model_or_queryset: type[Row] | models.QuerySet[Row],
    values: Mapping[str, Any],
    key: str,
    label: str,
) -> Row | None:
    """The row `values[key]` names, or None when the key is absent or empty."""
    return row_named_by(model_or_queryset, values[key], label) if values.get(key) else None


@dataclass(frozen=True)
class PathOptions:
    """What a path is asked for besides its task or entity: the revision line's name and
    revision, the tree's mode, the separator, and the rows its tokens may read."""

    name: str
    revision: int
    mode: str
    sep: str = "/"
    representation: str = ""
    software: Software | None = None
    output_type: OutputType | None = None
    task_type: TaskType | None = None


def resolve_path_options(values: Mapping[str, Any]) -> PathOptions:
    """The options of validated body `values`; each `*_id` the body carries is looked up
    (UnknownRow if it names nothing), in the order Zou reads them."""
    return PathOptions(
        name=values["name"],
        revision=values["revision"],
        mode=values["mode"],
        sep=values["sep"],
        representation=values.get("representation", ""),
        software=optional_row(Software, values, "software_id", "software"),
        output_type=optional_row(OutputType, values, "output_type_id", "output type"),
        task_type=optional_row(
            TaskType.objects.select_related("department"), values, "task_type_id", "task type"
        ),
    )


@dataclass(frozen=True)
class OutputPlace:
    """What an output's path is rendered for: an entity, or an asset instance as seen in
    `entity` (a shot, a scene, or the asset hosting it). An instance's path follows the tree of
    the production it sits in (the entity's), even when the asset is borrowed from another."""

    entity: Entity
    instance: AssetInstance | None = None

    @property
    def kind(self) -> str:
        if self.instance is None:
            return engine.kind_for_entity(self.entity.entity_type.name)
        return engine.kind_for_entity(
            "", is_instance=True, in_asset=self.instance.target_asset_id is not None
        )
