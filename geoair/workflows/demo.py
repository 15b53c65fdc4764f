"""``geoair demo``: build a workspace from the shipped sample data and run the main job.

The demo is a list of steps (:data:`STEPS`); each capability contributes one
function ``demo_step(ws, echo)`` in its own module, which runs that capability on
the sample workspace and reports what it wrote through ``echo``. Steps run in order;
the sample data are imported first.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path

from geoair.store.workspace import Workspace, init_workspace

__all__ = ["STEPS", "run_demo"]


log = logging.getLogger(__name__)

Echo = Callable[[str], None]

# (title, "module:function"), in the order the month's work is done. A capability
# adds its line here; the function takes (ws, echo) and returns nothing.
STEPS: list[tuple[str, str]] = [
    ("import the sample layers and records", "geoair.workflows.imports:demo_step"),
    (
        "gate roads: the road within 100 m of every factory gate",
        "geoair.workflows.gate_roads:demo_step",
    ),
    ("sample readings, daily AQI and monthly indicators", "geoair.workflows.indicators:demo_step"),
    ("targets check (PM2.5, good days, dustfall)", "geoair.workflows.targets:demo_step"),
    (
        "scores: park ranking, enterprise scores, benchmark candidates",
        "geoair.workflows.scores:demo_step",
    ),
    (
        "sources upwind of stations: near, suspects, polar plots",
        "geoair.workflows.sources:demo_step",
    ),
    ("patrol: risk and a day's routes per team", "geoair.workflows.patrol:demo_step"),
    ("write the interactive map and the report map", "geoair.workflows.maps:demo_step"),
    ("report folder: layers, forms, a surface", "geoair.workflows.reports:demo_step"),
]


def run_demo(directory: Path | str, *, echo: Echo = print) -> Workspace:
    """Build (or rebuild) the demo workspace in ``directory`` and run every step.

    Parameters
    ----------
    directory : path
        Folder for the workspace; made if missing. An existing demo workspace there
        is reused, so running the demo twice gives the same result.
    echo : callable
        Where progress lines go.

    Returns
    -------
    Workspace
    """
    ws = init_workspace(directory, exist_ok=True)
    for number, (title, target) in enumerate(STEPS, start=1):
        module_name, function_name = target.split(":")
        echo(f"[{number}/{len(STEPS)}] {title}")
        step = getattr(importlib.import_module(module_name), function_name)
        step(ws, echo)
    return ws
