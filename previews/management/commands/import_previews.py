"""Attach a folder of movies and pictures to the project's tasks by their file names, and
queue their processing (docs/batch-imports.md#import_previews).

    python manage.py import_previews /mnt/dailies --project "Big Buck Bunny"
    python manage.py import_previews /mnt/dailies --project BBB \\
        --pattern "{sequence}_{entity}_{task_type}_v{revision}.{ext}" --task-status wfa
    python manage.py import_previews /mnt/dailies --project BBB --dry-run

Each file becomes a comment with a preview on its task. A file already attached (same task,
original name and revision) is skipped, so a second run attaches only new files. Files that
match nothing, or several tasks, are listed and skipped. The jobs run in the qcluster.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from kitsufiles.commands import BatchCommand
from previews.name_patterns import DEFAULT_PATTERN
from previews.services import imports
from production.selectors import project_named

# The outcomes the command lists, in the order of the summary.
OUTCOMES = (
    ("attached", "attached"),
    ("attach", "attached"),  # what --dry-run would attach
    ("already", "already attached, skipped"),
    ("unmatched", "matching no task, skipped"),
    ("ambiguous", "ambiguous, skipped"),
    ("conflict", "refused (revision taken), skipped"),
    ("failed", "failed"),
)


class Command(BatchCommand):
    help = "Attach movies and pictures to tasks by their file names and queue their processing."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("folder", help="the folder of movies and pictures (walked whole)")
        parser.add_argument("--project", required=True, help="the project's name or id")
        parser.add_argument(
            "--pattern",
            default=DEFAULT_PATTERN,
            help="how a file name reads: placeholders {entity} {task_type} {ext} (required), "
            f"{{revision}} {{sequence}} {{episode}} (default: {DEFAULT_PATTERN})",
        )
        parser.add_argument(
            "--task-status",
            help="the status the comments set (short name or name; default: keep the task's)",
        )
        parser.add_argument(
            "--author", help="e-mail of the comments' author (default: the oldest active admin)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Every refusal of the input comes before the first file is touched.
        pattern = imports.checked_pattern(options["pattern"])
        folder = imports.checked_folder(options["folder"])
        project = project_named(options["project"])
        task_status = imports.checked_task_status(options["task_status"])
        author = imports.checked_author(options["author"])
        dry_run = bool(options["dry_run"])
        files = imports.media_files(folder)
        counts = dict.fromkeys((outcome for outcome, _ in OUTCOMES), 0)
        with self.progress() as progress:
            bar = progress.add_task("Importing previews", total=len(files))
            for placed in imports.import_previews(
                project=project,
                files=files,
                pattern=pattern,
                author=author,
                task_status=task_status,
                dry_run=dry_run,
            ):
                counts[placed.outcome] += 1
                self.stdout.write(self._line(placed, folder))
                progress.advance(bar)
        self.summary(
            [f"{counts[outcome]} {meaning}" for outcome, meaning in OUTCOMES if counts[outcome]]
            or ["no files found"],
            dry_run=dry_run,
        )
        if not dry_run and counts["attached"]:
            self.stdout.write("The qcluster processes them (python manage.py qcluster).")

    def _line(self, placed: imports.Placed, folder: Path) -> str:
        name = placed.path.relative_to(folder)
        if placed.task is not None and placed.outcome in ("attach", "attached", "already"):
            revision = f" r{placed.revision}" if placed.revision is not None else ""
            target = f"{placed.task.entity.name} / {placed.task.task_type.name}{revision}"
            verb = {"attach": "would attach to", "attached": "attached to"}.get(placed.outcome)
            if verb is None:
                return f"{name}: already attached to {target}"
            return f"{name}: {verb} {target}"
        return f"{name}: {placed.outcome}: {placed.reason}"
