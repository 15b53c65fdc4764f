"""A geoair workspace: where layers, record tables, settings and side files live.

Two stores keep the same contract (the same layer and table names and columns, the
same frames read back), chosen from the string that names the workspace:

* a folder (:class:`FolderWorkspace`)::

      DIR/
        workspace.gpkg     layers and record tables (a GeoPackage that QGIS opens)
        geoair.toml        settings (see geoair.store.settings)
        readings/          hourly and monthly readings as partitioned Parquet
        rejects/           rows refused by imports, with row numbers and reasons
        outputs/           files written by analyses (maps, forms, reports)

  Writes are atomic: :meth:`FolderWorkspace.transaction` works on a copy of the
  GeoPackage and moves it over the original only when every write succeeded, so a
  failure or Ctrl-C in the middle leaves the workspace as it was. A lock file keeps
  two geoair processes from writing at once.

* a PostgreSQL/PostGIS database, ``postgresql://user[:password]@host[:port]/db
  [?schema=NAME]`` (:class:`geoair.store.postgis.PostGISWorkspace`), for a bureau's
  several analysts and QGIS: one table per layer in the schema, transactions instead
  of the lock file.

Every capability uses only the interface of :class:`Workspace`: ``settings``,
``layers()``, ``has()``, ``read()``, ``transaction()`` (whose writer has ``write``
for a whole layer, ``merge`` for rows by key, ``add_new``), ``write()``, ``lock()``,
and the local folders ``readings_dir``, ``rejects_dir``, ``outputs_dir`` (with
``root``, the folder they are in), and ``location``/``store_label`` for messages.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from geoair.errors import WorkspaceError
from geoair.io.gpkg import _GPKG_OPTIONS, write_gpkg_layer
from geoair.store.lock import _lock
from geoair.store.merge import add_new_rows, merge_rows
from geoair.store.schema import KINDS
from geoair.store.settings import DEFAULT_TOML, load_settings

__all__ = [
    "ENV_VAR",
    "GPKG_NAME",
    "META_TABLE",
    "SETTINGS_NAME",
    "FolderWorkspace",
    "FolderWriter",
    "Workspace",
    "WorkspaceWriter",
    "init_workspace",
    "is_database_url",
    "open_workspace",
    "restore_dtypes",
    "set_readings_dir",
]


log = logging.getLogger(__name__)

GPKG_NAME = "workspace.gpkg"
SETTINGS_NAME = "geoair.toml"
ENV_VAR = "GEOAIR_WORKSPACE"
META_TABLE = "geoair_meta"


class Workspace(abc.ABC):
    """What every capability may use of a workspace, whichever store holds it.

    Create one with :func:`init_workspace`, open one with :func:`open_workspace`.

    Attributes
    ----------
    root : Path
        The local folder of the side files (``rejects/``, ``outputs/``): the
        workspace folder, or for a database the folder where the command runs.
    """

    root: Path

    # -- naming ----------------------------------------------------------------------
    @property
    @abc.abstractmethod
    def location(self) -> str:
        """What names the workspace (``--workspace``): a folder, or a URL with ``***``."""

    @property
    @abc.abstractmethod
    def store_label(self) -> str:
        """Where the layers and tables are, for messages."""

    def __str__(self) -> str:
        return self.location

    # -- local folders ---------------------------------------------------------------
    @property
    def readings_dir(self) -> Path:
        """Readings (Parquet): ``[workspace] readings_dir``, else ``root/readings``."""
        chosen = str(self.settings["workspace"].get("readings_dir") or "")
        if not chosen:
            return self.root / "readings"
        return (self.root / Path(chosen).expanduser()).resolve()

    @property
    def rejects_dir(self) -> Path:
        return self.root / "rejects"

    @property
    def outputs_dir(self) -> Path:
        return self.root / "outputs"

    # -- settings --------------------------------------------------------------------
    @property
    @abc.abstractmethod
    def settings(self) -> dict:
        """Settings over the defaults (read every time: users edit them)."""

    @abc.abstractmethod
    def settings_text(self) -> str:
        """The stored ``geoair.toml`` text, comments included."""

    @abc.abstractmethod
    def store_settings(self, text: str) -> None:
        """Replace the stored settings by ``text``, refused (unchanged) when it is not valid."""

    # -- reading ---------------------------------------------------------------------
    @abc.abstractmethod
    def layers(self) -> list[str]:
        """Names of the layers and record tables."""

    def has(self, name: str) -> bool:
        return name in self.layers()

    @abc.abstractmethod
    def read(self, name: str, *, required: bool = True) -> gpd.GeoDataFrame | pd.DataFrame:
        """Read a layer (GeoDataFrame in EPSG:4326) or a table (DataFrame).

        Parameters
        ----------
        name : str
            Layer name, e.g. ``"enterprises"`` or ``"gate_roads"``.
        required : bool
            If False, a missing layer gives None instead of an error.

        Raises
        ------
        WorkspaceError
            The layer is missing; the message says which command makes it.
        """

    def _missing(self, name: str) -> WorkspaceError:
        hint = f"geoair import {name} FILE" if name in KINDS else "the command that computes it"
        return WorkspaceError(
            f"The workspace {self.location} has no layer {name!r} yet. Run {hint} first."
        )

    # -- writing ---------------------------------------------------------------------
    @abc.abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[WorkspaceWriter]:
        """Write several layers at once, all or nothing.

        Examples
        --------
        >>> with ws.transaction() as tx:                       # doctest: +SKIP
        ...     tx.write("gate_roads", roads)
        ...     tx.write("sweep_tasks", tasks)
        """

    def write(self, name: str, frame: pd.DataFrame) -> None:
        """Write one layer or table atomically (replacing it if it exists)."""
        with self.transaction() as tx:
            tx.write(name, frame)

    @abc.abstractmethod
    def lock(self, name: str) -> contextlib.AbstractContextManager[None]:
        """Hold a named lock for writes outside the tables (the Parquet readings)."""

    def close(self) -> None:  # noqa: B027 - nothing to close for a folder
        """Let go of what the workspace holds open (a database connection)."""

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class WorkspaceWriter(abc.ABC):
    """Writes inside one transaction; ``written`` lists the layers written, in order."""

    written: list[str]

    @abc.abstractmethod
    def write(self, name: str, frame: pd.DataFrame) -> None:
        """Replace the whole layer ``name`` by ``frame`` (a GeoDataFrame in EPSG:4326, a table)."""

    @abc.abstractmethod
    def merge(self, name: str, frame: pd.DataFrame, key: tuple[str, ...]) -> int:
        """Store ``frame``'s rows: a stored row with the same key is replaced, others kept.

        Returns
        -------
        int
            How many stored rows the new ones replaced (see
            :func:`geoair.store.merge.merge_rows`).
        """

    @abc.abstractmethod
    def add_new(self, name: str, frame: pd.DataFrame, key: tuple[str, ...]) -> int:
        """Add the rows of ``frame`` whose key is not stored yet; returns how many."""


class FolderWorkspace(Workspace):
    """A workspace folder with ``workspace.gpkg`` and ``geoair.toml``.

    Parameters
    ----------
    root : path
        The workspace folder.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()

    # -- paths -----------------------------------------------------------------------
    @property
    def gpkg(self) -> Path:
        return self.root / GPKG_NAME

    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_NAME

    @property
    def location(self) -> str:
        return str(self.root)

    @property
    def store_label(self) -> str:
        return str(self.gpkg)

    def __repr__(self) -> str:
        return f"FolderWorkspace({str(self.root)!r})"

    # -- settings --------------------------------------------------------------------
    @property
    def settings(self) -> dict:
        """Settings from ``geoair.toml`` over the defaults (read every time: users edit it)."""
        return load_settings(self.settings_path)

    def settings_text(self) -> str:
        if not self.settings_path.exists():
            return DEFAULT_TOML
        return self.settings_path.read_text(encoding="utf-8")

    def store_settings(self, text: str) -> None:
        from geoair.store.settings import loads_settings

        loads_settings(text, source="the new settings")
        _atomic_write_text(self.settings_path, text)

    # -- reading ---------------------------------------------------------------------
    def layers(self) -> list[str]:
        """Names of the layers and tables in the GeoPackage."""
        if not self.gpkg.exists():
            return []
        return _gpkg_layers(self.gpkg)

    def read(self, name: str, *, required: bool = True) -> gpd.GeoDataFrame | pd.DataFrame:
        if not self.has(name):
            if not required:
                return None  # type: ignore[return-value]
            raise self._missing(name)
        return _read_gpkg_layer(self.gpkg, name)

    # -- writing ---------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[FolderWriter]:
        """Write several layers at once, all or nothing, on a copy of the GeoPackage."""
        if not self.gpkg.exists():
            raise WorkspaceError(
                f"{self.root} is not a geoair workspace (no {GPKG_NAME}). "
                f"Run geoair init {self.root} first."
            )
        with _lock(self.root):
            fd, tmp_name = tempfile.mkstemp(prefix=".tmp-workspace-", suffix=".gpkg", dir=self.root)
            os.close(fd)
            tmp = Path(tmp_name)
            try:
                shutil.copyfile(self.gpkg, tmp)
                writer = FolderWriter(tmp)
                yield writer
                if writer.written:
                    _fsync(tmp)
                    os.replace(tmp, self.gpkg)
                    log.info("workspace %s: wrote %s", self.root, ", ".join(writer.written))
            finally:
                tmp.unlink(missing_ok=True)

    @contextlib.contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """The folder's lock file (one writer at a time, whatever it writes)."""
        with _lock(self.root):
            yield


class FolderWriter(WorkspaceWriter):
    """Writes into the transaction's copy of the GeoPackage."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written: list[str] = []

    def _existing(self, name: str) -> pd.DataFrame | None:
        return _read_gpkg_layer(self.path, name) if name in _gpkg_layers(self.path) else None

    def write(self, name: str, frame: pd.DataFrame) -> None:
        """Replace layer ``name`` with ``frame`` (a GeoDataFrame in EPSG:4326 or a table)."""
        write_gpkg_layer(frame, self.path, name)
        self.written.append(name)

    def merge(self, name: str, frame: pd.DataFrame, key: tuple[str, ...]) -> int:
        merged, replaced = merge_rows(self._existing(name), frame, key)
        self.write(name, merged)
        return replaced

    def add_new(self, name: str, frame: pd.DataFrame, key: tuple[str, ...]) -> int:
        existing = self._existing(name)
        merged, added = add_new_rows(existing, frame, key)
        if added or existing is None:
            self.write(name, merged)
        return added


def _gpkg_layers(path: Path) -> list[str]:
    return [str(name) for name, _ in pyogrio.list_layers(path) if name != META_TABLE]


def _read_gpkg_layer(path: Path, name: str) -> gpd.GeoDataFrame | pd.DataFrame:
    info = pyogrio.read_info(path, layer=name)
    if info.get("geometry_type") is None:
        frame = pyogrio.read_dataframe(path, layer=name, read_geometry=False, fid_as_index=False)
    else:
        frame = pyogrio.read_dataframe(path, layer=name, fid_as_index=False)
    return restore_dtypes(frame, name)


def restore_dtypes(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Give a read-back layer of a known kind its schema's dtypes (bool, int, date)."""
    spec = KINDS.get(name)
    if spec is None:
        return frame
    out = frame.copy()
    kinds = {f.name: f.kind for f in spec.fields}
    if name == "inspections":
        kinds.update(transport_closed="bool", transport_code="int")
    for column, kind in kinds.items():
        if column not in out.columns:
            continue
        if kind == "bool":
            out[column] = (
                out[column]
                .map(
                    lambda v: (
                        pd.NA
                        if v is None or (isinstance(v, float) and pd.isna(v))
                        else bool(float(v))
                        if not isinstance(v, str)
                        else v in ("1", "True", "true")
                    )
                )
                .astype("boolean")
            )
        elif kind == "int":
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
        elif kind == "date":
            out[column] = pd.to_datetime(out[column], errors="coerce")
    return out


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


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
        raise WorkspaceError(
            f"{name} looks like a database URL that was turned into a folder path; "
            "pass it as text, e.g. postgresql://user@host/db."
        )
    return name


def set_readings_dir(text: str, folder: Path | str) -> str:
    """The settings text with ``[workspace] readings_dir`` set to ``folder`` ("" for the default).

    The line is replaced where it is (comments kept), or added under ``[workspace]``.
    """
    value = json.dumps(str(folder), ensure_ascii=False)  # a valid TOML basic string
    lines = text.splitlines(keepends=True)
    table = None
    header_at = None
    for number, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            table = stripped.strip("[]").strip()
            if table == "workspace":
                header_at = number
            continue
        if table == "workspace" and re.match(r"readings_dir\s*=", stripped):
            lines[number] = f"readings_dir = {value}\n"
            return "".join(lines)
    if header_at is None:
        return text.rstrip("\n") + f"\n\n[workspace]\nreadings_dir = {value}\n"
    lines.insert(header_at + 1, f"readings_dir = {value}\n")
    return "".join(lines)


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
    ws = FolderWorkspace(root)
    if ws.gpkg.exists():
        if exist_ok:
            return ws
        raise WorkspaceError(
            f"{ws.root} is already a geoair workspace. Use it with "
            f"--workspace {ws.root}, or choose another folder."
        )
    ws.root.mkdir(parents=True, exist_ok=True)
    if not ws.settings_path.exists():
        text = DEFAULT_TOML
        if readings_dir is not None:
            text = set_readings_dir(text, Path(readings_dir).expanduser().resolve())
        _atomic_write_text(ws.settings_path, text)
    for folder in (ws.readings_dir, ws.rejects_dir, ws.outputs_dir):
        folder.mkdir(parents=True, exist_ok=True)
    meta = pd.DataFrame(
        {
            "key": ["geoair_schema", "created"],
            "value": ["1", dt.datetime.now().isoformat(timespec="seconds")],
        }
    )
    tmp = ws.root / ".tmp-init-workspace.gpkg"
    tmp.unlink(missing_ok=True)
    try:
        pyogrio.write_dataframe(
            meta, tmp, layer=META_TABLE, driver="GPKG", dataset_options=_GPKG_OPTIONS
        )
        os.replace(tmp, ws.gpkg)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("created workspace %s", ws.root)
    return ws


def open_workspace(root: Path | str | None = None) -> Workspace:
    """Open an existing workspace: ``root``, else ``$GEOAIR_WORKSPACE``, else the current folder.

    ``root`` (or the variable) is a folder or a ``postgresql://`` URL; a string with
    ``://`` is never taken as a folder.
    """
    chosen: Any = root or os.environ.get(ENV_VAR) or Path.cwd()
    if is_database_url(chosen):
        from geoair.store.postgis import open_database

        return open_database(_database_name(chosen))
    ws = FolderWorkspace(chosen)
    if not ws.gpkg.exists():
        raise WorkspaceError(
            f"No geoair workspace in {ws.root} (no {GPKG_NAME}). Create one with "
            f"'geoair init {ws.root}', or point to yours with --workspace DIR "
            f"or the {ENV_VAR} variable."
        )
    ws.settings  # noqa: B018 - validate geoair.toml now, with its own clear message
    return ws


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
