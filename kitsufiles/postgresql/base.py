"""Django's PostgreSQL backend with a health check that costs no round trip.

With persistent connections (CONN_MAX_AGE) and CONN_HEALTH_CHECKS, Django makes sure a kept
connection still works before the first query of each request, by running `SELECT 1`: a round
trip to the server on every request, a tenth of a small request's time here
(docs/decisions/prepared-queries.md has the figures). This backend asks the connection's own
state instead: psycopg knows when it has seen the connection fail, and a server that ends a
session (a restart, `pg_terminate_backend`, idle_session_timeout) sends a last message and
closes the socket, which makes an idle connection's socket readable. Between two requests a
healthy connection has nothing to read: anything there means the connection goes, and the next
query opens a new one, as after a failed `SELECT 1`.

What this does not see, a `SELECT 1` would not answer quickly either: a peer gone silent
(a network cut) makes both wait for the operating system's TCP timeouts.
"""

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        # In or after a failed transaction: Django closes the connection rather than reuse it.
        if connection.info.transaction_status != TransactionStatus.IDLE:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable
