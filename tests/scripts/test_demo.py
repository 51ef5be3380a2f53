"""`make demo` runs the way production does (scripts/demo.py): DEBUG off, gunicorn, the
collected static files served by whitenoise, the site's own error pages. Checked on the
demo's own web process, started as the demo starts it."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import requests

from config import embedded_redis
from scripts import demo

BASE_DIR = Path(__file__).resolve().parents[2]


def test_the_demo_has_debug_off_and_a_404_is_the_styled_page(tmp_path):
    """The demo's web process (gunicorn, the demo's settings), after its collectstatic."""
    env = {**os.environ, "ENV_FILE": "", "STATIC_ROOT": str(tmp_path / "static"), **demo.demo_environment(debug=False)}
    env.pop("ALLOWED_HOSTS", None)  # the demo's: the default, 127.0.0.1 and localhost
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
    subprocess.run(collect, cwd=BASE_DIR, env=env, check=True, timeout=180)
    port = embedded_redis.free_port()
    web = subprocess.Popen(shlex.split(demo.web_command(debug=False, bind=f"127.0.0.1:{port}")), cwd=BASE_DIR, env=env)
    try:
        assert demo.wait_for(f"http://127.0.0.1:{port}/accounts/login/"), "the demo's web process did not start"
        page = requests.get(f"http://127.0.0.1:{port}/no-such-page/", timeout=10)
        assert page.status_code == 404
        assert 'data-error-page="404"' in page.text and "Not found" in page.text
        assert "URLconf" not in page.text and "Traceback" not in page.text  # not Django's debug page
        css = re.search(r'href="(/static/css/storedesk[^"]*)"', page.text).group(1)
        assert css != "/static/css/storedesk.css"  # the hashed name collectstatic made
        assert requests.get(f"http://127.0.0.1:{port}{css}", timeout=5).status_code == 200  # served by whitenoise
    finally:
        web.terminate()
        web.wait(timeout=30)


def make_demo(*args: str) -> str:
    """The command `make demo` would run (`make -n`: printed, nothing run)."""
    env = {key: value for key, value in os.environ.items() if key != "DEBUG"}
    result = subprocess.run(["make", "-n", "demo", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True)
    return [line for line in result.stdout.splitlines() if "scripts/demo.py" in line][-1]


def test_make_demo_debug_true_is_the_switch_for_the_debug_pages():
    assert make_demo().split()[-1] == "scripts/demo.py"
    assert make_demo("DEBUG=true").endswith("scripts/demo.py --debug")
    assert demo.demo_environment(debug=False)["DEBUG"] == "false"
    assert demo.demo_environment(debug=True)["DEBUG"] == "true"
    assert "manage.py runserver" in demo.web_command(debug=True)
    assert "gunicorn config.wsgi" in demo.web_command(debug=False)
