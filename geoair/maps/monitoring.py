"""Monitoring and patrol layers of the map: stations, station-suspect lines, patrols.

Stations are coloured by target met/missed (``targets_check``), by AQI category
(``station_monthly`` with an ``aqi`` or ``category`` column) and by kind; their
popups hold the month's values and an inline SVG chart of monthly PM2.5.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoair.maps import styles
from geoair.maps.model import (
    _MONTHLY_SKIP,
    _POLLUTANT_LABELS,
    GROUPS,
    LAYER_TITLES,
    MapLayer,
    Mode,
    SubTable,
    _class_index,
    _col,
    _fmt_date,
    _fmt_dates,
    _fmt_number,
    _fmt_numbers,
    _month_of,
    _pick,
    _representative_points,
)
from geoair.maps.styles import StyleClass
from geoair.messages import say_map, t

__all__ = ["PLOT_MAX", "PLOT_WIDTH_PX"]


log = logging.getLogger(__name__)


def _station_positions(table: pd.DataFrame, stations: pd.DataFrame, *columns: str) -> pd.Series:
    ids = {v: i for i, v in enumerate(_col(stations, "id").astype(str))}
    names = {v: i for i, v in enumerate(_col(stations, "name").astype(str))}
    out = pd.Series(-1, index=table.index, dtype=np.int64)
    for column in columns:
        if column not in table.columns:
            continue
        # zip, not items(): pandas-stubs types labels from items() as mere Hashables
        for idx, value in zip(table.index, table[column], strict=True):
            if out[idx] < 0:
                out[idx] = ids.get(str(value), names.get(str(value), -1))
    return out


def _monthly_wide(monthly: pd.DataFrame) -> pd.DataFrame:
    """station_monthly as one row per station and month (pivoting a long table)."""
    pollutant, value = _pick(monthly, "pollutant"), _pick(monthly, "value", "mean")
    month_col = _pick(monthly, "month", "period")
    key = _pick(monthly, "station_id", "station", "station_name", "id", "name")
    if key is None or month_col is None:
        return pd.DataFrame()
    frame = monthly.copy()
    frame["_month"] = _month_of(frame[month_col])
    if pollutant and value:
        wide = frame.pivot_table(
            index=[key, "_month"], columns=pollutant, values=value, aggfunc="first"
        ).reset_index()
        wide.columns = [str(c) for c in wide.columns]
        return wide.rename(columns={key: "_key"})
    return frame.rename(columns={key: "_key"}).drop(columns=[month_col])


def _sparkline(values: Sequence[float], labels: Sequence[str], title: str) -> str:
    """A small inline SVG line chart; ``values`` are numbers, labels are "YYYY-MM" text."""
    width, height, pad = 220, 60, 4
    finite = [v for v in values if v is not None and np.isfinite(v)]
    if len(finite) < 2:
        return ""
    lo, hi = min(finite), max(finite)
    span = (hi - lo) or 1.0
    step = (width - 2 * pad) / (len(values) - 1)
    points = " ".join(
        f"{pad + i * step:.1f},{height - pad - (v - lo) / span * (height - 2 * pad):.1f}"
        for i, v in enumerate(values)
        if v is not None and np.isfinite(v)
    )
    caption = html.escape(
        t("maps.sparkline", title=say_map(title), first=labels[0], last=labels[-1], lo=lo, hi=hi)
    )
    return (
        f'<div class="ga-chart"><svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><polyline fill="none" stroke="#2171b5" '
        f'stroke-width="2" points="{points}"/></svg><div>{caption}</div></div>'
    )


# Polar plots put in station popups are shrunk to this width (pixels); at most this many.
PLOT_WIDTH_PX = 360
PLOT_MAX = 300


def _plot_thumbnail(path: str) -> str:
    """A PNG file as a small inline <img> (data: URL), or "" when it cannot be read."""
    import base64
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
            image.thumbnail((PLOT_WIDTH_PX, PLOT_WIDTH_PX * 2))
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", optimize=True)
    except (OSError, UnidentifiedImageError) as exc:
        log.info("polar plot %s not shown: %s", path, exc)
        return ""
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<div class="ga-chart"><img alt="{t("maps.polar_alt")}" width="{PLOT_WIDTH_PX}" '
        f'src="data:image/png;base64,{data}"></div>'
    )


def _station_plots(frames, stations: pd.DataFrame) -> dict[int, str]:
    """Inline polar plots (from geoair sources) per station position."""
    plots = frames.get("source_plots")
    if plots is None or plots.empty or "png" not in plots.columns:
        return {}
    if "period" in plots.columns:  # one plot per station and period: show the latest
        plots = plots.sort_values("period", ascending=False, kind="stable")
    plots = plots.reset_index(drop=True)
    plots["_pos"] = _station_positions(plots, stations, "station_id", "station_name")
    plots = plots[(plots["_pos"] >= 0) & plots["png"].notna()].drop_duplicates("_pos")
    out = {}
    for pos, path in zip(plots["_pos"].head(PLOT_MAX), plots["png"].head(PLOT_MAX), strict=True):
        picture = _plot_thumbnail(path)
        if picture:
            out[int(pos)] = picture
    return out


def _aqi_strip(categories: Sequence, dates: Sequence[str]) -> str:
    """The month's days as small squares in their HJ 633 category colours, with counts."""
    index = _class_index(pd.Series(list(categories)), styles.AQI_NAMES, missing=6)
    size, gap = 8, 1
    rects = "".join(
        f'<rect x="{k * (size + gap)}" y="0" width="{size}" height="14" '
        f'fill="{styles.AQI[c].color}"/>'
        for k, c in enumerate(index.tolist())
    )
    counts = np.bincount(index, minlength=7)
    words = t("maps.day_sep").join(
        t("maps.days", name=say_map(name), n=counts[k])
        for k, name in enumerate(styles.AQI_NAMES)
        if counts[k]
    )
    caption = html.escape(
        t("maps.daily_strip", first=dates[0], last=dates[-1])
        + (words or str(say_map("无有效数据")))
    )
    width = len(index) * (size + gap)
    return (
        f'<div class="ga-chart"><svg width="{width}" height="14" viewBox="0 0 {width} 14">'
        f"{rects}</svg><div>{caption}</div></div>"
    )


def _daily_categories(frames, stations, chosen, modes, extra) -> str | None:
    """From station_daily: each station's share of good days (AQI ≤ 100) in the month as
    a colour mode, and a strip of its daily AQI categories in the popup. Returns the month.
    """
    daily = frames.get("station_daily")
    key = _pick(daily, "station_id", "station")
    if daily is None or daily.empty or key is None or "date" not in daily.columns:
        return chosen
    daily = daily.copy()
    daily["_month"] = _month_of(pd.to_datetime(daily["date"], errors="coerce"))
    chosen = chosen or daily["_month"].max()
    daily = daily[daily["_month"] == chosen]
    daily["_pos"] = _station_positions(daily, stations, key)
    daily = daily[daily["_pos"] >= 0].sort_values(["_pos", "date"], kind="stable")
    if daily.empty:
        return chosen
    aqi = pd.to_numeric(_col(daily, "aqi"), errors="coerce").to_numpy()
    share = (
        pd.DataFrame(
            {"_pos": daily["_pos"].to_numpy(), "good": aqi <= 100, "valid": np.isfinite(aqi)}
        )
        .groupby("_pos")[["good", "valid"]]
        .sum()
    )
    ratio = (share["good"] / share["valid"].where(share["valid"] > 0)).to_numpy()
    cls = np.full(len(stations), len(styles.GOOD_DAYS) - 1, dtype=np.int16)
    cls[share.index.to_numpy()] = np.where(
        np.isfinite(ratio),
        np.searchsorted(styles.GOOD_DAYS_LOWER, ratio, side="right"),
        len(styles.GOOD_DAYS) - 1,
    )
    modes.insert(0, Mode("good_days", f"{chosen} 优良天比例", styles.GOOD_DAYS, cls))
    if "category" in daily.columns:
        dates = _fmt_dates(daily["date"])
        for pos, rows in daily.assign(_d=dates.to_numpy()).groupby("_pos"):
            strip = _aqi_strip(rows["category"].tolist(), rows["_d"].tolist())
            extra[int(pos)] = strip + extra.get(int(pos), "")
    return chosen


def _team_classes(teams: pd.Series) -> tuple[tuple[StyleClass, ...], np.ndarray]:
    """Legend classes and class index per row for patrol teams.

    A numbered team takes the colour of its number (team 1 the first colour), so routes
    and stops of the same team match whichever rows each layer holds.
    """
    order = sorted(
        dict.fromkeys(teams), key=lambda t: (not t.isdigit(), int(t) if t.isdigit() else 0, t)
    )
    palette = styles.PATROL_TEAMS

    def colour(position: int, team: str) -> str:
        index = int(team) - 1 if team.isdigit() and int(team) > 0 else position
        return palette[index % len(palette)]

    classes = tuple(
        StyleClass(f"第{t}组" if t.isdigit() else t, colour(i, t)) for i, t in enumerate(order)
    )
    position = {team: i for i, team in enumerate(order)}
    return classes, np.array([position[t] for t in teams], dtype=np.int16)


def _stations(frames, settings, month) -> MapLayer | None:
    stations = frames.get("stations")
    if stations is None or stations.empty:
        return None
    stations = stations.reset_index(drop=True)
    n = len(stations)
    fields = [
        ("站点", _col(stations, "name")),
        ("编号", _col(stations, "id")),
        ("类型", _col(stations, "kind")),
        ("县区", _col(stations, "county")),
    ]
    modes = [
        Mode(
            "kind",
            "站点类型",
            styles.STATION_KIND,
            _class_index(_col(stations, "kind"), styles.STATION_KIND_ORDER, missing=5),
        )
    ]
    tables: list[SubTable] = []
    extra: dict[int, str] = {}
    chosen = month
    monthly = frames.get("station_monthly")
    if monthly is not None and not monthly.empty:
        wide = _monthly_wide(monthly)
        if not wide.empty:
            wide["_pos"] = _station_positions(wide, stations, "_key")
            wide = wide[wide["_pos"] >= 0]
            chosen = month or (wide["_month"].max() if len(wide) else None)
            now = wide[wide["_month"] == chosen]
            value_cols = [
                c
                for c in wide.columns
                if c not in ("_key", "_month", "_pos")
                and c not in _MONTHLY_SKIP
                and not str(c).startswith("days_")
            ]
            long = (
                now[["_pos", *value_cols]]
                .astype({c: object for c in value_cols})
                .melt(id_vars="_pos", var_name="指标", value_name="数值")
            )
            long = long.sort_values("_pos", kind="stable").reset_index(drop=True)
            numbers = pd.to_numeric(long["数值"], errors="coerce")
            long["数值"] = _fmt_numbers(numbers, 3).where(
                numbers.notna().to_numpy(),
                long["数值"].astype(object).where(long["数值"].notna(), None).to_numpy(),
            )
            long["指标"] = pd.Series(
                [say_map(_POLLUTANT_LABELS.get(str(c).lower(), str(c))) for c in long["指标"]],
                index=long.index,
                dtype=object,
            )
            tables.append(
                SubTable(
                    f"{chosen} 月度数值",
                    ["指标", "数值"],
                    frame=long.rename(columns={"_pos": "_feature"}),
                )
            )
            aqi_col = _pick(now, "aqi", "AQI")
            cat_col = _pick(now, "category", "aqi_category", "类别")
            if aqi_col or cat_col:
                cls = np.full(n, 6, dtype=np.int16)
                if cat_col:
                    got = _class_index(now[cat_col], styles.AQI_NAMES, missing=6)
                else:
                    aqi = pd.to_numeric(now[aqi_col], errors="coerce").to_numpy()
                    got = np.where(
                        np.isfinite(aqi), np.searchsorted(styles.AQI_UPPER, aqi, side="left"), 6
                    )
                cls[now["_pos"].to_numpy()] = got
                modes.insert(0, Mode("aqi", "空气质量类别", styles.AQI, cls))
            pm = _pick(wide, "PM2.5", "pm25", "pm25_ug_m3")
            if pm:
                pos: Any  # a group key: pandas-stubs types it as any scalar
                for pos, group in wide.sort_values("_month").groupby("_pos"):
                    series = pd.to_numeric(group[pm], errors="coerce").tolist()
                    chart = _sparkline(series, group["_month"].tolist(), "PM2.5 月均值 µg/m³")
                    if chart:
                        extra[int(pos)] = chart
    chosen = _daily_categories(frames, stations, chosen, modes, extra)
    checks = frames.get("targets_check")
    met_col = _pick(checks, "met", "达标")
    if checks is not None and met_col is not None and not checks.empty:
        checks = checks.copy()
        scope = _pick(checks, "scope")
        if scope:
            checks = checks[checks[scope].isin(["station", "站点"])]
        period = _pick(checks, "period", "month")
        if period and len(checks):
            checks = checks[checks[period].astype(str).str.len() <= 7]  # months, not quarters
            months = _month_of(checks[period])
            chosen = chosen or months.max()
            checks = checks[months == chosen]
        checks["_pos"] = _station_positions(
            checks,
            stations,
            *(c for c in ("station_id", "target_name", "station", "name") if c in checks.columns),
        )
        checks = checks[checks["_pos"] >= 0]
        if len(checks):
            met = checks[met_col].astype("boolean")
            missed = checks.assign(_missed=met.eq(False)).groupby("_pos")["_missed"].any()
            cls = np.full(n, 2, dtype=np.int16)
            cls[missed.index.to_numpy()] = np.where(missed.to_numpy(), 1, 0)
            modes.insert(0, Mode("target", "目标达标", styles.TARGET, cls))
            metric, actual, target = (
                _pick(checks, "metric"),
                _pick(checks, "actual", "value"),
                _pick(checks, "target"),
            )
            rows: dict[int, list[list]] = {}
            for pos, (_, record) in zip(checks["_pos"], checks.iterrows(), strict=True):
                rows.setdefault(int(pos), []).append(
                    [
                        str(record[metric]) if metric else None,
                        _fmt_number(record[actual], 2) if actual else None,
                        _fmt_number(record[target], 2) if target else None,
                        {True: "达标", False: "未达标"}.get(record[met_col]),
                    ]
                )
            tables.append(SubTable(f"{chosen} 目标考核", ["指标", "实际", "目标", "结果"], rows))
    for pos, picture in _station_plots(frames, stations).items():
        extra[pos] = extra.get(pos, "") + picture
    return MapLayer(
        "stations",
        LAYER_TITLES["stations"],
        GROUPS["stations"],
        "point",
        stations.geometry,
        modes,
        fields,
        tables,
        extra_html=extra,
        note=t("maps.month_of", month=chosen) if chosen else "",
    )


def _in_month(frame: pd.DataFrame | None, month: str | None) -> pd.DataFrame | None:
    """The rows of ``frame`` dated in ``month`` (all without a month or a date column)."""
    if frame is None or month is None:
        return frame
    column = _pick(frame, "date")
    if column is None:
        return frame
    return frame[_month_of(pd.Series(frame[column]).astype(str)).to_numpy() == month]


def _period_covers(period: object, month: str) -> bool:
    """True when ``period`` ("2020-11", "2020-10/2020-12", "2020") holds ``month``."""
    text = str(period)
    first, _, last = text.partition("/")
    if re.fullmatch(r"\d{4}", first) and not last:
        return text == month[:4]
    last = last or first
    return first[:7] <= month <= last[:7]


def _patrol(frames, month: str | None = None) -> tuple[MapLayer | None, MapLayer | None]:
    """The patrol routes (lines, one colour per team) and numbered stops; with ``month``,
    only a plan of that month (none when the workspace's plan is of another month)."""
    out: list[MapLayer | None] = [None, None]
    routes = _in_month(frames.get("patrol_routes"), month)
    stops = _in_month(frames.get("patrol_stops"), month)
    if month is not None:  # one plan: a layer without dates follows the other's
        dated = [
            frame
            for frame in (frames.get("patrol_routes"), frames.get("patrol_stops"))
            if frame is not None and _pick(frame, "date") is not None
        ]
        if dated and all(
            (rows := _in_month(frame, month)) is None or rows.empty for frame in dated
        ):
            routes = stops = None
    if routes is not None and not routes.empty:
        routes = routes.reset_index(drop=True)
        team_col = _pick(routes, "team", "team_id", "组")
        teams = _col(routes, team_col or "team").astype(str)
        classes, cls = _team_classes(teams)
        length = _pick(routes, "length_m", "distance_m")
        fields = [
            ("巡查组", teams),
            (
                "日期",
                _col(routes, _pick(routes, "date") or "date").map(
                    lambda v: _fmt_date(v) if not isinstance(v, str) else v
                ),
            ),
        ]
        if length:
            fields.append(
                (
                    "路线长度(公里)",
                    pd.to_numeric(routes[length], errors="coerce").map(
                        lambda v: None if pd.isna(v) else round(v / 1000, 2)
                    ),
                )
            )
        out[0] = MapLayer(
            "patrol_routes",
            LAYER_TITLES["patrol_routes"],
            GROUPS["patrol_routes"],
            "line",
            cast(gpd.GeoSeries, routes.geometry),
            [Mode("team", "巡查组", classes, cls)],
            fields,
        )
    if stops is not None and not stops.empty:
        stops = stops.reset_index(drop=True)
        team_col = _pick(stops, "team", "team_id")
        teams = _col(stops, team_col or "team").astype(str)
        classes, cls = _team_classes(teams)
        seq = _col(stops, _pick(stops, "order", "stop", "seq", "sequence") or "order")
        name = _col(stops, _pick(stops, "site_name", "name", "enterprise_name") or "name")
        fields = [
            ("点位", name),
            ("巡查组", teams),
            ("顺序", seq.map(_fmt_number)),
            ("原因", _col(stops, _pick(stops, "reason", "reasons") or "reason")),
            (
                "风险分",
                pd.to_numeric(
                    _col(stops, _pick(stops, "risk", "score") or "risk"), errors="coerce"
                ).map(_fmt_number),
            ),
        ]
        out[1] = MapLayer(
            "patrol_stops",
            LAYER_TITLES["patrol_stops"],
            GROUPS["patrol_stops"],
            "point",
            _representative_points(cast(gpd.GeoSeries, stops.geometry)),
            [Mode("team", "巡查组", classes, cls)],
            fields,
            labels=seq.map(lambda v: "" if pd.isna(v) else str(_fmt_number(v))),
        )
    return out[0], out[1]


def _suspects(frames, month: str | None = None) -> MapLayer | None:
    """Lines from stations to their top-3 suspects of one period: the period holding
    ``month``, else the latest one ranked (periods are never mixed on a map)."""
    suspects = frames.get("source_suspects")
    if suspects is None or suspects.empty:
        return None
    period_col = _pick(suspects, "period")
    if period_col is not None:
        periods = suspects[period_col].astype(str)
        if month is not None:
            keep = periods.map(lambda p: _period_covers(p, month)).to_numpy(bool)
        else:
            latest = max(periods, key=lambda p: (p.split("/")[-1], p))
            keep = (periods == latest).to_numpy()
        suspects = suspects[keep]
        if suspects.empty:
            return None
    suspects = suspects.reset_index(drop=True)
    rank_col = _pick(suspects, "rank")
    if rank_col is not None:
        suspects = suspects[pd.to_numeric(suspects[rank_col], errors="coerce") <= 3]
        suspects = suspects.reset_index(drop=True)
    geometry: gpd.GeoSeries | None
    if isinstance(suspects, gpd.GeoDataFrame) and suspects.geometry.name in suspects:
        geometry = suspects.geometry
    else:
        geometry = _suspect_lines(suspects, frames)
        if geometry is None:
            log.info("source_suspects has no geometry and no station/source coordinates; not drawn")
            return None
    keep = geometry.notna().to_numpy() & ~geometry.is_empty.to_numpy()
    suspects, geometry = (
        suspects[keep].reset_index(drop=True),
        cast(gpd.GeoSeries, geometry[keep].reset_index(drop=True)),  # pandas-stubs: a Series
    )
    fields = [
        ("疑似源", _col(suspects, _pick(suspects, "source_name", "name") or "source_name")),
        (
            "站点",
            _col(suspects, _pick(suspects, "station_name", "station", "station_id") or "station"),
        ),
        ("排名", _col(suspects, rank_col or "rank").map(_fmt_number)),
        (
            "得分",
            pd.to_numeric(_col(suspects, _pick(suspects, "score") or "score"), errors="coerce").map(
                lambda v: _fmt_number(v, 3)
            ),
        ),
        (
            "距离(米)",
            pd.to_numeric(
                _col(suspects, _pick(suspects, "distance_m") or "d"), errors="coerce"
            ).map(_fmt_number),
        ),
    ]
    return MapLayer(
        "source_suspects",
        LAYER_TITLES["source_suspects"],
        GROUPS["source_suspects"],
        "line",
        geometry,
        [
            Mode(
                "suspect",
                "站点-疑似污染源",
                (styles.SUSPECT,),
                np.zeros(len(suspects), dtype=np.int16),
            )
        ],
        fields,
    )


def _suspect_lines(table: pd.DataFrame, frames) -> gpd.GeoSeries | None:
    """Lines station -> source from ids, when the suspects table has no geometry."""
    stations = frames.get("stations")
    station_col = _pick(table, "station_id", "station")
    source_col = _pick(table, "source_id")
    if stations is None or station_col is None or source_col is None:
        return None
    where: dict[str, Any] = {}
    for name in ("enterprises", "gangue_heaps"):
        layer = frames.get(name)
        if layer is not None:
            points = _representative_points(layer.geometry)
            where.update(zip(_col(layer, "id").astype(str), points, strict=True))
    station_at = dict(zip(_col(stations, "id").astype(str), stations.geometry, strict=True))
    station_at.update(zip(_col(stations, "name").astype(str), stations.geometry, strict=True))
    lines = []
    for station, source in zip(
        table[station_col].astype(str), table[source_col].astype(str), strict=True
    ):
        a, b = station_at.get(station), where.get(source)
        lines.append(shapely.LineString([a, b]) if a is not None and b is not None else None)
    # types-geopandas wants geometries only; None (a missing one) is fine
    return gpd.GeoSeries(lines, crs=stations.crs)  # type: ignore[arg-type]
