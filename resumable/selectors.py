"""Reads of resumable uploads."""

from django.utils import timezone

from kitsufiles.errors import NotFound
from kitsufiles.lookups import parse_id
from kitsufiles.stores import inventory
from production.models import Person
from resumable.errors import UploadNotFound
from resumable.models import ResumableUpload


def upload_of(person: Person, kind: str, target_id: str, upload_id: str) -> ResumableUpload:
    """The person's upload `upload_id` to that target. Another person's upload, an expired
    one, a malformed id: all the same 404 (an upload's id is not a secret to rely on, but
    who else is uploading is none of the caller's business)."""
    try:
        upload_key = parse_id(upload_id)
        target_key = parse_id(target_id)
    except NotFound:
        raise UploadNotFound() from None
    upload = ResumableUpload.objects.filter(
        pk=upload_key,
        person=person,
        target_kind=kind,
        target_id=target_key,
        expires_at__gt=timezone.now(),
    ).first()
    if upload is None:
        raise UploadNotFound()
    return upload


def expired_uploads() -> list[ResumableUpload]:
    """Uploads past their expiry that no request is sending bytes to."""
    now = timezone.now()
    return list(
        ResumableUpload.objects.filter(expires_at__lte=now)
        .exclude(lease_expires__gt=now)
        .order_by("expires_at")
    )


def live_uploads() -> list[inventory.LiveUpload]:
    """The uploads whose bytes the storage sweep must keep: neither completed nor expired
    (kitsufiles/stores/inventory.py; there are few, each a client sending now or soon)."""
    rows = ResumableUpload.objects.filter(
        completed_at__isnull=True, expires_at__gt=timezone.now()
    ).values_list("id", "alias", "destination")
    return [inventory.LiveUpload(upload_id, alias, name) for upload_id, alias, name in rows]
