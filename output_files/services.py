"""Writes of output files: publishing a new revision on a revision line, and the paths of
outputs (whose fallback rows are writes too)."""

from dataclasses import replace
from typing import Any

from django.db import IntegrityError, transaction

from file_trees import services as file_tree_services
from file_trees.inputs import PathOptions
from kitsufiles import records
from kitsufiles.errors import DataConflict
from output_files import selectors
from output_files.errors import InstanceOfAnotherEntity, OutputFileExists
from output_files.inputs import PublishArguments
from output_files.lines import RevisionLine
from output_files.models import OutputFile
from production.models import AssetInstance, Entity, FileStatus, Person
from production.selectors import DEFAULT_FILE_STATUS_NAME


def default_file_status() -> FileStatus:
    status, _ = FileStatus.objects.get_or_create(
        name=DEFAULT_FILE_STATUS_NAME, defaults={"color": "#FFFFFF"}
    )
    return status


def output_path(line: RevisionLine, options: PathOptions) -> file_tree_services.PathParts:
    """Where an output of `line` goes, without publishing it.

    On an entity's line, revision 0 names the file after the next revision while the folder is
    rendered with 0 (visible only with a `<Revision>` in a folder template); on an instance's
    line, 0 renders `v000`. Both as Zou does."""
    revision = options.revision
    if revision == 0 and line.instance is None:
        revision = selectors.next_revision(
            line, options.output_type, options.task_type, options.name
        )
    return file_tree_services.output_file_path(
        line.place, replace(options, revision=revision), folder_revision=options.revision
    )


def _lock(line: RevisionLine) -> None:
    """Queue up the writers of the line: its entity's row, and its instance's. An instance
    publish takes the entity's (the asset's) lock too, since the asset's numbering counts its
    instances' outputs."""
    records.lock_row(Entity, line.entity.pk)
    if line.instance is not None:
        records.lock_row(AssetInstance, line.instance.pk)


@transaction.atomic
def publish(line: RevisionLine, arguments: PublishArguments) -> tuple[OutputFile, str, str]:
    """A new revision on `line`; a revision below 1 takes the next one, so concurrent
    publishes get consecutive numbers. Returns the output file, its folder and its file name
    (without extension).

    The path is computed before anything is written: a tree that cannot serve the line is
    refused (TreeCannotRender) with nothing created, where Zou creates the row first
    (docs/compatibility.md#output-files). A revision already taken is OutputFileExists."""
    _lock(line)
    revision = arguments.revision
    if revision < 1:
        revision = selectors.next_revision(
            line, arguments.output_type, arguments.task_type, arguments.name
        )
    options = PathOptions(
        name=arguments.name,
        revision=revision,
        mode="output",  # whatever the body says, as in Zou
        sep=arguments.sep,
        representation=arguments.representation,
        output_type=arguments.output_type,
        task_type=arguments.task_type,
    )
    folder, file_name = file_tree_services.output_file_path(
        line.place, options, nb_elements=arguments.nb_elements
    )
    source = arguments.working_file
    values = {
        **line.columns,
        "path": f"{folder}{arguments.sep}{file_name}{arguments.extension}",
        "name": arguments.name,
        "comment": arguments.comment,
        "revision": revision,
        "extension": arguments.extension,
        "representation": arguments.representation,
        "nb_elements": arguments.nb_elements,
        "output_type": arguments.output_type,
        "task_type": arguments.task_type,
        "person": arguments.person,
        "file_status": arguments.file_status or default_file_status(),
        "source_file": source,
        # What was published: the working file's content, when it has one.
        "checksum": source.checksum if source else None,
        "size": source.size if source else None,
    }
    try:
        # No savepoint: a refused insert rolls the whole publish back.
        output_file = records.insert_record(OutputFile, values)
    except (IntegrityError, DataConflict):
        raise OutputFileExists() from None
    return output_file, folder, file_name


def _check_links(entity: Entity | None, instance: AssetInstance | None) -> None:
    if instance is not None and (entity is None or instance.asset_id != entity.pk):
        raise InstanceOfAnotherEntity()


@transaction.atomic
def create_output_file_record(*, values: dict[str, Any], person: Person) -> OutputFile:
    """The generic CRUD creation (admins): the row as sent, an instance's output under the
    instance's asset."""
    _check_links(values.get("entity"), values.get("asset_instance"))
    return records.create_record(OutputFile, values)


@transaction.atomic
def update_output_file(
    *, instance: OutputFile, values: dict[str, Any], person: Person
) -> OutputFile:
    """The generic CRUD update, by the same rule as its creation when it changes the entity
    or the instance."""
    if values.keys() & {"entity", "asset_instance"}:
        _check_links(
            values.get("entity", instance.entity),
            values.get("asset_instance", instance.asset_instance),
        )
    return records.update_record(instance, values)


def publish_entity_output(*, entity: Entity, **arguments: Any) -> tuple[OutputFile, str, str]:
    """`publish` on an entity's own line; `arguments` are PublishArguments' fields."""
    return publish(RevisionLine.of_entity(entity), PublishArguments(**arguments))
