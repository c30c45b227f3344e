"""The PostgreSQL backend's health check (kitsufiles/postgresql/base.py): a kept connection is
judged by its own state, with no query, and one the server has ended is replaced before the
next query, as Django's `SELECT 1` check would.

Each test works on a connection of its own (not the test's transaction), ended for real by
the server with pg_terminate_backend."""

import time

import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the backend is PostgreSQL's (SQLite: none)"
    ),
]


@pytest.fixture
def own_connection():
    wrapper = connections.create_connection("default")
    wrapper.health_check_enabled = True
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def backend_pid(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_the_engine_is_this_backend():
    assert type(connections["default"]).__module__ == "kitsufiles.postgresql.base"


def last_statement_of(pid: int) -> str:
    """The last statement a session ran, read from another session."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def test_a_healthy_kept_connection_is_usable_without_a_query(own_connection):
    pid = backend_pid(own_connection)
    assert own_connection.is_usable()
    assert own_connection.is_usable()
    assert last_statement_of(pid) == "SELECT pg_backend_pid()"  # no SELECT 1 sent


def wait_until(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_connection_the_server_ended_is_replaced_before_the_next_query(own_connection):
    old_pid = backend_pid(own_connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [old_pid])
        assert cursor.fetchone()[0] is True
    # The server's last message reaches the socket a moment later.
    assert wait_until(lambda: not own_connection.is_usable())

    # What Django does before the first query of a request.
    own_connection.health_check_done = False
    own_connection.close_if_health_check_failed()
    assert own_connection.connection is None
    assert backend_pid(own_connection) != old_pid  # a new session answered


def test_a_connection_left_in_a_transaction_is_not_reused(own_connection):
    own_connection.connection.execute("BEGIN")
    assert not own_connection.is_usable()
    own_connection.connection.execute("ROLLBACK")
    assert own_connection.is_usable()


def test_a_closed_connection_is_not_usable(own_connection):
    own_connection.connection.close()
    assert not own_connection.is_usable()
