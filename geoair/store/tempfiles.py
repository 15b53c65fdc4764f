"""Temporary files that name the process writing them, so that leftovers can be removed.

geoair writes every file under a temporary name beside its target and renames it when
complete. A process killed in the middle (``kill -9``, a power cut) leaves the
temporary file behind, and a GeoPackage copy can be large (52 MB for a city, with its
``-journal``). Each temporary name carries the id of the process that writes it
(``.tmp-workspace-4711-k2j3.gpkg``, ``.geoair-tmp-4711-...``), and the next geoair
command that writes in the same folder removes those whose process is gone
(:func:`remove_stale`), with their SQLite companions (``-journal``, ``-wal``, ``-shm``).
:func:`atomic_path` is how every writer gets such a name and renames it when done.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from geoair.errors import OutputError
from geoair.messages import t

__all__ = ["GENERIC_PREFIX", "atomic_path", "process_alive", "remove_stale", "temp_prefix"]


log = logging.getLogger(__name__)

#: Prefix of the temporary files of outputs (maps, forms, exports, Parquet partitions).
GENERIC_PREFIX = ".geoair-tmp-"


def process_alive(pid: int) -> bool:
    """True when a process with this id exists (on this machine)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    except OSError:
        return False
    return True


def temp_prefix(prefix: str = GENERIC_PREFIX) -> str:
    """``prefix`` followed by this process's id and a dash, for :func:`tempfile.mkstemp`."""
    return f"{prefix}{os.getpid()}-"


def _owner(name: str, prefix: str) -> int | None:
    rest = name[len(prefix) :]
    head = rest.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def remove_stale(folder: Path | str, prefix: str = GENERIC_PREFIX) -> list[Path]:
    """Remove the files in ``folder`` named ``prefix...`` whose writing process is gone.

    A name without a process id (left by an older geoair) counts as gone. Files of
    this process and of live processes are kept. Returns the paths removed.
    """
    folder = Path(folder)
    try:
        entries = [p for p in folder.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return []
    removed = []
    for path in entries:
        pid = _owner(path.name, prefix)
        if pid is not None and (pid == os.getpid() or process_alive(pid)):
            continue
        try:
            if path.is_dir():
                import shutil

                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError as exc:
            log.debug("could not remove %s: %s", path, exc)
            continue
        removed.append(path)
    if removed:
        log.info(
            "removed %d temporary file(s) left by an interrupted geoair command in %s: %s",
            len(removed),
            folder,
            ", ".join(p.name for p in removed),
        )
    return removed


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it to ``target`` on success.

    The file appears whole or not at all. Any OS error while writing (no permission,
    disk full, a folder that cannot be made) becomes an :class:`OutputError` that
    names the file and says what to do; the temporary file is removed.
    """
    target = Path(target)
    tmp: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(target.parent)
        fd, tmp_name = tempfile.mkstemp(
            prefix=temp_prefix(), suffix=target.suffix, dir=target.parent
        )
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()  # writers that refuse to overwrite (GDAL) get a fresh name
        yield tmp
        os.replace(tmp, target)
    except OutputError:
        raise
    except PermissionError as exc:
        raise OutputError(
            t("error.store.write_permission", target=target, where=exc.filename or target.parent)
        ) from None
    except OSError as exc:
        raise OutputError(
            t("error.store.write_failed", target=target, reason=exc.strerror or exc)
        ) from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
