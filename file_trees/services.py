"""Path computations on file trees, and setting a project's tree.

Path functions answer `(folder_path, file_name)` and raise TreeCannotRender when the project's
tree cannot serve the request, with nothing written. They create the fallback software and
output type Zou creates when a template asks for one that was not given, and only then
(docs/compatibility.md#file-trees).
"""

import functools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, ParamSpec, TypeVar

from django.db import transaction

from file_trees import engine, selectors
from file_trees.errors import TreeCannotRender, UnknownShippedTree
from file_trees.inputs import OutputPlace, PathOptions
from file_trees.shipped import shipped_tree
from production.models import AssetInstance, Entity, OutputType, Project, Software, Task

# What Zou renders when a template needs a software or output type and none was given.
FALLBACK_SOFTWARE = {"name": "3dsmax", "short_name": "max", "file_extension": ".max"}
FALLBACK_OUTPUT_TYPE = {"name": "Geometry", "short_name": ""}

PathParts = tuple[str, str]  # (folder path, file name without extension)

Params = ParamSpec("Params")
Result = TypeVar("Result")
Fallback = TypeVar("Fallback", Software, OutputType)


@transaction.atomic
def set_shipped_tree(*, project: Project, tree_name: str) -> Project:
    """Copy the shipped tree `tree_name` into the project (replacing its tree)."""
    tree = shipped_tree(tree_name)
    if tree is None:
        raise UnknownShippedTree()
    project.file_tree = tree
    project.save(update_fields=["file_tree", "updated_at"])
    return project


# ---------------------------------------------------------------------------------------------
# Reporting what a tree cannot render


def _tree_refusals(function: Callable[Params, Result]) -> Callable[Params, Result]:
    """The engine's refusals, raised by `function`, as the domain error of the path services."""

    @functools.wraps(function)
    def refusing(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        try:
            return function(*args, **kwargs)
        except engine.FileTreeError as error:
            raise TreeCannotRender(str(error)) from None

    return refusing


@contextmanager
def tree_errors_reported(received_data: object) -> Iterator[None]:
    """A tree that cannot serve the request is refused with the data the route received, as
    Zou answers it: `{"message": ..., "received_data": ...}`."""
    try:
        yield
    except TreeCannotRender as error:
        raise error.received(received_data) from None


def path_answer(
    render: Callable[[], PathParts], *, received_data: object, keys: tuple[str, str]
) -> dict[str, str]:
    """What a path route answers: the folder and the file name `render` computes, under the
    route's two keys (`path`/`name` for working files, `folder_path`/`file_name` for outputs)."""
    with tree_errors_reported(received_data):
        folder, file_name = render()
    return {keys[0]: folder, keys[1]: file_name}


# ---------------------------------------------------------------------------------------------
# Paths


def _uses(tree: Any, mode: str, kind: str, word: str) -> bool:
    """Whether the folder or file template of `kind` has a `<word>` or `<word.field>` token."""
    settings = tree.get(mode, {}) if isinstance(tree, dict) else {}
    for section in engine.SECTIONS:
        template = (settings.get(section) or {}).get(kind) or ""
        if f"<{word}>" in template or f"<{word}." in template:
            return True
    return False


def _fallback(
    given: Fallback | None, model: type[Fallback], default: dict[str, str], *, needed: bool
) -> tuple[Fallback | None, bool]:
    """`given`, or, when a template needs one, the row named `default`: (the row, False) when
    it exists, (None, True) when it must be created (`_created`)."""
    if given is not None or not needed:
        return given, False
    found = model.objects.filter(name=default["name"]).first()
    return found, found is None


def _created(model: type[Fallback], default: dict[str, str]) -> Fallback:
    row, _ = model.objects.get_or_create(name=default["name"], defaults=default)
    return row


def _creating(needed: bool) -> AbstractContextManager[object]:
    """A transaction around a path computation that creates a fallback row, so that a tree
    error rolls the row back; none around one that only reads (a path is computed for every
    new revision: BEGIN and COMMIT would be two round trips for nothing)."""
    return transaction.atomic() if needed else nullcontext()


def _render(
    tree: Any,
    mode: str,
    subject_rows: dict[str, Any],
    *,
    folder_revision: int,
    sep: str,
    nb_elements: int = 1,
) -> PathParts:
    subjects = selectors.subjects(**subject_rows)
    folder_subjects = selectors.subjects(**{**subject_rows, "revision": folder_revision})
    folder = engine.render_folder(tree, mode, folder_subjects, sep)
    file_name = engine.render_file_name(tree, mode, subjects, nb_elements=nb_elements)
    return folder, file_name


@_tree_refusals
def working_file_path(
    *,
    task: Task,
    software: Software | None,
    name: str,
    revision: int,
    mode: str = "working",
    sep: str = "/",
    software_default: dict[str, str] = FALLBACK_SOFTWARE,
) -> PathParts:
    """Without a software, a template asking for one renders `software_default`, created if
    missing (Zou: `3dsmax` in the service, `3ds Max` through the route). The tree is checked
    first, so a tree that cannot serve the request creates no fallback."""
    entity = task.entity
    tree = entity.project.file_tree
    kind = engine.kind_for_entity(entity.entity_type.name)
    engine.template_of(tree, mode, "folder_path", kind)
    needed = _uses(tree, mode, kind, "Software")
    software, missing = _fallback(software, Software, software_default, needed=needed)
    # A tree error rolls back the fallback row created for it.
    with _creating(missing):
        if missing:
            software = _created(Software, software_default)
        subject_rows = dict(
            entity=entity, kind=kind, task=task, software=software, name=name, revision=revision
        )
        return _render(tree, mode, subject_rows, folder_revision=revision, sep=sep)


@_tree_refusals
def output_file_path(
    place: OutputPlace,
    options: PathOptions,
    *,
    nb_elements: int = 1,
    folder_revision: int | None = None,
) -> PathParts:
    """The path of an output of `place`. `nb_elements` > 1 marks an image sequence in the file
    name (entities only: Zou never puts the range in an instance's name). `folder_revision`
    lets a route render the folder with the revision it was sent and the name with the one it
    allocated, as Zou does when revision 0 means "next"."""
    tree = place.entity.project.file_tree
    kind, mode = place.kind, options.mode
    engine.template_of(tree, mode, "folder_path", kind)
    software, software_missing = _fallback(
        None, Software, FALLBACK_SOFTWARE, needed=_uses(tree, mode, kind, "Software")
    )
    output_type, type_missing = _fallback(
        options.output_type,
        OutputType,
        FALLBACK_OUTPUT_TYPE,
        needed=_uses(tree, mode, kind, "OutputType"),
    )
    # A tree error rolls back the fallback rows created for it.
    with _creating(software_missing or type_missing):
        if software_missing:
            software = _created(Software, FALLBACK_SOFTWARE)
        if type_missing:
            output_type = _created(OutputType, FALLBACK_OUTPUT_TYPE)
        subject_rows = dict(
            entity=place.entity,
            kind=kind,
            task_type=options.task_type,
            output_type=output_type,
            software=software,
            asset=place.instance.asset if place.instance else None,
            instance=place.instance,
            name=options.name,
            representation=options.representation,
            revision=options.revision,
        )
        return _render(
            tree,
            mode,
            subject_rows,
            folder_revision=options.revision if folder_revision is None else folder_revision,
            sep=options.sep,
            nb_elements=nb_elements if place.instance is None else 1,
        )


def entity_output_file_path(
    *, entity: Entity, nb_elements: int = 1, folder_revision: int | None = None, **options: Any
) -> PathParts:
    """`output_file_path` of an entity's own output; `options` are PathOptions' fields (mode
    "output" unless given)."""
    return output_file_path(
        OutputPlace(entity),
        PathOptions(**{"mode": "output", **options}),
        nb_elements=nb_elements,
        folder_revision=folder_revision,
    )


def instance_output_file_path(
    *, instance: AssetInstance, temporal_entity: Entity, **options: Any
) -> PathParts:
    """`output_file_path` of an asset instance's output as seen in `temporal_entity`."""
    return output_file_path(
        OutputPlace(temporal_entity, instance), PathOptions(**{"mode": "output", **options})
    )
