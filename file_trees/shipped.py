"""The trees shipped with the service (`trees/<name>.json`), read by name."""

import copy
import json
import re
from functools import cache
from pathlib import Path

TREES_DIR = Path(__file__).resolve().parent / "trees"
TREE_NAME = re.compile(r"[A-Za-z0-9_-]+")


def shipped_tree_names() -> list[str]:
    return sorted(path.stem for path in TREES_DIR.glob("*.json"))


@cache
def _read(name: str) -> dict:
    return json.loads((TREES_DIR / f"{name}.json").read_text())


def shipped_tree(name: object) -> dict | None:
    """A fresh copy of the shipped tree `name`, or None. A name that is not a plain word
    (a path, `..`, empty) is refused without touching the disk."""
    if not isinstance(name, str) or not TREE_NAME.fullmatch(name):
        return None
    if name not in shipped_tree_names():
        return None
    return copy.deepcopy(_read(name))
