"""verify_checksums (issue 19): re-hashes stored working-file content, reports a corrupted
stored file and missing content, narrows to a project, exits 1 when it found something (for
cron and CI), and only with --fix (and without --dry-run) rewrites a row."""

import hashlib
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError

from production import services as production_services
from working_files import selectors
from working_files.models import WorkingFile

CONTENT = b"a layout scene, saved once" * 500
SHA256 = hashlib.sha256(CONTENT).hexdigest()
CORRUPTED = CONTENT[:-1] + b"!"  # same size, one byte changed on disk


def store(row: WorkingFile, content: bytes) -> WorkingFile:
    storages[selectors.STORAGE_ALIAS].save(selectors.content_key(row), ContentFile(content))
    return row


def run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("verify_checksums", *args, "--no-progress", stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def row(task, name: str) -> WorkingFile:
    return WorkingFile.objects.create(
        task=task, entity=task.entity, name=name, revision=1, size=len(CONTENT), checksum=SHA256
    )


@pytest.fixture
def other_task(admin, asset_type, task_type, task_status):
    project = production_services.create_project(values={"name": "Sintel", "fps": "24"})
    asset = production_services.create_asset(
        project=project, asset_type=asset_type, name="Dragon", created_by=admin
    )
    return production_services.create_task(
        values={
            "name": "main",
            "project": project,
            "entity": asset,
            "task_type": task_type,
            "task_status": task_status,
        }
    )


@pytest.mark.parametrize("content_backend", ["local", "folder"], indirect=True)
def test_a_corrupted_file_and_missing_content_are_reported_with_exit_1(content_backend, task):
    good = store(row(task, "good"), CONTENT)
    corrupted = store(row(task, "corrupted"), CORRUPTED)
    missing = row(task, "missing")

    code, out = run()

    assert code == 1
    assert f"mismatched: {corrupted.pk}" in out
    assert f"missing: {missing.pk}" in out
    assert str(good.pk) not in out
    assert "checked 3 working files" in out
    assert "2 working files need attention" in out
    corrupted.refresh_from_db()
    assert corrupted.checksum == SHA256  # report only: the row keeps the upload's checksum


@pytest.mark.parametrize("content_backend", ["local"], indirect=True)
def test_all_good_exits_0(content_backend, task):
    store(row(task, "good"), CONTENT)
    code, out = run()
    assert code == 0
    assert "1 as recorded" in out


@pytest.mark.parametrize("content_backend", ["local"], indirect=True)
def test_project_filter(content_backend, task, other_task, project):
    store(row(task, "good"), CONTENT)
    elsewhere = store(row(other_task, "corrupted"), CORRUPTED)

    code, out = run("--project", project.name)
    assert code == 0
    assert str(elsewhere.pk) not in out
    assert "checked 1 working files" in out

    code, out = run("--project", str(other_task.project_id))
    assert code == 1
    assert f"mismatched: {elsewhere.pk}" in out
    assert "checked 1 working files" in out


@pytest.mark.parametrize("content_backend", ["local"], indirect=True)
def test_an_unknown_project_is_refused(content_backend, task):
    with pytest.raises(CommandError, match="Nope"):
        call_command("verify_checksums", "--project", "Nope", "--no-progress", stdout=StringIO())


@pytest.mark.parametrize("content_backend", ["local"], indirect=True)
def test_fix_records_the_stored_bytes_and_dry_run_does_not(content_backend, task):
    corrupted = store(row(task, "corrupted"), CORRUPTED)
    stored_sha = hashlib.sha256(CORRUPTED).hexdigest()

    code, out = run("--fix", "--dry-run")
    assert code == 1 and "Dry run" in out
    corrupted.refresh_from_db()
    assert corrupted.checksum == SHA256

    code, out = run("--fix")
    assert code == 1 and f"fixed: {corrupted.pk}" in out
    corrupted.refresh_from_db()
    assert corrupted.checksum == stored_sha

    code, out = run()  # the row now describes its bytes
    assert code == 0
