"""gazu 1.3.1 against the live server: comments with attachments that come back byte for
byte, the attachment listings, and the entity preview listings keyed by task type (shots,
edits, concepts, playlists)."""

import os

import gazu
import pytest
from gazu.exception import NotAllowedException, RouteNotFoundException
from PIL import Image

from production import services as production_services
from production.models import Role, TaskType
from tests.conftest import PASSWORD

pytestmark = pytest.mark.live


@pytest.fixture
def attachments(tmp_path):
    """Files of arbitrary bytes: NUL bytes and invalid UTF-8, a few MB of noise, an empty
    one."""
    files = {
        "notes.bin": b"\x00\xff\xfe\x80\r\n\xc3\x28" * 4096,
        "plate.exr": os.urandom(3 * 1024 * 1024) + b"\x00",
        "empty.txt": b"",
    }
    paths = []
    for name, content in files.items():
        path = tmp_path / name
        path.write_bytes(content)
        paths.append(str(path))
    return files, paths


def test_comment_attachments_download_identical(
    gazu_admin, project, task, task_status, attachments, tmp_path
):
    files, paths = attachments
    comment = gazu.task.add_comment(
        str(task.pk), str(task_status.pk), "see attached", attachments=paths
    )
    assert comment["text"] == "see attached"
    assert sorted(a["name"] for a in comment["attachment_files"]) == sorted(files)

    listed = gazu.files.get_all_attachment_files_for_task(str(task.pk))
    assert sorted((a["name"], a["size"]) for a in listed) == sorted(
        (name, len(content)) for name, content in files.items()
    )
    assert sorted(a["id"] for a in gazu.files.get_all_attachment_files_for_project(
        str(project.pk)
    )) == sorted(a["id"] for a in listed)  # fmt: skip

    for attachment in listed:
        assert gazu.files.get_attachment_file(attachment["id"])["name"] == attachment["name"]
        target = tmp_path / "downloads" / attachment["name"]
        target.parent.mkdir(exist_ok=True)
        gazu.files.download_attachment_file(attachment, str(target))
        assert target.read_bytes() == files[attachment["name"]]


def test_add_comment_with_one_picture_attachment(gazu_admin, task, task_status, tmp_path):
    picture = tmp_path / "ref.png"
    Image.new("RGB", (64, 32), (200, 10, 10)).save(picture)
    gazu.task.add_comment(str(task.pk), str(task_status.pk), attachments=[str(picture)])
    (attachment,) = gazu.files.get_all_attachment_files_for_task(str(task.pk))
    assert attachment["mimetype"] == "image/png"
    target = tmp_path / "back.png"
    gazu.files.download_attachment_file(attachment["id"], str(target))
    assert target.read_bytes() == picture.read_bytes()


def test_add_attachment_files_to_comment(gazu_admin, task, task_status, attachments, tmp_path):
    files, paths = attachments
    comment = gazu.task.add_comment(str(task.pk), str(task_status.pk), "more to come")
    added = gazu.task.add_attachment_files_to_comment(str(task.pk), comment, paths)
    assert sorted(a["name"] for a in added) == sorted(files)
    for attachment in added:
        target = tmp_path / "back" / attachment["name"]
        target.parent.mkdir(exist_ok=True)
        gazu.files.download_attachment_file(attachment, str(target))
        assert target.read_bytes() == files[attachment["name"]]


def test_attachments_of_another_production_are_refused(
    gazu_admin, task, task_status, attachments, make_person, tmp_path
):
    _, paths = attachments
    gazu.task.add_comment(str(task.pk), str(task_status.pk), attachments=paths[:1])
    (attachment,) = gazu.files.get_all_attachment_files_for_task(str(task.pk))
    stranger = make_person(Role.ARTIST)
    gazu.log_out()
    gazu.log_in(stranger.email, PASSWORD)
    with pytest.raises(NotAllowedException):
        gazu.files.get_all_attachment_files_for_task(str(task.pk))
    with pytest.raises(NotAllowedException):
        gazu.files.download_attachment_file(attachment, str(tmp_path / "nope"))


def test_entity_preview_listings(gazu_admin, project, shot, task_status, tmp_path, admin):
    picture = tmp_path / "frame.png"
    Image.new("RGB", (64, 36), (10, 200, 10)).save(picture)
    animation = TaskType.objects.get(name="Animation", for_entity="Shot")
    task = gazu.task.new_task(
        gazu.shot.get_shot(str(shot.pk)), str(animation.pk), task_status={"id": str(task_status.pk)}
    )
    comment = gazu.task.add_comment(task, str(task_status.pk), "v1")
    first = gazu.task.add_preview(task, comment, preview_file_path=str(picture))
    extra = gazu.task.add_extra_preview(task, comment, first, preview_file_path=str(picture))
    second = gazu.task.add_preview(
        task, gazu.task.add_comment(task, str(task_status.pk), "v2"), str(picture)
    )

    by_type = gazu.shot.all_previews_for_shot(str(shot.pk))
    assert list(by_type) == [str(animation.pk)]
    newest, oldest = by_type[str(animation.pk)]
    assert (newest["id"], newest["revision"], newest["previews"]) == (second["id"], 2, [])
    assert (oldest["id"], oldest["revision"]) == (first["id"], 1)
    assert [p["id"] for p in oldest["previews"]] == [extra["id"]]
    assert (oldest["extension"], oldest["width"], oldest["height"]) == ("png", 64, 36)
    assert gazu.playlist.get_entity_preview_files(str(shot.pk)) == by_type

    for kind, listing in (
        ("Edit", gazu.edit.all_previews_for_edit),
        ("Concept", gazu.concept.all_previews_for_concept),
    ):
        entity = production_services.create_temporal_entity(
            kind=kind, project=project, name=f"{kind} 1", created_by=admin
        )
        task_type = TaskType.objects.create(name=f"{kind} pass", for_entity=kind)
        other = gazu.task.new_task(
            gazu.entity.get_entity(str(entity.pk)),
            str(task_type.pk),
            task_status={"id": str(task_status.pk)},
        )
        note = gazu.task.add_comment(other, str(task_status.pk), kind)
        made = gazu.task.add_preview(other, note, preview_file_path=str(picture))
        ((entry,),) = listing(str(entity.pk)).values()
        assert entry["id"] == made["id"]
        # A shot's route does not name an edit or a concept.
        with pytest.raises(RouteNotFoundException):
            gazu.shot.all_previews_for_shot(str(entity.pk))
