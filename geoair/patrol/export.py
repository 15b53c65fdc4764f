"""The day's plan as files: GPX and KML for field tablets, Excel to print, an HTML map.

Every file is written atomically (:func:`geoair.io.writers.atomic_path`): it appears whole or
not at all.

* GPX 1.1 (:func:`write_gpx`): one waypoint per stop (name ``组-序号 点位``, the
  reasons as description), one route per team (start, stops, start) for navigation
  apps, and one track per team with the road geometry.
* KML (:func:`write_kml`): a folder per team with its route line (a colour per team)
  and numbered stops whose descriptions hold the reasons; opens in Google Earth,
  Ovital (奥维) and phone map apps.
* Excel (:func:`write_excel`): a summary sheet and one printable sheet per team
  (landscape, one page wide) with blank columns for the inspector's findings.
* HTML (:func:`write_map`): the offline map of :mod:`geoair.maps` with the routes,
  numbered stops and county outlines.
"""

from __future__ import annotations

import datetime as dt
import logging
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import pandas as pd

from geoair.io.spreadsheets import row_cells, save_workbook
from geoair.io.xmlsafe import xml_bytes
from geoair.store.settings import MapsSettings
from geoair.store.tempfiles import atomic_path

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from geoair.patrol.plan import PatrolPlan

__all__ = [
    "GPX_NS",
    "KML_NS",
    "SHEET_COLUMNS",
    "TEAM_COLOURS",
    "write_excel",
    "write_gpx",
    "write_kml",
    "write_map",
    "write_plan_files",
]


log = logging.getLogger(__name__)

GPX_NS = "http://www.topografix.com/GPX/1/1"
KML_NS = "http://www.opengis.net/kml/2.2"
# One colour per team (RGB), repeated after eight teams.
TEAM_COLOURS = ("e6194b", "3cb44b", "4363d8", "f58231", "911eb4", "008080", "9a6324", "800000")


def _write_bytes(path: Path, data: bytes) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    log.info("wrote %s", path)
    return path


def _stop_label(row) -> str:
    return f"{int(row.team)}-{int(row.stop):02d} {row.name}"


def _xml(root: ET.Element) -> bytes:
    return xml_bytes(root, indent=True)


def _sub(parent: ET.Element, tag: str, text: Any = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = str(text)
    return element


def write_gpx(plan: PatrolPlan, path: Path | str) -> Path:
    """Write the plan as GPX 1.1 (waypoints, one route and one track per team)."""
    ET.register_namespace("", GPX_NS)
    q = f"{{{GPX_NS}}}"
    root = ET.Element(f"{q}gpx", {"version": "1.1", "creator": "geoair"})
    meta = _sub(root, f"{q}metadata")
    _sub(meta, f"{q}name", f"巡查计划 {plan.date:%Y-%m-%d}")
    _sub(
        meta,
        f"{q}desc",
        f"起点 {plan.start.name}；{len(plan.routes)} 组，"
        f"{len(plan.stops)} 个点位，全程 {plan.total_m / 1000:.1f} 公里",
    )
    _sub(meta, f"{q}time", dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    def point(parent: ET.Element, tag: str, lon: float, lat: float) -> ET.Element:
        return _sub(parent, tag, lat=f"{lat:.7f}", lon=f"{lon:.7f}")

    start = point(root, f"{q}wpt", plan.start.lon, plan.start.lat)
    _sub(start, f"{q}name", f"起点 {plan.start.name}")
    _sub(start, f"{q}sym", "Flag, Blue")
    # itertuples() rows and group keys: pandas-stubs types each field as any scalar.
    row: Any
    team: Any
    for row in plan.stops.itertuples():
        wpt = point(root, f"{q}wpt", row.lon, row.lat)
        _sub(wpt, f"{q}name", _stop_label(row))
        _sub(wpt, f"{q}cmt", row.why)
        _sub(wpt, f"{q}desc", row.reasons)
        _sub(wpt, f"{q}sym", "Flag, Red")
        _sub(wpt, f"{q}type", row.kind_zh)
    for team, stops in plan.stops.groupby("team", sort=True):
        rte = _sub(root, f"{q}rte")
        _sub(rte, f"{q}name", f"第{team}组")
        _sub(rte, f"{q}number", int(team))
        first = point(rte, f"{q}rtept", plan.start.lon, plan.start.lat)
        _sub(first, f"{q}name", plan.start.name)
        for row in stops.sort_values("stop").itertuples():
            rtept = point(rte, f"{q}rtept", row.lon, row.lat)
            _sub(rtept, f"{q}name", _stop_label(row))
        last = point(rte, f"{q}rtept", plan.start.lon, plan.start.lat)
        _sub(last, f"{q}name", plan.start.name)
    for row in plan.routes.itertuples():
        trk = _sub(root, f"{q}trk")
        _sub(trk, f"{q}name", f"第{row.team}组 路线 {row.length_m / 1000:.1f} 公里")
        _sub(trk, f"{q}number", int(row.team))
        seg = _sub(trk, f"{q}trkseg")
        for lon, lat in row.geometry.coords:
            point(seg, f"{q}trkpt", lon, lat)
    return _write_bytes(Path(path), _xml(root))


def _kml_colour(rgb: str, alpha: str = "ff") -> str:
    return alpha + rgb[4:6] + rgb[2:4] + rgb[0:2]  # KML is aabbggrr


def write_kml(plan: PatrolPlan, path: Path | str) -> Path:
    """Write the plan as KML: a folder per team with its route and numbered stops."""
    ET.register_namespace("", KML_NS)
    q = f"{{{KML_NS}}}"
    root = ET.Element(f"{q}kml")
    doc = _sub(root, f"{q}Document")
    _sub(doc, f"{q}name", f"巡查计划 {plan.date:%Y-%m-%d}")
    _sub(doc, f"{q}description", f"起点 {plan.start.name}；全程 {plan.total_m / 1000:.1f} 公里")
    teams = sorted(plan.routes["team"].astype(int)) if len(plan.routes) else []
    for team in teams:
        colour = TEAM_COLOURS[(team - 1) % len(TEAM_COLOURS)]
        style = _sub(doc, f"{q}Style", id=f"team{team}")
        line = _sub(style, f"{q}LineStyle")
        _sub(line, f"{q}color", _kml_colour(colour))
        _sub(line, f"{q}width", 4)
        icon = _sub(style, f"{q}IconStyle")
        _sub(icon, f"{q}color", _kml_colour(colour))
    start = _sub(doc, f"{q}Placemark")
    _sub(start, f"{q}name", f"起点 {plan.start.name}")
    _sub(_sub(start, f"{q}Point"), f"{q}coordinates", f"{plan.start.lon:.7f},{plan.start.lat:.7f}")
    row: Any  # an itertuples() row: pandas-stubs types each field as any scalar
    for team in teams:
        folder = _sub(doc, f"{q}Folder")
        route = plan.routes[plan.routes["team"] == team].iloc[0]
        _sub(
            folder,
            f"{q}name",
            f"第{team}组（{int(route['stops'])}个点位，{route['length_m'] / 1000:.1f} 公里）",
        )
        mark = _sub(folder, f"{q}Placemark")
        _sub(mark, f"{q}name", f"第{team}组 路线")
        _sub(mark, f"{q}description", str(route["sites"]))
        _sub(mark, f"{q}styleUrl", f"#team{team}")
        coords = " ".join(f"{x:.7f},{y:.7f}" for x, y in route.geometry.coords)
        _sub(_sub(mark, f"{q}LineString"), f"{q}coordinates", coords)
        stops = plan.stops[plan.stops["team"] == team].sort_values("stop")
        for row in stops.itertuples():
            mark = _sub(folder, f"{q}Placemark")
            _sub(mark, f"{q}name", _stop_label(row))
            so_far = f"累计 {row.distance_so_far_m / 1000:.1f} 公里"
            _sub(mark, f"{q}description", f"{row.kind_zh}；{row.why}；{row.reasons}；{so_far}")
            _sub(mark, f"{q}styleUrl", f"#team{team}")
            _sub(_sub(mark, f"{q}Point"), f"{q}coordinates", f"{row.lon:.7f},{row.lat:.7f}")
    return _write_bytes(Path(path), _xml(root))


SHEET_COLUMNS = (
    ("stop", "序号", 6),
    ("name", "点位名称", 26),
    ("kind_zh", "类型", 8),
    ("county", "县区", 10),
    ("score", "风险分", 8),
    ("reasons", "检查原因", 48),
    ("why", "选入理由", 24),
    ("leg_km", "本段里程(公里)", 10),
    ("so_far_km", "累计里程(公里)", 10),
    ("lon", "经度", 12),
    ("lat", "纬度", 12),
    (None, "检查情况", 30),
    (None, "检查人签字", 12),
)


def write_excel(plan: PatrolPlan, path: Path | str) -> Path:
    """Write the plan as a workbook to print: a summary and one sheet per team."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    summary = cast("Worksheet", wb.active)  # a new workbook has one worksheet, active
    summary.title = "汇总"
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(bold=True)
    summary.append(
        row_cells(
            summary,
            [
                f"巡查计划 {plan.date:%Y-%m-%d}　起点：{plan.start.name}　"
                f"距离：{'沿道路' if plan.mode == 'road' else '直线'}"
            ],
        )
    )
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(row_cells(summary, ["巡查组", "点位数", "全程(公里)", "路线"]))
    # itertuples() rows: pandas-stubs types each field as any scalar.
    row: Any
    route: Any
    for row in plan.routes.itertuples():
        summary.append(
            row_cells(
                summary,
                [f"第{row.team}组", int(row.stops), round(row.length_m / 1000, 1), row.sites],
            )
        )
    summary.append(
        row_cells(summary, ["合计", int(len(plan.stops)), round(plan.total_m / 1000, 1), ""])
    )
    for width, letter in zip((10, 8, 12, 100), "ABCD", strict=True):
        summary.column_dimensions[letter].width = width
    for cell in summary[2]:
        cell.font = bold
    stops = (
        plan.stops.assign(
            leg_km=(plan.stops["leg_m"] / 1000).round(1),
            so_far_km=(plan.stops["distance_so_far_m"] / 1000).round(1),
        )
        if (len(plan.stops))
        else plan.stops
    )
    for route in plan.routes.itertuples():
        sheet = wb.create_sheet(f"第{route.team}组")
        sheet.append(
            row_cells(
                sheet,
                [
                    f"{plan.date:%Y-%m-%d} 巡查计划　第{route.team}组　起点：{plan.start.name}"
                    f"　{int(route.stops)}个点位，全程 {route.length_m / 1000:.1f} 公里"
                    f"（含返回 {route.return_leg_m / 1000:.1f} 公里）"
                ],
            )
        )
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(SHEET_COLUMNS))
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(row_cells(sheet, [title for _, title, _ in SHEET_COLUMNS]))
        team = stops[stops["team"] == route.team].sort_values("stop")
        for row in team.itertuples():
            sheet.append(
                row_cells(sheet, [getattr(row, key) if key else "" for key, _, _ in SHEET_COLUMNS])
            )
        for index, (_, _, width) in enumerate(SHEET_COLUMNS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        wrap = Alignment(wrap_text=True, vertical="top")
        for cells in sheet.iter_rows(min_row=2, max_row=sheet.max_row):
            for cell in cells:
                cell.border = box
                cell.alignment = wrap
        for cell in sheet[2]:
            cell.font = bold
        sheet.print_title_rows = "2:2"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    path = Path(path)
    save_workbook(wb, path)
    log.info("wrote %s", path)
    return path


def write_map(
    plan: PatrolPlan,
    path: Path | str,
    *,
    counties: gpd.GeoDataFrame | None = None,
    settings: MapsSettings | None = None,
) -> Path:
    """Write the offline HTML map of the plan (routes, numbered stops, county outlines)."""
    from geoair.maps.interactive import write_html
    from geoair.maps.layers import collect_layers

    start = gpd.GeoDataFrame(
        {
            "team": ["起点"],
            "stop": [0],
            "name": [plan.start.name],
            "reasons": ["出发和返回地点"],
            "score": [None],
        },
        geometry=gpd.points_from_xy([plan.start.lon], [plan.start.lat]),
        crs=plan.stops.crs,
    )
    stops = pd.concat([plan.stops, start], ignore_index=True) if len(plan.stops) else start
    frames: dict[str, pd.DataFrame] = {
        "patrol_routes": plan.routes,
        "patrol_stops": gpd.GeoDataFrame(stops, crs=start.crs),
    }
    if counties is not None and len(counties):
        frames["counties"] = counties
    layers = collect_layers(frames, settings=settings)
    return write_html(
        layers,
        path,
        title=f"巡查计划 {plan.date:%Y-%m-%d}（起点 {plan.start.name}）",
        settings=settings,
    )


def write_plan_files(
    plan: PatrolPlan,
    folder: Path | str,
    *,
    counties: gpd.GeoDataFrame | None = None,
    map_settings: MapsSettings | None = None,
) -> dict[str, Path]:
    """Write ``patrol-DATE.gpx``, ``.kml``, ``.xlsx`` and ``.html`` into ``folder``.

    Returns
    -------
    dict
        Format -> path written.
    """
    folder = Path(folder)
    stem = f"patrol-{plan.date:%Y-%m-%d}"
    written = {
        "gpx": write_gpx(plan, folder / f"{stem}.gpx"),
        "kml": write_kml(plan, folder / f"{stem}.kml"),
        "xlsx": write_excel(plan, folder / f"{stem}.xlsx"),
    }
    try:
        written["html"] = write_map(
            plan, folder / f"{stem}.html", counties=counties, settings=map_settings
        )
    except ImportError as exc:  # geoair.maps not installed in this build
        log.warning("no HTML map: %s", exc)
    return written
