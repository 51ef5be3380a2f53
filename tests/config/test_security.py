import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_settings():
    """The production settings documented in the README pass Django's deployment checklist."""
    env = {
        "PATH": os.environ["PATH"],
        "ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": Fernet.generate_key().decode() * 2,
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "storedesk.example.com",
        "SITE_URL": "https://storedesk.example.com",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "sqlite:///var/check.sqlite3"),
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_csp_header_forbids_inline_scripts(client):
    response = client.get(reverse("account_login"))
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_pages_have_no_inline_scripts_and_set_the_htmx_csrf_header(signed_in):
    page = signed_in.get(reverse("home")).content.decode()
    assert "<script>" not in page
    assert 'hx-headers=\'{"X-CSRFToken": "' in page


@pytest.mark.django_db
def test_unsafe_requests_need_the_csrf_token(operator):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    assert client.post(reverse("account_logout")).status_code == 403


def test_favicon_ico_leads_to_the_sites_icon(client):
    """Pages that name no icon (the admin's) make browsers ask for /favicon.ico: not a 404."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200 and b"<svg" in b"".join(icon.streaming_content if icon.streaming else [icon.content])
