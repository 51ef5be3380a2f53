import contextlib
import logging
import re

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import WSGIRequestHandler, run
from django.core.wsgi import get_wsgi_application

ADDRPORT = re.compile(r"^(?:(?P<addr>[^:]+):)?(?P<port>\d+)$")


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


class Command(BaseCommand):
    help = (
        "Run the sandbox store (default 127.0.0.1:8100): a threaded server, one thread per "
        "request, plus a background thread for webhook deliveries and exports."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8100")
        parser.add_argument("--quiet", action="store_true", help="no access log")

    def handle(self, *args, **options):
        match = ADDRPORT.match(options["addrport"])
        if not match:
            raise CommandError("ADDR:PORT, e.g. 127.0.0.1:8100")
        addr, port = match["addr"] or "127.0.0.1", int(match["port"])
        application = get_wsgi_application()
        from sandbox.core import exports, webhooks, worker

        worker.start({"webhooks": webhooks.process_due, "exports": exports.process_due})
        logging.getLogger(__name__).info(
            "Sandbox store on http://%s:%s/ (control endpoint %s)",
            addr,
            port,
            "on" if settings.SANDBOX_CONTROL_ENABLED else "off",
        )
        handler = QuietHandler if options["quiet"] else WSGIRequestHandler
        with contextlib.suppress(KeyboardInterrupt):
            run(addr, port, application, threading=True, server_cls=_server_class(handler))


def _server_class(handler):
    from django.core.servers.basehttp import WSGIServer

    class Server(WSGIServer):
        request_queue_size = 64

        def __init__(self, server_address, _handler, *args, **kwargs):
            super().__init__(server_address, handler, *args, **kwargs)

    return Server
