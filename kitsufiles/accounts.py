"""The plumbing's one door to the people who log in: settings.AUTH_USER_MODEL.

The plumbing imports no app. What the log-in routes need besides the user rows (the revoked
sessions, the organisation their answers carry) is reached through the user model's default
manager, which must offer the two methods of `AccountManager`. We chose the manager over a
second setting naming a model or a function: AUTH_USER_MODEL is the hook Django already has
and the one every deployment sets, a second hook would have to be kept in step with it, and the
tables stay with the app whose migrations own them.
"""

from datetime import datetime
from typing import Any, Protocol, cast

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Exists

from kitsufiles.prepared import Prepared


class AccountManager(Protocol):
    """What the user model's default manager offers the plumbing, besides a manager's usual
    queries."""

    def revoked_sessions(self) -> models.QuerySet:
        """The revoked log-in sessions: rows with `jti` (the session id, primary key) and
        `expires_at` (when the last token of the session expires)."""
        ...

    def organisation(self) -> models.Model | None:
        """The studio's organisation, which log-in answers carry (None before there is one)."""
        ...


def user_model() -> type[models.Model]:
    return get_user_model()


def account_manager() -> AccountManager:
    return cast(AccountManager, user_model()._default_manager)


def user_by_login(login: str) -> Any:
    """The user whose log-in field (USERNAME_FIELD: the e-mail) is `login`, in any case; None
    if there is none."""
    model: Any = user_model()
    return model._default_manager.filter(**{f"{model.USERNAME_FIELD}__iexact": login}).first()


def user_by_id(user_id: object) -> Any:
    """The user `user_id`. Raises ObjectDoesNotExist, or ValueError/TypeError/ValidationError
    for an id that cannot be one."""
    return user_model()._default_manager.get(pk=user_id)


SESSION_REVOKED = "session_revoked_at_read"


def _users_of_session(user_id: object, session_id: str) -> models.QuerySet:
    revoked = account_manager().revoked_sessions().filter(jti=session_id)
    users = user_model()._default_manager.annotate(**{SESSION_REVOKED: Exists(revoked)})
    return users.filter(pk=user_id).order_by()


# Every authenticated request runs it: compiled once (docs/decisions/prepared-queries.md).
_USER_OF_SESSION = Prepared(_users_of_session)


def user_of_session(user_id: object, session_id: str) -> Any:
    """The user `user_id` with, read in the same query, whether the log-in session
    `session_id` is revoked (the `session_revoked_at_read` attribute): authenticating a
    request costs one query, and a log-out or a password change still refuses the next
    request at once, since nothing is cached between requests. Raises as `user_by_id`."""
    user_pk = user_model()._meta.pk
    assert user_pk is not None
    user = _USER_OF_SESSION.first(user_id=user_pk.to_python(user_id), session_id=str(session_id))
    if user is None:
        raise user_model().DoesNotExist()  # type: ignore[attr-defined]
    return user


def password_fingerprint(user: Any) -> str:
    """A keyed digest of the user's password hash, which every token carries: a token whose
    fingerprint is no longer the user's was issued before a password change. Keyed with
    SECRET_KEY (Django's session hash), so a token reveals nothing of the hash.

    Django rehashes a password when its hasher's parameters change (after an upgrade), which
    changes the fingerprint too: that person logs in again once."""
    return str(user.get_session_auth_hash())[:32]


def is_session_revoked(session_id: str) -> bool:
    return account_manager().revoked_sessions().filter(jti=session_id).exists()


@transaction.atomic
def revoke_session(session_id: str, *, until: datetime, now: datetime) -> None:
    """Refuse every token of the session from now on. The row is kept `until` the longest-lived
    token of the session could be presented; rows whose tokens have all expired by `now`
    protect nothing any more and go, so log-outs keep the table small."""
    revoked = account_manager().revoked_sessions()
    revoked.update_or_create(jti=session_id, defaults={"expires_at": until})
    revoked.filter(expires_at__lt=now).delete()


def organisation() -> models.Model | None:
    return account_manager().organisation()
