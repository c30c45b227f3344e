"""The browsable pages' entry: log-in with the API's e-mail and password, the productions a
person can see (the API's access rules), log-out."""

from django.test import Client

from production import services
from production.models import Role
from tests.conftest import PASSWORD


def test_a_visitor_is_sent_to_the_log_in_page():
    answer = Client().get("/")
    assert answer.status_code == 302
    assert answer["Location"] == "/login/?next=/"


def test_log_in_lists_the_productions_of_the_team_then_log_out(make_person, add_to_team, project):
    artist = add_to_team(make_person(Role.ARTIST))
    services.create_project(values={"name": "Sintel"})  # not the artist's
    browser = Client()

    page = browser.get("/login/")
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    refused = browser.post("/login/", {"username": artist.email, "password": "wrong"})
    assert refused.status_code == 200 and 'role="alert"' in refused.content.decode()
    logged_in = browser.post("/login/", {"username": artist.email, "password": PASSWORD})
    assert logged_in.status_code == 302 and logged_in["Location"] == "/"

    home = browser.get("/").content.decode()
    assert project.name in home and "Sintel" not in home
    assert "kitsufiles" in home

    assert browser.post("/logout/").status_code == 302
    assert browser.get("/").status_code == 302
