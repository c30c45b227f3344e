from django.core.management.base import BaseCommand, CommandError

from production import services


class Command(BaseCommand):
    help = "Create an admin (studio manager) who can log in with EMAIL and PASSWORD."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--password", required=True)

    def handle(self, *args, email, password, **options):
        if "@" not in email:
            raise CommandError(f"{email!r} is not an e-mail address: the admin logs in with it.")
        if not password:
            raise CommandError("Give a non-empty --password.")
        person, created = services.create_admin(email=email, password=password)
        verb = "Created" if created else "Updated existing"
        self.stdout.write(self.style.SUCCESS(f"{verb} admin {person.email}."))
