"""Maps: interactive HTML maps that work offline, and static PNG maps for reports.

    frames = read_frames(ws)                       # every layer and table a map uses
    layers = collect_layers(frames, month="2024-03")
    write_html(layers, "maps/阳泉.html", title="阳泉市 2024-03")
    write_png(layers, "maps/阳泉.png", title="阳泉市 2024-03")

:func:`write_map` does all of it for a workspace. Modules: :mod:`.layers` (what is
drawn, classes, popups), :mod:`.styles` (colours and legend labels),
:mod:`.interactive` (HTML), :mod:`.static` (PNG).
"""

__all__ = ["interactive", "layers", "model", "monitoring", "static", "styles"]
