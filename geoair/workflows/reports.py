"""Reports for a workspace: exported layers, the documents' forms, surfaces, a folder.

``geoair export``, ``geoair forms`` and ``geoair surface`` call :func:`run_export`,
:func:`run_forms` and :func:`run_surface`; the demo calls :func:`run_report_folder`,
which writes a month's report folder with all three. The formats, coordinate systems
and Shapefile field names are :mod:`geoair.reports.export`; the forms are
:mod:`geoair.reports.forms` and :mod:`geoair.reports.dispatch`; the surfaces
:mod:`geoair.reports.surface`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoair.errors import GeoairError, OutputError
from geoair.io.paths import child
from geoair.messages import say_unit, t, word
from geoair.progress import Progress, silent
from geoair.reports.export import FORMATS, GEOMETRY_ONLY, export_frame, export_layer
from geoair.reports.form_model import write_workbook
from geoair.reports.forms import FormsReport, annex_periods, target_form, write_forms
from geoair.reports.surface import ZONES_LAYER, Surface, make_surface
from geoair.reports.values import is_geo
from geoair.store.settings import overridden
from geoair.store.workspace import Workspace

__all__ = [
    "ExportOptions",
    "ExportResult",
    "FormsOptions",
    "FormsResult",
    "REPORT_LAYERS",
    "ReportFolderResult",
    "SurfaceOptions",
    "SurfaceResult",
    "describe",
    "campaign_check",
    "run_export",
    "run_forms",
    "run_report_folder",
    "run_surface",
]


@dataclass(frozen=True)
class ExportOptions:
    """Options of ``geoair export KIND``; None keeps the workspace's ``[export]``.

    Parameters
    ----------
    kind : str
        The workspace layer or table.
    fmt : str, optional
        One of :data:`~geoair.reports.export.FORMATS`; default: from ``out``'s
        extension, else ``gpkg``.
    crs, encoding : str, optional
        Coordinate system and Shapefile encoding, over ``[export]``.
    style_by : str, optional
        KML: the field whose values choose colours and folders.
    out : Path, optional
        Output file (default ``outputs/KIND.EXT``).
    """

    kind: str
    fmt: str | None = None
    crs: str | None = None
    encoding: str | None = None
    style_by: str | None = None
    out: Path | None = None


@dataclass(frozen=True)
class ExportResult:
    """The files written."""

    written: list[Path]


def _format_of(options: ExportOptions) -> str:
    if options.fmt is not None:
        return options.fmt
    suffix = options.out.suffix.lower().lstrip(".") if options.out is not None else ""
    fmt = {"json": "geojson", "geoparquet": "parquet"}.get(suffix, suffix) or "gpkg"
    if fmt not in FORMATS:
        name = options.out.name if options.out is not None else ""
        raise OutputError(t("reports.bad_format_name", name=name, formats=", ".join(FORMATS)))
    return fmt


def run_export(ws: Workspace, options: ExportOptions) -> ExportResult:
    """Write a workspace layer or table to a file in a GIS, web or office format."""
    cfg = overridden(ws.settings.export, crs=options.crs, shapefile_encoding=options.encoding)
    written = export_layer(
        ws,
        options.kind,
        fmt=_format_of(options),
        out=options.out,
        crs=cfg.crs,
        encoding=cfg.shapefile_encoding,
        style_by=options.style_by,
    )
    return ExportResult(written=list(written))


@dataclass(frozen=True)
class FormsOptions:
    """Options of ``geoair forms``: the month, one county or the city, the folder."""

    month: str
    county: str | None = None
    out_dir: Path | None = None


@dataclass(frozen=True)
class FormsResult:
    """The workbooks written, and the forms skipped with the reason."""

    report: FormsReport


def campaign_check(ws: Workspace, month: str) -> pd.DataFrame | None:
    """The targets check of the campaign ``month`` belongs to (e.g. 2020-10 to 2020-12 for
    2020-11), computed from the readings; None when the workspace has no targets or no
    hourly readings (the forms then use the stored ``targets_check``)."""
    from geoair.readings.store import has_hourly
    from geoair.workflows.targets import check_workspace

    targets = ws.read("targets", required=False)
    if targets is None or not has_hourly(ws):
        return None
    wanted = targets["metric"].astype(str).isin(["pm25", "good_days"])
    periods = annex_periods(targets.loc[wanted, "period"].astype(str), month)
    if not any(month in p for p in periods):
        return None
    return check_workspace(ws, periods=periods)


def run_forms(ws: Workspace, options: FormsOptions) -> FormsResult:
    """Write the month's forms of the documents as Excel workbooks.

    The target forms are judged afresh from the readings for the month's campaign
    (:func:`campaign_check`), or from the stored ``targets_check``.
    """
    report = write_forms(
        ws,
        month=options.month,
        county=options.county,
        folder=options.out_dir,
        check=campaign_check(ws, options.month),
    )
    return FormsResult(report)


@dataclass(frozen=True)
class SurfaceOptions:
    """Options of ``geoair surface POLLUTANT --period MONTH``."""

    pollutant: str
    period: str
    cell_m: float | None = None
    out: Path | None = None


@dataclass(frozen=True)
class SurfaceResult:
    """The surface, its GeoTIFF, and the zonal statistics stored in ``surface_zones``."""

    surface: Surface
    path: Path
    zones: gpd.GeoDataFrame


def run_surface(
    ws: Workspace, options: SurfaceOptions, *, progress: Progress = silent
) -> SurfaceResult:
    """Interpolate a month's station values to a GeoTIFF, with mean/min/max per zone."""
    progress(t("progress.reports.surface", pollutant=options.pollutant, period=options.period))
    surface, path, zones = make_surface(
        ws, options.pollutant, period=options.period, cell_m=options.cell_m, out=options.out
    )
    return SurfaceResult(surface=surface, path=path, zones=zones)


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


def _report_month(ws: Workspace) -> str | None:
    for name in ("inspections", "cases"):
        frame = ws.read(name, required=False)
        if frame is not None and len(frame):
            dates = pd.to_datetime(frame["inspection_date"], errors="coerce").dropna()
            if len(dates):
                return f"{dates.max():%Y-%m}"
    return None


def _pm25_month(ws: Workspace) -> str | None:
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


@dataclass
class ReportFolderResult:
    """What the month's report folder holds."""

    folder: Path | None
    month: str | None
    surfaces: list[SurfaceResult] = field(default_factory=list)
    layer_files: int = 0
    forms: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def run_report_folder(ws: Workspace, *, progress: Progress = silent) -> ReportFolderResult:
    """Write ``outputs/report-MONTH/`` for the latest month of inspections and cases:
    surfaces (PM2.5 of the latest month with targets, dustfall), the layers in GIS and
    office formats, and the forms."""
    month = _report_month(ws)
    if month is None:
        return ReportFolderResult(folder=None, month=None)
    folder = child(ws.outputs_dir, f"report-{month}")  # the month comes from the data
    result = ReportFolderResult(folder=folder, month=month)
    pm_month = _pm25_month(ws)
    for pollutant, period in (("PM2.5", pm_month), ("dustfall", month)):
        if period is None:
            continue
        name = f"surface_{pollutant.replace('.', '')}_{period}"
        try:
            result.surfaces.append(
                run_surface(
                    ws,
                    SurfaceOptions(
                        pollutant=pollutant, period=period, out=child(folder, name, suffix=".tif")
                    ),
                    progress=progress,
                )
            )
        except GeoairError as exc:
            result.problems.append(
                t("reports.problem", what=f"{t('reports.surface_word')} {pollutant}", problem=exc)
            )
    progress(t("progress.reports.layers"))
    count = 0
    available = set(ws.layers())
    for name, formats in REPORT_LAYERS:
        if name not in available:
            continue
        frame = ws.read(name)
        for fmt in formats:
            if fmt in GEOMETRY_ONLY and not is_geo(frame):
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
    result.layer_files = count
    progress(t("progress.reports.forms"))
    try:
        result.forms.extend(write_forms(ws, month=month, folder=folder / "forms").written)
    except GeoairError as exc:
        result.problems.append(t("reports.problem", what=t("reports.forms_word"), problem=exc))
    if pm_month is not None and pm_month != month and ws.has("targets_check"):
        check, targets = ws.read("targets_check"), ws.read("targets")
        for metric, name in (("pm25", "PM2.5目标完成情况"), ("good_days", "优良天数目标完成情况")):
            try:
                form = target_form(
                    check,
                    metric=metric,
                    month=pm_month,
                    order=targets,
                    city=ws.settings.workspace.name,
                )
            except GeoairError as exc:
                result.problems.append(t("reports.problem", what=name, problem=exc))
                continue
            target = child(folder / "forms", f"{name}_{pm_month}", suffix=".xlsx")
            result.forms.append(write_workbook([form], target))
    return result


def describe(
    result: ExportResult | FormsResult | SurfaceResult | ReportFolderResult,
) -> list[str]:
    """The files written, and what was skipped and why."""
    if isinstance(result, ExportResult):
        return [t("reports.wrote", path=path) for path in result.written]
    if isinstance(result, FormsResult):
        return [t("reports.wrote", path=path) for path in result.report.written] + [
            t("reports.skipped", reason=reason) for reason in result.report.skipped
        ]
    if isinstance(result, SurfaceResult):
        lines = [result.surface.summary, t("reports.wrote", path=result.path)]
        if len(result.zones):
            lines.append(t("reports.zones", n=len(result.zones), layer=ZONES_LAYER))
            for row in result.zones.itertuples():
                lines.append(
                    t(
                        "reports.zone_line",
                        kind=word("zone_kind", row.zone_kind),
                        zone=row.zone,
                        mean=row.mean,
                        unit=say_unit(row.unit),
                        cells=row.cells,
                        inside=row.stations_inside,
                    )
                )
        return lines
    if result.folder is None:
        return [t("reports.no_folder")]
    lines = []
    for surface in result.surfaces:
        lines.append(t("reports.surface", name=surface.path.name, summary=surface.surface.summary))
        if len(surface.zones):
            worst = surface.zones.sort_values("mean", ascending=False).iloc[0]
            lines.append(
                t(
                    "reports.highest",
                    kind=word("zone_kind", worst["zone_kind"]),
                    zone=worst["zone"],
                    mean=worst["mean"],
                    unit=say_unit(worst["unit"]),
                )
            )
    lines.append(t("reports.layers", n=result.layer_files, folder=result.folder / "layers"))
    lines += [t("reports.form", name=path.name) for path in result.forms]
    lines += result.problems
    lines.append(t("reports.folder", folder=result.folder))
    return lines
