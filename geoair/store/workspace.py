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
  two geoair processes from writing at once; a command that reads a table to rewrite
  it reads it inside the transaction (:meth:`WorkspaceWriter.read`,
  :meth:`WorkspaceWriter.replace_part`), under the lock. The copy is named after the
  process that writes it (``.tmp-workspace-PID-*.gpkg``); a copy left by a process
  that was killed is removed by the next transaction. A damaged, truncated, empty or
  foreign ``workspace.gpkg`` and a read-only folder end in one
  :class:`~geoair.errors.WorkspaceError` sentence that names the file and says what to
  do; ``geoair check`` (:mod:`geoair.store.check`) tells what is wrong in detail.

* a PostgreSQL/PostGIS database, ``postgresql://user[:password]@host[:port]/db
  [?schema=NAME]`` (:class:`geoair.store.postgis.PostGISWorkspace`), for a bureau's
  several analysts and QGIS: one table per layer in the schema, transactions instead
  of the lock file.

Every capability uses only the interface of :class:`Workspace`: ``settings`` (typed,
read once), ``layers()``, ``has()``, ``read()``, ``transaction()`` (whose writer has
``read``, ``write`` for a whole layer, ``merge`` for rows by key, ``add_new``,
``replace_part``), ``write()``, ``lock()``, and the local folders ``readings_dir``,
``rejects_dir``, ``outputs_dir`` (with ``root``, the folder they are in), and
``location``/``store_label`` for messages.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from pyogrio.errors import DataSourceError

from geoair.errors import WorkspaceError
from geoair.messages import t
from geoair.store.gpkg import GPKG_OPTIONS, damaged_message, gpkg_file_problem, write_gpkg_layer
from geoair.store.lock import _lock, _write_error
from geoair.store.merge import add_new_rows, merge_rows
from geoair.store.parts import PartValues, replace_part
from geoair.store.schema import KINDS
from geoair.store.settings import (
    DEFAULT_SETTINGS,
    Settings,
    default_toml,
    load_settings,
    parse_settings,
    set_readings_dir,
)
from geoair.store.tempfiles import remove_stale, temp_prefix

__all__ = [
    "FolderWorkspace",
    "FolderWriter",
    "GPKG_NAME",
    "META_TABLE",
    "SETTINGS_NAME",
    "TMP_PREFIX",
    "Workspace",
    "WorkspaceWriter",
    "init_folder_workspace",
    "open_folder_workspace",
    "restore_dtypes",
]


log = logging.getLogger(__name__)

GPKG_NAME = "workspace.gpkg"
SETTINGS_NAME = "geoair.toml"
META_TABLE = "geoair_meta"
TMP_PREFIX = ".tmp-workspace-"


def _damaged(path: Path, exc: BaseException, *, shown: Path | None = None) -> WorkspaceError:
    """The one sentence for a GeoPackage that GDAL or SQLite cannot read.

    ``shown`` is the file named to the user (the workspace's, when ``path`` is the
    transaction's copy of it).
    """
    problem = gpkg_file_problem(path) if path.exists() else None
    detail = str(exc).rsplit("failed:", 1)[-1].strip().split(";")[0][:120]
    problem = problem or t("store.gpkg_problem.damaged", detail=detail)
    return WorkspaceError(damaged_message(shown or path, problem))


def _read_gpkg(path: Path, call, *args, shown: Path | None = None, **kwargs):
    """``call(path, ...)`` (a pyogrio function) with damage turned into one sentence."""
    try:
        return call(path, *args, **kwargs)
    except WorkspaceError:
        raise
    except PermissionError:
        raise WorkspaceError(t("error.store.no_read_permission", path=path)) from None
    except Exception as exc:  # pyogrio/GDAL/SQLite errors of a damaged file
        raise _damaged(path, exc, shown=shown) from None


class Workspace(abc.ABC):
    """What every capability may use of a workspace, whichever store holds it.

    Create one with :func:`geoair.store.open.init_workspace`, open one with
    :func:`geoair.store.open.open_workspace`.

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
        chosen = self.settings.workspace.readings_dir
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
    def settings(self) -> Settings:
        """Settings over the defaults, checked once when first asked for and kept (edits
        take effect at the next command)."""

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
        hint = (
            t("error.store.no_layer_import", name=name)
            if name in KINDS
            else t("error.store.no_layer_compute")
        )
        return WorkspaceError(
            t("error.store.no_layer", location=self.location, name=name, hint=hint)
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

    @abc.abstractmethod
    def read(self, name: str) -> gpd.GeoDataFrame | pd.DataFrame | None:
        """Layer ``name`` as it is in the transaction (None when it does not exist).

        Read here, under the lock, what is to be rewritten: no other command can
        change it before the transaction ends.
        """

    def replace_part(
        self,
        name: str,
        frame: pd.DataFrame,
        key_columns: Sequence[str],
        *,
        part: Mapping[str, PartValues] | None = None,
    ) -> pd.DataFrame:
        """Replace only the part's rows of layer ``name`` with ``frame``; keep the rest.

        See :func:`geoair.store.parts.replace_part` for ``key_columns`` and ``part``.

        Returns
        -------
        DataFrame
            The table as written.
        """
        merged = replace_part(self.read(name), frame, key_columns, part=part)
        self.write(name, merged)
        return merged


class FolderWorkspace(Workspace):
    """A workspace folder with ``workspace.gpkg`` and ``geoair.toml``.

    Parameters
    ----------
    root : path
        The workspace folder.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        self._settings: Settings | None = None
        self._settings_stamp: int | None = None

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
    def settings(self) -> Settings:
        """Settings from ``geoair.toml`` over the defaults, checked once and kept.

        Read when first asked for (opening the workspace asks, so a wrong setting is
        reported before any work) and read again only when the file has changed.
        """
        try:
            stamp = self.settings_path.stat().st_mtime_ns
        except OSError:
            stamp = None
        if self._settings is None or stamp != self._settings_stamp:
            self._settings = load_settings(self.settings_path)
            self._settings_stamp = stamp
        return self._settings

    def settings_text(self) -> str:
        if not self.settings_path.exists():
            return default_toml()
        return self.settings_path.read_text(encoding="utf-8")

    def store_settings(self, text: str) -> None:
        parse_settings(text, source=t("store.new_settings"), defaults=DEFAULT_SETTINGS)
        _atomic_write_text(self.settings_path, text)
        self._settings = None

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
        return _read_layer(self.gpkg, name)

    # -- writing ---------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[FolderWriter]:
        """Write several layers at once, all or nothing, on a copy of the GeoPackage."""
        if not self.gpkg.exists():
            raise WorkspaceError(t("error.store.not_a_workspace", root=self.root, gpkg=GPKG_NAME))
        with self.lock("workspace"):
            problem = gpkg_file_problem(self.gpkg)
            if problem is not None:
                raise WorkspaceError(damaged_message(self.gpkg, problem))
            tmp: Path | None = None
            try:
                fd, tmp_name = tempfile.mkstemp(
                    prefix=temp_prefix(TMP_PREFIX), suffix=".gpkg", dir=self.root
                )
                os.close(fd)
                tmp = Path(tmp_name)
                shutil.copyfile(self.gpkg, tmp)
            except OSError as exc:
                if tmp is not None:
                    tmp.unlink(missing_ok=True)
                raise _write_error(self.root, exc) from None
            try:
                writer = FolderWriter(tmp, source=self.gpkg)
                yield writer
                if writer.written:
                    try:
                        _fsync(tmp)
                        os.replace(tmp, self.gpkg)
                    except OSError as exc:
                        raise _write_error(self.root, exc) from None
                    log.info("workspace %s: wrote %s", self.root, ", ".join(writer.written))
            finally:
                tmp.unlink(missing_ok=True)
                for companion in ("-journal", "-wal", "-shm"):
                    tmp.with_name(tmp.name + companion).unlink(missing_ok=True)

    @contextlib.contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """The folder's lock file (one writer at a time, whatever it writes).

        Temporary copies left by killed geoair processes are removed first. A folder
        that cannot be written ends in one sentence.
        """
        with _lock(self.root):
            remove_stale(self.root, TMP_PREFIX)
            yield


class FolderWriter(WorkspaceWriter):
    """Writes into the transaction's copy of the GeoPackage."""

    def __init__(self, path: Path, *, source: Path | None = None) -> None:
        self.path = path
        self.source = source or path  # the workspace's file, named in messages
        self.written: list[str] = []

    def read(self, name: str) -> gpd.GeoDataFrame | pd.DataFrame | None:
        layers = {str(n) for n, _ in _read_gpkg(self.path, pyogrio.list_layers, shown=self.source)}
        if name not in layers:
            return None
        return _read_layer(self.path, name, shown=self.source)

    def write(self, name: str, frame: pd.DataFrame) -> None:
        """Replace layer ``name`` with ``frame`` (a GeoDataFrame in EPSG:4326 or a table)."""
        try:
            write_gpkg_layer(frame, self.path, name)
        except WorkspaceError:
            raise
        except Exception as exc:
            text = str(exc).lower()
            if (
                isinstance(exc, DataSourceError)
                or "malformed" in text
                or ("not a database" in text)
            ):
                raise _damaged(self.path, exc, shown=self.source) from None
            raise
        self.written.append(name)

    def merge(self, name: str, frame: pd.DataFrame, key: tuple[str, ...]) -> int:
        merged, replaced = merge_rows(self.read(name), frame, key)
        self.write(name, merged)
        return replaced

    def add_new(self, name: str, frame: pd.DataFrame, key: tuple[str, ...]) -> int:
        existing = self.read(name)
        merged, added = add_new_rows(existing, frame, key)
        if added or existing is None:
            self.write(name, merged)
        return added


def _gpkg_layers(path: Path) -> list[str]:
    return [str(name) for name, _ in _read_gpkg(path, pyogrio.list_layers) if name != META_TABLE]


def _read_layer(
    path: Path, name: str, *, shown: Path | None = None
) -> gpd.GeoDataFrame | pd.DataFrame:
    info = _read_gpkg(path, pyogrio.read_info, layer=name, shown=shown)
    if info.get("geometry_type") is None:
        frame = _read_gpkg(
            path,
            pyogrio.read_dataframe,
            layer=name,
            read_geometry=False,
            fid_as_index=False,
            shown=shown,
        )
    else:
        frame = _read_gpkg(
            path, pyogrio.read_dataframe, layer=name, fid_as_index=False, shown=shown
        )
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


def init_folder_workspace(
    root: Path | str, *, exist_ok: bool = False, readings_dir: Path | str | None = None
) -> FolderWorkspace:
    """Create a workspace folder: an empty GeoPackage, the default settings, side folders.

    Parameters
    ----------
    root : path
        Folder to create (parents too).
    exist_ok : bool
        If True, an existing workspace is kept as it is (settings not overwritten).
    readings_dir : path, optional
        Folder of the Parquet readings, recorded in the settings (default
        ``DIR/readings``).
    """
    ws = FolderWorkspace(root)
    if ws.gpkg.exists():
        if exist_ok:
            return ws
        raise WorkspaceError(t("error.store.already_workspace", root=ws.root))
    ws.root.mkdir(parents=True, exist_ok=True)
    if not ws.settings_path.exists():
        text = default_toml()
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
            meta, tmp, layer=META_TABLE, driver="GPKG", dataset_options=GPKG_OPTIONS
        )
        os.replace(tmp, ws.gpkg)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("created workspace %s", ws.root)
    return ws


def open_folder_workspace(root: Path | str) -> FolderWorkspace:
    """Open an existing workspace folder, checking its GeoPackage and its settings.

    Raises
    ------
    WorkspaceError
        No workspace there, or a damaged, truncated, empty or foreign GeoPackage (one
        sentence naming the file and what to do).
    """
    ws = FolderWorkspace(root)
    if not ws.gpkg.exists():
        raise WorkspaceError(t("error.store.no_workspace", root=ws.root, gpkg=GPKG_NAME))
    if ws.gpkg.is_dir():
        raise WorkspaceError(damaged_message(ws.gpkg, t("store.gpkg_problem.folder")))
    try:
        problem = gpkg_file_problem(ws.gpkg)
    except OSError as exc:
        raise _damaged(ws.gpkg, exc) from None
    if problem is not None:
        raise WorkspaceError(damaged_message(ws.gpkg, problem))
    ws.settings  # noqa: B018 - validate geoair.toml now, with its own clear message
    return ws


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
