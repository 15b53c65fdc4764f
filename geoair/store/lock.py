"""The workspace's write lock: one geoair process writes to a workspace at a time.

The lock is a file, ``.geoair.lock``, holding the writer's process id; a lock left by a
process that no longer runs is taken over.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from geoair.errors import WorkspaceError

__all__ = []


@contextlib.contextmanager
def _lock(root: Path) -> Iterator[None]:
    lock = root / ".geoair.lock"
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        pid = lock.read_text(errors="replace").strip()
        if pid.isdigit() and not _alive(int(pid)):
            lock.unlink(missing_ok=True)  # left by a process that died
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        else:
            raise WorkspaceError(
                f"Another geoair command (process {pid}) is writing to {root}. "
                f"Wait for it to finish; if none is running, delete {lock}."
            ) from None
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        lock.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
