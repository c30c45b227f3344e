"""Shared fixtures: people of every role, a project with its team, entities and tasks, and
API clients logged in as any of them (real JWTs, issued by the service itself)."""

import itertools
import os
import pickle
from pathlib import Path

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import transaction
from django.db.models.signals import post_migrate
from django.test.utils import override_settings
from django_q.conf import Conf
from rest_framework.test import APIClient

from kitsufiles.api.authentication import issue_tokens
from production import services
from production.models import (
    Department,
    EntityType,
    FileStatus,
    Organisation,
    Person,
    Project,
    ProjectPersonLink,
    ProjectStatus,
    Role,
    Task,
    TaskStatus,
    TaskType,
)
from tests.cosmos import Cosmos, build_cosmos

# Object-store servers on loopback, for any test folder: `s3_server` (moto) and `swift_server`
# (OpenStack Swift); `content_backend`: the app tests on local storage and on the object stores
# (tests/stores/content.py).
pytest_plugins = ["tests.stores.s3_server", "tests.stores.swift_server", "tests.stores.content"]

PASSWORD = "correct horse battery staple"


# ---------------------------------------------------------------------------------------------
# CI refuses skipped tests: a skip there means a component the suite needs is missing.

_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("CI", "").lower() == "true" and _skipped:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(
                f"CI=true: {len(_skipped)} test(s) skipped, which CI counts as failures:",
                red=True,
            )
            for nodeid in _skipped:
                reporter.write_line(f"  {nodeid}", red=True)
        session.exitstatus = 1


# ---------------------------------------------------------------------------------------------
# The slow lanes, left out by `make test-fast` (see pyproject.toml for the markers): a test that
# uses pytest-django's live server is `live` like those that start gunicorn or a qcluster
# (marked in their modules); a test that uses a generated clip (`clip_dir` is behind every one,
# `clip` names the short clip or the clip a test is parametrized over) runs ffmpeg.


def pytest_collection_modifyitems(config, items):
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if "live_server" in names:
            item.add_marker(pytest.mark.live)
        if names & {"clip_dir", "clip"}:
            item.add_marker(pytest.mark.ffmpeg)


# ---------------------------------------------------------------------------------------------
# People and clients


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """PBKDF2 would dominate set-up time (tests make many people); log-in still hashes. For the
    whole session, so that people written once for a module hash quickly too."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


# ---------------------------------------------------------------------------------------------
# Reference data (what `init_data` creates: the organisation, statuses, entity and task types,
# departments, the default file status) is written once per test database, not once per test:
# each test runs in a transaction that is rolled back, so the rows seeded beforehand stay.
# Tests with `transaction=True` (live servers) end with a flush of every table instead; Django
# sends `post_migrate` after a flush, and `reseed_after_flush` writes the rows again there, so
# the next test of that worker finds them too.


def reseed_after_flush(sender, using, **kwargs):
    services.ensure_default_data()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        services.ensure_default_data()
    post_migrate.connect(
        reseed_after_flush, sender=apps.get_app_config("production"), dispatch_uid="reseed"
    )
    yield
    post_migrate.disconnect(dispatch_uid="reseed")


@pytest.fixture(scope="module")
def module_transaction(django_db_setup, django_db_blocker):
    """A transaction around a whole test module, rolled back when the module ends: rows written
    once for every test of a module (what Django's `setUpTestData` does for a class).

    A module-scoped fixture that depends on this one writes the rows (inside
    `django_db_blocker.unblock()`); each test then runs in a savepoint of this transaction,
    rolled back after it, so the shared rows are the same for every test. Give each test its
    own copy of the shared objects (`own_copy`), as Django does, so that a test changing one in
    memory does not change it for the next. Not for modules with `transaction=True` tests."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def own_copy(shared):
    """This test's own copy of objects written once for its module: as deep as Django's copies
    of `setUpTestData` attributes, through a pickle round trip (faster than copy.deepcopy)."""
    return pickle.loads(pickle.dumps(shared, pickle.HIGHEST_PROTOCOL))


@pytest.fixture
def default_data(db):
    """The reference data; present in every test's database already (see above), so this only
    says that a test or fixture relies on it."""


@pytest.fixture
def without_reference_data(db):
    """An empty database, as a fresh install has before `init_data` (rolled back with the
    test like any other write)."""
    for model in (TaskType, Department, TaskStatus, EntityType, ProjectStatus, FileStatus):
        model.objects.all().delete()
    Organisation.objects.all().delete()


@pytest.fixture
def make_person(db):
    counter = iter(range(1, 10_000))

    def make(role: str = Role.ARTIST, **fields) -> Person:
        number = next(counter)
        fields.setdefault("email", f"{role}{number}@studio.test")
        fields.setdefault("first_name", role.capitalize())
        fields.setdefault("last_name", f"Number{number}")
        return Person.objects.create_user(password=PASSWORD, role=role, **fields)

    return make


@pytest.fixture
def admin(make_person) -> Person:
    return make_person(Role.ADMIN)


@pytest.fixture
def client_for():
    """An API client authenticated as `person` with a real access token."""

    def make(person: Person | None) -> APIClient:
        client = APIClient()
        if person is not None:
            access, _ = issue_tokens(person)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        return client

    return make


@pytest.fixture
def admin_client(client_for, admin) -> APIClient:
    return client_for(admin)


# ---------------------------------------------------------------------------------------------
# A small production


@pytest.fixture
def project(default_data) -> Project:
    return services.create_project(values={"name": "Big Buck Bunny", "fps": "24000/1001"})


@pytest.fixture
def add_to_team(project):
    def add(person: Person, role: str | None = None, to: Project | None = None) -> Person:
        ProjectPersonLink.objects.create(project=to or project, person=person, role=role)
        return person

    return add


@pytest.fixture
def asset_type(default_data) -> EntityType:
    return EntityType.objects.get(name="Character")


@pytest.fixture
def asset(project, asset_type, admin):
    return services.create_asset(
        project=project, asset_type=asset_type, name="Bunny", created_by=admin
    )


@pytest.fixture
def sequence(project, admin):
    return services.create_temporal_entity(
        kind="Sequence", project=project, name="SQ01", created_by=admin
    )


@pytest.fixture
def shot(project, sequence, admin):
    return services.create_temporal_entity(
        kind="Shot", project=project, name="SH010", parent=sequence, created_by=admin
    )


@pytest.fixture
def task_type(default_data) -> TaskType:
    return TaskType.objects.get(name="Modeling", for_entity="Asset")


@pytest.fixture
def task_status(default_data) -> TaskStatus:
    return TaskStatus.objects.get(short_name="todo")


@pytest.fixture
def cosmos(default_data, admin) -> Cosmos:
    """The production of Zou's file tests (tests/cosmos.py), built for this test. The file-tree
    and output-file tests override it with a copy of `shared_cosmos`."""
    return build_cosmos(admin)


@pytest.fixture(scope="module")
def shared_cosmos(module_transaction, django_db_blocker) -> Cosmos:
    """The same production, built once for a whole module (see `module_transaction`) by an admin
    of its own."""
    with django_db_blocker.unblock():
        creator = Person.objects.create_user(
            email="cosmos-admin@studio.test",
            password=PASSWORD,
            role=Role.ADMIN,
            first_name="Cosmos",
            last_name="Admin",
        )
        return build_cosmos(creator)


@pytest.fixture
def task(project, asset, task_type, task_status) -> Task:
    return services.create_task(
        values={
            "name": "main",
            "project": project,
            "entity": asset,
            "task_type": task_type,
            "task_status": task_status,
        }
    )


# ---------------------------------------------------------------------------------------------
# Preview media and jobs: every test gets its own `previews` storage folder, and Django Q's
# sync mode runs `async_task` at once in the test's process (the real job function, hook and
# result row). `transaction.on_commit` callbacks still need `django_capture_on_commit_callbacks`
# (the test's transaction never commits) or a live server. The real `qcluster` process is
# exercised by tests/previews/test_cluster.py.


@pytest.fixture(scope="session")
def storage_folders(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("storage")


_storage_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def preview_storage(settings, storage_folders):
    """`previews` storage, uploads and work folder in a folder of this test's own (created when
    something is stored: most tests store nothing, and pytest's `tmp_path` for each of them would
    cost more than the test)."""
    root = storage_folders / f"test-{next(_storage_numbers)}" / "previews"
    settings.PREVIEW_FOLDER = root
    settings.PREVIEW_WORK_DIR = root / ".work"
    settings.STORAGES = {
        **settings.STORAGES,
        "previews": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    assert Path(storages["previews"].location) == root
    return root


@pytest.fixture(autouse=True)
def jobs_in_process(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache: the failed log-in counters of earlier tests (all
    from the test client's one address) must not throttle this one."""
    cache.clear()
