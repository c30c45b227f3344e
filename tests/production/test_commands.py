"""init_data and create_admin: idempotent, and what gazu expects to find already there (the
organisation, the project and task statuses, the default file status, the entity types)."""

import pytest
from django.core.management import CommandError, call_command

from production.models import (
    EntityType,
    FileStatus,
    Organisation,
    Person,
    ProjectStatus,
    Role,
    TaskStatus,
    TaskType,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_reference_data")]


def table_sizes() -> dict[str, int]:
    models = (Organisation, ProjectStatus, TaskStatus, EntityType, TaskType, FileStatus)
    return {model.__name__: model.objects.count() for model in models}


def test_init_data_creates_what_clients_expect():
    call_command("init_data")
    assert Organisation.objects.count() == 1
    assert set(ProjectStatus.objects.values_list("name", flat=True)) == {"Open", "Closed"}
    default = TaskStatus.objects.get(is_default=True)
    assert default.short_name == "todo"
    assert TaskStatus.objects.filter(short_name="wip", is_wip=True).exists()
    assert FileStatus.objects.filter(name="To review").exists()
    for name in ("Shot", "Sequence", "Episode"):
        assert EntityType.objects.filter(name=name).exists()


def test_init_data_is_idempotent(capsys):
    call_command("init_data")
    first = table_sizes()
    call_command("init_data")
    assert table_sizes() == first
    assert "nothing new" in capsys.readouterr().out


def test_init_data_keeps_an_existing_default_status():
    TaskStatus.objects.create(name="Waiting", short_name="wait", color="#000000", is_default=True)
    call_command("init_data")
    assert list(
        TaskStatus.objects.filter(is_default=True).values_list("short_name", flat=True)
    ) == ["wait"]


def test_init_data_keeps_rows_edited_by_the_studio():
    call_command("init_data")
    TaskStatus.objects.filter(short_name="todo").update(color="#123456")
    call_command("init_data")
    assert TaskStatus.objects.get(short_name="todo").color == "#123456"


def test_create_admin_creates_a_person_who_can_log_in(client):
    call_command("create_admin", "boss@studio.test", "--password", "s3cret pass")
    person = Person.objects.get(email="boss@studio.test")
    assert person.role == Role.ADMIN
    response = client.post(
        "/api/auth/login",
        {"email": "boss@studio.test", "password": "s3cret pass"},
        content_type="application/json",
    )
    assert response.status_code == 200


def test_create_admin_again_resets_the_password_without_duplicating(make_person):
    person = make_person(Role.ARTIST, email="boss@studio.test")
    call_command("create_admin", "boss@studio.test", "--password", "new password")
    person.refresh_from_db()
    assert person.role == Role.ADMIN
    assert person.check_password("new password")
    assert Person.objects.filter(email="boss@studio.test").count() == 1


def test_create_admin_refuses_a_non_email():
    with pytest.raises(CommandError, match="e-mail"):
        call_command("create_admin", "boss", "--password", "x")
    assert not Person.objects.exists()
