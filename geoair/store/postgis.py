"""The workspace in PostgreSQL/PostGIS: a bureau's several analysts, and QGIS, on one store.

Named by ``postgresql://user[:password]@host[:port]/db[?schema=NAME]`` wherever a
workspace is named (``-w``, ``$GEOAIR_WORKSPACE``, ``geoair init URL``, ``geoair demo
URL``). The password comes from the URL, ``PGPASSWORD``, ``~/.pgpass`` or a service
file (``postgresql:///db?service=NAME``): libpq reads them; geoair never prints it
(URLs in messages show ``***``).

The contract is the GeoPackage's (see :mod:`geoair.store.workspace`):

* one table per layer or record table, in the schema (default ``geoair``), with the
  same name and columns, a ``fid`` primary key (QGIS needs one) and, for layers, a
  ``geom`` column ``geometry(<type>, 4326)`` with a GiST index: QGIS and
  ``ogrinfo PG:"dbname=... active_schema=geoair"`` open them. Column types are those
  the GeoPackage stores (booleans with gaps as 1/0/NULL numbers, lists as 、-joined
  text), so a layer reads back as the same frame from either store;
* the settings: the same commented ``geoair.toml`` text, stored in the table
  ``geoair_settings`` (``geoair settings show|set``);
* readings stay in the Parquet store, in the folder recorded in ``[workspace]
  readings_dir`` at ``geoair init`` (DuckDB aggregates 100 million rows of it in
  seconds on one PC; the same SQL inside PostgreSQL would need the rows moved
  through the server for every indicator); rejects and outputs are written as files
  in the folder where the command runs (``./rejects``, ``./outputs``).

Several writers: every write happens in one transaction (all or nothing, also when
the connection is lost: the server rolls it back). Writing a layer first takes that
layer's advisory lock (``pg_advisory_xact_lock``), so two writers of one layer go one
after the other and writers of different layers side by side; a writer that waits
longer than 60 s is told in one sentence to try again. An import merges its rows by
key inside the transaction (:meth:`PostGISWriter.merge`): rows identical to the
stored ones are left untouched, so a re-import of the same file leaves the tables as
they were. A whole-layer rewrite (:meth:`PostGISWriter.write`) deletes and bulk-loads
(COPY) under the same lock, or drops and re-creates the table when its columns change.
Readers see the last committed state and wait only for such a re-created table.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geoair.errors import WorkspaceError
from geoair.messages import t
from geoair.store.pg_connect import (
    DatabaseURL,
    connect,
    first_line,
    parse_url,
    psycopg_module,
)
from geoair.store.pg_copy import (
    FID,
    GEOMETRY,
    NUMERIC,
    Column,
    csv_chunks,
    frame_from_csv,
    select_list,
    table_columns,
)
from geoair.store.settings import (
    DEFAULT_SETTINGS,
    Settings,
    default_toml,
    parse_settings,
    set_readings_dir,
)
from geoair.store.workspace import (
    META_TABLE,
    SETTINGS_NAME,
    Workspace,
    WorkspaceWriter,
    restore_dtypes,
)

__all__ = [
    "LAYER_COMMENT",
    "LOCK_TIMEOUT_S",
    "PostGISWorkspace",
    "PostGISWriter",
    "SETTINGS_TABLE",
    "init_database",
    "open_database",
]


log = logging.getLogger(__name__)

SETTINGS_TABLE = "geoair_settings"
LAYER_COMMENT = "geoair layer"
# How long a writer waits for another one's lock on the same layer before it is told
# to try again (geoair's choice: imports hold a layer for seconds, not minutes).
LOCK_TIMEOUT_S = 60
_INTERNAL = (META_TABLE, SETTINGS_TABLE)


class PostGISWorkspace(Workspace):
    """A workspace in a PostgreSQL database with PostGIS (see the module's docstring).

    Parameters
    ----------
    url : str or DatabaseURL
        ``postgresql://user[:password]@host[:port]/db[?schema=NAME]``.
    folder : path, optional
        The local folder for rejects and outputs (default: the current folder).
    """

    def __init__(self, url: str | DatabaseURL, *, folder: Path | str | None = None) -> None:
        self.url = url if isinstance(url, DatabaseURL) else parse_url(url)
        self.schema = self.url.schema
        self.root = Path(folder if folder is not None else Path.cwd()).resolve()
        self._conn: Any = None
        self._settings: Settings | None = None
        self._settings_text: str | None = None
        self.postgis_schema: str | None = None
        #: Seconds a writer waits for another one's lock before it is told to try again.
        self.lock_timeout_s = LOCK_TIMEOUT_S

    # -- naming ----------------------------------------------------------------------
    @property
    def location(self) -> str:
        return self.url.display

    @property
    def store_label(self) -> str:
        return t("store.schema_of", schema=self.schema, server=self.url.server)

    def __repr__(self) -> str:
        return f"PostGISWorkspace({self.url.display!r})"

    # -- the connection --------------------------------------------------------------
    @property
    def connection(self) -> Any:
        """The workspace's connection (autocommit; writes open their own transaction)."""
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.url)
            self._find_postgis()
        return self._conn

    def _find_postgis(self) -> None:
        row = self._conn.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
            "ON n.oid = e.extnamespace WHERE e.extname = 'postgis'"
        ).fetchone()
        self.postgis_schema = row[0] if row else None
        path = [self.schema] + ([self.postgis_schema] if self.postgis_schema else [])
        self._conn.execute(
            "SELECT set_config('search_path', %s, false)",
            (", ".join(f'"{p}"' for p in dict.fromkeys(path)),),
        )

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._conn = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def _table(self, name: str) -> Any:
        from psycopg import sql

        return sql.Identifier(self.schema, name)

    def _columns(self, name: str, conn: Any = None) -> list[tuple[str, str]]:
        """(column, type) of table ``name`` in the schema, [] when there is none."""
        rows = (
            (conn or self.connection)
            .execute(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                "JOIN pg_class c ON c.oid = a.attrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped "
                "ORDER BY a.attnum",
                (self.schema, name),
            )
            .fetchall()
        )
        return [(str(a), str(t)) for a, t in rows]

    def _is_layer(self, name: str, conn: Any = None) -> bool:
        row = (
            (conn or self.connection)
            .execute(
                "SELECT obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s "
                "AND c.relkind IN ('r', 'p')",
                (self.schema, name),
            )
            .fetchone()
        )
        return row is not None and row[0] == LAYER_COMMENT

    # -- settings --------------------------------------------------------------------
    def settings_text(self) -> str:
        with self._errors("store.pg_action.read_settings"):
            row = self.connection.execute(
                f'SELECT toml FROM "{self.schema}".{SETTINGS_TABLE} WHERE name = %s',
                (SETTINGS_NAME,),
            ).fetchone()
        return default_toml() if row is None else str(row[0])

    @property
    def settings(self) -> Settings:
        """Settings stored in the table ``geoair_settings`` over the defaults, checked again
        only when the stored text has changed."""
        text = self.settings_text()  # one small query: another analyst may have changed it
        if self._settings is None or text != self._settings_text:
            self._settings_text = text
            self._settings = parse_settings(
                text,
                source=t(
                    "store.settings_in_database",
                    location=self.location,
                    table=f"{self.schema}.{SETTINGS_TABLE}",
                ),
                defaults=DEFAULT_SETTINGS,
            )
        return self._settings

    def store_settings(self, text: str) -> None:
        parse_settings(text, source=t("store.new_settings"), defaults=DEFAULT_SETTINGS)
        self._settings = None
        with self._errors("store.pg_action.store_settings"), self.connection.transaction():
            self.connection.execute(
                f'INSERT INTO "{self.schema}".{SETTINGS_TABLE} (name, toml) VALUES (%s, %s) '
                "ON CONFLICT (name) DO UPDATE SET toml = EXCLUDED.toml",
                (SETTINGS_NAME, text),
            )

    # -- reading ---------------------------------------------------------------------
    def layers(self) -> list[str]:
        with self._errors("store.pg_action.list_tables"):
            return self._layers()

    def _layers(self) -> list[str]:
        rows = self.connection.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') "
            "AND obj_description(c.oid, 'pg_class') = %s ORDER BY c.relname",
            (self.schema, LAYER_COMMENT),
        ).fetchall()
        return [str(r[0]) for r in rows]

    def has(self, name: str) -> bool:
        return self._is_layer(name)

    def read(self, name: str, *, required: bool = True) -> gpd.GeoDataFrame | pd.DataFrame:
        """Read a layer or table with one ``COPY ... TO STDOUT`` (geometry as WKB)."""
        with self._errors("store.pg_action.read_layer", name=name):
            return self._read(name, required=required)

    def _read(self, name: str, *, required: bool) -> gpd.GeoDataFrame | pd.DataFrame:
        from psycopg import sql

        if not self._is_layer(name):
            if not required:
                return None  # type: ignore[return-value]
            raise self._missing(name)
        columns = [(c, t) for c, t in self._columns(name) if c != FID]
        selects, types = select_list(columns)
        query = sql.SQL("COPY (SELECT {} FROM {} ORDER BY {}) TO STDOUT (FORMAT csv)").format(
            sql.SQL(", ").join(selects) if selects else sql.SQL("NULL"),
            self._table(name),
            sql.Identifier(FID),
        )
        data = bytearray()
        with self.connection.cursor() as cur, cur.copy(query) as copy:
            for chunk in copy:
                data += chunk
        frame = frame_from_csv(data, columns, types)
        return restore_dtypes(frame, name)

    # -- writing ---------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[PostGISWriter]:
        """Write several layers in one database transaction, all or nothing."""
        psycopg = psycopg_module()
        conn = self.connection
        writer = PostGISWriter(self, conn)
        try:
            with conn.transaction():
                conn.execute(
                    "SELECT set_config('lock_timeout', %s, true)", (f"{self.lock_timeout_s}s",)
                )
                yield writer
        except (
            psycopg.errors.LockNotAvailable,
            psycopg.errors.DeadlockDetected,
            psycopg.errors.SerializationFailure,
        ):
            raise self._busy(writer.waiting or "?") from None
        except psycopg.OperationalError as exc:
            if conn.closed or conn.broken:
                self._conn = None
                raise WorkspaceError(
                    t(
                        "error.store.pg_broke_in_write",
                        server=self.url.server,
                        error=first_line(exc),
                    )
                ) from None
            with self._errors("store.pg_action.write_tables"):
                raise
        except psycopg.Error:
            with self._errors("store.pg_action.write_tables"):
                raise
        if writer.written:
            log.info("workspace %s: wrote %s", self.location, ", ".join(writer.written))

    def _user(self) -> str:
        with contextlib.suppress(Exception):
            if self._conn is not None and not self._conn.closed:
                return str(self._conn.info.user)
        return self.url.params().get("user") or t("store.your_login")

    @contextlib.contextmanager
    def _errors(self, action_id: str, **values: object) -> Iterator[None]:
        """Database errors as one sentence (no traceback reaches a user); ``action_id``
        (``store.pg_action.*``) says what was being done."""
        psycopg = psycopg_module()
        try:
            yield
        except psycopg.errors.InsufficientPrivilege as exc:
            raise WorkspaceError(
                t(
                    "error.store.pg_no_rights",
                    user=self._user(),
                    action=t(action_id, **values),
                    schema=self.schema,
                    error=first_line(exc),
                )
            ) from None
        except psycopg.OperationalError as exc:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = None
                raise WorkspaceError(
                    t("error.store.pg_broke", server=self.url.server, error=first_line(exc))
                ) from None
            raise WorkspaceError(
                t("error.store.pg_refused", action=t(action_id, **values), error=first_line(exc))
            ) from None
        except psycopg.Error as exc:
            raise WorkspaceError(
                t("error.store.pg_refused", action=t(action_id, **values), error=first_line(exc))
            ) from None

    def _busy(self, name: str) -> WorkspaceError:
        return WorkspaceError(t("error.store.pg_busy", name=name, seconds=self.lock_timeout_s))

    @contextlib.contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """A session advisory lock: one writer at a time of ``name`` (e.g. the readings)."""
        psycopg = psycopg_module()
        conn = self.connection
        key = (self.schema, f"lock:{name}")
        try:
            conn.execute(
                "SELECT set_config('lock_timeout', %s, false)", (f"{self.lock_timeout_s}s",)
            )
            conn.execute("SELECT pg_advisory_lock(hashtext(%s), hashtext(%s))", key)
        except psycopg.errors.LockNotAvailable:
            raise self._busy(name) from None
        finally:
            if not conn.closed:
                conn.execute("SELECT set_config('lock_timeout', '0', false)")
        try:
            yield
        finally:
            if not conn.closed:
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s), hashtext(%s))", key)


class PostGISWriter(WorkspaceWriter):
    """Writes inside one transaction of a :class:`PostGISWorkspace`."""

    def __init__(self, ws: PostGISWorkspace, conn: Any) -> None:
        self.ws = ws
        self.conn = conn
        self.written: list[str] = []
        self.waiting: str | None = None
        self._locked: set[str] = set()
        self._stages = 0

    # -- locks and tables ------------------------------------------------------------
    def _lock(self, name: str) -> None:
        """The layer's advisory lock, held until the transaction ends."""
        if name in self._locked:
            return
        self.waiting = name
        self.conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", (self.ws.schema, name)
        )
        self.waiting = None
        self._locked.add(name)

    def _check_ours(self, name: str) -> list[tuple[str, str]]:
        existing = self.ws._columns(name, self.conn)
        if existing and not self.ws._is_layer(name, self.conn):
            raise WorkspaceError(t("error.store.foreign_table", schema=self.ws.schema, name=name))
        if name in _INTERNAL:
            raise WorkspaceError(t("error.store.own_table", name=name))
        return existing

    def _copy(self, table: Any, frame: pd.DataFrame, columns: list[Column]) -> None:
        from psycopg import sql

        if not len(frame):
            return
        sources = [c.name for c in columns]
        names = sql.SQL(", ").join(sql.Identifier(c.name) for c in columns)
        query = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(table, names)
        with self.conn.cursor() as cur, cur.copy(query) as copy:
            for chunk in csv_chunks(frame, columns, sources):
                copy.write(chunk)

    def _create(self, name: str, frame: pd.DataFrame, columns: list[Column]) -> None:
        from psycopg import sql

        table = self.ws._table(name)
        definitions = [
            sql.SQL("{} bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY").format(
                sql.Identifier(FID)
            )
        ] + [sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.pgtype)) for c in columns]
        self.conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
        self.conn.execute(
            sql.SQL("CREATE TABLE {} ({})").format(table, sql.SQL(", ").join(definitions))
        )
        self._copy(table, frame, columns)
        if any(c.kind == "geom" for c in columns):
            self.conn.execute(
                sql.SQL("CREATE INDEX ON {} USING gist ({})").format(
                    table, sql.Identifier(GEOMETRY)
                )
            )
        self.conn.execute(
            sql.SQL("COMMENT ON TABLE {} IS {}").format(table, sql.Literal(LAYER_COMMENT))
        )

    def _reconcile(self, name: str, columns: list[Column]) -> list[Column]:
        """Add the frame's new columns to the table and widen clashing types; the table's types."""
        from psycopg import sql

        table = self.ws._table(name)
        stored = dict(self.ws._columns(name, self.conn))
        final = []
        for column in columns:
            have = stored.get(column.name)
            ident = sql.Identifier(column.name)
            if have is None:
                self.conn.execute(
                    sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
                        table, ident, sql.SQL(column.pgtype)
                    )
                )
                final.append(column)
                continue
            if have == column.pgtype or (have == "double precision" and column.kind == "int"):
                final.append(Column(column.name, have, column.kind))
                continue
            if have.startswith("geometry") and column.kind == "geom":
                wider = "geometry(Geometry,4326)" if "Z" not in have else "geometry"
                if have != wider:
                    self.conn.execute(
                        sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {} USING {}").format(
                            table, ident, sql.SQL(wider), ident
                        )
                    )
                final.append(Column(column.name, wider, column.kind))
                continue
            numeric = have in NUMERIC and column.pgtype in NUMERIC
            wider = "double precision" if numeric else "text"
            if have != wider:
                self.conn.execute(
                    sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {} USING {}::{}").format(
                        table, ident, sql.SQL(wider), ident, sql.SQL(wider)
                    )
                )
            final.append(Column(column.name, wider, column.kind))
        return final

    def _stage(self, frame: pd.DataFrame, columns: list[Column]) -> Any:
        """A temporary table holding the frame's rows in the table's types, in order."""
        from psycopg import sql

        self._stages += 1
        stage = sql.Identifier(f"geoair_stage_{self._stages}")
        definitions = [sql.SQL("geoair_ord bigint GENERATED ALWAYS AS IDENTITY")] + [
            sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.pgtype)) for c in columns
        ]
        self.conn.execute(
            sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(
                stage, sql.SQL(", ").join(definitions)
            )
        )
        self._copy(stage, frame, columns)
        self.conn.execute(sql.SQL("ANALYZE {}").format(stage))
        return stage

    @staticmethod
    def _match(key: list[str]) -> Any:
        from psycopg import sql

        if not key:
            return sql.SQL("FALSE")
        return sql.SQL(" AND ").join(
            sql.SQL("coalesce(t.{k}::text, '') = coalesce(n.{k}::text, '')").format(
                k=sql.Identifier(k)
            )
            for k in key
        )

    # -- reading what will be rewritten ---------------------------------------------
    def read(self, name: str) -> gpd.GeoDataFrame | pd.DataFrame | None:
        """The layer as it is in this transaction, read under its advisory lock (so no
        other writer changes it before this transaction ends); None when absent."""
        self._lock(name)
        return self.ws._read(name, required=False)

    # -- the three writes ------------------------------------------------------------
    def write(self, name: str, frame: pd.DataFrame) -> None:
        """Replace the whole layer: delete its rows and COPY the new ones (same columns),
        or drop and create the table (other columns)."""
        from psycopg import sql

        self._lock(name)
        prepared, columns = table_columns(frame)
        existing = self._check_ours(name)
        wanted = [(FID, "bigint")] + [(c.name, c.pgtype) for c in columns]
        if existing == wanted:
            table = self.ws._table(name)
            self.conn.execute(sql.SQL("DELETE FROM {}").format(table))
            self._copy(table, prepared, columns)
        else:
            self._create(name, prepared, columns)
        self.written.append(name)

    def merge(self, name: str, frame: pd.DataFrame, key: tuple[str, ...]) -> int:
        """Rows with a stored key replace the stored ones (identical ones are left as
        they are); the others are added after the stored rows."""
        from psycopg import sql

        self._lock(name)
        prepared, columns = table_columns(frame)
        if not self._check_ours(name):
            self._create(name, prepared, columns)
            self.written.append(name)
            return 0
        columns = self._reconcile(name, columns)
        stage = self._stage(prepared, columns)
        table = self.ws._table(name)
        present = {c.name for c in columns}
        match = self._match([k for k in key if k in present])
        replaced = self.conn.execute(
            sql.SQL("SELECT count(*) FROM {} t WHERE EXISTS (SELECT 1 FROM {} n WHERE {})").format(
                table, stage, match
            )
        ).fetchone()[0]
        row_t = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c.name)) for c in columns)
        row_n = sql.SQL(", ").join(sql.SQL("n.{}").format(sql.Identifier(c.name)) for c in columns)
        self.conn.execute(
            sql.SQL(
                "DELETE FROM {} t USING {} n WHERE {} AND ROW({}) IS DISTINCT FROM ROW({})"
            ).format(table, stage, match, row_t, row_n)
        )
        self._insert_missing(table, stage, columns, match)
        self.conn.execute(sql.SQL("DROP TABLE {}").format(stage))
        self.written.append(name)
        return int(replaced)

    def add_new(self, name: str, frame: pd.DataFrame, key: tuple[str, ...]) -> int:
        """Add the rows whose key is not stored yet."""
        from psycopg import sql

        self._lock(name)
        prepared, columns = table_columns(frame)
        if not self._check_ours(name):
            self._create(name, prepared, columns)
            self.written.append(name)
            return len(prepared)
        columns = self._reconcile(name, columns)
        stage = self._stage(prepared, columns)
        present = {c.name for c in columns}
        match = self._match([k for k in key if k in present])
        added = self._insert_missing(self.ws._table(name), stage, columns, match)
        self.conn.execute(sql.SQL("DROP TABLE {}").format(stage))
        if added:
            self.written.append(name)
        return added

    def _insert_missing(self, table: Any, stage: Any, columns: list[Column], match: Any) -> int:
        from psycopg import sql

        names = sql.SQL(", ").join(sql.Identifier(c.name) for c in columns)
        row_n = sql.SQL(", ").join(sql.SQL("n.{}").format(sql.Identifier(c.name)) for c in columns)
        with self.conn.cursor() as cur:
            cur.execute(
                sql.SQL(
                    "INSERT INTO {} ({}) SELECT {} FROM {} n "
                    "WHERE NOT EXISTS (SELECT 1 FROM {} t WHERE {}) ORDER BY n.geoair_ord"
                ).format(table, names, row_n, stage, table, match)
            )
            return int(cur.rowcount)


# --- making and opening ------------------------------------------------------------


def _no_postgis(ws: PostGISWorkspace) -> WorkspaceError:
    params = ws.url.params()
    return WorkspaceError(
        t(
            "error.store.pg_no_postgis_rights",
            server=ws.url.server,
            database=params.get("dbname", ""),
            user=params.get("user", ""),
        )
    )


def init_database(
    url: str, *, exist_ok: bool = False, readings_dir: Path | str | None = None
) -> PostGISWorkspace:
    """Make a workspace in a database: PostGIS (when the role may), the schema, geoair's tables.

    Parameters
    ----------
    url : str
        ``postgresql://user[:password]@host[:port]/db[?schema=NAME]`` (schema
        ``geoair`` by default).
    exist_ok : bool
        If True, an existing workspace in that schema is kept as it is.
    readings_dir : path, optional
        Folder of the Parquet readings, recorded in the settings (default
        ``./readings``); a shared drive when several analysts import readings.

    Returns
    -------
    PostGISWorkspace

    Raises
    ------
    WorkspaceError
        The server cannot be reached or refuses the login; PostGIS is missing and the
        role may not add it; the role may not create the schema; the schema already
        holds a workspace (unless ``exist_ok``). One sentence each.
    """
    psycopg = psycopg_module()
    ws = PostGISWorkspace(url)
    conn = ws.connection
    params = ws.url.params()
    user = params.get("user") or conn.info.user
    database = conn.info.dbname
    if ws.postgis_schema is None:
        available = conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
        ).fetchone()
        if available is None:
            raise WorkspaceError(t("error.store.pg_no_postgis", server=ws.url.server))
        try:
            with conn.transaction():
                conn.execute("SET LOCAL search_path TO DEFAULT")  # PostGIS goes to public
                conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except psycopg.errors.InsufficientPrivilege:
            raise _no_postgis(ws) from None
        ws._find_postgis()
    created = dt.datetime.now().isoformat(timespec="seconds")
    folder = Path(readings_dir if readings_dir is not None else Path.cwd() / "readings")
    folder = folder.expanduser().resolve()
    schema = f'"{ws.schema}"'
    with conn.transaction():
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s), hashtext('geoair init'))", (ws.schema,)
        )
        exists = conn.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (ws.schema,)
        ).fetchone()
        if exists is None:
            try:
                conn.execute(f"CREATE SCHEMA {schema}")
            except psycopg.errors.InsufficientPrivilege:
                raise WorkspaceError(
                    t(
                        "error.store.pg_no_create_schema",
                        user=user,
                        database=database,
                        schema=ws.schema,
                    )
                ) from None
        elif ws._columns(META_TABLE, conn):
            if exist_ok:
                return ws
            raise WorkspaceError(
                t(
                    "error.store.pg_already_workspace",
                    location=ws.location,
                    schema=ws.schema,
                    server=ws.url.server,
                )
            )
        try:
            conn.execute(f"CREATE TABLE {schema}.{META_TABLE} (key text PRIMARY KEY, value text)")
            conn.execute(
                f"CREATE TABLE {schema}.{SETTINGS_TABLE} "
                "(name text PRIMARY KEY, toml text NOT NULL)"
            )
        except psycopg.errors.InsufficientPrivilege:
            raise WorkspaceError(
                t("error.store.pg_no_create_table", user=user, schema=ws.schema)
            ) from None
        conn.execute(
            f"INSERT INTO {schema}.{META_TABLE} (key, value) VALUES "
            "('geoair_schema', '1'), ('created', %s)",
            (created,),
        )
        conn.execute(
            f"INSERT INTO {schema}.{SETTINGS_TABLE} (name, toml) VALUES (%s, %s)",
            (SETTINGS_NAME, set_readings_dir(default_toml(), folder)),
        )
    folder.mkdir(parents=True, exist_ok=True)
    log.info("created workspace %s", ws.location)
    return ws


def open_database(url: str) -> PostGISWorkspace:
    """Open the workspace in a database; one sentence when it cannot be reached or has none."""
    ws = PostGISWorkspace(url)
    conn = ws.connection
    if not ws._columns(META_TABLE, conn):
        ws.close()
        raise WorkspaceError(
            t(
                "error.store.pg_no_workspace",
                server=ws.url.server,
                schema=ws.schema,
                location=ws.location,
            )
        )
    if ws.postgis_schema is None:
        ws.close()
        raise _no_postgis(ws)
    ws.settings  # noqa: B018 - validate the stored settings now, with their own message
    return ws
