"""The output-file writer of the import_tree command (the walk is working_files.imports): the
missing output revisions of a batch of placed files, as `services.publish` records them, in one
bulk insert (docs/decisions/import-tree.md)."""

from collections.abc import Sequence

from django.db import IntegrityError, transaction

from output_files import services
from output_files.models import OutputFile
from production.models import Entity, FileStatus
from working_files.imports import FoundFile, Written, sort_out

# An output's revision line, as the unique constraint names it (entity outputs only).
Key = tuple[object, object, object, str, int]


def _key(found: FoundFile) -> Key:
    folder = found.folder
    return (
        folder.entity.pk,
        folder.output_type.pk if folder.output_type else None,
        folder.task_type.pk if folder.task_type else None,
        found.place.name,
        found.place.revision,
    )


class OutputFileWriter:
    """Creates the missing output revisions of a batch in one transaction. The batch's
    entities are locked in id order, as `services.publish` locks the entity of the line it
    numbers; the revisions are the ones the file names hold, never allocated. The size and
    checksum are the file's own (a publish copies its source working file's)."""

    def write(self, batch: Sequence[FoundFile], *, dry_run: bool) -> Written:
        try:
            return self._write(batch, dry_run=dry_run)
        except IntegrityError:  # an insert raced past the locks: the row now exists
            return self._write(batch, dry_run=dry_run)

    @transaction.atomic
    def _write(self, batch: Sequence[FoundFile], *, dry_run: bool) -> Written:
        entity_ids = sorted({found.folder.entity.pk for found in batch})
        if not dry_run:
            locked = Entity.objects.select_for_update().filter(pk__in=entity_ids)
            list(locked.order_by("pk").values_list("pk"))
        rows = OutputFile.objects.filter(
            entity_id__in=entity_ids,
            asset_instance__isnull=True,
            temporal_entity__isnull=True,
            representation="",
            name__in={found.place.name for found in batch},
            revision__in={found.place.revision for found in batch},
        ).values_list(
            "entity_id", "output_type_id", "task_type_id", "name", "revision", "pk", "size",
            "checksum",
        )  # fmt: skip
        existing: dict[Key, tuple[object, int | None, str | None]] = {
            (entity, output_type, task_type, name, revision): (pk, size, checksum)
            for entity, output_type, task_type, name, revision, pk, size, checksum in rows
        }
        written, new = sort_out(batch, existing, _key)
        written.created = [(found, None) for found in new.values()]
        if not dry_run and new:
            status = services.default_file_status()
            OutputFile.objects.bulk_create(_row(found, status) for found in new.values())
        return written


def _row(found: FoundFile, status: FileStatus) -> OutputFile:
    folder = found.folder
    return OutputFile(
        entity=folder.entity,
        output_type=folder.output_type,
        task_type=folder.task_type,
        name=found.place.name,
        revision=found.place.revision,
        representation="",
        extension=found.place.extension[:10],
        # As a publish records it: the tree's folder and file name, with the extension.
        path=found.tree_path,
        comment="",
        nb_elements=1,
        file_status=status,
        size=found.size,
        checksum=found.sha256,
    )
