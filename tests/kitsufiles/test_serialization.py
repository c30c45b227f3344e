"""Rows in Zou's shape: datetimes are written by the database (kitsufiles/api/serialization.py,
`ZouDateTime`), so they are pinned here against the values Python holds."""

import datetime

import orjson
import pytest

from kitsufiles.api.serialization import serialize_instance, serialize_rows
from production.models import Person

pytestmark = pytest.mark.django_db

PARIS_SUMMER = datetime.timezone(datetime.timedelta(hours=2))


def encoded(row: dict) -> dict:
    return orjson.loads(orjson.dumps(row))


def test_a_datetime_is_written_in_utc_without_its_fraction_of_a_second():
    person = Person.objects.create_user(
        email="clock@studio.test",
        last_login_failed=datetime.datetime(2024, 3, 1, 1, 30, 59, 999999, tzinfo=PARIS_SUMMER),
    )

    row = encoded(serialize_instance(person))

    # Truncated, not rounded (as Zou writes it), and moved to UTC across midnight.
    assert row["last_login_failed"] == "2024-02-29T23:30:59"
    person.refresh_from_db()
    assert row["created_at"] == person.created_at.astimezone(datetime.UTC).strftime(
        "%Y-%m-%dT%H:%M:%S"
    )


def test_an_empty_datetime_stays_null_in_a_listing():
    Person.objects.create_user(email="never@studio.test")
    Person.objects.create_user(
        email="once@studio.test",
        last_login_failed=datetime.datetime(2023, 12, 31, 23, 59, 1, tzinfo=datetime.UTC),
    )

    rows = encoded(serialize_rows(Person.objects.order_by("email")))

    assert [row["last_login_failed"] for row in rows] == [None, "2023-12-31T23:59:01"]
    assert all(row["type"] == "Person" for row in rows)
