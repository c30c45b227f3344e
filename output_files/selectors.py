from django.db.models import Max

from kitsufiles.api.serialization import serialize_rows
from output_files.models import OutputFile
from production.models import Entity, OutputType, TaskType
from working_files.models import WorkingFile


def next_entity_revision(
    entity: Entity, output_type: OutputType, task_type: TaskType, name: str
) -> int:
    """1 + the last revision of (entity, output type, task type, name), or 1.

    As in Zou, the instance outputs of an asset count too: they carry the asset as entity."""
    last = OutputFile.objects.filter(
        entity=entity, output_type=output_type, task_type=task_type, name=name, revision__gt=0
    ).aggregate(last=Max("revision"))
    return (last["last"] or 0) + 1


def output_file_rows(queryset) -> list[dict]:
    """Output files in Zou's shape: each embeds its source working file under `source_file`
    (a nested dict without `outputs`, or null), read with one more query for all rows."""
    rows = serialize_rows(queryset)
    source_ids = {row["source_file_id"] for row in rows if row["source_file_id"]}
    sources = {}
    if source_ids:
        sources = {
            source["id"]: source
            for source in serialize_rows(WorkingFile.objects.filter(pk__in=source_ids))
        }
    for row in rows:
        row["source_file"] = sources.get(row["source_file_id"])
    return rows
