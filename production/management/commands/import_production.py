"""import_production FILE --project P: episodes, sequences, shots, assets and tasks from a
CSV (Kitsu's export columns) or JSON file (docs/batch-imports.md#import_production)."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from kitsufiles.commands import BatchCommand
from production import imports, selectors
from production.models import Project


class Command(BatchCommand):
    help = (
        "Create or update episodes, sequences, shots, assets and their tasks from a CSV or "
        "JSON file, matching existing rows by name. CSV headers (any case): a shot file has "
        "Episode (optional), Sequence, Name, Description, Nb Frames, Frame In, Frame Out, FPS; "
        "an asset file has Episode (optional), Type, Name, Description; any other column is a "
        "task type whose cells are task statuses (an empty cell: no task). JSON: a list of "
        "objects with kind (episode, sequence, shot, asset), name, episode, sequence, type, "
        "description, nb_frames, frame_in, frame_out, fps, data and tasks. Every line is "
        "checked first: a bad line is reported with its number and nothing is written. "
        "See docs/batch-imports.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV or JSON file")
        parser.add_argument("--project", required=True, help="the project's name or id")
        parser.add_argument(
            "--format",
            choices=("csv", "json"),
            help="the file's format (default: json for a .json file, csv otherwise)",
        )
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        dry_run = bool(options["dry_run"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        project = selectors.project_named(options["project"])
        try:
            plan = self.import_file(path, project, options["format"], dry_run=dry_run)
        except OSError as error:
            raise CommandError(f"{path} cannot be read: {error.strerror or error}.") from error
        if not plan.writes:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Nothing to change: {project.name} already matches {path.name}."
                )
            )
            for line in imports.describe_counts(plan):
                self.stdout.write(f"  {line}")
            return
        self.summary(imports.describe_counts(plan), dry_run=dry_run)

    def import_file(
        self, path: Path, project: Project, file_format: str | None, *, dry_run: bool
    ) -> imports.ImportPlan:
        with self.progress() as progress:
            reading = progress.add_task(f"Reading {path.name}", total=None)
            source = imports.read_production_file(
                path,
                file_format=file_format,
                on_row=lambda: progress.advance(reading),
            )
            checking = progress.add_task("Checking", total=len(source.rows))
            plan = imports.plan_import(project, source, on_row=lambda: progress.advance(checking))
            if not dry_run and plan.writes:
                writing = progress.add_task("Writing", total=plan.writes)
                imports.write_import(plan, on_write=lambda: progress.advance(writing))
        return plan
