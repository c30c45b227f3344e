"""What a log line is about: the request id of the request that emitted it, or the preview a
job is processing.

The value lives in a context variable, set for the length of a request by
`kitsufiles.api.middleware.RequestIdMiddleware` (until Django's `request_finished`) and of a
preview job by `previews.jobs`; a log
record factory copies it onto every record created meanwhile (`record.request_id`), whatever
logger or handler the record goes to, so the formatter of settings.LOGGING can print it and a
test can read it from captured records. Outside a request or a job it is "-".

Why a record factory rather than only a handler filter: a filter runs for the handlers it is
attached to, and a record reaches other handlers (a test's capture, an error reporter) without
it. The filter below stays for handlers configured before the factory is installed (it only
fills in a missing attribute). See docs/operations.md#request-ids.
"""

import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

NONE = "-"
_current: ContextVar[str] = ContextVar("kitsufiles_log_context", default=NONE)

# A request id sent by a client is kept when it is short and made of characters that cannot
# break a log line or a header (no spaces, no control characters): a UUID, a hex string, a
# proxy's `abc-123.def` all qualify. Anything else is replaced by one of ours.
MAX_REQUEST_ID_LENGTH = 128
_SANE_REQUEST_ID = re.compile(rf"[A-Za-z0-9._:@+=/-]{{1,{MAX_REQUEST_ID_LENGTH}}}")


def sane_request_id(value: str | None) -> str | None:
    """`value` if it is a request id we may log and send back as it is, else None."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return None


def new_request_id() -> str:
    return secrets.token_hex(16)


def current() -> str:
    return _current.get()


def start_request(request_id: str) -> None:
    """Records made from now until `end_request` carry `request_id`. Not undone when the
    middleware returns: Django logs a request's 4xx/5xx answer after the middlewares (in its
    handler), and a streamed answer is produced after them too. `end_request` runs on
    Django's `request_finished` signal, once the answer has been sent."""
    _current.set(request_id)


def end_request(**kwargs: Any) -> None:
    _current.set(NONE)


@contextmanager
def bound(value: str) -> Iterator[None]:
    """Log records created inside the block carry `value` as their `request_id`."""
    token = _current.set(value)
    try:
        yield
    finally:
        _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Fills in `record.request_id` for the formatter (settings.LOGGING) when the record was
    made before the record factory was installed."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True


_installed = False


def install_record_factory() -> None:
    """Make every log record carry the current context as `request_id` (once per process;
    called from the plumbing's AppConfig.ready)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = _current.get()
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
