"""Who holds a part: the lease's holder (host:pid) and whether a lease still counts.

A part runs under a lease in the database (`JobPart.lease_owner`, `lease_until`),
taken and renewed by the runner. A lease counts while it has not run out and its
holder's process is alive; the sweep and a second copy of a task may take over one
that does not.
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


def lease_live(part: JobPart, now) -> bool:
    return (
        bool(part.lease_owner)
        and part.lease_until is not None
        and part.lease_until > now
        and (holder_alive(part.lease_owner))
    )
