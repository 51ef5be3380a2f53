"""Encryption of store credentials at rest (Fernet, with key rotation).

TOKEN_ENCRYPTION_KEYS lists Fernet keys: the first encrypts, all of them decrypt.
To rotate: put a new key first, run `manage.py rotate_token_keys`, then drop the old key.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """No configured key decrypts this value."""


@lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS must name at least one Fernet key.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS holds a value that is not a Fernet key.") from exc


def _fernet() -> MultiFernet:
    return _multifernet(tuple(k.strip() for k in settings.TOKEN_ENCRYPTION_KEYS if k.strip()))


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    if not ciphertext:
        return ""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise DecryptionError("No configured key decrypts this value.") from None


def reencrypt(ciphertext: str) -> str:
    """The same plaintext, encrypted with the newest key."""
    if not ciphertext:
        return ""
    try:
        return _fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise DecryptionError("No configured key decrypts this value.") from None
