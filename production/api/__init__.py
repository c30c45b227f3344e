"""Zou's production routes: the generic CRUD of every model (`crud`), and the routes gazu uses
to set a project up: entity kinds and asset instances (`entities`), the team and settings of a
project (`projects`), a task in full and its comments (`tasks`). Who may call which route is
in the access table of `production.permissions`."""

from production.api.crud import RESOURCES

__all__ = ["RESOURCES"]
