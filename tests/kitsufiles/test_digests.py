"""kitsufiles/digests.py: the whole file's sha256 as a client states it (Repr-Digest, Digest,
a `sha256` field), and the check. Pure: no database, no request."""

import base64
import hashlib

import pytest

from kitsufiles import digests
from kitsufiles.errors import ChecksumMismatch, Kind, MalformedDigest

CONTENT = b"scene file bytes\n" * 100
HEX = hashlib.sha256(CONTENT).hexdigest()
B64 = base64.b64encode(hashlib.sha256(CONTENT).digest()).decode()
SHA512_B64 = base64.b64encode(hashlib.sha512(CONTENT).digest()).decode()
MD5_B64 = base64.b64encode(hashlib.md5(CONTENT).digest()).decode()


# Repr-Digest (RFC 9530)


@pytest.mark.parametrize(
    "value",
    [
        f"sha-256=:{B64}:",
        f"  sha-256=:{B64}:  ",
        f"sha-512=:{SHA512_B64}:, sha-256=:{B64}:",
        f"sha-256=:{B64}:;note=1, unixsum=42",
        f'md5=:{MD5_B64}:,sha-256=:{B64}:, adler=?1, x="a \\" b", y=(1 2), z=tok/en',
        f"sha-256=:{B64}:,sha-512=:{SHA512_B64}:",
    ],
)
def test_repr_digest_gives_the_sha256(value):
    assert digests.sha256_from_repr_digest(value) == HEX


@pytest.mark.parametrize(
    "value", [f"sha-512=:{SHA512_B64}:", "unixsum=42", f"md5=:{MD5_B64}:, adler"]
)
def test_repr_digest_of_other_algorithms_only_is_ignored(value):
    assert digests.sha256_from_repr_digest(value) is None
    assert digests.expected_sha256(repr_digest=value) is None


@pytest.mark.parametrize(
    "value",
    [
        f"sha-256={B64}",  # not a byte sequence (RFC 3230's way in the RFC 9530 field)
        f"sha-256=:{B64}",  # not closed
        "sha-256=:bm90IGEgc2hhMjU2:",  # base64 of 15 bytes
        "sha-256=:***:",  # not base64
        f"SHA-256=:{B64}:",  # keys are lower-case in Structured Fields
        f"sha-256=:{B64}:,",  # a trailing comma
        f"sha-256=:{B64}: sha-512=:{SHA512_B64}:",  # no comma between members
        'x="never closed',
        "=:abc:",
        "sha-256=",
    ],
)
def test_malformed_repr_digest_is_refused(value):
    with pytest.raises(MalformedDigest) as raised:
        digests.sha256_from_repr_digest(value)
    assert raised.value.kind is Kind.INVALID
    assert "Repr-Digest cannot be read" in str(raised.value.message)


# Digest (RFC 3230)


@pytest.mark.parametrize(
    "value",
    [
        f"SHA-256={B64}",
        f"sha-256={B64}",
        f"MD5={MD5_B64}, SHA-256={B64}",
        f"SHA-256={B64},SHA-512={SHA512_B64}",
    ],
)
def test_digest_gives_the_sha256(value):
    assert digests.sha256_from_digest(value) == HEX


def test_digest_of_other_algorithms_only_is_ignored():
    assert digests.sha256_from_digest(f"SHA-512={SHA512_B64}, MD5={MD5_B64}") is None


@pytest.mark.parametrize(
    "value",
    [
        "SHA-256",
        f"SHA-256=:{B64}:",  # RFC 9530's byte sequence in the RFC 3230 field
        "SHA-256=bm90IGEgc2hhMjU2",
        f"SHA-256={HEX}",  # hex is not what RFC 5843 says
        f"SHA-256={B64}, sha-256={base64.b64encode(bytes(32)).decode()}",
    ],
)
def test_malformed_digest_is_refused(value):
    with pytest.raises(MalformedDigest):
        digests.sha256_from_digest(value)


# The form field and what a request states as a whole


def test_the_field_is_hex_in_either_case():
    assert digests.expected_sha256(form_sha256=[HEX.upper()]) == HEX
    assert digests.expected_sha256(form_sha256=[f" {HEX} "]) == HEX


@pytest.mark.parametrize("value", ["", HEX[:-1], HEX + "0", "z" * 64, B64])
def test_a_field_that_is_not_a_sha256_is_refused(value):
    with pytest.raises(MalformedDigest):
        digests.expected_sha256(form_sha256=[value])


def test_nothing_stated_is_nothing_to_check():
    assert digests.expected_sha256() is None
    assert digests.expected_sha256(repr_digest="", digest=" ") is None
    digests.verify_sha256(expected=None, received=HEX)


def test_every_way_agreeing_gives_the_sha256():
    stated = digests.expected_sha256(
        repr_digest=f"sha-256=:{B64}:", digest=f"SHA-256={B64}", form_sha256=[HEX, HEX]
    )
    assert stated == HEX


@pytest.mark.parametrize(
    "ways",
    [
        {"repr_digest": f"sha-256=:{B64}:", "form_sha256": ["0" * 64]},
        {
            "digest": f"SHA-256={B64}",
            "repr_digest": f"sha-256=:{base64.b64encode(bytes(32)).decode()}:",
        },
        {"form_sha256": [HEX, "0" * 64]},
    ],
)
def test_ways_that_disagree_are_refused(ways):
    with pytest.raises(MalformedDigest):
        digests.expected_sha256(**ways)


# The check


def test_the_same_sha256_passes():
    digests.verify_sha256(expected=HEX.upper(), received=HEX)


def test_a_different_sha256_is_a_mismatch_naming_both():
    other = hashlib.sha256(b"other").hexdigest()
    with pytest.raises(ChecksumMismatch) as raised:
        digests.verify_sha256(expected=other, received=HEX)
    error = raised.value
    assert error.kind is Kind.INVALID
    assert error.extra == {"declared_sha256": other, "received_sha256": HEX}
    assert other in str(error.message) and HEX in str(error.message)
    assert "does not match its declared checksum" in str(error.message)
    assert "send it" in str(error.message)
