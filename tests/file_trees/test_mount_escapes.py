"""A tree cannot point outside its mount: `..` elements (between `/` or `\\`) in a mountpoint,
root or template, and roots or templates that start a path of their own, are refused when the
tree is set, through every route that stores one, with nothing written."""

import copy

import pytest

from file_trees import engine
from file_trees.engine import FileTreeError, Subjects
from file_trees.shipped import shipped_tree
from production.models import Project


def changed(change) -> dict:
    tree = copy.deepcopy(shipped_tree("simple"))
    change(tree)
    return tree


# (change, the place the problem names)
ESCAPES = [
    (lambda t: t["working"].update(mountpoint="/simple/.."), "working.mountpoint"),
    (lambda t: t["working"].update(mountpoint="/simple/../etc"), "working.mountpoint"),
    (lambda t: t["output"].update(mountpoint="C:\\studio\\..\\windows"), "output.mountpoint"),
    (lambda t: t["working"].update(root=".."), "working.root"),
    (lambda t: t["working"].update(root="productions/../../etc"), "working.root"),
    (lambda t: t["preview"].update(root="productions\\..\\..\\etc"), "preview.root"),
    (lambda t: t["working"].update(root=" .. /x"), "working.root"),
    (
        lambda t: t["working"]["folder_path"].update(shot="<Project>/../../<Shot>"),
        "working.folder_path.shot",
    ),
    (
        lambda t: t["output"]["folder_path"].update(asset="<Project>\\..\\<Asset>"),
        "output.folder_path.asset",
    ),
    (lambda t: t["working"]["folder_path"].update(episode=".."), "working.folder_path.episode"),
    (
        lambda t: t["working"]["file_name"].update(shot="../<Project>_<Shot>"),
        "working.file_name.shot",
    ),
    (
        lambda t: t["output"]["folder_path"].update(instance="<Project>/x/.."),
        "output.folder_path.instance",
    ),
]

ABSOLUTES = [
    (lambda t: t["working"].update(root="/etc"), "working.root"),
    (lambda t: t["working"].update(root="\\\\server\\share"), "working.root"),
    (lambda t: t["output"].update(root="C:\\Windows"), "output.root"),
    (
        lambda t: t["working"]["folder_path"].update(shot="\\<Project>\\<Shot>"),
        "working.folder_path.shot",
    ),
    (
        lambda t: t["working"]["folder_path"].update(asset="D:/<Project>/<Asset>"),
        "working.folder_path.asset",
    ),
]


# ---------------------------------------------------------------------------------------------
# The engine


@pytest.mark.parametrize("change, where", ESCAPES)
def test_a_dot_dot_element_is_reported_where_it_is(change, where):
    problems = engine.validate_tree(changed(change))
    assert any(p.startswith(f"{where}:") and "outside the mount" in p for p in problems), problems


@pytest.mark.parametrize("change, where", ABSOLUTES)
def test_a_root_or_template_of_its_own_is_reported(change, where):
    problems = engine.validate_tree(changed(change))
    assert any(p.startswith(f"{where}:") and "relative" in p for p in problems), problems


def test_every_escape_of_a_tree_is_listed():
    def change(tree):
        tree["working"]["root"] = "../x"
        tree["output"]["folder_path"]["shot"] = "<Project>/../<Shot>"

    problems = engine.validate_tree(changed(change))
    assert sum("outside the mount" in p for p in problems) == 2, problems


@pytest.mark.parametrize(
    "template",
    ["<Project>/..shots/<Shot>", "<Project>/shots.../<Shot>", "<Project>/v..1/<Shot>"],
)
def test_dots_inside_a_folder_name_are_allowed(template):
    tree = changed(lambda t: t["working"]["folder_path"].update(shot=template))
    assert engine.validate_tree(tree) == []


def test_a_windows_mountpoint_is_allowed():
    tree = changed(lambda t: t["working"].update(mountpoint="C:\\studio"))
    assert engine.validate_tree(tree) == []


def test_a_stored_tree_that_escapes_is_not_rendered():
    """Trees stored before validation existed are refused at render time too."""
    tree = changed(lambda t: t["working"].update(root="../../etc"))
    episode = {"name": "E01", "id": "2"}
    subjects = Subjects(
        kind="episode", entity_kind="Episode", project={"name": "P", "id": "1"}, episode=episode
    )
    assert engine.render_folder(shipped_tree("simple"), "working", subjects)
    with pytest.raises(FileTreeError, match="outside"):
        engine.render_folder(tree, "working", subjects)


# ---------------------------------------------------------------------------------------------
# The routes that store a tree


def file_tree_messages(response) -> list[str]:
    return [e["message"] for e in response.json()["data"]["errors"] if e["field"] == "file_tree"]


@pytest.mark.django_db
@pytest.mark.parametrize("change, where", ESCAPES + ABSOLUTES)
def test_updating_a_project_with_an_escaping_tree_is_refused(admin_client, cosmos, change, where):
    response = admin_client.put(
        f"/api/data/projects/{cosmos.project.id}", {"file_tree": changed(change)}, format="json"
    )
    assert response.status_code == 400
    assert any(message.startswith(f"{where}:") for message in file_tree_messages(response))
    cosmos.project.refresh_from_db()
    assert cosmos.project.file_tree == shipped_tree("simple")


@pytest.mark.django_db
@pytest.mark.parametrize("change, where", ESCAPES[:3] + ABSOLUTES[:1])
def test_creating_a_project_with_an_escaping_tree_is_refused(admin_client, cosmos, change, where):
    before = Project.objects.count()
    response = admin_client.post(
        "/api/data/projects", {"name": "Escape", "file_tree": changed(change)}, format="json"
    )
    assert response.status_code == 400
    assert any(message.startswith(f"{where}:") for message in file_tree_messages(response))
    assert Project.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["../simple", "..\\simple", "../../trees/simple"])
def test_set_file_tree_takes_no_path(admin_client, cosmos, name):
    response = admin_client.post(
        f"/api/actions/projects/{cosmos.project.id}/set-file-tree",
        {"tree_name": name},
        format="json",
    )
    assert response.status_code == 400
    cosmos.project.refresh_from_db()
    assert cosmos.project.file_tree == shipped_tree("simple")
