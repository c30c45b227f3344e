"""Revision lines of outputs: the rows whose revisions are numbered together."""

from dataclasses import dataclass

from file_trees.inputs import OutputPlace
from production.models import AssetInstance, Entity


@dataclass(frozen=True)
class RevisionLine:
    """An entity's own outputs, or an asset instance's outputs as seen in one temporal entity
    (a shot, a scene, or the asset hosting it). Outputs of an instance carry its asset as their
    entity, so `entity` is the asset on an instance's line."""

    entity: Entity
    instance: AssetInstance | None = None
    temporal_entity: Entity | None = None

    @classmethod
    def of_entity(cls, entity: Entity) -> "RevisionLine":
        return cls(entity)

    @classmethod
    def of_instance(cls, instance: AssetInstance, temporal_entity: Entity) -> "RevisionLine":
        return cls(instance.asset, instance, temporal_entity)

    @property
    def columns(self) -> dict[str, Entity | AssetInstance | None]:
        """The columns every output of the line carries."""
        return {
            "entity": self.entity,
            "asset_instance": self.instance,
            "temporal_entity": self.temporal_entity,
        }

    @property
    def every_output(self) -> dict[str, object]:
        """The filter of the outputs the line answers for. An entity's also takes in the
        outputs of its asset instances, which carry it as entity: Zou numbers the entity's
        revisions and lists its output types over them too."""
        if self.instance is None:
            return {"entity": self.entity}
        return {"asset_instance": self.instance, "temporal_entity": self.temporal_entity}

    @property
    def own_outputs(self) -> dict[str, object]:
        """The filter of the outputs published on the line itself (its listings)."""
        if self.instance is None:
            return {"entity": self.entity, "asset_instance__isnull": True}
        return self.every_output

    @property
    def place(self) -> OutputPlace:
        """What the line's paths are rendered for."""
        if self.instance is None or self.temporal_entity is None:
            return OutputPlace(self.entity)
        return OutputPlace(self.temporal_entity, self.instance)
