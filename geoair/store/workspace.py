"""A geoair workspace: a folder with ``workspace.gpkg``, ``geoair.toml`` and side files.

Layout::

    DIR/
      workspace.gpkg     layers and record tables (a GeoPackage that QGIS opens)
      geoair.toml        settings (see geoair.store.settings)
      readings/          hourly and monthly readings as partitioned Parquet
      rejects/           rows refused by imports, with row numbers and reasons
      outputs/           files written by analyses (maps, forms, reports)

Writes are atomic: :meth:`Workspace.transaction` works on a copy of the GeoPackage
and moves it over the original only when every write succeeded, so a failure or
Ctrl-C in the middle leaves the workspace as it was. A lock file
(:mod:`geoair.store.lock`) keeps two geoair processes from writing at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geoair.errors import WorkspaceError
from geoair.store.gpkg import GPKG_OPTIONS, write_gpkg_layer
from geoair.store.lock import _lock
from geoair.store.schema import KINDS
from geoair.store.settings import DEFAULT_TOML, Settings, load_settings

__all__ = [
    "ENV_VAR",
    "GPKG_NAME",
    "META_TABLE",
    "SETTINGS_NAME",
    "Workspace",
    "WorkspaceWriter",
    "init_workspace",
    "open_workspace",
    "restore_dtypes",
]


log = logging.getLogger(__name__)

GPKG_NAME = "workspace.gpkg"
SETTINGS_NAME = "geoair.toml"
ENV_VAR = "GEOAIR_WORKSPACE"
META_TABLE = "geoair_meta"


class Workspace:
    """A workspace folder. Create one with :func:`init_workspace`, open with :func:`open_workspace`.

    Parameters
    ----------
    root : path
        The workspace folder.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        self._settings: Settings | None = None

    # -- paths -----------------------------------------------------------------------
    @property
    def gpkg(self) -> Path:
        return self.root / GPKG_NAME

    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_NAME

    @property
    def readings_dir(self) -> Path:
        return self.root / "readings"

    @property
    def rejects_dir(self) -> Path:
        return self.root / "rejects"

    @property
    def outputs_dir(self) -> Path:
        return self.root / "outputs"

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    # -- reading ---------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        """Settings from ``geoair.toml`` over the defaults, checked once and kept.

        Read when first asked for (:func:`open_workspace` asks, so a wrong setting is
        reported before any work); edits to the file take effect at the next command.
        """
        if self._settings is None:
            self._settings = load_settings(self.settings_path)
        return self._settings

    def layers(self) -> list[str]:
        """Names of the layers and tables in the GeoPackage."""
        if not self.gpkg.exists():
            return []
        return [str(name) for name, _ in pyogrio.list_layers(self.gpkg) if name != META_TABLE]

    def has(self, name: str) -> bool:
        return name in self.layers()

    def read(self, name: str, *, required: bool = True) -> gpd.GeoDataFrame | pd.DataFrame:
        """Read a layer (GeoDataFrame) or table (DataFrame) from the GeoPackage.

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
        if not self.has(name):
            if not required:
                return None  # type: ignore[return-value]
            hint = f"geoair import {name} FILE" if name in KINDS else "the command that computes it"
            raise WorkspaceError(
                f"The workspace {self.root} has no layer {name!r} yet. Run {hint} first."
            )
        info = pyogrio.read_info(self.gpkg, layer=name)
        if info.get("geometry_type") is None:
            frame = pyogrio.read_dataframe(
                self.gpkg, layer=name, read_geometry=False, fid_as_index=False
            )
        else:
            frame = pyogrio.read_dataframe(self.gpkg, layer=name, fid_as_index=False)
        return restore_dtypes(frame, name)

    # -- writing ---------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[WorkspaceWriter]:
        """Write several layers at once, all or nothing.

        Examples
        --------
        >>> with ws.transaction() as tx:                       # doctest: +SKIP
        ...     tx.write("gate_roads", roads)
        ...     tx.write("sweep_tasks", tasks)
        """
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
                writer = WorkspaceWriter(tmp)
                yield writer
                if writer.written:
                    _fsync(tmp)
                    os.replace(tmp, self.gpkg)
                    log.info("workspace %s: wrote %s", self.root, ", ".join(writer.written))
            finally:
                tmp.unlink(missing_ok=True)

    def write(self, name: str, frame: pd.DataFrame) -> None:
        """Write one layer or table atomically (replacing it if it exists)."""
        with self.transaction() as tx:
            tx.write(name, frame)


class WorkspaceWriter:
    """Writes into the transaction's copy of the GeoPackage."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written: list[str] = []

    def write(self, name: str, frame: pd.DataFrame) -> None:
        """Replace layer ``name`` with ``frame`` (a GeoDataFrame in EPSG:4326 or a table)."""
        write_gpkg_layer(frame, self.path, name)
        self.written.append(name)


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


def init_workspace(root: Path | str, *, exist_ok: bool = False) -> Workspace:
    """Create a workspace folder with an empty GeoPackage and the default settings.

    Parameters
    ----------
    root : path
        Folder to create (parents too).
    exist_ok : bool
        If True, an existing workspace is kept as it is (settings not overwritten).

    Returns
    -------
    Workspace
    """
    ws = Workspace(root)
    if ws.gpkg.exists():
        if exist_ok:
            return ws
        raise WorkspaceError(
            f"{ws.root} is already a geoair workspace. Use it with "
            f"--workspace {ws.root}, or choose another folder."
        )
    ws.root.mkdir(parents=True, exist_ok=True)
    for folder in (ws.readings_dir, ws.rejects_dir, ws.outputs_dir):
        folder.mkdir(exist_ok=True)
    if not ws.settings_path.exists():
        _atomic_write_text(ws.settings_path, DEFAULT_TOML)
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
            meta, tmp, layer=META_TABLE, driver="GPKG", dataset_options=GPKG_OPTIONS
        )
        os.replace(tmp, ws.gpkg)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("created workspace %s", ws.root)
    return ws


def open_workspace(root: Path | str | None = None) -> Workspace:
    """Open an existing workspace: ``root``, else ``$GEOAIR_WORKSPACE``, else the current folder."""
    chosen = root or os.environ.get(ENV_VAR) or Path.cwd()
    ws = Workspace(chosen)
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
