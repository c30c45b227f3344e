"""Settings read from the environment fail loudly on bad values, with the variable's name."""

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
