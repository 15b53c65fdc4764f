"""Benchmark: geoair's interactive map at province scale, against folium's obvious way.

Builds a seeded synthetic province (Shanxi's extent): 50,000 enterprises with one
inspection each and a case for one in five, 1.5 gates per enterprise with their
100 m circles and gate roads, 1 station per 50 enterprises, 1 heap per 20, 100
counties and 500 parks (polygons of 400 vertices). Then it times:

1. geoair: collect the layers and write the HTML (time, size, peak memory);
2. in Chromium (Debian's, network blocked): time until the map's script is done
   and the first frame after it is painted, then 10 pans and 4 zooms with the time
   each takes to the next painted frame, and the longest main-thread task;
3. the reference at 20,000 points: one ``folium.CircleMarker`` per point, against
   geoair writing the same 20,000 points; times, sizes and the ratio.

``--scale 0.1`` makes everything ten times smaller for a quick run.

    python scripts/bench_map.py [--scale 1.0] [--no-browser] [--keep DIR]
"""

from __future__ import annotations

import argparse
import platform
import resource
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoair.maps.interactive import write_html
from geoair.maps.layers import collect_layers
from geoair.maps.static import write_png
from geoair.store.schema import CHECKLIST_ITEMS

WEST, EAST, SOUTH, NORTH = 110.2, 114.6, 34.6, 40.7
CRS = "EPSG:4326"
SYLLABLES = list("阳泉晋城长治太原大同朔州忻州吕梁临汾运城晋中盂平定郊矿华鑫金安瑞远嘉康宏兴泰")
INDUSTRIES = ["焦化", "水泥", "耐火材料", "洗煤", "陶瓷", "铸造", "电力", "化工"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _names(rng, n: int, suffix: np.ndarray) -> list[str]:
    parts = rng.choice(SYLLABLES, size=(n, 4))
    return ["".join(row) + s + "有限公司" for row, s in zip(parts, suffix, strict=True)]


def _blob(rng, x: float, y: float, radius_deg: float, vertices: int) -> shapely.Polygon:
    angles = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    r = radius_deg * (1 + 0.25 * np.sin(5 * angles + rng.uniform(0, 6)))
    return shapely.Polygon(np.column_stack([x + r * np.cos(angles), y + r * np.sin(angles)]))


def build_frames(n_enterprises: int, seed: int = 42) -> dict[str, pd.DataFrame]:
    """A synthetic province with ``n_enterprises`` and proportional other layers."""
    rng = np.random.default_rng(seed)
    n = n_enterprises
    lon = rng.uniform(WEST, EAST, n)
    lat = rng.uniform(SOUTH, NORTH, n)
    industry = rng.choice(INDUSTRIES, n)
    counties_n = max(2, n // 500)
    grid = int(np.ceil(np.sqrt(counties_n)))
    dx, dy = (EAST - WEST) / grid, (NORTH - SOUTH) / grid
    counties = gpd.GeoDataFrame(
        {
            "code": [f"14{i:04d}" for i in range(grid * grid)],
            "name": [f"第{i}县" for i in range(grid * grid)],
        },
        geometry=[
            _blob(
                rng,
                WEST + (i % grid + 0.5) * dx,
                SOUTH + (i // grid + 0.5) * dy,
                min(dx, dy) / 2,
                400,
            )
            for i in range(grid * grid)
        ],
        crs=CRS,
    )
    county_of = (
        np.minimum((lat - SOUTH) // dy, grid - 1) * grid + np.minimum((lon - WEST) // dx, grid - 1)
    ).astype(int)
    enterprises = gpd.GeoDataFrame(
        {
            "id": [f"E{i:06d}" for i in range(n)],
            "name": _names(rng, n, industry),
            "county": counties["name"].to_numpy()[county_of],
            "township": rng.choice(["义井镇", "荫营镇", "河底镇", "平坦镇", "李家庄乡"], n),
            "industry": industry,
            "above_scale": pd.array(rng.random(n) < 0.3, dtype="boolean"),
            "performance_grade": rng.choice(["A", "B", "C", "D", "引领性"], n),
            "status": rng.choice(
                ["正常生产", "依法停产", "依法关闭", "自然停产"], n, p=[0.8, 0.1, 0.05, 0.05]
            ),
            "responsible": rng.choice(["张伟", "王芳", "李娜", "刘洋", "陈静"], n),
        },
        geometry=shapely.points(lon, lat),
        crs=CRS,
    )
    inspections = pd.DataFrame(
        {
            "enterprise_id": enterprises["id"],
            "enterprise_name": enterprises["name"],
            "inspection_date": pd.Timestamp("2024-03-01")
            + pd.to_timedelta(rng.integers(0, 28, n), unit="D"),
            "status": enterprises["status"],
        }
    )
    for item in CHECKLIST_ITEMS:
        inspections[item] = pd.array(rng.random(n) < 0.85, dtype="boolean")
    n_cases = n // 5
    who = rng.choice(n, n_cases, replace=False)
    cases = pd.DataFrame(
        {
            "inspection_date": inspections["inspection_date"].to_numpy()[who],
            "enterprise_id": enterprises["id"].to_numpy()[who],
            "enterprise_name": enterprises["name"].to_numpy()[who],
            "problem": rng.choice(
                ["料场未全封闭", "厂区道路积尘", "车辆未冲洗", "无组织排放"], n_cases
            ),
            "measure": rng.choice(["立行立改", "停产整治", "立案处罚"], n_cases),
            "fine_yuan": rng.choice([0.0, 10000.0, 50000.0], n_cases),
            "rectified": pd.array(rng.random(n_cases) < 0.5, dtype="boolean"),
        }
    )
    n_gates = int(n * 1.5)
    owner = rng.integers(0, n, n_gates)
    gx = lon[owner] + rng.normal(0, 0.002, n_gates)
    gy = lat[owner] + rng.normal(0, 0.002, n_gates)
    gates = gpd.GeoDataFrame(
        {
            "id": [f"G{i:06d}" for i in range(n_gates)],
            "enterprise_id": enterprises["id"].to_numpy()[owner],
            "enterprise_name": enterprises["name"].to_numpy()[owner],
            "name": rng.choice(["东门", "西门", "南门", "北门", "物流门"], n_gates),
        },
        geometry=shapely.points(gx, gy),
        crs=CRS,
    )
    metric = gates.to_crs(4547)
    buffers = gpd.GeoDataFrame(
        {"gate_id": gates["id"], "enterprise_id": gates["enterprise_id"], "radius_m": 100.0},
        geometry=metric.buffer(100, quad_segs=18).to_crs(CRS),
        crs=CRS,
    )
    ang = rng.uniform(0, np.pi, n_gates)
    off = 0.0008
    roads = gpd.GeoDataFrame(
        {
            "gate_id": gates["id"],
            "enterprise_id": gates["enterprise_id"],
            "road_name": rng.choice(["桃北路", "德胜街", "南外环", "东环路"], n_gates),
            "road_class": rng.choice(["primary", "secondary", "tertiary"], n_gates),
            "length_m": rng.uniform(50, 200, n_gates).round(1),
        },
        geometry=shapely.linestrings(
            np.stack(
                [
                    np.column_stack([gx - off * np.cos(ang), gy - off * np.sin(ang)]),
                    np.column_stack([gx + off * np.cos(ang), gy + off * np.sin(ang)]),
                ],
                axis=1,
            )
        ),
        crs=CRS,
    )
    n_parks = max(2, n // 100)
    parks = gpd.GeoDataFrame(
        {
            "id": [f"P{i:04d}" for i in range(n_parks)],
            "name": [f"第{i}工业园区" for i in range(n_parks)],
            "key_park": pd.array(rng.random(n_parks) < 0.3, dtype="boolean"),
        },
        geometry=[
            _blob(rng, x, y, 0.02, 400)
            for x, y in zip(
                rng.uniform(WEST, EAST, n_parks), rng.uniform(SOUTH, NORTH, n_parks), strict=True
            )
        ],
        crs=CRS,
    )
    n_st = max(2, n // 50)
    stations = gpd.GeoDataFrame(
        {
            "id": [f"S{i:05d}" for i in range(n_st)],
            "name": [f"第{i}监测站" for i in range(n_st)],
            "kind": rng.choice(["国控", "省控", "园区站", "微站"], n_st),
        },
        geometry=shapely.points(rng.uniform(WEST, EAST, n_st), rng.uniform(SOUTH, NORTH, n_st)),
        crs=CRS,
    )
    months = [f"2024-{m:02d}" for m in (1, 2, 3)]
    monthly = pd.DataFrame(
        {
            "station_id": np.repeat(stations["id"].to_numpy(), 3),
            "period": months * n_st,
            "PM2.5": rng.uniform(20, 90, 3 * n_st).round(),
            "PM10": rng.uniform(40, 160, 3 * n_st).round(),
            "good_days": rng.integers(10, 31, 3 * n_st),
        }
    )
    n_heaps = max(2, n // 20)
    heaps = gpd.GeoDataFrame(
        {
            "id": [f"H{i:05d}" for i in range(n_heaps)],
            "name": [f"第{i}矸石山" for i in range(n_heaps)],
            "owner_status": rng.choice(["有主", "无主"], n_heaps),
            "treatment": rng.choice(["已治理", "治理中", "未治理"], n_heaps),
            "burning": pd.array(rng.random(n_heaps) < 0.05, dtype="boolean"),
            "area_m2": rng.uniform(1e3, 1e5, n_heaps).round(),
        },
        geometry=shapely.points(
            rng.uniform(WEST, EAST, n_heaps), rng.uniform(SOUTH, NORTH, n_heaps)
        ),
        crs=CRS,
    )
    return {
        "counties": counties,
        "parks": parks,
        "enterprises": enterprises,
        "inspections": inspections,
        "cases": cases,
        "gates": gates,
        "gate_buffers": buffers,
        "gate_roads": roads,
        "stations": stations,
        "station_monthly": monthly,
        "gangue_heaps": heaps,
    }


def time_geoair(frames, path: Path) -> tuple[float, float]:
    start = time.perf_counter()
    layers = collect_layers(frames)
    write_html(layers, path, title="山西省 基准测试")
    return time.perf_counter() - start, path.stat().st_size / 1e6


def time_folium(points: gpd.GeoDataFrame, path: Path) -> tuple[float, float]:
    import folium

    start = time.perf_counter()
    fmap = folium.Map(location=[37.6, 112.4], zoom_start=7)
    for lon, lat, name in zip(points.geometry.x, points.geometry.y, points["name"], strict=True):
        folium.CircleMarker([lat, lon], radius=4, popup=name, color="#2c7bb6").add_to(fmap)
    fmap.save(str(path))
    return time.perf_counter() - start, path.stat().st_size / 1e6


BROWSER_PROBE = """async () => {
  const g = window.geoair, m = g.map;
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const long = [];
  new PerformanceObserver(l => l.getEntries().forEach(e => long.push(e.duration)))
    .observe({type: 'longtask', buffered: true});
  const times = [];
  for (let k = 0; k < 10; k++) {
    const t0 = performance.now();
    m.panBy([k % 2 ? -250 : 250, 120], {animate: false});
    await frame();
    times.push(performance.now() - t0);
  }
  const zooms = [];
  for (const dz of [1, 1, -1, -1]) {
    const t0 = performance.now();
    m.setZoom(m.getZoom() + dz, {animate: false});
    await frame();
    zooms.push(performance.now() - t0);
  }
  await frame();
  return {pan: times, zoom: zooms, longest_task: Math.max(0, ...long)};
}"""


def time_browser(path: Path) -> dict:
    from playwright.sync_api import sync_playwright

    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort(),
        )
        start = time.perf_counter()
        page.goto(path.as_uri(), wait_until="commit", timeout=120_000)
        page.wait_for_function("window.geoair && window.geoair.ready", timeout=120_000, polling=50)
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        first_paint = time.perf_counter() - start
        counts = page.evaluate("window.geoair.counts")
        probe = page.evaluate(BROWSER_PROBE)
        # Zoomed in to 14 (gates, their circles and roads appear): the first zoom builds
        # those layers; then the same pans and zooms.
        start = time.perf_counter()
        page.evaluate("""() => new Promise(r => { const m = window.geoair.map;
            m.once('moveend', () => requestAnimationFrame(() => requestAnimationFrame(r)));
            m.setView(m.getCenter(), 14, {animate: false}); })""")
        detail_first = time.perf_counter() - start
        detail = page.evaluate(BROWSER_PROBE)
        browser.close()
    return {
        "first_paint_s": first_paint,
        "counts": counts,
        "errors": errors,
        **probe,
        "detail_first_s": detail_first,
        "detail": detail,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="1.0 = 50,000 enterprises and 20,000 reference points",
    )
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timings")
    parser.add_argument("--keep", type=Path, default=None, help="keep the HTML files here")
    args = parser.parse_args()
    import folium
    import matplotlib
    import shapely as shp

    n = int(50_000 * args.scale)
    n_ref = int(20_000 * args.scale)
    print(
        f"machine: {platform.machine()}, {__import__('os').cpu_count()} cores; python "
        f"{platform.python_version()}, geopandas {gpd.__version__}, shapely {shp.__version__}, "
        f"folium {folium.__version__}, matplotlib {matplotlib.__version__}"
    )
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-map-"))
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    frames = build_frames(n)
    sizes = {k: len(v) for k, v in frames.items()}
    print(f"data built in {time.perf_counter() - t0:.1f} s: {sizes}")

    seconds, mb = time_geoair(frames, folder / "province.html")
    print(
        f"geoair, province ({n} enterprises, all layers): wrote in {seconds:.2f} s, "
        f"{mb:.1f} MB; peak memory so far {rss_mb():.0f} MB "
        f"[targets: < 20 s, < 15 MB]"
    )
    start = time.perf_counter()
    write_png(collect_layers(frames), folder / "province.png", title="山西省 基准测试")
    print(f"geoair, province static map (PNG, 300 dpi, A4): {time.perf_counter() - start:.2f} s")
    if not args.no_browser:
        result = time_browser(folder / "province.html")
        pans, zooms = result["pan"], result["zoom"]
        print(
            f"chromium, province: script done and first frame painted "
            f"{result['first_paint_s']:.2f} s "
            f"after navigation [target < 5 s]; pan to painted frame mean "
            f"{np.mean(pans):.0f} ms, max {np.max(pans):.0f} ms; zoom mean {np.mean(zooms):.0f} "
            f"ms, max {np.max(zooms):.0f} ms; longest main-thread task "
            f"{result['longest_task']:.0f} ms; JS errors: {len(result['errors'])}"
        )
        detail = result["detail"]
        print(
            f"chromium, zoomed in to 14 (gates, circles, roads shown): first zoom "
            f"{result['detail_first_s']:.2f} s; pan mean {np.mean(detail['pan']):.0f} ms, "
            f"max {np.max(detail['pan']):.0f} ms; zoom mean {np.mean(detail['zoom']):.0f} ms, "
            f"max {np.max(detail['zoom']):.0f} ms"
        )
        expected = {k: sizes[k] for k in result["counts"] if k in sizes}
        assert result["counts"] == expected, (result["counts"], expected)

    points = frames["enterprises"].iloc[:n_ref][["name", "geometry"]]
    only = {"enterprises": frames["enterprises"].iloc[:n_ref]}
    g_seconds, g_mb = time_geoair(only, folder / "geoair-ref.html")
    f_seconds, f_mb = time_folium(points, folder / "folium-ref.html")
    print(
        f"reference, {n_ref} points: folium one CircleMarker each {f_seconds:.2f} s, "
        f"{f_mb:.1f} MB; geoair {g_seconds:.2f} s, {g_mb:.1f} MB (full popups, 3 colour "
        f"modes, Leaflet inline); ratio time {f_seconds / g_seconds:.1f}x, size "
        f"{f_mb / g_mb:.1f}x"
    )
    print(f"peak memory (whole run): {rss_mb():.0f} MB; files in {folder}")


if __name__ == "__main__":
    main()
