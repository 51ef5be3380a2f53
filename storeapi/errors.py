"""Typed errors from talking to a store.

One base class carrying what is known about the failure, subclasses by meaning, and
one function (`error_from_response`) that maps an HTTP answer to an error. No caller
inspects status codes. Messages never contain credentials: they are built from the
status, the platform's `detail` text and the request path only.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime


class StoreAPIError(Exception):
    """Something went wrong talking to a store.

    `user_message` is what a page shows, in plain words.
    """

    default_message = "The store could not complete the request."

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        store: str | None = None,
    ):
        self.message = message or self.default_message
        self.status = status
        self.store = store
        super().__init__(self.message)

    @property
    def user_message(self) -> str:
        return self.default_message

    @property
    def retryable(self) -> bool:
        """Worth trying again later (a page offers a retry button, a job retries)."""
        return False

    def __repr__(self):
        return f"{type(self).__name__}(status={self.status!r}, store={self.store!r}, message={self.message!r})"

    def __reduce__(self):
        # Pickled whole (with status, store, retry_after...) so that a read's failure can
        # be handed, through the cache, to the requests that waited for that read.
        return (_rebuild, (type(self), self.message, self.__dict__))


def _rebuild(cls, message: str, state: dict) -> StoreAPIError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class StoreNotConnected(StoreAPIError):
    default_message = "This store is not connected. An owner can connect it again."


class StoreUnavailable(StoreAPIError):
    """No answer, a timeout, or server errors that persisted through the retries."""

    default_message = "The store is not answering right now. Try again in a moment."

    @property
    def retryable(self) -> bool:
        return True


class RateLimited(StoreAPIError):
    default_message = "The store is busy (rate limited). Retrying shortly…"

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return True


class StoreBusy(RateLimited):
    """A page view gave up waiting for its turn (the store's rate limit is taken by
    other operators and jobs, the store asked us to hold back, or too many of this
    process's threads already wait on the store). Nothing was sent."""

    default_message = "The store is busy right now. Retrying shortly…"


class NotFound(StoreAPIError):
    default_message = "The store has no such object. It may have been deleted."


class MissingScope(StoreAPIError):
    """The store's grant lacks the scope this call needs."""

    def __init__(self, message: str = "", *, scope: str | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.scope = scope

    @property
    def user_message(self) -> str:
        what = f"the “{self.scope}” permission" if self.scope else "a permission it needs"
        return f"Storedesk lacks {what} for this store. An owner can reconnect the store to grant it."


class TokenRevoked(StoreAPIError):
    default_message = "The store revoked Storedesk's access. An owner must reconnect the store."


class InvalidRequest(StoreAPIError):
    """The store refused the request (400) and said why, possibly per field."""

    def __init__(self, message: str = "", *, field_errors: dict[str, list[str]] | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.field_errors = field_errors or {}

    @property
    def user_message(self) -> str:
        if self.field_errors:
            parts = [
                f"{field}: {' '.join(msgs)}" if field != "non_field_errors" else " ".join(msgs)
                for field, msgs in self.field_errors.items()
            ]
            return "The store refused this: " + "; ".join(parts)
        return f"The store refused this: {self.message}"


class UnexpectedResponse(StoreAPIError):
    """An answer that is not what the API documents (not JSON, wrong shape, odd status)."""

    default_message = "The store answered with something Storedesk did not understand."


def parse_retry_after(value: str | None, *, default: float = 1.0, maximum: float = 120.0) -> float:
    """Seconds to wait, from a `Retry-After` header (seconds or an HTTP date)."""
    if not value:
        return default
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if seconds != seconds:  # NaN
        return default
    return min(max(seconds, 0.0), maximum)


def _flatten_errors(body) -> tuple[str, dict[str, list[str]]]:
    """The platform answers DRF-style: {"detail": "..."} or {"field": ["..."], ...}."""
    if isinstance(body, dict):
        if isinstance(body.get("detail"), str):
            return body["detail"], {}
        fields: dict[str, list[str]] = {}
        for key, value in body.items():
            if isinstance(value, list):
                fields[str(key)] = [v if isinstance(v, str) else str(v) for v in value]
            elif isinstance(value, str):
                fields[str(key)] = [value]
            elif isinstance(value, dict):
                nested_message, nested = _flatten_errors(value)
                for sub, msgs in nested.items():
                    fields[f"{key}.{sub}"] = msgs
                if nested_message and not nested:
                    fields[str(key)] = [nested_message]
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()), fields
    if isinstance(body, list):
        return " ".join(str(v) for v in body), {"non_field_errors": [str(v) for v in body]}
    return "", {}


# The platform's stock validation messages (Django REST framework's), in plain words. A
# field's error reaches the form's field (dashboard.views.common.add_store_errors) and a
# bulk job's failure report; `message` keeps the store's own words for the logs.
_NO_SUCH_OBJECT = re.compile(r'^Invalid pk "(?P<value>[^"]{0,40})" - object does not exist\.$')
_NOT_AN_ID = re.compile(r"^Incorrect type\. Expected pk value, received \w+\.$")
_NOT_A_CHOICE = re.compile(r'^"(?P<value>[^"]{0,60})" is not a valid choice\.$')
# What an id in a field names, for those messages (the last part of a nested field).
FIELD_NOUNS = {
    "assignee": "store user",
    "author": "store user",
    "ticket_type": "ticket type",
    "requester": "customer",
    "user": "customer",
    "product_id": "product",
    "products": "product",
    "location_id": "location",
    "stockrecord": "stock record",
}


def plain_field_message(field: str, message: str) -> str:
    """A field error as an operator reads it: `Invalid pk "99999" - object does not
    exist.` on `assignee` becomes "No store user 99999 in this store (removed, perhaps).
    Choose another." Messages already in plain words are kept."""
    parts = [p for p in field.split(".") if p != "id"]
    noun = FIELD_NOUNS.get(parts[-1] if parts else field, "item")
    if found := _NO_SUCH_OBJECT.match(message):
        return f"There is no {noun} {found['value']} in this store (removed, perhaps). Choose another."
    if _NOT_AN_ID.match(message):
        return f"Choose a {noun} from the list."
    if found := _NOT_A_CHOICE.match(message):
        return f"“{found['value']}” is not one of the values the store accepts here."
    return message


def error_from_response(response, *, store: str | None = None, scope: str | None = None) -> StoreAPIError:
    """Map a non-2xx answer to the error that says what it means."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    detail, field_errors = _flatten_errors(body)
    kwargs = {"status": status, "store": store}

    if status == 400:
        plain = {name: [plain_field_message(name, m) for m in messages] for name, messages in field_errors.items()}
        return InvalidRequest(detail or "Bad request.", field_errors=plain, **kwargs)
    if status == 401:
        return TokenRevoked(detail or "Unauthorized.", **kwargs)
    if status == 403:
        return MissingScope(detail or "Forbidden.", scope=scope, **kwargs)
    if status in (404, 410):
        return NotFound(detail or "Not found.", **kwargs)
    if status == 429:
        return RateLimited(
            detail or "Too many requests.", retry_after=parse_retry_after(response.headers.get("Retry-After")), **kwargs
        )
    if status >= 500:
        return StoreUnavailable(detail or f"Server error {status}.", **kwargs)
    return UnexpectedResponse(detail or f"Unexpected status {status}.", **kwargs)
