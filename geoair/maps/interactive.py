"""Interactive HTML maps that open with no network: Leaflet and all data inline.

The page is one self-contained file: Leaflet 1.9.4 (``static/leaflet``), geoair's own
script and style (``static/geoair-map.js``, ``.css``: grouped layer control with a
legend per layer, search by name, a distance-measuring tool, basemap fallback) and
one compact JSON document holding every layer. Everything is drawn on canvases:
point layers, and circle or line layers of more than :data:`FAST_MIN` features, by
geoair's own layers (coordinates in typed arrays, one drawing pass, clicks found by
distance); the rest as Leaflet canvas paths, made when their layer is first shown.
That stays smooth with 50,000 enterprises and 75,000 gates, where one SVG or DOM
marker per feature would not.

Data layout: per layer, columns rather than rows (a column of few distinct values is
stored once as a dictionary plus small integer codes); coordinates as integers in
units of 10^-``coord_decimals`` degrees from the layer's origin (5 = about 1 m),
delta-coded along lines and rings; polygons simplified in metres (see
:mod:`geoair.maps.layers`); a field naming a feature of another layer (a gate's
enterprise) stored as its position there. Popups are built in the browser from these
columns when a feature is clicked.

Safety: every text from the user's data is escaped with :func:`html.escape` here,
and the JSON is embedded so that no ``<``, ``>`` or ``&`` appears in it raw (they are
written as ``\\u003c`` etc., valid JSON that cannot end the ``<script>`` element);
U+2028/2029 are escaped too. An enterprise named ``<img src=x onerror=alert(1)>``
shows as that text.

Coordinates: stored data are WGS-84. Tianditu (CGCS2000) and OpenStreetMap tiles
match them. Amap's tiles are GCJ-02: with ``tiles="amap"`` every coordinate is
shifted with :func:`geoair.io.crs.wgs84_to_gcj02` before embedding, only Amap tiles are
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

from geoair.errors import ConfigError, OutputError
from geoair.io.crs import shift_geometries
from geoair.maps.model import MapLayer
from geoair.maps.styles import BIG_FACTOR, POINT_RADIUS_PX, ROAD_WIDTH_PX
from geoair.messages import MESSAGES, say_map, t
from geoair.store.settings import DEFAULT_SETTINGS, MapsSettings
from geoair.store.tempfiles import atomic_path

__all__ = ["FAST_MIN", "TILE_PROVIDERS", "render_html", "script_json", "write_html"]


log = logging.getLogger(__name__)

TILE_PROVIDERS = ("osm", "tianditu", "amap", "none")
_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
    "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)
_DICT_MAX = 2000  # a text column with at most this many distinct values is dictionary-coded
# Circle and line layers with more features than this are drawn by geoair's own canvas
# layers (typed arrays, one pass) rather than one Leaflet object per feature.
FAST_MIN = 2000


def _asset(name: str) -> str:
    return resources.files("geoair.maps").joinpath("static", name).read_text("utf-8")


def _leaflet_css() -> str:
    """Leaflet's stylesheet with its images inlined as data: URLs."""
    css = _asset("leaflet/leaflet.css")

    def inline(match: re.Match) -> str:
        data = (
            resources.files("geoair.maps")
            .joinpath("static", "leaflet", match.group(1))
            .read_bytes()
        )
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
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _column(values: pd.Series) -> dict:
    """One popup column: ``{"v": cells}``, or ``{"d": distinct, "i": codes}`` when few distinct.

    Vectorised: each distinct value is escaped once (:func:`pandas.factorize`).
    """
    values = pd.Series(values).reset_index(drop=True)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct = [_cell(u) for u in uniques.tolist()]
    if len(distinct) <= _DICT_MAX and len(distinct) * 4 < len(values):
        return {"d": distinct, "i": codes.tolist()}
    table = np.array([*distinct, None], dtype=object)
    return {"v": table[codes].tolist()}  # code -1 (missing) picks the trailing None


# -- geometry -----------------------------------------------------------------------
# Coordinates are integers in units of 10**-decimals degrees from the layer's origin;
# along a line or ring each vertex after the first is the difference from the one
# before (small numbers, few characters). The browser adds them back up.


def _ints(coords: np.ndarray, origin: np.ndarray, scale: float) -> np.ndarray:
    return np.round((coords[:, :2] - origin) * scale).astype(np.int64)


def _delta(coords: np.ndarray, origin: np.ndarray, scale: float) -> list[int]:
    ints = _ints(coords, origin, scale)
    if len(ints) > 1:
        ints[1:] = np.diff(ints, axis=0)
    return ints.ravel().tolist()


def _line_parts(geom, origin, scale) -> list[list[int]]:
    return [
        _delta(shapely.get_coordinates(part), origin, scale)
        for part in shapely.get_parts(geom)
        if not part.is_empty
    ]


def _simple_lines(geoms: np.ndarray, origin, scale) -> list[list[list[int]]]:
    """Delta-coded LineStrings, vectorised (many short gate roads)."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    ints = _ints(coords, origin, scale)
    delta = ints.copy()
    same = np.r_[False, index[1:] == index[:-1]]
    delta[same] = ints[same] - ints[np.flatnonzero(same) - 1]
    flat = delta.ravel().tolist()
    ends = np.cumsum(np.bincount(index, minlength=len(geoms))) * 2
    starts = np.r_[0, ends[:-1]]
    return [
        [flat[a:b]] if b > a else [] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    ]


def _polygon_parts(geom, origin, scale) -> list[list[list[int]]]:
    polygons = []
    for part in shapely.get_parts(geom):
        if part.is_empty or part.geom_type != "Polygon":
            continue
        rings = [part.exterior, *part.interiors]
        polygons.append([_delta(shapely.get_coordinates(r)[:-1], origin, scale) for r in rings])
    return polygons


def _on_points_of(layer: MapLayer, by_id: Mapping[str, MapLayer]) -> str | None:
    """The label of a link field whose linked points are exactly this layer's centres.

    Gate circles sit on their gates: their centres are then not stored twice.
    """
    if layer.kind != "circle":
        return None
    for label, (target_id, positions) in layer.links.items():
        target = by_id.get(target_id)
        if target is None or target.kind != "point" or (positions < 0).any():
            continue
        own = shapely.get_coordinates(np.asarray(layer.geometry.values))
        theirs = shapely.get_coordinates(np.asarray(target.geometry.values))[positions]
        if own.shape == theirs.shape and np.abs(own - theirs).max(initial=0) < 1e-7:
            return label
    return None


def _encode_geometry(
    layer: MapLayer, decimals: int, *, shift: bool, on_points: str | None = None
) -> dict:
    if on_points is not None:  # centres are the linked layer's points (see _on_points_of)
        radius = np.round(np.asarray(layer.radius_m, dtype=float), 1)
        return {
            "on": layer.links[on_points][0],
            "r": [float(radius[0])] if np.all(radius == radius[0]) else radius.tolist(),
        }
    geoms = np.asarray(layer.geometry.values)
    if shift:
        geoms = shift_geometries(geoms, source="wgs84", target="gcj02")
    scale = 10.0**decimals
    every = shapely.get_coordinates(geoms)
    origin = np.floor(every.min(axis=0)) if len(every) else np.zeros(2)
    out: dict = {"o": origin.tolist(), "s": scale}
    if layer.kind in ("point", "circle"):
        # A missing or empty point is written as null and not drawn (not an error).
        xy = np.full((len(geoms), 2), np.nan)
        is_point = np.asarray(shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms)
        xy[is_point, 0] = shapely.get_x(geoms[is_point])
        xy[is_point, 1] = shapely.get_y(geoms[is_point])
        ok = np.isfinite(xy).all(axis=1)
        ints = np.zeros((len(geoms), 2), dtype=np.int64)
        ints[ok] = _ints(xy[ok], origin, scale)
        xs, ys = ints[:, 0].astype(object), ints[:, 1].astype(object)
        xs[~ok] = None
        ys[~ok] = None
        out |= {"x": xs.tolist(), "y": ys.tolist()}
        if layer.kind == "circle":
            radius = np.round(np.asarray(layer.radius_m, dtype=float), 1)
            radius = np.where(np.isfinite(radius), radius, 0.0)
            out["r"] = [float(radius[0])] if np.all(radius == radius[0]) else radius.tolist()
        return out
    if layer.kind == "line":
        simple = shapely.get_type_id(geoms) == 1  # LineString: one part each
        if simple.all():
            return out | {"g": _simple_lines(geoms, origin, scale)}
        return out | {"g": [_line_parts(g, origin, scale) if g is not None else [] for g in geoms]}
    if layer.kind == "polygon":
        return out | {
            "g": [_polygon_parts(g, origin, scale) if g is not None else [] for g in geoms]
        }
    mixed: list[list | None] = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            mixed.append(None)
        elif geom.geom_type == "Point":
            mixed.append([0, _ints(shapely.get_coordinates(geom), origin, scale)[0].tolist()])
        elif geom.geom_type in ("LineString", "MultiLineString"):
            mixed.append([1, _line_parts(geom, origin, scale)])
        else:
            mixed.append([2, _polygon_parts(geom, origin, scale)])
    return out | {"m": mixed}


def _encode_table(table) -> dict:
    """A popup sub-table, column-wise: the feature of each row, then one column per field."""
    if table.frame is not None:
        frame = table.frame.reset_index(drop=True)
        features = frame["_feature"].astype(int).tolist()
        columns = [frame[c] for c in table.columns]
    else:
        features = [k for k, rows in table.rows.items() for _ in rows]
        cells = [row for rows in table.rows.values() for row in rows]
        columns = [
            pd.Series(list(col), dtype=object)
            for col in (zip(*cells, strict=True) if cells else [() for _ in table.columns])
        ]
    return {
        "title": _text(say_map(table.title)),
        "columns": [_text(say_map(c)) for c in table.columns],
        "f": features,
        "c": [_column(col) for col in columns],
    }


def _encode_layer(
    layer: MapLayer, decimals: int, *, shift: bool, by_id: Mapping[str, MapLayer] | None = None
) -> dict:
    by_id = by_id or {}
    on_points = _on_points_of(layer, by_id)
    fields = []
    for label, values in layer.fields:
        link = layer.links.get(label)
        if link is not None and link[0] in by_id:
            fields.append(
                {
                    "label": _text(say_map(label)),
                    "link": link[0],
                    "v": np.asarray(link[1]).astype(int).tolist(),
                }
            )
        else:
            fields.append({"label": _text(say_map(label)), **_column(values)})
    out: dict = {
        "id": layer.id,
        "title": _text(say_map(layer.title)),
        "group": _text(say_map(layer.group)),
        "kind": layer.kind,
        "n": len(layer),
        "visible": layer.visible,
        "minZoom": layer.min_zoom,
        "fast": layer.kind in ("circle", "line") and len(layer) > FAST_MIN,
        "note": _text(say_map(layer.note)) or "",
        "radius": POINT_RADIUS_PX.get(layer.id, 5.0),
        "bigFactor": BIG_FACTOR,
        "geom": _encode_geometry(layer, decimals, shift=shift, on_points=on_points),
        "modes": [
            {
                "key": m.key,
                "label": _text(say_map(m.label)),
                "classes": [
                    {"label": _text(say_map(c.label)), "color": c.color} for c in m.classes
                ],
                # one class: no per-feature values needed
                **(
                    {"values": np.asarray(m.values).astype(int).tolist()}
                    if len(m.classes) > 1
                    else {"values": None, "n": len(layer)}
                ),
            }
            for m in layer.modes
        ],
        "fields": fields,
        "tables": [_encode_table(t) for t in layer.tables],
        # Built by geoair from numbers and escaped captions (see layers._sparkline).
        "extra": {str(k): v for k, v in layer.extra_html.items()},
    }
    if layer.id == "roads":
        out["widths"] = list(ROAD_WIDTH_PX)
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
        raise ConfigError(t("maps.bad_tiles", tiles=tiles, choices=", ".join(TILE_PROVIDERS)))
    key = tianditu_key.strip()
    if key and not re.fullmatch(r"[0-9A-Za-z]+", key):
        raise ConfigError(t("maps.bad_tianditu_key"))
    if tiles == "tianditu" and not key:
        raise ConfigError(t("maps.tianditu_needs_key"))
    if tiles == "amap":
        return [
            {
                "id": "amap",
                "label": say_map("高德地图 (GCJ-02)"),
                "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&"
                "scale=1&style=8&x={x}&y={y}&z={z}",
                "subdomains": "1234",
                "attribution": say_map("© 高德地图"),
            }
        ], "amap"
    options = [
        {
            "id": "osm",
            "label": "OpenStreetMap",
            "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "subdomains": "abc",
            "attribution": "© OpenStreetMap contributors",
        }
    ]
    if key:
        options.append(
            {
                "id": "tianditu",
                "label": str(say_map("天地图")),
                "url": _TIANDITU.replace("{layer}", "vec").replace("{key}", key),
                "overlay": _TIANDITU.replace("{layer}", "cva").replace("{key}", key),
                "subdomains": "01234567",
                "attribution": str(say_map("© 天地图")),
            }
        )
    return options, ("none" if tiles == "none" else tiles)


def _bounds(
    layers: Sequence[MapLayer], *, shift: bool, extent: Sequence[float] | None = None
) -> list[list[float]]:
    boxes = np.array([layer.geometry.total_bounds for layer in layers], dtype=float)
    if extent is not None:
        boxes = np.array([extent], dtype=float)
    boxes = boxes[np.isfinite(boxes).all(axis=1)]
    if not len(boxes):
        return [[37.8, 113.4], [38.1, 113.8]]
    minx, miny = boxes[:, 0].min(), boxes[:, 1].min()
    maxx, maxy = boxes[:, 2].max(), boxes[:, 3].max()
    if shift:
        from geoair.io.crs import wgs84_to_gcj02

        (minx, maxx), (miny, maxy) = wgs84_to_gcj02([minx, maxx], [miny, maxy])
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def render_html(
    layers: Sequence[MapLayer],
    *,
    title: str | None = None,
    settings: MapsSettings | None = None,
    extent: Sequence[float] | None = None,
) -> str:
    """The self-contained HTML page of a map of ``layers``.

    Parameters
    ----------
    layers : sequence of MapLayer
        From :func:`geoair.maps.layers.collect_layers`.
    title : str
        Shown as the page title and on the map (escaped).
    settings : MapsSettings, optional
        The ``[maps]`` settings (``tiles``, ``tianditu_key``, ``coord_decimals``); the
        built-in ones when omitted.
    extent : sequence of float, optional
        (minx, miny, maxx, maxy) in degrees that the view opens on and 全图 returns to
        (e.g. one county's outline); default: every layer's features.

    Returns
    -------
    str
        The HTML text; it loads nothing from the network except basemap tiles.
    """
    opts = settings or DEFAULT_SETTINGS.maps
    title = title if title is not None else str(say_map("geoair 地图"))
    tiles, active = _tile_options(opts.tiles, opts.tianditu_key)
    shift = opts.tiles == "amap"
    decimals = opts.coord_decimals
    notes = []
    if shift:
        notes.append(say_map("数据已由WGS-84偏移至GCJ-02，以与高德底图对齐"))
    data = {
        "title": _text(title),
        "bounds": _bounds(layers, shift=shift, extent=extent),
        "tiles": tiles,
        "activeTiles": active,
        "coords": "gcj02" if shift else "wgs84",
        "notes": [_text(n) for n in notes],
        "ui": {
            key.removeprefix("mapui."): _text(t(key))
            for key in MESSAGES
            if key.startswith("mapui.")
        },
        "layers": [
            _encode_layer(layer, decimals, shift=shift, by_id={x.id: x for x in layers})
            for layer in layers
        ],
    }
    pieces = {
        "TITLE": _text(title) or "",
        "LEAFLET_CSS": _leaflet_css(),
        "MAP_CSS": _asset("geoair-map.css"),
        "LEAFLET_JS": _asset("leaflet/leaflet.js"),
        "MAP_JS": _asset("geoair-map.js"),
        "DATA": script_json(data),
    }
    template = _asset("map-template.html.tmpl")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: pieces[m.group(1)], template)


def write_html(
    layers: Sequence[MapLayer],
    path: Path | str,
    *,
    title: str | None = None,
    settings: MapsSettings | None = None,
    extent: Sequence[float] | None = None,
) -> Path:
    """Write the map of ``layers`` to ``path`` atomically (see :func:`render_html`).

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise OutputError(t("maps.html_suffix", name=path.name))
    text = render_html(layers, title=title, settings=settings, extent=extent)
    try:
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except PermissionError:
        raise OutputError(t("maps.permission", path=path)) from None
    log.info("wrote %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return path
