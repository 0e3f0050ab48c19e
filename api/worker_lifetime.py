"""Workers of ``jrp serve --workers N`` end with the process that started them.

uvicorn's supervisor stops its workers when it is stopped with SIGINT or SIGTERM, but a
``kill -9`` of the supervisor leaves them running, still holding the port, so the next
``jrp serve`` fails to bind and the orphans keep answering with whatever they loaded.
``jrp serve`` names itself in ``JRP_SERVE_PARENT``; each worker asks Linux to send it
SIGTERM when that parent dies (``prctl(PR_SET_PDEATHSIG)``), which uvicorn handles as a
graceful shutdown: requests in flight are answered, then the worker exits.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PARENT_ENV = "JRP_SERVE_PARENT"
PR_SET_PDEATHSIG = 1


def exit_with_parent() -> None:
    """In a worker of ``jrp serve``: SIGTERM when the parent dies (no-op elsewhere, or off Linux)."""
    parent = os.environ.get(PARENT_ENV, "")
    if not parent.isdigit() or int(parent) == os.getpid() or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        return  # not allowed here (a sandbox): the worker lives as uvicorn alone would let it
    if os.getppid() != int(parent):  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)
