"""Writes of output files: publishing a new revision of an entity's output line."""

from django.db import IntegrityError, transaction

from file_trees import services as file_tree_services
from kitsufiles import records
from kitsufiles.errors import DataConflict, Shape
from output_files import selectors
from output_files.errors import OutputFileExists
from output_files.models import OutputFile
from production.models import AssetInstance, Entity, FileStatus, OutputType, Person, TaskType
from production.selectors import DEFAULT_FILE_STATUS_NAME
from working_files.models import WorkingFile


def default_file_status() -> FileStatus:
    status, _ = FileStatus.objects.get_or_create(
        name=DEFAULT_FILE_STATUS_NAME, defaults={"color": "#FFFFFF"}
    )
    return status


def _record(taken_shape: Shape, *, working_file, file_status, **columns) -> OutputFile:
    """Insert one output row; a revision already taken is OutputFileExists (in the layout of
    the route's body: `taken_shape`)."""
    values = {
        **columns,
        "file_status": file_status or default_file_status(),
        "source_file": working_file,
        # What was published: the working file's content, when it has one.
        "checksum": working_file.checksum if working_file else None,
        "size": working_file.size if working_file else None,
    }
    try:
        return records.create_record(OutputFile, values)
    except (IntegrityError, DataConflict):
        raise OutputFileExists(shape=taken_shape) from None


@transaction.atomic
def publish_entity_output(
    *,
    entity: Entity,
    output_type: OutputType,
    task_type: TaskType,
    person: Person,
    working_file: WorkingFile | None = None,
    file_status: FileStatus | None = None,
    name: str = "main",
    comment: str = "",
    revision: int = 0,
    extension: str = "",
    representation: str = "",
    nb_elements: int = 1,
    sep: str = "/",
) -> tuple[OutputFile, str, str]:
    """A new revision of (entity, output type, task type, name); revision < 1 takes the next.

    The entity row is locked for the transaction, so concurrent publishes get consecutive
    numbers. The path is computed before anything is written: a tree that cannot serve the
    entity is refused with nothing created (Zou creates the row first). Returns the output
    file, its folder and its file name (without extension)."""
    Entity.objects.select_for_update().filter(pk=entity.pk).first()
    if revision < 1:
        revision = selectors.next_entity_revision(entity, output_type, task_type, name)
    folder, file_name = file_tree_services.entity_output_file_path(
        entity=entity,
        output_type=output_type,
        task_type=task_type,
        name=name,
        revision=revision,
        representation=representation,
        sep=sep,
        nb_elements=nb_elements,
    )
    output_file = _record(
        Shape.ERROR,
        path=f"{folder}{sep}{file_name}{extension}",
        working_file=working_file,
        file_status=file_status,
        name=name,
        comment=comment,
        revision=revision,
        extension=extension,
        representation=representation,
        nb_elements=nb_elements,
        entity=entity,
        output_type=output_type,
        task_type=task_type,
        person=person,
    )
    return output_file, folder, file_name


@transaction.atomic
def publish_instance_output(
    *,
    instance: AssetInstance,
    temporal_entity: Entity,
    output_type: OutputType,
    task_type: TaskType,
    person: Person,
    working_file: WorkingFile | None = None,
    file_status: FileStatus | None = None,
    name: str = "main",
    comment: str = "",
    revision: int = 0,
    extension: str = "",
    representation: str = "",
    nb_elements: int = 1,
    sep: str = "/",
) -> tuple[OutputFile, str, str]:
    """A new revision of an asset instance's output as seen in `temporal_entity` (a shot, a
    scene, or the host asset). The instance row is locked; the path comes first, so a tree
    that cannot serve it is refused with nothing created (Zou answers 500 after creating)."""
    # The asset's row too: its entity line counts instance outputs (they carry it as entity).
    Entity.objects.select_for_update().filter(pk=instance.asset_id).first()
    AssetInstance.objects.select_for_update().filter(pk=instance.pk).first()
    if revision < 1:
        revision = selectors.next_instance_revision(
            instance, temporal_entity, output_type, task_type, name
        )
    folder, file_name = file_tree_services.instance_output_file_path(
        instance=instance,
        temporal_entity=temporal_entity,
        output_type=output_type,
        task_type=task_type,
        name=name,
        revision=revision,
        representation=representation,
        sep=sep,
    )
    output_file = _record(
        Shape.MESSAGE,  # the instance route's body key
        path=f"{folder}{sep}{file_name}{extension}",
        working_file=working_file,
        file_status=file_status,
        name=name,
        comment=comment,
        revision=revision,
        extension=extension,
        representation=representation,
        nb_elements=nb_elements,
        entity=instance.asset,
        asset_instance=instance,
        temporal_entity=temporal_entity,
        output_type=output_type,
        task_type=task_type,
        person=person,
    )
    return output_file, folder, file_name
