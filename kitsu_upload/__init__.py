"""Resumable uploads to kitsufiles for pipeline tools: a file sent in chunks with the tus 1.0
protocol, verified end to end by its sha256, resumed after a dropped connection or a crash.

Runs on an artist's or a render node's machine beside gazu: it needs only `requests` (which
gazu needs too) and, for a progress bar, `rich`. No server code, no Django.

With gazu logged in::

    import gazu, kitsu_upload
    gazu.set_host("https://kitsu.studio.example/api")
    gazu.log_in("td@studio.example", "...")
    host, token = kitsu_upload.from_gazu()
    kitsu_upload.upload_working_file(host, token, working_file["id"], "/shots/sh010/anim.ma")

From a shell::

    python -m kitsu_upload --host https://kitsu.studio.example --email td@studio.example \\
        working-file <id> /shots/sh010/anim.ma

What happens (docs/resumable-uploads.md): the file is read once for its sha256 and each
chunk's; an upload is created with the file's name and sha256 in its metadata; chunks of
64 MiB (by default) are sent with their own sha256 (`Upload-Checksum`), each read from disk
while it is sent. A failure that may pass (connection lost, server error, a busy or
damaged chunk) is retried after a pause from the offset the server reports. The upload's URL
is kept in ~/.cache/kitsu-upload/uploads.json until it finishes, so running the same upload
again after a crash resumes it. The server checks the whole file's sha256 at the last byte.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from kitsu_upload.files import DEFAULT_CHUNK_SIZE, FileDigests, file_identity, hash_file
from kitsu_upload.progress import Progress, ProgressOption
from kitsu_upload.store import UploadStore, entry_key
from kitsu_upload.tus import (
    DEFAULT_DELAYS,
    FileChanged,
    Retryable,
    TusSession,
    Uploader,
    UploadFailed,
    UploadGone,
)

__all__ = [
    "UploadFailed",
    "UploadResult",
    "UploadStore",
    "api_url",
    "from_gazu",
    "log_in",
    "upload",
    "upload_preview",
    "upload_working_file",
]


# Answers after which an upload is kept for the next run, although this one gave up: passing
# conditions (busy, damaged on the way), and 401 (log in again, then resume).
KEPT_AFTER = frozenset({401, 409, 423, 460})


@dataclass
class UploadResult:
    """A finished upload: where it went, what was sent, and from where it went on."""

    url: str  # the tus upload's URL
    path: str
    size: int
    sha256: str
    resumed_from: int  # bytes the server already had when this call began sending
    seconds: float
    record: dict[str, Any] | None = None  # the working file or preview, read afterwards


def api_url(host: str) -> str:
    """`https://kitsu.example` or `https://kitsu.example/api` (gazu's form) → the API's root."""
    host = host.rstrip("/")
    return host if host.endswith("/api") else f"{host}/api"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def log_in(host: str, email: str, password: str, *, timeout: float = 30.0) -> str:
    """An access token for `email` (POST /api/auth/login)."""
    try:
        response = requests.post(
            f"{api_url(host)}/auth/login",
            json={"email": email, "password": password},
            timeout=timeout,
        )
    except requests.RequestException as error:
        raise UploadFailed(f"Cannot reach {api_url(host)}: {error}") from error
    token = None
    if response.status_code == 200:
        with contextlib.suppress(ValueError):
            token = response.json().get("access_token")
    if not token:
        raise UploadFailed(f"Log-in as {email} refused ({response.status_code}).")
    return str(token)


def from_gazu(client: Any = None) -> tuple[str, str]:
    """(host, access token) of gazu's logged-in client (its default client unless one is
    given): after `gazu.log_in(...)`, or `gazu.set_host` + `gazu.client.set_tokens`."""
    if client is None:
        try:
            import gazu.client
        except ImportError as error:
            raise UploadFailed("gazu is not installed: pass host and token instead.") from error
        client = gazu.client.default_client
    token = getattr(client, "access_token", None)
    if not token:
        tokens = getattr(client, "tokens", None) or {}
        token = tokens.get("access_token")
    if not token:
        raise UploadFailed("gazu is not logged in: call gazu.log_in(email, password) first.")
    return str(client.host), str(token)


def upload(
    creation_url: str,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    metadata: Mapping[str, str] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    retries: int = 8,
    delays: Iterable[float] = DEFAULT_DELAYS,
    progress: ProgressOption = True,
    store: UploadStore | None = None,
    resume: bool = True,
    session: requests.Session | None = None,
    timeout: tuple[float, float] = (30.0, 600.0),
    refresh: Callable[[], Mapping[str, str]] | None = None,
) -> UploadResult:
    """Upload `path` to a tus creation URL and return when the server has every byte.

    `headers` go with every request (Authorization). `metadata` adds Upload-Metadata keys
    to `filename` and `sha256`, which are always sent. `retries`: failures in a row borne
    before giving up (a chunk that goes through starts the count again), with `delays`
    seconds between attempts. `progress`: True for a bar on a terminal (rich), False for
    none, or a function called with (phase, done, total). `store`: where unfinished uploads
    are remembered (`resume=False` starts over and remembers nothing). `refresh`: called on
    a 401 for new headers.

    Raises UploadFailed with a message saying what happened and, when the upload can be
    resumed, its URL.
    """
    started = time.monotonic()
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise UploadFailed(f"{path} is not a file.")
    store = store if store is not None else UploadStore()
    identity = file_identity(path)
    key = entry_key(creation_url, identity)
    name = os.path.basename(path)
    bar = Progress(progress, name)
    own_session = session is None
    tus = TusSession(headers or {}, session=session, timeout=timeout, refresh=refresh)
    try:
        entry = store.get(key) if resume else None
        digests = _digests_of(entry, chunk_size)
        if digests is None:
            bar.start("hashing", identity[1])
            digests = hash_file(path, chunk_size, progress=bar.advance)
            if digests.size != identity[1]:
                raise UploadFailed(f"{path} changed while it was being read: try again.")
        url = entry.get("url") if entry and digests is not None else None
        bar.start("uploading", digests.size)
        resumed_from = 0
        offset: int | None = None
        if url:
            try:
                offset = tus.offset(url)
                resumed_from = offset
            except UploadGone:
                url = None
            except Retryable:
                offset = None  # the loop below asks again, with its retries
        if not url:
            url = _create(tus, creation_url, digests, name, metadata, retries, delays)
            offset = 0
            if resume:
                store.put(key, _entry(url, digests))
        bar.set(offset or 0)
        uploader = Uploader(
            tus,
            path,
            digests,
            retries=retries,
            delays=delays,
            on_offset=bar.set,
            on_sent=bar.advance,
        )
        try:
            uploader.run(url, offset)
        except UploadGone:
            store.forget(key)
            raise
        except FileChanged as failure:
            # What the server has is not the file any more: end the upload (its bytes go now,
            # not at its expiry) and forget it; the next run starts over with the new file.
            store.forget(key)
            with contextlib.suppress(requests.RequestException):
                tus.terminate(url)
            raise UploadFailed(failure.message, url=url) from None
        except UploadFailed as failure:
            status = failure.status
            if status is not None and status < 500 and status not in KEPT_AFTER:
                # Refused for good (the whole file's sha256 at the last byte, a permission):
                # resending the same upload cannot help.
                store.forget(key)
                raise UploadFailed(
                    f"The upload of {path} was refused: {failure.message}",
                    url=url,
                    status=failure.status,
                ) from None
            raise UploadFailed(
                f"The upload of {path} stopped at {bar.done} of {digests.size} bytes: "
                f"{failure.message}. It can be resumed: run the same upload again (its URL "
                f"is kept in {store.path}), or send the rest with any tus client to {url}.",
                url=url,
                status=failure.status,
            ) from None
        store.forget(key)
    finally:
        bar.stop()
        if own_session:
            tus.session.close()  # no kept-alive connection outlives the call
    return UploadResult(
        url=url,
        path=path,
        size=digests.size,
        sha256=digests.sha256,
        resumed_from=resumed_from,
        seconds=time.monotonic() - started,
    )


def _digests_of(entry: dict[str, Any] | None, chunk_size: int) -> FileDigests | None:
    """The digests an unfinished upload was begun with, when its chunks are this size."""
    if not entry or entry.get("chunk_size") != chunk_size:
        return None
    try:
        return FileDigests(
            sha256=str(entry["sha256"]),
            size=int(entry["size"]),
            chunk_size=chunk_size,
            chunks=[str(c) for c in entry["chunks"]],
        )
    except (KeyError, TypeError, ValueError):
        return None


def _entry(url: str, digests: FileDigests) -> dict[str, Any]:
    return {
        "url": url,
        "sha256": digests.sha256,
        "size": digests.size,
        "chunk_size": digests.chunk_size,
        "chunks": digests.chunks,
    }


def _create(
    tus: TusSession,
    creation_url: str,
    digests: FileDigests,
    name: str,
    metadata: Mapping[str, str] | None,
    retries: int,
    delays: Iterable[float],
) -> str:
    """POST the creation, retrying a connection or server failure."""
    waits = tuple(delays) or (0.0,)
    failures = 0
    values = {**(metadata or {}), "filename": name, "sha256": digests.sha256}
    while True:
        try:
            return tus.create(creation_url, digests.size, values)
        except Retryable as failure:
            failures += 1
            if failures > retries:
                raise UploadFailed(
                    f"Could not create the upload at {creation_url} after {failures} "
                    f"attempts (last: {failure.reason}). Nothing was sent: try again later."
                ) from None
            time.sleep(waits[min(failures - 1, len(waits) - 1)])


def _read_record(host: str, token: str, route: str, timeout: float = 30.0) -> dict[str, Any] | None:
    try:
        response = requests.get(f"{api_url(host)}/{route}", headers=bearer(token), timeout=timeout)
    except requests.RequestException:
        return None
    if response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def upload_working_file(
    host: str, token: str, working_file_id: str, path: str, **options: Any
) -> UploadResult:
    """Upload `path` as the content of a working file (its row, read afterwards, is the
    result's `record`: `size` and `checksum` are the file's). `options` are `upload`'s."""
    result = upload(
        f"{api_url(host)}/data/working-files/{working_file_id}/file/uploads",
        path,
        headers={**bearer(token), **dict(options.pop("headers", None) or {})},
        **options,
    )
    result.record = _read_record(host, token, f"data/working-files/{working_file_id}")
    if result.record is not None and result.record.get("checksum") not in (None, result.sha256):
        raise UploadFailed(
            f"The working file {working_file_id} records sha256 {result.record.get('checksum')}"
            f", not the file's {result.sha256}: another upload may have replaced it."
        )
    return result


def upload_preview(
    host: str,
    token: str,
    preview_file_id: str,
    path: str,
    *,
    normalize: bool = True,
    sequence: bool | None = None,
    color_space: str | None = None,
    layer: str | None = None,
    **options: Any,
) -> UploadResult:
    """Upload `path` as the media of an empty preview slot (made by gazu's
    `add_preview`/`publish_preview` steps, or POST .../add-preview); the server queues its
    processing as for a multipart upload, with the same options: `normalize=False` keeps a
    movie as it is; `sequence` says whether a zip or tar of numbered pictures is an image
    sequence (None: the server decides from its content); `color_space` and `layer` choose
    how an EXR, DPX... picture is shown (docs/compatibility.md). `options` are `upload`'s."""
    query = {
        key: value
        for key, value in (
            ("normalize", None if normalize else "false"),
            ("sequence", None if sequence is None else str(sequence).lower()),
            ("color_space", color_space),
            ("layer", layer),
        )
        if value is not None
    }
    suffix = f"?{urlencode(query)}" if query else ""
    result = upload(
        f"{api_url(host)}/pictures/preview-files/{preview_file_id}/uploads{suffix}",
        path,
        headers={**bearer(token), **dict(options.pop("headers", None) or {})},
        **options,
    )
    result.record = _read_record(host, token, f"data/preview-files/{preview_file_id}")
    return result
