from django.db.models import Max, OuterRef, QuerySet, Subquery

from kitsufiles.lookups import parse_id
from output_files.models import OutputFile
from production.models import AssetInstance, Entity, OutputType, TaskType


def next_entity_revision(
    entity: Entity, output_type: OutputType, task_type: TaskType, name: str
) -> int:
    """1 + the last revision of (entity, output type, task type, name), or 1.

    As in Zou, the instance outputs of an asset count too: they carry the asset as entity."""
    last = OutputFile.objects.filter(
        entity=entity, output_type=output_type, task_type=task_type, name=name, revision__gt=0
    ).aggregate(last=Max("revision"))
    return (last["last"] or 0) + 1


def entity_outputs(entity: Entity) -> QuerySet:
    """The entity's own outputs (an asset's instance outputs carry it as entity too)."""
    return OutputFile.objects.filter(entity=entity, asset_instance__isnull=True)


LISTING_FILTERS = ("output_type_id", "task_type_id", "representation", "file_status_id", "name")


def filtered(queryset, params) -> QuerySet:
    """Zou's listing filters: exact matches, ignored when empty."""
    for key in LISTING_FILTERS:
        value = params.get(key)
        if value:
            if key.endswith("_id"):
                value = parse_id(value)
            queryset = queryset.filter(**{key: value})
    return queryset


def last_revisions(queryset) -> QuerySet:
    """Per (task type, output type, name, representation), the row of the highest revision."""
    highest = (
        OutputFile.objects.filter(
            pk__in=queryset.values("pk"),
            task_type=OuterRef("task_type"),
            output_type=OuterRef("output_type"),
            name=OuterRef("name"),
            representation=OuterRef("representation"),
        )
        .order_by("-revision", "-created_at")
        .values("pk")[:1]
    )
    return queryset.filter(pk=Subquery(highest))


def next_instance_revision(
    instance: AssetInstance,
    temporal_entity: Entity,
    output_type: OutputType,
    task_type: TaskType,
    name: str,
) -> int:
    last = OutputFile.objects.filter(
        asset_instance=instance,
        temporal_entity=temporal_entity,
        output_type=output_type,
        task_type=task_type,
        name=name,
        revision__gt=0,
    ).aggregate(last=Max("revision"))
    return (last["last"] or 0) + 1


def instance_outputs(instance: AssetInstance, temporal_entity_id=None) -> QuerySet:
    queryset = OutputFile.objects.filter(asset_instance=instance)
    if temporal_entity_id:
        queryset = queryset.filter(temporal_entity_id=temporal_entity_id)
    return queryset
