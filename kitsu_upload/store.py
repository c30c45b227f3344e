"""The uploads begun and not finished, remembered in a small JSON file so that a second run
after a crash (or a network that stayed down) resumes instead of starting over.

Keyed by the creation URL and the file's absolute path, size and modification time: the same
file sent to the same working file or preview. A file that changed since is another entry,
and starts over. An entry keeps the upload's URL and the digests computed for it (the file is
not read again to resume). It is forgotten when the upload finishes, or when the server no
longer knows it (expired, ended, refused).

Default place: `$KITSU_UPLOAD_STATE`, else `$XDG_CACHE_HOME/kitsu-upload/uploads.json`, else
`~/.cache/kitsu-upload/uploads.json`.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

try:  # POSIX: runs of the command at once do not lose each other's entries
    import fcntl
except ImportError:  # pragma: no cover - Windows: last writer wins
    fcntl = None  # type: ignore[assignment]


def default_path() -> str:
    explicit = os.environ.get("KITSU_UPLOAD_STATE")
    if explicit:
        return explicit
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "kitsu-upload", "uploads.json")


def entry_key(creation_url: str, identity: tuple) -> str:
    path, size, mtime_ns = identity
    return json.dumps([creation_url, path, size, mtime_ns])


class UploadStore:
    """Entries (dicts) by key, in a JSON file written whole and replaced atomically."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path or default_path()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        folder = os.path.dirname(self.path) or "."
        os.makedirs(folder, exist_ok=True)
        if fcntl is None:
            yield
            return
        with open(self.path + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> dict[str, Any]:
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # unreadable: what it held is lost, uploads start over
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, Any]) -> None:
        folder = os.path.dirname(self.path) or "."
        descriptor, temporary = tempfile.mkstemp(prefix=".uploads-", dir=folder)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1, sort_keys=True)
            os.replace(temporary, self.path)
        except BaseException:
            with suppress(OSError):
                os.unlink(temporary)
            raise

    def get(self, key: str) -> dict[str, Any] | None:
        entry = self._read().get(key)
        return entry if isinstance(entry, dict) else None

    def put(self, key: str, entry: dict[str, Any]) -> None:
        with self._locked():
            data = self._read()
            data[key] = {**entry, "saved_at": time.time()}
            self._write(data)

    def forget(self, key: str) -> None:
        with self._locked():
            data = self._read()
            if data.pop(key, None) is not None:
                self._write(data)

    def entries(self) -> dict[str, Any]:
        return self._read()
