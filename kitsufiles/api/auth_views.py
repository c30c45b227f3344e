"""`/api/auth/*` and `/api/`: log-in, token refresh, log-out, who am I, API version."""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles import accounts, login_failures
from kitsufiles.api import authentication
from kitsufiles.api.client_address import client_address
from kitsufiles.api.errors import ZouError, ZouNotAuthenticated, error_body
from kitsufiles.api.schema import answers
from kitsufiles.api.serialization import Row, serialize_instance
from kitsufiles.errors import Forbidden

# The Zou API version whose contract this service speaks (what gazu's get_api_version reads).
ZOU_API_VERSION = "1.0.97"
WRONG_CREDENTIALS = {"login": False, "message": "Wrong email or password."}
TOO_MANY_FAILURES = "Too many failed log-ins: try again later."


def organisation_body() -> Row | None:
    organisation = accounts.organisation()
    return serialize_instance(organisation) if organisation else None


def set_token_cookie(response: Response, access_token: str) -> None:
    response.set_cookie(
        settings.JWT_COOKIE_NAME,
        access_token,
        max_age=int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=not settings.DEBUG,
    )


class PublicView(APIView):
    """A route anyone may call: it reads no credentials (the log-in routes hand them out)."""

    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [AllowAny]


class ApiRootView(PublicView):
    def get(self, request: Request) -> Response:
        return Response(
            {"api": "Zou", "version": ZOU_API_VERSION, "kitsufiles": settings.API_VERSION}
        )


class ApiRootWithoutSlashView(ApiRootView):
    """`GET/HEAD /api` (gazu's host_is_up); documented once, as `/api/`."""

    schema = None


class LoginView(PublicView):
    class Input(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        password = serializers.CharField(required=False, allow_blank=True, default="")

    @answers(200)
    def post(self, request: Request) -> Response:
        body = self.Input(data=request.data)
        body.is_valid(raise_exception=True)
        email, password = body.validated_data["email"], body.validated_data["password"]
        address = client_address(request)
        wait = login_failures.retry_after(email, address)
        if wait is not None:
            return Response(
                error_body(TOO_MANY_FAILURES), status=429, headers={"Retry-After": str(wait)}
            )
        person = accounts.user_by_login(email.strip())
        if person is None or not person.is_active or not person.check_password(password):
            login_failures.record_failure(email, address)
            raise ZouError(400, WRONG_CREDENTIALS)
        login_failures.clear_account(email)
        access_token, refresh_token = authentication.issue_tokens(person)
        response = Response(
            {
                "login": True,
                "user": serialize_instance(person),
                "organisation": organisation_body(),
                "access_token": access_token,
                "refresh_token": refresh_token,
            }
        )
        set_token_cookie(response, access_token)
        return response


class RefreshTokenView(PublicView):
    """GET with `Authorization: Bearer <refresh token>` → a new access token."""

    def get(self, request: Request) -> Response:
        raw = authentication.raw_token_from_request(request, allow_cookie=False)
        if raw is None:
            raise ZouNotAuthenticated({"msg": "Missing JWT in headers"})
        _, access_token = authentication.refresh_access_token(raw)
        response = Response({"access_token": access_token})
        set_token_cookie(response, access_token)
        return response


class LogoutView(APIView):
    def get(self, request: Request) -> Response:
        authentication.revoke_session(authentication.request_token(request))
        response = Response({"logout": True})
        response.delete_cookie(settings.JWT_COOKIE_NAME)
        return response


class AuthenticatedView(APIView):
    def get(self, request: Request) -> Response:
        user = request.user
        if not isinstance(user, AbstractBaseUser):  # the route requires authentication
            raise Forbidden()
        return Response(
            {
                "authenticated": True,
                "user": serialize_instance(user),
                "organisation": organisation_body(),
            }
        )
