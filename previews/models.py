"""PreviewFile: a picture, movie or other file sent for review on a task comment (Zou's
`preview_file` table), with the processing state clients poll."""

from django.db import models

from output_files.models import OutputFile
from production.models import Comment, Person, Task, ZouModel


class PreviewStatus(models.TextChoices):
    PROCESSING = "processing"  # no media yet, or a job is making it
    READY = "ready"
    BROKEN = "broken"  # processing failed: `broken_reason` says why
    MISSING = "missing"  # the stored media is gone and cannot be rebuilt


class ValidationStatus(models.TextChoices):
    NEUTRAL = "neutral"
    VALIDATED = "validated"
    REJECTED = "rejected"


class PreviewFile(ZouModel):
    # What the upload and its processing find out (the stored media's kind, size, picture and
    # duration) and the processing bookkeeping the stuck-job sweep relies on.
    ZOU_READ_ONLY_FIELDS = (
        "original_name",
        "extension",
        "file_size",
        "status",
        "width",
        "height",
        "duration",
        "broken_reason",
        "attempts",
        "attempt_started_at",
    )

    # Zou's columns, in its order.
    name = models.CharField(max_length=250)
    original_name = models.CharField(max_length=250, null=True, blank=True)  # set by the upload
    revision = models.IntegerField(default=1)
    position = models.IntegerField(default=1)  # 1: the revision's main preview
    extension = models.CharField(max_length=6, null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    path = models.CharField(max_length=400, null=True, blank=True)
    source = models.CharField(max_length=40, null=True, blank=True)
    file_size = models.BigIntegerField(default=0)
    status = models.CharField(
        max_length=20, choices=PreviewStatus.choices, default=PreviewStatus.PROCESSING
    )
    validation_status = models.CharField(
        max_length=20, choices=ValidationStatus.choices, default=ValidationStatus.NEUTRAL
    )
    annotations = models.JSONField(null=True, blank=True)
    width = models.IntegerField(default=0)
    height = models.IntegerField(default=0)
    duration = models.FloatField(default=0)
    data = models.JSONField(null=True, blank=True)
    token_in = models.IntegerField(null=True, blank=True)
    token_out = models.IntegerField(null=True, blank=True)
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.PROTECT, related_name="preview_files"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="preview_files"
    )
    source_file = models.ForeignKey(
        OutputFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="previews"
    )
    shotgun_id = models.IntegerField(null=True, blank=True, unique=True)
    # Deprecated in Zou, never written, still serialized: clients may read them.
    is_movie = models.BooleanField(default=False)
    url = models.CharField(max_length=600, null=True, blank=True)
    uploaded_movie_url = models.CharField(max_length=600, null=True, blank=True)
    uploaded_movie_name = models.CharField(max_length=150, null=True, blank=True)
    # Ours: why processing failed, how many processing jobs have started for the upload, and
    # when the last one started (a job older than the job timeout is dead).
    broken_reason = models.TextField(null=True, blank=True)
    attempts = models.IntegerField(default=0)
    attempt_started_at = models.DateTimeField(null=True, blank=True)

    # Zou's comment_preview_link; a comment's `previews` and a preview's `comments`.
    comments = models.ManyToManyField(
        Comment, blank=True, related_name="previews", db_table="comment_preview_link"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "task", "revision"], name="preview_uc")
        ]
        indexes = [models.Index(fields=["task", "revision", "position"])]

    @property
    def is_uploaded(self) -> bool:
        """Zou's re-upload guard: a non-empty original name means the media came already."""
        return bool(self.original_name)
