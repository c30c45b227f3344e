"""What loading the WSGI application does to a worker (docs/decisions/garbage-collection.md),
checked in a fresh interpreter, as a gunicorn worker loads it."""

import subprocess
import sys

from django.conf import settings

PROBE = """
import gc, json, sys
before = gc.get_threshold()[0]
import kitsufiles.wsgi
from django.urls import get_resolver
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "threshold": gc.get_threshold()[0],
    "default_threshold": before,
    "routes_loaded": "url_patterns" in get_resolver().__dict__,
    "views_imported": "previews.api.media" in sys.modules,
}))
"""


def test_loading_the_application_freezes_the_start_up_heap_and_imports_every_route(tmp_path):
    import json

    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "kitsufiles.settings",
        "DATA_DIR": str(tmp_path),
        "SECRET_KEY": "test-only",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["frozen"] > 10_000  # Django and the apps
    assert loaded["threshold"] == 5000 != loaded["default_threshold"]
    assert loaded["routes_loaded"] and loaded["views_imported"]
