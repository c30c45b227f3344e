"""Row versions for optimistic concurrency: the `ETag` of a row's JSON answers and the check
of a write's `If-Match` (docs/compatibility.md#optimistic-concurrency).

A row's version is derived from its id and its `updated_at` to the microsecond. Every write of
a versioned row sets `updated_at` (Django's `auto_now` on `save()`, or an explicit value in
the queryset updates), so the tag changes with every write without a column of its own; the
writes that honour `If-Match` compare it under the row's lock, in the transaction that then
writes. The id is part of the hash so that one row's tag never passes for another's.

Framework-free: the HTTP side (reading the header, setting `ETag`) is
kitsufiles/api/conditional.py.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kitsufiles.errors import PreconditionFailed


class Versioned(Protocol):
    @property
    def pk(self) -> object: ...

    updated_at: datetime


def row_version(row: Versioned) -> str:
    """The row's current version: an opaque tag (the bare value, unquoted)."""
    state = f"{row.pk}|{row.updated_at.isoformat(timespec='microseconds')}"
    return hashlib.blake2b(state.encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class IfMatch:
    """What a request's `If-Match` accepts: any current version (`*`), or the listed ones."""

    tags: frozenset[str]
    any_version: bool = False

    def accepts(self, version: str) -> bool:
        return self.any_version or version in self.tags


def check_version(if_match: IfMatch | None, row: Versioned) -> None:
    """Refuse (PreconditionFailed, 412) a write whose `If-Match` does not name the row's
    current version. Without `If-Match` (None) every write goes through, as in Zou. Call it
    under the row's lock, before writing."""
    if if_match is not None and not if_match.accepts(row_version(row)):
        raise PreconditionFailed()
