"""`make demo` runs the way production does (scripts/demo.py): DEBUG off, the collected
static files served by whitenoise, the site's own error pages. Checked in a process of
its own started with the demo's settings, as the demo starts gunicorn."""

import json
import os
import subprocess
import sys
from pathlib import Path

from scripts import demo

BASE_DIR = Path(__file__).resolve().parents[2]

# What the demo's web process answers, asked through Django's test client in that process.
PROBE = """
import json, re
import django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
page = client.get("/no-such-page/")
html = page.content.decode()
css = re.search(r'href="(/static/css/storedesk[^"]*)"', html).group(1)
print(json.dumps({
    "debug": settings.DEBUG,
    "status": page.status_code,
    "html": html,
    "css": css,
    "css_status": client.get(css).status_code,
}))
"""


def run(args, env):
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=180, check=True
    )


def test_the_demo_has_debug_off_and_a_404_is_the_styled_page(tmp_path):
    env = {**os.environ, "ENV_FILE": "", "STATIC_ROOT": str(tmp_path / "static"), **demo.demo_environment(debug=False)}
    env.pop("ALLOWED_HOSTS", None)  # the demo's: the default, 127.0.0.1 and localhost
    run(["manage.py", "collectstatic", "--noinput", "-v0"], env)  # as the demo does before starting
    answer = json.loads(run(["-c", PROBE], env).stdout.strip().splitlines()[-1])
    assert answer["debug"] is False
    assert answer["status"] == 404
    assert 'data-error-page="404"' in answer["html"] and "Not found" in answer["html"]
    assert "URLconf" not in answer["html"] and "Traceback" not in answer["html"]  # not the debug page
    # Hashed names from collectstatic, served by whitenoise.
    assert answer["css"] != "/static/css/storedesk.css" and answer["css_status"] == 200


def make_demo(*args: str) -> str:
    """The command `make demo` would run (`make -n`: printed, nothing run)."""
    env = {key: value for key, value in os.environ.items() if key != "DEBUG"}
    result = subprocess.run(["make", "-n", "demo", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True)
    return [line for line in result.stdout.splitlines() if "scripts/demo.py" in line][-1]


def test_make_demo_debug_true_is_the_switch_for_the_debug_pages():
    assert make_demo().split()[-1] == "scripts/demo.py"
    assert make_demo("DEBUG=true").endswith("scripts/demo.py --debug")
    assert demo.demo_environment(debug=True)["DEBUG"] == "true"
    assert "manage.py runserver" in demo.web_command(debug=True)
    assert "gunicorn config.wsgi" in demo.web_command(debug=False)
