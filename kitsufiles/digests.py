"""The whole file's sha256 as a client states it, and the check of the bytes received against it
(end-to-end integrity: docs/compatibility.md#upload-integrity).

A client says what it sends in one of three ways, read here and nowhere else:

- `Repr-Digest: sha-256=:<base64>:` (RFC 9530): a Structured Fields dictionary (RFC 8941)
  whose values are byte sequences;
- `Digest: SHA-256=<base64>` (RFC 3230, obsoleted by RFC 9530 but still what many tools send;
  algorithm names are case-insensitive);
- a form field `sha256` of the multipart body (hex), or the tus `Upload-Metadata` key `sha256`.

Only sha-256 is checked. A header naming other algorithms alone (`sha-512`, `md5`...) is
ignored, not refused: RFC 9530 §3 lets a recipient ignore algorithms it does not support. A
header that cannot be read, or a sha-256 value that is not 32 bytes, is refused
(`MalformedDigest`): a client that meant to be checked must not be silently unchecked.

Pure: no Django, no HTTP objects; callers hand over header values and field values.
"""

import base64
import binascii
import re
from collections.abc import Iterable

from kitsufiles.errors import ChecksumMismatch, MalformedDigest

SHA256_BYTES = 32

_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
# RFC 8941 §3.1.2 keys; a token's characters (§3.3.4) and an integer/decimal (§3.3.1/2).
_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_TOKEN = re.compile(r"[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*")
_NUMBER = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,3})?")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def sha256_from_hex(value: str, *, source: str) -> str:
    """A sha256 written in hex (64 digits, either case), as lower-case hex."""
    value = value.strip()
    if not _HEX_SHA256.fullmatch(value):
        raise MalformedDigest(source, "a sha256 is 64 hexadecimal digits")
    return value.lower()


def _from_base64(value: str, *, source: str) -> str:
    """A sha256 written in base64 (RFC 4648 §4, padded), as lower-case hex."""
    if not _BASE64.fullmatch(value):
        raise MalformedDigest(source, "the sha-256 value is not base64")
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise MalformedDigest(source, "the sha-256 value is not base64") from None
    if len(raw) != SHA256_BYTES:
        raise MalformedDigest(
            source, f"a sha-256 is {SHA256_BYTES} bytes, this value is {len(raw)}"
        )
    return raw.hex()


# ---------------------------------------------------------------------------------------------
# Repr-Digest (RFC 9530): a Structured Fields dictionary (RFC 8941 §3.2)


class _Parser:
    """Just enough of RFC 8941 to read a dictionary: every bare item type is understood (so
    an algorithm we do not check, whatever its value, does not make the field unreadable),
    parameters are read and dropped, inner lists are accepted and skipped."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.at = 0
        self.source = source

    def fail(self, why: str) -> MalformedDigest:
        return MalformedDigest(self.source, why)

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def skip(self, characters: str) -> None:
        while self.peek() and self.peek() in characters:
            self.at += 1

    def match(self, pattern: re.Pattern[str]) -> str:
        found = pattern.match(self.text, self.at)
        if found is None or not found.group():
            raise self.fail(f"unexpected {self.peek()!r} at {self.at}")
        self.at = found.end()
        return found.group()

    def bare_item(self) -> tuple[str, str | None]:
        first = self.peek()
        if first == ":":  # byte sequence
            end = self.text.find(":", self.at + 1)
            if end < 0:
                raise self.fail("a byte sequence is not closed")
            value = self.text[self.at + 1 : end]
            self.at = end + 1
            return ("bytes", value)
        if first == '"':  # string
            self.at += 1
            while True:
                char = self.peek()
                if not char:
                    raise self.fail("a string is not closed")
                self.at += 1
                if char == "\\":
                    if self.peek() not in ('"', "\\") or not self.peek():
                        raise self.fail("a bad escape in a string")
                    self.at += 1
                elif char == '"':
                    return ("string", None)
                elif not " " <= char <= "~":
                    raise self.fail("a string holds a character it may not")
        if first == "?":  # boolean
            if self.text[self.at + 1 : self.at + 2] not in ("0", "1"):
                raise self.fail("a boolean is ?0 or ?1")
            self.at += 2
            return ("boolean", None)
        if first == "-" or first.isdigit():
            self.match(_NUMBER)
            return ("number", None)
        if first == "*" or first.isalpha():
            self.match(_TOKEN)
            return ("token", None)
        raise self.fail(f"unexpected {first!r} at {self.at}" if first else "a value is missing")

    def parameters(self) -> None:
        while self.peek() == ";":
            self.at += 1
            self.skip(" ")
            self.match(_KEY)
            if self.peek() == "=":
                self.at += 1
                self.bare_item()

    def member_value(self) -> tuple[str, str | None]:
        if self.peek() == "(":  # an inner list: no algorithm's value is one; read and skip
            self.at += 1
            while True:
                self.skip(" ")
                if self.peek() == ")":
                    self.at += 1
                    break
                self.bare_item()
                self.parameters()
                if self.peek() not in (" ", ")"):
                    raise self.fail("an inner list is not closed")
            self.parameters()
            return ("list", None)
        item = self.bare_item()
        self.parameters()
        return item

    def dictionary(self) -> dict[str, tuple[str, str | None]]:
        members: dict[str, tuple[str, str | None]] = {}
        self.skip(" \t")
        while self.at < len(self.text):
            key = self.match(_KEY)
            if self.peek() == "=":
                self.at += 1
                members[key] = self.member_value()
            else:  # a key alone is boolean true
                self.parameters()
                members[key] = ("boolean", None)
            self.skip(" \t")
            if self.at >= len(self.text):
                break
            if self.peek() != ",":
                raise self.fail(f"unexpected {self.peek()!r} at {self.at}")
            self.at += 1
            self.skip(" \t")
            if self.at >= len(self.text):
                raise self.fail("a trailing comma")
        return members


def sha256_from_repr_digest(value: str) -> str | None:
    """The sha-256 of a `Repr-Digest` field value, as hex; None when it names only other
    algorithms. (Repeated fields arrive joined by commas, which is how a dictionary reads.)"""
    source = "Repr-Digest"
    members = _Parser(value, source).dictionary()
    if "sha-256" not in members:
        return None
    kind, encoded = members["sha-256"]
    if kind != "bytes":
        raise MalformedDigest(source, "the sha-256 value is not a byte sequence (:base64:)")
    return _from_base64(str(encoded), source=source)


# ---------------------------------------------------------------------------------------------
# Digest (RFC 3230 §4.3.2): `algorithm=value` pairs separated by commas


def sha256_from_digest(value: str) -> str | None:
    """The SHA-256 of a `Digest` field value (RFC 3230, with RFC 5843's base64 value), as hex;
    None when it names only other algorithms."""
    source = "Digest"
    found: set[str] = set()
    for element in value.split(","):
        element = element.strip()
        if not element:
            continue
        algorithm, equals, encoded = element.partition("=")
        if not equals or not algorithm.strip():
            raise MalformedDigest(source, f"{element!r} is not algorithm=value")
        if algorithm.strip().lower() == "sha-256":
            found.add(_from_base64(encoded.strip(), source=source))
    if len(found) > 1:
        raise MalformedDigest(source, "it gives two different sha-256 values")
    return found.pop() if found else None


# ---------------------------------------------------------------------------------------------
# What a request says, and the check


def expected_sha256(
    *,
    repr_digest: str | None = None,
    digest: str | None = None,
    form_sha256: Iterable[str] = (),
) -> str | None:
    """The whole file's sha256 (hex) a request states by its headers and form fields, or None
    when it states none. Ways that disagree with each other are refused: the client
    contradicts itself, and checking against either would be a guess."""
    stated: dict[str, str] = {}
    if repr_digest is not None and repr_digest.strip():
        value = sha256_from_repr_digest(repr_digest)
        if value is not None:
            stated["Repr-Digest"] = value
    if digest is not None and digest.strip():
        value = sha256_from_digest(digest)
        if value is not None:
            stated["Digest"] = value
    for field in form_sha256:
        value = sha256_from_hex(field, source="the sha256 field")
        stated.setdefault("the sha256 field", value)
        if stated["the sha256 field"] != value:
            raise MalformedDigest("the sha256 field", "it is given twice with different values")
    if len(set(stated.values())) > 1:
        raise MalformedDigest(
            " and ".join(stated), "they give different sha256 values for the same file"
        )
    return next(iter(stated.values()), None)


def verify_sha256(*, expected: str | None, received: str) -> None:
    """Refuse bytes whose sha256 (hex, computed while they arrived) is not the one the client
    stated (`expected`, hex; None: the client stated none, nothing to check). Raised before
    anything is committed, so the caller's previous state stays."""
    if expected is None:
        return
    if expected.lower() != received.lower():
        raise ChecksumMismatch(declared=expected.lower(), received=received.lower())
