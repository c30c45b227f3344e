"""The tus headers (resumable/tus.py) and the resumable SHA-256 (kitsufiles/resumable_sha256.py):
plain Python, no database."""

import base64
import hashlib
import os
from datetime import UTC, datetime

import pytest

from kitsufiles.resumable_sha256 import STATE_SIZE, ResumableSha256, available
from resumable import tus


def test_metadata_round_trip():
    values = {"filename": "shot 010 — v003.mov", "filetype": "video/quicktime", "empty": ""}
    header = tus.format_metadata(values)
    assert "empty" in header.split(",")
    assert tus.parse_metadata(header) == values
    assert tus.parse_metadata(None) == {} == tus.parse_metadata("  ")
    # As tuspy and tus-js-client send it: pairs separated by commas, maybe with spaces.
    sent = f"filename {base64.b64encode(b'a.exr').decode()}, is_sequence"
    assert tus.parse_metadata(sent) == {"filename": "a.exr", "is_sequence": ""}


@pytest.mark.parametrize(
    "header",
    [
        "filename a b",
        "filename !!!",
        "a,,b",
        "k\u00e9y YQ==",
        "a YQ==,a YQ==",
        "f " + base64.b64encode(b"\xff").decode(),
    ],
)
def test_malformed_metadata(header):
    with pytest.raises(tus.ProtocolError):
        tus.parse_metadata(header)


def test_checksum_header():
    digest = hashlib.sha256(b"chunk").digest()
    parsed = tus.parse_checksum(f"SHA256 {base64.b64encode(digest).decode()}")
    assert parsed == tus.ChunkChecksum("sha256", digest)
    hasher = parsed.hasher()
    hasher.update(b"chunk")
    assert hasher.digest() == digest
    assert tus.parse_checksum(None) is None
    for bad in ("sha256", "crc32 AAAA", "sha256 ***", "sha1 " + base64.b64encode(digest).decode()):
        with pytest.raises(tus.ProtocolError):
            tus.parse_checksum(bad)


def test_lengths_and_sha256():
    assert tus.parse_length(" 42 ", "Upload-Length") == 42
    assert tus.parse_length(None, "Upload-Length") is None
    for bad in ("-1", "1.5", "", "٣"):
        with pytest.raises(tus.ProtocolError):
            tus.parse_length(bad, "Upload-Offset")
    assert tus.parse_sha256_hex("AB" * 32) == "ab" * 32
    for bad in ("ab" * 31, "zz" * 32):
        with pytest.raises(tus.ProtocolError):
            tus.parse_sha256_hex(bad)


def test_http_date():
    assert tus.http_date(datetime(2026, 12, 5, 8, 49, 37, tzinfo=UTC)) == (
        "Sat, 05 Dec 2026 08:49:37 GMT"
    )


def test_the_hash_goes_on_from_a_saved_state():
    """Saved after any number of bytes (a block boundary or not), taken up again by a new
    object (another request, another machine), it gives hashlib's digest."""
    assert available() is None
    data = os.urandom(3 * 65536 + 17)
    cuts = [0, 1, 63, 64, 65, 1000, 65536, 2 * 65536 + 5, len(data)]
    for first, second in zip(cuts, cuts[1:], strict=False):
        hasher = ResumableSha256()
        hasher.update(data[:first])
        state = hasher.state()
        assert len(state) == STATE_SIZE
        resumed = ResumableSha256.from_state(state)
        resumed.update(data[first:second])
        resumed = ResumableSha256.from_state(bytes(resumed.state()))
        resumed.update(data[second:])
        assert resumed.hexdigest() == hashlib.sha256(data).hexdigest()
        # Reading the digest does not end the hash.
        resumed.update(b"more")
        assert resumed.hexdigest() == hashlib.sha256(data + b"more").hexdigest()
    assert ResumableSha256().hexdigest() == hashlib.sha256(b"").hexdigest()
    with pytest.raises(ValueError):
        ResumableSha256(b"short")
