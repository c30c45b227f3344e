"""OutputFile: a file published from a task for others (a cache, a texture, a render)."""

from django.db import models

from production.models import (
    AssetInstance,
    Entity,
    FileStatus,
    OutputType,
    Person,
    TaskType,
    ZouModel,
)
from working_files.models import WorkingFile


class OutputFile(ZouModel):
    ZOU_NESTED = ("source_file",)  # clients read the source working file from the output
    # Copied from the source working file's stored content when the output is published.
    shotgun_id = models.IntegerField(null=True, blank=True)
    name = models.CharField(max_length=250)
    canceled = models.BooleanField(default=False)
    size = models.BigIntegerField(null=True, blank=True)
    checksum = models.CharField(max_length=64, null=True, blank=True)  # sha256, hex
    description = models.TextField(null=True, blank=True)
    comment = models.TextField(null=True, blank=True)
    extension = models.CharField(max_length=10, null=True, blank=True)
    revision = models.IntegerField()
    representation = models.CharField(max_length=20, null=True, blank=True, db_index=True)
    nb_elements = models.IntegerField(null=True, blank=True, default=1)
    source = models.CharField(max_length=40, null=True, blank=True)
    path = models.CharField(max_length=400, null=True, blank=True)
    data = models.JSONField(null=True, blank=True)
    file_status = models.ForeignKey(FileStatus, on_delete=models.PROTECT, related_name="+")
    # Both are indexed by the first column of the indexes below.
    entity = models.ForeignKey(
        Entity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="output_files",
        db_index=False,
    )
    asset_instance = models.ForeignKey(
        AssetInstance,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="output_files",
        db_index=False,
    )
    output_type = models.ForeignKey(
        OutputType, null=True, blank=True, on_delete=models.PROTECT, related_name="output_files"
    )
    task_type = models.ForeignKey(
        TaskType, null=True, blank=True, on_delete=models.PROTECT, related_name="output_files"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="output_files"
    )
    source_file = models.ForeignKey(
        WorkingFile, null=True, blank=True, on_delete=models.PROTECT, related_name="outputs"
    )
    temporal_entity = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "name",
                    "entity",
                    "asset_instance",
                    "output_type",
                    "task_type",
                    "temporal_entity",
                    "representation",
                    "revision",
                ],
                name="output_file_uc",
                nulls_distinct=False,
            )
        ]
        # One per read of the hot routes (docs/decisions/last-revisions.md). An entity's own
        # outputs (asset instance NULL) and an instance's outputs in one temporal entity:
        # their groups, walked in order for the last revisions; their revision lines, for the
        # next revision (every representation); the entity's listing in its order. Those of
        # the entity's own outputs are partial: PostgreSQL orders an index scan by the columns
        # that follow equalities only, and `asset_instance IS NULL` is not one.
        indexes = [
            models.Index(
                fields=[
                    "entity",
                    "task_type",
                    "output_type",
                    "name",
                    "representation",
                    "-revision",
                ],
                name="output_file_entity_groups_idx",
                condition=models.Q(asset_instance__isnull=True),
            ),
            models.Index(
                fields=[
                    "asset_instance",
                    "temporal_entity",
                    "task_type",
                    "output_type",
                    "name",
                    "representation",
                    "-revision",
                ],
                name="output_file_inst_groups_idx",
            ),
            models.Index(
                fields=["entity", "output_type", "task_type", "name", "-revision"],
                name="output_file_entity_line_idx",
            ),
            models.Index(
                fields=[
                    "asset_instance",
                    "temporal_entity",
                    "output_type",
                    "task_type",
                    "name",
                    "-revision",
                ],
                name="output_file_inst_line_idx",
            ),
            models.Index(
                fields=["entity", "-revision", "representation"],
                name="output_file_entity_list_idx",
                condition=models.Q(asset_instance__isnull=True, temporal_entity__isnull=True),
            ),
        ]
