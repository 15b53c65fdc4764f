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

The checks themselves run in DuckDB over all files of an import
(:class:`geoair.readings.checks.HourlyChecker`); this module says what the columns
mean, and resolves times, station names and units once per distinct text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from geoair.errors import SchemaError
from geoair.io.headers import match_columns
from geoair.io.normalize import clean_text, header_key
from geoair.messages import language, t
from geoair.readings.store import DUSTFALL_COLUMNS
from geoair.store.schema import DATE_MAX_AHEAD_DAYS, DATE_MIN
from geoair.store.settings import DEFAULT_SETTINGS, ReadingsSettings

__all__ = [
    "HOURLY_VOCABULARY",
    "Layout",
    "POLLUTANT_HEADERS",
    "PUBLISHED_ITEMS",
    "detect_layout",
    "parse_dustfall",
    "parse_units",
    "unique_labels",
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


def _quote(name: str | None) -> str:
    """``name`` as a DuckDB identifier; the layout guarantees the column exists."""
    if name is None:
        raise ValueError("a column the layout needs has no label")
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
            raise SchemaError(t("error.readings.units_form", given="=".join(pair)))
        name, unit = pair[0].strip(), pair[1].strip()
        pollutant = _pollutant_of(name)
        key = unit.lower().replace("μ", "µ").replace(" ", "")
        ug = key in {u.lower() for u in _UG}
        mg = key in {u.lower() for u in _MG}
        if pollutant is None or pollutant in ("WS", "WD") or not (ug or mg):
            raise SchemaError(t("error.readings.units_unknown", name=name, unit=unit))
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
        columns = (
            "”“".join(z for z, _ in missing)
            if language() == "zh"
            else " or ".join(e for _, e in missing)
        )
        raise SchemaError(t("error.readings.no_station_time", columns=columns, found=found))
    if "hour" in col and "year" in col and not ("month" in col and "day" in col):
        col.pop("year")
    pollutants = tuple((n[2:], c) for n, c in col.items() if n.startswith("p:"))
    published = tuple(
        (n[4:], c) for n, c in col.items() if n.startswith("pub:") and n != "pub:primary"
    )
    known = set(col.values())
    ignored = {header_key(i) for i in _IGNORED}
    rest = [c for c in labels if c not in known and header_key(c) not in ignored and c.strip()]
    time_cols: dict[str, Any] = {
        "time": col.get("time"),
        "hour": col.get("hour"),
        "year": col.get("year"),
        "month": col.get("month"),
        "day": col.get("day"),
    }
    if by_station:
        stations = tuple(c for c in rest if not re.match(r"^第\d+列$", c))
        if not stations:
            raise SchemaError(t("error.readings.no_station_columns", found=found))
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
        raise SchemaError(t("error.readings.no_pollutants", found=found))
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
    """Times as China Standard Time, naive. '24:00' is the next day's 00:00.

    Each value is parsed on its own: text, Excel date-times and Excel serial numbers may
    be mixed in one column. Excel's values (date-time cells and serial numbers) are
    rounded to the second, since a serial for 13:00 can come back as 12:59:59.9999.
    """
    if pd.api.types.is_datetime64_any_dtype(text):
        values = pd.Series(text)
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
        return values.dt.round("s")
    cleaned = text.map(
        lambda v: pd.Timestamp(v).round("s").isoformat(sep=" ") if isinstance(v, dt.datetime) else v
    )
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
    # Excel serial days with a fraction, each rounded to the second.
    excel = numeric.between(20000, 80000).fillna(False).astype(bool)
    if excel.any():
        days = numeric.where(excel).astype("float64")
        parsed = parsed.where(
            ~excel,
            pd.Timestamp("1899-12-30") + pd.to_timedelta(days, unit="D").dt.round("s"),
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
        hour_text = parts[1]
    else:
        numbers = [pd.to_numeric(parts[i], errors="coerce") for i in range(3)]
        day = pd.to_datetime(
            pd.DataFrame({"year": numbers[0], "month": numbers[1], "day": numbers[2]}),
            errors="coerce",
        )
        hour_text = parts[3] if parts.shape[1] > 3 else pd.Series(np.nan, index=keys.index)
    hour = pd.Series(pd.to_numeric(hour_text, errors="coerce"), index=keys.index, dtype="float64")
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


def _limits(r: ReadingsSettings) -> dict[str, float]:
    return {
        "PM2.5": r.pm25_max_ug_m3,
        "PM10": r.pm10_max_ug_m3,
        "SO2": r.so2_max_ug_m3,
        "NO2": r.no2_max_ug_m3,
        "O3": r.o3_max_ug_m3,
        "CO": r.co_max_mg_m3,
        "WS": r.ws_max_ms,
        "WD": 360.0,
    }


def unique_labels(labels: list[str]) -> list[str]:
    """Column labels made unique and non-empty (``第5列`` for an empty one)."""
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
    cells: pd.DataFrame, stations: pd.DataFrame, *, settings: ReadingsSettings | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Checked monthly dustfall rows (``station_id, month, dustfall_t_km2``) and rejects."""
    settings = settings or DEFAULT_SETTINGS.readings
    mapping = match_columns([(str(c),) for c in cells.columns], _DUSTFALL_FIELDS)
    columns = {name: cells.columns[pos] for pos, name in mapping.items()}
    missing = [
        zh
        for key, zh in (("station", "站点名称"), ("month", "月份"), ("value", "降尘量"))
        if key not in columns
    ]
    if missing:
        found = ", ".join(map(str, cells.columns))
        wanted = ("”“" if language() == "zh" else ", ").join(missing)
        raise SchemaError(t("error.readings.dustfall_no_column", columns=wanted, found=found))
    names = cells[columns["station"]].astype("string")
    frame = pd.DataFrame({"row": cells.index.to_numpy(), "station": names.to_numpy()})
    frame["station_id"] = _resolve_stations(names, stations).to_numpy()
    frame["month"] = [_month_label(v) for v in cells[columns["month"]]]
    frame["dustfall_t_km2"] = _parse_numbers(cells[columns["value"]]).to_numpy()
    limit = settings.dustfall_max_t_km2
    months = pd.to_datetime(frame["month"], format="%Y-%m", errors="coerce")
    latest = pd.Timestamp.now().normalize() + pd.Timedelta(days=DATE_MAX_AHEAD_DAYS)
    reasons = np.select(
        [
            frame["station_id"].isna(),
            frame["month"].isna(),
            (months < pd.Timestamp(DATE_MIN)) | (months > latest),
            frame["dustfall_t_km2"].isna(),
            frame["dustfall_t_km2"] < 0,
            frame["dustfall_t_km2"] > limit,
        ],
        [
            _UNKNOWN_STATION,
            "月份无法读取，请写成 2020-11 或 2020年11月",
            "月份早于2000年或在今天一年以后，像是填错了年份，请核对",
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
