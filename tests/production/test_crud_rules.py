"""Model-specific rules of the generic CRUD routes: projects (fps, closing, deleting), tasks,
entities, persons (passwords, role alias), filters gazu relies on, and the error routes."""

import uuid

import pytest

from production import selectors, services
from production.models import (
    AssetInstance,
    AttachmentFile,
    Comment,
    Entity,
    Person,
    Project,
    ProjectPersonLink,
    ProjectStatus,
    Role,
    Task,
    TaskStatus,
    TaskType,
)
from tests.conftest import PASSWORD
from tests.production.test_crud import (
    assert_not_found,
    assert_validation_error,
    collection_url,
    ids,
    instance_url,
    stored_row,
    wrong_parameter,
)
from tests.zou_bodies import (
    INTEGRITY,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    REFERENCED,
    UNIQUE_VIOLATION,
    WRONG_CREDENTIALS,
)


def result_ids(response) -> set[str]:
    assert response.status_code == 200
    return {row["id"] for row in response.json()}


@pytest.fixture
def other_project(default_data) -> Project:
    return services.create_project(values={"name": "Agent 327"})


@pytest.fixture
def other_asset(other_project, asset_type, admin) -> Entity:
    return services.create_asset(
        project=other_project, asset_type=asset_type, name="Boris", created_by=admin
    )


def task_body(project, entity, task_type, task_status, **extra) -> dict:
    return {
        "name": "main",
        "project_id": str(project.pk),
        "entity_id": str(entity.pk),
        "task_type_id": str(task_type.pk),
        "task_status_id": str(task_status.pk),
        **extra,
    }


def close(project: Project) -> Project:
    project.project_status = ProjectStatus.objects.get(name="Closed")
    project.save()
    return project


# ---------------------------------------------------------------------------------------------
# Projects


def test_create_project_as_gazu_does(admin_client, default_data, make_person, task_type):
    """gazu.project.new_project: the name, kinds, and the lists of linked ids."""
    artist = make_person()
    todo = TaskStatus.objects.get(short_name="todo")
    asset_types = ids(*selectors.asset_types()[:2])
    body = {
        "name": "Spring",
        "production_type": "short",
        "production_style": "2d3d",
        "team": ids(artist),
        "asset_types": asset_types,
        "task_statuses": ids(todo),
        "task_types": ids(task_type),
    }

    response = admin_client.post(collection_url("projects"), body, format="json")

    assert response.status_code == 201
    row = response.json()
    assert row["project_status_id"] == str(ProjectStatus.objects.get(name="Open").pk)
    assert row["team"] == ids(artist)
    assert sorted(row["asset_types"]) == sorted(asset_types)
    assert row["task_statuses"] == ids(todo)
    assert row["task_types"] == ids(task_type)
    assert row["fps"] == "25"
    project = Project.objects.get(pk=row["id"])
    assert list(project.team.all()) == [artist]


@pytest.mark.parametrize("fps", ["24000/1001", "25", "23.976", "30000/1001", "12.5"])
def test_project_fps_keeps_exact_rates(admin_client, project, fps):
    created = admin_client.post(
        collection_url("projects"), {"name": f"At {fps}", "fps": fps}, format="json"
    )
    updated = admin_client.put(instance_url("projects", project.pk), {"fps": fps}, format="json")

    assert created.status_code == 201
    assert created.json()["fps"] == fps
    assert updated.status_code == 200
    assert updated.json()["fps"] == fps
    project.refresh_from_db()
    assert project.fps == fps


@pytest.mark.parametrize("fps", ["abc", "0", "-24", "24/0", "1/2/3", "24fps"])
def test_project_fps_refuses_what_is_not_a_rate(admin_client, project, fps):
    before_count = Project.objects.count()
    before = stored_row(project)

    created = admin_client.post(
        collection_url("projects"), {"name": "Broken", "fps": fps}, format="json"
    )
    updated = admin_client.put(instance_url("projects", project.pk), {"fps": fps}, format="json")

    assert_validation_error(created, "fps")
    assert_validation_error(updated, "fps")
    assert Project.objects.count() == before_count
    assert stored_row(project) == before


def test_delete_an_open_project_is_refused(admin_client, project):
    response = admin_client.delete(instance_url("projects", project.pk))

    assert response.status_code == 400
    assert response.json() == wrong_parameter("Only closed projects can be deleted")
    assert Project.objects.filter(pk=project.pk).exists()


def test_close_then_delete_a_project_as_gazu_does(admin_client, project):
    """gazu.project.close_project reads the statuses, PUTs the Closed one; then remove_project."""
    statuses = admin_client.get(collection_url("project-status")).json()
    closed = next(status for status in statuses if status["name"].lower() == "closed")
    url = instance_url("projects", project.pk)

    closing = admin_client.put(url, {"project_status_id": closed["id"]}, format="json")
    deleted = admin_client.delete(url)

    assert closing.status_code == 200
    assert closing.json()["project_status_id"] == closed["id"]
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_not_found(admin_client.get(url))


@pytest.fixture
def busy_project(project, asset, shot, task, admin, add_to_team, make_person):
    """A closed project with a team, entities, an asset in an asset, tasks and comments."""
    add_to_team(make_person())
    prop = services.create_asset(
        project=project, asset_type=asset.entity_type, name="Carrot", created_by=admin
    )
    services.create_asset_instance(asset=prop, target_asset=asset)
    comment = services.create_comment(task=task, task_status=task.task_status, author=admin)
    AttachmentFile.objects.create(
        name="a.png", extension="png", mimetype="image/png", comment=comment
    )
    return close(project)


def test_delete_a_closed_project_with_data_needs_force(admin_client, busy_project):
    before = {
        model: model.objects.count() for model in (Project, Entity, Task, Comment, AssetInstance)
    }

    response = admin_client.delete(instance_url("projects", busy_project.pk))

    assert response.status_code == 400
    assert response.json() == REFERENCED
    assert {model: model.objects.count() for model in before} == before


@pytest.mark.parametrize("force", ["true", "True"])
def test_force_delete_a_closed_project_removes_its_data(
    admin_client, busy_project, other_asset, force
):
    response = admin_client.delete(instance_url("projects", busy_project.pk) + f"?force={force}")

    assert response.status_code == 204
    assert not Project.objects.filter(pk=busy_project.pk).exists()
    assert not Entity.objects.filter(project_id=busy_project.pk).exists()
    assert not Task.objects.filter(project_id=busy_project.pk).exists()
    assert not ProjectPersonLink.objects.filter(project_id=busy_project.pk).exists()
    assert (Comment.objects.count(), AttachmentFile.objects.count()) == (0, 0)
    assert AssetInstance.objects.count() == 0
    assert list(Entity.objects.all()) == [other_asset]  # the other project keeps its data


def test_force_with_a_malformed_boolean_is_a_400(admin_client, busy_project):
    response = admin_client.delete(instance_url("projects", busy_project.pk) + "?force=maybe")

    assert response.status_code == 400
    assert response.json() == wrong_parameter("Invalid boolean value: maybe")
    assert Project.objects.filter(pk=busy_project.pk).exists()


def test_filter_projects_by_team_member(admin_client, project, other_project, make_person):
    artist = make_person()
    ProjectPersonLink.objects.create(project=other_project, person=artist)

    response = admin_client.get(collection_url("projects"), {"team": str(artist.pk)})

    assert result_ids(response) == {str(other_project.pk)}


# ---------------------------------------------------------------------------------------------
# Tasks


def test_create_a_task_on_an_entity_of_another_project_is_refused(
    admin_client, project, other_asset, task_type, task_status
):
    body = task_body(project, other_asset, task_type, task_status)

    response = admin_client.post(collection_url("tasks"), body, format="json")

    assert response.status_code == 400
    assert response.json() == wrong_parameter("The entity belongs to another project.")
    assert Task.objects.count() == 0


def test_move_a_task_to_an_entity_of_another_project_is_refused(admin_client, task, other_asset):
    before = stored_row(task)

    response = admin_client.put(
        instance_url("tasks", task.pk), {"entity_id": str(other_asset.pk)}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == wrong_parameter("The entity belongs to another project.")
    assert stored_row(task) == before


@pytest.mark.parametrize("difficulty", [0, 6])
def test_task_difficulty_stays_between_1_and_5(
    admin_client, project, asset, task_type, task_status, difficulty
):
    body = task_body(project, asset, task_type, task_status, difficulty=difficulty)

    response = admin_client.post(collection_url("tasks"), body, format="json")

    assert response.status_code == 400
    assert response.json() == INTEGRITY
    assert Task.objects.count() == 0


def test_filter_tasks_by_project_entity_and_assignee(
    admin_client, task, other_project, other_asset, task_type, task_status, make_person
):
    artist = make_person()
    other_task = services.create_task(
        values={
            "name": "main",
            "project": other_project,
            "entity": other_asset,
            "task_type": task_type,
            "task_status": task_status,
        }
    )
    other_task.assignees.add(artist)
    url = collection_url("tasks")

    assert result_ids(admin_client.get(url, {"project_id": str(task.project_id)})) == {str(task.pk)}
    assert result_ids(admin_client.get(url, {"entity_id": str(other_asset.pk)})) == {
        str(other_task.pk)
    }
    assert result_ids(admin_client.get(url, {"assignees": str(artist.pk)})) == {str(other_task.pk)}
    both = admin_client.get(url, {"project_id": [str(task.project_id), str(other_project.pk)]})
    assert result_ids(both) == {str(task.pk), str(other_task.pk)}
    none = admin_client.get(url, {"project_id": str(task.project_id), "assignees": str(artist.pk)})
    assert result_ids(none) == set()


def test_task_assignees_are_listed_on_reads_but_not_after_an_update(
    admin_client, task, make_person
):
    artist = make_person()
    url = instance_url("tasks", task.pk)

    updated = admin_client.put(url, {"assignees": ids(artist)}, format="json")
    read = admin_client.get(url)
    listed = admin_client.get(collection_url("tasks"), {"relations": "True"})

    assert updated.status_code == 200
    assert "assignees" not in updated.json()
    assert read.json()["assignees"] == ids(artist)
    assert listed.json()[0]["assignees"] == ids(artist)


# ---------------------------------------------------------------------------------------------
# Entities


def test_create_an_entity_records_who_created_it(admin_client, admin, project, asset_type):
    body = {"name": "Burrow", "project_id": str(project.pk), "entity_type_id": str(asset_type.pk)}

    response = admin_client.post(collection_url("entities"), body, format="json")

    assert response.status_code == 201
    assert response.json()["created_by_id"] == str(admin.pk)
    assert response.json()["type"] == "Entity"


def test_create_an_entity_under_a_parent_of_another_project_is_refused(
    admin_client, other_project, sequence
):
    body = {
        "name": "SH020",
        "project_id": str(other_project.pk),
        "entity_type_id": str(sequence.entity_type_id),
        "parent_id": str(sequence.pk),
    }
    before = Entity.objects.count()

    response = admin_client.post(collection_url("entities"), body, format="json")

    assert response.status_code == 400
    assert response.json() == wrong_parameter("The parent entity belongs to another project.")
    assert Entity.objects.count() == before


@pytest.mark.parametrize("key", ["parent_id", "source_id"])
def test_an_entity_keeps_its_parent_and_source_in_its_project(
    admin_client, shot, sequence, other_project, admin, key
):
    """Even an admin, who may write anywhere, cannot hang a shot under (or source it from)
    another production's rows: such a row is inconsistent, not a matter of rights."""
    foreign = services.create_temporal_entity(
        kind="Sequence", project=other_project, name="SQ99", created_by=admin
    )
    before = stored_row(shot)

    moved = admin_client.put(
        instance_url("entities", shot.pk), {key: str(foreign.pk)}, format="json"
    )
    body = {
        "name": "SH020",
        "project_id": str(shot.project_id),
        "entity_type_id": str(shot.entity_type_id),
        key: str(foreign.pk),
    }
    created = admin_client.post(collection_url("entities"), body, format="json")

    what = "parent entity" if key == "parent_id" else "source entity"
    for response in (moved, created):
        assert response.status_code == 400
        assert response.json() == wrong_parameter(f"The {what} belongs to another project.")
    assert stored_row(shot) == before
    assert not Entity.objects.filter(name="SH020").exists()


def test_an_entity_moves_with_its_parent(admin_client, shot, sequence, other_project):
    """Moving a shot to another project with a parent there is consistent: accepted."""
    foreign = services.create_temporal_entity(
        kind="Sequence", project=other_project, name="SQ99", created_by=shot.created_by
    )
    body = {"project_id": str(other_project.pk), "parent_id": str(foreign.pk)}

    response = admin_client.put(instance_url("entities", shot.pk), body, format="json")

    assert response.status_code == 200, response.json()
    shot.refresh_from_db()
    assert (shot.project_id, shot.parent_id) == (other_project.pk, foreign.pk)


@pytest.mark.parametrize("key", ["scene_id", "target_asset_id"])
def test_an_asset_instance_is_cast_in_its_asset_project_unless_shared(
    admin_client, asset, shot, other_asset, key
):
    """An asset of another production is cast into ours only if it is shared: through the
    CRUD as through the asset-instance route."""
    container = shot if key == "scene_id" else asset
    body = {"asset_id": str(other_asset.pk), key: str(container.pk)}

    refused = admin_client.post(collection_url("asset-instances"), body, format="json")
    assert refused.status_code == 400
    assert refused.json() == wrong_parameter("The asset belongs to another project.")
    assert not AssetInstance.objects.exists()

    other_asset.is_shared = True
    other_asset.save()
    created = admin_client.post(collection_url("asset-instances"), body, format="json")
    assert created.status_code == 201, created.json()
    instance = AssetInstance.objects.get()

    other_asset.is_shared = False
    other_asset.save()
    url = instance_url("asset-instances", instance.pk)
    # Unshared since: the instance stays editable, but is not cast anew.
    assert admin_client.put(url, {"description": "x"}, format="json").status_code == 200
    recast = admin_client.put(url, {key: str(container.pk)}, format="json")
    assert recast.status_code == 400


def test_delete_an_entity_with_tasks_needs_force(admin_client, task):
    url = instance_url("entities", task.entity_id)

    refused = admin_client.delete(url)
    assert refused.status_code == 400
    assert Entity.objects.filter(pk=task.entity_id).exists()
    assert Task.objects.filter(pk=task.pk).exists()

    forced = admin_client.delete(url + "?force=true")
    assert forced.status_code == 204
    assert not Entity.objects.filter(pk=task.entity_id).exists()
    assert not Task.objects.filter(pk=task.pk).exists()


# ---------------------------------------------------------------------------------------------
# Persons


def login(client_for, email: str, password: str):
    return client_for(None).post(
        "/api/auth/login", {"email": email, "password": password}, format="json"
    )


def test_a_person_created_with_a_password_can_log_in(admin_client, client_for, default_data):
    body = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@studio.test"}
    body["password"] = "cobol forever"

    created = admin_client.post(collection_url("persons"), body, format="json")
    response = login(client_for, "grace@studio.test", "cobol forever")

    assert created.status_code == 201
    assert "password" not in created.json()
    assert created.json()["full_name"] == "Grace Hopper"
    assert response.status_code == 200
    assert response.json()["login"] is True
    assert response.json()["user"]["id"] == created.json()["id"]
    assert "password" not in response.json()["user"]
    assert login(client_for, "grace@studio.test", "wrong").json()["login"] is False


def test_a_person_created_without_a_password_cannot_log_in(admin_client, client_for):
    body = {"first_name": "Linus", "email": "linus@studio.test"}

    assert admin_client.post(collection_url("persons"), body, format="json").status_code == 201
    response = login(client_for, "linus@studio.test", "")

    assert response.status_code == 400
    assert response.json() == WRONG_CREDENTIALS


def test_update_a_password(admin_client, client_for, make_person):
    person = make_person()
    url = instance_url("persons", person.pk)

    response = admin_client.put(url, {"password": "a new one"}, format="json")

    assert response.status_code == 200
    assert "password" not in response.json()
    assert login(client_for, person.email, "a new one").status_code == 200
    assert login(client_for, person.email, PASSWORD).status_code == 400


def test_role_artist_is_an_alias_of_user(admin_client, make_person):
    body = {"first_name": "Ada", "email": "ada@studio.test", "role": "artist"}
    supervisor = make_person(Role.SUPERVISOR)

    created = admin_client.post(collection_url("persons"), body, format="json")
    updated = admin_client.put(
        instance_url("persons", supervisor.pk), {"role": "artist"}, format="json"
    )

    assert created.status_code == 201
    assert created.json()["role"] == "user"
    assert updated.status_code == 200
    assert updated.json()["role"] == "user"
    supervisor.refresh_from_db()
    assert supervisor.role == Role.ARTIST


def test_an_unknown_role_is_a_validation_error(admin_client):
    body = {"first_name": "Merlin", "email": "merlin@studio.test", "role": "wizard"}

    response = admin_client.post(collection_url("persons"), body, format="json")

    assert_validation_error(response, "role")
    assert not Person.objects.filter(email="merlin@studio.test").exists()


def test_emails_are_unique_whatever_their_case(admin_client, make_person):
    """Log-in matches e-mails case-insensitively, so two people cannot differ only by case."""
    person = make_person()
    body = {"first_name": "Twin", "email": person.email.upper()}

    response = admin_client.post(collection_url("persons"), body, format="json")

    assert response.status_code == 400
    assert response.json() == UNIQUE_VIOLATION
    assert Person.objects.filter(email__iexact=person.email).count() == 1


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_float_columns_refuse_values_that_are_not_finite(admin_client, task, value):
    response = admin_client.put(
        instance_url("tasks", task.pk), {"estimation": value}, format="json"
    )

    assert_validation_error(response, "estimation")
    task.refresh_from_db()
    assert task.estimation == 0


def test_find_a_person_by_email_as_gazu_does(admin_client, admin, make_person):
    """gazu.person.get_person_by_email: `?email=<e>&is_bot=False`."""
    person = make_person()
    url = collection_url("persons")

    found = admin_client.get(url, {"email": person.email, "is_bot": "False"})
    as_bot = admin_client.get(url, {"email": person.email, "is_bot": "True"})

    assert result_ids(found) == {str(person.pk)}
    assert result_ids(as_bot) == set()


# ---------------------------------------------------------------------------------------------
# Reference data and filters gazu relies on


def test_task_types_without_department_are_unique_by_name_and_kind(admin_client, default_data):
    url = collection_url("task-types")
    body = {"name": "Grooming", "for_entity": "Asset"}

    first = admin_client.post(url, body, format="json")
    again = admin_client.post(url, body, format="json")
    for_shots = admin_client.post(url, {**body, "for_entity": "Shot"}, format="json")

    assert first.status_code == 201
    assert first.json()["department_id"] is None
    assert again.status_code == 400
    assert again.json() == UNIQUE_VIOLATION
    assert for_shots.status_code == 201
    assert TaskType.objects.filter(name="Grooming").count() == 2


def test_gazu_lookups_by_name_and_flag(admin_client, default_data):
    default_status = admin_client.get(collection_url("task-status"), {"is_default": "True"})
    asset_type = admin_client.get(collection_url("entity-types"), {"name": "character"})

    assert [row["short_name"] for row in default_status.json()] == ["todo"]
    assert [row["name"] for row in asset_type.json()] == ["Character"]


def test_fields_accepts_several_keys(admin_client, default_data):
    rows = admin_client.get(collection_url("project-status"), {"fields": "name, color"}).json()

    assert {row["name"] for row in rows} == {"Open", "Closed"}
    assert all(set(row) == {"id", "type", "name", "color"} for row in rows)


@pytest.mark.parametrize(
    "collection, params, message",
    [
        (
            "task-types",
            {"priority": "high"},
            "One of the value of the filter has not the proper format: priority=high",
        ),
        (
            "persons",
            {"last_presence": "yesterday"},
            "One of the value of the filter has not the proper format: last_presence=yesterday",
        ),
        (
            "projects",
            {"name": "Big\x00Buck"},
            "One of the value of the filter has not the proper format: name=Big\x00Buck",
        ),
        (
            "persons",
            {"email": "x\x00@studio.test"},
            "One of the value of the filter has not the proper format: email=x\x00@studio.test",
        ),
        (
            "task-types",
            {"priority": str(2**63)},
            f"One of the value of the filter has not the proper format: priority={2**63}",
        ),
        ("projects", {"page": str(2**63)}, "page is out of range."),
        ("projects", {"page": str(-(2**63))}, "page is out of range."),
        ("projects", {"page": "1", "limit": str(10**30)}, "limit is out of range."),
    ],
)
def test_filter_values_the_database_cannot_take_are_a_400(
    admin_client, project, collection, params, message
):
    response = admin_client.get(collection_url(collection), params)

    assert response.status_code == 400
    assert response.json() == wrong_parameter(message)


@pytest.mark.parametrize("key, value", [("data", {"note": "a\x00b"}), ("file_tree", ["\x00"])])
def test_json_values_with_null_characters_are_refused(admin_client, project, key, value):
    before = stored_row(project)

    created = admin_client.post(
        collection_url("projects"), {"name": "Nul", key: value}, format="json"
    )
    updated = admin_client.put(instance_url("projects", project.pk), {key: value}, format="json")

    assert_validation_error(created, key)
    assert_validation_error(updated, key)
    assert not Project.objects.filter(name="Nul").exists()
    assert stored_row(project) == before


def test_unknown_foreign_key_is_a_validation_error(admin_client, project, asset_type):
    body = {"name": "Ghost", "project_id": str(uuid.uuid4()), "entity_type_id": str(asset_type.pk)}

    response = admin_client.post(collection_url("entities"), body, format="json")

    assert_validation_error(response, "project_id")
    assert not Entity.objects.filter(name="Ghost").exists()


# ---------------------------------------------------------------------------------------------
# Routing: trailing slashes, wrong methods, unknown URLs


def test_writes_accept_a_trailing_slash(admin_client, default_data):
    created = admin_client.post(
        collection_url("output-types") + "/", {"name": "Render"}, format="json"
    )
    url = instance_url("output-types", created.json()["id"]) + "/"
    updated = admin_client.put(url, {"short_name": "rnd"}, format="json")
    deleted = admin_client.delete(url)

    assert created.status_code == 201
    assert updated.status_code == 200
    assert updated.json()["short_name"] == "rnd"
    assert deleted.status_code == 204


@pytest.mark.parametrize(
    "method, on_instance",
    [
        ("patch", False),
        ("put", False),
        ("delete", False),
        ("patch", True),
        ("post", True),
    ],
)
def test_a_wrong_method_is_a_405(admin_client, project, method, on_instance):
    url = instance_url("projects", project.pk) if on_instance else collection_url("projects")

    response = getattr(admin_client, method)(url, {"name": "x"}, format="json")

    assert response.status_code == 405
    assert response.json() == METHOD_NOT_ALLOWED
    assert Project.objects.get(pk=project.pk).name == project.name


@pytest.mark.parametrize(
    "path",
    [
        "/api/data/unknown-things",
        "/api/data/unknown-things/",
        "/api/nothing/here",
        "/api/data/projects/{id}/nothing",
        "/api/data/projects/{id}/team/{id}/more",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_an_unknown_url_is_a_json_404(admin_client, project, path, method):
    response = getattr(admin_client, method)(path.format(id=project.pk))

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
