"""The start-up check that names `collectstatic` when DEBUG=false has no static manifest."""

import json

from django.core.checks import run_checks
from django.test import override_settings

from kitsufiles.checks import STATIC_MANIFEST_MISSING

MANIFEST_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def static_warnings(tmp_path, *, debug):
    with override_settings(DEBUG=debug, STATIC_ROOT=str(tmp_path), STORAGES=MANIFEST_STORAGES):
        return [m for m in run_checks(tags=["kitsufiles"]) if m.id == STATIC_MANIFEST_MISSING]


def test_missing_manifest_without_debug_says_to_run_collectstatic(tmp_path):
    (message,) = static_warnings(tmp_path, debug=False)
    assert "collectstatic" in message.hint
    assert "staticfiles.json" in message.msg


def test_check_is_silent_once_the_manifest_exists(tmp_path):
    (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": {}, "version": "1.1"}))
    assert static_warnings(tmp_path, debug=False) == []


def test_check_is_silent_in_debug(tmp_path):
    assert static_warnings(tmp_path, debug=True) == []
