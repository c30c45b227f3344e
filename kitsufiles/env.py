"""Typed readers for settings taken from the environment.

Every reader fails loudly (ImproperlyConfigured naming the variable and what it expected) rather
than silently falling back, so a typo in a deployment shows up at start-up, not as odd behaviour.
"""

import os
from datetime import timedelta
from typing import overload

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@overload
def get_str(name: str, default: str, *aliases: str) -> str: ...
@overload
def get_str(name: str, default: None = None, *aliases: str) -> str | None: ...
def get_str(name: str, default: str | None = None, *aliases: str) -> str | None:
    """The first variable set among `name` and its aliases (Zou's names), else `default`."""
    for key in (name, *aliases):
        value = os.environ.get(key)
        if value is not None:
            return value
    return default


def get_bool(name: str, default: bool, *aliases: str) -> bool:
    raw = get_str(name, None, *aliases)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false.")


def get_int(name: str, default: int, *aliases: str, minimum: int | None = None) -> int:
    raw = get_str(name, None, *aliases)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def get_list(name: str, default: list[str]) -> list[str]:
    raw = get_str(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def get_choice(name: str, default: str, choices: tuple[str, ...], *aliases: str) -> str:
    value = get_str(name, default, *aliases)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}.")
    return value


def get_duration(name: str, default: timedelta, *aliases: str) -> timedelta:
    """A duration in seconds (Zou's JWT_ACCESS_TOKEN_EXPIRES style)."""
    raw = get_str(name, None, *aliases)
    if raw is None:
        return default
    try:
        seconds = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} must be a number of seconds.") from None
    if seconds <= 0:
        raise ImproperlyConfigured(f"{name}={seconds} must be a positive number of seconds.")
    return timedelta(seconds=seconds)
