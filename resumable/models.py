"""ResumableUpload: a file sent in chunks over several requests (tus 1.0,
docs/resumable-uploads.md)."""

from django.db import models

from production.models import Person, ZouModel


class ResumableUpload(ZouModel):
    """One upload of `length` bytes to a target (a working file's content, a preview slot),
    `offset` of them received and kept in the storage (`sink_state` says where: kitsufiles/
    stores/resumable.py), with the SHA-256 of those bytes so far (`hash_state`).

    Only the person who created it may send its bytes, ask for its offset or end it; a
    request sending bytes holds it (`lease_token` until `lease_expires`) so that two never
    write at once. Once every byte has arrived and the target took them, `completed_at` is
    set and the storage state is dropped; the row stays until `expires_at` so that a client
    asking for the offset after the last chunk still gets the length."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    # What receives the bytes: a kind registered by an app (resumable/targets.py) and its id.
    target_kind = models.CharField(max_length=40)
    target_id = models.UUIDField()
    # Where the bytes go: a storage alias and the name in it (a target may decide it by the
    # upload's file name, e.g. a preview by its extension).
    alias = models.CharField(max_length=40)
    destination = models.CharField(max_length=400)
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    # Upload-Metadata as the client sent it, decoded (filename, filetype, sha256...).
    metadata = models.JSONField(default=dict)
    # The target's own options, taken at creation (e.g. a preview's `normalize`).
    options = models.JSONField(default=dict)
    expected_sha256 = models.CharField(max_length=64, null=True, blank=True)
    hash_state = models.BinaryField()
    sink_state = models.JSONField(null=True, blank=True)
    lease_token = models.UUIDField(null=True, blank=True)
    lease_expires = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["target_kind", "target_id"], name="resumable_target")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(offset__gte=0) & models.Q(offset__lte=models.F("length")),
                name="resumable_offset_within_length",
            )
        ]

    def __str__(self) -> str:
        return f"{self.target_kind} {self.target_id}: {self.offset}/{self.length}"
