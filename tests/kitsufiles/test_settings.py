"""Settings read from the environment fail loudly on bad values, with the variable's name."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kitsufiles import env

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "reader, raw",
    [
        (lambda: env.get_bool("X_FLAG", False), "maybe"),
        (lambda: env.get_int("X_FLAG", 1), "two"),
        (lambda: env.get_int("X_FLAG", 1, minimum=1), "0"),
        (lambda: env.get_duration("X_FLAG", timedelta(seconds=1)), "-5"),
        (lambda: env.get_choice("X_FLAG", "a", ("a", "b")), "c"),
    ],
)
def test_bad_values_raise_with_the_variable_name(monkeypatch, reader, raw):
    monkeypatch.setenv("X_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        reader()


def test_zou_aliases_are_read(monkeypatch):
    monkeypatch.delenv("JWT_ACCESS_TOKEN_LIFETIME", raising=False)
    monkeypatch.setenv("JWT_ACCESS_TOKEN_EXPIRES", "60")
    value = env.get_duration(
        "JWT_ACCESS_TOKEN_LIFETIME", timedelta(days=1), "JWT_ACCESS_TOKEN_EXPIRES"
    )
    assert value == timedelta(seconds=60)


@pytest.mark.parametrize("raw, expected", [("true", True), ("False", False), ("1", True)])
def test_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env.get_bool("X_FLAG", not expected) is expected


def run_check(tmp_path, **variables) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATA_DIR": str(tmp_path), **variables}
    environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,  # generous: a busy machine is slow, a hung process is a failure
    )


def test_service_starts_with_no_variable_set(tmp_path):
    result = run_check(tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path).is_dir()


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = run_check(tmp_path, DEBUG="false", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_bad_debug_value_refuses_to_start(tmp_path):
    result = run_check(tmp_path, DEBUG="perhaps")
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def storages_of(tmp_path, **variables) -> subprocess.CompletedProcess:
    """STORAGES as a process started with these variables builds them (reading the settings
    only: no app is started, so no store is contacted)."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FS_", "AWS_"))},
        "DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "kitsufiles.settings",
        **variables,
    }
    environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from django.conf import settings; print(json.dumps(settings.STORAGES))",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_local_storage_is_the_default(tmp_path):
    result = storages_of(tmp_path, PREVIEW_FOLDER=str(tmp_path / "zou-previews"))
    assert result.returncode == 0, result.stderr
    storages = json.loads(result.stdout)
    assert storages["files"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "files")},
    }
    assert storages["previews"]["OPTIONS"] == {"location": str(tmp_path / "zou-previews")}


def test_s3_with_zous_variables(tmp_path):
    result = storages_of(
        tmp_path,
        FS_BACKEND="s3",
        FS_BUCKET_PREFIX="studio-",
        FS_S3_ENDPOINT="https://s3.example.com",
        FS_S3_REGION="eu-west-3",
        FS_S3_ACCESS_KEY="AKIAEXAMPLE",
        FS_S3_SECRET_KEY="not-a-secret",
        FS_S3_CREATE_BUCKET="true",
    )
    assert result.returncode == 0, result.stderr
    storages = json.loads(result.stdout)
    options = {
        "endpoint_url": "https://s3.example.com",
        "region": "eu-west-3",
        "access_key": "AKIAEXAMPLE",
        "secret_key": "not-a-secret",
        "create_buckets": True,
        "connect_timeout": 5,
        "read_timeout": 60,
        "max_attempts": 2,
        "bucket_prefix": "studio-",
    }
    assert storages["files"] == {
        "BACKEND": "kitsufiles.stores.s3.S3ObjectStorage",
        "OPTIONS": {**options, "bucket": "files"},
    }
    assert storages["previews"] == {
        "BACKEND": "kitsufiles.stores.s3.S3ObjectStorage",
        "OPTIONS": {**options, "bucket": None},
    }


def test_s3_reads_the_standard_aws_names_and_creates_nothing_by_default(tmp_path):
    result = storages_of(
        tmp_path,
        FS_BACKEND="s3",
        AWS_ENDPOINT_URL_S3="http://127.0.0.1:9000",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="id",
        AWS_SECRET_ACCESS_KEY="key",
    )
    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout)["files"]["OPTIONS"]
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert (options["region"], options["access_key"], options["secret_key"]) == (
        "us-east-1",
        "id",
        "key",
    )
    assert options["create_buckets"] is False and options["bucket_prefix"] == ""


def test_zous_client_side_encryption_is_refused(tmp_path):
    result = storages_of(tmp_path, FS_BACKEND="s3", FS_S3_AES256_ENCRYPTED="true")
    assert result.returncode != 0
    assert "FS_S3_AES256_ENCRYPTED" in result.stderr


def test_swift_with_zous_variables(tmp_path):
    result = storages_of(
        tmp_path,
        FS_BACKEND="swift",
        FS_BUCKET_PREFIX="studio-",
        FS_SWIFT_AUTHURL="http://swift.example.com:8080/auth/v1.0",
        FS_SWIFT_USER="test:tester",
        FS_SWIFT_KEY="not-a-secret",
        FS_SWIFT_AUTH_VERSION="1",
        FS_SWIFT_CREATE_CONTAINER="true",
    )
    assert result.returncode == 0, result.stderr
    storages = json.loads(result.stdout)
    for alias, bucket in (("files", "files"), ("previews", None)):
        assert storages[alias]["BACKEND"] == "kitsufiles.stores.swift.SwiftObjectStorage"
        options = storages[alias]["OPTIONS"]
        assert options["bucket"] == bucket and options["bucket_prefix"] == "studio-"
        assert (options["auth_url"], options["user"], options["key"]) == (
            "http://swift.example.com:8080/auth/v1.0",
            "test:tester",
            "not-a-secret",
        )
        assert options["auth_version"] == "1" and options["create_buckets"] is True


def test_swift_without_its_credentials_names_them(tmp_path):
    result = storages_of(tmp_path, FS_BACKEND="swift", FS_SWIFT_AUTHURL="http://127.0.0.1:1/")
    assert result.returncode != 0
    assert "FS_SWIFT_USER" in result.stderr and "FS_SWIFT_KEY" in result.stderr
