"""The production data the files hang on, with Zou's columns, JSON keys and unique keys.

Column names follow Zou's tables so that `.values()` rows are already in Zou's shape: a
ForeignKey named `project` is the `project_id` column and JSON key. Anything a client reads as
JSON is a column here; anything that is ours only (password hash, last login) is listed in the
model's `ZOU_HIDDEN_FIELDS` and never serialized.

Where a model's JSON differs from its columns, it says so through the hooks that
`kitsufiles.api.serialization.ZouRowModel` documents: `ZOU_HIDDEN_FIELDS`,
`ZOU_REVERSE_RELATIONS`, `ZOU_NESTED`, `ZOU_READ_ONLY_FIELDS`, `zou_complete_row` and
`zou_filters`.
"""

import uuid
from collections.abc import Callable
from fractions import Fraction
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower, Trim
from django.db.models.lookups import Exact


class ZouModel(models.Model):
    """UUID key and the two timestamps every Zou row has. The `ZOU_*` and `zou_*` hooks a
    subclass may set are described in `kitsufiles.api.serialization.ZouRowModel`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Columns kept out of the JSON (secrets, Django-only bookkeeping).
    ZOU_HIDDEN_FIELDS: tuple[str, ...] = ()
    # Reverse relations listed as ids with `relations=true`.
    ZOU_REVERSE_RELATIONS: tuple[str, ...] = ()
    # Foreign keys whose row is embedded whole.
    ZOU_NESTED: tuple[str, ...] = ()
    # Columns the server computes: serialized, never taken from a body.
    ZOU_READ_ONLY_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return getattr(self, "name", None) or str(self.id)


def validate_color(value: str) -> None:
    if not (
        isinstance(value, str)
        and len(value) == 7
        and value.startswith("#")
        and all(c in "0123456789abcdefABCDEF" for c in value[1:])
    ):
        raise ValidationError("Color should be a hexadecimal string like #00FF00.")


def parse_frame_rate(value: str) -> Fraction:
    """'25', '23.976', '24000/1001' → an exact Fraction. Raises ValueError when malformed."""
    text = str(value).strip()
    if "/" in text:
        numerator, denominator = text.split("/", 1)
        rate = Fraction(int(numerator), int(denominator))
    else:
        rate = Fraction(text)
    if rate <= 0:
        raise ValueError("frame rate must be positive")
    return rate


def validate_frame_rate(value: str) -> None:
    try:
        parse_frame_rate(value)
    except (ValueError, ZeroDivisionError):
        raise ValidationError(
            "Frame rate should be a positive number or a ratio such as 24000/1001."
        ) from None


# ---------------------------------------------------------------------------------------------
# Organisation, people, departments


class Organisation(ZouModel):
    name = models.CharField(max_length=80, unique=True)
    hours_by_day = models.FloatField(default=8)
    has_avatar = models.BooleanField(default=False)
    use_original_file_name = models.BooleanField(default=False)
    timesheets_locked = models.BooleanField(default=False)
    format_duration_in_hours = models.BooleanField(default=False)
    hd_by_default = models.BooleanField(default=False)
    dark_theme_by_default = models.BooleanField(default=False)


class Department(ZouModel):
    name = models.CharField(max_length=80, unique=True)
    color = models.CharField(max_length=7, validators=[validate_color])
    archived = models.BooleanField(default=False)


class Role(models.TextChoices):
    # Zou's codes: an artist is "user".
    ARTIST = "user", "Artist"
    ADMIN = "admin", "Studio Manager"
    SUPERVISOR = "supervisor", "Supervisor"
    MANAGER = "manager", "Production Manager"
    CLIENT = "client", "Client"
    VENDOR = "vendor", "Vendor"


class ContractType(models.TextChoices):
    OPEN_ENDED = "open-ended", "Open-ended"
    FIXED_TERM = "fixed-term", "Fixed-term"
    SHORT_TERM = "short-term", "Short-term"
    FREELANCE = "freelance", "Freelance"
    APPRENTICE = "apprentice", "Apprentice"
    INTERNSHIP = "internship", "Internship"


class PersonManager(BaseUserManager["Person"]):
    """Also the door through which the plumbing (`kitsufiles.accounts`, which imports no app)
    reaches the revoked sessions and the organisation: the methods of its AccountManager."""

    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "Person":
        person = self.model(email=self.normalize_email(email), **fields)
        person.set_password(password)
        person.save(using=self._db)
        return person

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "Person":
        fields.setdefault("role", Role.ADMIN)
        return self.create_user(email, password, **fields)

    def revoked_sessions(self) -> "models.QuerySet[RevokedToken]":
        return RevokedToken.objects.all()

    def organisation(self) -> Organisation | None:
        """The studio's organisation: Zou has one, the first created."""
        return Organisation.objects.order_by("created_at").first()


class Person(ZouModel, AbstractBaseUser):
    """A studio member, and the Django user: logs in by e-mail, rights come from `role`."""

    first_name = models.CharField(max_length=80, blank=True, default="")
    last_name = models.CharField(max_length=80, blank=True, default="")
    email = models.EmailField(max_length=254, unique=True, null=True, blank=True)
    phone = models.CharField(max_length=30, blank=True, default="")
    contract_type = models.CharField(
        max_length=20, choices=ContractType.choices, default=ContractType.OPEN_ENDED
    )
    active = models.BooleanField(default=True)
    archived = models.BooleanField(default=False)
    last_presence = models.DateField(null=True, blank=True)
    desktop_login = models.CharField(max_length=80, blank=True, default="")
    login_failed_attemps = models.IntegerField(default=0)  # sic: Zou's column name
    last_login_failed = models.DateTimeField(null=True, blank=True)
    shotgun_id = models.IntegerField(null=True, blank=True)
    timezone = models.CharField(max_length=50, default="UTC")
    locale = models.CharField(max_length=10, default="en_US")
    data = models.JSONField(null=True, blank=True)
    role = models.CharField(max_length=30, choices=Role.choices, default=Role.ARTIST)
    position = models.CharField(max_length=30, null=True, blank=True)
    seniority = models.CharField(max_length=30, null=True, blank=True)
    daily_salary = models.IntegerField(default=0)
    has_avatar = models.BooleanField(default=False)
    notifications_enabled = models.BooleanField(default=False)
    notifications_slack_enabled = models.BooleanField(default=False)
    notifications_slack_userid = models.CharField(max_length=60, blank=True, default="")
    notifications_mattermost_enabled = models.BooleanField(default=False)
    notifications_mattermost_userid = models.CharField(max_length=60, blank=True, default="")
    notifications_discord_enabled = models.BooleanField(default=False)
    notifications_discord_userid = models.CharField(max_length=60, blank=True, default="")
    is_bot = models.BooleanField(default=False)
    expiration_date = models.DateField(null=True, blank=True)
    is_generated_from_ldap = models.BooleanField(default=False)
    ldap_uid = models.CharField(max_length=60, null=True, blank=True, unique=True)
    departments = models.ManyToManyField(Department, blank=True, related_name="persons")

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    ZOU_HIDDEN_FIELDS = ("password", "last_login")

    objects = PersonManager()

    class Meta:
        ordering = ["first_name", "last_name"]
        constraints = [
            # Log-in matches e-mails case-insensitively, so they must be unique that way.
            models.UniqueConstraint(Lower("email"), name="person_email_ci_uc"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or str(self.id)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @staticmethod
    def zou_filters() -> dict[str, Callable[[str], Q]]:
        """Filters on computed keys: gazu's get_person_by_full_name sends `?full_name=`."""

        def full_name(value: str) -> Q:
            full = Lower(Trim(Concat("first_name", Value(" "), "last_name")))
            return Q(Exact(full, value.strip().lower()))

        return {"full_name": full_name}

    @staticmethod
    def zou_complete_row(row: dict[str, Any]) -> None:
        """Zou's person JSON carries `full_name` next to the columns."""
        row["full_name"] = f"{row['first_name']} {row['last_name']}".strip()

    # Django's base declares a plain attribute; here activity derives from `active` and
    # `archived`, and Django's auth only reads it.
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active and not self.archived

    # The admin site is for studio managers (Zou's `admin` role); no per-model Django perms.
    @property
    def is_staff(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    @property
    def is_superuser(self) -> bool:
        return self.is_staff

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff


# ---------------------------------------------------------------------------------------------
# Reference data


class ProjectStatus(ZouModel):
    name = models.CharField(max_length=20, unique=True)
    color = models.CharField(max_length=7, validators=[validate_color])

    class Meta:
        verbose_name_plural = "project statuses"


class EntityTypeNames:
    """Entity types with a meaning of their own; every other entity type is an asset type."""

    SHOT = "Shot"
    SEQUENCE = "Sequence"
    EPISODE = "Episode"
    SCENE = "Scene"
    EDIT = "Edit"
    CONCEPT = "Concept"
    TEMPORAL = (SHOT, SEQUENCE, EPISODE, SCENE, EDIT, CONCEPT)


class TaskType(ZouModel):
    name = models.CharField(max_length=40)
    short_name = models.CharField(max_length=20, null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    color = models.CharField(max_length=7, default="#FFFFFF", validators=[validate_color])
    priority = models.IntegerField(default=1)
    for_entity = models.CharField(max_length=30, default="Asset")
    allow_timelog = models.BooleanField(default=True)
    archived = models.BooleanField(default=False)
    shotgun_id = models.IntegerField(null=True, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="task_types"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["name", "for_entity", "department"],
                name="task_type_uc",
                nulls_distinct=False,
            )
        ]


class TaskStatus(ZouModel):
    name = models.CharField(max_length=40)
    short_name = models.CharField(max_length=20, unique=True)
    description = models.TextField(null=True, blank=True)
    color = models.CharField(max_length=7, validators=[validate_color])
    priority = models.IntegerField(default=1)
    archived = models.BooleanField(default=False)
    is_done = models.BooleanField(default=False)
    is_artist_allowed = models.BooleanField(default=True)
    is_client_allowed = models.BooleanField(default=True)
    is_retake = models.BooleanField(default=False)
    is_feedback_request = models.BooleanField(default=False)
    is_default = models.BooleanField(default=False)
    is_wip = models.BooleanField(default=False)
    for_concept = models.BooleanField(default=False)
    shotgun_id = models.IntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "task statuses"


class EntityType(ZouModel):
    name = models.CharField(max_length=30, unique=True)
    short_name = models.CharField(max_length=20, null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    archived = models.BooleanField(default=False)
    task_types = models.ManyToManyField(TaskType, blank=True, related_name="entity_types")

    @property
    def is_asset_type(self) -> bool:
        return self.name not in EntityTypeNames.TEMPORAL


class Software(ZouModel):
    name = models.CharField(max_length=40, unique=True)
    short_name = models.CharField(max_length=20)
    file_extension = models.CharField(max_length=20)
    secondary_extensions = models.JSONField(null=True, blank=True)
    version = models.CharField(max_length=20, null=True, blank=True)
    archived = models.BooleanField(default=False)
    monthly_cost = models.IntegerField(default=0)
    inventory_amount = models.IntegerField(default=0)


class OutputType(ZouModel):
    name = models.CharField(max_length=40, unique=True)
    short_name = models.CharField(max_length=20, blank=True, default="")


class FileStatus(ZouModel):
    name = models.CharField(max_length=40, unique=True)
    color = models.CharField(max_length=7, validators=[validate_color])

    class Meta:
        verbose_name_plural = "file statuses"


# ---------------------------------------------------------------------------------------------
# Projects


class Project(ZouModel):
    name = models.CharField(max_length=80, unique=True)
    code = models.CharField(max_length=80, null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    shotgun_id = models.IntegerField(null=True, blank=True)
    file_tree = models.JSONField(null=True, blank=True)
    data = models.JSONField(null=True, blank=True)
    has_avatar = models.BooleanField(default=False)
    # Zou keeps the frame rate as a string; we accept exact ratios ("24000/1001") and never
    # round them (parse_frame_rate gives the Fraction).
    fps = models.CharField(
        max_length=10, null=True, blank=True, default="25", validators=[validate_frame_rate]
    )
    ratio = models.CharField(max_length=10, null=True, blank=True, default="16:9")
    resolution = models.CharField(max_length=12, null=True, blank=True, default="1920x1080")
    production_type = models.CharField(max_length=20, default="short")
    production_style = models.CharField(max_length=20, default="2d3d")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    man_days = models.IntegerField(null=True, blank=True)
    nb_episodes = models.IntegerField(default=0)
    episode_span = models.IntegerField(default=0)
    max_retakes = models.IntegerField(default=0)
    revision_padding = models.IntegerField(default=0)
    is_clients_isolated = models.BooleanField(default=False)
    is_preview_download_allowed = models.BooleanField(default=False)
    is_set_preview_automated = models.BooleanField(default=False)
    # Refuses extra previews (position > 1) in a revision.
    is_single_preview_per_revision = models.BooleanField(null=True, blank=True, default=False)
    is_publish_default_for_artists = models.BooleanField(default=False)
    homepage = models.CharField(max_length=80, default="assets")
    hd_bitrate_compression = models.IntegerField(default=28)
    ld_bitrate_compression = models.IntegerField(default=6)
    project_status = models.ForeignKey(
        ProjectStatus, null=True, blank=True, on_delete=models.PROTECT, related_name="projects"
    )
    team: "models.ManyToManyField[Person, ProjectPersonLink]" = models.ManyToManyField(
        Person, through="ProjectPersonLink", blank=True, related_name="projects"
    )
    asset_types = models.ManyToManyField(EntityType, blank=True, related_name="projects")
    task_statuses = models.ManyToManyField(TaskStatus, blank=True, related_name="projects")
    task_types: "models.ManyToManyField[TaskType, ProjectTaskTypeLink]" = models.ManyToManyField(
        TaskType, through="ProjectTaskTypeLink", blank=True, related_name="projects"
    )


class ProjectPersonLink(models.Model):
    """Team membership; `role` overrides the person's global role inside this project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    role = models.CharField(max_length=30, choices=Role.choices, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "person"], name="project_person_uc")
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.project}"


class ProjectTaskTypeLink(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    task_type = models.ForeignKey(TaskType, on_delete=models.CASCADE)
    priority = models.IntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "task_type"], name="project_tasktype_uc")
        ]

    def __str__(self) -> str:
        return f"{self.task_type} in {self.project}"


# ---------------------------------------------------------------------------------------------
# Entities and tasks


class EntityStatus(models.TextChoices):
    STANDBY = "standby", "Stand by"
    RUNNING = "running", "Running"
    COMPLETE = "complete", "Complete"
    CANCELED = "canceled", "Canceled"


class Entity(ZouModel):
    """Assets, shots, sequences, episodes, scenes, edits and concepts: one table, as in Zou."""

    # Chosen by the set-main-preview routes among the previews of the entity's tasks (a plain
    # id, which nothing else would check: docs/compatibility.md#generic-crud-routes).
    ZOU_READ_ONLY_FIELDS = ("preview_file_id",)

    name = models.CharField(max_length=160)
    code = models.CharField(max_length=160, null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    shotgun_id = models.IntegerField(null=True, blank=True)
    canceled = models.BooleanField(default=False)
    nb_frames = models.IntegerField(null=True, blank=True)
    nb_entities_out = models.IntegerField(default=0)
    is_casting_standby = models.BooleanField(default=False)
    is_shared = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=EntityStatus.choices, default=EntityStatus.RUNNING
    )
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="entities")
    entity_type = models.ForeignKey(EntityType, on_delete=models.PROTECT, related_name="entities")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    source = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The main preview. A plain id, not a foreign key: previews depend on production, not the
    # other way round, and a removed preview must not block anything here.
    preview_file_id = models.UUIDField(null=True, blank=True)
    data = models.JSONField(null=True, blank=True)
    ready_for = models.ForeignKey(
        TaskType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "entities"
        constraints = [
            models.UniqueConstraint(
                fields=["name", "project", "entity_type", "parent"],
                name="entity_uc",
                nulls_distinct=False,
            )
        ]


class AssetInstance(ZouModel):
    """An occurrence of an asset inside a scene or shot, or inside another asset."""

    asset = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="instances")
    name = models.CharField(max_length=80, null=True, blank=True)
    number = models.IntegerField(null=True, blank=True)
    description = models.CharField(max_length=200, null=True, blank=True)
    active = models.BooleanField(default=True)
    data = models.JSONField(null=True, blank=True)
    scene = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.CASCADE, related_name="scene_instances"
    )
    target_asset = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.CASCADE, related_name="asset_instances"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "target_asset", "scene", "number"],
                name="asset_instance_uc",
                nulls_distinct=False,
            )
        ]


class Task(ZouModel):
    # Kept by the preview uploads and deletions (a plain id, like an entity's main preview).
    ZOU_READ_ONLY_FIELDS = ("last_preview_file_id",)

    name = models.CharField(max_length=80)
    description = models.TextField(null=True, blank=True)
    priority = models.IntegerField(default=0)
    difficulty = models.IntegerField(default=3)
    duration = models.FloatField(default=0)
    estimation = models.FloatField(default=0)
    completion_rate = models.IntegerField(default=0)
    retake_count = models.IntegerField(default=0)
    sort_order = models.IntegerField(default=0)
    start_date = models.DateTimeField(null=True, blank=True)
    due_date = models.DateTimeField(null=True, blank=True)
    real_start_date = models.DateTimeField(null=True, blank=True)
    end_date = models.DateTimeField(null=True, blank=True)
    done_date = models.DateTimeField(null=True, blank=True)
    last_comment_date = models.DateTimeField(null=True, blank=True)
    nb_assets_ready = models.IntegerField(default=0)
    nb_drawings = models.IntegerField(default=0)
    data = models.JSONField(null=True, blank=True)
    shotgun_id = models.IntegerField(null=True, blank=True)
    last_preview_file_id = models.UUIDField(null=True, blank=True)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="tasks")
    task_type = models.ForeignKey(TaskType, on_delete=models.PROTECT, related_name="tasks")
    task_status = models.ForeignKey(TaskStatus, on_delete=models.PROTECT, related_name="tasks")
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="tasks")
    assigner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignees = models.ManyToManyField(Person, blank=True, related_name="assigned_tasks")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["name", "project", "task_type", "entity"], name="task_uc"
            ),
            models.CheckConstraint(
                condition=models.Q(difficulty__gte=1, difficulty__lte=5),
                name="task_difficulty_between_1_and_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity.name} / {self.task_type.name} / {self.name}"


class Comment(ZouModel):
    """A comment on a task (Zou's generic `object_id`/`object_type`, always a task here)."""

    # `previews` is the many-to-many declared by previews.PreviewFile (comment_preview_link).
    ZOU_REVERSE_RELATIONS = ("previews", "attachment_files")

    shotgun_id = models.IntegerField(null=True, blank=True)
    object = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    object_type = models.CharField(max_length=80, default="Task")
    text = models.TextField(blank=True, default="")
    data = models.JSONField(null=True, blank=True)
    replies = models.JSONField(default=list, blank=True)
    checklist = models.JSONField(null=True, blank=True)
    links = models.JSONField(default=list, blank=True)
    pinned = models.BooleanField(default=False)
    for_client = models.BooleanField(default=False)
    task_status = models.ForeignKey(TaskStatus, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="comments")
    editor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class AttachmentFile(ZouModel):
    ZOU_READ_ONLY_FIELDS = ("size",)  # measured when the file is stored

    name = models.CharField(max_length=250)
    size = models.BigIntegerField(default=0)
    extension = models.CharField(max_length=6)
    mimetype = models.CharField(max_length=255)
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="attachment_files")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "comment"], name="attachment_uc")]


class RevokedToken(models.Model):
    """A JWT refused before its expiry (log-out). Rows past `expires_at` can be purged."""

    jti = models.CharField(max_length=64, primary_key=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.jti
