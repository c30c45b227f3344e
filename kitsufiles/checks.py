"""Start-up checks of the plumbing (Django's system checks, run by `migrate`, `runserver` and
`check`): the static files manifest, and the metrics folder.

With DEBUG=false the static files are served from WhiteNoise's hashed copies, found through the
manifest `collectstatic` writes. Without that manifest every page that links a static file (the
admin, the API docs) answers 500, so the checks name the missing step instead of leaving it to
the first visitor.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import CheckMessage, register
from django.core.checks import Error as CheckError
from django.core.checks import Warning as CheckWarning
from django.core.files.storage import storages

from kitsufiles.resumable_sha256 import available as resumable_hash_problem

STATIC_MANIFEST_MISSING = "kitsufiles.W001"


@register("kitsufiles")
def static_manifest_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn when the static storage needs a manifest that `collectstatic` has not written.

    A warning, not an error: `migrate` runs every check and stops on errors, and a deployment
    may well migrate before it collects the static files."""
    storage = storages["staticfiles"]
    if settings.DEBUG or not isinstance(storage, ManifestFilesMixin):
        return []
    if storage.exists(storage.manifest_name):
        return []
    return [
        CheckWarning(
            f"The static files manifest ({storage.manifest_name} in {settings.STATIC_ROOT}) "
            "is missing: with DEBUG=false the admin and the API docs answer 500 until it exists.",
            hint="run `python manage.py collectstatic --no-input` before starting the service.",
            id=STATIC_MANIFEST_MISSING,
        )
    ]



METRICS_FOLDER_UNUSABLE = "kitsufiles.E001"


@register("kitsufiles")
def metrics_folder_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """PROMETHEUS_MULTIPROC_DIR must name a folder this process can write in: prometheus-client
    writes every process's figures there, and fails the first request it measures otherwise
    (docs/operations.md#metrics)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return []
    if os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
        return []
    return [
        CheckError(
            f"PROMETHEUS_MULTIPROC_DIR={folder} is not a folder this process can write in.",
            hint="create it (empty) before starting the web server and the job cluster, or "
            "unset the variable.",
            id=METRICS_FOLDER_UNUSABLE,
        )
    ]


RESUMABLE_HASH_UNAVAILABLE = "kitsufiles.E002"


@register("kitsufiles")
def resumable_hash_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Resumable uploads save the whole file's SHA-256 between requests with OpenSSL's
    libcrypto (kitsufiles/resumable_sha256.py): say so at start if it cannot be used."""
    problem = resumable_hash_problem()
    if problem is None:
        return []
    return [
        CheckError(
            f"Resumable uploads cannot hash: {problem}.",
            hint="install OpenSSL 3's libcrypto (Debian: libssl3), which Python's hashlib uses.",
            id=RESUMABLE_HASH_UNAVAILABLE,
        )
    ]
