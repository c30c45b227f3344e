"""The template engine on its own (no database): rendering, reading values back from a path,
and the behaviours of Zou's test_file_tree_service, each as its own test."""

import copy
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slugify import slugify

from file_trees import engine
from file_trees.engine import FileTreeError, Subjects
from file_trees.shipped import shipped_tree

PROJECT = {"id": str(uuid.uuid4()), "name": "Cosmos Landromat"}
SEQUENCE = {"id": str(uuid.uuid4()), "name": "S01"}
EPISODE = {"id": str(uuid.uuid4()), "name": "E01"}
SHOT = {"id": str(uuid.uuid4()), "name": "P01"}
SCENE = {"id": str(uuid.uuid4()), "name": "SC01"}
TREE = {"id": "1d7b5a5e-7a62-4b3e-9d1c-2f9c3e1a2b3c", "name": "Tree"}
RABBIT = {"id": str(uuid.uuid4()), "name": "Rabbit"}
PROPS = {"id": str(uuid.uuid4()), "name": "Props", "short_name": "prp"}
CHARACTER = {"id": str(uuid.uuid4()), "name": "Character", "short_name": "chr"}
SHOT_TYPE = {"id": str(uuid.uuid4()), "name": "Shot", "short_name": None}
SCENE_TYPE = {"id": str(uuid.uuid4()), "name": "Scene", "short_name": None}
SHADERS = {"id": str(uuid.uuid4()), "name": "Shaders", "short_name": "shd"}
ANIMATION = {"id": str(uuid.uuid4()), "name": "Animation", "short_name": "anim"}
MATERIALS = {"id": str(uuid.uuid4()), "name": "Materials", "short_name": "mat"}
CACHE = {"id": str(uuid.uuid4()), "name": "Cache", "short_name": "cch"}
BLENDER = {"id": str(uuid.uuid4()), "name": "Blender", "short_name": "bl"}
MODELING = {"id": str(uuid.uuid4()), "name": "Modeling"}
TASK = {"id": str(uuid.uuid4()), "name": "Main"}
INSTANCE = {"id": str(uuid.uuid4()), "name": "Tree_0001", "number": 1}
RABBIT_INSTANCE = {"id": str(uuid.uuid4()), "name": "Rabbit_0001", "number": 1}


def subjects_for(kind: str, **overrides) -> Subjects:
    """The Cosmos Landromat production of Zou's tests, seen from one entity kind."""
    common = dict(
        project=PROJECT,
        software=BLENDER,
        output_type=CACHE,
        task_type=ANIMATION,
        name="main",
        revision=1,
    )
    by_kind = {
        "asset": dict(
            entity_kind="asset",
            entity=TREE,
            asset=TREE,
            asset_type=PROPS,
            entity_type=PROPS,
            task_type=SHADERS,
        ),
        "shot": dict(
            entity_kind="Shot",
            entity=SHOT,
            sequence=SEQUENCE,
            episode=EPISODE,
            entity_type=SHOT_TYPE,
        ),
        "sequence": dict(
            entity_kind="Sequence", entity=SEQUENCE, sequence=SEQUENCE, episode=EPISODE
        ),
        "scene": dict(
            entity_kind="Scene",
            entity=SCENE,
            sequence=SEQUENCE,
            episode=EPISODE,
            entity_type=SCENE_TYPE,
        ),
        "episode": dict(entity_kind="Episode", entity=EPISODE, episode=EPISODE),
        "instance": dict(
            entity_kind="Shot",
            entity=SHOT,
            sequence=SEQUENCE,
            episode=EPISODE,
            entity_type=SHOT_TYPE,
            asset=TREE,
            asset_type=PROPS,
            instance=INSTANCE,
            representation="abc",
        ),
        "instance_asset": dict(
            entity_kind="asset",
            entity=TREE,
            entity_type=PROPS,
            asset=RABBIT,
            asset_type=CHARACTER,
            instance=RABBIT_INSTANCE,
            task_type=SHADERS,
            output_type=MATERIALS,
            representation="abc",
        ),
    }
    return Subjects(kind=kind, **{**common, **by_kind[kind], **overrides})


def path_of(tree_name: str, mode: str, kind: str, **overrides) -> tuple[str, str]:
    tree = shipped_tree(tree_name)
    subjects = subjects_for(kind, **overrides)
    return engine.render_folder(tree, mode, subjects), engine.render_file_name(tree, mode, subjects)


# ---------------------------------------------------------------------------------------------
# Worked examples, exact strings, for both shipped trees

SIMPLE = [
    (
        "working",
        "asset",
        "/simple/productions/cosmos_landromat/assets/props/tree/shaders/blender",
        "cosmos_landromat_props_tree_shaders_main_v003",
    ),
    (
        "working",
        "shot",
        "/simple/productions/cosmos_landromat/shots/s01/p01/animation/blender",
        "cosmos_landromat_s01_p01_animation_main_v003",
    ),
    (
        "working",
        "sequence",
        "/simple/productions/cosmos_landromat/sequences/s01/animation/blender",
        "cosmos_landromat_s01_animation_main_v003",
    ),
    (
        "working",
        "scene",
        "/simple/productions/cosmos_landromat/scenes/s01/sc01/animation/blender",
        "cosmos_landromat_sc01_animation_main_v003",
    ),
    (
        "working",
        "episode",
        "/simple/productions/cosmos_landromat/episodes/e01/animation/blender",
        "cosmos_landromat_e01_animation_main_v003",
    ),
    (
        "output",
        "asset",
        "/simple/productions/export/cosmos_landromat/assets/props/tree/shaders/cache",
        "cosmos_landromat_props_tree_shaders_cache_main_v003",
    ),
    (
        "output",
        "shot",
        "/simple/productions/export/cosmos_landromat/shots/s01/p01/animation/cache",
        "cosmos_landromat_s01_p01_animation_cache_main_v003",
    ),
    (
        "output",
        "sequence",
        "/simple/productions/export/cosmos_landromat/sequences/s01/animation/cache",
        "cosmos_landromat_s01_animation_cache_main_v003",
    ),
    (
        "output",
        "scene",
        "/simple/productions/export/cosmos_landromat/scenes/s01/sc01/animation/cache",
        "cosmos_landromat_sc01_animation_cache_main_v003",
    ),
    (
        "output",
        "episode",
        "/simple/productions/export/cosmos_landromat/episodes/e01/animation/cache",
        "cosmos_landromat_e01_animation_cache_main_v003",
    ),
    (
        "output",
        "instance",
        "/simple/productions/export/cosmos_landromat/shot/s01/p01/animation/cache/props/tree/instance_0001/abc",
        "cosmos_landromat_s01_p01_animation_cache_main_tree_0001_v003",
    ),
    (
        "output",
        "instance_asset",
        "/simple/productions/export/cosmos_landromat/assets/props/tree/shaders/materials/character/rabbit/instance_0001/abc",
        "cosmos_landromat_props_tree_shaders_materials_main_rabbit_0001_v003",
    ),
    (
        "preview",
        "asset",
        "/simple/productions/previews/cosmos_landromat/assets/props/tree/shaders",
        "cosmos_landromat_props_tree_shaders",
    ),
    (
        "preview",
        "shot",
        "/simple/productions/previews/cosmos_landromat/shots/s01/p01/animation",
        "cosmos_landromat_s01_p01_animation",
    ),
    (
        "preview",
        "sequence",
        "/simple/productions/previews/cosmos_landromat/sequences/s01/animation",
        "cosmos_landromat_s01_animation",
    ),
    (
        "preview",
        "scene",
        "/simple/productions/previews/cosmos_landromat/scenes/s01/sc01/animation",
        "cosmos_landromat_sc01_animation",
    ),
    (
        "preview",
        "episode",
        "/simple/productions/previews/cosmos_landromat/episodes/e01/animation",
        "cosmos_landromat_e01_animation",
    ),
]

DEFAULT = [
    (
        "working",
        "asset",
        "/simple/productions/cosmos_landromat/assets/props/tree/shaders",
        "cosmos_landromat_props_tree_shaders",
    ),
    (
        "working",
        "shot",
        "/simple/productions/cosmos_landromat/shots/s01/p01/animation",
        "cosmos_landromat_p01_animation",
    ),
    (
        "working",
        "sequence",
        "/simple/productions/cosmos_landromat/sequences/s01/animation",
        "cosmos_landromat_s01_animation",
    ),
    (
        "working",
        "scene",
        "/simple/productions/cosmos_landromat/scenes/s01/sc01/animation",
        "cosmos_landromat_s01_sc01_animation",
    ),
    (
        "working",
        "episode",
        "/simple/productions/cosmos_landromat/episodes/e01/animation",
        "cosmos_landromat_e01_animation",
    ),
    (
        "output",
        "asset",
        "/simple/productions/export/cosmos_landromat/assets/props/tree/cache",
        "cosmos_landromat_props_tree_cache_main",
    ),
    (
        "output",
        "shot",
        "/simple/productions/export/cosmos_landromat/shots/s01/p01/cache",
        "cosmos_landromat_s01_p01_cache_main",
    ),
    # Zou's default.json says <OuputType> here ("Unknown data type"); ours is fixed.
    (
        "output",
        "sequence",
        "/simple/productions/export/cosmos_landromat/sequences/s01/cache",
        "cosmos_landromat_s01_cache_main",
    ),
    (
        "output",
        "scene",
        "/simple/productions/export/cosmos_landromat/scenes/s01/sc01/cache",
        "cosmos_landromat_s01_sc01_cache_main",
    ),
    (
        "output",
        "episode",
        "/simple/productions/export/cosmos_landromat/episodes/e01/cache",
        "cosmos_landromat_e01_cache_main",
    ),
    (
        "preview",
        "asset",
        "/simple/productions/previews/cosmos_landromat/assets/props/tree/shaders",
        "cosmos_landromat_props_tree_shaders",
    ),
    (
        "preview",
        "shot",
        "/simple/productions/previews/cosmos_landromat/shots/s01/p01/animation",
        "cosmos_landromat_s01_p01_animation",
    ),
    (
        "preview",
        "sequence",
        "/simple/productions/previews/cosmos_landromat/sequences/s01/animation",
        "cosmos_landromat_s01_animation",
    ),
    (
        "preview",
        "scene",
        "/simple/productions/previews/cosmos_landromat/scene/sc01/animation",
        "cosmos_landromat_sc01_animation",
    ),
    (
        "preview",
        "episode",
        "/simple/productions/previews/cosmos_landromat/episodes/e01/animation",
        "cosmos_landromat_e01_animation",
    ),
]


@pytest.mark.parametrize("mode, kind, folder, file_name", SIMPLE)
def test_simple_tree_worked_examples(mode, kind, folder, file_name):
    assert path_of("simple", mode, kind, revision=3) == (folder, file_name)


@pytest.mark.parametrize("mode, kind, folder, file_name", DEFAULT)
def test_default_tree_worked_examples(mode, kind, folder, file_name):
    assert path_of("default", mode, kind, revision=3) == (folder, file_name)


@pytest.mark.parametrize("kind", ["instance", "instance_asset"])
def test_default_tree_has_no_instance_templates(kind):
    with pytest.raises(FileTreeError, match=kind):
        path_of("default", "output", kind)


def test_both_shipped_trees_are_valid():
    assert engine.validate_tree(shipped_tree("simple")) == []
    assert engine.validate_tree(shipped_tree("default")) == []


# ---------------------------------------------------------------------------------------------
# Reading trees


def test_a_shipped_tree_is_read_by_name():
    assert "working" in shipped_tree("simple")


@pytest.mark.parametrize(
    "name", ["/etc/passwd", "../../etc/passwd", "../default", "", None, "simple.json", "nope"]
)
def test_a_tree_name_that_is_a_path_is_refused(name):
    assert shipped_tree(name) is None


def test_a_shipped_tree_is_a_fresh_copy():
    shipped_tree("simple")["working"]["root"] = "changed"
    assert shipped_tree("simple")["working"]["root"] == "productions"


def test_the_root_path_is_the_mountpoint_and_the_root():
    tree = shipped_tree("simple")
    assert engine.root_path(tree, "working") == "/simple/productions/"
    assert engine.root_path(tree, "working", "\\") == "/simple\\productions\\"


def test_a_mode_with_no_root_stops_at_the_mountpoint():
    tree = shipped_tree("simple")
    tree["working"]["root"] = ""
    assert engine.root_path(tree, "working") == "/simple/"


@pytest.mark.parametrize(
    "tree, mode, message",
    [
        (None, "working", "No tree can be found for given project."),
        ({}, "working", "Mode working cannot be found on given tree."),
        ({"output": {}}, "working", "Mode working cannot be found on given tree."),
        ({"working": {"root": "x"}}, "working", r"Can't find given mode \(working\)"),
    ],
)
def test_a_tree_that_cannot_serve_the_mode_is_malformed(tree, mode, message):
    with pytest.raises(FileTreeError, match=message):
        engine.root_path(tree, mode)


@pytest.mark.parametrize(
    "entity_type, kind",
    [
        ("Shot", "shot"),
        ("Sequence", "sequence"),
        ("Scene", "scene"),
        ("Episode", "episode"),
        ("Props", "asset"),
        ("Edit", "asset"),
        ("Concept", "asset"),
    ],
)
def test_the_template_lookup_follows_the_entity_type(entity_type, kind):
    assert engine.kind_for_entity(entity_type) == kind


def test_an_instance_reads_the_template_of_its_own_kind():
    assert engine.kind_for_entity("", is_instance=True) == "instance"
    assert engine.kind_for_entity("", is_instance=True, in_asset=True) == "instance_asset"


def test_a_tree_missing_the_template_of_a_kind_is_malformed():
    tree = shipped_tree("simple")
    del tree["working"]["folder_path"]["shot"]
    with pytest.raises(FileTreeError, match="no folder_path template for shot"):
        engine.render_folder(tree, "working", subjects_for("shot"))


def test_a_mode_without_folder_path_is_malformed_not_a_crash():
    tree = shipped_tree("simple")
    del tree["working"]["folder_path"]
    with pytest.raises(FileTreeError, match="no folder_path section"):
        engine.render_folder(tree, "working", subjects_for("shot"))


# ---------------------------------------------------------------------------------------------
# Tokens


def render_name(template: str, subjects: Subjects, style: str = "lowercase") -> str:
    tree = {
        "working": {
            "mountpoint": "/m",
            "root": "",
            "folder_path": {subjects.kind: "x"},
            "file_name": {subjects.kind: template, "style": style},
        }
    }
    return engine.render_file_name(tree, "working", subjects)


def render_folder_template(template: str, subjects: Subjects) -> str:
    tree = {
        "working": {
            "mountpoint": "/m",
            "root": "",
            "file_name": {subjects.kind: "x"},
            "folder_path": {subjects.kind: template, "style": "lowercase"},
        }
    }
    return engine.render_folder(tree, "working", subjects).removeprefix("/m/")


TASK_SUBJECTS = dict(task=TASK, department=MODELING)


@pytest.mark.parametrize(
    "kind, token, expected",
    [
        ("shot", "<Project>", "cosmos_landromat"),
        ("shot", "<Shot>", "p01"),
        ("shot", "<Sequence>", "s01"),
        ("sequence", "<Sequence>", "s01"),
        ("asset", "<Sequence>", ""),
        ("shot", "<Episode>", "e01"),
        ("sequence", "<Episode>", "e01"),
        ("episode", "<Episode>", "e01"),
        ("asset", "<Episode>", "e001"),
        ("asset", "<Asset>", "tree"),
        ("asset", "<AssetType>", "props"),
        ("shot", "<Department>", "modeling"),
        ("shot", "<Task>", "main"),
        ("shot", "<TaskType>", "animation"),
        ("shot", "<Software>", "blender"),
        ("shot", "<OutputType>", "cache"),
        ("shot", "<TemporalEntity>", "p01"),
        ("shot", "<TemporalEntityType>", "shot"),
        ("scene", "<Scene>", "sc01"),
        ("shot", "<Instance>", ""),
        ("instance", "<Representation>", "abc"),
        ("shot", "<Name>", "main"),
        ("shot", "<OutputFile>", "main"),
        ("shot", "<WorkingFile>", "main"),
        ("shot", "<Version>", "007"),
        ("shot", "<Revision>", "007"),
    ],
)
def test_every_token_the_templates_accept_is_resolved(kind, token, expected):
    subjects = subjects_for(kind, revision=7, **TASK_SUBJECTS)
    assert render_folder_template(f"a/{token}/z", subjects) == f"a/{expected}/z"


def test_a_token_with_nothing_to_read_renders_empty():
    subjects = subjects_for(
        "shot", task_type=None, department=None, software=None, output_type=None
    )
    assert (
        render_folder_template("<TaskType>|<Department>|<Software>|<OutputType>", subjects) == "|||"
    )


@pytest.mark.parametrize(
    "kind, token, message",
    [
        ("shot", "<Unknown>", "Unknown data type: Unknown."),
        ("shot", "<Task>", "needs a task"),
        ("shot", "<AssetType>", "is not an asset"),
    ],
)
def test_a_token_naming_nothing_is_a_tree_error(kind, token, message):
    subjects = subjects_for(kind, asset=None, asset_type=None)
    with pytest.raises(FileTreeError, match=message):
        render_folder_template(token, subjects)


def test_a_shot_without_sequence_is_a_tree_error_not_a_crash():
    with pytest.raises(FileTreeError, match="has no sequence"):
        render_folder_template("<Sequence>", subjects_for("shot", sequence=None))


def test_a_flat_production_has_no_episode_to_render():
    with pytest.raises(FileTreeError, match="belongs to no episode"):
        render_folder_template("<Episode>", subjects_for("shot", episode=None))


def test_a_field_the_row_does_not_have_is_a_tree_error():
    with pytest.raises(FileTreeError, match="has no short_name"):
        render_folder_template("<Shot.short_name>", subjects_for("shot"))


@pytest.mark.parametrize("name, expected", [("Seq2", "s002"), ("Seq02", "s002"), ("S01", "s01")])
def test_a_sequence_named_after_its_number_is_normalized(name, expected):
    subjects = subjects_for("shot", sequence={"id": "x", "name": name})
    assert render_folder_template("<Sequence>", subjects) == expected


@pytest.mark.parametrize(
    "instance, template, expected",
    [
        ({"name": None, "number": 3}, "<Instance>", "3"),
        ({"name": "hero", "number": 3}, "<Instance>", "hero"),
        ({"name": "hero", "number": 3}, "<Instance.number>", "0003"),
    ],
)
def test_an_instance_falls_back_to_its_number(instance, template, expected):
    assert render_folder_template(template, subjects_for("instance", instance=instance)) == expected


def test_the_style_of_the_mode_is_applied_to_the_whole_name():
    subjects = subjects_for("asset", revision=1)
    name = render_name(
        "<Project>_<AssetType>_<Asset>_<TaskType>_<Name>_v<Version>", subjects, style="uppercase"
    )
    assert name == "COSMOS_LANDROMAT_PROPS_TREE_SHADERS_MAIN_V001"


def test_a_token_is_replaced_by_its_styled_value():
    assert render_folder_template("<AssetType>_<Asset>", subjects_for("asset")) == "props_tree"


def test_a_token_can_name_the_field_it_reads():
    assert render_folder_template("<TaskType.short_name>", subjects_for("asset")) == "shd"


def test_a_field_the_templates_do_not_allow_falls_back_to_the_name():
    assert render_folder_template("<TaskType.description>", subjects_for("asset")) == "shaders"


def test_a_null_field_leaves_the_token_as_written():
    subjects = subjects_for("shot", task_type={"id": "x", "name": "Anim", "short_name": None})
    assert render_folder_template("<TaskType.short_name>", subjects) == "<TaskType.short_name>"


def test_an_id_is_kept_verbatim():
    subjects = subjects_for("asset", revision=1)
    assert render_folder_template("<Asset.id>", subjects) == TREE["id"]
    assert render_name("<Asset>_<Asset.id>_v<Version>", subjects) == f"tree_{TREE['id']}_v001"


def test_an_empty_token_collapses_in_a_file_name():
    subjects = subjects_for("asset", task_type=None)
    assert render_name("<Project>_<TaskType>_<Name>", subjects) == "cosmos_landromat_main"


def test_an_output_covering_several_elements_carries_the_range():
    tree = shipped_tree("simple")
    subjects = subjects_for("shot", revision=3, output_type={"id": "i", "name": "Images"})
    assert engine.render_file_name(tree, "output", subjects, nb_elements=50) == (
        "cosmos_landromat_s01_p01_animation_images_main_v003_[1-50]"
    )
    assert not engine.render_file_name(tree, "output", subjects, nb_elements=1).endswith("]")


def test_the_separator_of_the_target_platform_is_used_throughout():
    folder = engine.render_folder(shipped_tree("simple"), "working", subjects_for("shot"), "\\")
    assert folder == "/simple\\productions\\cosmos_landromat\\shots\\s01\\p01\\animation\\blender"


def test_values_are_slugified_with_python_slugify():
    subjects = subjects_for("asset", asset={"id": "a", "name": "Hero's Sword! Élève"})
    assert render_folder_template("<Asset>", subjects) == "hero_s_sword_eleve"


@pytest.mark.parametrize(
    "first, second, expected", [("", "PROD", "PROD"), ("ROOT", "", "ROOT"), ("A", "B", "A/B")]
)
def test_a_path_is_joined_without_an_empty_element(first, second, expected):
    assert engine.join(first, second, "/") == expected


@pytest.mark.parametrize(
    "style, expected", [("uppercase", "ABC"), ("lowercase", "abc"), ("", "aBc")]
)
def test_the_style_of_a_tree_is_applied(style, expected):
    assert engine.apply_style("aBc", style) == expected


# ---------------------------------------------------------------------------------------------
# Parsing: a path back to its values


def test_a_token_is_read_without_its_prefix_and_suffix():
    values = engine.extract_values(["cosmos_landromat", "v003"], ["<Project>", "v<Version>"])
    assert values == {"Project": "cosmos landromat", "Version": "003"}


def test_a_fixed_element_that_differs_is_refused():
    assert engine.extract_values(["p", "assets"], ["<Project>", "shots"]) is None


def test_the_first_occurrence_of_a_token_wins():
    values = engine.extract_values(["s01", "s02"], ["<Sequence>", "<Sequence>"])
    assert values == {"Sequence": "s01"}


def test_a_path_outside_every_root_matches_nothing():
    assert engine.parse_path(shipped_tree("simple"), "/some/test/path") == []


def test_a_path_parses_into_each_template_it_fits_in_a_stable_order():
    path = "/simple/productions/cosmos_landromat/shots/s01/p01/animation/blender"
    matches = engine.parse_path(shipped_tree("simple"), path)
    # The working root is a prefix of the output and preview roots' parent: only working fits.
    assert [(m.mode, m.kind) for m in matches] == [("working", "shot")]
    assert matches[0].values == {
        "Project": "cosmos landromat",
        "Sequence": "s01",
        "Shot": "p01",
        "TaskType": "animation",
        "Software": "blender",
    }


def test_an_ambiguous_path_reports_every_template():
    tree = shipped_tree("simple")
    tree["working"]["folder_path"]["scene"] = "<Project>/shots/<Sequence>/<Scene>/<TaskType>"
    path = "/simple/productions/cosmos_landromat/shots/s01/p01/animation"
    kinds = [m.kind for m in engine.parse_path(tree, path)]
    assert kinds == ["shot", "scene"]


def test_modes_are_walked_in_jsonb_order():
    assert engine.ordered_modes({"working": {}, "preview": {}, "output": {}, "x": {}}) == [
        "x",
        "output",
        "preview",
        "working",
    ]


NAME = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters=" -_'"),
    min_size=1,
    max_size=20,
).filter(lambda text: slugify(text, separator="_"))


@settings(max_examples=200, deadline=None)
@given(
    project=NAME,
    sequence=NAME,
    shot=NAME,
    task_type=NAME,
    name=NAME,
    revision=st.integers(min_value=1, max_value=99_999),
)
def test_parsing_a_rendered_path_gives_back_its_values(
    project, sequence, shot, task_type, name, revision
):
    tree = shipped_tree("simple")
    subjects = subjects_for(
        "shot",
        project={"id": "p", "name": project},
        sequence={"id": "s", "name": sequence},
        entity={"id": "e", "name": shot},
        task_type={"id": "t", "name": task_type},
        name=name,
        revision=revision,
    )
    folder = engine.render_folder(tree, "working", subjects)
    file_name = engine.render_file_name(tree, "working", subjects)
    matches = engine.parse_path(tree, f"{folder}/{file_name}")
    shot_match = next(m for m in matches if m.kind == "shot")

    def same(value: str, original: str) -> bool:
        return slugify(value, separator="_") == slugify(original, separator="_")

    assert same(shot_match.values["Project"], project)
    assert same(shot_match.values["Shot"], shot)
    assert same(shot_match.values["TaskType"], task_type)
    expected_sequence = "S" + sequence[3:].zfill(3) if "Seq" in sequence else sequence
    assert same(shot_match.values["Sequence"], expected_sequence)
    # The file name is not parsed by folder templates; check its revision survived.
    assert file_name.endswith(f"_v{str(revision).zfill(3)}")


# ---------------------------------------------------------------------------------------------
# Validation (beyond Zou: a tree is checked when it is set)


def test_a_valid_tree_has_no_problems():
    assert engine.validate_tree(shipped_tree("simple")) == []


@pytest.mark.parametrize(
    "change, problem",
    [
        (
            lambda t: t["working"]["folder_path"].update(shot="<Project>/<Shoot>"),
            "unknown token <Shoot>",
        ),
        (lambda t: t["working"].pop("mountpoint"), "needs a mountpoint"),
        (lambda t: t["working"].pop("file_name"), "needs a file_name object"),
        (lambda t: t["working"]["folder_path"].update(shot="<Project/<Shot>"), "malformed token"),
        (lambda t: t["working"]["folder_path"].update(style="camelcase"), "style"),
        (lambda t: t["working"]["folder_path"].update(plane="<Project>"), "unknown entity kind"),
        (lambda t: t["working"]["folder_path"].pop("shot"), "only one of folder_path"),
        (
            lambda t: t["working"]["file_name"].update(shot="<Shot.short_name>"),
            "<Shot> has no short_name",
        ),
        (lambda t: t["working"]["folder_path"].update(shot="<Project>//<Shot>"), "empty folder"),
    ],
)
def test_a_broken_tree_is_reported(change, problem):
    tree = copy.deepcopy(shipped_tree("simple"))
    change(tree)
    problems = engine.validate_tree(tree)
    assert any(problem in text for text in problems), problems


@pytest.mark.parametrize("tree", [None, [], {}, "simple", {"working": "x"}])
def test_a_tree_that_is_not_an_object_of_modes_is_reported(tree):
    assert engine.validate_tree(tree)
