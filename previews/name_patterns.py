"""How import_previews reads a file name: a pattern of literal text and placeholders in braces,
e.g. `{entity}_{task_type}_v{revision}.{ext}` (docs/batch-imports.md#import_previews).

Pure (no Django): the pattern is checked once, then every way a file name can be read with it
is listed (`NamePattern.readings`). A name such as `SH010_layout_anim_v003.mov` reads two ways
with the default pattern (shot `SH010`, task type `layout_anim`; or shot `SH010_layout`, task
type `anim`); the caller keeps the readings that name an existing entity and task type, and a
name that still reads two ways is reported as ambiguous rather than guessed.
"""

import re
from dataclasses import dataclass

DEFAULT_PATTERN = "{entity}_{task_type}_v{revision}.{ext}"

# What each placeholder may hold: names anything but a path separator; a revision digits; an
# extension letters and digits (so `{ext}` never swallows a dot).
PLACEHOLDERS: dict[str, re.Pattern[str]] = {
    "entity": re.compile(r"[^/\\]+"),
    "task_type": re.compile(r"[^/\\]+"),
    "sequence": re.compile(r"[^/\\]+"),
    "episode": re.compile(r"[^/\\]+"),
    "revision": re.compile(r"[0-9]+"),
    "ext": re.compile(r"[A-Za-z0-9]+"),
}
REQUIRED = ("entity", "task_type", "ext")
# A name reading more ways than this is certainly ambiguous; no need to list them all.
MAX_READINGS = 16

_PIECE = re.compile(r"\{([^{}]*)\}|([^{}]+)|([{}])")


class PatternError(ValueError):
    """A pattern import_previews cannot read names with; the message says why."""


@dataclass(frozen=True)
class NamePattern:
    text: str
    # ("text", literal) or ("field", placeholder), in order.
    pieces: tuple[tuple[str, str], ...]

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(value for kind, value in self.pieces if kind == "field")

    def readings(self, file_name: str) -> list[dict[str, str]]:
        """Every way `file_name` reads with the pattern (placeholder → text), at most
        MAX_READINGS. Literal text matches in any case (`_V003` as `_v003`)."""
        found: list[dict[str, str]] = []
        self._read(file_name, 0, 0, {}, found)
        return found

    def _read(
        self, name: str, piece: int, at: int, values: dict[str, str], found: list[dict[str, str]]
    ) -> None:
        if len(found) >= MAX_READINGS:
            return
        if piece == len(self.pieces):
            if at == len(name):
                found.append(dict(values))
            return
        kind, value = self.pieces[piece]
        if kind == "text":
            if name[at : at + len(value)].lower() == value.lower():
                self._read(name, piece + 1, at + len(value), values, found)
            return
        allowed = PLACEHOLDERS[value]
        for end in range(at + 1, len(name) + 1):
            if not allowed.fullmatch(name, at, end):
                # Every placeholder's characters are a class: a longer piece fails too.
                break
            values[value] = name[at:end]
            self._read(name, piece + 1, end, values, found)
            del values[value]


def parse_pattern(text: str) -> NamePattern:
    """The pattern, checked: known placeholders, each at most once, `{entity}`, `{task_type}`
    and `{ext}` present, and text between two placeholders (otherwise nothing tells where
    one ends and the next begins). PatternError says what is wrong."""
    if not text.strip():
        raise PatternError("The pattern is empty.")
    known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    pieces: list[tuple[str, str]] = []
    for match in _PIECE.finditer(text):
        field, literal, stray = match.groups()
        if stray is not None:
            raise PatternError(
                f"The pattern {text!r} has an unmatched {stray!r} at character "
                f"{match.start() + 1}; placeholders are written {{name}}."
            )
        if literal is not None:
            if "/" in literal or "\\" in literal:
                raise PatternError(
                    f"The pattern {text!r} names folders: it is matched against file names only."
                )
            pieces.append(("text", literal))
            continue
        name = field.strip()
        if name not in PLACEHOLDERS:
            raise PatternError(
                f"The pattern {text!r} has an unknown placeholder {{{field}}}; known: {known}."
            )
        if ("field", name) in pieces:
            raise PatternError(f"The pattern {text!r} has {{{name}}} twice.")
        if pieces and pieces[-1][0] == "field":
            raise PatternError(
                f"The pattern {text!r} puts {{{pieces[-1][1]}}} and {{{name}}} side by side: "
                "put some text between them (such as _), or a name cannot be split."
            )
        pieces.append(("field", name))
    missing = [f"{{{name}}}" for name in REQUIRED if ("field", name) not in pieces]
    if missing:
        raise PatternError(f"The pattern {text!r} needs {', '.join(missing)}.")
    return NamePattern(text=text, pieces=tuple(pieces))
