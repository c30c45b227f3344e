"""Process broken or stuck previews again from their stored uploads.

    python manage.py requeue_previews                 # broken ones, and stuck ones
    python manage.py requeue_previews --stuck-after 10 # processing for more than 10 minutes
    python manage.py requeue_previews --id <uuid> --id <uuid>
    python manage.py requeue_previews --project "Big Buck Bunny"   # one project's only
    python manage.py requeue_previews --dry-run

The jobs run in the qcluster (`python manage.py qcluster`); each preview gets a fresh count
of attempts.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kitsufiles.errors import DomainError, NotFound
from kitsufiles.lookups import parse_id
from previews import queue, selectors, services
from previews.models import PreviewFile
from production.models import Project
from production.selectors import project_named


class Command(BaseCommand):
    help = "Re-queue the processing of broken previews and of previews stuck in processing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--id", action="append", default=[], help="only this preview (repeatable)"
        )
        parser.add_argument(
            "--stuck-after",
            type=int,
            metavar="MINUTES",
            help="a processing preview is stuck after this many minutes without news "
            "(default: the processing timeout plus the sweep's grace)",
        )
        parser.add_argument("--no-broken", action="store_true", help="leave broken previews")
        parser.add_argument(
            "--project", help="only previews of this project's tasks (its name or id)"
        )
        parser.add_argument("--dry-run", action="store_true", help="list, do not queue")

    def handle(self, *args, **options):
        previews = self._selected(options)
        if not previews:
            self.stdout.write("Nothing to re-queue.")
            return
        queued = skipped = 0
        for number, preview in enumerate(previews, start=1):
            label = f"[{number}/{len(previews)}] {preview.pk} ({preview.status}"
            label += f": {preview.broken_reason})" if preview.broken_reason else ")"
            if options["dry_run"]:
                self.stdout.write(f"{label} would be re-queued")
                continue
            if services.requeue(preview=preview):
                queued += 1
                self.stdout.write(f"{label} re-queued")
            else:
                skipped += 1
                self.stdout.write(f"{label} skipped: no stored upload to process")
        if not options["dry_run"]:
            self.stdout.write(
                self.style.SUCCESS(f"{queued} re-queued, {skipped} skipped.")
                + " The qcluster processes them (python manage.py qcluster)."
            )

    def _selected(self, options) -> list[PreviewFile]:
        project = self._project(options["project"])
        if options["id"]:
            try:
                ids = [parse_id(value) for value in options["id"]]
            except NotFound:  # a malformed id
                raise CommandError("--id takes preview ids (UUIDs).") from None
            found = list(selectors.in_project(selectors.with_ids(ids), project))
            missing = set(ids) - {preview.pk for preview in found}
            if missing:
                where = f" in project {project.name}" if project else ""
                raise CommandError(f"No preview with id {', '.join(map(str, missing))}{where}.")
            return found
        minutes = options["stuck_after"]
        seconds = minutes * 60 if minutes is not None else queue.lost_job_seconds()
        stuck = selectors.unfinished(stuck_before=timezone.now() - timedelta(seconds=seconds))
        previews = list(selectors.in_project(stuck, project).order_by("created_at"))
        if not options["no_broken"]:
            previews += list(selectors.in_project(selectors.broken(), project))
        return previews

    def _project(self, named: str | None) -> Project | None:
        if not named:
            return None
        try:
            return project_named(named)
        except DomainError as error:
            raise CommandError(error.message or error.kind.value) from error
