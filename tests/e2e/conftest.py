import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """These tests create many operators; hashing their passwords with PBKDF2 took about
    half a second each. What is tested here is not the hasher (Django's advice)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
