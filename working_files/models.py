"""WorkingFile: an artist's file for a task, revision after revision."""

from django.db import models

from production.models import Entity, Person, Software, Task, ZouModel


class WorkingFile(ZouModel):
    ZOU_REVERSE_RELATIONS = ("outputs",)  # the output files published from this one
    # Measured from the stored content when it is uploaded: a download's length and ETag.
    ZOU_READ_ONLY_FIELDS = ("size", "checksum")

    shotgun_id = models.IntegerField(null=True, blank=True, db_index=True)
    name = models.CharField(max_length=250, null=True, blank=True)  # the revision line: main...
    description = models.TextField(null=True, blank=True)
    comment = models.TextField(null=True, blank=True)
    revision = models.IntegerField(null=True, blank=True)
    # Computed by the server from the stored content (Zou never fills them).
    size = models.BigIntegerField(null=True, blank=True)
    checksum = models.CharField(max_length=64, null=True, blank=True)  # sha256, hex
    path = models.CharField(max_length=400, null=True, blank=True)
    data = models.JSONField(null=True, blank=True)
    validation_status = models.CharField(max_length=20, default="neutral")  # Zou 1.0.97
    # Both are indexed by the first column of the indexes below.
    task = models.ForeignKey(
        Task,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="working_files",
        db_index=False,
    )
    entity = models.ForeignKey(
        Entity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="working_files",
        db_index=False,
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="working_files"
    )
    software = models.ForeignKey(
        Software, null=True, blank=True, on_delete=models.PROTECT, related_name="working_files"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["name", "task", "entity", "revision"],
                name="working_file_uc",
                nulls_distinct=False,
            )
        ]
        # One per read of the hot routes (docs/decisions/last-revisions.md): a task's lines
        # (their last revisions, walked name by name, and the next revision of one), and the
        # listings of a task and of an entity in their order, newest first.
        indexes = [
            models.Index(fields=["task", "name", "-revision"], name="working_file_line_idx"),
            models.Index(
                fields=["task", "-revision", "name"], name="working_file_task_listing_idx"
            ),
            models.Index(
                fields=["entity", "-revision", "name"], name="working_file_entity_list_idx"
            ),
        ]
