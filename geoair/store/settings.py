"""Workspace settings: ``geoair.toml``, with documented defaults taken from the documents.

The defaults live in one place, :data:`DEFAULT_TOML`, a commented TOML text that is
written as-is into every new workspace, so that users read what each setting means
and where its default comes from. A user's file is merged over the defaults; an
unknown key or a value of the wrong type is refused with the key's name.

Each capability owns one table (``[gate_roads]``, ``[readings]``, ...), appended to
:data:`DEFAULT_TOML` with a comment per key. Read settings
with :func:`load_settings` and index them like dicts: ``settings["gate_roads"]["radius_m"]``.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geoair.errors import ConfigError

__all__ = ["DEFAULTS", "DEFAULT_TOML", "load_settings"]


DEFAULT_TOML = """\
# geoair workspace settings. Edit the values; keep the keys.
# Every default below is taken from the documents named beside it
# (seed numbers refer to ../shared/seeds/ in the project).

[workspace]
# Name of the city or county, used in titles of maps and forms.
name = "阳泉市"
# Coordinate system of files imported without one: "wgs84", "gcj02" (Amap, Tencent)
# or "bd09" (Baidu). Coordinates are always stored in WGS-84.
default_coords = "wgs84"

[gate_roads]
# Radius around every factory gate whose road must be washed and swept
# (seed 000, 二(二): 厂区大门附近100米范围内的道路).
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
# Dustfall limit per county, t/(km²·month): 9 in Yangquan 2020 (seed 004, (九));
# Yangcheng 2024 uses 7 (seed 003).
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
# Memory DuckDB may use while importing readings (it spills to disk beyond).
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
# standard). Seed 001 ranks parks by their station; seed 002 compares with the city.
air_reference = "standard"
# Road dust load (道路积尘负荷, g/m², seed 001 and 002 以克论净) at which the road dust
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
# usual pass mark of 60). Seed 000 asks for model enterprises; a low score is none.
benchmark_min_score = 60.0
# Performance grades a benchmark candidate may have (seed 001 四: B级及以上或引领性),
# and whether an enterprise without a grade (most small ones are never graded) may be one.
benchmark_grades = ["引领性", "A", "B"]
benchmark_ungraded = true
# Benchmark enterprises to propose per county, [min, max] (seed 000, 二(三):
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
# up to 1, never a zero score. Project choice, after seeds 001 and 002: the park
# station and the monthly road dust ranking weigh most.
# air: PM2.5 at the park's station(s) vs the reference above (seed 001 十, seed 002).
air = 0.25
# dustfall: monthly dustfall at stations in/near the park vs the limit (seed 001 十).
dustfall = 0.15
# road_dust: road dust load vs road_dust_reference_g_m2 (seed 001 三).
road_dust = 0.15
# compliance: share of 附件2 checklist items met in each enterprise's latest inspection
# (seed 000).
compliance = 0.15
# cases: open, unrectified 附件3 cases per enterprise at month end (seed 000).
cases = 0.10
# fines: fines (yuan) in the month per enterprise (seed 000 附件3, seed 002).
fines = 0.05
# grades: share of graded enterprises at B or better (A, B, 引领性; seed 001 四).
grades = 0.10
# heaps: untreated (未治理) or burning gangue heaps inside or near (seed 004, seed 001 五堆).
heaps = 0.05

[scores.enterprise_weights]
# Weight of each enterprise score component; they must add up to 1 (missing ones
# are re-spread as for parks). Project choice after seed 000's checklist.
# checklist: share of 附件2 items met in the latest inspection.
checklist = 0.40
# cases: open, unrectified cases at month end (100 ÷ (1 + count)).
cases = 0.30
# grade: performance grade points below.
grade = 0.20
# gate_roads: the 100 m gate roads (seed 000 二(二)): share of their length on
# hardened roads (roads layer 硬化).
gate_roads = 0.10

[scores.grade_points]
# Points of each performance grade (绩效等级) in the enterprise grade component.
# Seed 001 四: B or better, or 引领性, is the goal.
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
# are balanced to stay under it, and the plan names any team that could not
# (geoair's default: none; a day's drive in the hills is about 150 km).
max_route_km = 0.0
# Coverage rule: every site is visited at least once in this many days, so no site
# can count on never being chosen. The clean-factory action reports monthly
# (seed 000: 每月5日前报送上月工作), hence 30 days.
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
# Top suspect of a station that misses its PM2.5 target (seed 004, 附件1).
upwind_of_missing_station = 20.0
# A burning or smoking gangue heap (seed 004: 消除自燃冒烟).
burning_heap = 30.0
# An untreated gangue heap (half for one being treated).
untreated_heap = 15.0
# Per 100 m of gate road to sweep (seed 000, 二(二)).
gate_road_per_100m = 1.0
# Performance grade C or D (seed 001: key-park enterprises to reach B or better).
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
# as stored), "cgcs2000" (EPSG:4490, the national system, DESIGN §4), "gcj02"
# (Amap/Tencent apps; files are named *_GCJ02) or "EPSG:n".
crs = "wgs84"
# Text encoding of Shapefile attributes, named in the .cpg file: "utf-8", or "gbk"
# for older Chinese GIS software that cannot read UTF-8 .dbf files.
shapefile_encoding = "utf-8"

[surface]
# Side of a GeoTIFF cell in metres (issue 6: --cell 500 by default).
cell_m = 500.0
# Inverse-distance weighting power: weight = 1 / distance^power (the common choice, 2).
idw_power = 2.0
# Number of nearest stations that weight each cell (issue 6 / PERFORMANCE.md: k = 12).
idw_k = 12
# Margin around the counties' extent, metres, so the raster covers their edges.
margin_m = 1000.0

[maps]
# Basemap of the HTML map (geoair map): "osm" (OpenStreetMap), "tianditu" (天地图,
# CGCS2000, needs tianditu_key), "amap" (高德, GCJ-02: the data are shifted by
# geoair.crs.wgs84_to_gcj02 to sit on its tiles) or "none". Whatever the choice,
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
# (issue 8: --radius 5000 by default).
radius_m = 5000.0
# Source layers searched, among enterprises, gangue_heaps, gate_roads, parks.
layers = ["enterprises", "gangue_heaps", "gate_roads", "parks"]
# Pollutant analysed when none is given (PM2.5 is the pollutant of the monthly
# station targets, seed 004 annex 1).
pollutant = "PM2.5"
# CPF: hours at or above this percentile of the period's concentrations count as
# high (openair's percentileRose/polarPlot convention; issue 8: 75th).
cpf_percentile = 75.0
# Number of wind sectors: 16 (22.5° each, the usual wind rose) or 36 (10° each).
sectors = 16
# Wind speeds below this, m/s, are calm hours, kept apart from every sector
# (issue 8: 0.5 m/s; the same as [readings] calm_wind_ms).
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
# PM2.5 targets are monthly, seed 004 annex 1).
freq = "month"

[targets]
# County-level units of the targets that are parks, not counties: seed 004 annexes
# 1 and 2 set PM2.5 and good-day targets for 开发区 beside the counties, and seed 000
# names 高新区 among them. Such a unit is judged from the air stations inside its
# park(s) (per day the mean of their valid values), and the basis column says so.
# true: a county target whose name no station's county carries is matched to the
# park(s) whose name contains it (开发区 -> 阳泉经济技术开发区（高新区）); geoair's rule.
park_units_by_name = true

[targets.park_units]
# Explicit links, "unit name" = [park ids or names], e.g. "开发区" = ["P01"] (the
# name in quotes). They win over the name match and over the unit's own county
# stations. Empty by default.
"""


def _parse(text: str, *, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{source} is not valid TOML ({exc}). Fix that line, or delete "
            "the file and run geoair init again to get the defaults."
        ) from None


DEFAULTS: dict[str, Any] = _parse(DEFAULT_TOML, source="the built-in settings")


def _merge(defaults: Mapping[str, Any], given: Mapping[str, Any], path: str) -> dict[str, Any]:
    merged = copy.deepcopy(dict(defaults))
    problems = []
    for key, value in given.items():
        where = f"{path}.{key}" if path else key
        if key not in defaults:
            known = ", ".join(sorted(defaults)) or "(none)"
            problems.append(f"unknown setting {where!r} (known here: {known})")
            continue
        default = defaults[key]
        if isinstance(default, dict):
            if not isinstance(value, dict):
                problems.append(f"{where} must be a table [{where}]")
                continue
            if not default:  # an open table, e.g. weights keyed by name
                merged[key] = dict(value)
                continue
            try:
                merged[key] = _merge(default, value, where)
            except ConfigError as exc:
                problems.append(str(exc))
            continue
        if isinstance(default, bool) != isinstance(value, bool):
            problems.append(f"{where} must be true or false, not {value!r}")
        elif isinstance(default, float) and isinstance(value, int | float):
            merged[key] = float(value)
        elif isinstance(default, int) and not isinstance(default, bool) and isinstance(value, int):
            merged[key] = value
        elif type(default) is not type(value) and not (
            isinstance(default, list) and isinstance(value, list)
        ):
            problems.append(f"{where} must be a {type(default).__name__}, not {value!r}")
        else:
            merged[key] = value
    if problems:
        raise ConfigError("; ".join(problems))
    return merged


def load_settings(path: Path | str | None) -> dict[str, Any]:
    """Read ``geoair.toml`` over the defaults; every problem is reported at once.

    Parameters
    ----------
    path : path or None
        The settings file; None or a missing file gives the defaults.

    Returns
    -------
    dict
        Settings as nested dicts, every key present.
    """
    if path is None or not Path(path).exists():
        return copy.deepcopy(DEFAULTS)
    given = _parse(Path(path).read_text(encoding="utf-8"), source=str(path))
    try:
        return _merge(DEFAULTS, given, "")
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}. Correct or remove these lines.") from None
