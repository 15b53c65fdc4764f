"""A workspace's map in one call: read its layers, classify them, write HTML or PNG."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from geoair.io.paths import child
from geoair.maps.interactive import write_html
from geoair.maps.layers import collect_layers
from geoair.maps.model import read_frames
from geoair.maps.static import write_png

__all__ = ["default_path", "default_title", "demo_step", "legend_summary", "write_map"]


log = logging.getLogger(__name__)


def default_title(ws, month: str | None) -> str:
    """'<workspace name> 大气污染防治监管图 [month]', the name from [workspace] in geoair.toml."""
    name = ws.settings["workspace"]["name"]
    return f"{name} 大气污染防治监管图" + (f" {month}" if month else "")


def default_path(ws, *, month: str | None, png: bool) -> Path:
    """Where a map goes without --out: the workspace's outputs/maps/ folder."""
    stem = "map" + (f"-{month}" if month else "")
    return child(ws.outputs_dir / "maps", stem, suffix=".png" if png else ".html")


def write_map(
    ws,
    out: Path | str | None = None,
    *,
    month: str | None = None,
    layers: Sequence[str] | None = None,
    png: bool = False,
    title: str | None = None,
) -> Path:
    """Write the map of workspace ``ws`` (every layer it has) as HTML, or PNG with ``png``.

    Parameters
    ----------
    ws : Workspace
        The workspace; its ``[maps]`` settings choose basemap, colours and precision.
    out : path, optional
        File to write; default ``outputs/maps/map[-MONTH].html`` (or ``.png``) in ``ws``.
    month : str, optional
        "YYYY-MM" of scores, indicators and targets (default: the latest of each).
    layers : sequence of str, optional
        Only these layers (see :data:`geoair.maps.LAYER_TITLES`).
    png : bool
        Write a static 300-dpi PNG instead of the interactive HTML.
    title : str, optional
        Map title; default from the workspace name and month.

    Returns
    -------
    Path
        The file written.
    """
    settings = ws.settings["maps"]
    frames = read_frames(ws)
    map_layers = collect_layers(frames, month=month, layers=layers, settings=settings)
    title = title or default_title(ws, month)
    path = Path(out) if out is not None else default_path(ws, month=month, png=png)
    if png:
        return write_png(map_layers, path, title=title, dpi=int(settings["png_dpi"]))
    return write_html(map_layers, path, title=title, settings=settings)


def demo_step(ws, echo: Callable[[str], None]) -> None:
    """`geoair demo`: write the interactive map and the report PNG; print where and what."""
    frames = read_frames(ws)
    settings = ws.settings["maps"]
    layers = collect_layers(frames, settings=settings)
    title = default_title(ws, None)
    html_path = write_html(
        layers, default_path(ws, month=None, png=False), title=title, settings=settings
    )
    png_path = write_png(
        layers, default_path(ws, month=None, png=True), title=title, dpi=int(settings["png_dpi"])
    )
    summary = ", ".join(f"{layer.title} {len(layer)}" for layer in layers)
    echo(
        f"  interactive map: {html_path} ({html_path.stat().st_size / 1e6:.1f} MB, opens "
        "offline in any browser)"
    )
    echo(f"  report map:      {png_path} ({settings['png_dpi']} dpi)")
    echo(f"  layers: {summary}")
    for line in legend_summary(layers, ("enterprises", "stations", "gangue_heaps")):
        echo(f"    {line}")


def legend_summary(layers, ids) -> list[str]:
    """One line per layer: its first colour mode's classes with counts, as on the legend."""
    import numpy as np

    lines = []
    for layer in layers:
        if layer.id not in ids or len(layer.modes[0].classes) < 2:
            continue
        mode = layer.modes[0]
        counts = np.bincount(np.asarray(mode.values, dtype=int), minlength=len(mode.classes))
        parts = [
            f"{cls.label} {count}" for cls, count in zip(mode.classes, counts, strict=True) if count
        ]
        name = layer.title if mode.label == layer.title else f"{layer.title}（{mode.label}）"
        lines.append(f"{name}: " + "，".join(parts))
    return lines
