"""Recomputing working files' size and checksum from their stored content
(working_files.services.recompute_checksums): through the storage API, on local storage and on
an object store alike, from the admin's action (and issue 19's verify_checksums command)."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import Client

from tests.conftest import PASSWORD
from working_files import selectors, services
from working_files.models import WorkingFile

CONTENT = b"a scene, saved twice" * 1000
SHA256 = hashlib.sha256(CONTENT).hexdigest()
LIST = "/admin/working_files/workingfile/"


def stored(working_file: WorkingFile, content: bytes = CONTENT) -> WorkingFile:
    storages[selectors.STORAGE_ALIAS].save(
        selectors.content_key(working_file), ContentFile(content)
    )
    return working_file


@pytest.fixture
def rows(task):
    """One working file of each kind: as recorded, with a wrong checksum, with a wrong size,
    content recorded but not stored, and a row without content (a path only)."""

    def make(name: str, **fields) -> WorkingFile:
        return WorkingFile.objects.create(
            task=task, entity=task.entity, name=name, revision=1, **fields
        )

    return {
        "right": stored(make("right", size=len(CONTENT), checksum=SHA256)),
        "wrong_checksum": stored(make("wrong_checksum", size=len(CONTENT), checksum="0" * 64)),
        "wrong_size": stored(make("wrong_size", size=1, checksum=SHA256)),
        "missing": make("missing", size=len(CONTENT), checksum=SHA256),
        "path_only": make("path_only", path="/studio/scene.blend"),
    }


@pytest.mark.parametrize("content_backend", ["local", "folder"], indirect=True)
def test_recompute_fixes_what_differs_and_reports_missing_content(content_backend, rows):
    report = services.recompute_checksums(WorkingFile.objects.order_by("name"))
    names = {
        outcome: sorted(row.name for row in getattr(report, outcome))
        for outcome in (
            "unchanged",
            "fixed",
            "mismatched",
            "missing",
            "no_content",
            "changed",
            "unavailable",
        )
    }
    assert names == {
        "unchanged": ["right"],
        "fixed": ["wrong_checksum", "wrong_size"],
        "mismatched": [],
        "missing": ["missing"],
        "no_content": ["path_only"],
        "changed": [],
        "unavailable": [],
    }
    assert report.checked == 5
    for name in ("wrong_checksum", "wrong_size", "right"):
        row = WorkingFile.objects.get(name=name)
        assert (row.size, row.checksum) == (len(CONTENT), SHA256), name
    missing = WorkingFile.objects.get(name="missing")
    assert (missing.size, missing.checksum) == (len(CONTENT), SHA256)  # left as recorded
    # A second run finds nothing more to fix.
    again = services.recompute_checksums(WorkingFile.objects.all())
    assert len(again.unchanged) == 3 and not again.fixed


@pytest.mark.parametrize("content_backend", ["local"], indirect=True)
def test_without_fix_mismatches_are_only_reported(content_backend, rows):
    report = services.recompute_checksums(WorkingFile.objects.order_by("name"), fix=False)
    assert [row.name for row in report.mismatched] == ["wrong_checksum", "wrong_size"]
    assert not report.fixed
    assert WorkingFile.objects.get(name="wrong_checksum").checksum == "0" * 64


@pytest.mark.parametrize("content_backend", ["local"], indirect=True)
def test_an_upload_during_the_hash_wins(content_backend, rows, monkeypatch):
    """Bytes replaced (and recorded) while they were hashed: the row keeps what the upload
    recorded, and the report says so."""
    opened_content = selectors.opened_content

    def replaced_meanwhile(working_file, **options):
        opened = opened_content(working_file, **options)
        WorkingFile.objects.filter(pk=working_file.pk).update(
            checksum="1" * 64, updated_at=working_file.updated_at + timedelta(seconds=1)
        )
        return opened

    monkeypatch.setattr(selectors, "opened_content", replaced_meanwhile)
    report = services.recompute_checksums([rows["wrong_checksum"]])
    assert [row.name for row in report.changed] == ["wrong_checksum"]
    assert WorkingFile.objects.get(name="wrong_checksum").checksum == "1" * 64


@pytest.mark.parametrize("content_backend", ["folder"], indirect=True)
def test_the_admin_action_fixes_and_reports(content_backend, rows, admin):
    browser = Client()
    assert browser.login(email=admin.email, password=PASSWORD)
    response = browser.post(
        LIST,
        {
            "action": "recompute_checksums",
            "_selected_action": [str(row.pk) for row in rows.values()],
        },
        follow=True,
    )
    assert response.status_code == 200
    messages = {message.level_tag: str(message) for message in response.context["messages"]}
    assert messages["success"] == (
        "5 working file(s) checked: 1 as recorded, 2 corrected, 1 without stored content."
    )
    assert messages["warning"].startswith("Size or checksum differed, now corrected: ")
    assert "wrong_checksum v1" in messages["warning"] and "wrong_size v1" in messages["warning"]
    assert messages["error"] == (
        f"Content recorded but missing from storage: missing v1 ({rows['missing'].pk})."
    )
    assert WorkingFile.objects.get(name="wrong_checksum").checksum == SHA256
