"""Station readings as users' tables give them, turned into checked long rows.

:func:`parse_hourly` takes a table of hourly readings, long (station, time, pollutant,
value) or wide (one column per pollutant: 站点名称, 时间, PM2.5, PM10, SO2, NO2, CO, O3,
风速, 风向), and returns the readings in the store's long form, the rejected values
with their row numbers and reasons, and notes. :func:`parse_dustfall` does the same
for monthly dustfall. Nothing is guessed silently:

* units: a header that names a unit (``CO(μg/m³)``, ``PM2.5(mg/m³)``) is converted
  and the conversion reported; an unlabelled CO value above
  ``[readings] co_max_mg_m3`` looks like µg/m³ and is rejected with that reason;
* negative values, values above the physical limits in ``[readings]``, wind
  directions outside 0-360°;
* a station-hour given twice with different values (both rejected), or twice with
  the same value (kept once);
* a station that is not in the workspace's ``stations`` layer;
* a time that is not on the hour or cannot be read.

The reasons (``原因``) and notes are short Chinese sentences for the clerk; errors about
the whole file give a Chinese sentence, then the same in English.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from geoair.errors import SchemaError
from geoair.io.headers import match_columns
from geoair.io.normalize import clean_text, header_key
from geoair.readings.store import DUSTFALL_COLUMNS, HOURLY_COLUMNS, POLLUTANTS, UNITS
from geoair.store.schema import DATE_MAX_AHEAD_DAYS, DATE_MIN
from geoair.store.settings import DEFAULT_SETTINGS, ReadingsSettings

__all__ = ["POLLUTANT_HEADERS", "parse_dustfall", "parse_hourly"]


#: Header spellings of the pollutant columns of wide files (and of long files' values).
POLLUTANT_HEADERS: dict[str, tuple[str, ...]] = {
    "PM2.5": ("PM2.5", "PM₂.₅", "PM25", "PM2_5", "细颗粒物", "pm2.5浓度"),
    "PM10": ("PM10", "PM₁₀", "可吸入颗粒物", "pm10浓度"),
    "SO2": ("SO2", "SO₂", "二氧化硫"),
    "NO2": ("NO2", "NO₂", "二氧化氮"),
    "CO": ("CO", "一氧化碳"),
    "O3": ("O3", "O₃", "臭氧", "O3_1h", "O3-1h"),
    "WS": ("WS", "风速", "wind_speed", "windspeed"),
    "WD": ("WD", "风向", "wind_direction", "winddirection", "wind_dir"),
}


_FIELDS: dict[str, tuple[str, ...]] = {
    "station": (
        "station",
        "station_id",
        "站点名称",
        "站点",
        "站名",
        "监测站",
        "监测点",
        "点位",
        "点位名称",
        "站点编号",
        "站点代码",
        "站号",
        "测点",
    ),
    "time": (
        "time",
        "datetime",
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
    "pollutant": ("pollutant", "污染物", "监测项目", "项目", "因子", "监测因子", "指标"),
    "value": ("value", "浓度", "监测值", "数值", "值", "浓度值", "小时值"),
    "unit": ("unit", "单位"),
}


_DUSTFALL_FIELDS: dict[str, tuple[str, ...]] = {
    "station": _FIELDS["station"],
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


_COMPASS = {
    "N": 0,
    "NNE": 22.5,
    "NE": 45,
    "ENE": 67.5,
    "E": 90,
    "ESE": 112.5,
    "SE": 135,
    "SSE": 157.5,
    "S": 180,
    "SSW": 202.5,
    "SW": 225,
    "WSW": 247.5,
    "W": 270,
    "WNW": 292.5,
    "NW": 315,
    "NNW": 337.5,
    "北": 0,
    "东北": 45,
    "东": 90,
    "东南": 135,
    "南": 180,
    "西南": 225,
    "西": 270,
    "西北": 315,
    "北风": 0,
    "东北风": 45,
    "东风": 90,
    "东南风": 135,
    "南风": 180,
    "西南风": 225,
    "西风": 270,
    "西北风": 315,
}


_UNKNOWN_STATION = (
    "站点不在工作区的站点图层中，请更正站点名称，或先导入该站点（geoair import stations）"
)


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
    )
    is24 = s.str.contains(r"\s24:00(?::00)?$", regex=True, na=False)
    s = s.where(~is24, s.str.replace(r"\s24:00(:00)?$", " 00:00", regex=True))
    numeric = pd.to_numeric(s, errors="coerce")
    # Fast fixed formats first (a year of a province is millions of rows); only what
    # they leave goes through the slow guessing parser.
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


def _resolve_stations(names: pd.Series, stations: pd.DataFrame) -> pd.Series:
    lookup = _station_lookup(stations)
    unique = pd.Series(names.dropna().unique())
    keys = {
        v: lookup.get(header_key(v), lookup.get(header_key(re.sub(r"(监测站|站)$", "", str(v)))))
        for v in unique
    }
    return names.map(keys)


def _limits(r: ReadingsSettings) -> dict[str, tuple[float, float]]:
    return {
        "PM2.5": (0.0, r.pm25_max_ug_m3),
        "PM10": (0.0, r.pm10_max_ug_m3),
        "SO2": (0.0, r.so2_max_ug_m3),
        "NO2": (0.0, r.no2_max_ug_m3),
        "O3": (0.0, r.o3_max_ug_m3),
        "CO": (0.0, r.co_max_mg_m3),
        "WS": (0.0, r.ws_max_ms),
        "WD": (0.0, 360.0),
    }


def parse_hourly(
    cells: pd.DataFrame, stations: pd.DataFrame, *, settings: ReadingsSettings | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Turn a table of readings (long or wide) into checked long rows.

    Parameters
    ----------
    cells : DataFrame
        The file's data rows, columns named by its header, index = file row number.
    stations : DataFrame
        The workspace's stations (``id``, ``name``): names or ids in the file are
        matched against them.
    settings : ReadingsSettings, optional
        ``[readings]`` of the workspace (plausible ranges); default: the built-in ones.

    Returns
    -------
    (readings, rejects, notes)
        ``readings``: long form ``station_id, time, pollutant, value``;
        ``rejects``: ``行号 (row), 站点, 时间, 污染物, 值, 原因``;
        ``notes``: unit conversions and other remarks for the user.
    """
    settings = settings or DEFAULT_SETTINGS.readings
    vocab = {**_FIELDS, **{f"p:{p}": h for p, h in POLLUTANT_HEADERS.items()}}
    mapping = match_columns([(str(c),) for c in cells.columns], vocab)
    columns = {name: cells.columns[pos] for pos, name in mapping.items()}
    notes: list[str] = []
    if "station" not in columns or "time" not in columns:
        missing = [
            zh for key, zh in (("station", "站点名称"), ("time", "时间")) if key not in columns
        ]
        found = ", ".join(map(str, cells.columns))
        raise SchemaError(
            f"监测数据表中没有“{'”“'.join(missing)}”列（现有列：{found}），请把表头"
            "改为“站点名称”和“时间”。 / "
            f"The readings table has no {' or '.join(missing)} column (found: "
            f"{found}). Name the columns 站点名称 and 时间 (or station, time)."
        )
    base = pd.DataFrame(
        {"row": cells.index.to_numpy(), "station": cells[columns["station"]].to_numpy()}
    )
    times = cells[columns["time"]]
    if "hour" in columns:  # a date column plus an hour column (end-of-hour labels 1-24)
        hours = _parse_numbers(cells[columns["hour"]])
        day = _parse_times(times).dt.normalize()
        base["time"] = (day + pd.to_timedelta(hours, unit="h")).to_numpy()
    else:
        base["time"] = _parse_times(times).to_numpy()
    base["time_text"] = times.astype("string").to_numpy()
    pollutant_cols = {name[2:]: col for name, col in columns.items() if name.startswith("p:")}
    if "pollutant" in columns and "value" in columns:
        long = base.copy()
        raw_p = cells[columns["pollutant"]].astype("string").to_numpy()
        lookup = {header_key(h): p for p, hs in POLLUTANT_HEADERS.items() for h in (p, *hs)}
        long["pollutant_text"] = raw_p
        long["pollutant"] = [lookup.get(header_key(v)) if v is not pd.NA else None for v in raw_p]
        long["value_text"] = cells[columns["value"]].astype("string").to_numpy()
        long["value"] = _parse_numbers(cells[columns["value"]]).to_numpy()
        if "unit" in columns:
            units = cells[columns["unit"]].astype("string").fillna("").to_numpy()
            factor = np.ones(len(long))
            for p in POLLUTANTS:
                for unit in set(units[long["pollutant"].to_numpy() == p]):
                    f, note = _unit_factor(f"{p}({unit})", p)
                    if note:  # a factor other than 1
                        factor[(long["pollutant"].to_numpy() == p) & (units == unit)] = f
                        notes.append(note.replace("”列的单位", "”的单位"))
            long["value"] = long["value"] * factor
    elif pollutant_cols:
        parts = []
        for pollutant, col in pollutant_cols.items():
            part = base.copy()
            part["pollutant"] = pollutant
            part["pollutant_text"] = str(col)
            raw = cells[col]
            part["value_text"] = raw.astype("string").to_numpy()
            if pollutant == "WD":
                text = raw.astype("string").str.strip().str.upper()
                compass = np.array(
                    [_COMPASS.get(v, np.nan) if isinstance(v, str) else np.nan for v in text],
                    dtype="float64",
                )
                values = _parse_numbers(raw).fillna(pd.Series(compass, index=raw.index))
            else:
                values = _parse_numbers(raw)
            scale, note = _unit_factor(str(col), pollutant)
            if note:
                notes.append(note)
            part["value"] = (values * scale).to_numpy()
            parts.append(part)
        long = pd.concat(parts, ignore_index=True)
    else:
        found = ", ".join(map(str, cells.columns))
        raise SchemaError(
            "监测数据表中既没有污染物列（PM2.5、PM10、SO2、NO2、CO、O3、风速、"
            f"风向），也没有“污染物”和“浓度”列（现有列：{found}），请改正表头。 / "
            "The readings table has neither pollutant columns (PM2.5, PM10, SO2, "
            "NO2, CO, O3, 风速, 风向) nor 污染物 and 浓度 columns. Rename the "
            f"headers (found: {found})."
        )
    return _check_hourly(long, stations, settings, notes)


def _check_hourly(
    long: pd.DataFrame, stations: pd.DataFrame, settings: ReadingsSettings, notes: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    text = long["value_text"].fillna("").str.strip().str.lower()
    empty_value = text.isin(["", "-", "--", "—", "/", "nan", "none", "null", "n/a", "na", "无数据"])
    # A calm hour has no wind direction: 静风 / C / calm is a missing WD, not an error.
    empty_value |= (long["pollutant"] == "WD") & text.isin(["静风", "c", "calm", "静"])
    long = long[~empty_value | long["value"].notna()].reset_index(drop=True)  # blanks: missing
    reasons = pd.Series("", index=long.index, dtype=object)

    def flag(mask: pd.Series | np.ndarray, reason: str | pd.Series) -> None:
        mask = pd.Series(mask, index=long.index).fillna(False).astype(bool)
        fresh = mask & (reasons == "")
        if isinstance(reason, pd.Series):
            reasons[fresh] = reason[fresh]
        else:
            reasons[fresh] = reason

    ids = _resolve_stations(long["station"].astype("string"), stations)
    long["station_id"] = ids
    flag(ids.isna(), _UNKNOWN_STATION)
    flag(long["time"].isna(), "时间无法读取，请写成 2020-11-01 13:00")
    t = long["time"]
    low = pd.Timestamp(DATE_MIN)
    high = pd.Timestamp.now().normalize() + pd.Timedelta(days=DATE_MAX_AHEAD_DAYS)
    flag((t < low) | (t > high), "时间早于2000年或在今天一年以后，像是填错了年份，请核对")
    flag(
        (t.dt.minute != 0) | (t.dt.second != 0),
        "时间不是整点：小时值按该小时结束的时刻标注（如 13:00），请改为整点",
    )
    flag(
        long["pollutant"].isna(),
        "污染物名称无法识别，请填写 PM2.5、PM10、SO2、NO2、CO、O3、风速或风向",
    )
    flag(long["value"].isna(), "数值不是数字，请填写数字")
    flag(long["value"] < 0, "数值为负，浓度等监测值不可能小于0，请核对")
    limits = _limits(settings)
    for pollutant, (_, most) in limits.items():
        is_p = (long["pollutant"] == pollutant) & (long["value"] > most)
        if pollutant == "CO":
            flag(
                is_p,
                f"CO超过{most:g} mg/m³，像是按 µg/m³ 填的；CO应以 mg/m³ 为单位：请除以"
                "1000，或把列名写成 CO(μg/m³) 后重新导入",
            )
        elif pollutant == "WD":
            flag(is_p, "风向超过360°，请核对（风向为0–360°）")
        else:
            unit = UNITS[pollutant]
            flag(
                is_p,
                f"{pollutant}超过{high:g} {unit}，实际不可能出现，请核对单位和仪器"
                "（上限见 geoair.toml 的 [readings]）",
            )
    # Duplicates: same station, hour and pollutant in two rows.
    ok = reasons == ""
    key = ["station_id", "time", "pollutant"]
    dup = long[ok].duplicated(key, keep=False)
    if dup.any():
        group = long[ok][dup]
        grouped = group.groupby(key, sort=False)
        first_row = grouped["row"].transform("first")
        rows_listed = grouped["row"].transform(lambda r: "、".join(map(str, r)))
        same = grouped["value"].transform("nunique") == 1
        repeat = same & group.index.to_series(index=group.index).ne(
            grouped["row"].transform(lambda r: r.index[0])
        )
        reasons[group.index[repeat]] = (
            "与第" + first_row[repeat].astype(str) + "行重复（数值相同），只保留一次"
        )
        reasons[group.index[~same]] = (
            "同一站点同一小时在第"
            + rows_listed[~same]
            + "行有不同的数值，请只保留正确的一行后重新导入"
        )
    bad = reasons != ""
    rejects = pd.DataFrame(
        {
            "行号": long.loc[bad, "row"].to_numpy(),
            "站点": long.loc[bad, "station"].astype("string").to_numpy(),
            "时间": long.loc[bad, "time_text"].to_numpy(),
            "污染物": long.loc[bad, "pollutant_text"].to_numpy(),
            "值": long.loc[bad, "value_text"].to_numpy(),
            "原因": reasons[bad].to_numpy(),
        }
    )
    row_level = rejects["原因"].str.startswith((_UNKNOWN_STATION, "时间"))
    rejects.loc[row_level, ["污染物", "值"]] = ""
    rejects = (
        rejects.drop_duplicates(["行号", "原因", "污染物"])
        .sort_values(["行号", "污染物"], kind="stable")
        .reset_index(drop=True)
    )
    good = long.loc[~bad, list(HOURLY_COLUMNS)].reset_index(drop=True)
    good["station_id"] = good["station_id"].astype(str)
    good["pollutant"] = good["pollutant"].astype(str)
    good["time"] = pd.to_datetime(good["time"]).astype("datetime64[us]")
    return good, rejects, list(dict.fromkeys(notes))


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
