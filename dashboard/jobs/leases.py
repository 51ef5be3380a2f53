"""Who holds a part or an assembly: the holder (host:pid) and whether a lease still counts.

A part runs under a lease in the database (`JobPart.lease_owner`, `lease_until`),
taken and renewed by the runner; an export's assembly under a claim of the same kind
(`Job.assembly_owner`, `assembly_until`, see `assembly`). A lease counts while it has
not run out and its holder's process is alive; the sweep and a second copy of a task
may take over one that does not.
"""

from __future__ import annotations

import os
import socket

from ..models import JobPart


def lease_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_alive(holder: str) -> bool:
    """False only when the holder ran on this machine and its process is gone."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child its parent has not reaped yet
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][:1] not in ("Z", "X")
    except (OSError, IndexError):
        return True


def held(owner: str, until, now) -> bool:
    """Whether a lease taken by `owner` that runs `until` still counts at `now`."""
    return bool(owner) and until is not None and until > now and holder_alive(owner)


def lease_live(part: JobPart, now) -> bool:
    return held(part.lease_owner, part.lease_until, now)
