"""The workspace lock: one geoair command writes to a workspace at a time.

The lock is a file, ``DIR/.geoair.lock``, holding the id of the process that writes.
A lock left by a process that is gone (killed, power cut) is taken over. A folder
that cannot be written (read-only, no permission, disk full) ends in one
:class:`~geoair.errors.WorkspaceError` sentence instead of an ``OSError``.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from geoair.errors import WorkspaceError
from geoair.messages import t
from geoair.store.tempfiles import process_alive

__all__ = []


@contextlib.contextmanager
def _lock(root: Path) -> Iterator[None]:
    lock = root / ".geoair.lock"
    try:
        fd = _create(lock)
    except FileExistsError:
        pid = lock.read_text(errors="replace").strip()
        if pid.isdigit() and not process_alive(int(pid)):
            lock.unlink(missing_ok=True)  # left by a process that died
            fd = _create(lock)
        else:
            raise WorkspaceError(t("error.store.locked", pid=pid, root=root, lock=lock)) from None
    try:
        try:
            os.write(fd, str(os.getpid()).encode())
        finally:
            os.close(fd)
    except OSError as exc:
        lock.unlink(missing_ok=True)
        raise _write_error(root, exc) from None
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _create(lock: Path) -> int:
    try:
        return os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        raise
    except OSError as exc:
        raise _write_error(lock.parent, exc) from None


def _write_error(root: Path, exc: OSError) -> WorkspaceError:
    """One sentence for a workspace folder that cannot be written."""
    if exc.errno == errno.ENOSPC:
        return WorkspaceError(t("error.store.disk_full", root=root))
    return WorkspaceError(t("error.store.read_only", root=root))
