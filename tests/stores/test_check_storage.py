"""check_storage on each backend: every step passes on a healthy store, and a broken one
fails with the step named, what to do next, and exit status 1."""

import copy
import io
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.files.storage import Storage, storages
from django.core.management import CommandError, call_command

from kitsufiles.stores.objects import ObjectStorage
from kitsufiles.stores.probe import PROBE_FOLDER

STEPS = ("write", "size", "read", "range", "save", "delete", "gone")
TARGETS = ("files", "previews/pictures", "previews/movies", "previews/files")


@pytest.fixture
def backend(content_backend) -> str:
    """The name of this test's content backend (tests/stores/content.py)."""
    return content_backend.name


@pytest.fixture
def stores(content_backend, settings, tmp_path) -> dict[str, Storage]:
    settings.DATA_DIR = tmp_path / "data"
    return {alias: storages[alias] for alias in ("files", "previews")}


def without_buckets(store: ObjectStorage) -> ObjectStorage:
    """The same object store, looking for buckets that do not exist (any backend: the bucket
    names carry FS_BUCKET_PREFIX)."""
    broken = copy.copy(store)
    broken.bucket_prefix = f"absent-{uuid.uuid4().hex[:8]}-"
    return broken


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("check_storage", *args, stdout=out)
    return out.getvalue()


def step_lines(output: str) -> dict[tuple[str, str], str]:
    """(target, step) → its status word."""
    found = {}
    for line in output.splitlines():
        words = line.split()
        if len(words) >= 3 and words[0] in TARGETS and words[1] in (*STEPS, "bucket"):
            found[(words[0], words[1])] = words[2]
    return found


def probe_leftovers(stores) -> list[str]:
    """Test objects left in either store."""
    names: list[str] = []
    for storage in stores.values():
        if isinstance(storage, ObjectStorage):
            names += storage.listdir("")[1]
        elif Path(storage.location).is_dir():
            names += [str(path) for path in Path(storage.location).rglob("*") if path.is_file()]
    return [name for name in names if PROBE_FOLDER in name]


def break_alias(backend: str, stores, alias: str, monkeypatch) -> None:
    """Make `alias` unusable: on an object store its buckets do not exist; on local disk its
    folder's path is taken by a file (tests run as root, whom a read-only mode does not
    stop)."""
    if backend != "local":
        monkeypatch.setitem(storages._storages, alias, without_buckets(stores[alias]))
        return
    location = Path(stores[alias].location)
    location.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(location, ignore_errors=True)
    location.write_bytes(b"not a folder")


def test_every_step_passes_on_a_healthy_store(stores):
    output = run()
    steps = step_lines(output)
    for target in TARGETS:
        for step in STEPS:
            assert steps[(target, step)] == "ok", output
    assert "sha256 matches" in output
    assert "All" in output and "steps passed" in output
    assert probe_leftovers(stores) == []


def test_a_test_object_larger_than_a_part(stores):
    output = run("--large", "--alias", "files")
    assert set(step_lines(output).values()) == {"ok"}, output
    assert "17 MiB" in output  # two 8 MiB parts and a bit
    assert probe_leftovers(stores) == []


def test_one_alias(stores):
    output = run("--alias", "previews")
    assert {target for target, _ in step_lines(output)} == set(TARGETS) - {"files"}


def test_a_broken_store_fails_with_the_step_and_what_to_do(backend, stores, monkeypatch):
    break_alias(backend, stores, "files", monkeypatch)
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("check_storage", stdout=out)
    output = out.getvalue()
    steps = step_lines(output)
    if backend == "local":
        assert "files write" in str(raised.value)
        assert steps[("files", "write")] == "FAILED"
        assert {steps[("files", step)] for step in ("size", "read", "range")} == {"skipped"}
        assert "is a folder" in output  # what to look at
    else:
        assert "files bucket" in str(raised.value)
        assert steps[("files", "bucket")] == "FAILED"
        assert "does not exist" in output and "FS_S3_CREATE_BUCKET" in output
    # The other alias still works, and says so.
    assert {steps[("previews/pictures", step)] for step in STEPS} == {"ok"}


def test_the_exit_status_is_1_on_a_failure(backend, stores, monkeypatch):
    break_alias(backend, stores, "previews", monkeypatch)
    with pytest.raises(CommandError) as raised:
        call_command("check_storage", stdout=io.StringIO())
    assert raised.value.returncode == 1
    assert "previews/pictures" in str(raised.value)


def test_the_exit_status_from_the_command_line(tmp_path, settings):
    """As an operator runs it: a process, its exit status and its output."""
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path / "data"),
        "FS_ROOT": str(tmp_path / "taken"),
        "PREVIEW_FOLDER": str(tmp_path / "previews"),
    }
    (tmp_path / "taken").write_bytes(b"not a folder")
    command = [sys.executable, "manage.py", "check_storage", "--alias", "files"]
    failed = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, cwd=settings.BASE_DIR
    )
    assert failed.returncode == 1
    assert "files write" in failed.stderr and "FAILED" in failed.stdout
    env["FS_ROOT"] = str(tmp_path / "files")
    passed = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, cwd=settings.BASE_DIR
    )
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "steps passed" in passed.stdout


def test_a_backend_that_cannot_be_set_up(stores, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "files": {"BACKEND": "kitsufiles.stores.nowhere.Storage", "OPTIONS": {}},
    }
    out = io.StringIO()
    with pytest.raises(CommandError, match="files set up"):
        call_command("check_storage", "--alias", "files", stdout=out)
    assert "Could not find backend" in out.getvalue()
