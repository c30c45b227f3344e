"""JWT authentication the way Zou's clients use it.

- The access token comes from `Authorization: Bearer ...`, or from the `access_token_cookie`
  cookie that Kitsu's <img>/<video> tags send. The cookie is only honoured on safe methods:
  a cookie travels with cross-site requests, so it must not authorize writes (no CSRF token).
- Every token of one log-in carries the same session id (`sid`); log-out revokes the session,
  so both the access and the refresh token stop working at once.
- Every token also carries a fingerprint of the person's password (`pwd`, see
  `accounts.password_fingerprint`): changing the password, by whatever route, refuses every
  token issued before, with no list of tokens to keep.
- Errors are flask-jwt-extended's bodies, and an expired token answers Zou's exact
  `"Signature has expired"`, which is what makes gazu refresh its token and retry.
  See docs/compatibility.md#authentication.

The browsable pages (Django sessions) show pictures and movies with <img> and <video> tags
that send the session cookie, not a token: the media routes also accept the session
(`PageSessionAuthentication`, in `MEDIA_AUTHENTICATION` after JWT), on safe methods only, like
the token cookie. See docs/compatibility.md#authentication.

The person behind a token is a row of settings.AUTH_USER_MODEL, reached through
`kitsufiles.accounts` (the plumbing imports no app).
"""

import uuid
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from rest_framework import authentication
from rest_framework.request import Request
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token

from kitsufiles import accounts
from kitsufiles.api.errors import ZouNotAuthenticated

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_Token = TypeVar("_Token", bound=Token)
SESSION_CLAIM = "sid"
PASSWORD_CLAIM = "pwd"
REVOKED_BODY = {"msg": "Token has been revoked"}

EXPIRED_BODY = {"error": True, "message": "Signature has expired"}


def raw_token_from_request(request: HttpRequest | Request, *, allow_cookie: bool) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    if allow_cookie and request.method in SAFE_METHODS:
        return request.COOKIES.get(settings.JWT_COOKIE_NAME) or None
    return None


def decode(raw: str, token_class: type[_Token]) -> _Token:
    try:
        # simplejwt annotates its argument as a Token; it is the encoded string.
        return token_class(raw)  # type: ignore[arg-type]
    except ExpiredTokenError:
        raise ZouNotAuthenticated(EXPIRED_BODY) from None
    except TokenError:
        raise ZouNotAuthenticated({"msg": "Invalid token"}) from None


def session_of(token: Token) -> str:
    """The log-in session a token belongs to (tokens issued before sessions: their own id)."""
    return token.get(SESSION_CLAIM) or token.get("jti")


def person_for_token(token: Token) -> Any:
    """The person a token acts for: one query reads the person and whether the token's
    session is revoked. A revoked session is refused first, whatever else is wrong."""
    session = session_of(token)
    person_id = token.get(settings.SIMPLE_JWT["USER_ID_CLAIM"])
    try:
        person = accounts.user_of_session(person_id, session)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError):
        # No person to read the revocation with: a second query, on this failing path only.
        if accounts.is_session_revoked(session):
            raise ZouNotAuthenticated(REVOKED_BODY) from None
        raise ZouNotAuthenticated({"msg": "User not found"}) from None
    if getattr(person, accounts.SESSION_REVOKED):
        raise ZouNotAuthenticated(REVOKED_BODY)
    if not person.is_active:
        raise ZouNotAuthenticated({"msg": "User is inactive"})
    # A token without the claim predates it: refused too, so a token stolen before the
    # upgrade cannot outlive a password change (everyone logs in once more).
    if not constant_time_compare(
        str(token.get(PASSWORD_CLAIM, "")), accounts.password_fingerprint(person)
    ):
        raise ZouNotAuthenticated(REVOKED_BODY)
    return person


class ZouJWTAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Token] | None:
        raw = raw_token_from_request(request, allow_cookie=True)
        if raw is None:
            return None
        token = decode(raw, AccessToken)
        return person_for_token(token), token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to anonymous calls, as Zou does.
        return "Bearer"


class PageSessionAuthentication(authentication.SessionAuthentication):
    """The log-in session of the browsable pages, on GET and HEAD only: a cookie travels with
    cross-site requests, so it never authorizes a write (and the CSRF check DRF adds for
    sessions has nothing to protect on a safe method)."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        if request.method not in SAFE_METHODS:
            return None
        return super().authenticate(request)


# The media routes (pictures, movies): the token first (its errors are the API's), then the
# pages' session. A route with these never reads `request_token`.
MEDIA_AUTHENTICATION: list[type[authentication.BaseAuthentication]] = [
    ZouJWTAuthentication,
    PageSessionAuthentication,
]


def issue_tokens(person: Any) -> tuple[str, str]:
    """A new log-in session: (access token, refresh token) sharing one session id."""
    refresh = RefreshToken.for_user(person)
    refresh[SESSION_CLAIM] = uuid.uuid4().hex
    refresh[PASSWORD_CLAIM] = accounts.password_fingerprint(person)
    return str(refresh.access_token), str(refresh)


def refresh_access_token(raw_refresh: str) -> tuple[Any, str]:
    refresh = decode(raw_refresh, RefreshToken)
    person = person_for_token(refresh)
    return person, str(refresh.access_token)


def request_token(request: Request) -> Token:
    """The token an authenticated request carries (this module's class is the only
    authentication scheme but on the media routes, so there is one whenever a route that is not
    a media route requires authentication)."""
    token = request.auth
    if not isinstance(token, Token):
        raise ZouNotAuthenticated({"msg": "Missing JWT in headers"})
    return token


def revoke_session(token: Token) -> None:
    """Log-out: every token of this session is refused from now on."""
    now = timezone.now()
    accounts.revoke_session(
        session_of(token), until=now + settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"], now=now
    )
