"""Annotations of a preview: Zou's list of `{time, drawing: {objects: [...]}}` entries (one per
annotated frame, fabric.js objects with ids), kept with the integer frame number of each entry.

Pure: lists and fractions in, lists out; the caller reads and writes the row under its lock
(previews/services/annotations.py). The rules, and where they differ from Zou, are in
docs/compatibility.md#annotations:

- `frame` is the 1-based number of the frame an entry's time falls on, the numbering of
  Zou's extract-frame and extract-annotated-frame routes (time (N - 1) / rate), computed from
  the time read as the decimal it was written as (1.001, not the binary float nearest to it)
  and the preview's exact frame rate (24000/1001): frame = round-half-up(time x rate) + 1.
- Entries are matched by frame whenever their time reads as a number of seconds (the nearest
  frame start: Zou's annotated-frame routes and its `normalize-annotation-times` command take
  the same half-a-frame tolerance); otherwise (an older row's time that is no number), as Zou
  does, by the exact time value.
- Every object gets a non-empty string id; changes that are not in the documented shape are
  refused as a whole (InvalidAnnotations), never half-applied.
"""

import copy
import math
import uuid
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from previews.errors import InvalidAnnotations

Entry = dict[str, Any]
# A key two entries share when they annotate the same frame.
Key = tuple[Any, ...]

# No review movie lasts a thousand days: a larger time is a mistake, not a frame.
MAX_TIME = Fraction(86_400_000)


# ---------------------------------------------------------------------------------------------
# Times and frames


def exact_time(raw: object) -> Fraction | None:
    """The time an entry names, exactly as written (None when it is not a number of seconds
    between 0 and MAX_TIME). A float is read as its shortest decimal form, so 1.001 is
    1001/1000; older Kitsu versions wrote times as strings, which are read the same way."""
    if isinstance(raw, bool):
        return None
    try:
        if isinstance(raw, int):
            value = Fraction(raw)
        elif isinstance(raw, float):
            if not math.isfinite(raw):
                return None
            value = Fraction(repr(raw))
        elif isinstance(raw, str):
            value = Fraction(raw.strip())
        else:
            return None
    except (ValueError, ZeroDivisionError):
        return None
    return value if 0 <= value <= MAX_TIME else None


def frame_at(time: Fraction, rate: Fraction) -> int:
    """The 1-based number of the frame whose start is nearest to `time` (half up)."""
    return math.floor(time * rate + Fraction(1, 2)) + 1


def frame_start(frame: int, rate: Fraction) -> Fraction:
    """When frame `frame` (1-based) starts, exactly."""
    return Fraction(frame - 1) / rate


def frame_of(raw_time: object, rate: Fraction) -> int | None:
    """The frame of an entry's time, None when the time is not a number."""
    time = exact_time(raw_time)
    return None if time is None else frame_at(time, rate)


def _key(raw_time: object, rate: Fraction) -> Key:
    """What matches entries: the frame when the time reads as a number of seconds (two
    clients' floats for one frame, 0.6 and 0.616 at 25 fps, or 1 and "1", name one frame),
    else the exact time value as Zou compares it (an older row's time that is no number)."""
    frame = frame_of(raw_time, rate)
    if frame is not None:
        return ("frame", frame)
    return ("time", type(raw_time).__name__, repr(raw_time))


# ---------------------------------------------------------------------------------------------
# Checking what clients send


def _where(name: str, index: int) -> str:
    return f"{name}[{index}]"


def _list(value: object, name: str) -> list[Any]:
    """A list of changes; absent or null is an empty one."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidAnnotations(f"{name} must be a list, not {_kind(value)}.")
    return value


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _time(entry: dict[str, Any], where: str, *, numeric: bool) -> object:
    if "time" not in entry or entry["time"] is None:
        raise InvalidAnnotations(f"{where} has no time: give the time of its frame in seconds.")
    raw = entry["time"]
    if isinstance(raw, (bool, dict, list)) or not isinstance(raw, (int, float, str)):
        raise InvalidAnnotations(f"{where}.time must be a number of seconds, not {_kind(raw)}.")
    if (numeric or not isinstance(raw, str)) and exact_time(raw) is None:
        raise InvalidAnnotations(
            f"{where}.time must be a number of seconds between 0 and {int(MAX_TIME)}."
        )
    return raw


def _objects(drawing: dict[str, Any], where: str) -> list[dict[str, Any]]:
    objects = drawing.get("objects", [])
    if objects is None:
        objects = []
    if not isinstance(objects, list):
        raise InvalidAnnotations(f"{where}.objects must be a list, not {_kind(objects)}.")
    for index, item in enumerate(objects):
        if not isinstance(item, dict):
            raise InvalidAnnotations(
                f"{where}.objects[{index}] must be an object (a fabric.js object), "
                f"not {_kind(item)}."
            )
        object_id = item.get("id")
        if object_id not in (None, "") and not isinstance(object_id, str):
            raise InvalidAnnotations(
                f"{where}.objects[{index}].id must be a string, not {_kind(object_id)}."
            )
    return objects


def _drawn_entry(entry: object, where: str, *, numeric: bool) -> Entry:
    """An entry of annotations, additions or updates: `{time, drawing: {objects: [...]}}`,
    other keys kept. Returns a copy with ids on every object (and one object per id)."""
    if not isinstance(entry, dict):
        raise InvalidAnnotations(
            f"{where} must be an object with a time and a drawing, not {_kind(entry)}."
        )
    _time(entry, where, numeric=numeric)
    drawing = entry.get("drawing")
    if not isinstance(drawing, dict):
        raise InvalidAnnotations(
            f"{where}.drawing must be an object holding the fabric.js objects, "
            f"not {_kind(drawing)}."
        )
    _objects(drawing, f"{where}.drawing")
    entry = copy.deepcopy(entry)
    entry["drawing"]["objects"] = _with_ids(entry["drawing"].get("objects") or [])
    return entry


def _deletion(entry: object, where: str) -> tuple[object, list[str]]:
    """A deletion: `{time, objects: [ids]}` (Zou's format, not gazu's docstring's ids)."""
    if not isinstance(entry, dict):
        raise InvalidAnnotations(
            f"{where} must be an object with a time and the ids of the objects to remove "
            f'({{"time": 1.5, "objects": ["<id>"]}}), not {_kind(entry)}.'
        )
    raw_time = _time(entry, where, numeric=False)
    ids = entry.get("objects", [])
    if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
        raise InvalidAnnotations(f"{where}.objects must be a list of object ids (strings).")
    return raw_time, ids


def _with_ids(objects: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The objects with an id each (a new uuid where it is missing, empty or null), the
    first of each id kept."""
    kept: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in objects:
        if not item.get("id") or not isinstance(item["id"], str):
            item = {**item, "id": str(uuid.uuid4())}
        if item["id"] not in seen:
            seen.add(item["id"])
            kept.append(item)
    return kept


# ---------------------------------------------------------------------------------------------
# The stored list


def _stored(annotations: object, rate: Fraction) -> list[Entry]:
    """The stored list as the server keeps it: entries that are objects, ids on every
    object, one entry per key (entries of one frame merged), each with its `frame`. Older
    rows may hold anything: what is not an entry is dropped, a drawing that is not an object
    counts as an empty one."""
    entries: list[Entry] = []
    for entry in annotations if isinstance(annotations, list) else []:
        if not isinstance(entry, dict):
            continue
        entry = copy.deepcopy(entry)
        drawing = entry.get("drawing")
        if not isinstance(drawing, dict):
            drawing = entry["drawing"] = {}
        objects = drawing.get("objects")
        drawing["objects"] = _with_ids(
            item
            for item in (objects if isinstance(objects, list) else [])
            if isinstance(item, dict)
        )
        entries.append(entry)
    return _merged(entries, rate)


def _merged(entries: list[Entry], rate: Fraction) -> list[Entry]:
    """One entry per key: the first entry of a frame takes the objects of the later ones
    (those whose id it lacks), as Zou's `normalize-annotation-times` does. Each gets its
    `frame`."""
    by_key: dict[Key, Entry] = {}
    merged: list[Entry] = []
    for entry in entries:
        key = _key(entry.get("time"), rate)
        first = by_key.get(key)
        if first is None:
            by_key[key] = entry
            entry["frame"] = frame_of(entry.get("time"), rate)
            merged.append(entry)
        else:
            _join(first, entry["drawing"]["objects"])
    return merged


def _join(entry: Entry, objects: list[dict[str, Any]]) -> None:
    """Append to `entry` the objects whose id it does not hold yet (never overwrite)."""
    present = {item["id"] for item in entry["drawing"]["objects"]}
    for item in objects:
        if item["id"] not in present:
            present.add(item["id"])
            entry["drawing"]["objects"].append(item)


def normalized(annotations: object, rate: Fraction) -> list[Entry] | None:
    """A whole list of annotations a client writes at once (the generic PUT of a preview):
    checked like additions, then kept as the server keeps it. None stays None."""
    if annotations is None:
        return None
    entries = [
        _drawn_entry(entry, _where("annotations", index), numeric=True)
        for index, entry in enumerate(_list(annotations, "annotations"))
    ]
    return [entry for entry in _merged(entries, rate) if entry["drawing"]["objects"]]


def apply_changes(
    annotations: object,
    *,
    additions: object = None,
    updates: object = None,
    deletions: object = None,
    rate: Fraction,
) -> list[Entry]:
    """The annotations after `additions`, `updates` and `deletions` (Zou's semantics, with
    entries matched as the module docstring says). Everything is checked before anything is
    applied; `annotations` itself is left untouched.

    - an addition joins the entry of its frame (objects whose id is new are appended; an
      addition never overwrites, so replaying one changes nothing), or becomes a new entry;
    - an update replaces, in place, the objects of its entry whose id it names (objects of
      unknown ids, and updates of frames without an entry, are ignored);
    - a deletion `{time, objects: [ids]}` removes those objects from the entry of its frame;
    - entries left without objects are dropped.
    """
    added = [
        _drawn_entry(entry, _where("additions", index), numeric=True)
        for index, entry in enumerate(_list(additions, "additions"))
    ]
    changed = [
        _drawn_entry(entry, _where("updates", index), numeric=False)
        for index, entry in enumerate(_list(updates, "updates"))
    ]
    removed = [
        _deletion(entry, _where("deletions", index))
        for index, entry in enumerate(_list(deletions, "deletions"))
    ]

    entries = _stored(annotations, rate)
    by_key = {_key(entry.get("time"), rate): entry for entry in entries}
    for addition in added:
        key = _key(addition["time"], rate)
        if key in by_key:
            _join(by_key[key], addition["drawing"]["objects"])
        else:
            addition["frame"] = frame_of(addition["time"], rate)
            by_key[key] = addition
            entries.append(addition)
    for update in changed:
        target = by_key.get(_key(update["time"], rate))
        if target is None:
            continue
        replacements = {item["id"]: item for item in update["drawing"]["objects"]}
        target["drawing"]["objects"] = [
            replacements.get(item["id"], item) for item in target["drawing"]["objects"]
        ]
    for raw_time, ids in removed:
        target = by_key.get(_key(raw_time, rate))
        if target is not None:
            dropped = set(ids)
            target["drawing"]["objects"] = [
                item for item in target["drawing"]["objects"] if item["id"] not in dropped
            ]
    return [entry for entry in entries if entry["drawing"]["objects"]]
