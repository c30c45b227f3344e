"""The admin: every model of every app listed, searchable and editable by an admin person,
with the inlines a supervisor needs, the server's columns read-only, changelists in a bounded
number of queries whatever the table's size, kitsufiles' name on it; and the whole thing
styled under gunicorn with DEBUG=false (static files served by the app).

The previews' own admin (thumbnails, re-queue) is tested in tests/previews/test_admin.py, the
recompute-checksums action in tests/working_files/test_checksums.py."""

import re
from datetime import timedelta

import pytest
import requests
from django.apps import apps
from django.contrib import admin as django_admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from output_files.models import OutputFile
from previews.models import (
    PreviewBackgroundFile,
    PreviewFile,
    ProjectPreviewBackgroundFileLink,
)
from production import services as production_services
from production.models import (
    AssetInstance,
    AttachmentFile,
    Comment,
    Entity,
    FileStatus,
    Organisation,
    OutputType,
    Person,
    ProjectPersonLink,
    ProjectTaskTypeLink,
    RevokedToken,
    Role,
    Software,
    Task,
)
from tests import live
from tests.conftest import PASSWORD
from working_files.models import WorkingFile

OUR_APPS = ("production", "file_trees", "working_files", "output_files", "previews", "thumbnails")
OUR_MODELS = [model for label in OUR_APPS for model in apps.get_app_config(label).get_models()]
REGISTERED = [model for model in django_admin.site._registry if model._meta.app_label in OUR_APPS]
model_id = lambda model: model.__name__  # noqa: E731


@pytest.fixture
def admin_browser(admin) -> Client:
    browser = Client()
    assert browser.login(email=admin.email, password=PASSWORD)
    return browser


def admin_url(model, page: str = "changelist") -> str:
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/" + (
        "add/" if page == "add" else ""
    )


def change_url(obj) -> str:
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"


def test_every_model_of_every_app_is_registered():
    assert {model.__name__ for model in OUR_MODELS} >= {
        "Organisation",
        "Person",
        "Department",
        "ProjectStatus",
        "Project",
        "EntityType",
        "Entity",
        "AssetInstance",
        "TaskType",
        "TaskStatus",
        "Task",
        "Comment",
        "AttachmentFile",
        "Software",
        "OutputType",
        "FileStatus",
        "WorkingFile",
        "OutputFile",
        "PreviewFile",
        "PreviewBackgroundFile",
    }
    missing = [model.__name__ for model in OUR_MODELS if model not in django_admin.site._registry]
    assert missing == []


@pytest.mark.parametrize("model", REGISTERED, ids=model_id)
def test_changelist_with_search_and_add_page(model, admin_browser, every_row):
    listing = admin_browser.get(admin_url(model), {"q": "a"})
    assert listing.status_code == 200
    assert admin_browser.get(admin_url(model), {"q": ""}).status_code == 200
    assert admin_browser.get(admin_url(model, "add")).status_code == 200


@pytest.fixture
def every_row(task, admin, add_to_team):
    """At least one row of every registered model (the reference data gives the others)."""
    entity = task.entity
    comment = production_services.create_comment(
        task=task, task_status=task.task_status, author=admin
    )
    AttachmentFile.objects.create(
        name="notes.txt", extension="txt", mimetype="text/plain", comment=comment
    )
    AssetInstance.objects.create(asset=entity, name="bunny_0001", number=1)
    Organisation.objects.get_or_create(name="Studio")
    Software.objects.get_or_create(name="Blender", short_name="blender", file_extension=".blend")
    add_to_team(admin)
    ProjectTaskTypeLink.objects.get_or_create(project=task.project, task_type=task.task_type)
    RevokedToken.objects.create(jti="revoked-jti", expires_at=timezone.now() + timedelta(days=1))
    working_file = WorkingFile.objects.create(
        task=task, entity=entity, name="main", revision=1, size=3, checksum="0" * 64
    )
    OutputFile.objects.create(
        entity=entity,
        name="main",
        revision=1,
        representation="abc",
        file_status=FileStatus.objects.first(),
        output_type=OutputType.objects.get_or_create(name="Cache", short_name="cch")[0],
        task_type=task.task_type,
        source_file=working_file,
    )
    preview = PreviewFile.objects.create(name="preview", task=task, revision=1, extension="png")
    preview.comments.add(comment)
    background = PreviewBackgroundFile.objects.create(name="studio")
    ProjectPreviewBackgroundFileLink.objects.create(
        project=task.project, preview_background_file=background
    )
    return comment


@pytest.mark.parametrize("model", REGISTERED, ids=model_id)
def test_change_page_of_every_model(model, admin_browser, every_row):
    obj = model.objects.first()
    assert obj is not None, f"every_row makes no {model.__name__}"
    response = admin_browser.get(change_url(obj))
    assert response.status_code == 200, change_url(obj)


def inline_models(response) -> dict[str, int]:
    """The inlines of a change page: their model's name and how many rows they show."""
    return {
        formset.opts.model.__name__: len(formset.formset.initial_forms)
        for formset in response.context["inline_admin_formsets"]
    }


def test_a_task_page_shows_its_working_files_and_comments(admin_browser, every_row):
    task = every_row.object
    WorkingFile.objects.create(task=task, entity=task.entity, name="main", revision=2)
    response = admin_browser.get(change_url(task))
    inlines = inline_models(response)
    assert inlines["WorkingFile"] == 2
    assert inlines["Comment"] == 1
    assert "revision history" in response.text.lower()


def test_an_entity_page_shows_its_outputs(admin_browser, every_row):
    response = admin_browser.get(change_url(every_row.object.entity))
    assert inline_models(response)["OutputFile"] == 1
    assert "abc" in response.text  # the representation


def test_a_comment_page_shows_its_previews(admin_browser, every_row):
    response = admin_browser.get(change_url(every_row))
    inlines = inline_models(response)
    assert inlines["PreviewFile_comments"] == 1
    assert inlines["AttachmentFile"] == 1


# The columns the server owns (ZOU_READ_ONLY_FIELDS), revision numbers and timestamps.
READ_ONLY = {
    WorkingFile: ("size", "checksum", "revision", "created_at", "updated_at"),
    OutputFile: ("size", "checksum", "revision", "created_at"),
    PreviewFile: (*PreviewFile.ZOU_READ_ONLY_FIELDS, "revision", "created_at"),
    PreviewBackgroundFile: PreviewBackgroundFile.ZOU_READ_ONLY_FIELDS,
    Entity: ("preview_file_id",),
    Task: ("last_preview_file_id",),
    AttachmentFile: ("size",),
}


@pytest.mark.parametrize("model", READ_ONLY, ids=model_id)
def test_server_owned_columns_are_read_only(model, admin_browser, every_row):
    obj = model.objects.first()
    response = admin_browser.get(change_url(obj))
    editable = set(response.context["adminform"].form.fields)
    shown = {
        field.field["name"] if field.is_readonly else field.field.name
        for fieldset in response.context["adminform"]
        for line in fieldset
        for field in line
    }
    for name in READ_ONLY[model]:
        assert name not in editable, name
        assert name in shown, name  # still shown, as text


def test_a_forged_post_does_not_change_a_read_only_column(admin_browser, every_row):
    working_file = WorkingFile.objects.get()
    page = admin_browser.get(change_url(working_file))
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data |= {"size": 999, "checksum": "f" * 64, "revision": 42, "comment": "looked at"}
    response = admin_browser.post(change_url(working_file), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    working_file.refresh_from_db()
    assert (working_file.size, working_file.checksum, working_file.revision) == (3, "0" * 64, 1)
    assert working_file.comment == "looked at"


# ---------------------------------------------------------------------------------------------
# Changelists in a bounded number of queries: the same with 3 rows as with 300.


def populate(task, person, count: int) -> None:
    """`count` more assets, each with a task, a comment, a working file, an output file and a
    preview (bulk inserts: the rows' content does not matter, their number does)."""
    start = Entity.objects.count()
    project, status = task.project, task.task_status
    entities = Entity.objects.bulk_create(
        Entity(
            name=f"Asset {start + number}",
            project=project,
            entity_type=task.entity.entity_type,
            created_by=person,
        )
        for number in range(count)
    )
    tasks = Task.objects.bulk_create(
        Task(
            name="main",
            project=project,
            entity=entity,
            task_type=task.task_type,
            task_status=status,
            assigner=person,
        )
        for entity in entities
    )
    Comment.objects.bulk_create(
        Comment(object=each, task_status=status, person=person, text="ok") for each in tasks
    )
    working_files = WorkingFile.objects.bulk_create(
        WorkingFile(task=each, entity=each.entity, name="main", revision=1, person=person)
        for each in tasks
    )
    file_status, output_type = FileStatus.objects.first(), OutputType.objects.first()
    OutputFile.objects.bulk_create(
        OutputFile(
            entity=each.entity,
            name="main",
            revision=1,
            file_status=file_status,
            output_type=output_type,
            task_type=task.task_type,
            source_file=working_file,
            person=person,
        )
        for each, working_file in zip(tasks, working_files, strict=True)
    )
    PreviewFile.objects.bulk_create(
        PreviewFile(
            name="preview", task=each, revision=1, extension="png", status="ready", person=person
        )
        for each in tasks
    )
    people = Person.objects.bulk_create(
        Person(email=f"someone{start + number}@studio.test", first_name="Some", role=Role.ARTIST)
        for number in range(count)
    )
    ProjectPersonLink.objects.bulk_create(
        ProjectPersonLink(project=project, person=each) for each in people
    )


# At most this many queries for any changelist: the session and its person, the page's rows,
# its filters' choices (one each) and what the rows show (joined).
CHANGELIST_QUERIES = 20


@pytest.mark.parametrize("model", REGISTERED, ids=model_id)
def test_changelist_queries_do_not_grow_with_the_rows(
    model, admin_browser, every_row, admin, django_assert_max_num_queries
):
    task = every_row.object
    populate(task, admin, 3)
    with (
        django_assert_max_num_queries(CHANGELIST_QUERIES),
        CaptureQueriesContext(connection) as few,
    ):
        assert admin_browser.get(admin_url(model)).status_code == 200
    populate(task, admin, 297)
    with (
        django_assert_max_num_queries(CHANGELIST_QUERIES),
        CaptureQueriesContext(connection) as many,
    ):
        assert admin_browser.get(admin_url(model)).status_code == 200
    assert len(many) == len(few), [query["sql"] for query in many]


# ---------------------------------------------------------------------------------------------
# kitsufiles' name and links


def test_the_admin_carries_kitsufiles_name_and_links(admin_browser):
    page = admin_browser.get("/admin/")
    assert page.status_code == 200
    text = page.text
    assert "<title>kitsufiles: productions, files and previews | kitsufiles admin</title>" in text
    assert "kitsufiles administration" in text
    assert "Django administration" not in text
    assert 'href="/">Pages</a>' in text
    assert 'href="/api/docs">API docs</a>' in text


def test_the_admin_login_page_says_kitsufiles(client, db):
    page = client.get("/admin/login/")
    assert "kitsufiles administration" in page.text
    assert "Django" not in page.text


def test_admin_creates_a_person_who_can_log_in(admin_browser, db):
    response = admin_browser.post(
        admin_url(Person, "add"),
        {
            "email": "new@studio.test",
            "first_name": "New",
            "last_name": "Person",
            "role": Role.ARTIST,
            "password1": "a long enough password",
            "password2": "a long enough password",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    person = Person.objects.get(email="new@studio.test")
    assert person.check_password("a long enough password")


@pytest.mark.parametrize("role", [Role.ARTIST, Role.MANAGER, Role.SUPERVISOR])
def test_only_admins_enter_the_admin(role, make_person):
    person = make_person(role)
    browser = Client()
    browser.login(email=person.email, password=PASSWORD)
    response = browser.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# ---------------------------------------------------------------------------------------------
# Under gunicorn with DEBUG=false: a separate process with its own data folder and database.


@pytest.fixture
def gunicorn_server(tmp_path):
    env = live.environment(
        tmp_path,
        DEBUG="false",
        SECRET_KEY="test-secret-key-for-the-gunicorn-admin-test",
        ALLOWED_HOSTS="127.0.0.1",
    )
    live.manage(env, "migrate", "--no-input", "-v0")
    live.manage(env, "collectstatic", "--no-input", "-v0")
    live.manage(env, "create_admin", "boss@studio.test", "--password", PASSWORD)
    with live.gunicorn(env=env, log_path=tmp_path / "gunicorn.log", workers=1) as server:
        yield server.url


@pytest.mark.live
def test_admin_is_styled_and_usable_under_gunicorn_without_debug(gunicorn_server):
    session = requests.Session()
    login_page = session.get(f"{gunicorn_server}/admin/login/")
    assert login_page.status_code == 200
    # Every stylesheet the page links to is served by the app itself.
    stylesheets = re.findall(r'href="([^"]+\.css)"', login_page.text)
    assert stylesheets
    for href in stylesheets:
        assert href.startswith("/static/"), href  # nothing from another host
        css = session.get(f"{gunicorn_server}{href}")
        assert css.status_code == 200, href
        assert "text/css" in css.headers["Content-Type"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)
    logged_in = session.post(
        f"{gunicorn_server}/admin/login/?next=/admin/",
        data={
            "csrfmiddlewaretoken": token,
            "username": "boss@studio.test",
            "password": PASSWORD,
            "next": "/admin/",
        },
        headers={"Referer": f"{gunicorn_server}/admin/login/"},
    )
    assert logged_in.status_code == 200
    assert "kitsufiles administration" in logged_in.text
    projects = session.get(f"{gunicorn_server}/admin/production/project/")
    assert projects.status_code == 200
    api = session.get(f"{gunicorn_server}/api/")
    assert api.json()["api"] == "Zou"
    # The API docs' viewer: its scripts, style sheet and icon served by the app (WhiteNoise).
    docs = session.get(f"{gunicorn_server}/api/docs")
    assert docs.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert any("swagger-ui-bundle" in asset for asset in assets)  # hashed name (manifest)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert session.get(f"{gunicorn_server}{asset}").status_code == 200, asset
