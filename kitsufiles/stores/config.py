"""The `files` and `previews` storage aliases from the environment (read by settings.py):
`FS_BACKEND=local|s3|swift`, with Zou's variable names (zou-previews-contract §2.3).

Plain data only: settings must not import storage classes. Each backend's options are read by
its function here; the classes live in kitsufiles/stores/<backend>.py."""

from pathlib import Path
from typing import Any

from kitsufiles import env

BACKENDS = ("local", "s3", "swift")


def content_storages(backend: str, *, fs_root: Path, preview_folder: Path) -> dict[str, Any]:
    """STORAGES entries of the two content aliases."""
    if backend == "local":
        return {
            "files": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(fs_root)},
            },
            "previews": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(preview_folder)},
            },
        }
    prefix = env.get_str("FS_BUCKET_PREFIX", "")
    if backend == "s3":
        backend_path, options = "kitsufiles.stores.s3.S3ObjectStorage", s3_options()
    elif backend == "swift":
        backend_path, options = "kitsufiles.stores.swift.SwiftObjectStorage", swift_options()
    else:
        raise ValueError(backend)
    return {
        "files": {
            "BACKEND": backend_path,
            "OPTIONS": {**options, "bucket": "files", "bucket_prefix": prefix},
        },
        "previews": {
            "BACKEND": backend_path,
            "OPTIONS": {**options, "bucket": None, "bucket_prefix": prefix},
        },
    }


def s3_options() -> dict[str, Any]:
    """Zou's FS_S3_* variables as the options of kitsufiles.stores.s3.S3ObjectStorage."""
    raise NotImplementedError("FS_BACKEND=s3 is being built (issue 14)")


def swift_options() -> dict[str, Any]:
    """Zou's FS_SWIFT_* variables as the options of kitsufiles.stores.swift.SwiftObjectStorage."""
    raise NotImplementedError("FS_BACKEND=swift is being built (issue 14)")
