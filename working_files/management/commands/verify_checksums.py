"""Re-hash the stored content of working files and report what does not match its row.

    python manage.py verify_checksums                    # every working file, report only
    python manage.py verify_checksums --project "Big Buck Bunny"
    python manage.py verify_checksums --fix              # record the stored bytes' checksum

Exits 1 when a mismatch, missing content or a store that did not answer was found (or fixed),
so that cron or CI can alert; the findings are on stdout. Report-only by default: the row's
checksum is the one measured when the bytes were uploaded, so a mismatch more likely means the
stored bytes changed (bit rot, a restore gone wrong, someone writing into the bucket) than that
the row is wrong, and `--fix` would bless the damaged bytes
(docs/batch-imports.md#verify_checksums).
"""

from typing import Any

from django.core.management.base import CommandError, CommandParser

from kitsufiles.commands import BatchCommand
from production.selectors import project_named
from working_files import selectors, services
from working_files.models import WorkingFile

# What each of the report's lists means on the command's output.
FINDINGS = (
    ("mismatched", "checksum or size differs from the stored bytes"),
    ("fixed", "recorded the stored bytes' size and checksum"),
    ("missing", "content recorded but not stored"),
    ("unavailable", "the store did not answer"),
    ("changed", "an upload replaced the content while it was read: not checked"),
)
PROBLEMS = ("mismatched", "fixed", "missing", "unavailable")


class Command(BatchCommand):
    help = "Re-hash stored working-file content; report mismatches and missing content."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--project", help="only this project's working files (name or id)")
        parser.add_argument(
            "--fix",
            action="store_true",
            help="record the stored bytes' size and checksum on mismatching rows",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = project_named(options["project"]) if options["project"] else None
        dry_run = bool(options["dry_run"])
        fix = bool(options["fix"]) and not dry_run  # --dry-run: report what --fix would do
        rows = selectors.to_verify(project)
        with self.progress() as progress:
            bar = progress.add_task("Re-hashing working files", total=rows.count())
            report = services.recompute_checksums(
                rows, fix=fix, on_checked=lambda _row: progress.advance(bar)
            )
        for outcome, meaning in FINDINGS:
            for row in getattr(report, outcome):
                self.stdout.write(f"{outcome}: {_label(row)}: {meaning}")
        lines = [
            f"checked {report.checked} working files",
            f"{len(report.unchanged)} as recorded",
            f"{len(report.no_content)} without stored content (a path only)",
        ]
        if fix:
            lines.append(f"{len(report.fixed)} fixed")
        else:
            lines.append(f"{len(report.mismatched)} mismatched")
        lines += [
            f"{len(report.missing)} missing content",
            f"{len(report.unavailable)} not read (store unavailable)",
        ]
        self.summary(lines, dry_run=dry_run)
        problems = sum(len(getattr(report, outcome)) for outcome in PROBLEMS)
        if problems:
            raise CommandError(f"{problems} working files need attention.", returncode=1)


def _label(row: WorkingFile) -> str:
    return f"{row.pk} ({row.name} r{row.revision})"
