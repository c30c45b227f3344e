"""A tus 1.0 client over requests (https://tus.io/protocols/resumable-upload): creation,
chunks with a sha256 checksum each, the offset asked again after a failure, termination.

`Uploader.run` is the whole loop: create (or resume) the upload, send chunks from the offset
the server reports, and on a failure that may pass (the connection dropped, a 5xx, 409 when
the offset is not the server's or another request is writing, 423, 460 for a chunk that
arrived damaged) wait, ask the offset (HEAD), and go on from there.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import urljoin

import requests

from kitsu_upload.files import FileDigests, FileSlice, hash_range

TUS_VERSION = "1.0.0"
CHUNK_CONTENT_TYPE = "application/offset+octet-stream"
# Answers after which trying again may succeed: 409 (offset mismatch, or the upload busy with
# another request: the one cut off may still be finishing on the server), 423 (locked),
# 460 (a chunk damaged on the way), and the server or a proxy failing (5xx).
RETRYABLE_STATUSES = frozenset({409, 423, 460, 500, 502, 503, 504})
# The upload is no more: expired (410), ended, or never known to this person (404).
GONE_STATUSES = frozenset({404, 410})
DEFAULT_DELAYS = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0)


def encode_metadata(metadata: Mapping[str, str]) -> str:
    """`Upload-Metadata`: `key base64(value)` pairs separated by commas (tus 1.0, creation).
    Keys may not hold spaces or commas."""
    pairs = []
    for key, value in metadata.items():
        if not key or " " in key or "," in key or not key.isascii():
            raise ValueError(f"Upload-Metadata key {key!r}: ASCII, no space, no comma")
        encoded = base64.b64encode(value.encode("utf-8")).decode("ascii")
        pairs.append(f"{key} {encoded}" if value else key)
    return ",".join(pairs)


def checksum_header(sha256_hex: str) -> str:
    """`Upload-Checksum: sha256 <base64 of the digest>` (tus 1.0, checksum)."""
    return "sha256 " + base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")


class UploadFailed(Exception):
    """The upload cannot go on; `message` says why and what to do."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.url = url
        self.status = status


class FileChanged(UploadFailed):
    """The file on disk is no longer the one hashed before the upload began."""


class UploadGone(UploadFailed):
    """The server no longer knows the upload (expired, ended, or another person's)."""


class Retryable(Exception):
    """A failure after which the offset is asked again."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def _check_chunk_answer(response: requests.Response, url: str, *, accepted: bool = True) -> None:
    """The answer to a PATCH: a failure worth retrying (Retryable), an upload the server no
    longer knows (UploadGone), or a refusal (UploadFailed) unless it is a 204 that the caller
    finds `accepted`."""
    status = response.status_code
    if status in RETRYABLE_STATUSES:
        raise Retryable(f"{status}: {_server_message(response)}", status)
    if status in GONE_STATUSES:
        raise UploadGone(
            f"The server no longer knows the upload {url} ({status}).", url=url, status=status
        )
    if status != 204 or not accepted:
        raise UploadFailed(
            f"The server refused the upload ({status}): {_server_message(response)}",
            url=url,
            status=status,
        )


def _server_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:300] if text else response.reason or ""
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            if isinstance(body.get(key), str):
                return body[key]
    return str(body)[:300]


class TusSession:
    """The requests of the protocol, with the version header and the caller's headers
    (Authorization) on each; a 401 asks `refresh` (when given) for new headers, once."""

    def __init__(
        self,
        headers: Mapping[str, str],
        *,
        session: requests.Session | None = None,
        timeout: tuple = (30.0, 600.0),
        refresh: Callable[[], Mapping[str, str]] | None = None,
    ) -> None:
        self.headers: dict[str, str] = dict(headers)
        self.session = session or requests.Session()
        self.timeout = timeout
        self.refresh = refresh

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        data: FileSlice | None = None,
    ) -> requests.Response:
        def send() -> requests.Response:
            sent = {**self.headers, "Tus-Resumable": TUS_VERSION, **(headers or {})}
            response = self.session.request(
                method, url, headers=sent, data=data, timeout=self.timeout
            )
            # The answer is read whole (it is small): its connection goes back to the pool now,
            # so closing the session closes it, whatever still refers to the response.
            response.close()
            return response

        response = send()
        # A body already streamed cannot be sent again here: the caller's loop resends it.
        if response.status_code == 401 and self.refresh is not None and data is None:
            self.headers.update(self.refresh())
            response = send()
        return response

    def create(self, creation_url: str, length: int, metadata: Mapping[str, str]) -> str:
        """POST: a new upload of `length` bytes; its absolute URL."""
        try:
            response = self.request(
                "POST",
                creation_url,
                headers={
                    "Upload-Length": str(length),
                    "Upload-Metadata": encode_metadata(metadata),
                    "Content-Length": "0",
                },
            )
        except requests.RequestException as error:
            raise Retryable(f"the connection failed: {error}") from error
        if response.status_code in RETRYABLE_STATUSES - {409, 460}:
            raise Retryable(_server_message(response), response.status_code)
        if response.status_code != 201 or not response.headers.get("Location"):
            raise UploadFailed(
                f"The server refused to create the upload ({response.status_code}): "
                f"{_server_message(response)}",
                status=response.status_code,
            )
        return urljoin(creation_url, response.headers["Location"])

    def offset(self, url: str) -> int:
        """HEAD: how many bytes the server has."""
        try:
            response = self.request("HEAD", url)
        except requests.RequestException as error:
            raise Retryable(f"the connection failed: {error}") from error
        if response.status_code in GONE_STATUSES:
            raise UploadGone(
                f"The server no longer knows the upload {url} ({response.status_code}).",
                url=url,
                status=response.status_code,
            )
        if response.status_code in RETRYABLE_STATUSES:
            raise Retryable(f"HEAD answered {response.status_code}", response.status_code)
        offset = response.headers.get("Upload-Offset", "")
        if response.status_code != 200 or not offset.isdigit():
            raise UploadFailed(
                f"HEAD {url} answered {response.status_code} without an offset: "
                f"{_server_message(response)}",
                url=url,
                status=response.status_code,
            )
        return int(offset)

    def patch(self, url: str, offset: int, body: FileSlice, sha256_hex: str) -> int:
        """PATCH: one chunk at `offset`; the new offset."""
        try:
            response = self.request(
                "PATCH",
                url,
                data=body,
                headers={
                    "Upload-Offset": str(offset),
                    "Content-Type": CHUNK_CONTENT_TYPE,
                    "Upload-Checksum": checksum_header(sha256_hex),
                },
            )
        except requests.RequestException as error:
            raise Retryable(f"the connection failed: {error}") from error
        finally:
            body.close()
        if response.status_code == 401 and self.refresh is not None:
            self.headers.update(self.refresh())
            raise Retryable("the access token was refreshed", 401)
        new_offset = response.headers.get("Upload-Offset", "")
        _check_chunk_answer(response, url, accepted=new_offset.isdigit())
        return int(new_offset)

    def probe(self, url: str, offset: int) -> None:
        """An empty PATCH at `offset`: whether a chunk may be written now. After a failure the
        request that was cut may still hold the upload on the server (409 until it notices,
        or its lease runs out): asking with no body costs a round trip, where sending the
        next chunk to be refused would cost the chunk."""
        try:
            response = self.request(
                "PATCH",
                url,
                headers={"Upload-Offset": str(offset), "Content-Type": CHUNK_CONTENT_TYPE},
            )
        except requests.RequestException as error:
            raise Retryable(f"the connection failed: {error}") from error
        _check_chunk_answer(response, url)

    def terminate(self, url: str) -> None:
        """DELETE: end the upload and let the server forget its bytes."""
        self.request("DELETE", url)


class Uploader:
    """Sends a file from the server's offset to its end, chunk by chunk, retrying failures
    that may pass. `retries` is how many failures in a row are borne (a chunk that goes
    through starts the count again), with `delays` between attempts (the last one repeats)."""

    def __init__(
        self,
        tus: TusSession,
        path: str,
        digests: FileDigests,
        *,
        retries: int = 8,
        delays: Iterable[float] = DEFAULT_DELAYS,
        on_offset: Callable[[int], None] | None = None,
        on_sent: Callable[[int], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.tus = tus
        self.path = path
        self.digests = digests
        self.retries = retries
        self.delays = tuple(delays) or (0.0,)
        self.on_offset = on_offset
        self.on_sent = on_sent
        self.sleep = sleep
        self.last_failure = ""

    def _chunk(self, offset: int) -> tuple:
        """The next chunk from `offset`: its length and sha256. Up to the next chunk boundary
        (a whole chunk, hashed in the first pass, unless the offset lies inside one)."""
        size = self.digests.size
        chunk_size = self.digests.chunk_size
        end = min(size, (offset // chunk_size + 1) * chunk_size)
        known = self.digests.chunk(offset)
        return end - offset, known if known is not None else hash_range(
            self.path, offset, end - offset
        )

    def _wait(self, failures: int) -> None:
        self.sleep(self.delays[min(failures - 1, len(self.delays) - 1)])

    def run(self, url: str, offset: int | None = None) -> None:
        """Send what the server lacks (`offset`: already known, else asked)."""
        failures = 0
        while True:
            try:
                if offset is None:
                    offset = self.tus.offset(url)
                    if self.on_offset is not None:
                        self.on_offset(offset)
                    if failures and offset < self.digests.size:
                        self.tus.probe(url, offset)
                if offset >= self.digests.size:
                    return
                length, sha256_hex = self._chunk(offset)
                body = FileSlice(self.path, offset, length, progress=self.on_sent)
                offset = self.tus.patch(url, offset, body, sha256_hex)
                if self.on_offset is not None:
                    self.on_offset(offset)
                failures = 0
            except Retryable as failure:
                failures += 1
                self.last_failure = failure.reason
                if failure.status == 460:
                    self._check_unchanged(offset)
                if failures > self.retries:
                    raise UploadFailed(
                        f"gave up after {failures} failed attempts in a row (last: "
                        f"{failure.reason})",
                        url=url,
                        status=failure.status,
                    ) from None
                self._wait(failures)
                offset = None

    def _check_unchanged(self, offset: int | None) -> None:
        """A chunk refused for its checksum: damaged on the way (try again), or the file on
        disk is no longer the one hashed (stop: resending cannot help)."""
        if offset is None:
            return
        length, expected = self._chunk(offset)
        if hash_range(self.path, offset, length) != expected:
            raise FileChanged(
                f"{self.path} changed while it was being uploaded (the bytes at {offset} are "
                "not those hashed before the upload began): upload it again once it is "
                "finished being written."
            )
