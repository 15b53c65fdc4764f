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
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

import geopandas as gpd
import numpy as np

from geoair.errors import OutputError
from geoair.io.crs import metric_crs
from geoair.io.fonts import font_families, plain_text, save_png
from geoair.maps.model import MapLayer
from geoair.maps.styles import BIG_FACTOR, POINT_RADIUS_PX

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from shapely import Point

__all__ = ["render_figure", "write_png"]


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
    label = f"{length / 1000:g} 公里" if length >= 1000 else f"{length:g} 米"
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
        "北\nN",
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


def _draw(ax, layer: MapLayer, geometry: gpd.GeoSeries, marker_scale: float) -> list:
    """Draw one layer; return legend entries (handle, label)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    mode = layer.modes[0]
    colors = np.array([c.color for c in mode.classes])[np.asarray(mode.values)]
    hollow = layer.hollow if layer.hollow is not None else np.zeros(len(layer), dtype=bool)
    entries: list[tuple[Artist, str]] = []
    used = sorted(set(np.asarray(mode.values).tolist()))
    if layer.kind == "circle":
        circles = geometry.buffer(np.asarray(layer.radius_m), quad_segs=16)
        circles.plot(
            ax=ax, facecolor="none", edgecolor=colors, linewidth=0.6, linestyle="--", zorder=3
        )
        return [
            (
                Patch(facecolor="none", edgecolor=mode.classes[0].color, linestyle="--"),
                f"{layer.title}",
            )
        ]
    types = geometry.geom_type.to_numpy()
    is_point = np.isin(types, ["Point", "MultiPoint"])
    is_line = np.isin(types, ["LineString", "MultiLineString"])
    is_area = ~is_point & ~is_line
    if is_area.any():
        outline = layer.id == "counties"
        geometry[is_area].plot(
            ax=ax,
            facecolor="none" if outline else colors[is_area],
            edgecolor=colors[is_area],
            alpha=1.0 if outline else 0.45,
            linewidth=1.2 if outline else 0.6,
            zorder=2 if outline else 3,
        )
    if is_line.any():
        width = 2.0 if layer.id in ("gate_roads", "patrol_routes") else 1.0
        style = "--" if layer.id == "source_suspects" else "-"
        geometry[is_line].plot(
            ax=ax, color=colors[is_line], linewidth=width, linestyle=style, zorder=4
        )
    if is_point.any():
        pts = cast(gpd.GeoSeries, geometry[is_point])  # pandas-stubs: a Series
        size = (POINT_RADIUS_PX.get(layer.id, 5.0) * marker_scale) ** 2
        sizes = np.full(len(pts), size)
        if layer.big is not None:
            sizes = np.where(layer.big[is_point], size * BIG_FACTOR**2, size)
        fill = np.where(hollow[is_point], "none", colors[is_point])
        edge = np.where(hollow[is_point], colors[is_point], "#222222")
        if layer.id == "gangue_heaps":
            edge = np.where(np.asarray(mode.values)[is_point] == 0, "#ffd700", edge)
        ax.scatter(
            pts.x,
            pts.y,
            s=sizes,
            c=list(fill),
            edgecolors=list(edge),
            linewidths=0.4 * marker_scale,
            zorder=6 if layer.id == "stations" else 5,
        )
        if layer.labels is not None and layer.id == "patrol_stops":
            for x, y, text in zip(pts.x, pts.y, layer.labels[is_point], strict=True):
                ax.annotate(_plain(text), (x, y), fontsize=6, ha="center", va="center", zorder=7)
    if len(mode.classes) > 1:
        header = layer.title if mode.label == layer.title else f"{layer.title}（{mode.label}）"
        entries.append((Patch(visible=False), header))
    for k in used:
        cls = mode.classes[k]
        label = f"  {cls.label}" if len(mode.classes) > 1 else layer.title
        handle: Artist
        if layer.kind in ("point",) or (layer.kind == "mixed" and is_point.any()):
            handle = Line2D(
                [],
                [],
                marker="o",
                linestyle="none",
                markerfacecolor=cls.color,
                markeredgecolor="#222222",
                markersize=6,
            )
        elif layer.kind == "line":
            handle = Line2D(
                [],
                [],
                color=cls.color,
                linewidth=2,
                linestyle="--" if layer.id == "source_suspects" else "-",
            )
        elif layer.id == "counties":
            handle = Patch(facecolor="none", edgecolor=cls.color)
        else:
            handle = Patch(facecolor=cls.color, edgecolor=cls.color, alpha=0.6)
        entries.append((handle, label))
    if layer.hollow is not None and layer.hollow.any():
        entries.append(
            (
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="none",
                    markerfacecolor="none",
                    markeredgecolor="#333333",
                    markersize=6,
                ),
                "  空心: 无主",
            )
        )
    return entries


def render_figure(
    layers: Sequence[MapLayer], *, title: str, size_in: tuple[float, float] = (11.69, 8.27)
):
    """A matplotlib Figure of ``layers`` (A4 landscape by default), ready to save."""
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
    crs = metric_crs(lons)
    fig = Figure(figsize=size_in)
    FigureCanvasAgg(fig)
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
    county = next((layer for layer in layers if layer.id == "counties"), None)
    if county is not None and county.labels is not None:
        points = cast("Iterable[Point]", projected["counties"].representative_point())
        for point, name in zip(points, county.labels, strict=True):
            if isinstance(name, str):
                ax.text(
                    point.x,
                    point.y,
                    _plain(name),
                    ha="center",
                    va="center",
                    fontsize=9,
                    fontfamily=font,
                    color="#333333",
                    zorder=8,
                    alpha=0.8,
                )
    _scale_bar(ax, (ax.get_xlim()[1] - ax.get_xlim()[0]), font)
    _north_arrow(ax, font)
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
            title="图例",
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
        f"坐标系: CGCS2000 3度带高斯-克吕格投影 EPSG:{crs.to_epsg()}；数据来源: geoair 工作区",
        fontsize=7,
        fontfamily=font,
        color="#555555",
    )
    return fig


def write_png(
    layers: Sequence[MapLayer], path: Path | str, *, title: str = "geoair 地图", dpi: int = 300
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
        raise OutputError(f"A static map is a .png file, not {path.name}. Use --out NAME.png.")
    fig = render_figure(layers, title=title)
    return save_png(fig, path, dpi=dpi, facecolor="white")
