import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()


def freeze_what_the_process_keeps() -> None:
    """Every object made so far (Django, the apps, the URLs and every view module they
    import) lives as long as the process: moved out of the garbage collector's sight, a
    full collection looks only at what requests made since, instead of some 150,000
    objects each time (tens of milliseconds on a page that happened to trigger one: an
    all-stores inbox unpickles a page of every store). The Python docs recommend it for
    servers; docs/page-speed.md has the figures."""
    get_resolver().url_patterns  # noqa: B018 (imports every view module now, before freezing)
    gc.collect()  # what startup left as garbage is freed, not frozen
    gc.freeze()


freeze_what_the_process_keeps()
