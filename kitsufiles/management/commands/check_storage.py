"""Check that each content storage alias works: write, read back, range, save, delete.

    python manage.py check_storage                   # every alias, a 4 MiB test object
    python manage.py check_storage --large           # larger than a multipart part
    python manage.py check_storage --alias previews

Prints each step with its time, and what to do about a failure; exits with status 1 when a
step failed (kitsufiles/stores/probe.py).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kitsufiles.stores import probe
from kitsufiles.stores.aliases import CONTENT_ALIASES

STATUS = {True: "ok", False: "FAILED", None: "skipped"}


class Command(BaseCommand):
    help = (
        "Write a test object to each storage alias (files, previews) and each of its buckets, "
        "read it back and compare sha256, read a range, check its size, delete it and check "
        "it is gone. Exits with status 1 if any step fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--alias", choices=CONTENT_ALIASES, action="append", help="only this alias"
        )
        parser.add_argument(
            "--large",
            action="store_true",
            help=f"a test object of {probe.LARGE_SIZE // probe.MIB} MiB, larger than one "
            f"multipart part (default: {probe.SIZE // probe.MIB} MiB)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        size = probe.LARGE_SIZE if options["large"] else probe.SIZE
        failed: list[probe.Step] = []
        count = 0
        for alias in options["alias"] or CONTENT_ALIASES:
            self.stdout.write(
                f"The {alias!r} storage ({probe.describe(alias)}), "
                f"test object of {size / probe.MIB:.0f} MiB:"
            )
            for step in probe.check(alias, size=size):
                count += 1
                self._write_step(step)
                if step.ok is False:
                    failed.append(step)
        if failed:
            steps = ", ".join(f"{step.target} {step.name}" for step in failed)
            raise CommandError(f"{len(failed)} of {count} steps failed: {steps}.")
        self.stdout.write(self.style.SUCCESS(f"All {count} steps passed."))

    def _write_step(self, step: probe.Step) -> None:
        status = STATUS[step.ok]
        if step.ok is False:
            status = self.style.ERROR(f"{status:<7}")
        elif step.ok:
            status = self.style.SUCCESS(f"{status:<7}")
        else:
            status = self.style.WARNING(f"{status:<7}")
        timing = f"{step.seconds:8.3f} s" if step.ok is not None else " " * 10
        line = f"  {step.target:<18} {step.name:<7} {status} {timing}  {step.detail}"
        self.stdout.write(line.rstrip())
        if step.advice:
            self.stdout.write(f"      → {step.advice}")
