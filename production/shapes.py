"""Zou's shapes of entity kinds.

Assets, sequences, shots, episodes... are rows of one entity table. Zou's clients read and
send them with keys of their kind: a shot's or scene's `sequence_id` and a sequence's
`episode_id` are their `parent_id`; an asset's `asset_type_id` is its `entity_type_id` and its
`episode_id` its `source_id`. Pure: no Django.
"""

from dataclasses import dataclass
from typing import Any

ASSET = "Asset"  # what Zou's routes call every entity whose type is an asset type


@dataclass(frozen=True)
class Parent:
    kind: str  # the kind of entity this kind hangs under
    key: str  # the key naming it in Zou's rows and bodies


KIND_PARENT: dict[str, Parent] = {
    "Shot": Parent("Sequence", "sequence_id"),
    "Scene": Parent("Sequence", "sequence_id"),
    "Sequence": Parent("Episode", "episode_id"),
}

# Assets name their type and their episode with keys of their own.
ASSET_KEYS = {"asset_type_id": "entity_type_id", "episode_id": "source_id"}


def kind_keys(kind: str) -> dict[str, str]:
    """Zou's keys of `kind` → the column each one repeats."""
    if kind == ASSET:
        return ASSET_KEYS
    parent = KIND_PARENT.get(kind)
    return {parent.key: "parent_id"} if parent else {}


def complete_kind_row(row: dict[str, Any], kind: str) -> dict[str, Any]:
    """Add `kind`'s own keys to an entity row in Zou's shape."""
    for key, column in kind_keys(kind).items():
        row[key] = row[column]
    return row
