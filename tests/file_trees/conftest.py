"""Fixtures of the file-tree tests. Their production is "Cosmos Landromat" (tests/cosmos.py),
built once per module."""

import copy

import pytest

from tests.cosmos import Cosmos


@pytest.fixture
def cosmos(shared_cosmos, db) -> Cosmos:
    """This test's own copy of the module's Cosmos Landromat."""
    return copy.deepcopy(shared_cosmos)
