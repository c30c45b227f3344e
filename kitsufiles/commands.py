"""What every batch command shares (imports, checks, upkeep: import_tree, import_production,
import_previews, verify_checksums): `--dry-run`, a progress display on stderr, a summary on
stdout, and a domain error turned into a clear message and a non-zero exit.

A command is a thin wrapper over services: it parses its arguments, calls them inside
`self.progress(...)`, and prints what they report. With `--dry-run` the services are asked to
work out everything and write nothing (each command says how).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from kitsufiles.errors import DomainError


class BatchCommand(BaseCommand):
    """A management command that works through many items and reports what it did."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="work everything out and report it, write nothing",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress display")

    def execute(self, *args: Any, **options: Any) -> str | None:
        self.no_progress = bool(options.get("no_progress"))
        try:
            return super().execute(*args, **options)
        except DomainError as error:
            # The same words a client of the API reads, as the command's error.
            raise CommandError(error.message or error.kind.value) from error

    @contextmanager
    def progress(self) -> Iterator[Progress]:
        """A progress display on stderr (stdout keeps the findings and the summary, so they
        can be piped): a bar per task (`progress.add_task(description, total=...)`), hidden
        with --no-progress or when stderr is not a terminal."""
        console = Console(stderr=True)
        disable = self.no_progress or not console.is_terminal
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=disable,
        ) as progress:
            yield progress

    def summary(self, lines: list[str], *, dry_run: bool) -> None:
        """The closing lines: what was (or, with --dry-run, would have been) done."""
        heading = "Dry run: nothing was written. It would have:" if dry_run else "Done:"
        self.stdout.write(self.style.SUCCESS(heading))
        for line in lines:
            self.stdout.write(f"  {line}")
