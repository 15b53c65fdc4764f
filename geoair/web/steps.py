"""The steps the web app runs, each a call of the workflow the command line calls.

Every entry of :data:`STEPS` names the workflow function it runs (``run_gate_roads``,
``run_indicators``, ``run_targets_check``, ``run_park_scores``, ``run_suspects``,
``run_plan``, ``run_map``, ``run_forms``, ``run_export``), the parameters a page or a
script may give (:class:`Param`), and the data it needs (:class:`Need`), from which
the overview says what is missing for each step. A step computes nothing of its own:
it turns parameters into the workflow's options, calls it, and hands back the
workflow's ``describe`` lines, its result frames as tables (:mod:`geoair.web.tables`)
and the files it wrote.
"""

from __future__ import annotations

import dataclasses
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from geoair.errors import RequestError
from geoair.messages import layer_name, t
from geoair.progress import Progress
from geoair.store.workspace import Workspace
from geoair.web.tables import frame_table

__all__ = [
    "Need",
    "Output",
    "Param",
    "Runner",
    "STEPS",
    "Step",
    "missing",
    "parse_params",
    "step_for",
]


@dataclass(frozen=True)
class Param:
    """One parameter of a step.

    ``kind`` is ``number``, ``int``, ``month`` (2024-03), ``date`` (2024-03-05),
    ``text``, ``choice`` (one of ``choices``: (value, label id or label)), ``bool`` or
    ``layer`` (a layer or table of the workspace). ``label`` is a text id; ``setting``
    (``section.name`` in ``geoair.toml``) is the workspace default shown as a hint.
    """

    name: str
    kind: str
    label: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    setting: str = ""


@dataclass(frozen=True)
class Need:
    """Data a step needs: any one of ``any_of`` (layer names, or ``readings`` for the
    hourly store); ``message`` (a text id) says what is missing and why it matters."""

    any_of: tuple[str, ...]
    message: str


@dataclass
class Output:
    """What a step hands back: the workflow's lines, tables, files and a map."""

    lines: list[str] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    map: Path | None = None


Runner = Callable[[Workspace, Mapping[str, Any], Progress], Output]


@dataclass(frozen=True)
class Step:
    """A step: its name in ``POST /api/run/{name}``, its title (text id), the page
    that shows it, its parameters, what it needs and the function that runs it."""

    name: str
    title: str
    page: str
    params: tuple[Param, ...]
    needs: tuple[Need, ...]
    run: Runner
    workflow: str = ""


# --- the runners -------------------------------------------------------------------


def _gate_roads(ws: Workspace, p: Mapping[str, Any], progress: Progress) -> Output:
    from geoair.roads.gate_roads import county_totals
    from geoair.workflows.gate_roads import GateRoadsOptions, describe, run_gate_roads

    result = run_gate_roads(ws, GateRoadsOptions(radius_m=p.get("radius_m")), progress=progress)
    plan = result.plan
    return Output(
        lines=describe(result),
        tables=[
            frame_table(county_totals(plan.sweep_tasks), t("web.t_county_totals")),
            frame_table(
                plan.sweep_tasks.sort_values("length_m", ascending=False),
                t("web.t_sweep_tasks"),
                columns=(
                    "enterprise_name",
                    "county",
                    "n_gates",
                    "roads",
                    "length_m",
                    "gates_without_road",
                ),
            ),
            frame_table(
                plan.gate_findings,
                t("web.t_gate_findings"),
                columns=("gate_id", "gate_name", "enterprise_name", "county", "finding_zh"),
            ),
        ],
    )


def _indicators(ws: Workspace, p: Mapping[str, Any], progress: Progress) -> Output:
    from geoair.workflows.indicators import IndicatorsOptions, describe, run_indicators

    options = IndicatorsOptions(
        period=p.get("period") or "month",
        by=p.get("by") or "station",
        start=p.get("start"),
        end=p.get("end"),
    )
    result = run_indicators(ws, options, progress=progress)
    tables = [
        frame_table(
            table,
            f"{t('web.t_indicators')} {layer_name(name)}",
            columns=(
                "station",
                "county",
                "park",
                "date",
                "period",
                "PM2.5",
                "PM10",
                "SO2",
                "NO2",
                "CO",
                "CO_p95",
                "O3_8h_p90",
                "aqi",
                "category",
                "composite_index",
                "good_days",
                "validity",
            ),
        )
        for name, table in result.tables.items()
    ]
    return Output(lines=describe(result), tables=tables)


def _targets(ws: Workspace, p: Mapping[str, Any], progress: Progress) -> Output:
    from geoair.workflows.targets import TargetsCheckOptions, describe, run_targets_check

    periods = (p["month"],) if p.get("month") else ()
    result = run_targets_check(ws, TargetsCheckOptions(periods=periods), progress=progress)
    check = result.check
    order = check["met"].map({False: 0, True: 2}).fillna(1)
    return Output(
        lines=describe(result),
        tables=[
            frame_table(
                check.assign(_order=order).sort_values("_order", kind="stable"),
                t("web.t_targets"),
                columns=(
                    "scope",
                    "target_name",
                    "period",
                    "metric",
                    "actual",
                    "target",
                    "difference",
                    "met",
                    "validity",
                ),
            )
        ],
    )


def _park_scores(ws: Workspace, p: Mapping[str, Any], progress: Progress) -> Output:
    from geoair.scores.parks import park_ranking_sheet
    from geoair.workflows.scores import ScoresOptions, describe, run_park_scores

    options = ScoresOptions(month=p.get("month"), report_folder=ws.outputs_dir / "scores")
    result = run_park_scores(ws, options, progress=progress)
    return Output(
        lines=describe(result),
        tables=[frame_table(park_ranking_sheet(result.table), t("web.t_park_scores"))],
        files=list(result.written),
    )


def _suspects(ws: Workspace, p: Mapping[str, Any], progress: Progress) -> Output:
    from geoair.workflows.sources import SourcesOptions, describe, run_suspects

    options = SourcesOptions(
        periods=(p["period"],) if p.get("period") else (),
        pollutant=p.get("pollutant") or None,
        freq=p.get("freq") or None,
    )
    result = run_suspects(ws, options, progress=progress)
    ranked = result.ranked
    top = ranked[ranked["rank"].le(3).fillna(False)] if "rank" in ranked else ranked
    files = []
    if result.plots is not None and "png" in result.plots:
        files = [ws.root / str(png) for png in result.plots["png"].dropna()]
    return Output(
        lines=describe(result),
        tables=[
            frame_table(
                top.sort_values(["station_id", "period", "rank"]) if len(top) else top,
                t("web.t_suspects"),
                columns=(
                    "station_name",
                    "period",
                    "rank",
                    "name",
                    "source_kind",
                    "industry",
                    "distance_m",
                    "bearing_deg",
                    "sector",
                    "score",
                ),
            )
        ],
        files=files,
    )


def _patrol_plan(ws: Workspace, p: Mapping[str, Any], progress: Progress) -> Output:
    from geoair.workflows.patrol import PlanOptions, day_after_last_record, describe, run_plan

    day = pd.Timestamp(p["date"]) if p.get("date") else day_after_last_record(ws)
    options = PlanOptions(
        day=day,
        teams=p.get("teams"),
        stops=p.get("stops"),
        start=p.get("start") or None,
        county=p.get("county") or None,
    )
    result = run_plan(ws, options, progress=progress)
    plan = result.plan
    return Output(
        lines=describe(result),
        tables=[
            frame_table(
                plan.routes,
                t("web.t_routes"),
                columns=("team", "stops", "length_m"),
            ),
            frame_table(
                plan.stops.sort_values(["team", "stop"]) if len(plan.stops) else plan.stops,
                t("web.t_stops"),
                columns=("team", "stop", "name", "kind_zh", "county", "why", "reasons", "leg_m"),
            ),
        ],
        files=list(result.files.values()),
    )


def _supports(options_class: type, name: str) -> bool:
    return any(f.name == name for f in dataclasses.fields(options_class))


def _map(ws: Workspace, p: Mapping[str, Any], progress: Progress) -> Output:
    from geoair.workflows.maps import MapOptions, describe, run_map

    extra = {}
    if p.get("county") and _supports(MapOptions, "county"):  # county scoping: issue 15
        extra["county"] = p["county"]
    options = MapOptions(
        month=p.get("month"), tiles=p.get("tiles") or None, png=bool(p.get("png")), **extra
    )
    result = run_map(ws, options, progress=progress)
    lines = describe(result)
    if p.get("county") and not extra:
        lines.append(t("web.map_county_unsupported"))
    return Output(lines=lines, files=list(result.files), map=result.html)


def _forms(ws: Workspace, p: Mapping[str, Any], progress: Progress) -> Output:
    from geoair.workflows.reports import FormsOptions, describe, run_forms

    progress(t("progress.reports.forms"))
    result = run_forms(ws, FormsOptions(month=p["month"], county=p.get("county") or None))
    return Output(lines=describe(result), files=list(result.report.written))


def _export(ws: Workspace, p: Mapping[str, Any], progress: Progress) -> Output:
    from geoair.reports.export import FORMATS
    from geoair.workflows.reports import ExportOptions, describe, run_export

    layer, fmt = p["layer"], p.get("format") or "gpkg"
    folder = ws.outputs_dir / "exports"
    out = folder / f"{layer}{FORMATS[fmt]}"
    progress(t("progress.web.export", layer=layer, fmt=fmt))
    result = run_export(ws, ExportOptions(kind=layer, fmt=fmt, crs=p.get("crs") or None, out=out))
    files = list(result.written)
    if len(files) > 1:  # a Shapefile and its companions: one zip to download
        crs = re.sub(r"[^\w]+", "", p.get("crs") or "")
        bundle = folder / f"{layer}-{fmt}{'-' + crs if crs else ''}.zip"
        tmp = bundle.with_name(f".{bundle.name}.tmp")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, arcname=path.name)
        tmp.replace(bundle)
        files = [bundle, *files]
    return Output(lines=describe(result), files=files)


# --- the registry ------------------------------------------------------------------

_MONTH = Param("month", "month", "web.p_month")
_COUNTY = Param("county", "text", "web.p_county")
_TILES = (
    ("", "web.tiles_default"),
    ("osm", "web.tiles_osm"),
    ("tianditu", "web.tiles_tianditu"),
    ("amap", "web.tiles_amap"),
    ("none", "web.tiles_none"),
)
_CRS = (
    ("", "web.crs_default"),
    ("wgs84", "web.crs_wgs84"),
    ("cgcs2000", "web.crs_cgcs2000"),
    ("gcj02", "web.crs_gcj02"),
    ("EPSG:4546", "web.crs_4546"),
    ("EPSG:4547", "web.crs_4547"),
)
_FORMATS = (
    ("gpkg", "web.fmt_gpkg"),
    ("xlsx", "web.fmt_xlsx"),
    ("csv", "web.fmt_csv"),
    ("shp", "web.fmt_shp"),
    ("kml", "web.fmt_kml"),
    ("geojson", "web.fmt_geojson"),
    ("parquet", "web.fmt_parquet"),
)

STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step(
            "gate_roads",
            "web.step_gate_roads",
            "work",
            (Param("radius_m", "number", "web.p_radius_m", setting="gate_roads.radius_m"),),
            (Need(("gates",), "web.need_gates"), Need(("roads",), "web.need_roads")),
            _gate_roads,
            "geoair.workflows.gate_roads.run_gate_roads",
        ),
        Step(
            "indicators",
            "web.step_indicators",
            "work",
            (
                Param(
                    "period",
                    "choice",
                    "web.p_period",
                    choices=(
                        ("month", "web.period_month"),
                        ("quarter", "web.period_quarter"),
                        ("year", "web.period_year"),
                        ("day", "web.period_day"),
                    ),
                ),
                Param(
                    "by",
                    "choice",
                    "web.p_by",
                    choices=(
                        ("station", "by.station"),
                        ("county", "by.county"),
                        ("park", "by.park"),
                    ),
                ),
                Param("start", "date", "web.p_start"),
                Param("end", "date", "web.p_end"),
            ),
            (
                Need(("stations",), "web.need_stations_indicators"),
                Need(("readings",), "web.need_readings_indicators"),
            ),
            _indicators,
            "geoair.workflows.indicators.run_indicators",
        ),
        Step(
            "targets",
            "web.step_targets",
            "work",
            (_MONTH,),
            (
                Need(("targets",), "web.need_targets"),
                Need(("stations",), "web.need_stations_targets"),
                Need(("readings",), "web.need_readings_targets"),
            ),
            _targets,
            "geoair.workflows.targets.run_targets_check",
        ),
        Step(
            "park_scores",
            "web.step_park_scores",
            "work",
            (_MONTH,),
            (Need(("parks",), "web.need_parks"),),
            _park_scores,
            "geoair.workflows.scores.run_park_scores",
        ),
        Step(
            "suspects",
            "web.step_suspects",
            "work",
            (
                Param("period", "text", "web.p_period_text", hint="2024-03"),
                Param("pollutant", "text", "web.p_pollutant", setting="sources.pollutant"),
            ),
            (
                Need(("stations",), "web.need_stations_suspects"),
                Need(("readings",), "web.need_readings_suspects"),
                Need(
                    ("enterprises", "gangue_heaps", "gate_roads", "parks"),
                    "web.need_sources_suspects",
                ),
            ),
            _suspects,
            "geoair.workflows.sources.run_suspects",
        ),
        Step(
            "patrol_plan",
            "web.step_patrol_plan",
            "work",
            (
                Param("date", "date", "web.p_date"),
                Param("teams", "int", "web.p_teams", setting="patrol.teams"),
                Param("stops", "int", "web.p_stops", setting="patrol.stops"),
                Param("start", "text", "web.p_start_place", setting="patrol.start_name"),
                _COUNTY,
            ),
            (Need(("enterprises", "gangue_heaps"), "web.need_sites_patrol"),),
            _patrol_plan,
            "geoair.workflows.patrol.run_plan",
        ),
        Step(
            "map",
            "web.step_map",
            "map",
            (
                _MONTH,
                _COUNTY,
                Param("tiles", "choice", "web.p_tiles", choices=_TILES),
                Param("png", "bool", "web.p_png"),
            ),
            (
                Need(
                    (
                        "counties",
                        "parks",
                        "enterprises",
                        "gates",
                        "stations",
                        "gangue_heaps",
                        "gate_roads",
                    ),
                    "web.need_layers_map",
                ),
            ),
            _map,
            "geoair.workflows.maps.run_map",
        ),
        Step(
            "forms",
            "web.step_forms",
            "downloads",
            (Param("month", "month", "web.p_month", required=True), _COUNTY),
            (Need(("inspections", "cases"), "web.need_records_forms"),),
            _forms,
            "geoair.workflows.reports.run_forms",
        ),
        Step(
            "export",
            "web.step_export",
            "downloads",
            (
                Param("layer", "layer", "web.p_layer", required=True),
                Param("format", "choice", "web.p_format", choices=_FORMATS),
                Param("crs", "choice", "web.p_crs", choices=_CRS),
            ),
            (),
            _export,
            "geoair.workflows.reports.run_export",
        ),
    )
}
"""Every step the web app runs, by its name in ``POST /api/run/{name}``."""


def step_for(name: str) -> Step:
    """The step called ``name``.

    Raises
    ------
    RequestError
        No such step; the message lists them.
    """
    try:
        return STEPS[name]
    except KeyError:
        raise RequestError(t("web.unknown_step", name=name, steps=", ".join(STEPS))) from None


def missing(step: Step, have: set[str]) -> list[str]:
    """What ``step`` lacks, one sentence per missing need (empty: ready to run)."""
    return [t(need.message) for need in step.needs if not set(need.any_of) & have]


_MONTH_RE = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def parse_params(
    step: Step, raw: Mapping[str, Any], *, layers: set[str] | None = None
) -> dict[str, Any]:
    """Check and convert a step's parameters; every problem is reported at once.

    Empty values are left out (the workflow's default, i.e. the workspace's setting,
    applies); unknown names are refused.

    Raises
    ------
    RequestError
        Unknown parameters, values of the wrong form, required ones missing.
    """
    known = {param.name: param for param in step.params}
    problems = [
        t("web.param_unknown", name=name, known=", ".join(known) or "-")
        for name in raw
        if name not in known
    ]
    out: dict[str, Any] = {}
    for name, param in known.items():
        value = raw.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "" or (param.kind == "bool" and value is False):
            if param.required:
                problems.append(t("web.param_required", label=t(param.label)))
            continue
        label = t(param.label)
        try:
            out[name] = _convert(param, value, layers)
        except ValueError:
            problems.append(t(f"web.param_bad_{param.kind}", label=label, value=value))
    if problems:
        raise RequestError(t("web.problem_sep").join(problems))
    return out


def _convert(param: Param, value: Any, layers: set[str] | None) -> Any:
    kind = param.kind
    if kind == "number":
        number = float(value)
        if not number > 0:
            raise ValueError(value)
        return number
    if kind == "int":
        number = int(str(value))
        if number < 1:
            raise ValueError(value)
        return number
    if kind == "month":
        if not _MONTH_RE.fullmatch(str(value)):
            raise ValueError(value)
        return str(value)
    if kind == "date":
        stamp = pd.Timestamp(str(value))
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
            raise ValueError(value)
        return stamp.strftime("%Y-%m-%d")
    if kind == "choice":
        if str(value) not in {v for v, _ in param.choices}:
            raise ValueError(value)
        return str(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("1", "true", "on", "yes"):
            return True
        if str(value).lower() in ("0", "false", "off", "no"):
            return False
        raise ValueError(value)
    if kind == "layer":
        if layers is not None and str(value) not in layers:
            raise ValueError(value)
        return str(value)
    text_value = str(value)
    if len(text_value) > 200:
        raise ValueError(value)
    return text_value
