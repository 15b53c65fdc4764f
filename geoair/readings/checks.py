"""Checking hourly readings at scale: batches in DuckDB, then the store month by month.

:class:`HourlyChecker` takes batches of rows as text (Arrow tables of whole files, in any
layout of :mod:`geoair.readings.parse`) and, in DuckDB:

* per batch: resolves station names and times once per distinct text, unpivots the rows
  to long rows with typed values (numbers, compass directions, missing markers dropped),
  gives each its reason if it cannot be stored (unknown station, unreadable time, time
  not on the hour, unknown pollutant, not a number, negative, above the limit), spools
  them to Parquet, and compares the published AQI with geoair's hourly AQI of the same
  station-hour (HJ 633 real-time rules, :func:`geoair.readings.aqi.hourly_aqi_sql`);
* then: unit errors per file and column (a column without a declared unit whose values
  are mostly above the limit is refused whole, with one reject line), and month by
  month the duplicate station-hours, the store (a writer callback) and the published
  24-hour and 8-hour values at each day's 00:00 against the day's own hours.

Memory stays bounded by a batch and a month. :func:`parse_hourly` runs the same on one
table in memory.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from geoair.io.normalize import header_key
from geoair.readings.parse import (
    _CALM,
    _COMPASS,
    _MISSING,
    _MISSING_NUMBERS,
    _UNKNOWN_STATION,
    PUBLISHED_ITEMS,
    Layout,
    _limits,
    _literal,
    _parse_time_keys,
    _pollutant_of,
    _quote,
    _resolve_one,
    _station_lookup,
    _time_key_sql,
    _unit_factor,
    detect_layout,
    unique_labels,
)
from geoair.readings.store import HOURLY_COLUMNS, POLLUTANTS, UNITS
from geoair.store.schema import DATE_MAX_AHEAD_DAYS, DATE_MIN
from geoair.store.settings import DEFAULT_SETTINGS, ReadingsSettings

__all__ = ["CheckResult", "HourlyChecker", "Writer", "cells_to_arrow", "parse_hourly"]


# Why a row's time was refused, by the reason code of the checks.
_TIME_REASONS = {
    "time": "时间无法读取，请写成 2020-11-01 13:00",
    "hour": "时间不是整点：小时值按该小时结束的时刻标注（如 13:00），请改为整点",
    "year": f"时间早于{DATE_MIN[:4]}年或晚于明年，像是录入错误，请核对",
}


def _one_row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    """The one row an aggregate query returns."""
    row = con.execute(sql).fetchone()
    if row is None:
        raise RuntimeError(f"no row from {sql}")
    return row


_DDL = """
CREATE TABLE smap (key VARCHAR, sid INTEGER);
CREATE TABLE tmap (mode VARCHAR, key VARCHAR, time TIMESTAMP, bad UTINYINT);
CREATE TABLE pmap (ptext VARCHAR, utext VARCHAR, pcode UTINYINT, item VARCHAR,
  factor DOUBLE, col INTEGER);
CREATE TABLE problems (file_id INTEGER, row BIGINT, sid INTEGER, skey VARCHAR,
  time TIMESTAMP, tkey VARCHAR, reason VARCHAR, col INTEGER, pcode UTINYINT, text VARCHAR,
  value DOUBLE);
CREATE TABLE unit_err (file_id INTEGER, col INTEGER, n BIGINT, over BIGINT,
  first_row BIGINT, med DOUBLE);
CREATE TABLE published (file_id INTEGER, row BIGINT, sid INTEGER, time TIMESTAMP,
  item VARCHAR, value DOUBLE);
CREATE TABLE chk (file_id INTEGER, row BIGINT, sid INTEGER, time TIMESTAMP, item VARCHAR,
  published DOUBLE, computed DOUBLE);
CREATE TABLE chk_count (item VARCHAR, n BIGINT, bad BIGINT);
"""
#: Pollutant codes in the order of their names: sorting by code sorts by name.
_PCODES = {p: i for i, p in enumerate(sorted(POLLUTANTS))}
_CONCENTRATIONS = ("PM2.5", "PM10", "SO2", "NO2", "CO", "O3")
_US_H, _US_D = 3_600_000_000, 86_400_000_000


def _number_sql(text: str) -> str:
    return f"TRY_CAST(replace(trim({text}), ',', '') AS DOUBLE)"


def _wind_sql(text: str) -> str:
    cases = " ".join(f"WHEN {_literal(k)} THEN {v}" for k, v in _COMPASS.items())
    return f"CASE regexp_replace(upper(trim({text})), '风$', '') {cases} END"


def _typed_sql(source: str, limit: str, *, numeric: bool = False) -> str:
    """Long rows of ``source`` (``text``, ``pcode``, ``factor``...) with typed values,
    missing values (NA, —, -9999, calm) dropped; ``text`` kept only where not a number.
    With ``numeric``, the source also gives ``num0``, values already parsed as numbers
    (``text`` then holds only what was not)."""
    wd = _PCODES["WD"]
    words = ", ".join(_literal(w) for w in _MISSING)
    numbers = ", ".join(repr(n) for n in _MISSING_NUMBERS)
    calm = ", ".join(_literal(w) for w in _CALM)
    value = (
        f"CASE WHEN num0 IS NOT NULL THEN num0 * factor WHEN pcode = {wd} THEN "
        f"{_wind_sql('text')} ELSE {_number_sql('text')} * factor END"
    )
    missing = (
        f"CASE WHEN num0 IS NOT NULL THEN num0 IN ({numbers}) ELSE lower(trim(text)) IN "
        f"({words}) OR (pcode = {wd} AND regexp_replace(upper(trim(text)), '风$', '') IN "
        f"({calm})) OR coalesce({_number_sql('text')} IN ({numbers}), FALSE) END"
    )
    reason = (
        "CASE WHEN sid IS NULL THEN 'station' WHEN tbad = 1 THEN 'time' "
        "WHEN tbad = 2 THEN 'hour' WHEN tbad = 3 THEN 'year' WHEN pcode IS NULL THEN 'pollutant' "
        "WHEN value IS NULL THEN 'nan' WHEN value < 0 THEN 'neg' "
        f"WHEN value > {limit} THEN 'high' END"
    )
    inner = (
        f"SELECT *, TRY_CAST(text AS DOUBLE) AS num0 FROM ({source}) WHERE text IS NOT NULL"
        if not numeric
        else f"SELECT * REPLACE (coalesce(num0, TRY_CAST(text AS DOUBLE)) AS num0) "
        f"FROM ({source}) WHERE num0 IS NOT NULL OR text IS NOT NULL"
    )
    return f"""
        SELECT *, {reason} AS reason FROM (
        SELECT * EXCLUDE (num0, text, factor), value,
          CASE WHEN value IS NULL THEN text END AS text
        FROM (SELECT *, {value} AS value FROM ({inner}) WHERE NOT ({missing})))"""


@dataclass
class CheckResult:
    """What :meth:`HourlyChecker.finish` found and stored."""

    stored: int
    rejects: pd.DataFrame
    notes: list[str]
    disagreements: pd.DataFrame
    checked: dict[str, tuple[int, int]]
    span: tuple


#: ``write(con, relation, year, month)`` stores a month; the relation also has ``sid`` and
#: ``pcode``, which sort like ``station_id`` and ``pollutant`` (``ORDER BY pcode, sid, time``).
Writer = Callable[[duckdb.DuckDBPyConnection, str, int, int], int]


class HourlyChecker:
    """Check hourly readings batch by batch in DuckDB, then store them month by month.

    ``add`` takes a batch of a file's rows as text (an Arrow table with ``file_id``,
    ``row`` and the file's columns, whole files only) and its :class:`Layout`. Per
    batch: station names and times are resolved once per distinct text; the rows are
    unpivoted to long rows with typed values; a column (per file) whose values are
    mostly above the plausible limit is a unit error; impossible values, unknown
    stations and bad times are set aside with their reason; the good rows are
    spooled to Parquet; the published AQI is compared with geoair's hourly AQI of the
    same station-hour. ``finish`` then goes month by month: duplicate station-hours,
    the published 24-hour and 8-hour values against the day's own hours, and the
    month written by ``write``. Memory stays bounded by a batch and a month.

    Parameters
    ----------
    con : duckdb connection
    stations : DataFrame
        The workspace's stations (``id``, ``name``).
    settings : ReadingsSettings
        ``[readings]`` of the workspace (plausible ranges, ``unit_error_share``).
    units : dict, optional
        :func:`parse_units` of ``--units``.
    spool : path
        A folder for the batches' good rows.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        stations: pd.DataFrame,
        *,
        settings: ReadingsSettings,
        spool: Path,
        units: Mapping[str, float] | None = None,
    ) -> None:
        self.con = con
        self.settings = settings
        self.units = dict(units or {})
        self.limits = _limits(settings)
        self.share = settings.unit_error_share
        self.lookup = _station_lookup(stations)
        self.station_ids = sorted(set(stations["id"].astype(str)))
        self.sid = {s: i for i, s in enumerate(self.station_ids)}
        self.spool = Path(spool)
        self.spool.mkdir(parents=True, exist_ok=True)
        self.files: list[str] = []
        self.cols: list[tuple[str, str | None, bool]] = []  # label, pollutant, declared
        self._col_ids: dict[tuple[str, str | None, bool], int] = {}
        self.notes: list[str] = []
        self.unused: set[str] = set()
        self.ignored_types: set[str] = set()
        self._seen_s: set[str] = set()
        self._seen_t: set[tuple[str, str]] = set()
        self._seen_p: set[tuple[str, str | None]] = set()
        self._batches = 0
        con.execute(_DDL)
        con.register(
            "sids_df",
            pd.DataFrame({"sid": range(len(self.station_ids)), "station_id": self.station_ids}),
        )
        con.execute("CREATE TABLE sids AS SELECT sid::INTEGER AS sid, station_id FROM sids_df")
        con.unregister("sids_df")
        names = sorted(POLLUTANTS)
        con.execute("SET VARIABLE geoair_ids = (SELECT list(station_id ORDER BY sid) FROM sids)")
        con.execute(f"SET VARIABLE geoair_pollutants = {names!r}")
        con.execute(
            "CREATE TABLE pnames AS SELECT CAST(generate_subscripts(l, 1) - 1 AS UTINYINT) "
            f"AS pcode, unnest(l) AS pollutant FROM (SELECT {names!r} AS l)"
        )

    # -- resolving distinct texts ------------------------------------------------------

    def add_file(self, name: str) -> int:
        """Register a file; returns its ``file_id``."""
        self.files.append(name)
        return len(self.files) - 1

    def _col(self, label: str, pollutant: str | None, declared: bool) -> int:
        key = (label, pollutant, declared)
        if key not in self._col_ids:
            self._col_ids[key] = len(self.cols)
            self.cols.append(key)
        return self._col_ids[key]

    def _resolve_stations(self, view: str) -> None:
        new = [
            k
            for (k,) in self.con.execute(f"SELECT DISTINCT skey FROM {view}").fetchall()
            if k is not None and k not in self._seen_s
        ]
        if not new:
            return
        self._seen_s.update(new)
        sids = []
        for key in new:
            code, _, name = key.partition("\x1f")
            station = _resolve_one(self.lookup, code) or _resolve_one(self.lookup, name)
            sids.append(self.sid.get(station) if station is not None else None)
        frame = pd.DataFrame({"key": new, "sid": pd.array(sids, dtype="Int32")})
        self.con.register("new_s", frame)
        self.con.execute("INSERT INTO smap SELECT key, sid FROM new_s")
        self.con.unregister("new_s")

    def _resolve_times(self, view: str, mode: str) -> None:
        new = [
            k
            for (k,) in self.con.execute(f"SELECT DISTINCT tkey FROM {view}").fetchall()
            if k is not None and (mode, k) not in self._seen_t
        ]
        if not new:
            return
        self._seen_t.update((mode, k) for k in new)
        times = _parse_time_keys(pd.Series(new, dtype="string"), mode)
        off_hour = times.notna() & ((times.dt.minute != 0) | (times.dt.second != 0))
        latest = pd.Timestamp.now().normalize() + pd.Timedelta(days=DATE_MAX_AHEAD_DAYS)
        implausible = times.notna() & ((times < pd.Timestamp(DATE_MIN)) | (times > latest))
        bad = np.select([times.isna(), off_hour, implausible], [1, 2, 3], 0).astype("uint8")
        frame = pd.DataFrame({"mode": mode, "key": new, "time": times, "bad": bad})
        self.con.register("new_t", frame)
        self.con.execute("INSERT INTO tmap SELECT mode, key, time, bad FROM new_t")
        self.con.unregister("new_t")

    def _resolve_pollutants(self, view: str, with_unit: bool) -> None:
        unit = "utext" if with_unit else "NULL"
        pairs = self.con.execute(f"SELECT DISTINCT ptext, {unit} FROM {view}").fetchall()
        rows = []
        for ptext, utext in pairs:
            if (ptext, utext) in self._seen_p or ptext is None:
                continue
            self._seen_p.add((ptext, utext))
            pollutant = _pollutant_of(ptext)
            item = None
            if pollutant is None:
                key = header_key(ptext)
                item = next(
                    (i for i, hs in PUBLISHED_ITEMS.items() if key in {header_key(h) for h in hs}),
                    None,
                )
            factor, declared = 1.0, False
            if pollutant in self.units:
                factor, declared = self.units[pollutant], True
            elif pollutant is not None and utext:
                factor, note = _unit_factor(f"{pollutant}({utext})", pollutant)
                declared = True
                if note:
                    self.notes.append(note.replace("”列的单位", "”的单位"))
            if pollutant is None and item is None and not with_unit:
                self.ignored_types.add(str(ptext))
            col = self._col(str(ptext), pollutant, declared)
            pcode = _PCODES.get(pollutant) if pollutant else None
            rows.append((ptext, utext, pcode, item, factor, col))
        if rows:
            frame = pd.DataFrame(
                rows, columns=["ptext", "utext", "pcode", "item", "factor", "col"]
            ).astype({"pcode": "Int64"})
            self.con.register("new_p", frame)
            self.con.execute(
                "INSERT INTO pmap SELECT ptext, utext, pcode::UTINYINT, item, factor, col "
                "FROM new_p"
            )
            self.con.unregister("new_p")

    # -- batches -----------------------------------------------------------------------

    def add(self, batch: pa.Table, layout: Layout) -> None:
        """Check a batch of whole files' rows (``file_id``, ``row`` and the columns, as text)."""
        if batch.num_rows == 0:
            return
        con = self.con
        self._batches += 1
        self.unused.update(layout.unused)
        con.register("batch", batch)
        self._schema = batch.schema
        mode = layout.time_mode
        tkey = _time_key_sql(layout)
        keys = f"{tkey} AS tkey"
        if layout.kind != "by_station":
            skey = f"trim({_quote(layout.station)})"
            if layout.station_name:
                name = _quote(layout.station_name)
                skey = f"coalesce({skey}, '') || chr(31) || coalesce(trim({name}), '')"
            keys += f", {skey} AS skey"
        try:
            con.execute(f"CREATE OR REPLACE TEMP VIEW b AS SELECT *, {keys} FROM batch")
            self._resolve_times("b", mode)
            joins = f"LEFT JOIN tmap t ON t.mode = '{mode}' AND t.key = b.tkey"
            head = (
                "b.file_id, b.row, t.time, coalesce(t.bad, 1) AS tbad, "
                "CASE WHEN coalesce(t.bad, 1) > 0 THEN b.tkey END AS tkey"
            )
            if layout.kind == "by_station":
                self._by_station(layout, head, joins)
            else:
                self._resolve_stations("b")
                joins += " LEFT JOIN smap s ON s.key = b.skey"
                head += ", s.sid, CASE WHEN s.sid IS NULL THEN b.skey END AS skey"
                if layout.kind == "wide":
                    self._wide(layout, head, joins)
                else:
                    self._long(layout, head, joins)
        finally:
            con.unregister("batch")

    def _wide(self, layout: Layout, head: str, joins: str) -> None:
        cols, pcodes, factors, texts = [], [], [], []
        for pollutant, label in layout.pollutants:
            factor, note = self.units.get(pollutant), None
            declared = factor is not None
            if factor is None:
                factor, note = _unit_factor(label, pollutant)
                declared = note is not None
            elif factor != 1.0:
                note = (
                    f"“{label}”按 --units 声明的单位读取：{pollutant} 已换算为 "
                    f"{UNITS[pollutant]}（×{factor:g}）"
                )
            if note:
                self.notes.append(note)
            cols.append(self._col(label, pollutant, declared))
            pcodes.append(_PCODES[pollutant])
            factors.append(float(factor))
            texts.append(f"b.{_quote(label)}")
        # Columns parsed as numbers already (pyarrow, see importing) and text columns
        # (a compass direction, or a file with words among its numbers) separately.
        types = dict(zip(self._schema.names, self._schema.types, strict=True))
        numeric = [pa.types.is_floating(types[label]) for _, label in layout.pollutants]
        sources = []
        for want in (True, False):
            pick = [i for i, n in enumerate(numeric) if n == want]
            if not pick:
                continue
            values = "[" + ", ".join(texts[i] for i in pick) + "]"
            sources.append(
                f"SELECT {head}, unnest({[cols[i] for i in pick]}::INTEGER[]) AS col, "
                f"unnest({[pcodes[i] for i in pick]}::UTINYINT[]) AS pcode, "
                f"unnest({[factors[i] for i in pick]}::DOUBLE[]) AS factor, "
                + (
                    f"unnest({values}::DOUBLE[]) AS num0, NULL::VARCHAR AS text"
                    if want
                    else f"unnest({values}) AS text, NULL::DOUBLE AS num0"
                )
                + f" FROM b {joins}"
            )
        source = " UNION ALL BY NAME ".join(f"SELECT * FROM ({q})" for q in sources)
        self._emit(_typed_sql(source, self._limit_sql("pcode"), numeric=True))
        if not layout.published:
            return
        items = [item for item, _ in layout.published]
        labels = [
            f"b.{_quote(label)}"
            if pa.types.is_floating(types[label])
            else _number_sql(f"b.{_quote(label)}")
            for _, label in layout.published
        ]
        self.con.execute(f"""
            INSERT INTO published SELECT * FROM (
              SELECT b.file_id, b.row, s.sid, t.time, unnest({items!r}) AS item,
                unnest([{", ".join(f"CAST({x} AS DOUBLE)" for x in labels)}]) AS value
              FROM b {joins} WHERE s.sid IS NOT NULL AND t.bad = 0 AND hour(t.time) = 0)
            WHERE value IS NOT NULL AND item NOT IN ('AQI', 'O3_8h_24h')""")
        if "AQI" in items:  # row by row: the hour's AQI from the same row's values
            aqi_label = dict(layout.published)["AQI"]
            raw, typed = [], []
            for i, ((pollutant, label), factor) in enumerate(
                zip(layout.pollutants, factors, strict=True)
            ):
                if pollutant in _CONCENTRATIONS:
                    raw.append(f"TRY_CAST(b.{_quote(label)} AS DOUBLE) * {factor} AS v{i}")
                    limit = self.limits[pollutant]
                    typed.append(
                        f'CASE WHEN v{i} BETWEEN 0 AND {limit} THEN v{i} END AS "{pollutant}"'
                    )
            self._aqi_check(
                f"SELECT file_id, row, sid, time, published, {', '.join(typed)} FROM ("
                f"SELECT b.file_id, b.row, s.sid, t.time, TRY_CAST(b.{_quote(aqi_label)} AS "
                f"DOUBLE) AS published, {', '.join(raw)} FROM b {joins} "
                "WHERE s.sid IS NOT NULL AND t.bad = 0)",
                [p for p, _ in layout.pollutants if p in _CONCENTRATIONS],
            )

    def _long(self, layout: Layout, head: str, joins: str) -> None:
        unit = f", trim({_quote(layout.unit)}) AS utext" if layout.unit else ", NULL AS utext"
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW bp AS SELECT DISTINCT trim({_quote(layout.pollutant)}) "
            f"AS ptext{unit} FROM b"
        )
        self._resolve_pollutants("bp", True)
        unit_of_b = f"trim(b.{_quote(layout.unit)})" if layout.unit else "NULL"
        source = (
            f"SELECT {head}, p.col, p.pcode, p.factor, b.{_quote(layout.value)} AS text "
            f"FROM b {joins} LEFT JOIN pmap p ON p.ptext = trim(b.{_quote(layout.pollutant)}) "
            f"AND p.utext IS NOT DISTINCT FROM {unit_of_b} WHERE p.item IS NULL"
        )
        self._emit(_typed_sql(source, self._limit_sql("pcode")))

    def _by_station(self, layout: Layout, head: str, joins: str) -> None:
        con = self.con
        cols = ", ".join(_quote(c) for c in layout.station_columns)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE bu AS SELECT * FROM (UNPIVOT (SELECT file_id, row, "
            f"tkey, trim({_quote(layout.type)}) AS ptext, {cols} FROM b) ON {cols} "
            "INTO NAME skey VALUE text)"
        )
        con.execute("CREATE OR REPLACE TEMP VIEW bp AS SELECT DISTINCT ptext FROM bu")
        self._resolve_pollutants("bp", False)
        self._resolve_stations("bu")
        joins = joins.replace("b.tkey", "bu.tkey") + " LEFT JOIN smap s ON s.key = bu.skey"
        head = head.replace("b.", "bu.") + (
            ", s.sid, CASE WHEN s.sid IS NULL THEN bu.skey END AS skey"
        )
        pjoin = "JOIN pmap p ON p.ptext = bu.ptext AND p.utext IS NULL"
        # The station columns parsed as numbers (pyarrow, see importing) or as text.
        numeric = all(
            pa.types.is_floating(self._schema.field(c).type) for c in layout.station_columns
        )
        value = "bu.text AS num0, NULL::VARCHAR AS text" if numeric else "bu.text"
        source = (
            f"SELECT {head}, p.col, p.pcode, p.factor, {value} FROM bu {joins} {pjoin} "
            "WHERE p.pcode IS NOT NULL"
        )
        typed = _typed_sql(source, self._limit_sql("pcode"), numeric=numeric)
        con.execute(f"CREATE OR REPLACE TEMP TABLE bl AS {typed}")
        self._emit("SELECT * FROM bl")
        number = "bu.text" if numeric else _number_sql("bu.text")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE bpub AS SELECT bu.file_id, bu.row, s.sid, t.time,
              p.item, {number} AS value
            FROM bu {joins} {pjoin}
            WHERE p.item IS NOT NULL AND s.sid IS NOT NULL AND t.bad = 0
              AND {number} IS NOT NULL""")
        con.execute(
            "INSERT INTO published SELECT * FROM bpub WHERE item NOT IN ('AQI', 'O3_8h_24h') "
            "AND hour(time) = 0"
        )
        names = sorted(_CONCENTRATIONS)
        pivot = ", ".join(
            f"max(value) FILTER (WHERE pcode = {_PCODES[p]} AND value >= 0 "
            f'AND value <= {self.limits[p]}) AS "{p}"'
            for p in names
        )
        self._aqi_check(
            f"SELECT a.file_id, a.row, a.sid, a.time, a.value AS published, v.* EXCLUDE (sid, time)"
            f" FROM bpub a JOIN (SELECT sid, time, {pivot} FROM bl WHERE sid IS NOT NULL "
            "AND tbad = 0 GROUP BY sid, time) v USING (sid, time) WHERE a.item = 'AQI'",
            names,
        )
        for table in ("bu", "bpub", "bl"):
            con.execute(f"DROP TABLE {table}")

    def _aqi_check(self, source: str, pollutants: list[str]) -> None:
        """Published AQI against :func:`geoair.readings.aqi.hourly_aqi_sql` of the values."""
        from geoair.readings.aqi import hourly_aqi_sql

        aqi = hourly_aqi_sql({p: f'"{p}"' for p in pollutants})
        # SO2 above 800: the 24-hour SO2 decides (not known here): not compared.
        so2 = 'coalesce("SO2" > 800, FALSE)' if "SO2" in pollutants else "FALSE"
        self.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE bchk AS SELECT file_id, row, sid, time,
              published, {aqi} AS computed, {so2} AS skip FROM ({source})
            WHERE published IS NOT NULL""")
        self.con.execute("""
            INSERT INTO chk SELECT file_id, row, sid, time, 'AQI', published, computed
            FROM bchk WHERE NOT skip AND computed IS NOT NULL AND computed <> published""")
        self.con.execute("""
            INSERT INTO chk_count SELECT 'AQI', count(*) FILTER (WHERE NOT skip AND computed
              IS NOT NULL), count(*) FILTER (WHERE NOT skip AND computed <> published)
            FROM bchk""")
        self.con.execute("DROP TABLE bchk")

    def _limit_sql(self, column: str) -> str:
        cases = " ".join(f"WHEN {_PCODES[p]} THEN {v!r}" for p, v in self.limits.items())
        return f"(CASE {column} {cases} END)"

    def _emit(self, typed: str) -> None:
        """Spool a batch's long rows (good ones and problems, with their reason)."""
        target = self.spool / f"batch_{self._batches:06d}.parquet"
        self.con.execute(
            f"COPY ({typed}) TO '{target.as_posix()}' (FORMAT parquet, COMPRESSION snappy)"
        )

    def _judge_columns(self, spool: str) -> None:
        """Unit errors per file and column (a column without a declared unit whose values
        are mostly above the limit), then the problems set aside, from the spool."""
        con = self.con
        declared = [i for i, (_, _, d) in enumerate(self.cols) if d] or [-1]
        conc = ", ".join(str(_PCODES[p]) for p in _CONCENTRATIONS)
        lim = self._limit_sql("pcode")
        con.execute(f"""
            INSERT INTO unit_err
            SELECT file_id, col, count(*) AS n, count(*) FILTER (WHERE value > {lim}) AS over,
              min(row) AS first_row, NULL AS med
            FROM read_parquet('{spool}') WHERE value IS NOT NULL AND pcode IN ({conc})
              AND col NOT IN ({", ".join(map(str, declared))})
            GROUP BY file_id, col
            HAVING count(*) FILTER (WHERE value > {lim}) > {self.share} * count(*)""")
        con.execute(f"""
            UPDATE unit_err u SET med = (SELECT median(value) FROM read_parquet('{spool}') s
              WHERE s.file_id = u.file_id AND s.col = u.col)""")
        con.execute(f"""
            INSERT INTO problems SELECT s.file_id, s.row, s.sid, s.skey, s.time, s.tkey,
              s.reason, s.col, s.pcode, s.text, s.value FROM read_parquet('{spool}') s
            WHERE s.reason IS NOT NULL AND NOT (s.reason IN ('nan', 'neg', 'high')
              AND EXISTS (SELECT 1 FROM unit_err u WHERE u.file_id = s.file_id
              AND u.col = s.col))""")

    # -- month by month ----------------------------------------------------------------

    def finish(self, write: Writer) -> CheckResult:
        """Duplicates, published 24-hour values and the store, month by month; then the
        rejects. ``write(con, relation, year, month)`` stores one month's good rows
        (``station_id, time, pollutant, value``) and returns how many it wrote."""
        con = self.con
        stored, first, last = 0, None, None
        stations: set[int] = set()
        months = [
            (int(y), int(m))
            for y, m in con.execute(
                "SELECT DISTINCT year(time - INTERVAL 1 HOUR), month(time - INTERVAL 1 HOUR) "
                "FROM tmap WHERE bad = 0 ORDER BY 1, 2"
            ).fetchall()
        ]
        con.execute(
            "CREATE TABLE dups (file_id INTEGER, row BIGINT, sid INTEGER, time TIMESTAMP, "
            "pcode UTINYINT, value DOUBLE, nv BIGINT, k BIGINT, first_row BIGINT, rows VARCHAR)"
        )
        spool = (self.spool / "*.parquet").as_posix()
        has_spool = any(self.spool.glob("*.parquet"))
        if has_spool:
            self._judge_columns(spool)
        unit_errors = _one_row(con, "SELECT count(*) FROM unit_err")[0]
        skip_units = (
            " AND NOT EXISTS (SELECT 1 FROM unit_err u WHERE u.file_id = s.file_id "
            "AND u.col = s.col)"
            if unit_errors
            else ""
        )
        for year, month in months if has_spool else []:
            lo = pd.Timestamp(year=year, month=month, day=1) + pd.Timedelta(hours=1)
            hi = lo + pd.offsets.MonthBegin(1) - pd.Timedelta(hours=1)
            window = f"time >= TIMESTAMP '{lo}' AND time <= TIMESTAMP '{hi}'"
            con.execute(
                "CREATE OR REPLACE TEMP TABLE mon AS SELECT sid, time, pcode, value "
                f"FROM read_parquet('{spool}') s WHERE {window} AND reason IS NULL{skip_units}"
            )
            # One pass for the span, the stations and whether any station-hour comes
            # twice (one 64-bit key per value: station, hour and pollutant); only then
            # the duplicates are looked for one by one.
            key = f"(sid::BIGINT << 32) + (epoch_us(time) // {_US_H}) * 8 + pcode"
            lo_t, hi_t, n_rows, n_keys, sids = _one_row(
                con,
                f"SELECT min(time), max(time), count(*), count(DISTINCT {key}), "
                "list(DISTINCT sid) FROM mon",
            )
            con.execute(
                "CREATE OR REPLACE TEMP TABLE mdup (sid INTEGER, time TIMESTAMP, "
                "pcode UTINYINT, nv BIGINT)"
            )
            if n_rows != n_keys:
                con.execute("""
                    INSERT INTO mdup SELECT sid, time, pcode, count(DISTINCT value) AS nv
                    FROM mon GROUP BY ALL HAVING count(*) > 1""")
            if n_rows != n_keys:  # rare: their files and rows, from the spool again
                con.execute(f"""
                    INSERT INTO dups SELECT m.file_id, m.row, m.sid, m.time, m.pcode, m.value,
                      d.nv, row_number() OVER w AS k, first(m.row) OVER w AS first_row,
                      string_agg(m.row::VARCHAR, '、') OVER (PARTITION BY m.sid, m.time,
                        m.pcode ORDER BY m.file_id, m.row ROWS BETWEEN UNBOUNDED PRECEDING
                        AND UNBOUNDED FOLLOWING) AS rows
                    FROM (SELECT * FROM read_parquet('{spool}') s WHERE {window}
                      AND reason IS NULL{skip_units}) m JOIN mdup d USING (sid, time, pcode)
                    WINDOW w AS (PARTITION BY m.sid, m.time, m.pcode ORDER BY m.file_id, m.row)
                    """)
                con.execute(f"""
                    CREATE OR REPLACE TEMP TABLE mon AS
                    SELECT * FROM mon ANTI JOIN mdup USING (sid, time, pcode)
                    UNION ALL SELECT sid, time, pcode, value FROM dups
                    WHERE nv = 1 AND k = 1 AND {window}""")
            con.execute("""
                CREATE OR REPLACE TEMP VIEW month_rows AS SELECT
                  getvariable('geoair_ids')[sid + 1] AS station_id, time,
                  getvariable('geoair_pollutants')[pcode + 1] AS pollutant, value, sid, pcode
                FROM mon""")
            stored += write(con, "month_rows", year, month)
            first = lo_t if first is None or (lo_t is not None and lo_t < first) else first
            last = hi_t if last is None or (hi_t is not None and hi_t > last) else last
            stations.update(sids or [])
            self._check_days(window)
        rejects = self._rejects()
        disagreements, checked = self._disagreements()
        notes = list(dict.fromkeys(self.notes))
        if self.unused:
            notes.append("未导入的列（geoair 不存这些数据）：" + "、".join(sorted(self.unused)))
        if self.ignored_types:
            notes.append("未识别的类型（type）行，未导入：" + "、".join(sorted(self.ignored_types)))
        notes += self._gaps()
        return CheckResult(
            stored, rejects, notes, disagreements, checked, (first, last, len(stations))
        )

    def _check_days(self, window: str) -> None:
        """The month's published 24-hour means (``PM2.5_24h`` … ``CO_24h``, ``O3_24h``) and
        ``O3_8h`` at each day's 00:00 label, where the window is the calendar day (or its
        last 8 hours), against the day's own hours when all of them are there: within half
        the last digit (the publisher's rounding is not stated). ``O3_8h_24h`` is not
        compared: what the platform means by it is not stated."""
        con = self.con
        if not _one_row(con, f"SELECT count(*) FROM published WHERE {window}")[0]:
            return
        o3 = _PCODES["O3"]
        pcode = " ".join(
            f"WHEN '{p}_24h' THEN {_PCODES[p]}" for p in ("PM2.5", "PM10", "SO2", "NO2", "CO")
        )
        hour_of_day = f"((epoch_us(time) - {_US_H}) // {_US_H}) % 24"
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE dchk AS
            WITH pub AS (SELECT *, (epoch_us(time) - {_US_H}) // {_US_D} AS d,
                CASE item {pcode} ELSE {o3} END AS pcode FROM published WHERE {window}),
            days AS (
              SELECT sid, pcode, (epoch_us(time) - {_US_H}) // {_US_D} AS d,
                sum(value) AS s, count(*) AS n,
                sum(value) FILTER (WHERE {hour_of_day} >= 16) AS s8,
                count(*) FILTER (WHERE {hour_of_day} >= 16) AS n8
              FROM mon WHERE pcode IN (SELECT DISTINCT pcode FROM pub)
              GROUP BY ALL),
            cmp AS (
              SELECT p.file_id, p.row, p.sid, p.time, p.item, p.value AS published,
                CASE WHEN p.item = 'O3_8h' THEN CASE WHEN k.n8 = 8 THEN k.s8 / 8 END
                ELSE CASE WHEN k.n = 24 THEN k.s / 24 END END AS computed,
                CASE WHEN p.item = 'CO_24h' THEN 0.050001 ELSE 0.500001 END AS tol
              FROM pub p LEFT JOIN days k USING (sid, pcode, d))
            SELECT *, abs(published - computed) <= tol AS ok
            FROM cmp WHERE computed IS NOT NULL""")
        con.execute("""
            INSERT INTO chk SELECT file_id, row, sid, time, item, published, computed
            FROM dchk WHERE NOT ok""")
        con.execute("""
            INSERT INTO chk_count SELECT item, count(*), count(*) FILTER (WHERE NOT ok)
            FROM dchk GROUP BY item""")

    def _disagreements(self) -> tuple[pd.DataFrame, dict[str, tuple[int, int]]]:
        con = self.con
        counts = {
            item: (int(n), int(bad))
            for item, n, bad in con.execute(
                "SELECT item, sum(n), sum(bad) FROM chk_count GROUP BY item ORDER BY item"
            ).fetchall()
            if n
        }
        bad = con.execute("""
            SELECT c.*, s.station_id FROM chk c JOIN sids s USING (sid)
            ORDER BY file_id, row, item""").df()
        out = pd.DataFrame(
            {
                "文件": [self.files[i] for i in bad["file_id"]],
                "行号": bad["row"],
                "站点": bad["station_id"],
                "时间": bad["time"].dt.strftime("%Y-%m-%d %H:%M"),
                "项目": bad["item"],
                "发布值": bad["published"],
                "geoair计算值": bad["computed"].round(3),
            }
        )
        return out, counts

    def _gaps(self) -> list[str]:
        """Hours inside the imported span with no value at any station (a missing file)."""
        times = self.con.execute("SELECT DISTINCT time FROM tmap WHERE bad = 0").df()["time"]
        if len(times) < 2 or len(times) > 24 * 366 * 5:
            return []
        full = pd.date_range(times.min(), times.max(), freq="h")
        missing = full.difference(pd.DatetimeIndex(times))
        if missing.empty or len(missing) > len(full) / 2:
            return []
        shown = "、".join(f"{t:%Y-%m-%d %H:%M}" for t in missing[:5])
        return [
            f"{len(missing)}个整点没有任何站点的数据（缺少该小时的文件？）：{shown}"
            + ("等" if len(missing) > 5 else "")
        ]

    # -- the rejects ---------------------------------------------------------------------

    def _rejects(self) -> pd.DataFrame:
        con = self.con
        frames = []
        cols = pd.DataFrame(self.cols, columns=["ptext", "pollutant", "declared"])
        ptext = cols["ptext"].to_numpy(dtype=object) if len(cols) else np.array([], dtype=object)
        sid_name = np.array(self.station_ids + [""], dtype=object)

        def station_of(sid: pd.Series) -> np.ndarray:
            return sid_name[sid.fillna(len(self.station_ids)).astype(int).to_numpy()]

        def text_of(col: pd.Series) -> np.ndarray:
            return np.array([ptext[int(c)] if pd.notna(c) else "" for c in col], dtype=object)

        unknown = con.execute("""
            SELECT file_id, min(row) AS row, skey, count(DISTINCT row) AS n FROM problems
            WHERE reason = 'station' GROUP BY file_id, skey ORDER BY file_id, row""").df()
        if len(unknown):
            shown = (
                unknown["skey"]
                .fillna("")
                .str.split("\x1f")
                .map(lambda parts: " / ".join(p for p in parts if p))
            )
            more = np.where(unknown["n"] > 1, "（本文件共" + unknown["n"].astype(str) + "行）", "")
            frames.append(
                pd.DataFrame(
                    {
                        "file_id": unknown["file_id"],
                        "行号": unknown["row"],
                        "站点": shown,
                        "时间": "",
                        "污染物": "",
                        "值": "",
                        "原因": _UNKNOWN_STATION + more,
                    }
                )
            )
            names = sorted(set(shown))
            self.notes.append(
                f"{len(names)}个站点不在工作区的站点图层中，其数据未导入："
                + "、".join(names[:10])
                + ("等" if len(names) > 10 else "")
                + "。站点名称或编号须与站点图层一致：请先导入站点表（geoair import stations "
                "FILE，列：站点编号、站点名称、经度、纬度），或把文件中的站点名改成图层中的名称"
            )
        times = con.execute("""
            SELECT DISTINCT file_id, row, sid, skey, tkey, reason FROM problems
            WHERE reason IN ('time', 'hour', 'year') ORDER BY file_id, row""").df()
        if len(times):
            frames.append(
                pd.DataFrame(
                    {
                        "file_id": times["file_id"],
                        "行号": times["row"],
                        "站点": station_of(times["sid"]),
                        "时间": times["tkey"].fillna("").str.replace("|", " ", regex=False),
                        "污染物": "",
                        "值": "",
                        "原因": times["reason"].map(_TIME_REASONS),
                    }
                )
            )
        errs = con.execute("SELECT * FROM unit_err ORDER BY file_id, col").df()
        # Only columns of a known pollutant are judged for their unit.
        judged = [(r, *self.cols[int(r["col"])][:2]) for r in errs.to_dict("records")]
        for r, label, pollutant in judged:
            if pollutant is None:
                continue
            limit, unit = self.limits[pollutant], UNITS[pollutant]
            hint = (
                "像是按 µg/m³ 填的；请核对后加 --units CO=ug/m3 重新导入"
                if pollutant == "CO"
                else f"像是单位错了；请核对后加 --units {pollutant}=ug/m3（或 mg/m3）重新导入"
            )
            frames.append(
                pd.DataFrame(
                    {
                        "file_id": [r["file_id"]],
                        "行号": [r["first_row"]],
                        "站点": [""],
                        "时间": [""],
                        "污染物": [label],
                        "值": [f"中位数 {r['med']:g}"],
                        "原因": [
                            f"“{label}”列的数值大多超过 {limit:g} {unit}"
                            f"（{r['over']}/{r['n']} 个），{hint}；整列未导入"
                        ],
                    }
                )
            )
        if len(errs):
            by_label: dict[tuple[str, str], list[str]] = {}
            for r, label, pollutant in judged:
                if pollutant is not None:
                    by_label.setdefault((label, pollutant), []).append(self.files[r["file_id"]])
            for (label, pollutant), files in by_label.items():
                self.notes.append(
                    f"“{label}”列的数值大多超过 {self.limits[pollutant]:g} "
                    f"{UNITS[pollutant]}，判为单位错误，整列未导入（{len(files)}个文件，见 "
                    f"rejects）；如果单位是 µg/m³，请加 --units {pollutant}=ug/m3 重新导入"
                )
        values = con.execute("""
            SELECT file_id, row, sid, time, col, coalesce(text, value::VARCHAR) AS text, reason,
              pcode FROM problems WHERE reason IN ('nan', 'neg', 'high', 'pollutant')
            ORDER BY file_id, row""").df()
        if len(values):
            pollutant_names = {v: k for k, v in _PCODES.items()}
            reasons = [
                self._value_reason(r, pollutant_names.get(int(p)) if pd.notna(p) else None)
                for r, p in zip(values["reason"], values["pcode"], strict=True)
            ]
            frames.append(
                pd.DataFrame(
                    {
                        "file_id": values["file_id"],
                        "行号": values["row"],
                        "站点": station_of(values["sid"]),
                        "时间": values["time"].dt.strftime("%Y-%m-%d %H:%M").fillna(""),
                        "污染物": text_of(values["col"]),
                        "值": values["text"],
                        "原因": reasons,
                    }
                )
            )
        dups = con.execute("""
            SELECT d.*, p.col FROM dups d LEFT JOIN (SELECT DISTINCT pcode, col FROM pmap
              WHERE pcode IS NOT NULL) p USING (pcode)
            WHERE NOT (nv = 1 AND k = 1) ORDER BY file_id, row""").df()
        if len(dups):
            pollutant_names = {v: k for k, v in _PCODES.items()}
            same = dups["nv"] == 1
            reason = np.where(
                same,
                "与第" + dups["first_row"].astype(str) + "行重复（数值相同），只保留一次",
                "同一站点同一小时在第"
                + dups["rows"].astype(str)
                + "行有不同的数值，请只保留正确的一行后重新导入",
            )
            frames.append(
                pd.DataFrame(
                    {
                        "file_id": dups["file_id"],
                        "行号": dups["row"],
                        "站点": station_of(dups["sid"]),
                        "时间": dups["time"].dt.strftime("%Y-%m-%d %H:%M"),
                        "污染物": [pollutant_names[int(p)] for p in dups["pcode"]],
                        "值": dups["value"].map(lambda v: f"{v:g}"),
                        "原因": reason,
                    }
                )
            )
        columns = ["文件", "行号", "站点", "时间", "污染物", "值", "原因"]
        if not frames:
            return pd.DataFrame(columns=columns)
        out = pd.concat(frames, ignore_index=True)
        out = out.sort_values(["file_id", "行号", "污染物"], kind="stable").reset_index(drop=True)
        out.insert(0, "文件", [self.files[i] for i in out.pop("file_id")])
        return out[columns]

    def _value_reason(self, reason: str, pollutant: str | None) -> str:
        if reason == "pollutant" or pollutant is None:
            return "污染物名称无法识别，请填写 PM2.5、PM10、SO2、NO2、CO、O3、风速或风向"
        if reason == "nan":
            return "数值不是数字，请填写数字"
        if reason == "neg":
            return "数值为负，浓度等监测值不可能小于0，请核对"
        high = self.limits[pollutant]
        if pollutant == "CO":
            return (
                f"CO超过{high:g} mg/m³，像是按 µg/m³ 填的；CO应以 mg/m³ 为单位：请除以"
                "1000，或把列名写成 CO(μg/m³)（或加 --units CO=ug/m3）后重新导入"
            )
        if pollutant == "WD":
            return "风向超过360°，请核对（风向为0–360°）"
        return (
            f"{pollutant}超过{high:g} {UNITS[pollutant]}，实际不可能出现，请核对单位和仪器"
            "（上限见 geoair.toml 的 [readings]）"
        )


def _as_text(column: pd.Series) -> pd.Series:
    """A column of cells as text (None for empty), times written as 2020-11-01 13:00:00."""
    if pd.api.types.is_datetime64_any_dtype(column):
        values = column
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
        return values.dt.strftime("%Y-%m-%d %H:%M:%S").astype(object).where(values.notna(), None)

    def one(v: object) -> str | None:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT or v is pd.NA:
            return None
        if isinstance(v, pd.Timestamp):
            if v.tzinfo is not None:
                v = v.tz_convert("Asia/Shanghai").tz_localize(None)
            return v.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(v, dt.datetime):
            return v.strftime("%Y-%m-%d %H:%M:%S")
        return str(v)

    # A list, not ``map``: on a string column ``map`` turns None back into NaN.
    return pd.Series([one(v) for v in column.tolist()], index=column.index, dtype=object)


def cells_to_arrow(cells: pd.DataFrame, file_id: int = 0) -> pa.Table:
    """A table of cells (index = file row numbers) as an Arrow batch of text columns."""
    arrays: dict[str, pa.Array] = {
        "file_id": pa.array(np.full(len(cells), file_id, dtype=np.int32)),
        "row": pa.array(np.asarray(cells.index, dtype=np.int64)),
    }
    for position, label in enumerate(cells.columns):
        arrays[str(label)] = pa.array(_as_text(cells.iloc[:, position]).tolist(), pa.string())
    return pa.table(arrays)


def parse_hourly(
    cells: pd.DataFrame,
    stations: pd.DataFrame,
    *,
    settings: ReadingsSettings | None = None,
    units: Mapping[str, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Turn a table of readings (any layout) into checked long rows.

    Parameters
    ----------
    cells : DataFrame
        The file's data rows, columns named by its header, index = file row number.
    stations : DataFrame
        The workspace's stations (``id``, ``name``): names or ids in the file are
        matched against them.
    settings : ReadingsSettings, optional
        ``[readings]`` of the workspace (plausible ranges); default: the built-in ones.
    units : dict, optional
        Declared units (:func:`parse_units`).

    Returns
    -------
    (readings, rejects, notes)
        ``readings``: long form ``station_id, time, pollutant, value``;
        ``rejects``: ``行号 (row), 站点, 时间, 污染物, 值, 原因``;
        ``notes``: unit conversions and other remarks for the user.
    """
    settings = settings or DEFAULT_SETTINGS.readings
    unique = unique_labels([str(c) for c in cells.columns])
    cells = cells.set_axis(unique, axis=1)
    layout = detect_layout(unique)
    parts: list[pd.DataFrame] = []

    def collect(con: duckdb.DuckDBPyConnection, relation: str, year: int, month: int) -> int:
        parts.append(con.execute(f"SELECT * FROM {relation}").df())
        return len(parts[-1])

    with tempfile.TemporaryDirectory(prefix="geoair-readings-") as tmp, duckdb.connect() as con:
        checker = HourlyChecker(con, stations, settings=settings, units=units, spool=Path(tmp))
        checker.add(cells_to_arrow(cells, checker.add_file("table")), layout)
        result = checker.finish(collect)
    good = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame({c: [] for c in HOURLY_COLUMNS})
    )
    if len(good):
        rank = {p: i for i, p in enumerate(POLLUTANTS)}
        good = good.sort_values(
            ["time", "station_id", "pollutant"],
            key=lambda c: c.map(rank) if c.name == "pollutant" else c,
        )
    good["time"] = pd.to_datetime(good["time"]).astype("datetime64[us]")
    good["value"] = good["value"].astype("float64")
    good = good[list(HOURLY_COLUMNS)].reset_index(drop=True)
    return good, result.rejects.drop(columns="文件"), result.notes
