"""Maps: interactive HTML maps that work offline, and static PNG maps for reports.

    frames = read_frames(ws)                       # every layer and table a map uses
    layers = collect_layers(frames, month="2024-03")
    write_html(layers, "maps/阳泉.html", title="阳泉市 2024-03")
    write_png(layers, "maps/阳泉.png", title="阳泉市 2024-03")

:func:`write_map` does all of it for a workspace. Modules: :mod:`.layers` (what is
drawn, classes, popups), :mod:`.styles` (colours and legend labels),
:mod:`.interactive` (HTML), :mod:`.static` (PNG).
"""

from __future__ import annotations

from geoair.maps.interactive import render_html, write_html
from geoair.maps.layers import LAYER_TITLES, MapDataError, MapLayer, collect_layers, read_frames
from geoair.maps.static import write_png
from geoair.maps.workflow import default_title, demo_step, write_map

__all__ = [
    "LAYER_TITLES", "MapDataError", "MapLayer", "collect_layers", "default_title", "demo_step",
    "read_frames", "render_html", "write_html", "write_map", "write_png",
]
