"""A workspace's map in one call: read its layers, classify them, write HTML and/or PNG.

``geoair map`` and the demo call :func:`run_map`. What is drawn and how is
:mod:`geoair.maps.layers`; the offline HTML is :mod:`geoair.maps.interactive`; the
300-dpi PNG for reports is :mod:`geoair.maps.static`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from geoair.io.paths import child
from geoair.maps.interactive import write_html
from geoair.maps.layers import collect_layers, county_extent, scope_to_county
from geoair.maps.model import MapLayer, data_month, read_frames
from geoair.maps.static import write_png
from geoair.messages import say_map, t
from geoair.progress import Progress, silent
from geoair.store.settings import overridden
from geoair.store.workspace import Workspace

__all__ = [
    "MapOptions",
    "MapResult",
    "default_path",
    "default_title",
    "describe",
    "legend_summary",
    "run_map",
]


log = logging.getLogger(__name__)


def default_title(ws: Workspace, month: str | None, county: str | None = None) -> str:
    """'<workspace name>[county] 大气污染防治监管图 [month]', the name from [workspace]."""
    name = ws.settings.workspace.name
    if county:
        name = t("maps.title_county", city=name, county=county)
    return t("maps.title", name=name) + (f" {month}" if month else "")


def default_path(ws: Workspace, *, month: str | None, png: bool, county: str | None = None) -> Path:
    """Where a map goes without --out: the workspace's outputs/maps/ folder."""
    stem = "map" + (f"-{county}" if county else "") + (f"-{month}" if month else "")
    return child(ws.outputs_dir / "maps", stem, suffix=".png" if png else ".html")


@dataclass(frozen=True)
class MapOptions:
    """Options of ``geoair map``.

    Parameters
    ----------
    month : str, optional
        "YYYY-MM" of scores, indicators and targets (default: the latest of each).
    layers : tuple of str, optional
        Only these layers (see :data:`geoair.maps.model.LAYER_TITLES`).
    html, png : bool
        Write the interactive HTML map; the 300-dpi PNG for reports.
    out : Path, optional
        The file to write when only one is asked for; default
        ``outputs/maps/map[-MONTH].html`` (or ``.png``).
    tiles : str, optional
        Basemap, over ``[maps] tiles``.
    title : str, optional
        Map title; default from the workspace name, county and month.
    county : str, optional
        Only this county's features, the view fitted to its outline.
    """

    month: str | None = None
    layers: tuple[str, ...] | None = None
    html: bool = True
    png: bool = False
    out: Path | None = None
    tiles: str | None = None
    title: str | None = None
    county: str | None = None


@dataclass(frozen=True)
class MapResult:
    """The files written and the layers drawn on them."""

    layers: list[MapLayer]
    html: Path | None = None
    png: Path | None = None
    png_dpi: int = 300
    files: list[Path] = field(default_factory=list)


def run_map(
    ws: Workspace, options: MapOptions = MapOptions(), *, progress: Progress = silent
) -> MapResult:
    """Write the map of every layer the workspace has, as HTML and/or PNG."""
    settings = overridden(ws.settings.maps, tiles=options.tiles)
    progress(t("progress.maps.read"))
    frames = read_frames(ws)
    extent = None
    if options.county:
        frames = scope_to_county(frames, options.county)
        extent = county_extent(frames, options.county)
    layers = collect_layers(frames, month=options.month, layers=options.layers, settings=settings)
    shown = options.month or data_month(frames)  # the month the map's results are of
    title = options.title or default_title(ws, shown, options.county)
    where = {"month": options.month, "county": options.county}
    html = png = None
    if options.html:
        progress(t("progress.maps.html"))
        path = options.out if options.out and not options.png else None
        html = write_html(
            layers,
            path or default_path(ws, png=False, **where),
            title=title,
            settings=settings,
            extent=extent,
        )
    if options.png:
        progress(t("progress.maps.png"))
        path = options.out if options.out and not options.html else None
        png = write_png(
            layers,
            path or default_path(ws, png=True, **where),
            title=title,
            dpi=settings.png_dpi,
            extent=extent,
            month=shown,
        )
    return MapResult(
        layers=layers,
        html=html,
        png=png,
        png_dpi=settings.png_dpi,
        files=[p for p in (html, png) if p is not None],
    )


def describe(result: MapResult) -> list[str]:
    """Where the maps are, their size, and what they show."""
    lines = []
    if result.html is not None:
        lines.append(t("maps.html", path=result.html, mb=result.html.stat().st_size / 1e6))
    if result.png is not None:
        lines.append(t("maps.png", path=result.png, dpi=result.png_dpi))
    counts = t("word.list_sep").join(
        t("maps.layer_count", title=say_map(layer.title), n=len(layer)) for layer in result.layers
    )
    lines.append(t("maps.layers", layers=counts))
    lines += legend_summary(result.layers, ("enterprises", "stations", "gangue_heaps"))
    return lines


def legend_summary(layers: Sequence[MapLayer], ids: Sequence[str]) -> list[str]:
    """One line per layer: its first colour mode's classes with counts, as on the legend."""
    lines = []
    for layer in layers:
        if layer.id not in ids or len(layer.modes[0].classes) < 2:
            continue
        mode = layer.modes[0]
        counts = np.bincount(np.asarray(mode.values, dtype=int), minlength=len(mode.classes))
        parts = [
            t("maps.class_count", label=say_map(cls.label), n=count)
            for cls, count in zip(mode.classes, counts, strict=True)
            if count
        ]
        name = (
            say_map(layer.title)
            if mode.label == layer.title
            else t("maps.legend_name", layer=say_map(layer.title), mode=say_map(mode.label))
        )
        lines.append(t("maps.legend_line", name=name, classes=t("word.list_sep").join(parts)))
    return lines
