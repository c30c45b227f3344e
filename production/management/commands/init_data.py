from django.core.management.base import BaseCommand

from production import services


class Command(BaseCommand):
    help = (
        "Create Zou's default data: the organisation, project statuses Open/Closed, task "
        "statuses (Todo is the default), asset and task types, departments and the "
        "'To review' file status. Safe to run again: existing rows are kept."
    )

    def handle(self, *args, **options):
        created = services.ensure_default_data()
        summary = ", ".join(f"{count} {kind}" for kind, count in created.items() if count)
        self.stdout.write(self.style.SUCCESS(f"Default data ready ({summary or 'nothing new'})."))
