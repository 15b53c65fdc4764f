"""Workspace settings: ``geoair.toml``, typed, with documented defaults from the documents.

The defaults live in one place, a commented TOML text (:func:`default_toml`, its
comments in the current language from the message catalogue; :data:`DEFAULT_TOML` in
Chinese) that is written as-is into every new workspace, so that users read what each
setting means and where its default comes from. Each ``[table]`` of it is one frozen dataclass below
(:class:`GateRoadsSettings` for ``[gate_roads]`` ...), and :class:`Settings` holds them
all. :func:`load_settings` reads a user's file over the defaults and checks it once:
every unknown key, value of the wrong type or value outside its choices is reported
together, with its key.

A command-line option overrides a setting in one way, :func:`overridden`
(``dataclasses.replace`` with the options that were given)::

    radius = overridden(ws.settings.gate_roads, radius_m=options.radius_m)
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from geoair.errors import ConfigError
from geoair.messages import MESSAGES, language, t

__all__ = [
    "AssignmentSettings",
    "BenchmarkQuota",
    "BuffersSettings",
    "DEFAULT_SETTINGS",
    "DEFAULT_TOML",
    "ExportSettings",
    "GateRoadsSettings",
    "MapsSettings",
    "PatrolSettings",
    "ReadingsSettings",
    "ScoresSettings",
    "Section",
    "Settings",
    "SourcesSettings",
    "SurfaceSettings",
    "TargetsSettings",
    "WorkspaceSettings",
    "default_toml",
    "load_settings",
    "overridden",
    "parse_settings",
    "set_readings_dir",
]


# The default settings: keys and values, with the id of each comment in the message
# catalogue (``settings.toml.*``) where the comment goes; default_toml() writes the
# comments in the current language.
_DEFAULT_LAYOUT = """\
#: settings.toml.head

[workspace]
#: settings.toml.workspace.name
name = "阳泉市"
#: settings.toml.workspace.default_coords
default_coords = "wgs84"
#: settings.toml.workspace.readings_dir
readings_dir = ""

[gate_roads]
#: settings.toml.gate_roads.radius_m
radius_m = 100.0
#: settings.toml.gate_roads.gate_site_max_m
gate_site_max_m = 2000.0
#: settings.toml.gate_roads.nearest_road_search_m
nearest_road_search_m = 2000.0
#: settings.toml.gate_roads.osm_skip_highway
osm_skip_highway = ["footway", "path", "steps", "cycleway", "bridleway", "pedestrian",
    "corridor", "elevator", "platform", "proposed", "construction", "abandoned", "razed",
    "via_ferrata", "bus_stop", "rest_area", "services"]

[buffers]
#: settings.toml.buffers.circle_vertices
circle_vertices = 72

[readings]
#: settings.toml.readings.dustfall_limit_t_km2
dustfall_limit_t_km2 = 9.0
#: settings.toml.readings.calm_wind_ms
calm_wind_ms = 0.5
#: settings.toml.readings.pm25_max_ug_m3
pm25_max_ug_m3 = 2000.0
pm10_max_ug_m3 = 10000.0
so2_max_ug_m3 = 3000.0
no2_max_ug_m3 = 2000.0
o3_max_ug_m3 = 1200.0
#: settings.toml.readings.co_max_mg_m3
co_max_mg_m3 = 60.0
ws_max_ms = 60.0
#: settings.toml.readings.unit_error_share
unit_error_share = 0.5
#: settings.toml.readings.import_memory
import_memory = "2GB"
#: settings.toml.readings.dustfall_max_t_km2
dustfall_max_t_km2 = 200.0
#: settings.toml.readings.county_station_kinds
county_station_kinds = ["国控", "省控"]
#: settings.toml.readings.o3_8h_limit_ug_m3
o3_8h_limit_ug_m3 = 160.0

[assignment]
#: settings.toml.assignment.near_park_m
near_park_m = 1000.0

[scores]
#: settings.toml.scores.air_reference
air_reference = "standard"
#: settings.toml.scores.road_dust_reference_g_m2
road_dust_reference_g_m2 = 1.0
#: settings.toml.scores.fines_reference_yuan
fines_reference_yuan = 10000.0
#: settings.toml.scores.min_weight_ranked
min_weight_ranked = 0.5
#: settings.toml.scores.benchmark_min_score
benchmark_min_score = 60.0
#: settings.toml.scores.benchmark_grades
benchmark_grades = ["引领性", "A", "B"]
benchmark_ungraded = true
#: settings.toml.scores.benchmark_quotas
benchmark_quotas = [
  { county = "城区", min = 3, max = 5 },
  { county = "矿区", min = 3, max = 5 },
  { county = "高新区", min = 3, max = 5 },
  { county = "盂县", min = 5, max = 10 },
  { county = "平定县", min = 5, max = 10 },
  { county = "郊区", min = 5, max = 10 },
]
#: settings.toml.scores.benchmark_default_quota
benchmark_default_quota = [3, 5]

[scores.park_weights]
#: settings.toml.scores.park_weights.air
air = 0.25
#: settings.toml.scores.park_weights.dustfall
dustfall = 0.15
#: settings.toml.scores.park_weights.road_dust
road_dust = 0.15
#: settings.toml.scores.park_weights.compliance
compliance = 0.15
#: settings.toml.scores.park_weights.cases
cases = 0.10
#: settings.toml.scores.park_weights.fines
fines = 0.05
#: settings.toml.scores.park_weights.grades
grades = 0.10
#: settings.toml.scores.park_weights.heaps
heaps = 0.05

[scores.enterprise_weights]
#: settings.toml.scores.enterprise_weights.checklist
checklist = 0.40
#: settings.toml.scores.enterprise_weights.cases
cases = 0.30
#: settings.toml.scores.enterprise_weights.grade
grade = 0.20
#: settings.toml.scores.enterprise_weights.gate_roads
gate_roads = 0.10

[scores.grade_points]
#: settings.toml.scores.grade_points
"引领性" = 100.0
A = 100.0
B = 80.0
C = 40.0
D = 0.0

[patrol]
#: settings.toml.patrol.start_name
start_name = "市生态环境局"
start_lon = 113.5795
start_lat = 37.8563
#: settings.toml.patrol.teams
teams = 3
stops = 8
#: settings.toml.patrol.max_route_km
max_route_km = 120.0
#: settings.toml.patrol.coverage_days
coverage_days = 30
#: settings.toml.patrol.coverage_share_max
coverage_share_max = 0.5
#: settings.toml.patrol.snap_warn_m
snap_warn_m = 2000.0
#: settings.toml.patrol.road_snap_ends_m
road_snap_ends_m = 15.0
road_node_crossings = false
#: settings.toml.patrol.start_max_m
start_max_m = 50000.0
#: settings.toml.patrol.findings_lookback_days
findings_lookback_days = 365
case_count_cap = 3
visit_days_cap = 120
gate_road_cap_m = 1000.0
#: settings.toml.patrol.upwind_top_n
upwind_top_n = 5

[patrol.weights]
#: settings.toml.patrol.weights.open_case
open_case = 15.0
#: settings.toml.patrol.weights.past_finding
past_finding = 5.0
#: settings.toml.patrol.weights.checklist_item_failed
checklist_item_failed = 5.0
#: settings.toml.patrol.weights.per_day_since_visit
per_day_since_visit = 0.25
#: settings.toml.patrol.weights.upwind_of_missing_station
upwind_of_missing_station = 20.0
#: settings.toml.patrol.weights.burning_heap
burning_heap = 30.0
#: settings.toml.patrol.weights.untreated_heap
untreated_heap = 15.0
#: settings.toml.patrol.weights.gate_road_per_100m
gate_road_per_100m = 1.0
#: settings.toml.patrol.weights.grade_below_b
grade_below_b = 10.0
#: settings.toml.patrol.weights.not_producing
not_producing = 5.0
#: settings.toml.patrol.weights.suspended_but_active
suspended_but_active = 25.0

[patrol.places]
#: settings.toml.patrol.places

[export]
#: settings.toml.export.crs
crs = "wgs84"
#: settings.toml.export.shapefile_encoding
shapefile_encoding = "utf-8"

[surface]
#: settings.toml.surface.cell_m
cell_m = 500.0
#: settings.toml.surface.idw_power
idw_power = 2.0
#: settings.toml.surface.idw_k
idw_k = 12
#: settings.toml.surface.margin_m
margin_m = 1000.0

[maps]
#: settings.toml.maps.tiles
tiles = "osm"
#: settings.toml.maps.tianditu_key
tianditu_key = ""
#: settings.toml.maps.enterprise_colour
enterprise_colour = "compliance"
#: settings.toml.maps.simplify_m
simplify_m = 10.0
#: settings.toml.maps.coord_decimals
coord_decimals = 5
#: settings.toml.maps.png_dpi
png_dpi = 300

[sources]
#: settings.toml.sources.radius_m
radius_m = 5000.0
#: settings.toml.sources.layers
layers = ["enterprises", "gangue_heaps", "gate_roads", "parks"]
#: settings.toml.sources.pollutant
pollutant = "PM2.5"
#: settings.toml.sources.cpf_percentile
cpf_percentile = 75.0
#: settings.toml.sources.sectors
sectors = 16
#: settings.toml.sources.calm_ms
calm_ms = 0.5
#: settings.toml.sources.nwr_sigma_deg
nwr_sigma_deg = 10.0
nwr_h_ms = 1.0
#: settings.toml.sources.nwr_speed_kernel
nwr_speed_kernel = "epanechnikov"
#: settings.toml.sources.distance_scale_m
distance_scale_m = 1000.0
#: settings.toml.sources.min_windy_hours
min_windy_hours = 48
#: settings.toml.sources.top_n
top_n = 10
#: settings.toml.sources.freq
freq = "month"

[targets]
#: settings.toml.targets.park_units_by_name
park_units_by_name = true

[targets.park_units]
#: settings.toml.targets.park_units
"""


def default_toml(lang: str | None = None) -> str:
    """The default settings text, its comments in ``lang`` (default: the current language).

    The text :func:`~geoair.store.open.init_workspace` writes into a new workspace: every
    key with its default and a comment saying where the default comes from (the
    documents are cited by their own titles in both languages).
    """
    index = 1 if (lang or language()) == "en" else 0

    def comment(match: re.Match[str]) -> str:
        text = MESSAGES[match.group(1)][index]
        return "\n".join(f"# {line}" if line else "#" for line in text.split("\n"))

    return re.sub(r"^#: (\S+)$", comment, _DEFAULT_LAYOUT, flags=re.M)


DEFAULT_TOML = default_toml("zh")
"""The default settings text in Chinese, geoair's default language (:func:`default_toml`
gives it in the current language)."""


def _choices(*values: str) -> dict[str, tuple[str, ...]]:
    return {"choices": values}


_OPEN = {"open": True}  # a table whose keys are the user's own (names of places, units)


@dataclass(frozen=True)
class WorkspaceSettings:
    """``[workspace]``: the place's name (titles of maps and forms), default coordinates, and
    where the readings are."""

    name: str
    default_coords: str = field(metadata=_choices("wgs84", "gcj02", "bd09"))
    readings_dir: str


@dataclass(frozen=True)
class GateRoadsSettings:
    """``[gate_roads]``: radius around each gate, checks of misplaced gates, OSM filter."""

    radius_m: float
    gate_site_max_m: float
    nearest_road_search_m: float
    osm_skip_highway: tuple[str, ...]


@dataclass(frozen=True)
class BuffersSettings:
    """``[buffers]``: vertices of drawn circles."""

    circle_vertices: int


@dataclass(frozen=True)
class ReadingsSettings:
    """``[readings]``: dustfall limit, calm wind, plausible ranges, county station kinds."""

    dustfall_limit_t_km2: float
    calm_wind_ms: float
    pm25_max_ug_m3: float
    pm10_max_ug_m3: float
    so2_max_ug_m3: float
    no2_max_ug_m3: float
    o3_max_ug_m3: float
    co_max_mg_m3: float
    ws_max_ms: float
    unit_error_share: float
    import_memory: str
    dustfall_max_t_km2: float
    county_station_kinds: tuple[str, ...]
    o3_8h_limit_ug_m3: float


@dataclass(frozen=True)
class AssignmentSettings:
    """``[assignment]``: the ring around a park within which a site counts as near it."""

    near_park_m: float


@dataclass(frozen=True)
class BenchmarkQuota:
    """One county's quota of benchmark enterprises, ``{ county = "城区", min = 3, max = 5 }``."""

    county: str
    min: int
    max: int


@dataclass(frozen=True)
class ScoresSettings:
    """``[scores]`` and its sub-tables: references, ranking rule, benchmark rules, weights."""

    air_reference: str = field(metadata=_choices("standard", "target", "city"))
    road_dust_reference_g_m2: float
    fines_reference_yuan: float
    min_weight_ranked: float
    benchmark_min_score: float
    benchmark_grades: tuple[str, ...]
    benchmark_ungraded: bool
    benchmark_quotas: tuple[BenchmarkQuota, ...]
    benchmark_default_quota: tuple[int, int]
    park_weights: Mapping[str, float]
    enterprise_weights: Mapping[str, float]
    grade_points: Mapping[str, float]


@dataclass(frozen=True)
class PatrolSettings:
    """``[patrol]`` and its sub-tables: start, teams, coverage rule, routing, risk points."""

    start_name: str
    start_lon: float
    start_lat: float
    teams: int
    stops: int
    max_route_km: float
    coverage_days: int
    coverage_share_max: float
    snap_warn_m: float
    road_snap_ends_m: float
    road_node_crossings: bool
    start_max_m: float
    findings_lookback_days: int
    case_count_cap: int
    visit_days_cap: int
    gate_road_cap_m: float
    upwind_top_n: int
    weights: Mapping[str, float]
    places: Mapping[str, tuple[float, float]] = field(metadata=_OPEN)


@dataclass(frozen=True)
class ExportSettings:
    """``[export]``: coordinate system of exported files, Shapefile text encoding."""

    crs: str
    shapefile_encoding: str = field(metadata=_choices("utf-8", "gbk"))


@dataclass(frozen=True)
class SurfaceSettings:
    """``[surface]``: GeoTIFF cell size and inverse-distance weighting."""

    cell_m: float
    idw_power: float
    idw_k: int
    margin_m: float


@dataclass(frozen=True)
class MapsSettings:
    """``[maps]``: basemap, enterprise colouring, simplification, precision, PNG resolution."""

    tiles: str = field(metadata=_choices("osm", "tianditu", "amap", "none"))
    tianditu_key: str
    enterprise_colour: str = field(metadata=_choices("compliance", "grade", "status"))
    simplify_m: float
    coord_decimals: int
    png_dpi: int


@dataclass(frozen=True)
class SourcesSettings:
    """``[sources]``: search radius, layers, CPF and NWR parameters, suspect ranking."""

    radius_m: float
    layers: tuple[str, ...]
    pollutant: str
    cpf_percentile: float
    sectors: int
    calm_ms: float
    nwr_sigma_deg: float
    nwr_h_ms: float
    nwr_speed_kernel: str = field(metadata=_choices("epanechnikov", "gaussian"))
    distance_scale_m: float
    min_windy_hours: int
    top_n: int
    freq: str = field(metadata=_choices("month", "quarter", "year"))


@dataclass(frozen=True)
class TargetsSettings:
    """``[targets]``: how county-level units that are parks (开发区) are judged."""

    park_units_by_name: bool
    park_units: Mapping[str, tuple[str, ...]] = field(metadata=_OPEN)


@dataclass(frozen=True)
class Settings:
    """Every table of ``geoair.toml``, typed; read with :func:`load_settings`."""

    workspace: WorkspaceSettings
    gate_roads: GateRoadsSettings
    buffers: BuffersSettings
    readings: ReadingsSettings
    assignment: AssignmentSettings
    scores: ScoresSettings
    patrol: PatrolSettings
    export: ExportSettings
    surface: SurfaceSettings
    maps: MapsSettings
    sources: SourcesSettings
    targets: TargetsSettings


Section = TypeVar("Section")


def overridden(section: Section, **values: Any) -> Section:
    """``section`` with the given values replaced, leaving out those that are None.

    The one way command-line options override settings: an option not given is None
    and keeps the workspace's value.

    Parameters
    ----------
    section : dataclass instance
        A table of :class:`Settings`, e.g. ``ws.settings.sources``.
    **values
        Field names and values; ``None`` means "not given".

    Returns
    -------
    Same type as ``section``.

    Examples
    --------
    >>> cfg = overridden(DEFAULT_SETTINGS.gate_roads, radius_m=150.0, gate_site_max_m=None)
    >>> cfg.radius_m, cfg.gate_site_max_m
    (150.0, 2000.0)
    """
    given = {name: value for name, value in values.items() if value is not None}
    return dataclasses.replace(section, **given)  # type: ignore[type-var]


def _parse(text: str, *, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(t("error.store.not_toml", source=source, detail=exc)) from None


def _type_name(kind: Any) -> str:
    origin = typing.get_origin(kind)
    if kind is float:
        return t("setting_type.number")
    if kind is int:
        return t("setting_type.whole_number")
    if kind is bool:
        return t("setting_type.bool")
    if kind is str:
        return t("setting_type.text")
    if origin is tuple:
        return t("setting_type.list")
    if origin in (Mapping, dict) or origin is typing.get_origin(Mapping[str, int]):
        return t("setting_type.table")
    return t("setting_type.table")


def _convert(value: Any, kind: Any, where: str, problems: list[str]) -> Any:
    """``value`` from TOML as ``kind``, or a problem noted (and None returned)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind is bool:
        if isinstance(value, bool):
            return value
    elif kind is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind is str:
        if isinstance(value, str):
            return value
    elif origin is tuple:
        if isinstance(value, list):
            element_kinds = [args[0]] * len(value) if args[-1] is Ellipsis else list(args)
            if len(element_kinds) == len(value):
                converted = [
                    _convert(item, item_kind, f"{where}[{i}]", problems)
                    for i, (item, item_kind) in enumerate(zip(value, element_kinds, strict=True))
                ]
                return tuple(converted)
            problems.append(t("error.store.setting_list_length", key=where, n=len(element_kinds)))
            return None
    elif dataclasses.is_dataclass(kind):
        if isinstance(value, dict):
            return _section(kind, value, None, where, problems)
    elif origin is not None and issubclass(origin, Mapping) and isinstance(value, dict):
        return types.MappingProxyType(
            {str(k): _convert(v, args[1], f"{where}.{k}", problems) for k, v in value.items()}
        )
    problems.append(
        t("error.store.setting_type", key=where, kind=_type_name(kind), value=repr(value))
    )
    return None


def _key(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _section(
    cls: Any, given: Mapping[str, Any], defaults: Any, where: str, problems: list[str]
) -> Any:
    """One dataclass from a TOML table, over the defaults (an instance of ``cls``) if any."""
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    for key in given:
        if key not in names:
            scope = (
                t("error.store.setting_scope_table", table=where)
                if where
                else t("error.store.setting_scope_top")
            )
            problems.append(
                t(
                    "error.store.setting_unknown",
                    key=_key(where, key),
                    scope=scope,
                    known=", ".join(names),
                )
            )
    values = {}
    for spec in dataclasses.fields(cls):
        name, kind = spec.name, hints[spec.name]
        key = _key(where, name)
        default = getattr(defaults, name) if defaults is not None else None
        if name not in given:
            if defaults is None:
                problems.append(t("error.store.setting_missing", key=key))
            values[name] = default
            continue
        value = given[name]
        origin = typing.get_origin(kind)
        if dataclasses.is_dataclass(kind) and isinstance(value, dict):
            values[name] = _section(kind, value, default, key, problems)
            continue
        if (
            origin is not None
            and issubclass(origin, Mapping)
            and isinstance(value, dict)
            and default is not None
            and not spec.metadata.get("open")
        ):
            unknown = sorted(set(value) - set(default))
            if unknown:
                problems.append(
                    t(
                        "error.store.setting_unknown",
                        key=f"{key}.{unknown[0]}",
                        scope=t("error.store.setting_scope_table", table=key),
                        known=", ".join(default),
                    )
                )
            value = {**default, **{k: v for k, v in value.items() if k in default}}
        converted = _convert(value, kind, key, problems)
        choices = spec.metadata.get("choices")
        if choices and converted is not None and converted not in choices:
            problems.append(
                t(
                    "error.store.setting_choice",
                    key=key,
                    choices=", ".join(choices),
                    value=repr(value),
                )
            )
        values[name] = converted if converted is not None else default
    return cls(**values)


def parse_settings(
    text: str, *, source: str = "geoair.toml", defaults: Settings | None = None
) -> Settings:
    """Settings from a TOML text, over ``defaults``; every problem reported at once.

    Parameters
    ----------
    text : str
        TOML, e.g. the content of a workspace's ``geoair.toml``.
    source : str
        Where the text comes from, for messages.
    defaults : Settings, optional
        Values of keys the text leaves out (:data:`DEFAULT_SETTINGS`); without them
        every key must be present.

    Raises
    ------
    ConfigError
        Unknown keys, values of the wrong type, values outside their choices.
    """
    problems: list[str] = []
    settings = _section(Settings, _parse(text, source=source), defaults, "", problems)
    if problems:
        raise ConfigError(
            t(
                "error.store.settings_problems",
                source=source,
                problems=t("word.clause_sep").join(problems),
            )
        )
    return typing.cast(Settings, settings)


DEFAULT_SETTINGS: Settings = parse_settings(DEFAULT_TOML, source=t("store.built_in_settings"))
"""The defaults, from :data:`DEFAULT_TOML`."""


def load_settings(path: Path | str | None) -> Settings:
    """Read ``geoair.toml`` over the defaults; every problem is reported at once.

    Parameters
    ----------
    path : path or None
        The settings file; None or a missing file gives :data:`DEFAULT_SETTINGS`.

    Returns
    -------
    Settings

    Raises
    ------
    ConfigError
        The file is not TOML, or has unknown keys or values of the wrong type.
    """
    if path is None or not Path(path).exists():
        return DEFAULT_SETTINGS
    text = Path(path).read_text(encoding="utf-8")
    return parse_settings(text, source=str(path), defaults=DEFAULT_SETTINGS)


def set_readings_dir(text: str, folder: Path | str) -> str:
    """The settings text with ``[workspace] readings_dir`` set to ``folder`` ("" for the default).

    The line is replaced where it is (comments kept), or added under ``[workspace]``.
    """
    value = json.dumps(str(folder), ensure_ascii=False)  # a valid TOML basic string
    lines = text.splitlines(keepends=True)
    table = None
    header_at = None
    for number, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            table = stripped.strip("[]").strip()
            if table == "workspace":
                header_at = number
            continue
        if table == "workspace" and re.match(r"readings_dir\s*=", stripped):
            lines[number] = f"readings_dir = {value}\n"
            return "".join(lines)
    if header_at is None:
        return text.rstrip("\n") + f"\n\n[workspace]\nreadings_dir = {value}\n"
    lines.insert(header_at + 1, f"readings_dir = {value}\n")
    return "".join(lines)
