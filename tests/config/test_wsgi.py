"""The web process as gunicorn loads it (config/wsgi.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent

LOAD = """
import gc, json, sys
import config.wsgi
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "views_imported": "dashboard.views.tickets" in sys.modules,
    "tracked_after": len(gc.get_objects()),
}))
"""


def test_the_web_process_freezes_what_it_keeps_after_loading_every_view():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    answer = subprocess.run(
        [sys.executable, "-c", LOAD], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    loaded = json.loads(answer.stdout.strip().splitlines()[-1])
    # Every view module was imported first, then everything made so far was frozen: a
    # full collection looks at a few objects, not the whole of Django.
    assert loaded["views_imported"]
    assert loaded["frozen"] > 50_000
    assert loaded["tracked_after"] < loaded["frozen"] / 10
