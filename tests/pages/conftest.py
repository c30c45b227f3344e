"""Fixtures of the browsable pages' tests: a browser (Django's test client) logged in with a
Django session, as the log-in page makes one."""

import pytest
from django.test import Client

from production.models import Person


@pytest.fixture
def browser_for():
    """A client logged in as `person` (None: a visitor)."""

    def make(person: Person | None) -> Client:
        client = Client()
        if person is not None:
            client.force_login(person)
        return client

    return make
