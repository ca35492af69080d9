"""Silence chatter that pybullet's C code writes straight to the process's stdout/stderr.

Loading URDFs prints "urdfdom: no axis element" and "b3Warning" lines from C++; Python's
``contextlib.redirect_stdout`` cannot catch them, and ipykernel forwards them into the notebook.
Redirecting the file descriptors themselves is the only thing that hides them.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_c_output() -> Iterator[None]:
    """Send file descriptors 1 and 2 to /dev/null for the duration of the block."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    saved = []
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:  # pragma: no cover - exotic platforms: stay noisy rather than fail
        yield
        return
    try:
        for fd in (1, 2):
            try:
                saved.append((fd, os.dup(fd)))
                os.dup2(devnull, fd)
            except OSError:
                pass
        yield
    finally:
        for fd, copy in saved:
            os.dup2(copy, fd)
            os.close(copy)
        os.close(devnull)
