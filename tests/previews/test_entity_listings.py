"""An entity's previews grouped by task type (data/shots|assets|edits|concepts/<id>/
preview-files, data/playlists/entities/<id>/preview-files; zou-previews-contract.md §6.16):
the shape, the order, the access rules and a query count that does not grow with the rows."""

import uuid

import pytest

from previews.models import PreviewFile
from production import services as production_services
from production.models import Role, TaskType
from tests.query_counts import bounded

ENTRY_KEYS = {
    "id", "revision", "original_name", "extension", "width", "height", "duration", "status",
    "annotations", "created_at", "task_id", "original_width", "original_height",
    "original_duration", "original_file_size",
}  # fmt: skip

KIND_ROUTES = {"Shot": "shots", "Asset": "assets", "Edit": "edits", "Concept": "concepts"}


@pytest.fixture
def animation(default_data):
    return TaskType.objects.get(name="Animation", for_entity="Shot")


@pytest.fixture
def layout(default_data):
    return TaskType.objects.get(name="Layout", for_entity="Shot")


@pytest.fixture
def make_task(project, task_status):
    def make(entity, task_type, name="main"):
        return production_services.create_task(
            values={
                "name": name,
                "project": project,
                "entity": entity,
                "task_type": task_type,
                "task_status": task_status,
            }
        )

    return make


def preview(task, revision, position=1, **fields):
    fields.setdefault("extension", "mp4")
    fields.setdefault("status", "ready")
    return PreviewFile.objects.create(
        name=f"r{revision}p{position}", task=task, revision=revision, position=position, **fields
    )


def entity_of(kind, project, admin, asset):
    if kind == "Asset":
        return asset
    return production_services.create_temporal_entity(
        kind=kind, project=project, name=f"{kind} 1", created_by=admin
    )


def test_shot_previews_by_task_type_one_entry_per_revision(
    admin_client, shot, animation, layout, make_task
):
    anim, lay = make_task(shot, animation), make_task(shot, layout)
    r1 = preview(
        anim,
        1,
        original_name="take",
        width=1920,
        height=1080,
        duration=2.5,
        annotations=[{"time": 0.5, "drawing": {"objects": []}}],
        data={"original_width": 3840, "original_height": 2160, "original_duration": 2.5,
              "original_file_size": 1234},
    )  # fmt: skip
    r1_extra = preview(anim, 1, position=2, extension="png")
    r1_third = preview(anim, 1, position=3, extension="pdf")
    r2 = preview(anim, 2, status="processing")
    l1 = preview(lay, 1)

    response = admin_client.get(f"/api/data/shots/{shot.pk}/preview-files")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {str(animation.pk), str(layout.pk)}
    assert [e["id"] for e in body[str(animation.pk)]] == [str(r2.pk), str(r1.pk)]
    assert [e["id"] for e in body[str(layout.pk)]] == [str(l1.pk)]
    newest, first = body[str(animation.pk)]
    assert set(first) == ENTRY_KEYS | {"previews"}
    assert (first["revision"], first["original_name"], first["extension"]) == (1, "take", "mp4")
    assert (first["width"], first["height"], first["duration"]) == (1920, 1080, 2.5)
    assert first["annotations"] == [{"time": 0.5, "drawing": {"objects": []}}]
    assert first["task_id"] == str(anim.pk)
    assert (first["original_width"], first["original_height"]) == (3840, 2160)
    assert (first["original_duration"], first["original_file_size"]) == (2.5, 1234)
    assert len(first["created_at"]) == 19 and first["created_at"][10] == "T"
    # The revision's other positions, in order, with the same keys.
    assert [p["id"] for p in first["previews"]] == [str(r1_extra.pk), str(r1_third.pk)]
    assert [p["extension"] for p in first["previews"]] == ["png", "pdf"]
    assert all(set(p) == ENTRY_KEYS for p in first["previews"])
    assert (newest["status"], newest["previews"]) == ("processing", [])
    assert newest["original_width"] is None  # no data: the keys are there, empty


@pytest.mark.parametrize("kind", list(KIND_ROUTES))
def test_each_kind_and_the_playlist_route(kind, admin, admin_client, project, asset, make_task):
    entity = entity_of(kind, project, admin, asset)
    task_type = TaskType.objects.create(name=f"{kind} pass", for_entity=kind)
    main = preview(make_task(entity, task_type), 3)

    for url in (
        f"/api/data/{KIND_ROUTES[kind]}/{entity.pk}/preview-files",
        f"/api/data/playlists/entities/{entity.pk}/preview-files",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, (url, response.content)
        (entry,) = response.json()[str(task_type.pk)]
        assert (entry["id"], entry["revision"]) == (str(main.pk), 3)


def test_an_entity_without_previews_answers_an_empty_dict(admin_client, shot, animation, make_task):
    make_task(shot, animation)
    response = admin_client.get(f"/api/data/shots/{shot.pk}/preview-files")
    assert (response.status_code, response.json()) == (200, {})


def test_two_tasks_of_one_type_keep_both_revision_lines(admin_client, shot, animation, make_task):
    """Zou overwrites the first task's list with the second's; both are kept here
    (docs/compatibility.md#entity-preview-listings)."""
    main, other = make_task(shot, animation), make_task(shot, animation, name="alt")
    a = preview(main, 1)
    b = preview(other, 1)
    c = preview(other, 2)
    body = admin_client.get(f"/api/data/shots/{shot.pk}/preview-files").json()
    entries = body[str(animation.pk)]
    assert [e["id"] for e in entries] == [str(c.pk), str(a.pk), str(b.pk)]
    assert all(e["previews"] == [] for e in entries)


@pytest.mark.parametrize(
    "url",
    [
        "/api/data/shots/{asset}/preview-files",  # an asset is not a shot
        "/api/data/assets/{shot}/preview-files",  # nor a shot an asset
        "/api/data/edits/{shot}/preview-files",
        "/api/data/concepts/{shot}/preview-files",
        "/api/data/shots/{unknown}/preview-files",
        "/api/data/shots/not-a-uuid/preview-files",
        "/api/data/playlists/entities/{unknown}/preview-files",
        "/api/data/playlists/entities/12345/preview-files",
    ],
)
def test_unknown_wrong_kind_or_malformed_ids_are_404(url, admin_client, shot, asset):
    url = url.format(asset=asset.pk, shot=shot.pk, unknown=uuid.uuid4())
    response = admin_client.get(url)
    assert response.status_code == 404
    assert response.json()["error"] is True


@pytest.fixture
def outsider_project(default_data):
    return production_services.create_project(values={"name": "Elephants Dream"})


def test_access_team_vendor_and_outsider(
    client_for, make_person, add_to_team, shot, animation, make_task, outsider_project
):
    task = make_task(shot, animation)
    preview(task, 1)
    url = f"/api/data/shots/{shot.pk}/preview-files"
    playlist_url = f"/api/data/playlists/entities/{shot.pk}/preview-files"

    artist = add_to_team(make_person(Role.ARTIST))
    stranger = make_person(Role.ARTIST)
    add_to_team(stranger, to=outsider_project)
    vendor = add_to_team(make_person(Role.VENDOR))
    assigned_vendor = add_to_team(make_person(Role.VENDOR))
    task.assignees.add(assigned_vendor)

    for person, status in (
        (artist, 200),
        (assigned_vendor, 200),
        (vendor, 403),  # no task on the shot
        (stranger, 403),  # another production's artist
    ):
        for route in (url, playlist_url):
            response = client_for(person).get(route)
            assert response.status_code == status, (person.role, route, response.content)
            if status == 200:
                assert list(response.json()) == [str(animation.pk)]
    assert client_for(None).get(url).status_code == 401


@pytest.mark.parametrize("count", [3, 30])
def test_query_count_does_not_grow_with_the_previews(
    count, admin, client_for, add_to_team, make_person, shot, animation, layout, make_task,
    django_assert_max_num_queries,
):  # fmt: skip
    anim, lay = make_task(shot, animation), make_task(shot, layout)
    for number in range(count):
        preview(anim, number // 3 + 1, position=number % 3 + 1)
        preview(lay, number + 1)
    artist = add_to_team(make_person(Role.ARTIST))
    for person in (admin, artist):
        client = client_for(person)
        # The caller, the shot with the caller's team link, the previews.
        response = bounded(
            django_assert_max_num_queries,
            3,
            lambda client=client: client.get(f"/api/data/shots/{shot.pk}/preview-files"),
        )
        body = response.json()
        assert len(body[str(lay.task_type_id)]) == count
        assert sum(1 + len(e["previews"]) for e in body[str(anim.task_type_id)]) == count
