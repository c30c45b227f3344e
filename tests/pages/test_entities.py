"""An entity's page (/entities/<id>/): its tasks (type, status, assignees, links to the task
pages) and its outputs grouped by output type and representation, the latest revision first,
with the working file each came from; pagination, the API's access rules (team member,
outsider, vendor with and without a task, client, admin), 404 pages for unknown and malformed
ids, and a bounded number of queries at 5 and at 5,000 outputs."""

import re
import uuid

import pytest

from output_files.models import OutputFile
from output_files.services import default_file_status
from production import services
from production.models import OutputType, Role, TaskType
from working_files.models import WorkingFile

pytestmark = pytest.mark.django_db


def page_of(client, entity, query: str = "") -> str:
    response = client.get(f"/entities/{entity.pk}/{query}")
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def groups_in(html: str) -> list[str]:
    return re.findall(r'<h3 id="group-\d+">([^<]+)</h3>', html)


def revisions_in(html: str) -> list[str]:
    return re.findall(r'<th scope="row">(v-?\d+)</th>', html)


def output(entity, output_type, task_type, revision, **fields) -> OutputFile:
    fields.setdefault("representation", "")
    fields.setdefault("name", "main")
    return OutputFile.objects.create(
        entity=entity,
        output_type=output_type,
        task_type=task_type,
        revision=revision,
        file_status=default_file_status(),
        **fields,
    )


@pytest.fixture
def member(make_person, add_to_team):
    return add_to_team(make_person(Role.ARTIST, first_name="Ada", last_name="Lovelace"))


@pytest.fixture
def published(asset, task, member, admin, task_type):
    """Caches in abc (v1, v2) and usd (v1), a render in exr (v1); v2 of the abc cache comes
    from the task's working file v3, by the member."""
    cache, render = (OutputType.objects.get_or_create(name=name)[0] for name in ("Cache", "Render"))
    working = WorkingFile.objects.create(
        task=task, entity=asset, name="main", revision=3, person=member
    )
    return {
        "abc1": output(asset, cache, task_type, 1, representation="abc", size=1000, person=admin),
        "abc2": output(
            asset,
            cache,
            task_type,
            2,
            representation="abc",
            size=2_500_000,
            person=member,
            source_file=working,
        ),
        "usd1": output(asset, cache, task_type, 1, representation="usd"),
        "exr1": output(asset, render, task_type, 1, representation="exr"),
        "working": working,
    }


def test_tasks_with_type_status_assignees_and_links(
    browser_for, member, make_person, asset, task, project
):
    task.assignees.add(member, make_person(Role.ARTIST, first_name="Grace", last_name="Hopper"))
    html = page_of(browser_for(member), asset)
    assert "<h1>Bunny</h1>" in html
    assert f'<a href="/projects/{project.pk}/">Big Buck Bunny</a>' in html
    assert f'<a href="/tasks/{task.pk}/">Modeling</a>' in html
    assert ">Todo<" in html
    assert "Ada Lovelace, Grace Hopper" in html
    assert "Nothing published for this character yet." in html
    assert "http://" not in html and "https://" not in html


def test_a_shot_shows_its_sequence_and_its_thumbnail(browser_for, member, shot):
    shot.preview_file_id = uuid.uuid4()
    shot.save(update_fields=["preview_file_id"])
    html = page_of(browser_for(member), shot)
    assert "Shot in SQ01" in html
    assert f'src="/api/pictures/thumbnails/preview-files/{shot.preview_file_id}.png"' in html


def test_outputs_grouped_by_type_and_representation_latest_first(
    browser_for, member, asset, published
):
    html = page_of(browser_for(member), asset)
    assert groups_in(html) == ["Cache · abc", "Cache · usd", "Render · exr"]
    assert revisions_in(html) == ["v2", "v1", "v1", "v1"]
    abc = html[html.index("Cache · abc") : html.index("Cache · usd")]
    # Revision, name, size, date, author, the working file it came from (a link to its task).
    assert "2.4\xa0MB" in abc and "1000\xa0bytes" in abc
    assert "Ada Lovelace" in abc
    working = published["working"]
    assert f'<a href="/tasks/{working.task_id}/">main v3</a>' in abc
    assert abc.index(">v2<") < abc.index(">v1<")
    assert f'datetime="{published["abc2"].created_at.isoformat()}"' in abc


def test_outputs_are_paginated_by_fifty(browser_for, member, asset, task_type):
    cache = OutputType.objects.get_or_create(name="Cache")[0]
    OutputFile.objects.bulk_create(
        OutputFile(
            entity=asset,
            output_type=cache,
            task_type=task_type,
            revision=n,
            name="main",
            representation="abc",
            file_status=default_file_status(),
        )
        for n in range(1, 121)
    )
    client = browser_for(member)
    first = page_of(client, asset)
    assert revisions_in(first) == [f"v{n}" for n in range(120, 70, -1)]
    assert "(120)" in first and '<a href="?page=2" rel="next">Next</a>' in first
    last = page_of(client, asset, "?page=3")
    assert revisions_in(last) == [f"v{n}" for n in range(20, 0, -1)]
    assert groups_in(last) == ["Cache · abc"]  # the group goes on, headed again
    assert client.get(f"/entities/{asset.pk}/?page=4").status_code == 404


# ---------------------------------------------------------------------------------------------
# Access: the API's rules


def test_a_visitor_is_sent_to_log_in(browser_for, asset):
    response = browser_for(None).get(f"/entities/{asset.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=/entities/{asset.pk}/"


def test_an_outsider_is_refused_as_by_the_api(browser_for, client_for, make_person, asset):
    outsider = make_person(Role.ARTIST)
    assert client_for(outsider).get(f"/api/data/entities/{asset.pk}").status_code == 403
    response = browser_for(outsider).get(f"/entities/{asset.pk}/")
    assert response.status_code == 403
    assert "<h1>Not allowed</h1>" in response.content.decode()
    assert "Bunny" not in response.content.decode()


def test_a_vendor_needs_a_task_on_the_entity_and_sees_only_theirs(
    browser_for, client_for, make_person, add_to_team, asset, task, project, task_status
):
    vendor = add_to_team(make_person(Role.VENDOR))
    assert client_for(vendor).get(f"/api/data/entities/{asset.pk}").status_code == 403
    assert browser_for(vendor).get(f"/entities/{asset.pk}/").status_code == 403
    theirs = services.create_task(
        values={
            "name": "main",
            "project": project,
            "entity": asset,
            "task_type": TaskType.objects.get(name="Rigging", for_entity="Asset"),
            "task_status": task_status,
        }
    )
    theirs.assignees.add(vendor)
    html = page_of(browser_for(vendor), asset)
    assert f"/tasks/{theirs.pk}/" in html and f"/tasks/{task.pk}/" not in html


def test_clients_and_admins_see_the_entity(
    browser_for, make_person, add_to_team, admin, asset, task, published
):
    client_person = add_to_team(make_person(Role.CLIENT))
    for person in (client_person, admin):
        html = page_of(browser_for(person), asset)
        assert f"/tasks/{task.pk}/" in html and len(revisions_in(html)) == 4


@pytest.mark.parametrize("entity_id", [str(uuid.UUID(int=1)), "not-a-uuid", "0"])
def test_unknown_and_malformed_ids_are_an_html_404(browser_for, member, entity_id):
    response = browser_for(member).get(f"/entities/{entity_id}/")
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Query counts: the same bound at 5 and at 5,000 outputs


@pytest.mark.parametrize("size", [5, 5000])
def test_queries_do_not_grow_with_the_outputs(
    browser_for, django_assert_max_num_queries, member, make_person, asset, task, task_type, size
):
    task.assignees.add(member, *(make_person(Role.ARTIST) for _ in range(3)))
    types = [OutputType.objects.get_or_create(name=f"Type{n}")[0] for n in range(5)]
    working = WorkingFile.objects.create(task=task, entity=asset, name="main", revision=1)
    status = default_file_status()
    OutputFile.objects.bulk_create(
        OutputFile(
            entity=asset,
            output_type=types[n % 5],
            task_type=task_type,
            revision=n,
            name="main",
            representation=("abc", "usd")[n % 2],
            file_status=status,
            person=member,
            source_file=working,
            size=n,
        )
        for n in range(1, size + 1)
    )
    client = browser_for(member)
    # Session, person, entity with the caller's link, count, page, tasks, their assignees.
    for query in ("", "?page=1"):
        with django_assert_max_num_queries(7):
            html = page_of(client, asset, query)
        assert len(revisions_in(html)) == min(size, 50)
        tasks = html[html.index('id="tasks-heading"') : html.index('id="outputs-heading"')]
        assert "Ada Lovelace" in tasks and tasks.count("User Number") == 3  # the assignees
