"""gazu 1.3.1, the real client, talking HTTP to a live test server."""

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
    yield admin
    gazu.log_out()
