"""The run of `prune_storage` on one alias: stored files no row refers to (orphans), leftovers
of uploads and jobs, and rows whose content is missing (kitsufiles/stores/inventory.py says
who refers to what).

Rows are only reported, never changed. Orphans and leftovers are removed only when asked, and
only once older than the age limit: a file younger than that may belong to an upload in
flight or a job writing its outputs, whose row is not committed yet (an attachment is stored
before its row commits) or whose scratch folder is still in use. The bytes of a resumable
upload still alive (inventory.register_live_uploads) are kept whatever their age: a client
may come back to it days later (docs/decisions/resumable-storage.md).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from django.db import reset_queries
from django.utils import timezone

from kitsufiles.stores import inventory
from kitsufiles.stores.inventory import StoredFile, Verdict

DEFAULT_AGE = timedelta(hours=24)


class Kind(Enum):
    REFERENCED = "referenced"
    ORPHAN = "orphan"
    UNKNOWN = "unknown"  # a name no app registered: left alone
    LEFTOVER = "leftover"  # in a scratch folder, staged, an unfinished upload
    LIVE = "live"  # the bytes of a resumable upload still alive: kept
    MISSING = "missing"  # a row whose content is not stored


class Action(Enum):
    NONE = ""
    REMOVED = "removed"
    WOULD_REMOVE = "would be removed"
    TOO_RECENT = "kept: too recent"
    IN_PROGRESS = "kept: upload in progress"
    FAILED = "not removed"


@dataclass(frozen=True)
class Finding:
    kind: Kind
    alias: str
    name: str  # a storage name, a local path (leftovers), or a row (missing)
    size: int = 0
    modified: datetime | None = None
    action: Action = Action.NONE
    detail: str = ""  # why a removal failed; the missing names of a row


@dataclass
class Summary:
    """Counts and bytes of a run, by kind and by action."""

    counts: dict[tuple[str, Kind], list[int]] = field(default_factory=dict)
    actions: dict[tuple[str, Action], list[int]] = field(default_factory=dict)
    rows_checked: dict[str, int] = field(default_factory=dict)

    def add(self, finding: Finding) -> None:
        tally = self.counts.setdefault((finding.alias, finding.kind), [0, 0])
        tally[0] += 1
        tally[1] += finding.size
        if finding.action is not Action.NONE:
            done = self.actions.setdefault((finding.alias, finding.action), [0, 0])
            done[0] += 1
            done[1] += finding.size

    def count(self, alias: str, kind: Kind) -> tuple[int, int]:
        number, size = self.counts.get((alias, kind), (0, 0))
        return number, size

    def done(self, alias: str, action: Action) -> tuple[int, int]:
        number, size = self.actions.get((alias, action), (0, 0))
        return number, size


Progress = Callable[[str, int, int], None]  # (phase, files or rows, bytes) done since last call


def _nothing(phase: str, items: int, size: int) -> None:
    pass


def prune(
    alias: str,
    *,
    delete: bool,
    older_than: timedelta = DEFAULT_AGE,
    progress: Progress = _nothing,
    now: datetime | None = None,
) -> Iterator[Finding]:
    """Every finding on `alias`, as the walk goes: its stored files (referenced ones too, so
    that the summary counts them), the leftovers of its scratch folders, then its rows whose
    content is missing."""
    now = now or timezone.now()
    live = inventory.live_uploads()

    def settle(kind: Kind, stored: StoredFile) -> Finding:
        if kind is Kind.LEFTOVER and live.claims(stored):
            return Finding(Kind.LIVE, alias, stored.name, stored.size, stored.modified,
                           Action.IN_PROGRESS)  # fmt: skip
        if stored.modified > now - older_than:
            action = Action.TOO_RECENT
        elif not delete:
            action = Action.WOULD_REMOVE
        else:
            if stored.is_scratch and _touched_since(stored, now - older_than):
                return Finding(kind, alias, stored.name, stored.size, stored.modified,
                               Action.TOO_RECENT)  # fmt: skip
            try:
                inventory.remove(stored)
            except Exception as error:  # noqa: BLE001 (reported; the walk goes on)
                return Finding(kind, alias, stored.name, stored.size, stored.modified,
                               Action.FAILED, f"{type(error).__name__}: {error}")  # fmt: skip
            action = Action.REMOVED
        return Finding(kind, alias, stored.name, stored.size, stored.modified, action)

    def listed() -> Iterator[StoredFile]:
        for number, stored in enumerate(inventory.stored_files(alias), start=1):
            progress("listed", 1, stored.size)
            if number % inventory.BATCH == 0:
                # With DEBUG on, Django keeps the last 9,000 queries' SQL: a thousand ids each.
                reset_queries()
            yield stored

    for stored, verdict in inventory.classified(alias, listed()):
        if verdict is Verdict.REFERENCED:
            yield Finding(Kind.REFERENCED, alias, stored.name, stored.size, stored.modified)
        elif verdict is Verdict.ORPHAN:
            yield settle(Kind.ORPHAN, stored)
        elif verdict is Verdict.LEFTOVER:
            yield settle(Kind.LEFTOVER, stored)
        elif verdict is Verdict.UNKNOWN:
            yield Finding(Kind.UNKNOWN, alias, stored.name, stored.size, stored.modified)
        # Verdict.OTHER_ALIAS: the other alias's walk counts it
    for stored in inventory.scratch_files(alias):
        progress("leftovers", 1, stored.size)
        yield settle(Kind.LEFTOVER, stored)
    for stored in inventory.unfinished_uploads(alias):
        progress("unfinished uploads", 1, stored.size)
        yield settle(Kind.LEFTOVER, stored)
    for page in inventory.expectations(alias):
        for expected in page:
            lacking = inventory.missing(expected)
            if lacking is not None:
                yield Finding(Kind.MISSING, alias, expected.row, detail=", ".join(lacking.names))
        progress("rows", len(page), 0)
        reset_queries()


def _touched_since(stored: StoredFile, limit: datetime) -> bool:
    """Whether a leftover changed since it was listed (a job writing into its folder)."""
    assert stored.path is not None
    try:
        _size, newest = inventory.figures(stored.path)
    except FileNotFoundError:
        return False
    return inventory.as_time(newest) > limit
