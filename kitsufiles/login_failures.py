"""Counting failed log-ins, to slow down password guessing.

Two counters per failure: one for the e-mail that was tried (guessing one person's password
from many addresses) and one for the client address (trying many e-mails from one place).
Once a counter reaches its limit (settings.LOGIN_FAILURES_PER_ACCOUNT / _PER_ADDRESS), log-ins
it covers are refused until LOGIN_FAILURE_WINDOW seconds after its first failure; the
password is then not even checked, so a refused attempt teaches nothing. A successful log-in
clears the e-mail's counter, not the address's (one right password must not reset a spray).
Unknown e-mails count like known ones: the answer must not tell which accounts exist.
Zou has no such limit: docs/compatibility.md#authentication.

The counters live in Django's "default" cache. Its default backend is local memory, one per
process: with several web processes each counts on its own, which is why a production with
several processes sets REDIS_URL (see kitsufiles/settings.py).
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

_PREFIX = "login-failures"


def _key(kind: str, value: str) -> str:
    # Hashed: an e-mail may hold characters some cache backends refuse in keys.
    return f"{_PREFIX}:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def _keys(email: str, address: str) -> list[tuple[str, int]]:
    """(counter key, limit) of the counters enabled for this attempt."""
    pairs = [
        (_key("account", email.strip().lower()), settings.LOGIN_FAILURES_PER_ACCOUNT),
        (_key("address", address), settings.LOGIN_FAILURES_PER_ADDRESS),
    ]
    return [(key, limit) for key, limit in pairs if limit > 0]


def retry_after(email: str, address: str) -> int | None:
    """Seconds until a log-in for `email` from `address` may be tried again; None if it may
    be tried now."""
    window = settings.LOGIN_FAILURE_WINDOW
    now = time.time()
    waits: list[int] = []
    for key, limit in _keys(email, address):
        if (cache.get(key) or 0) >= limit:
            since = cache.get(f"{key}:since")
            left = window if since is None else since + window - now
            waits.append(max(1, math.ceil(left)))
    return max(waits) if waits else None


def record_failure(email: str, address: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW
    for key, _ in _keys(email, address):
        # The window starts at the first failure; both entries expire with it.
        cache.add(f"{key}:since", time.time(), window)
        if cache.add(key, 1, window):
            continue
        try:
            cache.incr(key)  # atomic on shared backends: concurrent failures all count
        except ValueError:  # expired between add and incr: this failure opens a new window
            cache.set(key, 1, window)


def clear_account(email: str) -> None:
    key = _key("account", email.strip().lower())
    cache.delete_many([key, f"{key}:since"])
