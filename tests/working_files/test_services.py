"""Revisions through the services and selectors, without HTTP."""

import datetime

import pytest
from django.utils import timezone

from tests.working_files.helpers import ARTIST, TREE_FILE, TREE_FOLDER, assignee_ids, make_file
from tests.zou_bodies import WORKING_FILE_EXISTS
from working_files import selectors, services
from working_files.errors import WorkingFileExists
from working_files.models import WorkingFile

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# Services and selectors (the working-file rows of Zou's test_files_service.py)


def test_the_revisions_of_a_task_come_newest_first(stage):
    for revision in (3, 1, 5, 2, 4):
        make_file(stage.task, "main", revision)
    revisions = [wf.revision for wf in selectors.revisions_of_task(stage.task)]
    assert revisions == [5, 4, 3, 2, 1]


def test_the_last_revision_is_read_per_name_and_per_task(stage):
    for revision in range(1, 6):
        make_file(stage.task, "main", revision)
    for revision in range(1, 4):
        make_file(stage.task, "hotfix", revision)
    make_file(stage.modeling_task, "main", 9)
    last = {wf.name: wf.revision for wf in selectors.last_revisions_of_task(stage.task)}
    assert last == {"main": 5, "hotfix": 3}
    other = {wf.name: wf.revision for wf in selectors.last_revisions_of_task(stage.modeling_task)}
    assert other == {"main": 9}


def test_the_next_revision_follows_the_last_one_of_the_name(stage):
    make_file(stage.task, "main", 1)
    make_file(stage.task, "hotfix", 7)
    assert selectors.next_revision(stage.task, "main") == 2
    assert selectors.next_revision(stage.task, "hotfix") == 8
    assert selectors.next_revision(stage.task, "unknown") == 1
    # The other helper: from the last-revisions map.
    last = {wf.name: wf.revision for wf in selectors.last_revisions_of_task(stage.task)}
    assert {name: last.get(name, 0) + 1 for name in ("main", "hotfix", "unknown")} == {
        "main": 2,
        "hotfix": 8,
        "unknown": 1,
    }


def test_a_new_revision_numbers_itself(stage, admin):
    first = services.create_working_file(task=stage.task, name="main", author=admin, caller=admin)
    second = services.create_working_file(task=stage.task, name="main", author=admin, caller=admin)
    assert (first.revision, second.revision) == (1, 2)
    assert first.entity_id == stage.tree.pk
    assert second.path == f"{TREE_FOLDER}/blender/{TREE_FILE}_main_v002"
    assert admin.pk in assignee_ids(stage.task)


def test_a_revision_already_taken_is_refused(stage, admin, make_person):
    services.create_working_file(task=stage.task, name="main", author=admin, caller=admin)
    caller = make_person(ARTIST)
    with pytest.raises(WorkingFileExists) as refused:
        services.create_working_file(
            task=stage.task, name="main", author=admin, caller=caller, revision=1
        )
    assert refused.value.message == WORKING_FILE_EXISTS["error"]
    assert WorkingFile.objects.count() == 1
    assert caller.pk not in assignee_ids(stage.task)


def test_the_revisions_of_an_entity_are_narrowed_by_task_and_name(stage):
    make_file(stage.task, "main", 1)
    make_file(stage.task, "main", 2)
    make_file(stage.task, "hotfix", 1)
    make_file(stage.modeling_task, "main", 1)
    make_file(stage.rabbit_task, "main", 1)

    def revisions(**filters):
        return [
            (wf.task_id, wf.name, wf.revision)
            for wf in selectors.revisions_of_entity(stage.tree, **filters)
        ]

    assert len(revisions()) == 4
    assert revisions(task_id=stage.task.pk, name="main") == [
        (stage.task.pk, "main", 2),
        (stage.task.pk, "main", 1),
    ]
    assert revisions(name="hotfix") == [(stage.task.pk, "hotfix", 1)]
    assert revisions(task_id=stage.modeling_task.pk) == [(stage.modeling_task.pk, "main", 1)]
    assert revisions(task_id=stage.rabbit_task.pk) == []
    assert revisions(name="unknown") == []


def test_a_comment_and_a_touch_through_the_services(stage):
    working_file = make_file(stage.task)
    earlier = timezone.now() - datetime.timedelta(minutes=5)
    WorkingFile.objects.filter(pk=working_file.pk).update(updated_at=earlier)
    working_file.refresh_from_db()
    services.set_comment(working_file=working_file, comment="noted")
    working_file.refresh_from_db()
    assert working_file.comment == "noted"
    assert working_file.updated_at > earlier
    commented_at = working_file.updated_at
    services.mark_modified(working_file=working_file)
    working_file.refresh_from_db()
    assert working_file.updated_at >= commented_at
