"""Query counts of guess-from-path, the same in a small production and in a larger one (see
tests/query_counts.py): the rows a path names are looked up by name, never listed."""

import pytest

from production import services
from tests.query_counts import SIZES, bounded

pytestmark = pytest.mark.django_db

ROOT = "/simple/productions/cosmos_landromat"


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-rows")
def production(request, cosmos, admin):
    """`size` more assets of Tree's type and `size` more shots in its sequence."""
    for n in range(request.param):
        services.create_asset(
            project=cosmos.project,
            asset_type=cosmos.tree.entity_type,
            name=f"Bush{n:03d}",
            created_by=admin,
        )
        services.create_temporal_entity(
            kind="Shot",
            project=cosmos.project,
            name=f"P{n + 100:03d}",
            parent=cosmos.sequence,
            created_by=admin,
        )
    return cosmos


@pytest.mark.parametrize(
    ("path", "bound"),
    [
        # Auth, the project with the caller's team link; then the candidates of each token,
        # by kind and parent, their names compared as slugs: projects, asset types, assets,
        # task types.
        (f"{ROOT}/assets/props/tree/shaders/blender", 6),
        # Auth, the project; projects, sequences, shots, task types.
        (f"{ROOT}/shots/s01/p01/animation/max", 6),
    ],
    ids=["asset", "shot"],
)
def test_a_guess(admin_client, production, path, bound, django_assert_max_num_queries):
    body = {"project_id": str(production.project.id), "file_path": path}
    response = bounded(
        django_assert_max_num_queries,
        bound,
        lambda: admin_client.post("/api/data/entities/guess-from-path", body, format="json"),
    )
    assert len(response.json()) == 1
