"""Validated import of layers and records into a workspace.

The pipeline, one pass that collects every problem before reporting:

1. read the file (:mod:`geoair.io`), find its header (:mod:`geoair.io.headers`), match
   columns to the kind's fields (:mod:`geoair.store.schema`);
2. parse every value (:mod:`geoair.io.normalize`); a value that cannot be read rejects
   its row with the reason;
3. build geometries in WGS-84: GCJ-02/BD-09 shifted back when the user says so,
   invalid shapes repaired where that keeps their meaning, points outside China or
   with longitude and latitude swapped rejected;
4. give ids, refuse duplicates, resolve the enterprises that records name;
5. merge into the workspace in one transaction (rows whose key exists are replaced,
   so importing a file twice leaves the workspace as after the first time), and
   write the rejected rows with their row numbers and reasons to ``rejects/``.

Reasons in the rejects files are short Chinese sentences that say what is wrong and
what to do, prefixed with the field's Chinese header (``规模以上：“也许”不是是/否…``);
notes are Chinese too; errors about the whole file (:class:`InputFileError`,
:class:`SchemaError`) give a Chinese sentence, then the same in English.

:func:`prepare_rows` is the pure part (frames in, frames out); :func:`import_file`
adds reading and writing.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geoair.errors import InputFileError, SchemaError
from geoair.imports.geometry import (
    _WKT_HEADERS,
    check_geometry,
    coords_label,
    table_geometry,
    to_wgs84,
)
from geoair.imports.report import ImportReport
from geoair.io import crs as crs_mod
from geoair.io.headers import is_blank_template_row, is_note_row, locate_header, match_columns
from geoair.io.normalize import (
    EnumParser,
    clean_text,
    clean_text_column,
    parse_bool,
    parse_date,
    parse_int,
    parse_number,
    parse_transport,
    strip_control_cells,
)
from geoair.io.osm import DEFAULT_SKIP_HIGHWAY, is_osm_file, read_osm_roads
from geoair.io.paths import child
from geoair.io.readers import file_kind, read_grid, read_parquet_file, read_vector
from geoair.messages import language, t
from geoair.store.fields import import_vocabulary
from geoair.store.schema import (
    DATE_MAX_AHEAD_DAYS,
    DATE_MIN,
    LAT_HEADERS,
    LON_HEADERS,
    MEASURE,
    FieldSpec,
    TableSpec,
    spec_for,
)
from geoair.store.workspace import Workspace

__all__ = [
    "IMPORT_LOG",
    "Prepared",
    "RawTable",
    "import_file",
    "prepare_rows",
    "read_roads",
    "read_source",
]


log = logging.getLogger(__name__)

IMPORT_LOG = "import_log"


@dataclass
class Prepared:
    """What :func:`prepare_rows` makes of a source table.

    Attributes
    ----------
    rows : DataFrame or GeoDataFrame
        Rows ready for the workspace, with the schema's columns.
    rejects : DataFrame
        Refused rows: ``行号`` (row number in the file), ``原因`` (reason), then the
        original cells.
    notes : list of str
        What the user should know (assumed coordinate system, repaired shapes...), in
        Chinese.
    """

    rows: pd.DataFrame
    rejects: pd.DataFrame
    notes: list[str] = field(default_factory=list)


# --- reading the source into a raw table ---------------------------------------------


@dataclass
class RawTable:
    """A source file as cells with matched columns, before values are parsed."""

    cells: pd.DataFrame  # data rows only, index = row number in the file
    columns: dict[str, str]  # field name -> column label in cells
    geometry: gpd.GeoSeries | None = None  # for vector files, on cells' index
    file_crs: pyproj.CRS | None = None
    notes: list[str] = field(default_factory=list)


def _vocabulary(spec: TableSpec) -> dict[str, tuple[str, ...]]:
    vocab = import_vocabulary(spec)
    if spec.geometry is not None:
        vocab["_lon"] = LON_HEADERS
        vocab["_lat"] = LAT_HEADERS
        vocab["_wkt"] = _WKT_HEADERS
    return vocab


def read_source(
    spec: TableSpec,
    path: Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    layer: str | None = None,
) -> RawTable:
    """Read ``path`` and match its columns to ``spec``'s fields (no values parsed)."""
    kind = file_kind(path)
    vocab = _vocabulary(spec)
    if kind == "vector":
        if is_osm_file(path):
            if spec.name != "roads":
                raise InputFileError(t("error.import.osm_only_roads", name=path.name))
            gdf = read_osm_roads(path)
            gdf["source_row"] = range(1, len(gdf) + 1)
        else:
            gdf = read_vector(path, layer=layer, encoding=encoding)
        index = pd.Index(gdf.pop("source_row"), name="row")
        attributes = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).set_index(index)
        notes: list[str] = []
        attributes = _without_control(attributes, notes)
        mapping = match_columns([(str(c),) for c in attributes.columns], vocab)
        columns = {name: str(attributes.columns[pos]) for pos, name in mapping.items()}
        vector_geometry = gpd.GeoSeries(gdf.geometry.values, index=index, crs=gdf.crs)
        return RawTable(attributes, columns, vector_geometry, gdf.crs, notes=notes)
    if kind == "parquet":
        frame = read_parquet_file(path)
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
        notes = []
        geometry = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else None
        if geometry is not None:
            frame = pd.DataFrame(frame.drop(columns=geometry.name))
        frame = _without_control(frame, notes)
        mapping = match_columns([(str(c),) for c in frame.columns], vocab)
        columns = {name: str(frame.columns[pos]) for pos, name in mapping.items()}
        if geometry is not None:
            return RawTable(frame, columns, geometry, geometry.crs, notes=notes)
        return RawTable(frame, columns, notes=notes)
    grid = read_grid(path, encoding=encoding, sheet=sheet)
    notes = []
    grid = _without_control(grid, notes)
    block = locate_header(grid, vocab)
    body = grid.loc[grid.index > block.last_row]
    labels = [block.label(c) for c in range(grid.shape[1])]
    body = body.set_axis(_unique(labels), axis=1)
    mapping = match_columns(block.labels, vocab)
    columns = {name: body.columns[pos] for pos, name in mapping.items()}
    # Only rows with at most one filled cell can be notes, blanks or numbered empty rows.
    filled = body.notna() & body.map(lambda v: clean_text(v) is not None).astype(bool)
    sparse = filled.sum(axis=1) <= 1
    drop = []
    for row_number, row in body.loc[sparse].iterrows():
        if is_note_row(row):
            text = next(v for v in map(_free_text, row) if v)[:40]
            notes.append(t("import_note.footnote_row", row=row_number, text=text))
            drop.append(row_number)
        elif is_blank_template_row(row):
            drop.append(row_number)
    cells = body.drop(index=drop)
    cells.index.name = "row"
    return RawTable(cells, columns, notes=notes)


def _without_control(cells: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """The cells without control characters; a note says which rows held some."""
    cleaned, rows = strip_control_cells(cells)
    if rows:
        shown = "、".join(map(str, rows[:5])) + ("等" if len(rows) > 5 else "")
        notes.append(
            f"第{shown}行（共{len(rows)}行）含有看不见的控制字符（如从其他系统复制带来的），"
            "已删除后导入"
        )
    elif cleaned is not cells:
        notes.append("表头含有看不见的控制字符，已删除")
    return cleaned


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


# --- parsing values --------------------------------------------------------------------


def _parser(spec_field: FieldSpec):
    kind = spec_field.kind
    if kind == "bool":
        return parse_bool
    if kind in {"int", "float"}:
        parse = parse_int if kind == "int" else parse_number
        return functools.partial(
            _bounded,
            parse=functools.partial(parse, unit=spec_field.unit),
            low=spec_field.minimum,
            high=spec_field.maximum,
            unit=spec_field.unit,
        )
    if kind == "date":
        return _recent_date
    if kind == "enum":
        return EnumParser(spec_field.choices)
    return _free_text


def _bounded(value: object, *, parse, low: float | None, high: float | None, unit: str):
    number = parse(value)
    if number is None:
        return None
    shown = clean_text(value) or str(value)
    if low is not None and number < low:
        raise ValueError(f"“{shown}”是负数，不能小于{low:g}，请核对")
    if high is not None and number > high:
        raise ValueError(
            f"“{shown}”超过上限{high:g}{unit}，像是多打了0或单位不对，请核对（上限见 README）"
        )
    return number


def _date_bounds() -> tuple[pd.Timestamp, pd.Timestamp]:
    today = pd.Timestamp.now().normalize()
    return pd.Timestamp(DATE_MIN), today + pd.Timedelta(days=DATE_MAX_AHEAD_DAYS)


def _recent_date(value: object) -> pd.Timestamp | None:
    """:func:`parse_date`, refusing dates before 2000 or more than a year ahead."""
    date = parse_date(value)
    if date is None:
        return None
    low, high = _date_bounds()
    shown = clean_text(value) or f"{date:%Y-%m-%d}"
    if date < low:
        raise ValueError(f"“{shown}”早于{low.year}年，像是填错了年份，请核对")
    if date > high:
        raise ValueError(f"“{shown}”在今天一年以后，像是填错了年份，请核对")
    return date


def _free_text(value: object) -> str | None:
    """Free text as the user typed it (full-width punctuation kept), stripped."""
    return clean_text(value, fold=False)


def _parse_fields(spec: TableSpec, raw: RawTable, reasons: dict[int, list[str]]) -> pd.DataFrame:
    out = pd.DataFrame(index=raw.cells.index)
    for spec_field in spec.fields:
        column = raw.columns.get(spec_field.name)
        if column is None:
            out[spec_field.name] = None
            continue
        cells = raw.cells[column]
        if spec_field.kind == "str":  # free text: no parsing, one vectorised pass
            out[spec_field.name] = clean_text_column(cells)
            continue
        parse = _parser(spec_field)
        # Each distinct cell is parsed once: enumerations, yes/no and repeated dates
        # have few distinct values, so large files cost little more than reading them.
        codes, distinct = pd.factorize(cells.astype(object), use_na_sentinel=True)
        parsed: list[object] = []
        errors: dict[int, str] = {}
        for position, cell in enumerate(distinct):
            try:
                parsed.append(parse(cell))
            except ValueError as exc:
                parsed.append(None)
                errors[position] = f"{spec_field.zh}：{exc}"
        lookup = np.empty(len(parsed) + 1, dtype=object)
        lookup[:-1] = parsed
        lookup[-1] = None  # code -1: an empty cell
        out[spec_field.name] = lookup[codes]
        if errors:
            bad = np.isin(codes, list(errors))
            for row_number, code in zip(cells.index[bad], codes[bad], strict=True):
                reasons.setdefault(row_number, []).append(errors[code])
    for spec_field in spec.fields:
        if spec_field.required:
            for row_number in out.index[out[spec_field.name].isna()]:
                if not any(spec_field.zh in r for r in reasons.get(row_number, [])):
                    reasons.setdefault(row_number, []).append(
                        f"{spec_field.zh}为空，这是必填项，请补填"
                    )
    return out


def _typed(spec: TableSpec, frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for spec_field in spec.fields:
        column = out[spec_field.name]
        if spec_field.kind == "bool":
            out[spec_field.name] = column.astype("boolean")
        elif spec_field.kind == "int":
            out[spec_field.name] = column.astype("Int64")
        elif spec_field.kind == "float":
            out[spec_field.name] = pd.to_numeric(column, errors="coerce").astype("float64")
        elif spec_field.kind == "date":
            out[spec_field.name] = pd.to_datetime(column)
        else:
            out[spec_field.name] = column.astype(object).where(column.notna(), None)
    return out


# --- ids, duplicates, enterprise references -------------------------------------------------


def _stable_id(prefix: str, *parts: object) -> str:
    digest = hashlib.sha1("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:10]
    return f"{prefix}{digest}"


def _fill_ids(spec: TableSpec, rows: pd.DataFrame, geometry: gpd.GeoSeries | None) -> int:
    if "id" not in rows.columns:
        return 0
    missing = rows["id"].isna()
    for row_number in rows.index[missing]:
        geom = geometry.loc[row_number] if geometry is not None else None
        wkb = shapely.to_wkb(geom, hex=True) if geom is not None else ""
        rows.at[row_number, "id"] = _stable_id(
            spec.id_prefix, spec.name, rows.at[row_number, "name"] if "name" in rows else "", wkb
        )
    return int(missing.sum())


def _check_duplicates(spec: TableSpec, rows: pd.DataFrame, reasons: dict[int, list[str]]) -> None:
    key = [k for k in spec.key if k in rows.columns]
    if not key:
        return
    ok = rows.loc[[r for r in rows.index if not reasons.get(r)], key]
    ok = ok[ok.notna().all(axis=1)]
    ok = ok[ok.astype(str).duplicated(keep=False)]  # only rows whose key recurs
    first_seen: dict[tuple, int] = {}
    for row_number, record in zip(ok.index, ok.itertuples(index=False), strict=True):
        values = tuple(record)
        if any(v is None or (isinstance(v, float) and np.isnan(v)) for v in values):
            continue
        if values in first_seen:
            shown = "，".join(str(v) for v in values)
            reasons.setdefault(row_number, []).append(
                f"与第{first_seen[values]}行重复（{shown}），只导入第一行；"
                "如果是两条不同的记录，请更正编号"
            )
        else:
            first_seen[values] = row_number


def _name_key(name: object) -> str:
    text = clean_text(name) or ""
    return re.sub(r"[\s()（）]", "", text)


def _resolve_enterprises(
    rows: pd.DataFrame, enterprises: pd.DataFrame | None, reasons: dict[int, list[str]]
) -> None:
    """Fill enterprise_id from enterprise_name (or check the id), rejecting unknowns."""
    if enterprises is None or enterprises.empty:
        raise InputFileError(t("error.import.no_ledger"))
    by_name = {_name_key(n): i for n, i in zip(enterprises["name"], enterprises["id"], strict=True)}
    ids = set(enterprises["id"])
    names = list(enterprises["name"].dropna())
    for row_number in rows.index:
        # pandas' string columns hold NaN, not None, for empty cells
        cells: tuple[Any, Any] = (
            rows.at[row_number, "enterprise_id"],
            rows.at[row_number, "enterprise_name"],
        )
        given_id, given_name = (None if pd.isna(v) else v for v in cells)
        if given_id is not None and given_id in ids:
            continue
        if given_name is not None and _name_key(given_name) in by_name:
            rows.at[row_number, "enterprise_id"] = by_name[_name_key(given_name)]
            continue
        if given_name is None and given_id is None:
            if not any("企业名称" in r for r in reasons.get(row_number, [])):
                reasons.setdefault(row_number, []).append("企业名称为空，请填写企业名称")
            continue
        shown = given_name if given_name is not None else given_id
        close = difflib.get_close_matches(str(shown), names, n=3, cutoff=0.5)
        hint = f"最接近的名称：{'、'.join(close)}；" if close else ""
        reasons.setdefault(row_number, []).append(
            f"企业“{shown}”不在企业台账中，{hint}请更正名称或先导入该企业"
        )


# --- kind-specific finishing ---------------------------------------------------------

# Targets are set ahead (three- and five-year plans): up to 10 years after this one.
_TARGET_YEARS = 10
_PERIOD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


def _normalise_period(text: str | None) -> str | None:
    """'2020-10', '2020年10月', '2020-10/2020-12' to canonical 'YYYY-MM[/YYYY-MM]'."""
    if text is None:
        return None
    parts = re.split(r"\s*(?:/|至|~|－|—|--)\s*", text)
    out = []
    for part in parts:
        match = _PERIOD.match(part)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"“{text}”不是月份，请写成 2020-10，或时段 2020-10/2020-12")
        year = int(match.group(1))
        if year < pd.Timestamp(DATE_MIN).year or year > pd.Timestamp.now().year + _TARGET_YEARS:
            raise ValueError(
                f"“{text}”的年份不在{pd.Timestamp(DATE_MIN).year}年到"
                f"{pd.Timestamp.now().year + _TARGET_YEARS}年之间，像是填错了年份，请核对"
            )
        out.append(f"{year:04d}-{int(match.group(2)):02d}")
    return "/".join(out)


def _finish_inspections(
    rows: pd.DataFrame,
    raw: RawTable,
    record_date: str | None,
    reasons: dict[int, list[str]],
    notes: list[str],
) -> pd.DataFrame:
    closed, codes = [], []
    for row_number, value in rows["transport"].items():
        try:
            c, code = parse_transport(value)
        except ValueError as exc:
            reasons.setdefault(cast(int, row_number), []).append(f"厂区运输方式：{exc}")
            c, code = None, None
        closed.append(c)
        codes.append(code)
    rows = rows.assign(
        transport_closed=pd.array(closed, dtype="boolean"),
        transport_code=pd.array(codes, dtype="Int64"),
    )
    if "inspection_date" not in raw.columns:
        if record_date is None:
            raise InputFileError(t("error.import.no_inspection_date"))
        notes.append(t("import_note.date_from_option", date=record_date))
        rows["inspection_date"] = parse_date(record_date)
    return rows


def _finish_cases(rows: pd.DataFrame, reasons: dict[int, list[str]]) -> pd.DataFrame:
    flags = ["fixed_on_spot", "stopped", "filed"]
    canonical = dict(zip(flags, MEASURE, strict=True))
    parse_measure = EnumParser(MEASURE)
    for row_number in rows.index:
        marked = [f for f in flags if rows.at[row_number, f] is True]
        text: Any = rows.at[row_number, "measure"]  # str, or NaN/None when empty
        if not marked and not pd.isna(text) and text:
            try:
                names = {parse_measure(part) for part in re.split(r"[、,，/；;\s]+", text) if part}
            except ValueError as exc:
                reasons.setdefault(row_number, []).append(f"处理措施：{exc}")
                continue
            for flag in flags:
                rows.at[row_number, flag] = canonical[flag] in names
            marked = [f for f in flags if canonical[f] in names]
        rows.at[row_number, "measure"] = "、".join(canonical[f] for f in marked) or None
        for flag in flags:
            if rows.at[row_number, flag] is None:
                rows.at[row_number, flag] = False
    return rows


def _finish_targets(rows: pd.DataFrame, reasons: dict[int, list[str]]) -> pd.DataFrame:
    periods = []
    for row_number, text in rows["period"].items():
        try:
            periods.append(_normalise_period(text))
        except ValueError as exc:
            reasons.setdefault(cast(int, row_number), []).append(f"月份：{exc}")
            periods.append(None)
    # pandas-stubs takes no None in a list of values; pandas does (a missing value)
    return rows.assign(period=periods)  # type: ignore[arg-type]


# --- the pure pipeline ---------------------------------------------------------------


def prepare_rows(
    spec: TableSpec,
    raw: RawTable,
    *,
    coords=None,
    default_coords: str = "wgs84",
    enterprises: pd.DataFrame | None = None,
    record_date: str | None = None,
) -> Prepared:
    """Parse, check and complete the rows of a source table (no I/O).

    Parameters
    ----------
    spec : TableSpec
        The kind being imported.
    raw : RawTable
        From :func:`read_source`.
    coords : str or pyproj.CRS, optional
        ``--coords`` as parsed by :func:`geoair.io.crs.parse_coords`.
    default_coords : str
        System assumed for longitude/latitude columns when ``coords`` is None.
    enterprises : DataFrame, optional
        The workspace's enterprise ledger, to resolve names in gates and records.
    record_date : str, optional
        Inspection date for a checklist without a date column.

    Returns
    -------
    Prepared
    """
    notes = list(raw.notes)
    reasons: dict[int, list[str]] = {}
    missing_required = [f for f in spec.fields if f.required and f.name not in raw.columns]
    if missing_required and not raw.cells.empty:
        wanted_zh = "、".join(f.zh for f in missing_required)
        wanted = "、".join(f"{f.zh} ({f.name})" for f in missing_required)
        found = "、".join(map(str, raw.cells.columns))
        raise SchemaError(
            t(
                "error.import.no_column",
                wanted=wanted_zh if language() == "zh" else wanted,
                kind=spec.zh,
                found=found or t("word.none"),
            )
        )
    names_enterprise = spec.name != "enterprises" and "enterprise_name" in spec.field_names
    if (
        names_enterprise
        and not raw.cells.empty
        and not ({"enterprise_id", "enterprise_name"} & set(raw.columns))
    ):
        found = "、".join(map(str, raw.cells.columns))
        raise SchemaError(t("error.import.no_enterprise_column", found=found))
    rows = _parse_fields(spec, raw, reasons)
    geometry = None
    if spec.geometry is not None:
        if raw.geometry is not None:
            geometry = to_wgs84(raw.geometry, coords, raw.file_crs, from_table=False, notes=notes)
        else:
            system = coords if coords is not None else default_coords
            if coords is None:
                notes.append(t("import_note.default_coords", system=coords_label(system)))
            points = table_geometry(spec, raw.cells, raw.columns, reasons)
            geometry = to_wgs84(points, system, None, from_table=True, notes=notes)
        geometry = check_geometry(spec, geometry, reasons, notes)
    if spec.name == "inspections":
        rows = _finish_inspections(rows, raw, record_date, reasons, notes)
    elif spec.name == "cases":
        rows = _finish_cases(rows, reasons)
    elif spec.name == "targets":
        rows = _finish_targets(rows, reasons)
    if "enterprise_name" in rows.columns and spec.name != "enterprises":
        _resolve_enterprises(rows, enterprises, reasons)
    generated = _fill_ids(spec, rows, geometry)
    if generated:
        notes.append(t("import_note.ids_generated", n=generated))
    _check_duplicates(spec, rows, reasons)
    ignored = [c for c in raw.cells.columns if c not in raw.columns.values()]
    if ignored:
        notes.append(
            t("import_note.unused_columns", columns=t("word.list_sep").join(map(str, ignored)))
        )

    bad = [r for r in rows.index if reasons.get(r)]
    good = rows.drop(index=bad)
    good = _typed(spec, good)
    if geometry is not None:
        good = gpd.GeoDataFrame(good, geometry=geometry.drop(index=bad), crs=crs_mod.WGS84)
    good = good.reset_index(drop=True)
    rejects = raw.cells.loc[bad].astype(object).map(lambda v: "" if clean_text(v) is None else v)
    rejects.insert(0, "原因", ["；".join(reasons[r]) for r in bad])
    rejects.insert(0, "行号", bad)
    return Prepared(good, rejects.reset_index(drop=True), notes)


# --- merging into the workspace ------------------------------------------------------


def import_file(
    ws: Workspace,
    kind: str,
    path: Path | str,
    *,
    coords: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    layer: str | None = None,
    record_date: str | None = None,
    replace: bool = False,
) -> ImportReport:
    """Import one file into the workspace, all or nothing; rejected rows to ``rejects/``.

    Parameters
    ----------
    ws : Workspace
    kind : str
        One of :data:`geoair.store.schema.KINDS`.
    path : path
        The file (GeoPackage, Shapefile or zipped Shapefile, GeoJSON, KML, CSV, Excel,
        Parquet).
    coords : str, optional
        ``wgs84``, ``gcj02``, ``bd09`` or ``EPSG:n`` (see :func:`geoair.io.crs.parse_coords`).
    encoding, sheet, layer : str, optional
        How to read the file; encoding is detected when omitted.
    record_date : str, optional
        Date for a checklist without a date column.
    replace : bool
        Replace the whole layer rather than merging by key.

    Returns
    -------
    ImportReport
    """
    spec = spec_for(kind)
    path = Path(path)
    raw = read_source(spec, path, encoding=encoding, sheet=sheet, layer=layer)
    enterprises = (
        ws.read("enterprises", required=False)
        if "enterprise_name" in spec.field_names and spec.name != "enterprises"
        else None
    )
    prepared = prepare_rows(
        spec,
        raw,
        coords=crs_mod.parse_coords(coords),
        default_coords=ws.settings.workspace.default_coords,
        enterprises=enterprises,
        record_date=record_date,
    )
    # One rejects file per kind and source file: importing the same file again gives
    # the same file, and a corrected file that imports cleanly removes it.
    rejects_target = child(ws.rejects_dir, f"{spec.name}-{path.stem}", suffix=".csv")
    rejects_path = rejects_target if len(prepared.rejects) else None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        if rejects_path is not None:
            from geoair.io.writers import write_table

            write_table(prepared.rejects, rejects_path)
        # Rows are merged by key inside the transaction (not read before it), so two
        # analysts importing into one database at once lose or double no row.
        with ws.transaction() as tx:
            replaced = 0
            if replace:
                tx.write(spec.name, prepared.rows)
            elif len(prepared.rows):
                replaced = tx.merge(spec.name, prepared.rows, spec.key)
            entry = pd.DataFrame(
                {
                    "sha256": [digest],
                    "kind": [spec.name],
                    "file": [path.name],
                    "rows_imported": [len(prepared.rows)],
                    "rows_rejected": [len(prepared.rejects)],
                    "imported_at": [pd.Timestamp.now().isoformat(timespec="seconds")],
                }
            )
            tx.add_new(IMPORT_LOG, entry, ("sha256", "kind"))
    except BaseException:
        if rejects_path is not None:
            rejects_path.unlink(missing_ok=True)
        raise
    if rejects_path is None:
        rejects_target.unlink(missing_ok=True)
    report = ImportReport(
        kind=spec.name,
        source=path,
        rows_read=len(raw.cells),
        imported=len(prepared.rows),
        replaced=replaced,
        rejected=len(prepared.rejects),
        rejects_path=rejects_path,
        notes=prepared.notes,
        stored_in=spec.name,
    )
    log.info(
        "%s: %d of %d rows imported from %s", spec.name, report.imported, report.rows_read, path
    )
    return report


def read_roads(
    path: Path | str,
    *,
    coords: str | None = None,
    layer: str | None = None,
    encoding: str | None = None,
    skip_highway: Iterable[str] = DEFAULT_SKIP_HIGHWAY,
) -> gpd.GeoDataFrame:
    """Read a roads file as a roads layer: ``id``, ``name``, ``road_class``, lines in WGS-84.

    Parameters
    ----------
    path : path
        An OpenStreetMap extract, or any file ``geoair import roads`` reads.
    coords : str, optional
        The file's coordinate system when it lacks one or is shifted (``gcj02``,
        ``bd09``, ``EPSG:4547`` ...); ignored for OpenStreetMap.
    layer, encoding : str, optional
        As for ``geoair import``.
    skip_highway : iterable of str
        OpenStreetMap ``highway`` values to leave out.

    Returns
    -------
    GeoDataFrame
        In EPSG:4326. Rows the import would refuse are left out, and logged.
    """
    if is_osm_file(path):
        return read_osm_roads(path, skip_highway=skip_highway)
    spec = spec_for("roads")
    raw = read_source(spec, Path(path), encoding=encoding, layer=layer)
    prepared = prepare_rows(spec, raw, coords=crs_mod.parse_coords(coords))
    for note in prepared.notes:
        log.info("%s: %s", Path(path).name, note)
    if len(prepared.rejects):
        reasons = "; ".join(pd.unique(prepared.rejects["原因"].astype(str))[:3])
        log.warning(
            "%s: %d of %d roads left out (%s)",
            Path(path).name,
            len(prepared.rejects),
            len(raw.cells),
            reasons,
        )
    return cast(gpd.GeoDataFrame, prepared.rows)  # roads are a layer
