from django.db.models import Max

from production.models import Task
from working_files.models import WorkingFile


def next_revision(task: Task, name: str) -> int:
    """1 + the highest revision of the task's `name` line, or 1 for a new line."""
    last = WorkingFile.objects.filter(task=task, name=name).aggregate(last=Max("revision"))
    return (last["last"] or 0) + 1
