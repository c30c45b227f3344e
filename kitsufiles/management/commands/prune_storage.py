"""List (and with --delete remove) stored files that no row refers to, and list the rows whose
content is missing.

    python manage.py prune_storage                        # list only (the default)
    python manage.py prune_storage --alias previews
    python manage.py prune_storage --delete               # remove orphans older than 24 h
    python manage.py prune_storage --delete --older-than 2

Orphans are a working file's content whose row is gone, the media of deleted previews,
background files and attachments, the pictures of persons, projects and organisations
without `has_avatar`; leftovers are staged uploads, job scratch, S3 multipart uploads never
completed and the Swift segments of resumable uploads gone. Files younger than --older-than
hours are never removed (an upload in flight, a job writing its outputs), nor the bytes of a
resumable upload still alive, however old. Resumable uploads past their expiry are expired
first (with --delete; counted otherwise). Rows other than those are reported, never changed.
Names kitsufiles does not write are reported and left alone.
Progress goes to stderr, findings and the summary to stdout
(kitsufiles/stores/prune.py).
"""

import sys
from datetime import timedelta
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from kitsufiles.stores import inventory
from kitsufiles.stores.aliases import CONTENT_ALIASES
from kitsufiles.stores.objects import StoreUnavailable
from kitsufiles.stores.prune import Action, Finding, Kind, Summary, prune

SHOWN = (Kind.ORPHAN, Kind.UNKNOWN, Kind.LEFTOVER, Kind.LIVE, Kind.MISSING)


def size_text(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError


class _Bars:
    """One progress line per phase of an alias's walk: files (and bytes) listed, rows checked."""

    def __init__(self, progress: Progress, alias: str) -> None:
        self.progress = progress
        self.alias = alias
        self.tasks: dict[str, TaskID] = {}
        self.volumes: dict[str, int] = {}

    def __call__(self, phase: str, items: int, size: int) -> None:
        if phase not in self.tasks:
            unit = "rows checked" if phase == "rows" else "files"
            self.tasks[phase] = self.progress.add_task(
                f"{self.alias}: {phase}", unit=unit, volume=""
            )
            self.volumes[phase] = 0
        self.volumes[phase] += size
        volume = size_text(self.volumes[phase]) if phase != "rows" else ""
        self.progress.update(self.tasks[phase], advance=items, volume=volume)


class Command(BaseCommand):
    help = (
        "List stored files no row refers to (orphans), leftovers of uploads and jobs, and rows "
        "whose content is missing; with --delete, remove the orphans and leftovers older than "
        "--older-than hours (rows are never changed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--delete", action="store_true", help="remove the orphans (default: list only)"
        )
        parser.add_argument("--alias", choices=CONTENT_ALIASES, help="only this alias")
        parser.add_argument(
            "--older-than",
            type=float,
            default=24.0,
            metavar="HOURS",
            help="never remove a file younger than this (default: 24)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress display")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["older_than"] < 0:
            raise CommandError("--older-than takes a number of hours, 0 or more.")
        older_than = timedelta(hours=options["older_than"])
        aliases = [options["alias"]] if options["alias"] else list(CONTENT_ALIASES)
        summary = Summary()
        # Expired uploads first: their rows go, their sinks are aborted, and whatever an abort
        # could not remove is then a leftover of this same walk.
        expired = inventory.expire_uploads(delete=options["delete"])
        # Rich writes to the stream under Django's OutputWrapper (it needs a real file).
        stderr: IO[str] = getattr(self.stderr, "_out", sys.stderr)
        console = Console(file=stderr, highlight=False, soft_wrap=True)
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("{task.completed:,.0f} {task.fields[unit]}"),
            TextColumn("{task.fields[volume]}"),
            TimeElapsedColumn(),
            console=console,
            disable=options["no_progress"],
        ) as progress:
            for alias in aliases:
                advance = _Bars(progress, alias)
                try:
                    for finding in prune(
                        alias,
                        delete=options["delete"],
                        older_than=older_than,
                        progress=advance,
                    ):
                        summary.add(finding)
                        if finding.kind in SHOWN:
                            self._write_finding(finding)
                except StoreUnavailable as error:
                    raise CommandError(
                        f"The {alias!r} storage cannot be listed: {error.message} "
                        "Run check_storage to see what works."
                    ) from error
        self._write_summary(
            summary, aliases, deleting=options["delete"], hours=older_than, expired=expired
        )
        failed = sum(summary.done(alias, Action.FAILED)[0] for alias in aliases)
        if failed:
            raise CommandError(f"{failed} files could not be removed (see above).")

    def _write_finding(self, finding: Finding) -> None:
        if finding.kind is Kind.MISSING:
            line = f"missing   {finding.alias:<8} {finding.name}: {finding.detail} not stored"
            self.stdout.write(self.style.WARNING(line))
            return
        when = finding.modified.strftime("%Y-%m-%dT%H:%M:%S") if finding.modified else ""
        line = (
            f"{finding.kind.value:<9} {finding.alias:<8} {finding.name}  "
            f"{size_text(finding.size)}  {when}"
        )
        if finding.kind is Kind.UNKNOWN:
            line += "  (not a name kitsufiles writes: left alone)"
        elif finding.action is not Action.NONE:
            line += f"  ({finding.action.value})"
        if finding.detail:
            line += f": {finding.detail}"
        if finding.action is Action.FAILED:
            line = self.style.ERROR(line)
        self.stdout.write(line)

    def _write_summary(
        self,
        summary: Summary,
        aliases: list[str],
        *,
        deleting: bool,
        hours: timedelta,
        expired: int,
    ) -> None:
        def figures(number_and_size: tuple[int, int]) -> str:
            number, size = number_and_size
            return f"{number} ({size_text(size)})"

        limit = f"{hours.total_seconds() / 3600:g} h"
        self.stdout.write("Summary:")
        if deleting:
            self.stdout.write(f"  resumable uploads expired: {expired}")
        else:
            line = f"  resumable uploads past their expiry: {expired} (--delete expires them)"
            self.stdout.write(line)
        for alias in aliases:
            listed = [summary.count(alias, kind) for kind in (Kind.REFERENCED, Kind.ORPHAN,
                                                              Kind.UNKNOWN)]  # fmt: skip
            total = (sum(n for n, _ in listed), sum(s for _, s in listed))
            removed = summary.done(alias, Action.REMOVED)
            pending = summary.done(alias, Action.WOULD_REMOVE)
            lines = [
                f"stored files {figures(total)}: referenced {figures(listed[0])}, "
                f"orphans {figures(listed[1])}, unknown {figures(listed[2])}",
                f"leftovers of uploads and jobs {figures(summary.count(alias, Kind.LEFTOVER))}",
                f"bytes of live resumable uploads, kept {figures(summary.count(alias, Kind.LIVE))}",
                f"younger than {limit}, kept {figures(summary.done(alias, Action.TOO_RECENT))}",
                f"removed (orphans and leftovers) {figures(removed)}"
                if deleting
                else f"would be removed with --delete {figures(pending)}",
                f"rows whose content is missing: {summary.count(alias, Kind.MISSING)[0]}",
            ]
            failed = summary.done(alias, Action.FAILED)
            if failed[0]:
                lines.append(f"could not be removed {figures(failed)}")
            self.stdout.write(f"  {alias}:")
            for line in lines:
                self.stdout.write(f"    {line}")
