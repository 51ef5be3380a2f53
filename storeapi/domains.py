"""Store identity: subdomains and network domains.

A domain received in a query string is never used as a host. It is parsed down to a
subdomain, which is validated, and every URL is then built from STOREAPI_STORE_URL.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError

SUBDOMAIN_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


class InvalidStoreDomain(ValueError):
    """The text does not name a store of the platform."""


def is_valid_subdomain(value: str) -> bool:
    return isinstance(value, str) and SUBDOMAIN_RE.fullmatch(value) is not None


def validate_subdomain(value: str) -> None:
    """Model and form validator."""
    if not is_valid_subdomain(value):
        raise ValidationError(
            "A store subdomain has lower-case letters, digits and hyphens, starts with a "
            "letter or digit and is at most 63 characters long.",
            code="invalid_subdomain",
        )


def subdomain_from_network_domain(value: str) -> str:
    """`acme.29next.store` -> `acme`; anything else raises InvalidStoreDomain.

    Exact suffix match on the whole string, so `a.b.29next.store`,
    `x.29next.store.evil.com`, `x.29next.store@evil.com`, `evil.com#.29next.store`,
    upper case, whitespace and non-ASCII are all refused.
    """
    suffix = settings.STOREAPI_STORE_DOMAIN_SUFFIX
    if not isinstance(value, str) or not value.endswith(suffix):
        raise InvalidStoreDomain(value)
    subdomain = value[: -len(suffix)]
    if not is_valid_subdomain(subdomain):
        raise InvalidStoreDomain(value)
    return subdomain


def subdomain_from_user_input(value: str) -> str:
    """What an operator types: `acme`, `acme.29next.store` or `https://acme.29next.store/`."""
    text = (value or "").strip().lower()
    for prefix in ("https://", "http://"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    text = text.rstrip("/")
    if is_valid_subdomain(text):
        return text
    return subdomain_from_network_domain(text)


def network_domain(subdomain: str) -> str:
    return f"{subdomain}{settings.STOREAPI_STORE_DOMAIN_SUFFIX}"


def store_base_url(subdomain: str) -> str:
    """The store's root URL, from the configured template (no trailing slash)."""
    if not is_valid_subdomain(subdomain):
        raise InvalidStoreDomain(subdomain)
    return settings.STOREAPI_STORE_URL.format(store=subdomain).rstrip("/")
