"""Working files driven through gazu 1.3.1 against the live server.

What gazu's files module calls for working files: new revisions, reads and listings,
comments, and content upload and download. The project uses the `simple` tree, so stored paths
are Zou's strings.
"""

import hashlib
import os
from pathlib import Path
from types import SimpleNamespace

import gazu
import pytest
from django.core.files.storage import storages
from gazu.exception import ParameterException, RouteNotFoundException

from production.models import Role, TaskType
from working_files.models import WorkingFile

pytestmark = pytest.mark.live

# The keys of Zou 1.0.97's working-file dict, as gazu receives it.
WORKING_FILE_KEYS = {
    "id",
    "type",
    "name",
    "description",
    "comment",
    "revision",
    "size",
    "checksum",
    "path",
    "data",
    "task_id",
    "entity_id",
    "person_id",
    "software_id",
    "validation_status",
    "shotgun_id",
    "created_at",
    "updated_at",
}
FOLDER = "/simple/productions/big_buck_bunny/assets/character/bunny/modeling"
STEM = "big_buck_bunny_character_bunny_modeling"


@pytest.fixture(autouse=True)
def files_storage(settings, tmp_path):
    """Local `files` storage in this test's own folder (never the checkout's data/ folder)."""
    root = tmp_path / "files"
    settings.FS_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    assert Path(storages["files"].location) == root
    return root


@pytest.fixture
def prod(gazu_admin, project, asset, task, admin):
    """Big Buck Bunny on the `simple` tree, with the Bunny asset's Modeling task, as gazu
    sees them."""
    gazu.client.post(f"actions/projects/{project.pk}/set-file-tree", {"tree_name": "simple"})
    return SimpleNamespace(
        project=gazu.project.get_project(str(project.pk)),
        asset=gazu.asset.get_asset(str(asset.pk)),
        task=gazu.task.get_task(str(task.pk)),
        admin_id=str(admin.pk),
    )


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def write(path: Path, content: bytes) -> str:
    path.write_bytes(content)
    return str(path)


# ---------------------------------------------------------------------------------------------
# new_working_file


def test_new_working_file_numbers_revisions_1_then_2(prod):
    first = gazu.files.new_working_file(prod.task)
    second = gazu.files.new_working_file(prod.task)

    assert set(first) == WORKING_FILE_KEYS
    assert first["type"] == "WorkingFile"
    assert (first["name"], first["revision"]) == ("main", 1)
    assert (second["name"], second["revision"]) == ("main", 2)
    assert first["path"] == f"{FOLDER}/blender/{STEM}_main_v001"
    assert second["path"] == f"{FOLDER}/blender/{STEM}_main_v002"
    assert first["task_id"] == prod.task["id"]
    assert first["entity_id"] == prod.asset["id"]
    assert first["person_id"] == prod.admin_id
    assert first["comment"] == ""
    assert (first["size"], first["checksum"]) == (None, None)
    assert first["validation_status"] == "neutral"


def test_new_working_file_explicit_revision_then_auto_continues_after_it(prod):
    tenth = gazu.files.new_working_file(prod.task, revision=10, comment="forced")
    eleventh = gazu.files.new_working_file(prod.task)

    assert tenth["revision"] == 10
    assert tenth["comment"] == "forced"
    assert tenth["path"].endswith("_main_v010")
    assert eleventh["revision"] == 11


def test_new_working_file_duplicate_revision_raises_parameter_exception(prod):
    gazu.files.new_working_file(prod.task, revision=10)

    with pytest.raises(ParameterException) as raised:
        gazu.files.new_working_file(prod.task, revision=10)

    assert raised.value.args[1] == "The given working file already exists."
    assert [wf["revision"] for wf in gazu.files.get_working_files_for_task(prod.task)] == [10]


def test_new_working_file_defaults_to_blender_and_keeps_a_given_software(prod):
    default = gazu.files.new_working_file(prod.task)
    blender = gazu.files.get_software_by_name("Blender")
    maya = gazu.files.new_software("Maya", "maya", ".ma")

    given = gazu.files.new_working_file(prod.task, name="layout", software=maya)

    assert (blender["short_name"], blender["file_extension"]) == ("blender", ".blend")
    assert default["software_id"] == blender["id"]
    assert given["software_id"] == maya["id"]
    assert given["path"] == f"{FOLDER}/maya/{STEM}_layout_v001"


def test_new_working_file_assigns_the_caller_not_the_author(prod, make_person, add_to_team):
    artist = add_to_team(make_person(Role.ARTIST))
    assert gazu.task.get_task(prod.task["id"])["assignees"] == []

    working_file = gazu.files.new_working_file(prod.task, person=str(artist.pk))

    assert working_file["person_id"] == str(artist.pk)
    assert gazu.task.get_task(prod.task["id"])["assignees"] == [prod.admin_id]


def test_new_working_file_sep_is_not_sent_by_gazu(prod):
    # gazu 1.3.1 takes `sep` but leaves it out of the body: the server default "/" applies.
    working_file = gazu.files.new_working_file(prod.task, sep="\\")

    assert working_file["path"] == f"{FOLDER}/blender/{STEM}_main_v001"


# ---------------------------------------------------------------------------------------------
# Listings


@pytest.fixture
def history(prod):
    """main r1..r3 and hotfix r1..r2 on the task, main r1 on a second task of the asset."""
    made = [gazu.files.new_working_file(prod.task) for _ in range(3)]
    made += [gazu.files.new_working_file(prod.task, name="hotfix") for _ in range(2)]
    rigging = TaskType.objects.get(name="Rigging", for_entity="Asset")
    other_task = gazu.task.new_task(prod.asset, str(rigging.pk))
    other = gazu.files.new_working_file(other_task)
    return SimpleNamespace(made=made, other_task=other_task, other=other)


def test_get_working_files_for_task_lists_every_revision_newest_first(prod, history):
    rows = gazu.files.get_working_files_for_task(prod.task)

    assert sorted(row["id"] for row in rows) == sorted(wf["id"] for wf in history.made)
    revisions = [row["revision"] for row in rows]
    assert revisions == sorted(revisions, reverse=True)
    assert sorted((row["name"], row["revision"]) for row in rows) == [
        ("hotfix", 1),
        ("hotfix", 2),
        ("main", 1),
        ("main", 2),
        ("main", 3),
    ]
    assert all(set(row) == WORKING_FILE_KEYS for row in rows)


def test_get_last_working_files_is_a_dict_keyed_by_name(prod, history):
    last = gazu.files.get_last_working_files(prod.task)

    assert set(last) == {"main", "hotfix"}
    assert last["main"]["id"] == history.made[2]["id"]
    assert last["main"]["revision"] == 3
    assert last["hotfix"]["id"] == history.made[4]["id"]
    assert last["hotfix"]["revision"] == 2
    assert gazu.files.get_last_working_files(history.other_task) == {"main": history.other}


def test_get_last_working_files_of_a_task_without_any_is_empty(prod):
    assert gazu.files.get_last_working_files(prod.task) == {}


def test_get_last_working_file_revision(prod, history):
    assert gazu.files.get_last_working_file_revision(prod.task)["revision"] == 3
    assert gazu.files.get_last_working_file_revision(prod.task, "hotfix")["revision"] == 2
    assert gazu.files.get_last_working_file_revision(prod.task, "nothing") is None


def test_get_all_working_files_for_entity_with_and_without_filters(prod, history):
    everything = gazu.files.get_all_working_files_for_entity(prod.asset)
    of_task = gazu.files.get_all_working_files_for_entity(prod.asset, task=prod.task)
    of_other = gazu.files.get_all_working_files_for_entity(prod.asset, task=history.other_task)
    hotfixes = gazu.files.get_all_working_files_for_entity(prod.asset, name="hotfix")
    main_of_task = gazu.files.get_all_working_files_for_entity(
        prod.asset, task=prod.task, name="main"
    )

    all_ids = {wf["id"] for wf in history.made} | {history.other["id"]}
    assert {row["id"] for row in everything} == all_ids
    assert len(everything) == 6
    assert {row["id"] for row in of_task} == {wf["id"] for wf in history.made}
    assert [row["id"] for row in of_other] == [history.other["id"]]
    assert [(row["name"], row["revision"]) for row in hotfixes] == [("hotfix", 2), ("hotfix", 1)]
    assert [(row["name"], row["revision"]) for row in main_of_task] == [
        ("main", 3),
        ("main", 2),
        ("main", 1),
    ]


def test_get_working_file(prod):
    made = gazu.files.new_working_file(prod.task, comment="first pass")

    fetched = gazu.files.get_working_file(made["id"])

    # The single read is the list item plus `outputs`, as in Zou.
    assert fetched == {**made, "outputs": []}


# ---------------------------------------------------------------------------------------------
# Comment and modification date


def test_update_comment(prod):
    made = gazu.files.new_working_file(prod.task)
    before = WorkingFile.objects.get(pk=made["id"]).updated_at

    updated = gazu.files.update_comment(made, "blocking done")

    assert WorkingFile.objects.get(pk=made["id"]).updated_at > before
    assert updated["id"] == made["id"]
    assert updated["comment"] == "blocking done"
    assert gazu.files.get_working_file(made["id"])["comment"] == "blocking done"


def test_update_modification_date(prod):
    made = gazu.files.new_working_file(prod.task)
    before = WorkingFile.objects.get(pk=made["id"]).updated_at

    updated = gazu.files.update_modification_date(made)

    row = WorkingFile.objects.get(pk=made["id"])
    assert row.updated_at > before  # Zou's dates have no microseconds: compare the rows
    assert updated["id"] == made["id"]
    assert updated["updated_at"] == row.updated_at.strftime("%Y-%m-%dT%H:%M:%S")
    assert updated["created_at"] == made["created_at"]
    assert gazu.files.get_working_file(made["id"])["updated_at"] == updated["updated_at"]


# ---------------------------------------------------------------------------------------------
# Content


def test_upload_then_download_to_a_given_path(prod, tmp_path):
    made = gazu.files.new_working_file(prod.task)
    content = os.urandom(1024 * 1024 + 123)

    answer = gazu.files.upload_working_file(made, write(tmp_path / "scene.blend", content))

    assert not isinstance(answer.get("message"), str)
    assert answer["id"] == made["id"]
    assert answer["size"] == len(content)
    assert answer["checksum"] == sha256(content)
    target = tmp_path / "downloaded.blend"
    response = gazu.files.download_working_file(made, file_path=str(target))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["ETag"] == f'"{sha256(content)}"'
    assert "Content-Encoding" not in response.headers
    assert target.read_bytes() == content


def test_upload_and_download_with_progress_callbacks(prod, tmp_path):
    made = gazu.files.new_working_file(prod.task)
    content = os.urandom(700 * 1024)
    uploaded, downloaded = [], []

    gazu.files.upload_working_file(
        made,
        write(tmp_path / "scene.blend", content),
        progress_callback=lambda done, total: uploaded.append((done, total)),
    )
    target = tmp_path / "downloaded.blend"
    gazu.files.download_working_file(
        made,
        file_path=str(target),
        progress_callback=lambda done, total: downloaded.append((done, total)),
    )

    assert uploaded[-1] == (len(content), len(content))
    assert downloaded[-1] == (len(content), len(content))
    assert target.read_bytes() == content


def test_reupload_replaces_what_download_gives(prod, tmp_path):
    made = gazu.files.new_working_file(prod.task)
    gazu.files.upload_working_file(made, write(tmp_path / "v1.blend", b"first version"))
    second = os.urandom(300 * 1024)

    answer = gazu.files.upload_working_file(made, write(tmp_path / "v2.blend", second))

    assert answer["checksum"] == sha256(second)
    target = tmp_path / "downloaded.blend"
    gazu.files.download_working_file(made, file_path=str(target))
    assert target.read_bytes() == second


def test_download_without_a_target_writes_to_the_working_file_path(prod, tmp_path):
    """gazu saves to the working file's `path` when no target is given: a studio tree whose
    mountpoint is a real folder."""
    mountpoint = tmp_path / "mnt"
    tree = {
        "working": {
            "mountpoint": str(mountpoint),
            "root": "work",
            "folder_path": {"asset": "<Project>/<Asset>/<TaskType>", "style": "lowercase"},
            "file_name": {"asset": "<Asset>_<Name>_v<Revision>", "style": "lowercase"},
        }
    }
    gazu.files.update_project_file_tree(prod.project, tree)
    made = gazu.files.new_working_file(prod.task)
    expected = mountpoint / "work" / "big_buck_bunny" / "bunny" / "modeling" / "bunny_main_v001"
    assert made["path"] == str(expected)
    content = os.urandom(64 * 1024)
    gazu.files.upload_working_file(made, write(tmp_path / "scene.blend", content))
    expected.parent.mkdir(parents=True)

    response = gazu.files.download_working_file(made["id"])

    assert response.status_code == 200
    assert expected.read_bytes() == content


def test_download_of_a_never_uploaded_working_file_raises_route_not_found(prod, tmp_path):
    made = gazu.files.new_working_file(prod.task)
    target = tmp_path / "never.blend"

    with pytest.raises(RouteNotFoundException):
        gazu.files.download_working_file(made, file_path=str(target))

    assert not target.exists()  # gazu checks the status before opening the target


def test_download_after_an_empty_upload_raises_route_not_found(prod, tmp_path):
    made = gazu.files.new_working_file(prod.task)
    answer = gazu.files.upload_working_file(made, write(tmp_path / "empty.blend", b""))
    assert answer["size"] == 0

    with pytest.raises(RouteNotFoundException):
        gazu.files.download_working_file(made, file_path=str(tmp_path / "empty_copy.blend"))
