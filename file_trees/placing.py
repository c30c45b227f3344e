"""Where a file found on disk belongs, read back from a project's file tree: the entity, the
task (working files) or the output type (output files), the revision line's name and the
revision. The import_tree command's reading of a studio's folders
(docs/decisions/import-tree.md).

The folder is read by the parser of guess-from-path (`engine.parse_path`, then
`selectors.lookup_token` for each token, in template order), kept to the templates of one mode
whose depth is the folder's; the file name by the mode's `file_name` template of the matched
kind, rendered for those rows with stand-ins for the name and the revision and turned into a
pattern. Every answer is per folder and remembered: a folder of a thousand files costs its
queries once.

A path that several templates read as existing rows, or a task type with several tasks on the
entity, is ambiguous: reported, never guessed.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slugify import slugify

from file_trees import engine, selectors
from file_trees.errors import TreeCannotParse
from production.models import Entity, OutputType, Project, Software, Task, TaskType

MODES = ("working", "output")
# The token of the entity each kind's path is about.
ENTITY_TOKENS = {
    "shot": "Shot",
    "asset": "Asset",
    "sequence": "Sequence",
    "scene": "Scene",
    "episode": "Episode",
}
NAME_TOKENS = ("Name", "WorkingFile", "OutputFile")
REVISION_TOKENS = ("Version", "Revision")
# Stand-ins rendered where the name and the revision go, then read back as groups. Both
# survive slugify and either style unchanged but for case (the pattern ignores case).
NAME_STAND_IN = "qzqnameqzq"
REVISION_STAND_IN = 987654321
DEFAULT_NAME = "main"  # a template without a name token: Zou's default line
# A template without a revision token: a `_v<N>` suffix after the rendered name carries it.
REVISION_SUFFIX = r"(?:_v(?P<suffix_revision>\d+))?"


@dataclass(frozen=True)
class Unplaced:
    """Why a path cannot be placed: `ambiguous` (several readings) or `unplaceable`."""

    reason: str
    ambiguous: bool = False


@dataclass(frozen=True)
class FolderPlace:
    """The rows a folder names. `task` in working mode; `output_type` (and `task_type` when the
    template names one) in output mode."""

    kind: str
    entity: Entity
    task: Task | None
    task_type: TaskType | None
    software: Software | None
    output_type: OutputType | None
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class FilePlace:
    folder: FolderPlace
    name: str
    revision: int
    extension: str  # with its dot, or ""


class Placer:
    """Reads paths relative to the root of `mode` in `project`'s tree (its mountpoint and
    root stand for the folder being imported)."""

    def __init__(self, project: Project, mode: str, *, default_software: Software | None) -> None:
        if mode not in MODES:
            raise TreeCannotParse(f"Unknown mode {mode!r} ({', '.join(MODES)}).")
        tree = project.file_tree
        if not tree:
            raise TreeCannotParse(f"The project {project.name} has no file tree.")
        try:
            engine.section_of(tree, mode, "folder_path")
            engine.section_of(tree, mode, "file_name")
            self.root = engine.root_path(tree, mode)
        except engine.FileTreeError as error:
            raise TreeCannotParse(str(error)) from None
        self.project = project
        self.tree = tree
        self.mode = mode
        self.default_software = default_software
        self._lookups: dict[tuple[str, str, tuple[tuple[str, str], ...]], Any] = {}
        self._folders: dict[tuple[str, ...], FolderPlace | Unplaced] = {}
        self._software = {
            slugify(software.name or "", separator="_"): software
            # Of two of one name, the oldest (as guess-from-path reads a name).
            for software in Software.objects.order_by("-created_at", "-pk")
        }
        if default_software is not None:  # unsaved on a dry run: named all the same
            self._software.setdefault(
                slugify(default_software.name or "", separator="_"), default_software
            )

    # -----------------------------------------------------------------------------------------
    # Folders

    def place_folder(self, parts: tuple[str, ...]) -> FolderPlace | Unplaced:
        """The rows the folder `parts` (relative to the root) names, remembered."""
        found = self._folders.get(parts)
        if found is None:
            found = self._folders[parts] = self._read_folder(parts)
        return found

    def forget_folder(self, parts: tuple[str, ...]) -> None:
        """A folder whose files are all read: its answer is not needed again (bounded memory
        over a walk of many folders)."""
        self._folders.pop(parts, None)

    def _read_folder(self, parts: tuple[str, ...]) -> FolderPlace | Unplaced:
        if not parts:
            return Unplaced("no template matches (a file at the root)")
        path = self.root + "/".join(parts)
        matches = [
            match
            for match in engine.parse_path(self.tree, path)
            if match.mode == self.mode
            # The parser reads a template's first elements: the folder must be as deep.
            and len(engine.template_of(self.tree, self.mode, "folder_path", match.kind).split("/"))
            == len(parts)
        ]
        if not matches:
            return Unplaced("no template matches")
        places: list[FolderPlace] = []
        refusals: list[Unplaced] = []
        for match in matches:
            place = self._resolve(match)
            (places if isinstance(place, FolderPlace) else refusals).append(place)  # type: ignore[arg-type]
        if len(places) > 1:
            kinds = ", ".join(place.kind for place in places)
            return Unplaced(f"ambiguous: several templates match ({kinds})", ambiguous=True)
        if places:
            return places[0]
        ambiguous = [refusal for refusal in refusals if refusal.ambiguous]
        return ambiguous[0] if ambiguous else refusals[0]

    def _lookup(self, token: str, value: str, found: Mapping[str, Any]) -> Any:
        key = (token, value, tuple(sorted((word, str(row)) for word, row in found.items())))
        if key not in self._lookups:
            self._lookups[key] = selectors.lookup_token(token, value, found)
        return self._lookups[key]

    def _resolve(self, match: engine.PathMatch) -> FolderPlace | Unplaced:
        kind = match.kind
        if kind not in ENTITY_TOKENS:
            return Unplaced(f"{kind} paths are not imported (asset instances)")
        template = engine.template_of(self.tree, self.mode, "folder_path", kind)
        found: dict[str, Any] = {}
        software: Software | None = None
        for element in template.split("/"):
            token = next((t for t in match.values if f"<{t}>" in element), None)
            if token is None:
                continue
            value = match.values[token]
            if token == "Software":
                software = self._software.get(slugify(value, separator="_"))
                if software is None:
                    return Unplaced(f"{kind}: no software named {value!r}")
                continue
            if token in ("Name", "Representation", "Version", "Revision"):
                continue
            result = self._lookup(token, value, found)
            if result is None:
                return Unplaced(f"{kind}: no {token} named {value!r} in the project")
            if token == "Project" and str(result) != str(self.project.pk):
                return Unplaced(f"{kind}: {value!r} is not the project {self.project.name!r}")
            found[token] = result
        entity_token = ENTITY_TOKENS[kind]
        if entity_token not in found:
            return Unplaced(f"{kind}: the template names no {entity_token}")
        entity = Entity.objects.select_related(
            "project", "entity_type", "parent__parent", "parent__entity_type"
        ).get(pk=found[entity_token])
        if entity.project_id != self.project.pk:
            return Unplaced(f"{kind}: {entity.name!r} is not in the project")
        if self.mode == "working":
            return self._working_place(kind, entity, match.values, found, software)
        return self._output_place(kind, entity, match.values, found, software)

    def _tasks(
        self, entity: Entity, found: Mapping[str, Any], values: Mapping[str, str]
    ) -> list[Task]:
        """The entity's tasks the folder names: by <Task> when the template has one, else those
        whose type has the <TaskType> name (task types are compared by their slug, as paths
        hold them: two types of one name for assets and shots are not mixed up)."""
        tasks = Task.objects.filter(project=self.project, entity=entity).select_related(
            "task_type__department", "entity__entity_type", "entity__project"
        )
        if "Task" in found:
            return list(tasks.filter(pk=found["Task"]))
        wanted = slugify(values.get("TaskType", ""), separator="_")
        return [
            task
            for task in tasks.order_by("created_at", "pk")
            if slugify(task.task_type.name or "", separator="_") == wanted
        ]

    def _working_place(
        self,
        kind: str,
        entity: Entity,
        values: Mapping[str, str],
        found: Mapping[str, Any],
        software: Software | None,
    ) -> FolderPlace | Unplaced:
        if "TaskType" not in found and "Task" not in found:
            return Unplaced(f"{kind}: the template names no task type")
        tasks = self._tasks(entity, found, values)
        if not tasks:
            task_type = values.get("TaskType", "")
            return Unplaced(f"{kind}: {entity.name!r} has no {task_type!r} task")
        if len(tasks) > 1:
            names = ", ".join(repr(task.name) for task in tasks)
            return Unplaced(
                f"ambiguous: {entity.name!r} has several such tasks ({names})", ambiguous=True
            )
        task = tasks[0]
        software = software or self.default_software
        return FolderPlace(
            kind=kind,
            entity=entity,
            task=task,
            task_type=task.task_type,
            software=software,
            output_type=None,
            pattern=self._file_pattern(
                kind, entity=entity, task=task, task_type=task.task_type, software=software
            ),
        )

    def _output_place(
        self,
        kind: str,
        entity: Entity,
        values: Mapping[str, str],
        found: Mapping[str, Any],
        software: Software | None,
    ) -> FolderPlace | Unplaced:
        if "OutputType" not in found:
            return Unplaced(f"{kind}: the template names no output type")
        output_type = OutputType.objects.get(pk=found["OutputType"])
        task_type: TaskType | None = None
        if "TaskType" in found or "Task" in found:
            tasks = self._tasks(entity, found, values)
            types = {task.task_type_id: task.task_type for task in tasks}
            if len(types) > 1:
                return Unplaced(
                    f"ambiguous: several task types of {entity.name!r} are named "
                    f"{values.get('TaskType', '')!r}",
                    ambiguous=True,
                )
            # A type with no task on the entity yet: the one the parser named.
            task_type = next(iter(types.values()), None) or TaskType.objects.select_related(
                "department"
            ).get(pk=found["TaskType"])
        return FolderPlace(
            kind=kind,
            entity=entity,
            task=None,
            task_type=task_type,
            software=software,
            output_type=output_type,
            pattern=self._file_pattern(
                kind,
                entity=entity,
                task=None,
                task_type=task_type,
                software=software,
                output_type=output_type,
            ),
        )

    # -----------------------------------------------------------------------------------------
    # File names

    def _file_pattern(self, kind: str, **rows: Any) -> re.Pattern[str]:
        """The mode's file name template of `kind` rendered for the folder's rows, with groups
        where the name and the revision go."""
        template = engine.template_of(self.tree, self.mode, "file_name", kind)
        subjects = selectors.subjects(
            kind=kind, name=NAME_STAND_IN, revision=REVISION_STAND_IN, **rows
        )
        rendered = engine.render_file_name(self.tree, self.mode, subjects)
        pattern = re.escape(rendered.lower())
        words = set(re.findall(r"<(\w+)", template))
        pattern = pattern.replace(NAME_STAND_IN, r"(?P<name>.+?)", 1)
        if words & set(REVISION_TOKENS):
            pattern = pattern.replace(str(REVISION_STAND_IN), r"(?P<revision>\d+)", 1)
        else:
            pattern += REVISION_SUFFIX
        return re.compile(pattern, re.IGNORECASE)

    def place_file(self, folder: FolderPlace, file_name: str) -> FilePlace | Unplaced:
        """The name and revision a file of `folder` holds in its name (its extension aside)."""
        stem, extension = _split_extension(file_name)
        match = folder.pattern.fullmatch(stem)
        if match is None:
            return Unplaced("the file name does not match the tree's file name template")
        groups = match.groupdict()
        revision = groups.get("revision") or groups.get("suffix_revision")
        if revision is None:
            return Unplaced("no revision in the file name")
        if int(revision) < 1:
            return Unplaced("revision 0 in the file name")
        name = groups.get("name") or DEFAULT_NAME
        return FilePlace(folder=folder, name=name, revision=int(revision), extension=extension)


def _split_extension(file_name: str) -> tuple[str, str]:
    stem, dot, extension = file_name.rpartition(".")
    if not dot or not stem:
        return file_name, ""
    return stem, f".{extension}"
