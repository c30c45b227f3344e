"""Writes and path computations on file trees.

Path functions answer `(folder_path, file_name)` and raise engine.FileTreeError (a 400 at the
routes) when the project's tree cannot serve the request. They create the fallback software
and output type Zou creates when a template asks for one that was not given.
"""

from contextlib import contextmanager

from django.db import transaction

from file_trees import engine, selectors
from file_trees.errors import TreeCannotRender, UnknownShippedTree
from file_trees.shipped import shipped_tree
from production.models import AssetInstance, Entity, OutputType, Project, Software, Task, TaskType

# What Zou renders when a template needs a software or output type and none was given.
FALLBACK_SOFTWARE = {"name": "3dsmax", "short_name": "max", "file_extension": ".max"}
FALLBACK_OUTPUT_TYPE = {"name": "Geometry", "short_name": ""}
# The software the working-file-path route renders with when none is given (Zou's default).
DEFAULT_WORKING_SOFTWARE = {"name": "3ds Max", "short_name": "max", "file_extension": ".max"}


@contextmanager
def tree_errors_reported(received_data):
    """A tree that cannot serve a path route: Zou's 400 `{"message", "received_data"}`."""
    try:
        yield
    except engine.FileTreeError as error:
        raise TreeCannotRender(str(error), received_data=received_data) from None


@transaction.atomic
def set_shipped_tree(*, project: Project, tree_name) -> Project:
    """Copy the shipped tree `tree_name` into the project (replacing its tree)."""
    tree = shipped_tree(tree_name)
    if tree is None:
        raise UnknownShippedTree()
    project.file_tree = tree
    project.save(update_fields=["file_tree", "updated_at"])
    return project


def _uses(tree, mode: str, kind: str, word: str) -> bool:
    """Whether the folder or file template of `kind` has a `<word>` or `<word.field>` token."""
    settings = tree.get(mode, {}) if isinstance(tree, dict) else {}
    for section in engine.SECTIONS:
        template = (settings.get(section) or {}).get(kind) or ""
        if f"<{word}>" in template or f"<{word}." in template:
            return True
    return False


def _fallbacks(tree, mode, kind, software, output_type):
    if software is None and _uses(tree, mode, kind, "Software"):
        software, _ = Software.objects.get_or_create(
            name=FALLBACK_SOFTWARE["name"], defaults=FALLBACK_SOFTWARE
        )
    if output_type is None and _uses(tree, mode, kind, "OutputType"):
        output_type, _ = OutputType.objects.get_or_create(
            name=FALLBACK_OUTPUT_TYPE["name"], defaults=FALLBACK_OUTPUT_TYPE
        )
    return software, output_type


def _render(tree, mode, subjects_args: dict, *, folder_revision, sep, nb_elements=1):
    subjects = selectors.subjects(**subjects_args)
    folder_subjects = selectors.subjects(**{**subjects_args, "revision": folder_revision})
    folder = engine.render_folder(tree, mode, folder_subjects, sep)
    file_name = engine.render_file_name(tree, mode, subjects, nb_elements=nb_elements)
    return folder, file_name


@transaction.atomic  # a tree error rolls back the fallback rows it may have created
def working_file_path(
    *,
    task: Task,
    software: Software | None,
    name: str,
    revision: int,
    mode: str = "working",
    sep: str = "/",
    software_default: dict = FALLBACK_SOFTWARE,
) -> tuple[str, str]:
    """Without a software, a template asking for one renders `software_default`, created if
    missing (Zou: `3dsmax` in the service, `3ds Max` through the route)."""
    entity = task.entity
    tree = entity.project.file_tree
    kind = engine.kind_for_entity(entity.entity_type.name)
    engine.template_of(tree, mode, "folder_path", kind)  # fail before creating fallbacks
    if software is None and _uses(tree, mode, kind, "Software"):
        software, _ = Software.objects.get_or_create(
            name=software_default["name"], defaults=software_default
        )
    args = dict(
        entity=entity, kind=kind, task=task, software=software, name=name, revision=revision
    )
    return _render(tree, mode, args, folder_revision=revision, sep=sep)


@transaction.atomic
def entity_output_file_path(
    *,
    entity: Entity,
    output_type: OutputType | None,
    task_type: TaskType | None,
    name: str,
    revision: int,
    representation: str = "",
    mode: str = "output",
    sep: str = "/",
    nb_elements: int = 1,
    folder_revision: int | None = None,
) -> tuple[str, str]:
    """`folder_revision` lets the route render the folder with the requested revision and
    the name with the allocated one, as Zou does when revision 0 means "next"."""
    tree = entity.project.file_tree
    kind = engine.kind_for_entity(entity.entity_type.name)
    engine.template_of(tree, mode, "folder_path", kind)
    software, output_type = _fallbacks(tree, mode, kind, None, output_type)
    args = dict(
        entity=entity,
        kind=kind,
        task_type=task_type,
        output_type=output_type,
        software=software,
        name=name,
        representation=representation,
        revision=revision,
    )
    folder_revision = revision if folder_revision is None else folder_revision
    return _render(
        tree, mode, args, folder_revision=folder_revision, sep=sep, nb_elements=nb_elements
    )


@transaction.atomic
def instance_output_file_path(
    *,
    instance: AssetInstance,
    temporal_entity: Entity,
    output_type: OutputType | None,
    task_type: TaskType | None,
    name: str,
    revision: int,
    representation: str = "",
    mode: str = "output",
    sep: str = "/",
) -> tuple[str, str]:
    """An instance's path follows the tree of the production it sits in (the temporal
    entity's), even when the asset is borrowed from another production."""
    tree = temporal_entity.project.file_tree
    kind = engine.kind_for_entity(
        "", is_instance=True, in_asset=instance.target_asset_id is not None
    )
    engine.template_of(tree, mode, "folder_path", kind)
    software, output_type = _fallbacks(tree, mode, kind, None, output_type)
    args = dict(
        entity=temporal_entity,
        kind=kind,
        task_type=task_type,
        output_type=output_type,
        software=software,
        asset=instance.asset,
        instance=instance,
        name=name,
        representation=representation,
        revision=revision,
    )
    return _render(tree, mode, args, folder_revision=revision, sep=sep)
