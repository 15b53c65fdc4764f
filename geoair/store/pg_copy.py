"""Frames to and from PostgreSQL's COPY CSV, in the column types the GeoPackage stores.

Writing: :func:`table_columns` casts a frame as the GeoPackage stores it
(:func:`geoair.store.gpkg.storable_frame`: booleans with gaps as 1/0/NaN numbers, lists
joined) and names each column's PostgreSQL type; :func:`csv_chunks` writes the rows as
CSV with Arrow (text always quoted, NULL as nothing, geometry as hex EWKB with SRID
4326). Reading: :func:`select_list` names what to select for each stored column and
:func:`frame_from_csv` parses ``COPY ... TO STDOUT (FORMAT csv)`` with Arrow back into
the frame pyogrio would read from the GeoPackage (text without any value as object
None, times in milliseconds, geometry from WKB).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely

from geoair.errors import WorkspaceError
from geoair.messages import t
from geoair.store.gpkg import storable_frame

__all__ = [
    "Column",
    "FID",
    "GEOMETRY",
    "NUMERIC",
    "base_type",
    "csv_chunks",
    "frame_from_csv",
    "select_list",
    "table_columns",
]


GEOMETRY = "geom"
FID = "fid"
NUMERIC = ("bigint", "double precision")
_CHUNK_ROWS = 200_000


@dataclass(frozen=True)
class Column:
    """A table column: its name, its type as ``format_type()`` spells it, how to write it."""

    name: str
    pgtype: str  # as format_type() spells it
    kind: str  # bool, int, float, ts, tstz, text, geom


def _geometry_type(values: np.ndarray) -> str:
    present = values[~shapely.is_missing(values)]
    present = present[~shapely.is_empty(present)]
    if not len(present):
        return "geometry(Geometry,4326)"
    kinds = set(shapely.get_type_id(present).tolist())
    names = {
        0: "Point",
        1: "LineString",
        3: "Polygon",
        4: "MultiPoint",
        5: "MultiLineString",
        6: "MultiPolygon",
        7: "GeometryCollection",
    }
    has_z = shapely.has_z(present)
    suffix = "Z" if has_z.all() else ""
    if has_z.any() and not has_z.all():
        return "geometry"  # mixed 2-D and 3-D: no type modifier can hold both
    name = names.get(kinds.pop(), "Geometry") if len(kinds) == 1 else "Geometry"
    return f"geometry({name}{suffix},4326)"


def table_columns(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Column]]:
    """The frame as the GeoPackage stores it, and the table columns it needs."""
    geometry_name = None
    if isinstance(frame, gpd.GeoDataFrame):
        geometry_name = frame.geometry.name
        if frame.crs is None:
            raise WorkspaceError(t("error.store.no_crs_unnamed"))
        if frame.crs.to_epsg() != 4326:
            frame = frame.to_crs(4326)
    out = storable_frame(frame)
    columns: list[Column] = []
    for name in out.columns:
        if name == geometry_name:
            continue
        dtype = out[name].dtype
        if pd.api.types.is_bool_dtype(dtype):
            columns.append(Column(str(name), "boolean", "bool"))
        elif pd.api.types.is_integer_dtype(dtype):
            columns.append(Column(str(name), "bigint", "int"))
        elif pd.api.types.is_float_dtype(dtype):
            columns.append(Column(str(name), "double precision", "float"))
        elif isinstance(dtype, pd.DatetimeTZDtype):
            columns.append(Column(str(name), "timestamp with time zone", "tstz"))
        elif pd.api.types.is_datetime64_dtype(dtype):
            columns.append(Column(str(name), "timestamp without time zone", "ts"))
        else:
            columns.append(Column(str(name), "text", "text"))
    if geometry_name is not None:
        geoms = np.asarray(out.geometry.values, dtype=object)
        columns.append(Column(GEOMETRY, _geometry_type(geoms), "geom"))
    names = [c.name for c in columns]
    if FID in names or len(set(names)) != len(names):
        raise WorkspaceError(t("error.store.bad_columns", names=names, fid=FID))
    return out, columns


def _arrow(frame: pd.DataFrame, column: Column, source: str) -> pa.Array:
    if column.kind == "geom":
        geoms = shapely.set_srid(np.asarray(frame.geometry.values, dtype=object), 4326)
        # Binary EWKB, then hex in Python: 3x faster than GEOS's own hex writer.
        wkb = shapely.to_wkb(geoms, hex=False, include_srid=True)
        return pa.array([None if b is None else b.hex() for b in wkb], pa.string())
    series = frame[source]
    if column.kind == "bool":
        return pa.array(series.to_numpy(dtype=bool), pa.bool_())
    if column.kind == "int":
        return pa.array(series.to_numpy(dtype="int64"), pa.int64())
    if column.kind == "float":
        return pa.array(series.to_numpy(dtype="float64"), pa.float64(), from_pandas=True)
    if column.kind == "tstz":
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    if column.kind in ("ts", "tstz"):
        return pa.array(series.astype("datetime64[us]").to_numpy(), from_pandas=True)
    if isinstance(series.dtype, pd.StringDtype):
        return pa.array(series, pa.string(), from_pandas=True)
    values = series.to_numpy(dtype=object)
    missing = pd.isna(series).to_numpy()
    text = [
        None if gap else (v if isinstance(v, str) else str(v))
        for v, gap in zip(values, missing, strict=True)
    ]
    return pa.array(text, pa.string())


def csv_chunks(frame: pd.DataFrame, columns: list[Column], sources: list[str]) -> Iterator[bytes]:
    """The rows as PostgreSQL's CSV (null unquoted and empty, text always quoted)."""
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    for start in range(0, len(frame), _CHUNK_ROWS):
        part = frame.iloc[start : start + _CHUNK_ROWS]
        if isinstance(frame, gpd.GeoDataFrame):
            part = gpd.GeoDataFrame(part, geometry=frame.geometry.name, crs=frame.crs)
        table = pa.table(
            [_arrow(part, c, s) for c, s in zip(columns, sources, strict=True)],
            names=[f"c{i}" for i in range(len(columns))],
        )
        sink = io.BytesIO()
        pacsv.write_csv(table, sink, options)
        yield sink.getvalue()


_ARROW_TYPES: dict[str, pa.DataType] = {
    "boolean": pa.bool_(),
    "bigint": pa.int64(),
    "integer": pa.int64(),
    "smallint": pa.int64(),
    "double precision": pa.float64(),
    "real": pa.float64(),
    "numeric": pa.float64(),
    "timestamp without time zone": pa.timestamp("us"),
    "timestamp with time zone": pa.timestamp("us"),
    "date": pa.date32(),
}


def base_type(pgtype: str) -> str:
    """``geometry`` for ``geometry(Point,4326)``, and so on."""
    return pgtype.split("(")[0].strip()


def select_list(columns: list[tuple[str, str]]) -> tuple[list[Any], dict[str, pa.DataType]]:
    """What to select for each stored ``(column, type)``, and the Arrow type of each.

    Geometry comes as hex WKB, times with a zone as UTC, other types PostgreSQL has
    but geoair does not write as text.
    """
    from psycopg import sql

    selects: list[Any] = []
    types: dict[str, pa.DataType] = {}
    for number, (column, pgtype) in enumerate(columns):
        alias = f"c{number}"
        base = base_type(pgtype)
        ident = sql.Identifier(column)
        if base == "geometry":
            selects.append(sql.SQL("encode(ST_AsBinary({}), 'hex')").format(ident))
            types[alias] = pa.string()
        elif base == "timestamp with time zone":  # as UTC, made aware again on reading
            selects.append(sql.SQL("({} AT TIME ZONE 'UTC')").format(ident))
            types[alias] = _ARROW_TYPES[base]
        elif base in _ARROW_TYPES:
            selects.append(ident)
            types[alias] = _ARROW_TYPES[base]
        else:
            selects.append(sql.SQL("{}::text").format(ident))
            types[alias] = pa.string()
    return selects, types


def frame_from_csv(
    data: bytes | bytearray, columns: list[tuple[str, str]], types: dict[str, pa.DataType]
) -> gpd.GeoDataFrame | pd.DataFrame:
    """The frame of a ``COPY ... TO STDOUT (FORMAT csv)`` of :func:`select_list`."""
    aliases = [f"c{i}" for i in range(len(columns))]
    if data and aliases:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=aliases, block_size=1 << 24),
            # A row whose only value is NULL is an empty line: keep it.
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                true_values=["t"],
                false_values=["f"],
            ),
        )
    else:
        table = pa.table({a: pa.array([], types[a]) for a in aliases})
    frame = table.to_pandas()
    frame.columns = [c for c, _ in columns]
    geometry = None
    for alias, (column, pgtype) in zip(aliases, columns, strict=True):
        base = base_type(pgtype)
        if base == "geometry" and geometry is None:
            geometry = column
            continue
        if types[alias] == pa.string() and frame[column].isna().all():
            # As the GeoPackage reads back a text column without any value.
            frame[column] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        if base.startswith("timestamp"):
            frame[column] = frame[column].astype("datetime64[ms]")
            if base == "timestamp with time zone":
                frame[column] = frame[column].dt.tz_localize("UTC")
    if geometry is None:
        return frame
    hexes = frame.pop(geometry).tolist()
    wkb = np.array([bytes.fromhex(h) if isinstance(h, str) else None for h in hexes], dtype=object)
    return gpd.GeoDataFrame(
        frame, geometry=gpd.GeoSeries(shapely.from_wkb(wkb), crs=4326, index=frame.index)
    )
