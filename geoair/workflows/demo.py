"""``geoair demo``: build a workspace from the shipped sample data and run the month's job.

The demo is a list of steps (:data:`STEPS`), in the order a month's work is done. Each
step calls the same workflow functions as the commands (``run_import``,
``run_gate_roads``, ``run_indicators`` ...) with their default options, and answers
with the lines that those workflows' ``describe`` gives; nothing here is computed
that a command would not compute.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from geoair.messages import t
from geoair.progress import Progress, silent
from geoair.store.open import init_workspace
from geoair.store.workspace import Workspace

__all__ = ["DemoStep", "STEPS", "run_demo"]


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoStep:
    """One step of the demo: its title's message id, and a function of the workspace that
    returns lines."""

    key: str
    run: Callable[[Workspace, Progress], list[str]]

    @property
    def title(self) -> str:
        """The title in the current language."""
        return t(self.key)


def _import(ws: Workspace, progress: Progress) -> list[str]:
    from geoair.workflows.imports import describe, first_rejects, import_sample
    from geoair.workflows.sample_data import sample_layers_dir

    lines = []
    for report in import_sample(ws, sample_layers_dir(), progress=progress):
        lines += describe(report)
        # What the clerk will read in the rejects file.
        lines += [
            t("import.reject_line", row=number, reason=reason)
            for number, reason in first_rejects(report)
        ]
    return lines


def _gate_roads(ws: Workspace, progress: Progress) -> list[str]:
    from geoair.workflows.gate_roads import describe, run_gate_roads

    if not (ws.has("gates") and ws.has("roads")):
        return [t("demo.no_gates")]
    return describe(run_gate_roads(ws, progress=progress))


def _indicators(ws: Workspace, progress: Progress) -> list[str]:
    from geoair.readings.store import hourly_dir
    from geoair.workflows.indicators import IndicatorsOptions, describe, run_indicators
    from geoair.workflows.sample_data import store_sample_readings

    hourly, _ = store_sample_readings(ws)
    lines = [
        t(
            "demo.sample_readings",
            n=len(hourly),
            stations=hourly["station_id"].nunique(),
            folder=hourly_dir(ws),
        )
    ]
    options = IndicatorsOptions(period="month", by="station", also=(("month", "county"),))
    return lines + describe(run_indicators(ws, options, progress=progress))


def _targets(ws: Workspace, progress: Progress) -> list[str]:
    from geoair.workflows.targets import TargetsCheckOptions, describe, run_targets_check

    if not ws.has("targets"):
        return [t("demo.no_targets")]
    options = TargetsCheckOptions(use_stored_daily=True)
    return describe(run_targets_check(ws, options, progress=progress))


def _scores(ws: Workspace, progress: Progress) -> list[str]:
    from geoair.workflows.scores import ScoresOptions, describe, run_scores

    options = ScoresOptions(report_folder=ws.outputs_dir / "scores")
    return describe(run_scores(ws, options, progress=progress))


def _sources(ws: Workspace, progress: Progress) -> list[str]:
    from geoair.workflows.sources import SourcesOptions, describe, run_near, run_suspects

    if not ws.has("stations"):
        return [t("demo.no_stations")]
    from geoair.readings.store import has_hourly

    lines = describe(run_near(ws, progress=progress))
    if not has_hourly(ws):
        return [*lines, t("demo.no_hourly")]
    return lines + describe(run_suspects(ws, SourcesOptions(freq="quarter"), progress=progress))


def _patrol(ws: Workspace, progress: Progress) -> list[str]:
    from geoair.workflows.patrol import (
        PlanOptions,
        RiskResult,
        day_after_last_record,
        describe,
        run_plan,
    )

    day = day_after_last_record(ws)
    result = run_plan(ws, PlanOptions(day=day), progress=progress)
    risk = RiskResult(scores=result.risk, shown=result.risk, day=day, top=5)
    return describe(risk) + describe(result)


def _maps(ws: Workspace, progress: Progress) -> list[str]:
    from geoair.workflows.maps import MapOptions, describe, run_map

    return describe(run_map(ws, MapOptions(html=True, png=True), progress=progress))


def _reports(ws: Workspace, progress: Progress) -> list[str]:
    from geoair.workflows.reports import describe, run_report_folder

    return describe(run_report_folder(ws, progress=progress))


STEPS: tuple[DemoStep, ...] = (
    DemoStep("demo.step.import", _import),
    DemoStep("demo.step.gate_roads", _gate_roads),
    DemoStep("demo.step.indicators", _indicators),
    DemoStep("demo.step.targets", _targets),
    DemoStep("demo.step.scores", _scores),
    DemoStep("demo.step.sources", _sources),
    DemoStep("demo.step.patrol", _patrol),
    DemoStep("demo.step.maps", _maps),
    DemoStep("demo.step.reports", _reports),
)
"""The demo's steps, in the order of a month's work."""


def run_demo(
    directory: Path | str,
    *,
    on_step: Callable[[int, int, str, list[str]], None] | None = None,
    progress: Progress = silent,
) -> Workspace:
    """Build (or rebuild) the demo workspace in ``directory`` and run every step.

    Parameters
    ----------
    directory : path
        Folder for the workspace; made if missing. An existing demo workspace there
        is reused, so running the demo twice gives the same result.
    on_step : callable, optional
        Called after each step with (number, count, title, lines): the command line
        prints them.
    progress : Progress
        Told what each step is doing.

    Returns
    -------
    Workspace
    """
    ws = init_workspace(directory, exist_ok=True)
    for number, step in enumerate(STEPS, start=1):
        progress(step.title, done=number - 1, total=len(STEPS))
        lines = step.run(ws, progress)
        if on_step is not None:
            on_step(number, len(STEPS), step.title, lines)
    return ws
