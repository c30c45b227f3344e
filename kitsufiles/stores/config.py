"""The `files` and `previews` storage aliases from the environment (read by settings.py):
`FS_BACKEND=local|s3|swift`, with Zou's variable names (zou-previews-contract §2.3).

Plain data only: settings must not import storage classes. Each backend's options are read by
its function here; the classes live in kitsufiles/stores/<backend>.py."""

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

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
    """Zou's FS_S3_* variables as the options of kitsufiles.stores.s3.S3ObjectStorage, with
    the standard AWS_* names as fallbacks (what boto3 itself reads).

    Zou's client-side encryption (FS_S3_AES256_ENCRYPTED) is refused: its objects are
    unreadable to anything but Zou's library, so serving them as they are is impossible.
    The timeouts and attempts are ours (Zou has none): small, so that a store that is down
    answers 503 in seconds rather than holding a worker (kitsufiles/stores/s3.py)."""
    if env.get_bool("FS_S3_AES256_ENCRYPTED", False):
        raise ImproperlyConfigured(
            "FS_S3_AES256_ENCRYPTED=true (Zou's client-side encryption) is not supported: "
            "use the store's server-side encryption instead."
        )
    return {
        "endpoint_url": env.get_str("FS_S3_ENDPOINT", "", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
        or None,
        "region": env.get_str("FS_S3_REGION", "", "AWS_REGION", "AWS_DEFAULT_REGION") or None,
        "access_key": env.get_str("FS_S3_ACCESS_KEY", "", "AWS_ACCESS_KEY_ID") or None,
        "secret_key": env.get_str("FS_S3_SECRET_KEY", "", "AWS_SECRET_ACCESS_KEY") or None,
        "create_buckets": env.get_bool("FS_S3_CREATE_BUCKET", False),
        "connect_timeout": env.get_int("FS_S3_CONNECT_TIMEOUT", 5, minimum=1),
        "read_timeout": env.get_int("FS_S3_READ_TIMEOUT", 60, minimum=1),
        "max_attempts": env.get_int("FS_S3_MAX_ATTEMPTS", 2, minimum=1),
    }


def swift_options() -> dict[str, Any]:
    """Zou's FS_SWIFT_* variables as the options of kitsufiles.stores.swift.SwiftObjectStorage.

    Zou's names and its default auth version (3, Keystone); FS_SWIFT_CREATE_CONTAINER becomes
    `create_buckets`, which the bucket check at start reads. Ours on top:
    FS_SWIFT_USER_DOMAIN_NAME / FS_SWIFT_PROJECT_DOMAIN_NAME (Keystone v3, default "Default"),
    FS_SWIFT_TEMP_URL_KEY (signed URLs). FS_SWIFT_TIMEOUT and FS_SWIFT_RETRIES default to 10 s
    and 1 retry rather than Zou's 60 s and 5, so that a store that is down answers 503 in
    seconds (docs/compatibility.md)."""
    if env.get_bool("FS_SWIFT_AES256_ENCRYPTED", False):
        raise ImproperlyConfigured(
            "FS_SWIFT_AES256_ENCRYPTED is not supported: objects are stored as they are "
            "(use Swift's server-side encryption)."
        )
    auth_url = env.get_str("FS_SWIFT_AUTHURL")
    user = env.get_str("FS_SWIFT_USER")
    key = env.get_str("FS_SWIFT_KEY")
    missing = [
        name
        for name, value in (
            ("FS_SWIFT_AUTHURL", auth_url),
            ("FS_SWIFT_USER", user),
            ("FS_SWIFT_KEY", key),
        )
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(f"FS_BACKEND=swift needs {', '.join(missing)}.")
    auth_version = env.get_choice("FS_SWIFT_AUTH_VERSION", "3", ("1", "1.0", "2", "2.0", "3"))
    timeout = env.get_int("FS_SWIFT_TIMEOUT", 10, minimum=1)
    return {
        "auth_url": auth_url,
        "user": user,
        "key": key,
        "auth_version": auth_version,
        "tenant_name": env.get_str("FS_SWIFT_TENANT_NAME") or None,
        "region_name": env.get_str("FS_SWIFT_REGION_NAME") or None,
        "user_domain_name": env.get_str("FS_SWIFT_USER_DOMAIN_NAME") or None,
        "project_domain_name": env.get_str("FS_SWIFT_PROJECT_DOMAIN_NAME") or None,
        "temp_url_key": env.get_str("FS_SWIFT_TEMP_URL_KEY") or None,
        "timeout": float(timeout),
        "retries": env.get_int("FS_SWIFT_RETRIES", 1, minimum=0),
        "pool_size": env.get_int("FS_SWIFT_POOL_SIZE", 20, minimum=1),
        "create_buckets": env.get_bool("FS_SWIFT_CREATE_CONTAINER", False),
    }
