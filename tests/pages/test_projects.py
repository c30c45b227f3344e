"""The home page and a production's page (/projects/<id>/): content (names, sequences,
thumbnails' URLs, tasks' statuses, links), search and filters, pagination, the API's access
rules (team member, outsider, vendor, client, admin), 404 pages for unknown and malformed
ids, and a bounded number of queries at 5 and at 5,000 shots."""

import re
import uuid

import pytest

from production import services
from production.models import Entity, EntityType, Role, Task, TaskStatus, TaskType

pytestmark = pytest.mark.django_db

THUMBNAIL = "/api/pictures/thumbnails/preview-files/{}.png"


def page_of(client, project, query: str = "") -> str:
    response = client.get(f"/projects/{project.pk}/{query}")
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def names_in(html: str) -> list[str]:
    """The entities listed, in order (each row's heading cell)."""
    return re.findall(r'<th scope="row"><a href="/entities/[^"]+/">([^<]+)</a></th>', html)


@pytest.fixture
def member(make_person, add_to_team):
    return add_to_team(make_person(Role.ARTIST))


@pytest.fixture
def production(project, admin, asset_type, task_type, task_status):
    """Two characters, a prop, two shots in two sequences; a task on one character and one
    shot, in different statuses; a main preview on the first character."""
    prop_type = EntityType.objects.get(name="Prop")
    bunny = services.create_asset(
        project=project, asset_type=asset_type, name="Bunny", created_by=admin
    )
    services.create_asset(
        project=project, asset_type=asset_type, name="Chinchilla", created_by=admin
    )
    services.create_asset(project=project, asset_type=prop_type, name="Apple", created_by=admin)
    sq01 = services.create_temporal_entity(
        kind="Sequence", project=project, name="SQ01", created_by=admin
    )
    sq02 = services.create_temporal_entity(
        kind="Sequence", project=project, name="SQ02", created_by=admin
    )
    sh010 = services.create_temporal_entity(
        kind="Shot", project=project, name="SH010", parent=sq01, created_by=admin
    )
    services.create_temporal_entity(
        kind="Shot", project=project, name="SH020", parent=sq02, created_by=admin
    )
    wip = TaskStatus.objects.get(short_name="wip")
    modeling = services.create_task(
        values={
            "name": "main",
            "project": project,
            "entity": bunny,
            "task_type": task_type,
            "task_status": task_status,
        }
    )
    animation = services.create_task(
        values={
            "name": "main",
            "project": project,
            "entity": sh010,
            "task_type": TaskType.objects.get(name="Animation", for_entity="Shot"),
            "task_status": wip,
        }
    )
    bunny.preview_file_id = uuid.uuid4()
    bunny.save(update_fields=["preview_file_id"])
    return {
        "bunny": bunny,
        "sh010": sh010,
        "modeling": modeling,
        "animation": animation,
        "wip": wip,
        "todo": task_status,
        "prop_type": prop_type,
    }


# ---------------------------------------------------------------------------------------------
# Content


def test_home_links_each_production_with_its_counts(
    browser_for, member, project, production, add_to_team
):
    other = services.create_project(values={"name": "Sintel"})
    add_to_team(member, to=other)
    services.create_project(values={"name": "Elephants Dream"})  # not the member's
    html = browser_for(member).get("/").content.decode()
    assert f'<a href="/projects/{project.pk}/">Big Buck Bunny</a>' in html
    assert f'<a href="/projects/{other.pk}/">Sintel</a>' in html
    assert "Elephants Dream" not in html
    row = html[html.index("Big Buck Bunny") : html.index("Sintel")]
    assert "Assets: </span>3<" in row and "Shots: </span>2<" in row


def test_assets_then_shots_with_types_sequences_thumbnails_and_tasks(
    browser_for, member, project, production
):
    html = page_of(browser_for(member), project)
    # Assets by type then name, then shots by sequence; sequences themselves are not listed.
    assert names_in(html) == ["Bunny", "Chinchilla", "Apple", "SH010", "SH020"]
    assert "<h1>Big Buck Bunny</h1>" in html
    bunny = production["bunny"]
    assert f'<img src="{THUMBNAIL.format(bunny.preview_file_id)}" alt=""' in html
    assert html.count("<img ") == 1  # no thumbnail without a main preview
    assert f'<a href="/entities/{bunny.pk}/">Bunny</a>' in html
    shot_row = html[html.index(">SH010<") : html.index(">SH020<")]
    assert "Sequence: </span>SQ01" in shot_row
    assert f'<a href="/tasks/{production["animation"].pk}/">Animation</a>' in shot_row
    assert ">wip<" in shot_row
    assert f'<a href="/tasks/{production["modeling"].pk}/">Modeling</a>' in html
    # Semantic, no other host: a labelled search form, table headers with scopes.
    assert '<label for="id_q">' in html and '<th scope="col">Name</th>' in html
    assert "http://" not in html and "https://" not in html


def test_search_by_name(browser_for, member, project, production):
    client = browser_for(member)
    assert names_in(page_of(client, project, "?q=chin")) == ["Chinchilla"]
    assert names_in(page_of(client, project, "?q=SH0")) == ["SH010", "SH020"]
    assert "matches these filters" in page_of(client, project, "?q=nothing-like-this")


def test_filter_by_entity_type(browser_for, member, project, production):
    client = browser_for(member)
    shot_type = EntityType.objects.get(name="Shot")
    assert names_in(page_of(client, project, f"?type={shot_type.pk}")) == ["SH010", "SH020"]
    html = page_of(client, project, f"?type={production['prop_type'].pk}")
    assert names_in(html) == ["Apple"]
    # The choices are the project's types: Character, Prop, Shot (no Sequence, no unused type).
    options = re.findall(
        r'<option value="[^"]+"[^>]*>([^<]+)</option>', html.split('name="status"')[0]
    )
    assert options == ["Character", "Prop", "Shot"]


def test_filter_by_task_status_and_combined(browser_for, member, project, production):
    client = browser_for(member)
    assert names_in(page_of(client, project, f"?status={production['wip'].pk}")) == ["SH010"]
    assert names_in(page_of(client, project, f"?status={production['todo'].pk}")) == ["Bunny"]
    done = TaskStatus.objects.get(short_name="done")
    assert names_in(page_of(client, project, f"?status={done.pk}")) == []
    shot_type = EntityType.objects.get(name="Shot")
    query = f"?type={shot_type.pk}&status={production['todo'].pk}"
    assert names_in(page_of(client, project, query)) == []


@pytest.mark.parametrize("field", ["type", "status"])
@pytest.mark.parametrize("value", ["not-an-id", str(uuid.UUID(int=7))])
def test_an_unknown_filter_value_is_reported_and_ignored(
    browser_for, member, project, production, field, value
):
    html = page_of(browser_for(member), project, f"?{field}={value}")
    assert 'class="error" role="alert"' in html
    assert len(names_in(html)) == 5


def test_pages_of_fifty_keep_the_filters(browser_for, member, project, admin):
    sequence = services.create_temporal_entity(
        kind="Sequence", project=project, name="SQ09", created_by=admin
    )
    shot_type = EntityType.objects.get(name="Shot")
    Entity.objects.bulk_create(
        Entity(project=project, entity_type=shot_type, parent=sequence, name=f"SH{n:04d}")
        for n in range(120)
    )
    client = browser_for(member)
    first = page_of(client, project, "?q=SH0")
    assert names_in(first) == [f"SH{n:04d}" for n in range(50)]
    assert "Page 1 of 3" in first and "(120)" in first
    assert '<a href="?q=SH0&amp;page=2" rel="next">Next</a>' in first
    last = page_of(client, project, "?q=SH0&page=3")
    assert names_in(last) == [f"SH{n:04d}" for n in range(100, 120)]
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert client.get(f"/projects/{project.pk}/?page=4").status_code == 404


# ---------------------------------------------------------------------------------------------
# Access: the API's rules


def test_a_visitor_is_sent_to_log_in(browser_for, project):
    response = browser_for(None).get(f"/projects/{project.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=/projects/{project.pk}/"


def test_an_outsider_is_refused_as_by_the_api(
    browser_for, client_for, make_person, project, production
):
    outsider = make_person(Role.ARTIST)
    response = browser_for(outsider).get(f"/projects/{project.pk}/")
    # The API answers 403 for the same row to the same person.
    assert client_for(outsider).get(f"/api/data/projects/{project.pk}").status_code == 403
    assert response.status_code == 403
    assert "text/html" in response["Content-Type"]
    assert "<h1>Not allowed</h1>" in response.content.decode()
    assert "Big Buck Bunny" not in response.content.decode()


def test_an_admin_outside_the_team_sees_everything(browser_for, admin, project, production):
    assert len(names_in(page_of(browser_for(admin), project))) == 5


def test_a_client_of_the_team_sees_the_production(
    browser_for, make_person, add_to_team, project, production
):
    client_person = add_to_team(make_person(Role.CLIENT))
    assert len(names_in(page_of(browser_for(client_person), project))) == 5


def test_a_vendor_sees_only_what_they_have_a_task_on(
    browser_for, make_person, add_to_team, project, production
):
    vendor = add_to_team(make_person(Role.VENDOR))
    production["animation"].assignees.add(vendor)
    html = page_of(browser_for(vendor), project)
    assert names_in(html) == ["SH010"]
    assert f"/tasks/{production['modeling'].pk}/" not in html


@pytest.mark.parametrize("project_id", [str(uuid.UUID(int=1)), "not-a-uuid", "1234"])
def test_unknown_and_malformed_ids_are_an_html_404(browser_for, member, project_id):
    response = browser_for(member).get(f"/projects/{project_id}/")
    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]
    html = response.content.decode()
    assert "<h1>Not found</h1>" in html and "kitsufiles" in html


def test_an_unknown_page_url_is_html_and_an_unknown_api_url_stays_zou_json(browser_for, member):
    client = browser_for(member)
    page = client.get("/no/such/page/")
    assert page.status_code == 404 and "<h1>Not found</h1>" in page.content.decode()
    api = client.get("/api/no/such/route")
    assert api.status_code == 404 and api.json()["error"] is True


# ---------------------------------------------------------------------------------------------
# Query counts: the same bound at 5 and at 5,000 shots


@pytest.mark.parametrize("size", [5, 5000])
def test_queries_do_not_grow_with_the_production(
    browser_for, django_assert_max_num_queries, member, project, admin, task_status, size
):
    sequence = services.create_temporal_entity(
        kind="Sequence", project=project, name="SQ01", created_by=admin
    )
    shot_type = EntityType.objects.get(name="Shot")
    shots = Entity.objects.bulk_create(
        Entity(
            project=project,
            entity_type=shot_type,
            parent=sequence,
            name=f"SH{n:05d}",
            preview_file_id=uuid.uuid4(),
        )
        for n in range(size)
    )
    animation = TaskType.objects.get(name="Animation", for_entity="Shot")
    Task.objects.bulk_create(
        Task(
            name="main", project=project, entity=shot, task_type=animation, task_status=task_status
        )
        for shot in shots
    )
    client = browser_for(member)
    # Session, person, project with the caller's link, types, statuses, count, page, tasks.
    for query in ("", f"?q=SH&type={shot_type.pk}&status={task_status.pk}&page=1"):
        with django_assert_max_num_queries(8):
            html = page_of(client, project, query)
        assert len(names_in(html)) == min(size, 50)
        assert html.count("<img ") == min(size, 50)
    with django_assert_max_num_queries(4):  # session, person, count, projects with counts
        assert client.get("/").status_code == 200
