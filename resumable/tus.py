"""The tus 1.0 resumable upload protocol's headers, in plain Python (no Django).

What the server speaks (docs/resumable-uploads.md): core, creation, creation-with-upload,
termination, expiration, checksum. The protocol's texts are at https://tus.io/protocols/
resumable-upload (version 1.0.0); the parts used here are summed up where they are used.
"""

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any, Protocol

VERSION = "1.0.0"
EXTENSIONS = ("creation", "creation-with-upload", "termination", "expiration", "checksum")
# Checksum algorithms a chunk may declare (Upload-Checksum): sha256 is the one the issue asks
# for; sha1 and md5 are what common clients send (tuspy's `upload_checksum` is sha1).
CHECKSUM_ALGORITHMS = ("sha256", "sha1", "md5")
# The content type of a PATCH body (and of a POST that carries the first chunk).
CHUNK_CONTENT_TYPE = "application/offset+octet-stream"


class ProtocolError(ValueError):
    """A header that does not follow the protocol; its text says which and why."""


class ChunkHasher(Protocol):
    def update(self, data: bytes, /) -> None: ...

    def digest(self) -> bytes: ...


def parse_metadata(header: str | None) -> dict[str, str]:
    """`Upload-Metadata`: comma-separated pairs of a key and its base64 value (a key alone has
    an empty value). Keys are ASCII without spaces or commas, and unique; values are decoded
    as UTF-8."""
    metadata: dict[str, str] = {}
    if not header or not header.strip():
        return metadata
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        if len(parts) > 2 or not parts[0]:
            raise ProtocolError(f"Upload-Metadata: {pair.strip()!r} is not `key base64value`")
        key = parts[0]
        if not key.isascii() or key in metadata:
            raise ProtocolError(f"Upload-Metadata: the key {key!r} is not ASCII or is repeated")
        value = ""
        if len(parts) == 2:
            try:
                value = base64.b64decode(parts[1], validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise ProtocolError(
                    f"Upload-Metadata: the value of {key!r} is not base64 of UTF-8 text"
                ) from None
        metadata[key] = value
    return metadata


def format_metadata(metadata: dict[str, str]) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" if value else key
        for key, value in metadata.items()
    )


def parse_length(value: str | None, header: str) -> int | None:
    """A non-negative integer header (Upload-Length, Upload-Offset); None when absent."""
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit() or not value.isascii():
        raise ProtocolError(f"{header} must be a non-negative integer, not {value!r}")
    return int(value)


@dataclass(frozen=True)
class ChunkChecksum:
    """`Upload-Checksum: <algorithm> <base64 digest>` of a PATCH's body."""

    algorithm: str
    digest: bytes

    def hasher(self) -> ChunkHasher:
        return hashlib.new(self.algorithm)


def parse_checksum(header: str | None) -> ChunkChecksum | None:
    if header is None:
        return None
    parts = header.strip().split(" ")
    if len(parts) != 2:
        raise ProtocolError("Upload-Checksum must be `<algorithm> <base64 digest>`")
    algorithm = parts[0].lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise ProtocolError(
            f"Upload-Checksum: the algorithm {parts[0]!r} is not supported "
            f"(Tus-Checksum-Algorithm: {','.join(CHECKSUM_ALGORITHMS)})"
        )
    try:
        digest = base64.b64decode(parts[1], validate=True)
    except binascii.Error:
        raise ProtocolError("Upload-Checksum: the digest is not base64") from None
    if len(digest) != hashlib.new(algorithm).digest_size:
        raise ProtocolError(f"Upload-Checksum: that is not a {algorithm} digest (wrong length)")
    return ChunkChecksum(algorithm, digest)


def parse_sha256_hex(value: str) -> str:
    """The whole file's sha256 a client declares (the metadata key `sha256`): 64 hex digits,
    returned in lower case."""
    lowered = value.strip().lower()
    if len(lowered) != 64 or any(c not in "0123456789abcdef" for c in lowered):
        raise ProtocolError("the sha256 of Upload-Metadata must be 64 hexadecimal digits")
    return lowered


def http_date(moment: datetime) -> str:
    """Upload-Expires is an HTTP date (RFC 9110: `Sun, 06 Nov 1994 08:49:37 GMT`)."""
    return format_datetime(moment, usegmt=True)


def discovery_headers(max_size: int | None) -> dict[str, Any]:
    """What an OPTIONS request learns: the versions, extensions and limits of the server."""
    headers = {
        "Tus-Version": VERSION,
        "Tus-Extension": ",".join(EXTENSIONS),
        "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
    }
    if max_size is not None:
        headers["Tus-Max-Size"] = str(max_size)
    return headers
