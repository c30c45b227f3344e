"""gazu 1.3.1, the real client, talking HTTP to a live test server."""

import gc

import gazu
import pytest

from production import services
from tests.conftest import PASSWORD


@pytest.fixture
def gazu_admin(live_server, transactional_db, admin):
    """gazu's default client, pointed at the live server and logged in as an admin."""
    services.ensure_default_data()
    gazu.set_host(f"{live_server.url}/api")
    gazu.log_in(admin.email, PASSWORD)
    try:
        yield admin
    finally:
        gazu.log_out()


@pytest.fixture(autouse=True)
def close_gazu_connections():
    """Close gazu's keep-alive connections after each test, while the live server still runs.

    A server thread left waiting on one would wake when the session ends and touch a database
    connection no longer shared with it (an unhandled thread exception). gazu leaves a
    connection checked out when a streamed download fails its status check (the response is
    never closed): collecting the garbage closes it."""
    yield
    gazu.client.default_client.session.close()
    gc.collect()
