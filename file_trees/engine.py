"""The file-tree template engine: plain Python, no Django.

A tree is a JSON object of modes (`working`, `output`, `preview`, or custom ones). Each mode has a
`mountpoint`, a `root`, and `folder_path` / `file_name` sections mapping an entity kind (`asset`,
`shot`, `sequence`, `scene`, `episode`, `instance`, `instance_asset`) to a template such as
`<Project>/shots/<Sequence>/<Shot>/<TaskType>`, plus an optional `style` (lowercase/uppercase).

`render_folder` / `render_file_name` turn a template and a `Subjects` (plain dicts of the rows a
path is about) into a path; `parse_path` does the reverse, giving every template of every mode
that matches a path, with the raw token values it read. `validate_tree` says everything wrong
with a tree before it is stored. The Django side (file_trees.services) builds `Subjects` from rows
and resolves parsed values back to rows.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from slugify import slugify

KINDS = ("asset", "shot", "sequence", "scene", "episode", "instance", "instance_asset")
SECTIONS = ("folder_path", "file_name")
STYLES = ("lowercase", "uppercase")

# Token words, and the fields `<Word.field>` may name on each (any other field means `name`,
# as in Zou; these are the fields whose absence would otherwise be a surprise at render time).
TOKEN_FIELDS: dict[str, frozenset[str]] = {
    "Project": frozenset({"name", "id"}),
    "Task": frozenset({"name", "id"}),
    "TaskType": frozenset({"name", "short_name", "id"}),
    "Department": frozenset({"name", "id"}),
    "Shot": frozenset({"name", "id"}),
    "Sequence": frozenset({"name", "id"}),
    "Episode": frozenset({"name", "id"}),
    "Scene": frozenset({"name", "id"}),
    "Asset": frozenset({"name", "id"}),
    "AssetType": frozenset({"name", "short_name", "id"}),
    "TemporalEntity": frozenset({"name", "id"}),
    "TemporalEntityType": frozenset({"name", "short_name", "id"}),
    "Software": frozenset({"name", "short_name", "id"}),
    "OutputType": frozenset({"name", "short_name", "id"}),
    "Instance": frozenset({"name", "number", "id"}),
    "Representation": frozenset({"name"}),
    "Name": frozenset({"name"}),
    "OutputFile": frozenset({"name"}),
    "WorkingFile": frozenset({"name"}),
    "Version": frozenset({"name"}),
    "Revision": frozenset({"name"}),
}
SPECIAL_FIELDS = frozenset({"name", "short_name", "number", "id"})

TOKEN = re.compile(r"<([\w.]+)>")
# For parsing: `prefix<Token>suffix` with word characters around; dotted tokens do not match.
PARSE_TOKEN = re.compile(r"(\w*)<(\w+)>(\w*)")
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
# Entity kinds that have no episode to walk up to: Zou renders `<Episode>` as e001 for them.
EPISODE_FALLBACK = "e001"
# Path separators a tree may be rendered with (`sep`): `..` between either climbs a folder.
SEPARATORS = re.compile(r"[/\\]")
# A path that starts at a root of its own: `/x`, `\\server\x`, `C:` or `C:\x`.
ABSOLUTE = re.compile(r"^([/\\]|[A-Za-z]:)")


class FileTreeError(ValueError):
    """A tree that cannot serve a request: the message says what is missing or wrong."""


@dataclass(frozen=True)
class Subjects:
    """What the tokens of a template read. Rows are plain mappings (`name`, `id`, ...)."""

    kind: str  # the template key: asset, shot, ..., instance, instance_asset
    entity_kind: str  # the entity's own kind: Shot, Sequence, Episode, Scene, or asset
    project: Mapping[str, Any] | None = None
    entity: Mapping[str, Any] | None = None  # the path's entity (the temporal entity for instances)
    entity_type: Mapping[str, Any] | None = None
    sequence: Mapping[str, Any] | None = None
    episode: Mapping[str, Any] | None = None
    task: Mapping[str, Any] | None = None
    task_type: Mapping[str, Any] | None = None
    department: Mapping[str, Any] | None = None
    software: Mapping[str, Any] | None = None
    output_type: Mapping[str, Any] | None = None
    asset: Mapping[str, Any] | None = None  # the instance's asset, or the entity itself
    asset_type: Mapping[str, Any] | None = None
    instance: Mapping[str, Any] | None = None
    name: str = ""
    representation: str = ""
    revision: int = 1


@dataclass(frozen=True)
class PathMatch:
    """One template that fits a path: its mode and kind, and the raw values read from it."""

    mode: str
    kind: str
    values: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Reading a tree


def ordered_modes(tree: Mapping[str, Any]) -> list[str]:
    """Modes in a stable order: PostgreSQL's JSONB key order (shorter keys first, then
    bytewise), which is the order Zou walks them, on every database."""
    return sorted(tree, key=lambda key: (len(key.encode()), key.encode()))


def mode_of(tree: Mapping[str, Any] | None, mode: str) -> Mapping[str, Any]:
    if not tree:
        if tree is None:
            raise FileTreeError("No tree can be found for given project.")
        raise FileTreeError(f"Mode {mode} cannot be found on given tree.")
    if mode not in tree or not isinstance(tree[mode], Mapping):
        raise FileTreeError(f"Mode {mode} cannot be found on given tree.")
    settings = tree[mode]
    if "mountpoint" not in settings or "root" not in settings:
        raise FileTreeError(f"Can't find given mode ({mode}) in given tree.")
    return settings


def section_of(tree: Mapping[str, Any] | None, mode: str, section: str) -> Mapping[str, Any]:
    settings = mode_of(tree, mode)
    templates = settings.get(section)
    if not isinstance(templates, Mapping):
        raise FileTreeError(f"The {mode} mode of the tree has no {section} section.")
    return templates


def template_of(tree: Mapping[str, Any] | None, mode: str, section: str, kind: str) -> str:
    templates = section_of(tree, mode, section)
    template = templates.get(kind)
    if not isinstance(template, str):
        raise FileTreeError(f"The {mode} mode of the tree has no {section} template for {kind}.")
    return template


def style_of(tree: Mapping[str, Any] | None, mode: str, section: str) -> str:
    return section_of(tree, mode, section).get("style", "") or ""


def apply_style(value: str, style: str) -> str:
    if style == "uppercase":
        return value.upper()
    if style == "lowercase":
        return value.lower()
    return value


def join(first: str, second: str, sep: str) -> str:
    """Join two path parts without an empty element when either is empty."""
    if not first:
        return second
    if not second:
        return first
    return f"{first}{sep}{second}"


def root_path(tree: Mapping[str, Any] | None, mode: str, sep: str = "/") -> str:
    """`mountpoint` + sep + `root` + sep (mountpoint + sep when root is empty).

    The two strings are inserted as written: a `/` inside them is not turned into `sep`.
    """
    settings = mode_of(tree, mode)
    return join(settings["mountpoint"], settings["root"], sep) + sep


# ---------------------------------------------------------------------------------------------
# Rendering


def kind_for_entity(
    entity_type_name: str, *, is_instance: bool = False, in_asset: bool = False
) -> str:
    """The template key for an entity: shots, sequences, scenes and episodes have their own;
    every other kind (asset types, edits, concepts) uses `asset`. An asset instance uses
    `instance`, or `instance_asset` when it is cast in another asset."""
    if is_instance:
        return "instance_asset" if in_asset else "instance"
    return {
        "Shot": "shot",
        "Sequence": "sequence",
        "Scene": "scene",
        "Episode": "episode",
    }.get(entity_type_name, "asset")


def split_token(text: str) -> tuple[str, str]:
    """`TaskType.short_name` → ("TaskType", "short_name"); no field, or another one → name."""
    parts = text.split(".")
    word = parts[0]
    wanted = parts[1] if len(parts) > 1 else "name"
    return word, wanted if wanted in SPECIAL_FIELDS else "name"


def _field(row: Mapping[str, Any] | None, word: str, wanted: str, label: str) -> str | None:
    if row is None:
        return None
    if wanted not in row:
        raise FileTreeError(f"<{word}.{wanted}>: a {label} has no {wanted}.")
    value = row[wanted]
    return None if value is None else str(value)


def _sequence_name(value: str | None) -> str | None:
    """Zou's rule for sequence numbers: a value holding `Seq` becomes S + 3 digits.

    It slices the first three characters wherever `Seq` is (`Seq2` → `S002`, `MySeq01` →
    `Seq01`): kept as Zou does it, since existing folders were named this way."""
    if value is not None and "Seq" in value:
        return "S" + value[3:].zfill(3)
    return value


def token_value(word: str, wanted: str, subjects: Subjects, *, for_folder: bool) -> str | None:
    """The raw value of one token (None: leave the token as it is, as Zou does for nulls)."""
    s = subjects
    if word == "Project":
        return _field(s.project, word, wanted, "project")
    if word == "Task":
        if s.task is None:
            raise FileTreeError("<Task> needs a task: it only works in working paths.")
        return _field(s.task, word, wanted, "task")
    if word == "TaskType":
        return _field(s.task_type, word, wanted, "task type") if s.task_type else ""
    if word == "Department":
        return _field(s.department, word, wanted, "department") if s.department else ""
    if word in ("Shot", "Scene"):
        return _field(s.entity, word, wanted, "entity") if s.entity else ""
    if word == "Sequence":
        if s.entity_kind not in ("Shot", "Scene", "Sequence"):
            return ""
        if s.sequence is None:
            raise FileTreeError(f"<Sequence>: {_label(s.entity)} has no sequence.")
        value = _field(s.sequence, word, wanted, "sequence")
        return _sequence_name(value) if wanted == "name" else value
    if word == "Episode":
        if s.episode is not None:
            return _field(s.episode, word, wanted, "episode")
        if s.entity_kind in ("Shot", "Scene", "Sequence"):
            raise FileTreeError(f"<Episode>: {_label(s.entity)} belongs to no episode.")
        return EPISODE_FALLBACK
    if word == "Asset":
        return _field(s.asset, word, wanted, "asset") if s.asset else ""
    if word == "AssetType":
        if s.asset_type is None:
            raise FileTreeError(f"<AssetType>: {_label(s.asset or s.entity)} is not an asset.")
        return _field(s.asset_type, word, wanted, "asset type")
    if word == "TemporalEntity":
        if s.entity is None:
            raise FileTreeError("<TemporalEntity> needs an entity.")
        return _field(s.entity, word, wanted, "entity")
    if word == "TemporalEntityType":
        if s.entity_type is None:
            raise FileTreeError("<TemporalEntityType> needs an entity.")
        value = _field(s.entity_type, word, wanted, "entity type")
        return value.lower() if value is not None else None
    if word == "Software":
        return _field(s.software, word, wanted, "software") if s.software else ""
    if word == "OutputType":
        if s.output_type is None:
            return ""
        value = _field(s.output_type, word, wanted, "output type")
        return value.lower() if value is not None else None
    if word == "Instance":
        if s.instance is None:
            return ""
        number = s.instance.get("number")
        if wanted == "name":
            return s.instance.get("name") or (str(number) if number is not None else None)
        return str(number or 0).zfill(4)
    if word == "Representation":
        return s.representation if for_folder else ""
    if word in ("Name", "OutputFile", "WorkingFile"):
        return s.name
    if word in ("Version", "Revision"):
        return str(s.revision).zfill(3)
    raise FileTreeError(f"Unknown data type: {word}.")


def _label(row: Mapping[str, Any] | None) -> str:
    return repr(row.get("name")) if row else "the entity"


def _render(template: str, subjects: Subjects, *, style: str, for_folder: bool) -> str:
    def replace(match: re.Match) -> str:
        word, wanted = split_token(match.group(1))
        value = token_value(word, wanted, subjects, for_folder=for_folder)
        if value is None:
            return match.group(0)
        if wanted == "id":
            return value
        return apply_style(slugify(value, separator="_"), style)

    return TOKEN.sub(replace, template)


def render_folder(
    tree: Mapping[str, Any] | None, mode: str, subjects: Subjects, sep: str = "/"
) -> str:
    """Root + the folder template of the subjects' kind, with `/` turned into `sep`."""
    template = template_of(tree, mode, "folder_path", subjects.kind)
    style = style_of(tree, mode, "folder_path")
    rendered = _render(template, subjects, style=style, for_folder=True)
    path = root_path(tree, mode, sep) + rendered.replace("/", sep)
    # Trees stored before they were validated may still climb out of their mount.
    if climbs(path):
        raise FileTreeError(f"The {mode} mode of the tree points outside its mountpoint.")
    return path


def render_file_name(
    tree: Mapping[str, Any] | None, mode: str, subjects: Subjects, *, nb_elements: int = 1
) -> str:
    """The file name: token values, then the whole name slugified and styled (no extension).

    UUIDs (`<Asset.id>`) survive the whole-name slugify; `_[1-N]` marks an image sequence.
    """
    template = template_of(tree, mode, "file_name", subjects.kind)
    style = style_of(tree, mode, "file_name")
    rendered = _render(template, subjects, style="lowercase", for_folder=False)
    uuids = UUID4.findall(rendered)
    name = apply_style(slugify(rendered, separator="_"), style)
    for original in uuids:
        name = name.replace(apply_style(slugify(original, separator="_"), style), original)
    if nb_elements > 1:
        name += f"_[1-{nb_elements}]"
    return name


# ---------------------------------------------------------------------------------------------
# Parsing a path back


def extract_values(path_elements: list[str], template_elements: list[str]) -> dict[str, str] | None:
    """Token → raw value for each template element; None if a literal element differs.

    A token element gives the path element with `_` read as a space (slugify made spaces
    underscores) and the template's prefix/suffix lengths cut off (`v<Version>` + `v003`
    → `003`). The first value of a repeated token wins."""
    values: dict[str, str] = {}
    for path_element, template_element in zip(path_elements, template_elements, strict=False):
        match = PARSE_TOKEN.search(template_element)
        if match is None:
            if path_element != template_element:
                return None
            continue
        prefix, word, suffix = match.groups()
        value = path_element.replace("_", " ")
        value = value[len(prefix) : len(value) - len(suffix) if suffix else None]
        values.setdefault(word, value)
    return values


def parse_path(tree: Mapping[str, Any] | None, path: str, sep: str = "/") -> list[PathMatch]:
    """Every (mode, kind) whose folder template fits `path`, in a stable order.

    Several matches mean an ambiguous path: they are all reported, never silently resolved."""
    if tree is None:
        raise FileTreeError("No tree can be found for given project.")
    matches: list[PathMatch] = []
    for mode in ordered_modes(tree):
        try:
            templates = section_of(tree, mode, "folder_path")
            root = root_path(tree, mode, sep)
        except FileTreeError:
            continue
        style = templates.get("style", "") or ""
        styled_root, styled_path = apply_style(root, style), apply_style(path, style)
        if not styled_path.startswith(styled_root):
            continue
        path_elements = styled_path[len(styled_root) :].split(sep)
        for kind in KINDS:
            template = templates.get(kind)
            if not isinstance(template, str):
                continue
            values = extract_values(path_elements, template.split("/"))
            if values:
                matches.append(PathMatch(mode=mode, kind=kind, values=values))
    return matches


# ---------------------------------------------------------------------------------------------
# Validation


def climbs(path: str) -> bool:
    """Whether a `..` element (between `/` or `\\`) would lead out of the folder it starts in."""
    return any(part.strip() == ".." for part in SEPARATORS.split(path))


def validate_tree(tree: object) -> list[str]:
    """Everything wrong with a tree, one message each (empty: the tree is usable)."""
    if not isinstance(tree, Mapping) or not tree:
        return ["A file tree must be a non-empty object of modes (working, output, preview...)."]
    problems: list[str] = []
    for mode, settings in tree.items():
        if not isinstance(settings, Mapping):
            problems.append(f"Mode {mode} must be an object.")
            continue
        for key in ("mountpoint", "root"):
            value = settings.get(key)
            if not isinstance(value, str):
                problems.append(f"Mode {mode} needs a {key} string.")
            elif climbs(value):
                problems.append(f"{mode}.{key}: a '..' in {value!r} points outside the mount.")
        root = settings.get("root")
        # The root continues the mountpoint: one of its own would leave it.
        if isinstance(root, str) and ABSOLUTE.match(root):
            problems.append(f"{mode}.root: {root!r} must be relative to the mountpoint.")
        for section in SECTIONS:
            templates = settings.get(section)
            if not isinstance(templates, Mapping):
                problems.append(f"Mode {mode} needs a {section} object.")
                continue
            problems += _section_problems(mode, section, templates)
        folders, names = settings.get("folder_path"), settings.get("file_name")
        if isinstance(folders, Mapping) and isinstance(names, Mapping):
            for kind in set(folders) ^ set(names):
                if kind != "style":
                    problems.append(
                        f"Mode {mode} has a {kind} template in only one of folder_path and "
                        "file_name."
                    )
    if "working" not in tree and "output" not in tree:
        problems.append("A file tree needs a working or an output mode.")
    return problems


def _section_problems(mode: str, section: str, templates: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    where = f"{mode}.{section}"
    for kind, template in templates.items():
        if kind == "style":
            if template not in (*STYLES, "", None):
                problems.append(f"{where}.style must be lowercase or uppercase, not {template!r}.")
            continue
        if kind not in KINDS:
            problems.append(f"{where} has an unknown entity kind {kind!r} ({', '.join(KINDS)}).")
            continue
        if not isinstance(template, str) or not template.strip():
            problems.append(f"{where}.{kind} must be a non-empty template string.")
            continue
        problems += _template_problems(f"{where}.{kind}", template)
    return problems


def _template_problems(where: str, template: str) -> list[str]:
    problems: list[str] = []
    stripped = TOKEN.sub("", template)
    if "<" in stripped or ">" in stripped:
        problems.append(f"{where}: malformed token in {template!r} (tokens look like <Shot>).")
    for text in TOKEN.findall(template):
        parts = text.split(".")
        word = parts[0]
        if word not in TOKEN_FIELDS:
            problems.append(f"{where}: unknown token <{text}> ({', '.join(TOKEN_FIELDS)}).")
            continue
        wanted = parts[1] if len(parts) > 1 else "name"
        if wanted in SPECIAL_FIELDS and wanted not in TOKEN_FIELDS[word]:
            problems.append(f"{where}: <{word}> has no {wanted} field.")
    if "//" in template or template.startswith("/") or template.endswith("/"):
        problems.append(f"{where}: empty folder in {template!r}.")
    elif ABSOLUTE.match(template):
        problems.append(f"{where}: {template!r} must be relative to the root.")
    if climbs(template):
        problems.append(f"{where}: a '..' in {template!r} points outside the mount.")
    return problems
