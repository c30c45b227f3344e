"""Schedule the sweep that gives previews whose job was lost another attempt (previews.jobs).

It runs in the qcluster like any job; with no cluster running nothing is processed anyway."""

from django.db import migrations

SWEEP = "previews.jobs.sweep_stuck_previews"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        func=SWEEP,
        defaults={
            "name": "Sweep previews stuck in processing",
            "schedule_type": "I",  # every `minutes`
            "minutes": 5,
            "repeats": -1,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=SWEEP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("previews", "0001_initial"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
