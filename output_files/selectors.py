"""Reads of output files: revision numbers, the listings of a revision line, of an asset
instance and of a project, and the rows their routes name by id.

Listings take Zou's filters as a mapping (the query string): exact matches on
`LISTING_FILTERS`, ignored when empty. A malformed id, in the URL or in a filter, names no row:
NotFound."""

from collections.abc import Iterable, Mapping

from django.db.models import Max, QuerySet

from kitsufiles.errors import NotFound
from kitsufiles.last_rows import last_of_each_group
from kitsufiles.lookups import get_or_404, parse_id
from output_files.lines import RevisionLine
from output_files.models import OutputFile
from production import permissions
from production.models import (
    AssetInstance,
    Entity,
    OutputType,
    Person,
    Project,
    Task,
    TaskType,
)
from working_files.models import WorkingFile

LISTING_FILTERS = ("output_type_id", "task_type_id", "representation", "file_status_id", "name")
# What the path of an entity reads besides the entity: its project, type and parents.
ENTITY_RELATIONS = ("project", "entity_type", "parent__parent")
NEWEST_FIRST = ("-revision", "representation")
# The groups of a line's last revisions, and their newest row first.
GROUP = ("task_type", "output_type", "name", "representation")
NEWEST_OF_GROUP = ("-revision", "-created_at", "-pk")


# ---------------------------------------------------------------------------------------------
# Rows named by id


def entity_by_id(entity_id: object) -> Entity:
    """An entity with what its paths read; for an asset instance's routes, the temporal entity
    it is seen in (a shot, a scene, or the asset hosting it)."""
    return get_or_404(Entity.objects.select_related(*ENTITY_RELATIONS), entity_id)


def asset_instance_by_id(instance_id: object) -> AssetInstance:
    return get_or_404(
        AssetInstance.objects.select_related("asset__project", "asset__entity_type"), instance_id
    )


def output_type_by_id(output_type_id: object) -> OutputType:
    return get_or_404(OutputType, output_type_id)


def task_type_by_id(task_type_id: object) -> TaskType:
    return get_or_404(TaskType, task_type_id)


def file_by_id(
    file_id: object, reader: Person
) -> tuple[WorkingFile, Task] | tuple[OutputFile, Entity]:
    """The working file, else the output file, `file_id` names, with what places it in a
    project (its task, its entity) and `reader`'s link to that project's team (for the access
    check that follows, permissions.fetch). A working file without a task or an output
    without an entity belongs to no project: NotFound, as for an unknown id."""
    file_id = parse_id(file_id)
    working_files = permissions.with_caller_link(
        reader, WorkingFile.objects.select_related("task"), "task__project_id"
    )
    working_file = working_files.filter(pk=file_id).first()
    if working_file is not None:
        if working_file.task is None:
            raise NotFound()
        permissions.remember_caller_link(reader, working_file)
        return working_file, working_file.task
    outputs = OutputFile.objects.select_related("entity")
    output_file = permissions.fetch(reader, outputs, file_id, project="entity__project_id")
    if output_file.entity is None:
        raise NotFound()
    return output_file, output_file.entity


# ---------------------------------------------------------------------------------------------
# Revision lines


def next_revision(
    line: RevisionLine, output_type: OutputType | None, task_type: TaskType | None, name: str
) -> int:
    """1 + the last revision of (output type, task type, name) on the line, or 1."""
    last = OutputFile.objects.filter(
        **line.every_output,
        output_type=output_type,
        task_type=task_type,
        name=name,
        revision__gt=0,
    ).aggregate(last=Max("revision"))
    return (last["last"] or 0) + 1


def filtered(queryset: QuerySet[OutputFile], filters: Mapping[str, str]) -> QuerySet[OutputFile]:
    """Zou's listing filters: exact matches, ignored when empty."""
    for key in LISTING_FILTERS:
        value: object = filters.get(key)
        if value:
            if key.endswith("_id"):
                value = parse_id(value)
            queryset = queryset.filter(**{key: value})
    return queryset


def last_revisions(line: RevisionLine, filters: Mapping[str, str]) -> QuerySet[OutputFile]:
    """Per (task type, output type, name, representation) of the line's own outputs that pass
    the filters, the row of the highest revision (the later created of two at the same one);
    by name, then newest first. As in Zou, rows with an empty grouping column are in no group.

    Read through the `output_file_*_groups_idx` index of the line, in a time that grows with the
    number of groups, not of revisions (kitsufiles/last_rows.py)."""
    queryset = filtered(OutputFile.objects.filter(**line.own_outputs), filters)
    last = last_of_each_group(queryset, group_by=GROUP, newest_first=NEWEST_OF_GROUP)
    return last.order_by("name", "-revision", "representation", "pk")


def output_types_used(line: RevisionLine) -> QuerySet[OutputType]:
    """The output types of every output of the line, once each, by name."""
    used = OutputFile.objects.filter(**line.every_output).values("output_type_id")
    return OutputType.objects.filter(pk__in=used).order_by("name")


def outputs_of_type(
    line: RevisionLine, output_type: OutputType, representation: str | None
) -> QuerySet[OutputFile]:
    """The line's own outputs of a type, newest first; `representation` narrows them unless it
    is None (an empty one keeps the outputs without representation, as in Zou)."""
    queryset = OutputFile.objects.filter(**line.own_outputs, output_type=output_type)
    if representation is not None:
        queryset = queryset.filter(representation=representation)
    return queryset.order_by(*NEWEST_FIRST)


# ---------------------------------------------------------------------------------------------
# Listings


def entity_output_listing(entity: Entity, filters: Mapping[str, str]) -> QuerySet[OutputFile]:
    """The entity's own outputs, newest first (negative revisions left out)."""
    queryset = OutputFile.objects.filter(
        **RevisionLine.of_entity(entity).own_outputs,
        temporal_entity__isnull=True,
        revision__gte=0,
    )
    return filtered(queryset, filters).order_by(*NEWEST_FIRST)


def instance_output_listing(
    instance: AssetInstance, temporal_entity_id: str | None, filters: Mapping[str, str]
) -> QuerySet[OutputFile]:
    """The instance's outputs, in one temporal entity when an id is given, newest first."""
    queryset = OutputFile.objects.filter(asset_instance=instance, revision__gte=0)
    if temporal_entity_id:
        queryset = queryset.filter(temporal_entity_id=parse_id(temporal_entity_id))
    return filtered(queryset, filters).order_by(*NEWEST_FIRST)


def project_outputs(project: Project, filters: Mapping[str, str]) -> QuerySet[OutputFile]:
    """The outputs of the project's entities (not of instances or temporal entities), the
    latest created first."""
    queryset = OutputFile.objects.filter(
        entity__project=project,
        asset_instance__isnull=True,
        temporal_entity__isnull=True,
        revision__gte=0,
    )
    return filtered(queryset, filters).order_by("-created_at")


# ---------------------------------------------------------------------------------------------
# The task's history page (previews/views.py): a task's working files with what was published
# from them. Here rather than in working_files because previews reaches working files only
# through output_files (the "previews-app-edges" contract in pyproject.toml).


def task_history(task: Task) -> QuerySet[WorkingFile]:
    """The task's working files, line (name) by line, newest revision first, with their author
    and software (one query for a page of them, whatever the task holds)."""
    return (
        WorkingFile.objects.filter(task=task, revision__gte=0)
        .select_related("person", "software")
        .order_by("name", "-revision", "-created_at", "pk")
    )


def published_from(working_file_ids: Iterable[object]) -> QuerySet[OutputFile]:
    """The outputs whose source is one of `working_file_ids`, newest first, with their type
    and status."""
    return (
        OutputFile.objects.filter(source_file_id__in=list(working_file_ids), revision__gte=0)
        .select_related("output_type", "file_status")
        .order_by(*NEWEST_FIRST)
    )


def entity_outputs_for_page(entity: Entity) -> QuerySet[OutputFile]:
    """The entity's own outputs for its browsable page (output_files/views.py): grouped by
    output type and representation, the latest revision first in each group, with what a
    row shows (type, task type, author, the working file it came from and that file's task)
    read in the same query."""
    return entity_output_listing(entity, {}).select_related(
        "output_type", "task_type", "person", "file_status", "source_file"
    ).order_by(
        "output_type__name", "output_type_id", "representation", "-revision", "name", "pk"
    )
