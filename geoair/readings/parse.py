"""Readings files as downloaded: their layouts, and the SQL that checks every value.

Hourly readings come in four layouts, recognised from the header (Chinese or English,
in any column order, with extra columns ignored and listed):

* **wide**: one row per station and hour, one column per pollutant (站点名称, 时间,
  PM2.5, PM10, SO2, NO2, CO, O3, 风速, 风向). The national platform's hourly station
  export is one (``timepoint, stationcode, ..., positionname, primarypollutant, aqi,
  pm10, pm10_24h, pm2_5, ...``): its station code is the station, and its derived
  columns (``*_24h``, ``o3_8h``, ``o3_8h_24h``, ``aqi``) are *published values*, never
  stored, only compared with what geoair computes from the hourly values;
* **long**: station, time, pollutant, value (and optionally unit);
* **by station**: the widely shared archive ``date, hour, type, 1001A, 1002A, ...``,
  one column per station code, ``type`` naming the pollutant (PM2.5, PM10, SO2, NO2,
  CO, O3) or a published value (AQI, PM2.5_24h, O3_8h, ...);
* times as one column (2020-11-01 13:00, 2020/11/1 13:00, 2020年11月1日 13时, 24:00,
  ISO with a zone, Excel serials), as date + hour, or as ``year, month, day, hour``
  (research archives). An hour of 0-23 or 1-24 is taken as written: the label of the
  END of the hour (hour 0 of D is D 00:00, the last hour of D−1), as everywhere in
  geoair.

Values: ``NA``, ``—``, ``-``, ``-9999``, empty are missing; wind direction in degrees,
as 16 compass points (N, NNE, ... NNW) or in Chinese (北, 东北偏北, 东北, 东北偏东, ...;
静风/C/CV = calm, a missing direction). Units: a header that names one
(``CO(μg/m³)``) or ``--units CO=ug/m3`` converts the column; a column without a
declared unit whose values are mostly (``[readings] unit_error_share``) above the
plausible limit is reported once as a likely unit error and none of it is stored
(a CO column in µg/m³ would otherwise pass value by value wherever it is under 60).

The checks run in DuckDB over all files of an import at once (:class:`HourlyChecker`):
each batch of rows is unpivoted to long rows with typed values; station names and
times are resolved once per distinct text in Python; then one pass finds unit errors,
impossible values, unknown stations, bad times and duplicates. :func:`parse_hourly`
runs the same on one table in memory.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from geoair.errors import SchemaError
from geoair.io.headers import match_columns
from geoair.io.normalize import clean_text, header_key
from geoair.readings.store import DUSTFALL_COLUMNS, HOURLY_COLUMNS, POLLUTANTS, UNITS

__all__ = [
    "HOURLY_VOCABULARY",
    "PUBLISHED_ITEMS",
    "POLLUTANT_HEADERS",
    "HourlyChecker",
    "Layout",
    "detect_layout",
    "parse_dustfall",
    "parse_hourly",
    "parse_units",
]


#: Header spellings of the pollutant columns of wide files (and of long files' values).
POLLUTANT_HEADERS: dict[str, tuple[str, ...]] = {
    "PM2.5": ("PM2.5", "PM₂.₅", "PM25", "PM2_5", "细颗粒物", "pm2.5浓度"),
    "PM10": ("PM10", "PM₁₀", "可吸入颗粒物", "pm10浓度"),
    "SO2": ("SO2", "SO₂", "二氧化硫"),
    "NO2": ("NO2", "NO₂", "二氧化氮"),
    "CO": ("CO", "一氧化碳"),
    "O3": ("O3", "O₃", "臭氧", "O3_1h", "O3-1h"),
    "WS": ("WS", "风速", "wind_speed", "windspeed", "WSPM", "风速(m/s)"),
    "WD": ("WD", "风向", "wind_direction", "winddirection", "wind_dir"),
}

#: Values the national platform publishes beside the hourly ones (derived from them):
#: never stored, compared with geoair's own (:class:`HourlyChecker`).
PUBLISHED_ITEMS: dict[str, tuple[str, ...]] = {
    "AQI": ("aqi", "AQI", "空气质量指数", "实时AQI"),
    "PM2.5_24h": ("pm2_5_24h", "PM2.5_24h", "pm25_24h", "PM2.5_24小时", "PM2.5-24h"),
    "PM10_24h": ("pm10_24h", "PM10_24h", "PM10_24小时", "PM10-24h"),
    "SO2_24h": ("so2_24h", "SO2_24h", "SO2-24h"),
    "NO2_24h": ("no2_24h", "NO2_24h", "NO2-24h"),
    "CO_24h": ("co_24h", "CO_24h", "CO-24h"),
    "O3_24h": ("o3_24h", "O3_24h", "O3-24h"),
    "O3_8h": ("o3_8h", "O3_8h", "O3-8h", "O3_8h滑动平均"),
    "O3_8h_24h": ("o3_8h_24h", "O3_8h_24h", "O3-8h-24h"),
    "primary": ("primarypollutant", "primary_pollutant", "首要污染物"),
}

_STATION_CODES = (
    "stationcode",
    "station_code",
    "监测点编码",
    "站点编码",
    "站点编号",
    "站点代码",
    "站号",
    "station_id",
    "点位编码",
)
_STATION_NAMES = (
    "station",
    "站点名称",
    "站点",
    "站名",
    "监测站",
    "监测点",
    "点位",
    "点位名称",
    "测点",
    "positionname",
    "position_name",
    "监测点名称",
    "station_name",
)

_FIELDS: dict[str, tuple[str, ...]] = {
    "station_code": _STATION_CODES,
    "station": _STATION_NAMES,
    "time": (
        "time",
        "datetime",
        "timepoint",
        "time_point",
        "时间",
        "监测时间",
        "日期时间",
        "采样时间",
        "数据时间",
        "时间点",
        "date",
        "日期",
    ),
    "hour": ("hour", "小时", "时", "时段"),
    "year": ("year", "年", "年份"),
    "month": ("month", "月", "月份"),
    "day": ("day", "日"),
    "type": ("type", "数据类型"),
    "pollutant": ("pollutant", "污染物", "监测项目", "项目", "因子", "监测因子", "指标"),
    "value": ("value", "浓度", "监测值", "数值", "值", "浓度值", "小时值"),
    "unit": ("unit", "单位"),
}
# Columns recognised and deliberately not imported (not listed as unknown).
_IGNORED = (
    "no",
    "序号",
    "longitude",
    "latitude",
    "lon",
    "lat",
    "lng",
    "经度",
    "纬度",
    "area",
    "城市",
    "city",
    "地市",
    "quality",
    "质量",
    "level",
    "等级",
    "对照点",
)

#: Every header the readings import recognises, for finding the header row.
HOURLY_VOCABULARY: dict[str, tuple[str, ...]] = {
    **_FIELDS,
    **{f"p:{p}": h for p, h in POLLUTANT_HEADERS.items()},
    **{f"pub:{p}": h for p, h in PUBLISHED_ITEMS.items()},
}

_DUSTFALL_FIELDS: dict[str, tuple[str, ...]] = {
    "station": (*_STATION_NAMES, *_STATION_CODES),
    "month": ("month", "月份", "监测月份", "时间", "日期", "期间"),
    "value": (
        "dustfall_t_km2",
        "dustfall",
        "降尘量",
        "降尘",
        "降尘量(吨/平方公里·月)",
        "值",
        "数值",
        "value",
    ),
}


_MISSING = ("", "-", "--", "—", "——", "－", "/", "nan", "none", "null", "n/a", "na", "无数据", "无")
_MISSING_NUMBERS = (-9999.0, -999.0, -99999.0)
_CALM = ("静风", "静", "C", "CALM", "CV", "VRB")
_COMPASS: dict[str, float] = {}
for _i, (_en, _zh, _zh2) in enumerate(
    [
        ("N", "北", "北"),
        ("NNE", "东北偏北", "北东北"),
        ("NE", "东北", "东北"),
        ("ENE", "东北偏东", "东东北"),
        ("E", "东", "东"),
        ("ESE", "东南偏东", "东东南"),
        ("SE", "东南", "东南"),
        ("SSE", "东南偏南", "南东南"),
        ("S", "南", "南"),
        ("SSW", "西南偏南", "南西南"),
        ("SW", "西南", "西南"),
        ("WSW", "西南偏西", "西西南"),
        ("W", "西", "西"),
        ("WNW", "西北偏西", "西西北"),
        ("NW", "西北", "西北"),
        ("NNW", "西北偏北", "北西北"),
    ]
):
    for _name in (_en, _zh, _zh2):
        _COMPASS[_name] = _i * 22.5
_COMPASS.update({"偏北": 0.0, "偏东": 90.0, "偏南": 180.0, "偏西": 270.0})

_UNKNOWN_STATION = (
    "站点不在工作区的站点图层中，请更正站点名称，或先导入该站点（geoair import stations）"
)
# Canonical unit spellings accepted by --units and in headers.
_UG = ("µg/m³", "µg/m3", "ug/m3", "ug/m³", "μg/m³", "μg/m3", "微克/立方米", "µg", "ug", "微克")
_MG = ("mg/m³", "mg/m3", "毫克/立方米", "mg", "毫克")


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _unit_factor(label: str, pollutant: str) -> tuple[float, str | None]:
    """(factor, note) converting a column whose header names a unit to geoair's unit."""
    text = label.lower().replace("μ", "µ")
    says_ug = bool(re.search(r"(µg|ug|微克)", text))
    says_mg = bool(re.search(r"(mg|毫克)", text))
    if pollutant == "CO" and says_ug:
        return 0.001, f"“{label}”列的单位是 µg/m³：CO 已换算为 mg/m³（÷1000）"
    if pollutant in {"PM2.5", "PM10", "SO2", "NO2", "O3"} and says_mg and not says_ug:
        return 1000.0, f"“{label}”列的单位是 mg/m³：{pollutant} 已换算为 µg/m³（×1000）"
    return 1.0, None


def _pollutant_of(text: object) -> str | None:
    key = header_key(text)
    for pollutant, headers in POLLUTANT_HEADERS.items():
        if key in {header_key(h) for h in (pollutant, *headers)}:
            return pollutant
    return None


def parse_units(specs: Sequence[str] | Mapping[str, str] | None) -> dict[str, float]:
    """``--units`` declarations (``CO=ug/m3``, ``PM2.5=mg/m3``) as factors to geoair's units.

    Returns
    -------
    dict
        pollutant -> factor (CO in µg/m³: 0.001; PM2.5 in mg/m³: 1000; a column
        already in geoair's unit: 1.0). A declared column is never judged a unit error.

    Raises
    ------
    SchemaError
        An unknown pollutant or unit, in Chinese then English.
    """
    if not specs:
        return {}
    pairs = specs.items() if isinstance(specs, Mapping) else [s.split("=", 1) for s in specs]
    out: dict[str, float] = {}
    for pair in pairs:
        if len(pair) != 2:
            raise SchemaError(
                f"--units 应写成 污染物=单位（如 CO=ug/m3），不是“{'='.join(pair)}”。 / "
                f"--units takes POLLUTANT=UNIT (e.g. CO=ug/m3), not {'='.join(pair)!r}."
            )
        name, unit = pair[0].strip(), pair[1].strip()
        pollutant = _pollutant_of(name)
        key = unit.lower().replace("μ", "µ").replace(" ", "")
        ug = key in {u.lower() for u in _UG}
        mg = key in {u.lower() for u in _MG}
        if pollutant is None or pollutant in ("WS", "WD") or not (ug or mg):
            raise SchemaError(
                f"--units {name}={unit}：请写 PM2.5、PM10、SO2、NO2、CO 或 O3，单位写 ug/m3 "
                f"或 mg/m3（如 --units CO=ug/m3）。 / --units {name}={unit}: give PM2.5, "
                "PM10, SO2, NO2, CO or O3 and the unit ug/m3 or mg/m3 (e.g. --units CO=ug/m3)."
            )
        if pollutant == "CO":
            out[pollutant] = 0.001 if ug else 1.0
        else:
            out[pollutant] = 1000.0 if mg else 1.0
    return out


@dataclass(frozen=True)
class Layout:
    """How a readings file is laid out: which column holds what (labels as in the file)."""

    kind: str  # "wide", "long" or "by_station"
    station: str | None = None  # the station column (its code if there is one, else name)
    station_name: str | None = None  # a second column naming the station, tried next
    time: str | None = None  # time, or the date when ``hour`` is given
    hour: str | None = None
    year: str | None = None
    month: str | None = None
    day: str | None = None
    pollutants: tuple[tuple[str, str], ...] = ()  # (pollutant, label) of a wide table
    published: tuple[tuple[str, str], ...] = ()  # (item, label): derived values
    pollutant: str | None = None  # long: pollutant and value (and unit) columns
    value: str | None = None
    unit: str | None = None
    type: str | None = None  # by_station: the column naming pollutant or item
    station_columns: tuple[str, ...] = ()
    unused: tuple[str, ...] = field(default=())  # columns not imported

    @property
    def time_mode(self) -> str:
        if self.year and self.month and self.day:
            return "ymdh"
        return "date_hour" if self.hour else "time"


def detect_layout(labels: Sequence[str]) -> Layout:
    """Recognise a readings table's layout from its column labels.

    Raises
    ------
    SchemaError
        No station or time columns, or no pollutant columns: one sentence in Chinese
        then English naming the columns found.
    """
    labels = [str(c) for c in labels]
    mapping = match_columns([(c,) for c in labels], HOURLY_VOCABULARY)
    col = {name: labels[pos] for pos, name in mapping.items()}
    found = ", ".join(labels)
    has_time = "time" in col or ("year" in col and "month" in col and "day" in col)
    by_station = "type" in col and "station" not in col and "station_code" not in col
    station = col.get("station_code") or col.get("station")
    if (station is None and not by_station) or not has_time:
        missing = []
        if station is None and not by_station:
            missing.append(("站点名称", "station"))
        if not has_time:
            missing.append(("时间", "time"))
        raise SchemaError(
            f"监测数据表中没有“{'”“'.join(z for z, _ in missing)}”列（现有列：{found}），请把"
            "表头改为“站点名称”和“时间”（或 year, month, day, hour 四列）。 / "
            f"The readings table has no {' or '.join(e for _, e in missing)} column (found: "
            f"{found}). Name the columns 站点名称 and 时间 (or station, time; or year, "
            "month, day, hour)."
        )
    if "hour" in col and "year" in col and not ("month" in col and "day" in col):
        col.pop("year")
    pollutants = tuple((n[2:], c) for n, c in col.items() if n.startswith("p:"))
    published = tuple(
        (n[4:], c) for n, c in col.items() if n.startswith("pub:") and n != "pub:primary"
    )
    known = set(col.values())
    ignored = {header_key(i) for i in _IGNORED}
    rest = [c for c in labels if c not in known and header_key(c) not in ignored and c.strip()]
    time_cols = {
        "time": col.get("time"),
        "hour": col.get("hour"),
        "year": col.get("year"),
        "month": col.get("month"),
        "day": col.get("day"),
    }
    if by_station:
        stations = tuple(c for c in rest if not re.match(r"^第\d+列$", c))
        if not stations:
            raise SchemaError(
                f"按站点排列的表（date, hour, type）中没有站点列（现有列：{found}）。 / The "
                f"table by station (date, hour, type) has no station columns (found: {found})."
            )
        return Layout("by_station", type=col["type"], station_columns=stations, **time_cols)
    name = col.get("station") if col.get("station_code") else None
    if "pollutant" in col and "value" in col:
        return Layout(
            "long",
            station=station,
            station_name=name,
            pollutant=col["pollutant"],
            value=col["value"],
            unit=col.get("unit"),
            unused=tuple(rest),
            **time_cols,
        )
    if not pollutants:
        raise SchemaError(
            "监测数据表中既没有污染物列（PM2.5、PM10、SO2、NO2、CO、O3、风速、"
            f"风向），也没有“污染物”和“浓度”列（现有列：{found}），请改正表头。 / "
            "The readings table has neither pollutant columns (PM2.5, PM10, SO2, "
            "NO2, CO, O3, 风速, 风向) nor 污染物 and 浓度 columns. Rename the "
            f"headers (found: {found})."
        )
    return Layout(
        "wide",
        station=station,
        station_name=name,
        pollutants=pollutants,
        published=published,
        unused=tuple(rest),
        **time_cols,
    )


def _parse_times(text: pd.Series) -> pd.Series:
    """Times as China Standard Time, naive. '24:00' is the next day's 00:00."""
    if pd.api.types.is_datetime64_any_dtype(text):
        values = pd.Series(text)
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
        return values
    cleaned = text.map(lambda v: v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v)
    s = cleaned.astype("string").str.strip()
    s = (
        s.str.replace(r"(\d{4})年(\d{1,2})月(\d{1,2})日?", r"\1-\2-\3", regex=True)
        .str.replace(r"\s*(\d{1,2})[时點点]\s*$", r" \1:00", regex=True)
        .str.replace("/", "-", regex=False)
        .str.replace(r"^(\d{4})(\d{2})(\d{2})(?=$|\s)", r"\1-\2-\3", regex=True)
    )
    is24 = s.str.contains(r"\s24:00(?::00)?$", regex=True, na=False)
    s = s.where(~is24, s.str.replace(r"\s24:00(:00)?$", " 00:00", regex=True))
    numeric = pd.to_numeric(s, errors="coerce")
    parsed = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        rest = parsed.isna() & s.notna() & numeric.isna()
        if not rest.any():
            break
        parsed[rest] = pd.to_datetime(s[rest], format=fmt, errors="coerce")
    has_zone = s.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True, na=False)
    rest = parsed.isna() & s.notna() & numeric.isna()
    zoned = rest & has_zone
    if zoned.any():  # ISO times with a zone: to China Standard Time
        utc = pd.to_datetime(s[zoned], errors="coerce", format="mixed", utc=True)
        parsed[zoned] = utc.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    rest = rest & ~has_zone
    if rest.any():
        parsed[rest] = pd.to_datetime(s[rest], errors="coerce", format="mixed")
    excel = numeric.between(20000, 80000)  # Excel serial days with a fraction
    if excel.any():
        parsed = parsed.where(
            ~excel,
            pd.Timestamp("1899-12-30") + pd.to_timedelta(numeric.where(excel), unit="D").round("s"),
        )
    return parsed.where(~is24, parsed + pd.Timedelta(days=1))


def _time_key_sql(layout: Layout) -> str:
    def part(label: str | None) -> str:
        return f"coalesce(trim({_quote(label)}), '')" if label else "''"

    mode = layout.time_mode
    if mode == "time":
        return f"trim({_quote(layout.time)})"
    if mode == "date_hour":
        return f"{part(layout.time)} || '|' || {part(layout.hour)}"
    return " || '|' || ".join(part(c) for c in (layout.year, layout.month, layout.day, layout.hour))


def _parse_time_keys(keys: pd.Series, mode: str) -> pd.Series:
    """Times (end-of-hour labels) of distinct time keys; NaT where unreadable."""
    if mode == "time":
        return _parse_times(keys)
    parts = keys.str.split("|", expand=True, regex=False)
    if mode == "date_hour":
        day = _parse_times(parts[0]).dt.normalize()
        hour = pd.to_numeric(parts[1], errors="coerce")
    else:
        numbers = [pd.to_numeric(parts[i], errors="coerce") for i in range(3)]
        day = pd.to_datetime(
            pd.DataFrame({"year": numbers[0], "month": numbers[1], "day": numbers[2]}),
            errors="coerce",
        )
        hour = pd.to_numeric(parts[3], errors="coerce") if parts.shape[1] > 3 else np.nan
    hour = pd.Series(hour, index=keys.index, dtype="float64")
    whole = hour.notna() & (hour == hour.round()) & hour.between(0, 24)
    return (day + pd.to_timedelta(hour.where(whole), unit="h")).astype("datetime64[us]")


def _parse_numbers(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    text = values.astype("string").str.strip().str.replace(",", "", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def _station_lookup(stations: pd.DataFrame) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for sid, name in zip(stations["id"].astype(str), stations["name"].astype(str), strict=True):
        for key in (sid, name, re.sub(r"(监测站|站)$", "", name)):
            lookup.setdefault(header_key(key), sid)
    return lookup


def _resolve_one(lookup: dict[str, str], text: object) -> str | None:
    if text is None or (isinstance(text, float) and np.isnan(text)) or str(text).strip() == "":
        return None
    key = header_key(text)
    return lookup.get(key) or lookup.get(header_key(re.sub(r"(监测站|站)$", "", str(text))))


def _resolve_stations(names: pd.Series, stations: pd.DataFrame) -> pd.Series:
    lookup = _station_lookup(stations)
    unique = pd.Series(names.dropna().unique())
    keys = {v: _resolve_one(lookup, v) for v in unique}
    return names.map(keys)


def _limits(settings: dict) -> dict[str, float]:
    r = settings["readings"]
    return {
        "PM2.5": r["pm25_max_ug_m3"],
        "PM10": r["pm10_max_ug_m3"],
        "SO2": r["so2_max_ug_m3"],
        "NO2": r["no2_max_ug_m3"],
        "O3": r["o3_max_ug_m3"],
        "CO": r["co_max_mg_m3"],
        "WS": r["ws_max_ms"],
        "WD": 360.0,
    }


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


def _typed_sql(source: str, limit: str) -> str:
    """Long rows of ``source`` (``text``, ``pcode``, ``factor``...) with typed values,
    missing values (NA, —, -9999, calm) dropped; ``text`` kept only where not a number."""
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
        "WHEN tbad = 2 THEN 'hour' WHEN pcode IS NULL THEN 'pollutant' "
        "WHEN value IS NULL THEN 'nan' WHEN value < 0 THEN 'neg' "
        f"WHEN value > {limit} THEN 'high' END"
    )
    return f"""
        SELECT *, {reason} AS reason FROM (
        SELECT * EXCLUDE (num0, text, factor), value,
          CASE WHEN value IS NULL THEN text END AS text
        FROM (SELECT *, {value} AS value FROM (SELECT *, TRY_CAST(text AS DOUBLE) AS num0
          FROM ({source}) WHERE text IS NOT NULL) WHERE NOT ({missing})))"""


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
    settings : dict
        Workspace settings (``[readings]`` limits and ``unit_error_share``).
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
        settings: dict,
        spool: Path,
        units: Mapping[str, float] | None = None,
    ) -> None:
        self.con = con
        self.settings = settings
        self.units = dict(units or {})
        self.limits = _limits(settings)
        self.share = float(settings["readings"].get("unit_error_share", 0.5))
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
        bad = np.where(times.isna(), 1, np.where(off_hour, 2, 0)).astype("uint8")
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
        source = (
            f"SELECT {head}, unnest({cols}::INTEGER[]) AS col, "
            f"unnest({pcodes}::UTINYINT[]) AS pcode, unnest({factors}::DOUBLE[]) AS factor, "
            f"unnest([{', '.join(texts)}]) AS text FROM b {joins}"
        )
        self._emit(_typed_sql(source, self._limit_sql("pcode")))
        if not layout.published:
            return
        items = [item for item, _ in layout.published]
        labels = [f"b.{_quote(label)}" for _, label in layout.published]
        self.con.execute(f"""
            INSERT INTO published SELECT * FROM (
              SELECT b.file_id, b.row, s.sid, t.time, unnest({items!r}) AS item,
                {_number_sql(f"unnest([{', '.join(labels)}])")} AS value
              FROM b {joins} WHERE s.sid IS NOT NULL AND t.bad = 0 AND hour(t.time) = 0)
            WHERE value IS NOT NULL AND item <> 'AQI'""")
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
        source = (
            f"SELECT {head}, p.col, p.pcode, p.factor, bu.text FROM bu {joins} {pjoin} "
            "WHERE p.pcode IS NOT NULL"
        )
        typed = _typed_sql(source, self._limit_sql("pcode"))
        con.execute(f"CREATE OR REPLACE TEMP TABLE bl AS {typed}")
        self._emit("SELECT * FROM bl")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE bpub AS SELECT bu.file_id, bu.row, s.sid, t.time,
              p.item, {_number_sql("bu.text")} AS value
            FROM bu {joins} {pjoin}
            WHERE p.item IS NOT NULL AND s.sid IS NOT NULL AND t.bad = 0
              AND {_number_sql("bu.text")} IS NOT NULL""")
        con.execute(
            "INSERT INTO published SELECT * FROM bpub WHERE item <> 'AQI' AND hour(time) = 0"
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
        stored, first, last, stations = 0, None, None, set()
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
        unit_errors = con.execute("SELECT count(*) FROM unit_err").fetchone()[0]
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
                "CREATE OR REPLACE TEMP TABLE mon AS SELECT sid, time, pcode, value, file_id, "
                f"row FROM read_parquet('{spool}') s WHERE {window} AND reason IS NULL"
                f"{skip_units}"
            )
            # One pass for the span, the stations and whether any station-hour comes
            # twice (one 64-bit key per value: station, hour and pollutant); only then
            # the duplicates are looked for one by one.
            key = f"(sid::BIGINT << 32) + (epoch_us(time) // {_US_H}) * 8 + pcode"
            lo_t, hi_t, n_rows, n_keys, sids = con.execute(
                f"SELECT min(time), max(time), count(*), count(DISTINCT {key}), "
                "list(DISTINCT sid) FROM mon"
            ).fetchone()
            con.execute(
                "CREATE OR REPLACE TEMP TABLE mdup (sid INTEGER, time TIMESTAMP, "
                "pcode UTINYINT, nv BIGINT)"
            )
            if n_rows != n_keys:
                con.execute("""
                    INSERT INTO mdup SELECT sid, time, pcode, count(DISTINCT value) AS nv
                    FROM mon GROUP BY ALL HAVING count(*) > 1""")
            if n_rows != n_keys:
                con.execute("""
                    INSERT INTO dups SELECT m.file_id, m.row, m.sid, m.time, m.pcode, m.value,
                      d.nv, row_number() OVER w AS k, first(m.row) OVER w AS first_row,
                      string_agg(m.row::VARCHAR, '、') OVER (PARTITION BY m.sid, m.time,
                        m.pcode ORDER BY m.file_id, m.row ROWS BETWEEN UNBOUNDED PRECEDING
                        AND UNBOUNDED FOLLOWING) AS rows
                    FROM mon m JOIN mdup d USING (sid, time, pcode)
                    WINDOW w AS (PARTITION BY m.sid, m.time, m.pcode ORDER BY m.file_id, m.row)
                    """)
                con.execute(f"""
                    CREATE OR REPLACE TEMP TABLE mon AS
                    SELECT * FROM mon ANTI JOIN mdup USING (sid, time, pcode)
                    UNION ALL SELECT sid, time, pcode, value, file_id, row FROM dups
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
        """The month's published 24-hour and 8-hour values (each day's 00:00) against the
        day's own hours (:meth:`cross_check` rules)."""
        con = self.con
        if not con.execute(f"SELECT count(*) FROM published WHERE {window}").fetchone()[0]:
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
                sum(value) AS s, count(*) AS n, max(value) AS mx,
                sum(value) FILTER (WHERE {hour_of_day} >= 16) AS s8,
                count(*) FILTER (WHERE {hour_of_day} >= 16) AS n8,
                max(value) FILTER (WHERE {hour_of_day} = 23) AS last
              FROM mon WHERE pcode IN (SELECT DISTINCT pcode FROM pub)
              GROUP BY ALL),
            cmp AS (
              SELECT p.file_id, p.row, p.sid, p.time, p.item, p.value AS published,
                CASE WHEN p.item IN ('O3_8h', 'O3_8h_24h') THEN
                  CASE WHEN k.n8 = 8 THEN k.s8 / 8 END
                WHEN p.item = 'O3_24h' THEN CASE WHEN k.n = 24 THEN k.last END
                ELSE CASE WHEN k.n = 24 THEN k.s / 24 END END AS computed, k.mx,
                CASE WHEN p.item = 'CO_24h' THEN 0.050001 ELSE 0.500001 END AS tol
              FROM pub p LEFT JOIN days k USING (sid, pcode, d))
            SELECT *, CASE
                WHEN item = 'O3_24h' THEN published >= computed - tol AND published <= mx + tol
                WHEN item = 'O3_8h_24h' THEN published >= computed - tol
                ELSE abs(published - computed) <= tol END AS ok
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
            WHERE reason IN ('time', 'hour') ORDER BY file_id, row""").df()
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
                        "原因": np.where(
                            times["reason"] == "time",
                            "时间无法读取，请写成 2020-11-01 13:00",
                            "时间不是整点：小时值按该小时结束的时刻标注（如 13:00），请改为整点",
                        ),
                    }
                )
            )
        errs = con.execute("SELECT * FROM unit_err ORDER BY file_id, col").df()
        for r in errs.itertuples(index=False):
            label, pollutant, _ = self.cols[int(r.col)]
            limit, unit = self.limits[pollutant], UNITS[pollutant]
            hint = (
                "像是按 µg/m³ 填的；请核对后加 --units CO=ug/m3 重新导入"
                if pollutant == "CO"
                else f"像是单位错了；请核对后加 --units {pollutant}=ug/m3（或 mg/m3）重新导入"
            )
            frames.append(
                pd.DataFrame(
                    {
                        "file_id": [r.file_id],
                        "行号": [r.first_row],
                        "站点": [""],
                        "时间": [""],
                        "污染物": [label],
                        "值": [f"中位数 {r.med:g}"],
                        "原因": [
                            f"“{label}”列的数值大多超过 {limit:g} {unit}（{r.over}/{r.n} 个），"
                            f"{hint}；整列未导入"
                        ],
                    }
                )
            )
        if len(errs):
            by_label: dict[str, list[str]] = {}
            for r in errs.itertuples(index=False):
                by_label.setdefault(self.cols[int(r.col)][0], []).append(self.files[r.file_id])
            for label, files in by_label.items():
                pollutant = self.cols[self._col_ids_by_label(label)][1]
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
            names = {v: k for k, v in _PCODES.items()}
            reasons = [
                self._value_reason(r, names.get(int(p)) if pd.notna(p) else None)
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
            names = {v: k for k, v in _PCODES.items()}
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
                        "污染物": [names[int(p)] for p in dups["pcode"]],
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

    def _col_ids_by_label(self, label: str) -> int:
        return next(i for i, (lab, _, _) in enumerate(self.cols) if lab == label)

    def _value_reason(self, reason: str, pollutant: str | None) -> str:
        if reason == "pollutant":
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

    return column.map(one).astype(object)


def cells_to_arrow(cells: pd.DataFrame, file_id: int = 0) -> pa.Table:
    """A table of cells (index = file row numbers) as an Arrow batch of text columns."""
    arrays = {
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
    settings: dict | None = None,
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
    settings : dict, optional
        Workspace settings (``[readings]`` limits); default: the built-in ones.
    units : dict, optional
        Declared units (:func:`parse_units`).

    Returns
    -------
    (readings, rejects, notes)
        ``readings``: long form ``station_id, time, pollutant, value``;
        ``rejects``: ``行号 (row), 站点, 时间, 污染物, 值, 原因``;
        ``notes``: unit conversions and other remarks for the user.
    """
    from geoair.store.settings import load_settings

    settings = settings or load_settings(None)
    unique = _unique_labels([str(c) for c in cells.columns])
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


def _unique_labels(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, label in enumerate(labels):
        label = label.strip() or f"第{i + 1}列"
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def _month_label(value: object) -> str | None:
    if isinstance(value, dt.date | pd.Timestamp):
        return pd.Timestamp(value).strftime("%Y-%m")
    text = clean_text(value)
    if text is None:
        return None
    match = re.match(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})", text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def parse_dustfall(
    cells: pd.DataFrame, stations: pd.DataFrame, *, settings: dict | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Checked monthly dustfall rows (``station_id, month, dustfall_t_km2``) and rejects."""
    from geoair.store.settings import load_settings

    settings = settings or load_settings(None)
    mapping = match_columns([(str(c),) for c in cells.columns], _DUSTFALL_FIELDS)
    columns = {name: cells.columns[pos] for pos, name in mapping.items()}
    missing = [
        zh
        for key, zh in (("station", "站点名称"), ("month", "月份"), ("value", "降尘量"))
        if key not in columns
    ]
    if missing:
        found = ", ".join(map(str, cells.columns))
        raise SchemaError(
            f"降尘数据表中没有“{'”“'.join(missing)}”列（现有列：{found}），请改正"
            f"表头。 / The dustfall table has no {', '.join(missing)} column "
            f"(found: {found}). Rename the headers."
        )
    names = cells[columns["station"]].astype("string")
    frame = pd.DataFrame({"row": cells.index.to_numpy(), "station": names.to_numpy()})
    frame["station_id"] = _resolve_stations(names, stations).to_numpy()
    frame["month"] = [_month_label(v) for v in cells[columns["month"]]]
    frame["dustfall_t_km2"] = _parse_numbers(cells[columns["value"]]).to_numpy()
    limit = settings["readings"]["dustfall_max_t_km2"]
    reasons = np.select(
        [
            frame["station_id"].isna(),
            frame["month"].isna(),
            frame["dustfall_t_km2"].isna(),
            frame["dustfall_t_km2"] < 0,
            frame["dustfall_t_km2"] > limit,
        ],
        [
            _UNKNOWN_STATION,
            "月份无法读取，请写成 2020-11 或 2020年11月",
            "降尘量不是数字，请填写数字",
            "降尘量为负，不可能小于0，请核对",
            f"降尘量超过{limit:g} 吨/(平方千米·月)，不合理，请核对单位（克/(平方米·30天) 与 "
            "吨/(平方千米·月) 数值相同；千克/平方千米 的数值会大1000倍）",
        ],
        default="",
    )
    dup = frame.duplicated(["station_id", "month"], keep=False) & (reasons == "")
    reasons = np.where(dup, "同一站点同一月份出现了两次，请只保留一行后重新导入", reasons)
    bad = reasons != ""
    rejects = pd.DataFrame(
        {
            "行号": frame.loc[bad, "row"].to_numpy(),
            "站点": frame.loc[bad, "station"].to_numpy(),
            "原因": reasons[bad],
        }
    )
    good = frame.loc[~bad, list(DUSTFALL_COLUMNS)].reset_index(drop=True)
    good["station_id"] = good["station_id"].astype(str)
    return good, rejects
