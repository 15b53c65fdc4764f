"""Static maps for reports: a PNG with title, legend, scale bar and north arrow.

Drawn with matplotlib's Agg canvas (no window, no global pyplot state) in the
data's CGCS2000 Gauss-Krüger zone, so the scale bar is true metres; the north arrow
points to grid north, which differs from true north by less than 1.5° within a
3-degree zone. The same :class:`~geoair.maps.model.MapLayer` classes and colours
as the HTML map are used (each layer's first colour mode). Chinese text is drawn with
the fonts of :mod:`geoair.io.fonts` (a system Chinese font when there is one, else the
one geoair ships), which also makes sure no character prints as an empty box.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoair.errors import OutputError
from geoair.io.crs import metric_crs
from geoair.io.fonts import font_families, plain_text, save_png
from geoair.maps.model import MapLayer
from geoair.maps.styles import BIG_FACTOR, POINT_RADIUS_PX
from geoair.messages import say_map, t

__all__ = [
    "LABEL_GID",
    "LABEL_MAX",
    "MARKERS",
    "SYMBOL_GID",
    "render_figure",
    "write_png",
]


log = logging.getLogger(__name__)


def _plain(text) -> str:
    """Text that matplotlib prints as it is ($ would start mathematical notation)."""
    return plain_text(text)


def _nice_length(span_m: float) -> float:
    """A round scale-bar length near a fifth of ``span_m`` (1, 2 or 5 times a power of 10)."""
    target = max(span_m / 5.0, 1.0)
    power = 10 ** np.floor(np.log10(target))
    for step in (5, 2, 1):
        if step * power <= target:
            return float(step * power)
    return float(power)


def _scale_bar(ax, span_m: float, font: list[str]) -> None:
    length = _nice_length(span_m)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    left, base = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    height = 0.008 * (y1 - y0)
    half = length / 2
    from matplotlib.patches import Rectangle

    ax.add_patch(
        Rectangle((left, base), half, height, facecolor="black", edgecolor="black", zorder=20)
    )
    ax.add_patch(
        Rectangle(
            (left + half, base), half, height, facecolor="white", edgecolor="black", zorder=20
        )
    )
    label = (
        t("mapui.km", n=f"{length / 1000:g}")
        if length >= 1000
        else t("mapui.metres", n=f"{length:g}")
    )
    for x, text in ((left, "0"), (left + length, label)):
        ax.text(
            x,
            base + 2.2 * height,
            text,
            ha="center",
            va="bottom",
            fontsize=8,
            fontfamily=font,
            zorder=20,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
        )


def _north_arrow(ax, font: list[str]) -> None:
    ax.annotate(
        t("maps.north"),
        xy=(0.95, 0.95),
        xytext=(0.95, 0.85),
        xycoords="axes fraction",
        ha="center",
        va="top",
        fontsize=11,
        fontweight="bold",
        fontfamily=font,
        arrowprops={"facecolor": "black", "width": 4, "headwidth": 12},
        zorder=20,
    )


#: Marker of each point layer, so that a colour never has to say which layer a symbol is:
#: stations ▲, gangue heaps ■, enterprises ●, gates a small dot; patrol stops are
#: numbered circles in their team's colour.
MARKERS = {
    "stations": "^",
    "gangue_heaps": "s",
    "enterprises": "o",
    "gates": ".",
    "patrol_stops": "o",
}
#: Drawing order (matplotlib zorder) of each kind of thing.
_Z = {"county": 2, "park": 3, "road": 3.5, "area": 3, "line": 4, "point": 5, "label": 9}
# Symbol radius on paper, points (the HTML map's pixel sizes read small in print).
_RADIUS_PT = {"enterprises": 4.6, "gangue_heaps": 5.0, "stations": 6.0}
LABEL_MAX = 300  # more stations or parks than this (a province) are not named one by one
LABEL_GID = "geoair-label"  # gid of the name labels placed without overlaps
SYMBOL_GID = "geoair-symbols"  # gid of the point symbols the labels must avoid


def _marker(layer: MapLayer) -> str:
    return MARKERS.get(layer.id, "o")


def _legend_handle(layer: MapLayer, cls, *, kind: str):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if kind == "point":
        hollow = cls.color == "none"
        return Line2D(
            [],
            [],
            marker=_marker(layer) if layer.id != "gates" else "o",
            linestyle="none",
            markerfacecolor="none" if hollow else cls.color,
            markeredgecolor="#222222" if layer.id != "patrol_stops" else "white",
            markersize=4 if layer.id == "gates" else 7,
        )
    if kind == "line":
        width = {"roads": 1.0, "source_suspects": 1.2}.get(layer.id, 2.0)
        return Line2D(
            [],
            [],
            color=cls.color,
            linewidth=width,
            linestyle="--" if layer.id == "source_suspects" else "-",
        )
    if layer.id == "counties":
        return Patch(facecolor="none", edgecolor=cls.color, linewidth=1.2)
    if layer.kind == "circle":
        return Patch(facecolor="none", edgecolor=cls.color, linestyle="--")
    return Patch(facecolor=cls.color, edgecolor=_darker(cls.color), alpha=0.8, linewidth=1.0)


def _darker(color: str, factor: float = 0.6) -> str:
    """The colour darkened (an outline of a filled area)."""
    from matplotlib.colors import to_hex, to_rgb

    red, green, blue = to_rgb(color)
    return to_hex((red * factor, green * factor, blue * factor))


def _draw(ax, layer: MapLayer, geometry: gpd.GeoSeries, marker_scale: float) -> list:
    """Draw one layer; return its legend entries (handle, label): a header naming the
    layer and what its colours say, then one entry per class drawn, in its symbol."""
    from matplotlib.patches import Patch

    mode = layer.modes[0]
    values = np.asarray(mode.values, dtype=int)
    colors = np.array([c.color for c in mode.classes])[values]
    hollow = layer.hollow if layer.hollow is not None else np.zeros(len(layer), dtype=bool)
    types = geometry.geom_type.to_numpy()
    is_point = np.isin(types, ["Point", "MultiPoint"])
    is_line = np.isin(types, ["LineString", "MultiLineString"])
    is_area = ~is_point & ~is_line & geometry.notna().to_numpy()
    if layer.kind == "circle":
        circles = geometry.buffer(np.asarray(layer.radius_m), quad_segs=16)
        circles.plot(
            ax=ax, facecolor="none", edgecolor=colors, linewidth=0.4, linestyle="--", zorder=3
        )
    elif is_area.any():
        if layer.id == "counties":
            geometry[is_area].plot(
                ax=ax,
                facecolor="none",
                edgecolor=colors[is_area],
                linewidth=1.2,
                zorder=_Z["county"],
            )
        else:  # parks (and heaps surveyed as outlines): filled and outlined, seen at city scale
            geometry[is_area].plot(
                ax=ax,
                facecolor=colors[is_area],
                edgecolor=[_darker(c) for c in colors[is_area]],
                alpha=0.55,
                linewidth=1.0,
                zorder=_Z["park"],
            )
    if is_line.any() and layer.kind != "circle":
        if layer.id == "roads":  # thin, in greys, wider for higher classes
            widths = np.array([0.7, 0.55, 0.4, 0.25, 0.25])[np.minimum(values, 4)][is_line]
            geometry[is_line].plot(
                ax=ax, color=colors[is_line], linewidth=widths, zorder=_Z["road"]
            )
        else:
            width = {"gate_roads": 1.2, "patrol_routes": 1.8, "source_suspects": 0.9}.get(
                layer.id, 1.0
            )
            geometry[is_line].plot(
                ax=ax,
                color=colors[is_line],
                linewidth=width,
                linestyle="--" if layer.id == "source_suspects" else "-",
                zorder=_Z["line"],
            )
    if is_point.any() and layer.kind != "circle":
        big = np.zeros(len(layer), dtype=bool) if layer.big is None else np.asarray(layer.big)
        _draw_points(
            ax,
            layer,
            geometry[is_point],
            colors=colors[is_point],
            hollow=hollow[is_point],
            values=values[is_point],
            big=big[is_point],
            marker_scale=marker_scale,
        )
    kind = (
        "point"
        if layer.kind == "point" or (layer.kind == "mixed" and is_point.any())
        else ("line" if layer.kind == "line" else "area")
    )
    entries = []
    used = sorted(set(values.tolist()))
    title = say_map(layer.title)
    if len(mode.classes) > 1:
        what = say_map(mode.label)
        header = (
            title if mode.label == layer.title else t("maps.legend_name", layer=title, mode=what)
        )
        entries.append((Patch(visible=False), header))
        for k in used:
            cls = mode.classes[k]
            entries.append((_legend_handle(layer, cls, kind=kind), f"  {say_map(cls.label)}"))
    else:
        entries.append((_legend_handle(layer, mode.classes[0], kind=kind), title))
    if layer.hollow is not None and layer.hollow.any():
        from geoair.maps.styles import StyleClass

        note = StyleClass(t("maps.ownerless"), "none")
        entries.append((_legend_handle(layer, note, kind="point"), f"  {note.label}"))
    return entries


def _draw_points(ax, layer, pts, *, colors, hollow, values, big, marker_scale: float) -> None:
    size = (_RADIUS_PT.get(layer.id, POINT_RADIUS_PX.get(layer.id, 5.0)) * marker_scale) ** 2
    sizes = np.where(big, size * BIG_FACTOR**2, size)
    if layer.id == "gates":
        sizes = np.full(len(pts), (1.6 * marker_scale) ** 2)
    if layer.id == "stations":
        sizes = sizes * 1.6  # a triangle looks smaller than a circle of the same size
    fill = np.where(hollow, "none", colors)
    edge = np.where(hollow, colors, "#222222")
    if layer.id == "gangue_heaps":
        edge = np.where(values == 0, "#ffd700", edge)  # burning: a yellow ring
    if layer.id == "patrol_stops":
        sizes = np.full(len(pts), (7.5 * marker_scale) ** 2)
        edge = np.full(len(pts), "white")
    collection = ax.scatter(
        pts.x,
        pts.y,
        s=sizes,
        c=list(fill),
        marker=_marker(layer),
        edgecolors=list(edge),
        linewidths=(0.8 if layer.id == "gangue_heaps" else 0.4) * marker_scale,
        # gates under their enterprises; stations and stops above everything
        zorder=_Z["point"] + {"gates": -0.5, "stations": 1, "patrol_stops": 1}.get(layer.id, 0),
    )
    collection.set_gid(SYMBOL_GID)
    if layer.id == "patrol_stops" and layer.labels is not None:
        labels = pd.Series(layer.labels).reset_index(drop=True)
        for x, y, text in zip(pts.x, pts.y, labels.iloc[: len(pts)], strict=False):
            ax.text(
                x,
                y,
                _plain(text),
                fontsize=5.5 * max(marker_scale, 0.6),
                color="white",
                fontweight="bold",
                ha="center",
                va="center",
                zorder=_Z["point"] + 2,
            )


def _symbol_boxes(ax, renderer) -> np.ndarray:
    """Pixel boxes (x0, y0, x1, y1) of every point symbol drawn: the labels keep clear."""
    parts = [np.empty((0, 4))]
    for collection in ax.collections:
        if collection.get_gid() != SYMBOL_GID:
            continue
        offsets = collection.get_offsets()
        if not len(offsets):
            continue
        xy = ax.transData.transform(np.asarray(offsets, dtype=float))
        sizes = np.broadcast_to(collection.get_sizes(), (len(xy),))
        radius = np.sqrt(sizes) / 2 * renderer.points_to_pixels(1.0) + 1.0
        parts.append(np.column_stack([xy - radius[:, None], xy + radius[:, None]]))
    return np.vstack(parts)


class _Taken:
    """Boxes already taken on the page, with a quick overlap test (a grid of cells)."""

    def __init__(self, boxes: np.ndarray, cell: float = 64.0) -> None:
        self.cell = cell
        self.boxes = [np.asarray(boxes, dtype=float).reshape(-1, 4)]
        self.grid: dict[tuple[int, int], list[int]] = {}
        self.all = self.boxes[0]
        for i, box in enumerate(self.all):
            for key in self._cells(box):
                self.grid.setdefault(key, []).append(i)

    def _cells(self, box):
        x0, y0, x1, y1 = (int(np.floor(v / self.cell)) for v in box)
        return [(i, j) for i in range(x0, x1 + 1) for j in range(y0, y1 + 1)]

    def overlaps(self, box) -> bool:
        near = {i for key in self._cells(box) for i in self.grid.get(key, ())}
        if not near:
            return False
        b = self.all[list(near)]
        return bool(
            np.any(
                (box[0] < b[:, 2]) & (box[2] > b[:, 0]) & (box[1] < b[:, 3]) & (box[3] > b[:, 1])
            )
        )

    def add(self, box) -> None:
        self.all = np.vstack([self.all, np.asarray(box, dtype=float)[None, :]])
        for key in self._cells(box):
            self.grid.setdefault(key, []).append(len(self.all) - 1)


def _place_labels(ax, renderer, items: list[tuple[float, float, str, dict]], taken: _Taken) -> None:
    """Put each label at the first of a few positions around its anchor where it overlaps
    no symbol and no label already placed, in the order given; a label with no free
    place is left out (a report map must stay legible)."""
    step = renderer.points_to_pixels(3.0)
    for x, y, text, style in items:
        px, py = ax.transData.transform((x, y))
        area = style.pop("area", False)
        offsets = [(0, 0)] if area else []
        offsets += [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)]
        if area:
            offsets += [(0, 3), (0, -3), (3, 0), (-3, 0), (0, 5), (0, -5)]
        label = ax.text(x, y, _plain(text), zorder=_Z["label"], **style)
        label.set_gid(LABEL_GID)
        placed = False
        for dx, dy in offsets:
            ha = "center" if dx == 0 else ("left" if dx > 0 else "right")
            va = "center" if dy == 0 else ("bottom" if dy > 0 else "top")
            shift = 2.2 if not area else 4.0
            target = (px + dx * shift * step, py + dy * shift * step)
            label.set_position(ax.transData.inverted().transform(target))
            label.set_ha(ha)
            label.set_va(va)
            box = label.get_window_extent(renderer).expanded(1.04, 1.1)
            inside = ax.bbox.contains(box.x0, box.y0) and ax.bbox.contains(box.x1, box.y1)
            corners = (box.x0, box.y0, box.x1, box.y1)
            if inside and not taken.overlaps(corners):
                taken.add(corners)
                placed = True
                break
        if not placed:
            label.remove()


def render_figure(
    layers: Sequence[MapLayer],
    *,
    title: str,
    size_in: tuple[float, float] = (11.69, 8.27),
    extent: Sequence[float] | None = None,
):
    """A matplotlib Figure of ``layers`` (A4 landscape by default), ready to save.

    Each layer has its own symbol (stations ▲, heaps ■, enterprises ●, patrol stops
    numbered); the legend names each layer and what its colours say; names of counties,
    stations and parks are placed where they overlap no symbol and no other name.
    ``extent`` (minx, miny, maxx, maxy in degrees, e.g. a county's outline) sets the
    area shown; default: every layer's features.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    font = list(font_families())
    # Layers of small things hidden below zoom 13 in the HTML map (thousands of 100 m
    # circles) would be specks on a page; they are left off the static map too.
    skipped = [layer.title for layer in layers if layer.min_zoom]
    if skipped:
        log.info(
            "static map: %s left off (too many small features for one page)", ", ".join(skipped)
        )
    layers = [layer for layer in layers if not layer.min_zoom]
    lons = np.concatenate([layer.geometry.total_bounds[[0, 2]] for layer in layers])
    if extent is not None:
        lons = np.array([extent[0], extent[2]], dtype=float)
    crs = metric_crs(lons)
    fig = Figure(figsize=size_in)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.04, 0.68, 0.88))
    # Symbols shrink as points get many, so that a province's 50,000 enterprises do
    # not hide each other and the county lines (full size up to 2,000 points).
    n_points = sum(len(layer) for layer in layers if layer.kind in ("point", "mixed"))
    marker_scale = 0.8 * float(np.clip(np.sqrt(2000 / max(n_points, 1)), 0.2, 1.0))
    entries = []
    projected = {  # GeoSeries (pandas-stubs: reset_index gives a Series)
        layer.id: cast(gpd.GeoSeries, layer.geometry.to_crs(crs).reset_index(drop=True))
        for layer in layers
    }
    for layer in layers:
        entries += _draw(ax, layer, projected[layer.id], marker_scale)
    ax.set_aspect("equal")
    if extent is not None:
        box = gpd.GeoSeries(
            [shapely.box(extent[0], extent[1], extent[2], extent[3])],
            crs=layers[0].geometry.crs or "EPSG:4326",
        ).to_crs(crs)
        minx, miny, maxx, maxy = box.total_bounds
    else:
        boxes = np.array([g.total_bounds for g in projected.values()])
        minx, miny = np.nanmin(boxes[:, 0]), np.nanmin(boxes[:, 1])
        maxx, maxy = np.nanmax(boxes[:, 2]), np.nanmax(boxes[:, 3])
    pad = 0.04 * max(maxx - minx, maxy - miny, 500.0)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)
    _scale_bar(ax, (ax.get_xlim()[1] - ax.get_xlim()[0]), font)
    _north_arrow(ax, font)
    renderer = canvas.get_renderer()
    others = [  # scale bar, north arrow and stop numbers are kept clear of too
        artist.get_window_extent(renderer)
        for artist in [*ax.texts, *ax.patches]
        if artist.get_gid() != LABEL_GID and (not hasattr(artist, "get_text") or artist.get_text())
    ]
    boxes = np.vstack(
        [_symbol_boxes(ax, renderer), np.array([[b.x0, b.y0, b.x1, b.y1] for b in others])]
    )
    _place_labels(ax, renderer, _label_items(layers, projected, font), _Taken(boxes))
    fig.suptitle(_plain(title), fontsize=16, fontfamily=font, fontweight="bold", x=0.36, y=0.975)
    if entries:
        handles, texts = zip(*entries, strict=True)
        labels = [_plain(text) for text in texts]
        legend = fig.legend(
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=(0.715, 0.92),
            prop={"family": font, "size": 8},
            title=t("maps.legend"),
            title_fontproperties={"family": font, "size": 10, "weight": "bold"},
            frameon=True,
            ncols=1 if len(entries) <= 40 else 2,
        )
        for text in legend.get_texts():
            if not text.get_text().startswith(" "):
                text.set_fontweight("bold")
    fig.text(
        0.02,
        0.012,
        t("maps.png_footer", epsg=crs.to_epsg()),
        fontsize=7,
        fontfamily=font,
        color="#555555",
    )
    return fig


def _label_items(layers, projected, font: list[str]) -> list[tuple[float, float, str, dict]]:
    """Names to place, most important first: counties, stations (national first), parks."""
    items: list[tuple[float, float, str, dict]] = []
    by_id = {layer.id: layer for layer in layers}
    county = by_id.get("counties")
    if county is not None and county.labels is not None:
        points = projected["counties"].representative_point()
        for point, name in zip(points, county.labels, strict=False):
            if isinstance(name, str) and name:
                style = {
                    "fontsize": 10,
                    "fontfamily": font,
                    "color": "#333333",
                    "fontweight": "bold",
                    "alpha": 0.85,
                    "area": True,
                }
                items.append((point.x, point.y, name, style))
    stations = by_id.get("stations")
    if stations is not None and len(stations) <= LABEL_MAX:
        geometry = projected["stations"]
        for i in range(len(stations)):
            name = stations.names.iloc[i]
            if isinstance(name, str) and name and geometry.iloc[i] is not None:
                style = {
                    "fontsize": 6.5,
                    "fontfamily": font,
                    "color": "#08306b",
                    "bbox": {"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.5},
                }
                items.append((geometry.iloc[i].x, geometry.iloc[i].y, name, style))
    parks = by_id.get("parks")
    if parks is not None and len(parks) <= LABEL_MAX:
        points = projected["parks"].representative_point()
        for point, name in zip(points, parks.names, strict=False):
            if isinstance(name, str) and name:
                style = {"fontsize": 6, "fontfamily": font, "color": "#00441b", "style": "italic"}
                items.append((point.x, point.y, name, style))
    return items


def write_png(
    layers: Sequence[MapLayer],
    path: Path | str,
    *,
    title: str | None = None,
    dpi: int = 300,
    extent: Sequence[float] | None = None,
    month: str | None = None,
) -> Path:
    """Write a static map of ``layers`` to ``path`` (PNG, ``dpi`` dots per inch), atomically.

    Parameters
    ----------
    layers : sequence of MapLayer
        From :func:`geoair.maps.layers.collect_layers`.
    path : path
        A ``.png`` file.
    title : str
        The map's title.
    dpi : int
        Resolution; 300 (default) for print.
    extent : sequence of float, optional
        (minx, miny, maxx, maxy) in degrees to show, e.g. one county's outline.
    month : str, optional
        The month the map shows ("2024-03"), added to the title when it does not say it.

    Returns
    -------
    Path

    Raises
    ------
    FontMissingError
        No Chinese font can be used (not even the one geoair ships).
    """
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise OutputError(t("maps.png_suffix", name=path.name))
    title = title if title is not None else str(say_map("geoair 地图"))
    if month and month not in title:
        title = f"{title} {month}"
    fig = render_figure(layers, title=title, extent=extent)
    return save_png(fig, path, dpi=dpi, facecolor="white")
