"""Fixtures of the file-tree tests. Their production is "Cosmos Landromat" (tests/cosmos.py),
built once per module."""

import pytest

from tests.conftest import own_copy
from tests.cosmos import Cosmos


@pytest.fixture
def cosmos(shared_cosmos, db) -> Cosmos:
    """This test's own copy of the module's Cosmos Landromat."""
    return own_copy(shared_cosmos)
