"""Export workspace layers and tables to the formats report writers hand on.

GeoPackage and Shapefile for GIS staff, KML for field tablets and phone map apps,
GeoJSON and GeoParquet for web developers, CSV and Excel for everyone. Every file is
written beside its target under a temporary name and renamed when complete, so a
failure never leaves a half-written file.

Coordinate systems (``crs``):

``wgs84``
    EPSG:4326, as stored. KML and GeoJSON are always this (RFC 7946).
``cgcs2000``
    EPSG:4490, China's national system; it agrees with WGS-84 to a few centimetres,
    so the coordinates are the stored ones, labelled EPSG:4490.
``gcj02``
    Every vertex shifted to GCJ-02 for Amap/Tencent-based apps. There is no EPSG code
    for GCJ-02, so the file name ends in ``_GCJ02`` and a ``coord_sys`` column says
    ``GCJ-02``: nobody should mistake it for WGS-84.
``EPSG:n``
    Any other system (e.g. EPSG:4547, CGCS2000 Gauss-Krüger 114°E), by pyproj.

Shapefile field names are at most 10 bytes (the dBASE limit). The rule, applied in
column order, depends only on the column names and the encoding:

1. a name of at most 10 bytes in the chosen encoding is kept;
2. a longer name has each ``_``-separated word abbreviated by :data:`ABBREVIATIONS`
   and is then cut to 10 bytes (never inside a character);
3. a name equal (ignoring case) to one already given gets ``_2``, ``_3``... in place
   of its last characters.

The mapping is written beside the Shapefile as ``NAME_fields.csv`` (columns
``field``, ``shp_field``, ``header_zh``).

KML text is built by :mod:`geoair.export_kml` (``kml_document``, re-exported here) and
values are made readable (是/否, dates as text) by ``geoair._export_values``.
"""

from __future__ import annotations

import pandas as pd

from geoair.io.paths import child
from geoair.reports.export import GEOMETRY_ONLY, export_frame
from geoair.reports.values import _is_geo

__all__ = ["REPORT_LAYERS", "demo_step"]


# Layers the report folder carries, if the workspace has them: (layer, formats).
REPORT_LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("counties", ("gpkg",)),
    ("parks", ("gpkg", "kml")),
    ("stations", ("gpkg", "kml")),
    ("enterprises", ("gpkg", "shp", "kml", "xlsx")),
    ("gates", ("gpkg",)),
    ("gangue_heaps", ("gpkg", "kml")),
    ("gate_roads", ("gpkg", "shp")),
    ("park_scores", ("xlsx",)),
    ("risk_scores", ("gpkg",)),
    ("patrol_stops", ("kml",)),
    ("surface_zones", ("gpkg",)),
)


def _report_month(ws) -> str | None:
    for name in ("inspections", "cases"):
        frame = ws.read(name, required=False)
        if frame is not None and len(frame):
            dates = pd.to_datetime(frame["inspection_date"], errors="coerce").dropna()
            if len(dates):
                return f"{dates.max():%Y-%m}"
    return None


def _pm25_month(ws) -> str | None:
    """The latest month with both monthly station values and PM2.5 targets."""
    if not (ws.has("station_monthly") and ws.has("targets")):
        return None
    monthly, targets = ws.read("station_monthly"), ws.read("targets")
    column = next((c for c in ("period", "month") if c in monthly.columns), None)
    if column is None:
        return None
    have = set(monthly[column].astype(str))
    wanted = set(targets.loc[targets["metric"].astype(str) == "pm25", "period"].astype(str))
    both = sorted(m for m in have & wanted if len(m) == 7)
    return both[-1] if both else None


def demo_step(ws, echo) -> None:
    """Write ``outputs/report-MONTH/``: a surface, layers in several formats, the forms."""
    from geoair.errors import GeoairError
    from geoair.reports.form_model import write_workbook
    from geoair.reports.forms import pm25_target_form, write_forms
    from geoair.reports.surface import make_surface

    month = _report_month(ws)
    if month is None:
        echo("  no inspections or cases: no report folder")
        return
    folder = child(ws.outputs_dir, f"report-{month}")  # the month comes from the data
    pm_month = _pm25_month(ws)
    for pollutant, period in (("PM2.5", pm_month), ("dustfall", month)):
        if period is None:
            continue
        try:
            surface, path, zones = make_surface(
                ws,
                pollutant,
                period=period,
                out=child(folder, f"surface_{pollutant.replace('.', '')}_{period}", suffix=".tif"),
            )
        except GeoairError as exc:
            echo(f"  surface {pollutant}: {exc}")
            continue
        echo(f"  surface: {path.name}: {surface.summary}")
        if len(zones):
            worst = zones.sort_values("mean", ascending=False).iloc[0]
            echo(
                f"    highest mean: {worst['zone_kind']} {worst['zone']} "
                f"{worst['mean']:.1f} {worst['unit']}"
            )
    count = 0
    available = set(ws.layers())
    for name, formats in REPORT_LAYERS:
        if name not in available:
            continue
        frame = ws.read(name)
        for fmt in formats:
            if fmt in GEOMETRY_ONLY and not _is_geo(frame):
                continue
            count += len(export_frame(frame, folder / "layers" / name, fmt=fmt, layer=name))
    if "enterprises" in available:
        count += len(
            export_frame(
                ws.read("enterprises"),
                folder / "layers" / "enterprises",
                fmt="kml",
                crs="gcj02",
                layer="enterprises",
            )
        )
    echo(
        f"  layers: {count} files in {folder / 'layers'} (KML for tablets, *_GCJ02.kml for "
        "Amap-based apps, Shapefiles with *_fields.csv)"
    )
    try:
        report = write_forms(ws, month=month, folder=folder / "forms")
        for path in report.written:
            echo(f"  form: {path.name}")
    except GeoairError as exc:
        echo(f"  forms: {exc}")
    if pm_month is not None and pm_month != month:
        form = pm25_target_form(
            month=pm_month,
            station_monthly=ws.read("station_monthly"),
            stations=ws.read("stations"),
            targets=ws.read("targets"),
            county_monthly=ws.read("county_monthly", required=False),
            city=ws.settings["workspace"]["name"],
        )
        path = write_workbook(
            [form], child(folder / "forms", f"PM2.5目标完成情况_{pm_month}", suffix=".xlsx")
        )
        echo(f"  form: {path.name} (the latest month with PM2.5 targets and readings)")
    echo(f"  report folder: {folder}")
