"""The storage sweep and resumable uploads, through the app's own registration
(resumable/apps.py): `prune_storage --delete` keeps a live upload's bytes however old they
are, and expires an upload past its time with its bytes. On every content backend."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from resumable.models import ResumableUpload
from tests.resumable.helpers import Tus
from tests.stores.content import pending_uploads
from working_files import services

pytestmark = pytest.mark.usefixtures("content_backend")

MIB = 1024 * 1024


def prune(*args: str) -> str:
    out = io.StringIO()
    call_command("prune_storage", "--no-progress", "--alias", "files", *args, stdout=out)
    return out.getvalue()


def test_the_sweep_keeps_live_uploads_and_expires_the_others(admin_client, task, admin):
    tus = Tus(admin_client)
    live_file = services.create_working_file(task=task, name="live", author=admin, caller=admin)
    dead_file = services.create_working_file(task=task, name="dead", author=admin, caller=admin)
    urls = {}
    for working_file in (live_file, dead_file):
        created = tus.create(f"/api/data/working-files/{working_file.pk}/file/uploads", 3 * MIB)
        urls[working_file.pk] = created["Location"]
        # Ends inside a part: S3 keeps a pending object, Swift a segment, local a file.
        assert tus.patch(urls[working_file.pk], 0, b"x" * (MIB + 5)).status_code == 204
    ResumableUpload.objects.filter(target_id=dead_file.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    listed = prune()  # a dry run only counts
    assert "past their expiry" in listed
    assert ResumableUpload.objects.count() == 2
    prune("--delete", "--older-than", "0")
    assert list(ResumableUpload.objects.values_list("target_id", flat=True)) == [live_file.pk]
    # The live upload goes on where it was, after a sweep that removes every orphan at once.
    answer = tus.patch(urls[live_file.pk], MIB + 5, b"y" * (2 * MIB - 5))
    assert answer.status_code == 204, answer.content
    live_file.refresh_from_db()
    assert live_file.size == 3 * MIB
    assert tus.head(urls[dead_file.pk]).status_code == 404
    assert pending_uploads() == []
