"""A SHA-256 whose state can be saved between requests and taken up again, on any machine.

A resumable upload arrives in chunks, one request each, maybe on different machines of the
cluster and across restarts, and the whole file's sha256 must be known when its last byte
arrives: to check it against the one the client declared, and to record it as the content's
checksum, as the multipart route does. `hashlib` cannot save its state (its objects cannot be
pickled), and hashing the stored bytes again at the end would read a multi-gigabyte file back
from the store (docs/decisions/resumable-uploads.md).

OpenSSL's own SHA-256 can: `SHA256_Init`, `SHA256_Update` and `SHA256_Final` work on a
`SHA256_CTX`, a plain structure of 112 bytes (eight 32-bit words of state, the bit count, the
64-byte block being filled and its fill), public in `openssl/sha.h` and the same on every
64-bit Linux. These functions are deprecated since OpenSSL 3.0 in favour of the EVP interface
(whose contexts are opaque), but every build of libcrypto 3 exports them; this is the same
library `hashlib` uses, at the same speed (about 1 GB/s here). `available()` says whether the
running libcrypto has them and computes the right digest; the resumable routes refuse to start
otherwise (kitsufiles/checks.py).
"""

import ctypes
import ctypes.util
from functools import cache
from typing import Any

STATE_SIZE = 112  # sizeof(SHA256_CTX)
_KNOWN = (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")


@cache
def _library() -> Any:
    name = ctypes.util.find_library("crypto")
    if name is None:
        raise OSError("OpenSSL's libcrypto was not found")
    library = ctypes.CDLL(name)
    library.SHA256_Init.argtypes = [ctypes.c_void_p]
    library.SHA256_Update.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    library.SHA256_Final.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    return library


class ResumableSha256:
    """hashlib's sha256 interface (update, hexdigest), plus `state()` and `from_state()`."""

    def __init__(self, state: bytes | None = None) -> None:
        self._library = _library()
        if state is None:
            self._context = ctypes.create_string_buffer(STATE_SIZE)
            if self._library.SHA256_Init(self._context) != 1:
                raise OSError("SHA256_Init failed")
        else:
            if len(state) != STATE_SIZE:
                raise ValueError(f"a SHA-256 state is {STATE_SIZE} bytes, not {len(state)}")
            self._context = ctypes.create_string_buffer(bytes(state), STATE_SIZE)

    @classmethod
    def from_state(cls, state: bytes) -> "ResumableSha256":
        return cls(state)

    def state(self) -> bytes:
        """The hash so far, to save; `from_state` goes on from it."""
        return self._context.raw

    def update(self, data: bytes) -> None:
        if data and self._library.SHA256_Update(self._context, data, len(data)) != 1:
            raise OSError("SHA256_Update failed")

    def hexdigest(self) -> str:
        """The digest of the bytes so far (the state itself is left as it is)."""
        context = ctypes.create_string_buffer(self._context.raw, STATE_SIZE)
        digest = ctypes.create_string_buffer(32)
        if self._library.SHA256_Final(digest, context) != 1:
            raise OSError("SHA256_Final failed")
        return digest.raw.hex()


def available() -> str | None:
    """None when resumable hashing works here, else why not."""
    try:
        hasher = ResumableSha256()
    except (OSError, AttributeError) as error:
        return str(error)
    data, expected = _KNOWN
    hasher = ResumableSha256(hasher.state())
    hasher.update(data)
    if hasher.hexdigest() != expected:
        return "OpenSSL's SHA256 functions give a wrong digest"
    return None
