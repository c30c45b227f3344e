"""Import a folder of a studio's files as working or output file revisions, placed by the
project's file tree (issue 19; output_files/imports.py and working_files/imports.py).

    python manage.py import_tree /mnt/prod --project "Cosmos Landromat"
    python manage.py import_tree /mnt/prod/export --project P --mode output --dry-run
    python manage.py import_tree /mnt/prod --project P --upload   # the content too

ROOT stands for the root of the mode in the tree (its mountpoint and root): the folder whose
children are the `<Project>` folders. Each file that cannot be placed is printed with why
(unplaceable, ambiguous, conflict with an existing revision), then a summary. A second run
creates nothing. Choices and measures: docs/decisions/import-tree.md.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from file_trees.placing import MODES, Placer
from kitsufiles.commands import BatchCommand
from output_files.imports import OutputFileWriter
from production.selectors import project_named
from working_files import imports
from working_files.imports import Writer


class Command(BatchCommand):
    help = (
        "Create the working (or output) file revisions of the files under ROOT, placed by the "
        "project's file tree; list the files that cannot be placed and why."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("root", help="the folder of the tree's mode root")
        parser.add_argument("--project", required=True, help="the project, by id or name")
        parser.add_argument("--mode", choices=MODES, default="working")
        parser.add_argument(
            "--upload",
            action="store_true",
            help="store each file's content too (working mode), on the configured storage",
        )
        parser.add_argument(
            "--batch-size", type=int, default=imports.BATCH_SIZE, help="files per database round"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        root = Path(options["root"])
        if not root.is_dir():
            raise CommandError(f"{root} is not a folder.")
        mode, upload, dry_run = options["mode"], options["upload"], options["dry_run"]
        if upload and mode != "working":
            raise CommandError(
                "--upload stores working files' content: use it with --mode working."
            )
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        project = project_named(options["project"])
        software = imports.default_software(create=not dry_run) if mode == "working" else None
        placer = Placer(project, mode, default_software=software)
        writer: Writer = imports.WorkingFileWriter() if mode == "working" else OutputFileWriter()

        def report(kind: str, path: str, reason: str) -> None:
            self.stdout.write(f"{kind}: {path}: {reason}")

        with self.progress() as progress:
            bar = progress.add_task(f"import_tree {mode}", total=None)
            counts = imports.import_tree(
                root,
                placer,
                writer,
                dry_run=dry_run,
                upload=upload,
                batch_size=options["batch_size"],
                report=report,
                advance=lambda count: progress.advance(bar, count),
            )
        lines = counts.lines()
        if counts.placed and not counts.created and not counts.uploaded:
            lines.append("nothing new: every placed file's revision exists already")
        self.summary(lines, dry_run=dry_run)
