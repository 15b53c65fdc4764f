"""Workspace settings: ``geoair.toml``, typed, with documented defaults from the documents.

The defaults live in one place, :data:`DEFAULT_TOML`, a commented TOML text that is
written as-is into every new workspace, so that users read what each setting means and
where its default comes from. Each ``[table]`` of it is one frozen dataclass below
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
    "load_settings",
    "overridden",
    "parse_settings",
    "set_readings_dir",
]


DEFAULT_TOML = """\
# geoair workspace settings. Edit the values; keep the keys.
# Every default below is taken from the document named beside it, or says that it is
# geoair's choice. The documents:
#   阳环函〔2024〕6号   阳泉市“净厂”巩固提升行动 (2024): checklist 附件2, cases 附件3,
#                       100 m gate roads, benchmark enterprises
#   长治市大气办 2024 通知 with 晋环规〔2023〕3号: key industrial parks, park stations,
#                       dustfall, road dust ranking, performance grades, 五堆
#   晋市生态环保委办〔2023〕4号  晋城市百日专项整治攻坚行动 (2023): dispatch table,
#                       park assessment, 以克论净
#   阳政发〔2024〕8号   阳城县空气质量持续改善实施方案 (2024): dustfall 7
#   阳政办发〔2020〕131号  阳泉市2020-2021年秋冬季攻坚行动方案: monthly PM2.5 and
#                       good-day targets (附件1, 附件2), dustfall 9, gangue heaps
#   GB 3095-2012, HJ 633-2012, HJ 663-2013: the national air-quality standards

[workspace]
# Name of the city or county, used in titles of maps and forms.
name = "阳泉市"
# Coordinate system of files imported without one: "wgs84", "gcj02" (Amap, Tencent)
# or "bd09" (Baidu). Coordinates are always stored in WGS-84.
default_coords = "wgs84"
# Folder of the hourly and monthly readings (Parquet). Empty: "readings" in the
# workspace folder. A database workspace records here the folder chosen at geoair
# init (a shared drive when several analysts import readings). geoair's choice.
readings_dir = ""

[gate_roads]
# Radius around every factory gate whose road must be washed and swept
# (阳环函〔2024〕6号 二(二): 厂区大门附近100米范围内的道路).
radius_m = 100.0
# A gate farther than this from its enterprise's site is flagged as a likely
# coordinate error.
gate_site_max_m = 2000.0
# For a gate with no road within radius_m, how far (m) to look for the nearest road,
# whose distance the finding reports (geoair's choice: as far as gate_site_max_m).
nearest_road_search_m = 2000.0
# OpenStreetMap highway values left out when roads come from a .osm.pbf extract
# (geoair gate-roads --roads FILE): ways that are not carriageways to sweep
# (OpenStreetMap wiki, Key:highway).
osm_skip_highway = ["footway", "path", "steps", "cycleway", "bridleway", "pedestrian",
    "corridor", "elevator", "platform", "proposed", "construction", "abandoned", "razed",
    "via_ferrata", "bus_stop", "rest_area", "services"]

[buffers]
# Vertices of the circles drawn around points (gate_buffers, geoair buffer). Every
# vertex lies exactly on the circle; with 72 the edges fall at most 0.1 % of the
# radius inside it (geoair's choice; lengths are never measured on the drawing).
circle_vertices = 72

[readings]
# Dustfall limit per county, t/(km²·month): 9 in Yangquan 2020 (阳政办发〔2020〕131号 (九));
# Yangcheng 2024 uses 7 (阳政发〔2024〕8号).
dustfall_limit_t_km2 = 9.0
# Wind speeds below this (m/s) are calm hours.
calm_wind_ms = 0.5
# Import checks: hourly values above these are refused as not physically plausible
# (a unit error or a broken instrument). geoair's choices, well above the worst
# hours recorded in north China (PM10 dust storms reach several thousand µg/m³) and
# the top breakpoints of HJ 633-2012 Table 1.
pm25_max_ug_m3 = 2000.0
pm10_max_ug_m3 = 10000.0
so2_max_ug_m3 = 3000.0
no2_max_ug_m3 = 2000.0
o3_max_ug_m3 = 1200.0
# CO is in mg/m³; above this an unlabelled CO value is taken for µg/m³ and refused
# (HJ 633's top 1-hour CO breakpoint is 150 mg/m³; ambient hours rarely pass 20).
co_max_mg_m3 = 60.0
ws_max_ms = 60.0
# A column of readings without a declared unit (--units, or a unit in its header)
# whose values are in this share above the limits above is one unit error: reported
# once and none of it stored (geoair's choice: "mostly" = more than half).
unit_error_share = 0.5
# Memory DuckDB may use while importing readings (it spills to disk beyond; geoair's
# choice for an office PC).
import_memory = "2GB"
# Monthly dustfall above this, t/(km²·month), is refused as a likely unit error.
dustfall_max_t_km2 = 200.0
# Station kinds whose values make a county's value (mean of its stations, HJ 663).
county_station_kinds = ["国控", "省控"]
# O3 daily maximum 8-hour mean: valid with fewer than 14 valid windows when it
# exceeds this class-II 8-hour limit, µg/m³ (GB 3095-2012 Table 1; HJ 663-2013 Table 2).
o3_8h_limit_ug_m3 = 160.0

[assignment]
# Heaps and stations within this ring outside a park polygon count as "near" it.
near_park_m = 1000.0

[scores]
# Monthly park and enterprise scores (geoair scores). Every component is scored
# 0-100 (100 best) against a fixed reference, so one park's score never depends on
# another park's data; see README "Scores and rankings" for each formula.
# Reference for air at the park's station(s): "standard" (PM2.5 35 µg/m³, GB 3095-2012
# class II), "target" (the park's pm25 target of the month in the targets table, else
# the standard) or "city" (mean of the national 国控 stations that month, else the
# standard). The Changzhi 2024 notice ranks parks by their station; 晋市生态环保委办
# 〔2023〕4号 compares them with the city.
air_reference = "standard"
# Road dust load (道路积尘负荷, g/m², 以克论净 in the Changzhi 2024 notice
# and 晋市生态环保委办〔2023〕4号) at which the road dust
# score is 100; above it the score is reference ÷ load. No national standard sets
# this number: put your city's 以克论净 assessment value here.
road_dust_reference_g_m2 = 1.0
# Fines per enterprise (yuan, in the month) that halve the fines score
# (score = 100 × ref ÷ (ref + fines per enterprise)); project choice: 1万元.
fines_reference_yuan = 10000.0
# A park (or enterprise) is ranked only when the components it has data for carry at
# least this share of the weights above (project choice: half); otherwise its score
# is shown but it gets no rank, so a park known only by "no heaps nearby" cannot top
# the list.
min_weight_ranked = 0.5
# Lowest total score (0-100) of a benchmark enterprise candidate (project choice: the
# usual pass mark of 60). 阳环函〔2024〕6号 asks for model enterprises; a low score is none.
benchmark_min_score = 60.0
# Performance grades a benchmark candidate may have (晋环规〔2023〕3号 四: B级及以上或引领性),
# and whether an enterprise without a grade (most small ones are never graded) may be one.
benchmark_grades = ["引领性", "A", "B"]
benchmark_ungraded = true
# Benchmark enterprises to propose per county, [min, max] (阳环函〔2024〕6号 二(三):
# 城区、矿区、高新区 3-5 家, 盂县、平定县、郊区 5-10 家). Add your counties as lines.
benchmark_quotas = [
  { county = "城区", min = 3, max = 5 },
  { county = "矿区", min = 3, max = 5 },
  { county = "高新区", min = 3, max = 5 },
  { county = "盂县", min = 5, max = 10 },
  { county = "平定县", min = 5, max = 10 },
  { county = "郊区", min = 5, max = 10 },
]
# Quota of a county not listed above, [min, max].
benchmark_default_quota = [3, 5]

[scores.park_weights]
# Weight of each park score component; they must add up to 1. A park lacking a
# component (no station, no road dust measured) has the weights of the rest scaled
# up to 1, never a zero score. geoair's choice, after the Changzhi 2024 notice and
# 晋市生态环保委办〔2023〕4号: the park station and the monthly road dust ranking weigh most.
# air: PM2.5 at the park's station(s) vs the reference above (Changzhi 2024 notice
# 十; 晋市生态环保委办〔2023〕4号).
air = 0.25
# dustfall: monthly dustfall at stations in/near the park vs the limit (Changzhi 2024 notice 十).
dustfall = 0.15
# road_dust: road dust load vs road_dust_reference_g_m2 (Changzhi 2024 notice 三).
road_dust = 0.15
# compliance: share of 附件2 checklist items met in each enterprise's latest inspection
# (阳环函〔2024〕6号 附件2).
compliance = 0.15
# cases: open, unrectified 附件3 cases per enterprise at month end (阳环函〔2024〕6号 附件3).
cases = 0.10
# fines: fines (yuan) in the month per enterprise (阳环函〔2024〕6号 附件3;
# 晋市生态环保委办〔2023〕4号).
fines = 0.05
# grades: share of graded enterprises at B or better (A, B, 引领性; 晋环规〔2023〕3号 四).
grades = 0.10
# heaps: untreated (未治理) or burning gangue heaps inside or near (阳政办发〔2020〕131号;
# 五堆 in the Changzhi 2024 notice).
heaps = 0.05

[scores.enterprise_weights]
# Weight of each enterprise score component; they must add up to 1 (missing ones
# are re-spread as for parks). geoair's choice after the checklist of 阳环函〔2024〕6号 附件2.
# checklist: share of 附件2 items met in the latest inspection.
checklist = 0.40
# cases: open, unrectified cases at month end (100 ÷ (1 + count)).
cases = 0.30
# grade: performance grade points below.
grade = 0.20
# gate_roads: the 100 m gate roads (阳环函〔2024〕6号 二(二)): share of their length on
# hardened roads (roads layer 硬化).
gate_roads = 0.10

[scores.grade_points]
# Points of each performance grade (绩效等级) in the enterprise grade component.
# 晋环规〔2023〕3号 四: B or better, or 引领性, is the goal.
"引领性" = 100.0
A = 100.0
B = 80.0
C = 40.0
D = 0.0

[patrol]
# Named start of every team's round trip (geoair patrol plan --start overrides it),
# and its WGS-84 coordinates. The default is approximate (Yangquan's 城区 centre,
# where the city bureau sits): put your bureau's gate here.
start_name = "市生态环境局"
start_lon = 113.5795
start_lat = 37.8563
# Teams out on a day and the most sites one team visits (geoair's defaults, a
# working day of two inspectors per car; change to your own).
teams = 3
stops = 8
# Longest round trip wanted for one team, km (0: no limit). A soft limit: the routes
# are balanced to stay under it, and the plan flags any team that could not (its
# route's over_limit, a note in the output). geoair's choice: 120 km, an 8-hour day of
# 8 stops at about 40 minutes each, leaving some 2.5 hours at 45-50 km/h on county
# and mountain roads; set your own.
max_route_km = 120.0
# Coverage rule: every site is visited at least once in this many days, so no site
# can count on never being chosen. The clean-factory action reports monthly
# (阳环函〔2024〕6号: 每月5日前报送上月工作), hence 30 days.
coverage_days = 30
# At most this share of a day's stops goes to overdue sites forced in by the coverage
# rule, so that the riskiest sites are still seen when the backlog is large.
coverage_share_max = 0.5
# Sites farther than this from a road node are reached in a straight line from the
# nearest node, and a warning says so.
snap_warn_m = 2000.0
# Road layers are often drawn with T-junctions a little short of the road they meet:
# a road end within road_snap_ends_m of another road is joined to it (0: never).
# Roads crossing without a shared vertex are joined only if road_node_crossings is
# true (in OpenStreetMap and most road layers such crossings are bridges).
road_snap_ends_m = 15.0
road_node_crossings = false
# Without a counties layer, a start farther than this from every site is refused.
start_max_m = 50000.0
# Cases counted for "past findings": those of the last N days. Per-case terms count
# at most case_count_cap cases; days since the last visit count at most
# visit_days_cap days (a site never visited counts the cap); gate-road length counts
# at most gate_road_cap_m metres.
findings_lookback_days = 365
case_count_cap = 3
visit_days_cap = 120
gate_road_cap_m = 1000.0
# A site among the first upwind_top_n suspects of a station missing its target counts
# as upwind of it (tables source_suspects and targets_check).
upwind_top_n = 5

[patrol.weights]
# Points per reason (geoair's defaults, set so that an open case or a burning heap
# outweighs a month without a visit; the risk_scores table shows every term).
# Per open (unrectified) case (附件3 是否完成整改 = 否).
open_case = 15.0
# Per case found within findings_lookback_days, rectified or not.
past_finding = 5.0
# Per checklist item failed at the latest inspection (附件2, 7 items).
checklist_item_failed = 5.0
# Per day since the last visit (inspection, case or earlier patrol plan).
per_day_since_visit = 0.25
# Top suspect of a station that misses its PM2.5 target (阳政办发〔2020〕131号 附件1).
upwind_of_missing_station = 20.0
# A burning or smoking gangue heap (阳政办发〔2020〕131号: 消除自燃冒烟).
burning_heap = 30.0
# An untreated gangue heap (half for one being treated).
untreated_heap = 15.0
# Per 100 m of gate road to sweep (阳环函〔2024〕6号 二(二)).
gate_road_per_100m = 1.0
# Performance grade C or D (晋环规〔2023〕3号: key-park enterprises to reach B or better).
grade_below_b = 10.0
# Suspended, idle or closed: check that it stays so.
not_producing = 5.0
# ... and shows activity (found producing, or an upwind suspect).
suspended_but_active = 25.0

[patrol.places]
# Named places that --start accepts, as name = [longitude, latitude] in WGS-84,
# e.g. 盂县分局 = [113.41, 38.09]. Names of enterprises, stations, parks and
# heaps in the workspace are accepted too.

[export]
# Coordinate system of exported files when --crs is not given: "wgs84" (EPSG:4326,
# as stored), "cgcs2000" (EPSG:4490, the national system), "gcj02"
# (Amap/Tencent apps; files are named *_GCJ02) or "EPSG:n".
crs = "wgs84"
# Text encoding of Shapefile attributes, named in the .cpg file: "utf-8", or "gbk"
# for older Chinese GIS software that cannot read UTF-8 .dbf files.
shapefile_encoding = "utf-8"

[surface]
# Side of a GeoTIFF cell in metres (geoair's choice: 500 m, finer than the spacing of
# city stations, coarse enough for a county in a few seconds).
cell_m = 500.0
# Inverse-distance weighting power: weight = 1 / distance^power (the common choice, 2).
idw_power = 2.0
# Number of nearest stations that weight each cell (geoair's choice: 12).
idw_k = 12
# Margin around the counties' extent, metres, so the raster covers their edges.
margin_m = 1000.0

[maps]
# Basemap of the HTML map (geoair map): "osm" (OpenStreetMap), "tianditu" (天地图,
# CGCS2000, needs tianditu_key), "amap" (高德, GCJ-02: the data are shifted by
# geoair.io.crs.wgs84_to_gcj02 to sit on its tiles) or "none". Whatever the choice,
# the county outlines are drawn, so the map stays readable when no tile server can
# be reached (bureau intranets). Default osm: needs no key.
tiles = "osm"
# Your Tianditu key (天地图 开发者密钥, free at the Tianditu console); empty = none.
tianditu_key = ""
# How enterprises are coloured first: "compliance" (share of the 附件2 checklist
# items met at the latest inspection), "grade" (绩效等级) or "status" (生产状态).
# The HTML map can switch between the three.
enterprise_colour = "compliance"
# Polygons (counties, parks) are simplified to this tolerance in metres, in a
# Gauss-Krüger zone, so that a province stays small; 10 m is invisible below
# zoom 15 (about 5 m per pixel).
simplify_m = 10.0
# Decimals kept for longitudes and latitudes in the HTML map: 5 = about 1 m.
coord_decimals = 5
# Resolution of geoair map --png, in dots per inch; 300 is print quality for reports.
png_dpi = 300

[sources]
# Station-source correlation (geoair sources). Search radius around each station,
# metres: enterprises, gangue heaps, gate roads and parks within it are listed
# (geoair's choice: 5 km, a
# county town's industrial belt around its station).
radius_m = 5000.0
# Source layers searched, among enterprises, gangue_heaps, gate_roads, parks.
layers = ["enterprises", "gangue_heaps", "gate_roads", "parks"]
# Pollutant analysed when none is given (PM2.5 is the pollutant of the monthly
# station targets, 阳政办发〔2020〕131号 附件1).
pollutant = "PM2.5"
# CPF: hours at or above this percentile of the period's concentrations count as
# high (openair's percentileRose/polarPlot convention: the 75th).
cpf_percentile = 75.0
# Number of wind sectors: 16 (22.5° each, the usual wind rose) or 36 (10° each).
sectors = 16
# Wind speeds below this, m/s, are calm hours, kept apart from every sector
# (geoair's choice: 0.5 m/s, the same as [readings] calm_wind_ms).
calm_ms = 0.5
# Nonparametric wind regression (Henry et al. 2009): bandwidth of the Gaussian
# kernel in wind direction, degrees, and of the speed kernel, m/s. geoair's choice
# for hourly station data (the paper selects bandwidths per data set).
nwr_sigma_deg = 10.0
nwr_h_ms = 1.0
# Kernel in wind speed: "epanechnikov" (Henry et al. 2009) or "gaussian".
nwr_speed_kernel = "epanechnikov"
# Suspect score = CPF at the source's bearing × 1 / (1 + distance / this), metres:
# a source this far away counts half as much as one at the station (geoair's choice).
distance_scale_m = 1000.0
# Station-periods with fewer windy hours than this are not ranked (too few hours
# to tell directions apart: 48 = two days).
min_windy_hours = 48
# Suspects kept per station and period.
top_n = 10
# Periods ranked when none is given: "month", "quarter" or "year" (stations'
# PM2.5 targets are monthly, 阳政办发〔2020〕131号 附件1).
freq = "month"

[targets]
# County-level units of the targets that are parks, not counties: 阳政办发〔2020〕131号
# 附件1 and 附件2 set PM2.5 and good-day targets for 开发区 beside the counties, and
# 阳环函〔2024〕6号 names 高新区 among them. Such a unit is judged from the air stations inside its
# park(s) (per day the mean of their valid values), and the basis column says so.
# true: a county target whose name no station's county carries is matched to the
# park(s) whose name contains it (开发区 -> 阳泉经济技术开发区（高新区）); geoair's rule.
park_units_by_name = true

[targets.park_units]
# Explicit links, "unit name" = [park ids or names], e.g. "开发区" = ["P01"] (the
# name in quotes). They win over the name match and over the unit's own county
# stations. Empty by default.
"""


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
        raise ConfigError(
            f"{source} is not valid TOML ({exc}). Fix that line, or delete "
            "the file and run geoair init again to get the defaults."
        ) from None


def _type_name(kind: Any) -> str:
    origin = typing.get_origin(kind)
    if kind is float:
        return "a number"
    if kind is int:
        return "a whole number"
    if kind is bool:
        return "true or false"
    if kind is str:
        return "a text in quotes"
    if origin is tuple:
        return "a list [...]"
    if origin in (Mapping, dict) or origin is typing.get_origin(Mapping[str, int]):
        return "a table"
    return "a table"


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
            problems.append(f"{where} must be a list of {len(element_kinds)} values")
            return None
    elif dataclasses.is_dataclass(kind):
        if isinstance(value, dict):
            return _section(kind, value, None, where, problems)
    elif origin is not None and issubclass(origin, Mapping) and isinstance(value, dict):
        return types.MappingProxyType(
            {str(k): _convert(v, args[1], f"{where}.{k}", problems) for k, v in value.items()}
        )
    problems.append(f"{where} must be {_type_name(kind)}, not {value!r}")
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
            scope = f"in [{where}]" if where else "tables"
            problems.append(
                f"unknown setting {_key(where, key)} (known {scope}: {', '.join(names)})"
            )
    values = {}
    for spec in dataclasses.fields(cls):
        name, kind = spec.name, hints[spec.name]
        key = _key(where, name)
        default = getattr(defaults, name) if defaults is not None else None
        if name not in given:
            if defaults is None:
                problems.append(f"{key} is missing")
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
                    f"unknown setting {key}.{unknown[0]} (known in [{key}]: {', '.join(default)})"
                )
            value = {**default, **{k: v for k, v in value.items() if k in default}}
        converted = _convert(value, kind, key, problems)
        choices = spec.metadata.get("choices")
        if choices and converted is not None and converted not in choices:
            problems.append(f"{key} must be one of {', '.join(choices)}, not {value!r}")
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
        raise ConfigError(f"{source}: {'; '.join(problems)}. Correct or remove these lines.")
    return typing.cast(Settings, settings)


DEFAULT_SETTINGS: Settings = parse_settings(DEFAULT_TOML, source="the built-in settings")
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
