"""Log-in, token refresh, log-out (revocation), expiry and cookie tokens, as gazu uses them."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from kitsufiles.api.authentication import ZouJWTAuthentication, issue_tokens
from production.models import RevokedToken
from tests.conftest import PASSWORD
from tests.zou_bodies import EXPIRED_TOKEN, WRONG_CREDENTIALS


def login(email: str, password: str):
    return APIClient().post(
        "/api/auth/login", {"email": email, "password": password}, format="json"
    )


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.django_db
class TestLogin:
    def test_success_gives_tokens_user_and_organisation(self, admin, default_data):
        response = login(admin.email, PASSWORD)
        assert response.status_code == 200
        body = response.json()
        assert body["login"] is True
        assert body["user"]["id"] == str(admin.id)
        assert body["user"]["email"] == admin.email
        assert "password" not in body["user"]
        assert body["organisation"]["name"] == "Kitsu"
        assert body["access_token"] and body["refresh_token"]
        assert response.cookies["access_token_cookie"].value == body["access_token"]

    def test_email_is_case_insensitive(self, admin):
        assert login(admin.email.upper(), PASSWORD).status_code == 200

    def test_wrong_password_is_400_with_login_false(self, admin):
        response = login(admin.email, "wrong")
        assert response.status_code == 400
        assert response.json() == WRONG_CREDENTIALS

    def test_unknown_email_answers_like_a_wrong_password(self, db):
        response = login("nobody@studio.test", "whatever")
        assert response.status_code == 400
        assert response.json()["login"] is False

    def test_inactive_person_cannot_log_in(self, make_person):
        person = make_person(active=False)
        assert login(person.email, PASSWORD).status_code == 400

    def test_empty_email_is_a_validation_error(self, db):
        # gazu's host_is_valid() posts {"email": ""} and expects 400 or 401.
        response = APIClient().post("/api/auth/login", {"email": ""}, format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["message"] == "Validation error."
        assert body["data"]["errors"][0]["field"] == "email"


@pytest.mark.django_db
class TestTokens:
    def test_authenticated_returns_user_and_organisation(self, admin, default_data):
        token = login(admin.email, PASSWORD).json()["access_token"]
        response = bearer(token).get("/api/auth/authenticated")
        assert response.status_code == 200
        body = response.json()
        assert body["authenticated"] is True
        assert body["user"]["id"] == str(admin.id)
        assert body["user"]["type"] == "Person"
        assert body["organisation"]["type"] == "Organisation"

    def test_no_token_is_401(self, db):
        response = APIClient().get("/api/auth/authenticated")
        assert response.status_code == 401
        assert "msg" in response.json()

    def test_garbage_token_is_401(self, db):
        assert bearer("not.a.token").get("/api/data/projects").status_code == 401

    def test_refresh_gives_a_working_access_token(self, admin):
        tokens = login(admin.email, PASSWORD).json()
        response = bearer(tokens["refresh_token"]).get("/api/auth/refresh-token")
        assert response.status_code == 200
        new_access = response.json()["access_token"]
        assert bearer(new_access).get("/api/auth/authenticated").status_code == 200

    def test_access_token_cannot_be_used_to_refresh(self, admin):
        tokens = login(admin.email, PASSWORD).json()
        response = bearer(tokens["access_token"]).get("/api/auth/refresh-token")
        assert response.status_code == 401

    def test_refresh_token_is_not_an_access_token(self, admin):
        tokens = login(admin.email, PASSWORD).json()
        assert bearer(tokens["refresh_token"]).get("/api/data/projects").status_code == 401

    def test_refresh_without_token_is_401(self, db):
        assert APIClient().get("/api/auth/refresh-token").status_code == 401

    def test_expired_access_token_says_signature_has_expired(self, admin):
        token = AccessToken.for_user(admin)
        token.set_exp(lifetime=-timedelta(seconds=1))
        response = bearer(str(token)).get("/api/data/projects")
        assert response.status_code == 401
        # The exact text gazu looks for before refreshing its token.
        assert response.json() == EXPIRED_TOKEN

    def test_expired_refresh_token_says_signature_has_expired(self, admin):
        _, refresh = issue_tokens(admin)
        token = RefreshToken(refresh)
        token.set_exp(lifetime=-timedelta(seconds=1))
        response = bearer(str(token)).get("/api/auth/refresh-token")
        assert response.status_code == 401
        assert response.json() == EXPIRED_TOKEN

    def test_deactivated_person_loses_access(self, make_person):
        person = make_person()
        access, _ = issue_tokens(person)
        person.active = False
        person.save()
        assert bearer(access).get("/api/auth/authenticated").status_code == 401


@pytest.mark.django_db
class TestLogout:
    def test_logout_revokes_access_and_refresh_tokens(self, admin):
        tokens = login(admin.email, PASSWORD).json()
        client = bearer(tokens["access_token"])
        response = client.get("/api/auth/logout")
        assert response.status_code == 200
        assert response.json() == {"logout": True}
        after = client.get("/api/auth/authenticated")
        assert after.status_code == 401
        assert after.json() == {"msg": "Token has been revoked"}
        refresh = bearer(tokens["refresh_token"]).get("/api/auth/refresh-token")
        assert refresh.status_code == 401

    def test_logout_only_ends_that_session(self, admin):
        first = login(admin.email, PASSWORD).json()["access_token"]
        second = login(admin.email, PASSWORD).json()["access_token"]
        bearer(first).get("/api/auth/logout")
        assert bearer(second).get("/api/auth/authenticated").status_code == 200

    def test_a_revoked_session_is_refused_before_its_person_is_looked_for(self, make_person):
        """A log-out answers "revoked" even once the person is gone: the one query that
        authenticates reads both, and the failing path keeps the order of the checks."""
        person = make_person()
        tokens = login(person.email, PASSWORD).json()
        bearer(tokens["access_token"]).get("/api/auth/logout")
        person.delete()
        after = bearer(tokens["access_token"]).get("/api/auth/authenticated")
        assert after.status_code == 401
        assert after.json() == {"msg": "Token has been revoked"}


@pytest.mark.django_db
def test_authenticating_a_request_is_one_query(admin, django_assert_num_queries):
    """The person and the revocation of their session are read together (no cache: a
    log-out or a password change refuses the very next request)."""
    access, _ = issue_tokens(admin)
    request = Request(APIRequestFactory().get("/api/", HTTP_AUTHORIZATION=f"Bearer {access}"))
    with django_assert_num_queries(1):
        person, _ = ZouJWTAuthentication().authenticate(request)
    assert person == admin


@pytest.mark.django_db
class TestCookieToken:
    def test_cookie_authenticates_reads(self, admin):
        access, _ = issue_tokens(admin)
        client = APIClient()
        client.cookies["access_token_cookie"] = access
        assert client.get("/api/auth/authenticated").status_code == 200

    def test_cookie_does_not_authorize_writes(self, admin):
        # A cookie rides along with cross-site requests: writes need the header.
        access, _ = issue_tokens(admin)
        client = APIClient()
        client.cookies["access_token_cookie"] = access
        response = client.post("/api/data/softwares", {"name": "Maya"}, format="json")
        assert response.status_code == 401


@pytest.mark.django_db
def test_logout_purges_revocations_whose_tokens_have_expired(admin):
    stale = RevokedToken.objects.create(
        jti="old-session", expires_at=timezone.now() - timedelta(days=1)
    )
    bearer(login(admin.email, PASSWORD).json()["access_token"]).get("/api/auth/logout")
    assert not RevokedToken.objects.filter(jti=stale.jti).exists()
    assert RevokedToken.objects.count() == 1
