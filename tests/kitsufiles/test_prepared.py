"""kitsufiles.prepared.Prepared (a queryset compiled once, run with new values) and the
look-ups built on it (production.permissions.Lookup): the same rows as the queryset would
give, whatever the values, with no compiling after the first call."""

import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kitsufiles import accounts
from kitsufiles.errors import NotFound
from kitsufiles.prepared import Prepared
from production import permissions
from production.models import Entity, Person, Role, Task

pytestmark = pytest.mark.django_db


class CountingBuild:
    """A build function that counts its calls."""

    def __init__(self, build):
        self.build = build
        self.calls = 0

    def __call__(self, **values):
        self.calls += 1
        return self.build(**values)


def test_rows_match_the_queryset_for_every_value_and_the_sql_is_built_once(make_person):
    people = [make_person(Role.ARTIST), make_person(Role.MANAGER), make_person(Role.ADMIN)]
    build = CountingBuild(lambda person_id: Person.objects.filter(pk=person_id).order_by())
    prepared = Prepared(build)
    for person in people * 2:
        found = prepared.first(person_id=person.pk)
        assert found is not None
        assert (found.pk, found.email, found.role) == (person.pk, person.email, person.role)
        assert found._state.adding is False and found._state.db == "default"
    assert build.calls == 1
    assert prepared.first(person_id=uuid.uuid4()) is None


def test_annotations_and_several_parameters(make_person):
    person = make_person()
    accounts.revoke_session("revoked-session", until=_far_future(), now=_now())
    revoked = accounts.user_of_session(person.pk, "revoked-session")
    kept = accounts.user_of_session(person.pk, "live-session")
    assert getattr(revoked, accounts.SESSION_REVOKED) is True
    assert getattr(kept, accounts.SESSION_REVOKED) is False
    with pytest.raises(Person.DoesNotExist):
        accounts.user_of_session(uuid.uuid4(), "live-session")


def test_related_rows_come_with_the_row_without_another_query(task, admin):
    lookup = permissions.TASKS
    lookup.fetch(admin, task.pk)  # compiled
    with CaptureQueriesContext(connection) as queries:
        found = lookup.fetch(admin, str(task.pk))
        assert found.project.name == task.project.name
        assert found.task_type.department_id == task.task_type.department_id
        assert found.entity.entity_type.name == task.entity.entity_type.name
    assert len(queries) == 1


def test_deferred_columns_and_the_caller_link(task, make_person, add_to_team):
    artist = add_to_team(make_person(Role.ARTIST), Role.SUPERVISOR)
    lookup = permissions.Lookup(
        lambda: Task.objects.only("id", "name", "project_id"), project="project_id"
    )
    found = lookup.fetch(artist, task.pk)
    assert found.name == task.name
    assert found.get_deferred_fields() >= {"description"}
    with CaptureQueriesContext(connection) as queries:
        assert permissions.effective_role(artist, task.project_id) == Role.SUPERVISOR
    assert len(queries) == 0  # the team link came with the row

    outsider = make_person(Role.ARTIST)
    found = lookup.fetch(outsider, task.pk)  # fetched; the check that follows refuses
    with CaptureQueriesContext(connection) as queries:
        assert permissions.effective_role(outsider, task.project_id) is None
    assert len(queries) == 0


def test_missing_and_malformed_ids_are_not_found(admin, make_person):
    for person in (admin, make_person(Role.ARTIST)):
        for wrong in (uuid.uuid4(), "not-an-id", "", None):
            with pytest.raises(NotFound):
                permissions.ENTITY_ROWS.fetch(person, wrong)


def test_a_narrowed_lookup_leaves_other_rows_out(asset, shot, admin):
    only_assets = permissions.Lookup(
        lambda: Entity.objects.filter(entity_type=asset.entity_type), project="project_id"
    )
    assert only_assets.fetch(admin, asset.pk) == asset
    with pytest.raises(NotFound):
        only_assets.fetch(admin, shot.pk)


def test_a_parameter_that_does_not_reach_the_sql_as_a_value_is_refused(make_person):
    person = make_person()
    transformed = Prepared(lambda email: Person.objects.filter(email__icontains=email))
    with pytest.raises(ImproperlyConfigured, match="email"):
        transformed.first(email=person.email)
    unused = Prepared(lambda person_id: Person.objects.all())
    with pytest.raises(ImproperlyConfigured, match="person_id"):
        unused.first(person_id=person.pk)


def test_values_keep_the_type_of_the_first_call(make_person):
    person = make_person()
    prepared = Prepared(lambda person_id: Person.objects.filter(pk=person_id).order_by())
    assert prepared.first(person_id=person.pk) == person
    with pytest.raises(TypeError):
        prepared.first(person_id=str(person.pk))
    with pytest.raises(TypeError):
        Prepared(lambda when: Person.objects.filter(last_login=when)).first(when=_now())


def _now():
    from django.utils import timezone

    return timezone.now()


def _far_future():
    import datetime

    return _now() + datetime.timedelta(days=30)
