"""PreviewFile: a picture, movie or other file sent for review on a task comment (Zou's
`preview_file` table), with the processing state clients poll."""

from django.db import models

from output_files.models import OutputFile
from production.models import Comment, Person, Project, Task, ZouModel


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


# Preview background files (HDR environments for Kitsu's 3D viewer), Zou's
# `preview_background_file`, and the projects that offer them.


class PreviewBackgroundFile(ZouModel):
    """An environment picture the 3D viewer lights models with. Zou's columns; the name is
    unique (Zou checks it in its service only) and at most one row is the studio default."""

    # What the upload finds out: clients cannot write them through the CRUD.
    ZOU_READ_ONLY_FIELDS = ("original_name", "extension", "file_size")

    name = models.CharField(max_length=40)
    archived = models.BooleanField(default=False)
    is_default = models.BooleanField(default=False, db_index=True)
    original_name = models.CharField(max_length=250, null=True, blank=True)
    extension = models.CharField(max_length=6, null=True, blank=True)
    file_size = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name"], name="preview_background_file_name_uc"),
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_preview_background_file",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectPreviewBackgroundFileLink(models.Model):
    """A background a project offers (Zou's `project_preview_background_file_link`), and
    whether it is the project's default (Zou's `project.default_preview_background_file_id`).

    The link lives here, not on Project: previews may import production, never the reverse
    (docs/architecture.md). Keeping the default on the link makes "the default is one of the
    project's backgrounds" hold by construction, and at most one per project by constraint."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="preview_background_links"
    )
    preview_background_file = models.ForeignKey(
        PreviewBackgroundFile, on_delete=models.CASCADE, related_name="project_links"
    )
    is_default = models.BooleanField(default=False)

    class Meta:
        db_table = "project_preview_background_file_link"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "preview_background_file"],
                name="project_preview_background_file_uc",
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(is_default=True),
                name="one_default_background_per_project",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.preview_background_file_id} in {self.project_id}"
