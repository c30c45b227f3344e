"""Log-in throttling, malformed tokens and password changes revoking tokens
(docs/compatibility.md#authentication)."""

import io
import os
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.management.commands import changepassword
from django.core.management import call_command
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from kitsufiles.api.authentication import issue_tokens
from production import services
from tests.conftest import PASSWORD
from tests.zou_bodies import WRONG_CREDENTIALS

ROOT = Path(__file__).resolve().parents[2]


def login(email: str, password: str, address: str = "192.0.2.1", forwarded_for: str = ""):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return APIClient(REMOTE_ADDR=address, **headers).post(
        "/api/auth/login", {"email": email, "password": password}, format="json"
    )


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    settings.LOGIN_FAILURES_PER_ADDRESS = 5
    settings.LOGIN_FAILURE_WINDOW = 600
    return settings


def assert_throttled(response, window: int = 600) -> None:
    assert response.status_code == 429
    assert response.json() == {"error": True, "message": response.json()["message"]}
    assert response.json()["message"]
    assert 0 < int(response["Retry-After"]) <= window


@pytest.mark.django_db
class TestLoginThrottle:
    def test_account_is_throttled_after_n_failures_even_with_the_right_password(
        self, limits, admin
    ):
        for _ in range(3):
            assert login(admin.email, "wrong").json() == WRONG_CREDENTIALS
        # Refused before the password is looked at, from another address too.
        assert_throttled(login(admin.email, PASSWORD, address="198.51.100.7"))
        assert_throttled(login(admin.email.upper(), "wrong", address="198.51.100.7"))

    def test_other_accounts_are_unaffected(self, limits, admin, make_person):
        other = make_person()
        for _ in range(3):
            login(admin.email, "wrong")
        assert login(other.email, PASSWORD).status_code == 200

    def test_unknown_accounts_count_like_known_ones(self, limits, db):
        for _ in range(3):
            assert login("nobody@studio.test", "guess").status_code == 400
        assert_throttled(login("nobody@studio.test", "guess"))

    def test_success_clears_the_account_counter(self, limits, admin):
        for _ in range(2):
            login(admin.email, "wrong")
        assert login(admin.email, PASSWORD).status_code == 200
        for _ in range(2):
            assert login(admin.email, "wrong").status_code == 400
        assert login(admin.email, PASSWORD).status_code == 200

    def test_address_is_throttled_after_m_failures_across_accounts(self, limits, make_person):
        person = make_person()
        for number in range(5):
            assert login(f"guess{number}@studio.test", "x").status_code == 400
        # Even a right password for an account never tried, from that address...
        assert_throttled(login(person.email, PASSWORD))
        # ...while the same account from another address logs in.
        assert login(person.email, PASSWORD, address="203.0.113.9").status_code == 200

    def test_behind_trusted_proxies_clients_are_told_apart(self, limits, make_person):
        limits.TRUSTED_PROXIES = 2
        person = make_person()
        # The client forged the leftmost entry; the two proxies appended the client's
        # address and the first proxy's; REMOTE_ADDR is the second proxy's, the same for all.
        spray = {"address": "10.0.0.2", "forwarded_for": "203.0.113.66, 198.51.100.7, 10.0.0.1"}
        for number in range(5):
            assert login(f"guess{number}@studio.test", "x", **spray).status_code == 400
        assert_throttled(login(person.email, PASSWORD, **spray))
        # Another forged entry does not escape the counter of the address the proxy saw...
        spray["forwarded_for"] = "192.0.2.99, 198.51.100.7, 10.0.0.1"
        assert_throttled(login(person.email, PASSWORD, **spray))
        # ...while another client behind the same proxies logs in.
        other = {"address": "10.0.0.2", "forwarded_for": "198.51.100.8, 10.0.0.1"}
        assert login(person.email, PASSWORD, **other).status_code == 200

    def test_without_trusted_proxies_the_header_is_ignored(self, limits, make_person):
        person = make_person()
        for number in range(5):
            login(f"guess{number}@studio.test", "x", forwarded_for=f"198.51.100.{number}")
        assert_throttled(login(person.email, PASSWORD, forwarded_for="203.0.113.1"))

    def test_a_request_that_skipped_the_proxies_counts_by_its_own_address(
        self, limits, make_person
    ):
        limits.TRUSTED_PROXIES = 1
        person = make_person()
        for number in range(5):
            login(f"guess{number}@studio.test", "x", address="192.0.2.50")
        assert_throttled(login(person.email, PASSWORD, address="192.0.2.50"))

    def test_the_window_ends(self, limits, admin, monkeypatch):
        for _ in range(3):
            login(admin.email, "wrong")
        retry = int(login(admin.email, PASSWORD)["Retry-After"])
        # The counters and the local-memory cache both read the clock through time.time().
        later = time.time() + retry + 1
        monkeypatch.setattr(time, "time", lambda: later)
        assert login(admin.email, PASSWORD).status_code == 200

    def test_a_zero_limit_turns_the_counter_off(self, limits, admin):
        limits.LOGIN_FAILURES_PER_ACCOUNT = 0
        for _ in range(4):
            login(admin.email, "wrong")
        assert login(admin.email, PASSWORD).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "user_id", ["not-a-uuid", "", 12, 1.5, 2**200, ["x"], {"a": 1}, None, "0" * 36]
)
def test_a_malformed_user_id_is_401(admin, user_id):
    access, refresh = issue_tokens(admin)
    token = AccessToken(access)
    token["user_id"] = user_id
    response = bearer(str(token)).get("/api/auth/authenticated")
    assert response.status_code == 401
    assert response.json() == {"msg": "User not found"}
    token = RefreshToken(refresh)
    token["user_id"] = user_id
    assert bearer(str(token)).get("/api/auth/refresh-token").status_code == 401


def change_through_crud(person, admin_client):
    response = admin_client.put(
        f"/api/data/persons/{person.id}", {"password": "a new one"}, format="json"
    )
    assert response.status_code == 200


def change_on_the_model(person, admin_client):
    # What the admin site and `manage.py changepassword` do.
    person.set_password("a new one")
    person.save()


def change_through_create_admin(person, admin_client):
    services.create_admin(email=person.email, password="a new one")


def change_through_the_command(person, admin_client):
    with mock.patch.object(changepassword.getpass, "getpass", return_value="a new one"):
        call_command("changepassword", person.email, stdout=io.StringIO())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        change_through_crud,
        change_on_the_model,
        change_through_create_admin,
        change_through_the_command,
    ],
)
def test_a_password_change_revokes_access_and_refresh_tokens(change, make_person, admin_client):
    person = make_person()
    tokens = login(person.email, PASSWORD).json()
    assert bearer(tokens["access_token"]).get("/api/auth/authenticated").status_code == 200

    change(person, admin_client)

    for token, url in (
        (tokens["access_token"], "/api/auth/authenticated"),
        (tokens["refresh_token"], "/api/auth/refresh-token"),
    ):
        response = bearer(token).get(url)
        assert response.status_code == 401
        assert response.json() == {"msg": "Token has been revoked"}
    fresh = login(person.email, "a new one")
    assert fresh.status_code == 200
    assert bearer(fresh.json()["access_token"]).get("/api/auth/authenticated").status_code == 200


@pytest.mark.django_db
def test_other_edits_keep_the_tokens(make_person, admin_client):
    person = make_person()
    access, refresh = issue_tokens(person)
    response = admin_client.put(
        f"/api/data/persons/{person.id}", {"first_name": "Renamed"}, format="json"
    )
    assert response.status_code == 200
    assert bearer(access).get("/api/auth/authenticated").status_code == 200
    assert bearer(refresh).get("/api/auth/refresh-token").status_code == 200


@pytest.mark.django_db
def test_a_token_without_the_password_claim_is_refused(admin):
    # Issued before tokens carried it: a password change could not revoke it.
    refresh = RefreshToken.for_user(admin)
    response = bearer(str(refresh.access_token)).get("/api/auth/authenticated")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "redis_url, backend",
    [
        ("", "django.core.cache.backends.locmem.LocMemCache"),
        ("redis://127.0.0.1:6379/0", "django.core.cache.backends.redis.RedisCache"),
    ],
)
def test_the_counters_are_shared_through_redis_when_redis_url_is_set(tmp_path, redis_url, backend):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kitsufiles.settings",
        "DATA_DIR": str(tmp_path),
        "REDIS_URL": redis_url,
    }
    if not redis_url:
        del environment["REDIS_URL"]
    script = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == backend
