"""Opening and creating workspaces: a folder, or a PostgreSQL/PostGIS database.

A workspace is named by a folder or by a URL (``postgresql://user[:password]@host[:port]
/db[?schema=NAME]``); a name with ``://`` is never taken as a folder. The folder store
is :mod:`geoair.store.workspace`, the database store :mod:`geoair.store.postgis`
(psycopg is imported only when a database is named).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from geoair.errors import WorkspaceError
from geoair.messages import t
from geoair.store.workspace import Workspace, init_folder_workspace, open_folder_workspace

__all__ = ["ENV_VAR", "init_workspace", "is_database_url", "open_workspace"]


ENV_VAR = "GEOAIR_WORKSPACE"

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/")


def is_database_url(name: Path | str | None) -> bool:
    """True when ``name`` names a database (``scheme://...``), never a folder.

    A :class:`~pathlib.Path` made from a URL has lost one slash of ``://``
    (``postgresql:/user@host/db``); it is recognised too, and refused by
    :func:`open_workspace` with a sentence.
    """
    if name is None:
        return False
    text = str(name)
    return "://" in text or (isinstance(name, Path) and bool(_SCHEME.match(text)))


def _database_name(name: Path | str) -> str:
    if isinstance(name, Path):
        raise WorkspaceError(t("error.store.url_as_path", name=name))
    return name


def init_workspace(
    root: Path | str, *, exist_ok: bool = False, readings_dir: Path | str | None = None
) -> Workspace:
    """Create a workspace: a folder, or the schema and tables in a PostGIS database.

    Parameters
    ----------
    root : path or str
        Folder to create (parents too), or ``postgresql://user@host[:port]/db[?schema=NAME]``
        (see :func:`geoair.store.postgis.init_database`).
    exist_ok : bool
        If True, an existing workspace is kept as it is (settings not overwritten).
    readings_dir : path, optional
        Folder of the Parquet readings, recorded in the settings; for a database
        the default is ``./readings`` of the current folder, for a folder
        ``DIR/readings``.

    Returns
    -------
    Workspace
    """
    if is_database_url(root):
        from geoair.store.postgis import init_database

        return init_database(_database_name(root), exist_ok=exist_ok, readings_dir=readings_dir)
    return init_folder_workspace(root, exist_ok=exist_ok, readings_dir=readings_dir)


def open_workspace(root: Path | str | None = None) -> Workspace:
    """Open an existing workspace: ``root``, else ``$GEOAIR_WORKSPACE``, else the current folder.

    ``root`` (or the variable) is a folder or a ``postgresql://`` URL; a string with
    ``://`` is never taken as a folder.
    """
    chosen: Any = root or os.environ.get(ENV_VAR) or Path.cwd()
    if is_database_url(chosen):
        from geoair.store.postgis import open_database

        return open_database(_database_name(chosen))
    return open_folder_workspace(chosen)
