"""The admin: every production model listed, searchable and editable by an admin person, and
the whole thing styled under gunicorn with DEBUG=false (static files served by the app)."""

import re

import pytest
import requests
from django.contrib import admin as django_admin
from django.test import Client

from production.models import Person, Role
from tests import live
from tests.conftest import PASSWORD

PRODUCTION_MODELS = [
    model for model in django_admin.site._registry if model._meta.app_label == "production"
]


@pytest.fixture
def admin_browser(admin) -> Client:
    browser = Client()
    assert browser.login(email=admin.email, password=PASSWORD)
    return browser


def admin_url(model, page: str = "changelist") -> str:
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/" + (
        "add/" if page == "add" else ""
    )


def test_every_production_model_is_registered():
    names = {model.__name__ for model in PRODUCTION_MODELS}
    expected = {
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
    }
    assert expected <= names


@pytest.mark.parametrize("model", PRODUCTION_MODELS, ids=lambda m: m.__name__)
def test_changelist_with_search_and_add_page(model, admin_browser, task):
    listing = admin_browser.get(admin_url(model), {"q": "a"})
    assert listing.status_code == 200
    assert admin_browser.get(admin_url(model, "add")).status_code == 200


def test_change_pages_of_the_production(admin_browser, task):
    for obj in (task, task.entity, task.project, task.task_type):
        url = f"/admin/production/{obj._meta.model_name}/{obj.pk}/change/"
        assert admin_browser.get(url).status_code == 200, url


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
    assert "Site administration" in logged_in.text
    projects = session.get(f"{gunicorn_server}/admin/production/project/")
    assert projects.status_code == 200
    api = session.get(f"{gunicorn_server}/api/")
    assert api.json()["api"] == "Zou"
