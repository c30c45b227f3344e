from django.db.models import Max

from output_files.models import OutputFile
from production.models import Entity, OutputType, TaskType


def next_entity_revision(
    entity: Entity, output_type: OutputType, task_type: TaskType, name: str
) -> int:
    """1 + the last revision of (entity, output type, task type, name), or 1.

    As in Zou, the instance outputs of an asset count too: they carry the asset as entity."""
    last = OutputFile.objects.filter(
        entity=entity, output_type=output_type, task_type=task_type, name=name, revision__gt=0
    ).aggregate(last=Max("revision"))
    return (last["last"] or 0) + 1
