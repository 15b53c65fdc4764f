"""Interactive HTML maps that open with no network: Leaflet and all data inline.

The page is one self-contained file: Leaflet 1.9.4 (``static/leaflet``), geoair's own
script and style (``static/geoair-map.js``, ``.css``: grouped layer control with a
legend per layer, search by name, a distance-measuring tool, basemap fallback) and
one compact JSON document holding every layer. Features are drawn on a canvas
(circle markers, polylines, polygons), which stays smooth with 50,000 enterprises
where one SVG or DOM marker per feature would not.

Data layout: per layer, columns rather than rows (a column of few distinct values is
stored once as a dictionary plus small integer codes), coordinates rounded to
``coord_decimals`` (5 = about 1 m), polygons simplified in metres (see
:mod:`geoair.maps.layers`). Popups are built in the browser from these columns when a
feature is clicked.

Safety: every text from the user's data is escaped with :func:`html.escape` here,
and the JSON is embedded so that no ``<``, ``>`` or ``&`` appears in it raw (they are
written as ``\\u003c`` etc., valid JSON that cannot end the ``<script>`` element);
U+2028/2029 are escaped too. An enterprise named ``<img src=x onerror=alert(1)>``
shows as that text.

Coordinates: stored data are WGS-84. Tianditu (CGCS2000) and OpenStreetMap tiles
match them. Amap's tiles are GCJ-02: with ``tiles="amap"`` every coordinate is
shifted with :func:`geoair.crs.wgs84_to_gcj02` before embedding, only Amap tiles are
offered, and the map says so; WGS-84 data are never laid on Amap tiles unshifted.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from geoair._errors import ConfigError, OutputError
from geoair.crs import shift_geometries
from geoair.io import atomic_path
from geoair.maps.layers import MapLayer
from geoair.maps.styles import BIG_FACTOR, POINT_RADIUS_PX

log = logging.getLogger(__name__)

TILE_PROVIDERS = ("osm", "tianditu", "amap", "none")
_TIANDITU = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
             "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
             "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}")
_DICT_MAX = 2000  # a text column with at most this many distinct values is dictionary-coded


def _asset(name: str) -> str:
    return resources.files("geoair.maps").joinpath("static", name).read_text("utf-8")


def _leaflet_css() -> str:
    """Leaflet's stylesheet with its images inlined as data: URLs."""
    css = _asset("leaflet/leaflet.css")

    def inline(match: re.Match) -> str:
        data = resources.files("geoair.maps").joinpath(
            "static", "leaflet", match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    return re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)


# -- safe embedding -----------------------------------------------------------------

def _text(value) -> str | None:
    """A user text, HTML-escaped (quotes too), or None for a missing value."""
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return html.escape(str(value), quote=True)


def _cell(value):
    """One JSON value: numbers as numbers, everything else as escaped text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return "是" if value else "否"
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return _text(value)


def script_json(data) -> str:
    """JSON that is safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` never appear raw (``</script>`` and ``<!--`` cannot occur),
    and U+2028/U+2029 are escaped for old JavaScript parsers.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _column(values: pd.Series) -> dict:
    cells = [_cell(v) for v in values.tolist()]
    texts = [c for c in cells if isinstance(c, str)]
    if texts and len(texts) == sum(c is not None for c in cells):
        distinct = list(dict.fromkeys(texts))
        if len(distinct) <= _DICT_MAX and len(distinct) * 4 < len(cells):
            code = {v: i for i, v in enumerate(distinct)}
            return {"d": distinct, "i": [-1 if c is None else code[c] for c in cells]}
    return {"v": cells}


# -- geometry -----------------------------------------------------------------------

def _flat(coords: np.ndarray, decimals: int) -> list[float]:
    return np.round(coords[:, :2], decimals).ravel().tolist()


def _line_parts(geom, decimals: int) -> list[list[float]]:
    return [_flat(shapely.get_coordinates(part), decimals)
            for part in shapely.get_parts(geom) if not part.is_empty]


def _polygon_parts(geom, decimals: int) -> list[list[list[float]]]:
    polygons = []
    for part in shapely.get_parts(geom):
        if part.is_empty or part.geom_type != "Polygon":
            continue
        rings = [part.exterior, *part.interiors]
        polygons.append([_flat(shapely.get_coordinates(r)[:-1], decimals) for r in rings])
    return polygons


def _encode_geometry(layer: MapLayer, decimals: int, *, shift: bool) -> dict:
    geoms = np.asarray(layer.geometry.values)
    if shift:
        geoms = shift_geometries(geoms, source="wgs84", target="gcj02")
    if layer.kind in ("point", "circle"):
        xy = np.round(shapely.get_coordinates(geoms), decimals)
        if len(xy) != len(geoms):
            raise OutputError(f"Layer {layer.title} has empty or multi-part points; "
                              "re-import it with one point per row.")
        out = {"x": xy[:, 0].tolist(), "y": xy[:, 1].tolist()}
        if layer.kind == "circle":
            out["r"] = np.round(np.asarray(layer.radius_m, dtype=float), 1).tolist()
        return out
    if layer.kind == "line":
        return {"g": [_line_parts(g, decimals) if g is not None else [] for g in geoms]}
    if layer.kind == "polygon":
        return {"g": [_polygon_parts(g, decimals) if g is not None else [] for g in geoms]}
    mixed = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            mixed.append(None)
        elif geom.geom_type == "Point":
            mixed.append([0, _flat(shapely.get_coordinates(geom), decimals)])
        elif geom.geom_type in ("LineString", "MultiLineString"):
            mixed.append([1, _line_parts(geom, decimals)])
        else:
            mixed.append([2, _polygon_parts(geom, decimals)])
    return {"m": mixed}


def _encode_layer(layer: MapLayer, decimals: int, *, shift: bool) -> dict:
    out = {
        "id": layer.id,
        "title": _text(layer.title),
        "group": _text(layer.group),
        "kind": layer.kind,
        "n": len(layer),
        "visible": layer.visible,
        "note": _text(layer.note) or "",
        "radius": POINT_RADIUS_PX.get(layer.id, 5.0),
        "bigFactor": BIG_FACTOR,
        "geom": _encode_geometry(layer, decimals, shift=shift),
        "modes": [{"key": m.key, "label": _text(m.label),
                   "classes": [{"label": _text(c.label), "color": c.color} for c in m.classes],
                   "values": np.asarray(m.values).astype(int).tolist()} for m in layer.modes],
        "fields": [{"label": _text(label), **_column(values.reset_index(drop=True))}
                   for label, values in layer.fields],
        "tables": [{"title": _text(t.title), "columns": [_text(c) for c in t.columns],
                    "rows": {str(k): [[_cell(v) for v in row] for row in rows]
                             for k, rows in t.rows.items()}} for t in layer.tables],
        # Built by geoair from numbers and escaped captions (see layers._sparkline).
        "extra": {str(k): v for k, v in layer.extra_html.items()},
    }
    if layer.big is not None and layer.big.any():
        out["big"] = np.asarray(layer.big).astype(int).tolist()
    if layer.hollow is not None and layer.hollow.any():
        out["hollow"] = np.asarray(layer.hollow).astype(int).tolist()
    if layer.labels is not None and len(layer) <= 1000:
        out["labels"] = [_text(v) or "" for v in layer.labels.tolist()]
    return out


def _tile_options(tiles: str, tianditu_key: str) -> tuple[list[dict], str]:
    """The basemaps offered and the one shown first."""
    if tiles not in TILE_PROVIDERS:
        raise ConfigError(f"[maps] tiles = {tiles!r} is not a basemap geoair knows. Use one "
                          f"of: {', '.join(TILE_PROVIDERS)}.")
    key = tianditu_key.strip()
    if key and not re.fullmatch(r"[0-9A-Za-z]+", key):
        raise ConfigError("[maps] tianditu_key must be the letters and digits of your "
                          "Tianditu key (天地图 开发者密钥), nothing else.")
    if tiles == "tianditu" and not key:
        raise ConfigError("The Tianditu basemap (tiles = \"tianditu\") needs your key: put it "
                          "in geoair.toml as [maps] tianditu_key = \"...\" (free from the "
                          "Tianditu developer console), or choose tiles = \"osm\".")
    if tiles == "amap":
        return [{"id": "amap", "label": "高德地图 (GCJ-02)",
                 "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&"
                        "scale=1&style=8&x={x}&y={y}&z={z}",
                 "subdomains": "1234", "attribution": "© 高德地图"}], "amap"
    options = [{"id": "osm", "label": "OpenStreetMap",
                "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "subdomains": "abc",
                "attribution": "© OpenStreetMap contributors"}]
    if key:
        options.append({"id": "tianditu", "label": "天地图",
                        "url": _TIANDITU.replace("{layer}", "vec").replace("{key}", key),
                        "overlay": _TIANDITU.replace("{layer}", "cva").replace("{key}", key),
                        "subdomains": "01234567", "attribution": "© 天地图"})
    return options, ("none" if tiles == "none" else tiles)


def _bounds(layers: Sequence[MapLayer], *, shift: bool) -> list[list[float]]:
    boxes = np.array([layer.geometry.total_bounds for layer in layers], dtype=float)
    boxes = boxes[np.isfinite(boxes).all(axis=1)]
    if not len(boxes):
        return [[37.8, 113.4], [38.1, 113.8]]
    minx, miny = boxes[:, 0].min(), boxes[:, 1].min()
    maxx, maxy = boxes[:, 2].max(), boxes[:, 3].max()
    if shift:
        from geoair.crs import wgs84_to_gcj02

        (minx, maxx), (miny, maxy) = wgs84_to_gcj02([minx, maxx], [miny, maxy])
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def render_html(layers: Sequence[MapLayer], *, title: str = "geoair 地图",
                settings: Mapping | None = None) -> str:
    """The self-contained HTML page of a map of ``layers``.

    Parameters
    ----------
    layers : sequence of MapLayer
        From :func:`geoair.maps.layers.collect_layers`.
    title : str
        Shown as the page title and on the map (escaped).
    settings : mapping, optional
        The ``[maps]`` settings: ``tiles``, ``tianditu_key``, ``coord_decimals``.

    Returns
    -------
    str
        The HTML text; it loads nothing from the network except basemap tiles.
    """
    from geoair.config import DEFAULTS

    opts = dict(DEFAULTS["maps"]) | dict(settings or {})
    tiles, active = _tile_options(opts["tiles"], opts["tianditu_key"])
    shift = opts["tiles"] == "amap"
    decimals = int(opts["coord_decimals"])
    notes = []
    if shift:
        notes.append("数据已由WGS-84偏移至GCJ-02，以与高德底图对齐")
    data = {
        "title": _text(title),
        "bounds": _bounds(layers, shift=shift),
        "tiles": tiles,
        "activeTiles": active,
        "coords": "gcj02" if shift else "wgs84",
        "notes": [_text(n) for n in notes],
        "layers": [_encode_layer(layer, decimals, shift=shift) for layer in layers],
    }
    pieces = {
        "TITLE": _text(title),
        "LEAFLET_CSS": _leaflet_css(),
        "MAP_CSS": _asset("geoair-map.css"),
        "LEAFLET_JS": _asset("leaflet/leaflet.js"),
        "MAP_JS": _asset("geoair-map.js"),
        "DATA": script_json(data),
    }
    template = _asset("map.html")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: pieces[m.group(1)], template)


def write_html(layers: Sequence[MapLayer], path: Path | str, *, title: str = "geoair 地图",
               settings: Mapping | None = None) -> Path:
    """Write the map of ``layers`` to ``path`` atomically (see :func:`render_html`).

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise OutputError(f"An interactive map is an .html file, not {path.name}. Use "
                          "--out NAME.html, or --png for a picture.")
    text = render_html(layers, title=title, settings=settings)
    try:
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except PermissionError:
        raise OutputError(f"Cannot write {path}: permission denied. Choose a folder you can "
                          "write to.") from None
    log.info("wrote %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return path
