"""Gate roads for a workspace: read the layers, plan the sweeping, write its four results.

``geoair gate-roads`` and the demo call :func:`run_gate_roads`; the geometry is
:mod:`geoair.roads.gate_roads` (exact clipping to the geodesic circle around each gate).
``geoair buffer`` calls :func:`run_buffer`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd

from geoair.errors import SchemaError
from geoair.messages import MESSAGES, language, layer_name, t
from geoair.progress import Progress, silent
from geoair.roads.buffers import buffer_layer, buffer_name
from geoair.roads.gate_roads import SweepPlan, county_totals, plan_sweeping
from geoair.store.settings import overridden
from geoair.store.workspace import Workspace

if TYPE_CHECKING:
    from geoair.distributed.engine import DaskEngine

__all__ = [
    "BUFFER_KINDS",
    "BufferOptions",
    "BufferResult",
    "GateRoadsOptions",
    "GateRoadsResult",
    "describe",
    "run_buffer",
    "run_gate_roads",
]


@dataclass(frozen=True)
class GateRoadsOptions:
    """Options of ``geoair gate-roads``; None keeps the workspace's ``[gate_roads]``.

    Parameters
    ----------
    radius_m : float, optional
        Radius around each gate, metres.
    roads_path : Path, optional
        Read the roads from this file (OpenStreetMap extract, GeoPackage, Shapefile...)
        instead of the workspace's ``roads`` layer.
    coords : str, optional
        Coordinate system of ``roads_path`` when the file does not say it.
    """

    radius_m: float | None = None
    roads_path: Path | None = None
    coords: str | None = None


@dataclass(frozen=True)
class GateRoadsResult:
    """The sweeping plan written to the workspace, and where."""

    plan: SweepPlan
    radius_m: float
    store: str
    gate_site_max_m: float = 2000.0


def run_gate_roads(
    ws: Workspace,
    options: GateRoadsOptions = GateRoadsOptions(),
    *,
    progress: Progress = silent,
    engine: DaskEngine | None = None,
) -> GateRoadsResult:
    """Compute the sweeping plan from a workspace's layers and write its four results.

    Needs ``gates``; ``roads`` unless ``options.roads_path`` is given; ``enterprises``
    if present (for names, counties and the gate-to-site check). Writes ``gate_roads``,
    ``gate_buffers``, ``sweep_tasks`` and ``gate_findings`` in one transaction.
    ``engine`` computes the plan elsewhere (a
    :class:`~geoair.distributed.engine.DaskEngine`); default this machine, with the same
    results row for row.
    """
    from geoair.imports.pipeline import read_roads

    cfg = overridden(ws.settings.gate_roads, radius_m=options.radius_m)
    progress(t("progress.gate_roads.read"))
    gates = cast(gpd.GeoDataFrame, ws.read("gates"))
    enterprises = cast("gpd.GeoDataFrame | None", ws.read("enterprises", required=False))
    if options.roads_path is not None:
        roads = read_roads(
            options.roads_path, coords=options.coords, skip_highway=cfg.osm_skip_highway
        )
    else:
        roads = cast(gpd.GeoDataFrame, ws.read("roads"))
    progress(t("progress.gate_roads.clip", gates=len(gates), radius=cfg.radius_m))
    compute = plan_sweeping if engine is None else engine.plan_sweeping
    plan = compute(
        gates,
        roads,
        enterprises,
        radius_m=cfg.radius_m,
        gate_site_max_m=cfg.gate_site_max_m,
        nearest_search_m=cfg.nearest_road_search_m,
        vertices=ws.settings.buffers.circle_vertices,
    )
    with ws.transaction() as tx:
        for name, frame in plan.layers().items():
            tx.write(name, frame)
    return GateRoadsResult(
        plan=plan,
        radius_m=cfg.radius_m,
        store=ws.store_label,
        gate_site_max_m=cfg.gate_site_max_m,
    )


#: What users may type after ``geoair buffer`` -> the workspace layer buffered.
BUFFER_KINDS = {
    "stations": "stations",
    "heaps": "gangue_heaps",
    "gangue_heaps": "gangue_heaps",
    "parks": "parks",
    "enterprises": "enterprises",
    "gates": "gates",
    "counties": "counties",
    "roads": "roads",
}


@dataclass(frozen=True)
class BufferOptions:
    """Options of ``geoair buffer KIND --distance M``."""

    kind: str
    distance_m: float
    vertices: int | None = None
    layer_name: str | None = None


@dataclass(frozen=True)
class BufferResult:
    """The buffered layer and the workspace layer it was written to."""

    layer: str
    name: str
    distance_m: float
    buffered: gpd.GeoDataFrame


def run_buffer(ws: Workspace, options: BufferOptions) -> BufferResult:
    """Buffer every feature of a workspace layer by true ground metres, and store it."""
    layer = BUFFER_KINDS.get(options.kind.lower())
    if layer is None:
        raise SchemaError(
            t("buffer.unknown_kind", kind=options.kind, kinds=", ".join(BUFFER_KINDS))
        )
    cfg = overridden(ws.settings.buffers, circle_vertices=options.vertices)
    buffered = buffer_layer(
        cast(gpd.GeoDataFrame, ws.read(layer)),
        distance_m=options.distance_m,
        vertices=cfg.circle_vertices,
    )
    name = options.layer_name or buffer_name(layer, options.distance_m)
    ws.write(name, buffered)
    return BufferResult(layer=layer, name=name, distance_m=options.distance_m, buffered=buffered)


def _finding_text(row) -> str:
    """A gate finding in the current language (``finding_zh`` holds the Chinese)."""
    if language() == "zh" and isinstance(row.finding_zh, str) and row.finding_zh:
        return row.finding_zh
    key = f"finding.detail.{row.finding}"
    if key not in MESSAGES:
        return str(row.finding)
    if row.finding == "far_from_site":
        return t(key, distance=row.distance_m, limit=row.limit_m)
    if row.finding == "no_road":
        return t(key, radius=row.radius_m)
    return t(key)


def describe(result: GateRoadsResult | BufferResult) -> list[str]:
    """A few lines on a result: totals, findings, metres per county."""
    row: Any  # itertuples() rows: pandas-stubs types each field as any scalar
    if isinstance(result, BufferResult):
        area_km2 = result.buffered["area_m2"].sum() / 1e6
        return [
            t(
                "buffer.done",
                n=len(result.buffered),
                layer=layer_name(result.layer),
                distance=result.distance_m,
                name=result.name,
                area=area_km2,
            )
        ]
    plan = result.plan
    tasks, findings = plan.sweep_tasks, plan.gate_findings
    with_road = int((plan.gate_buffers["road_length_m"] > 0).sum())
    lines = [
        t(
            "gate_roads.stretches",
            pieces=len(plan.gate_roads),
            with_road=with_road,
            gates=len(plan.gate_buffers),
            circles=len(plan.gate_buffers),
        ),
        t(
            "gate_roads.sweep",
            enterprises=len(tasks),
            length=tasks["length_m"].sum(),
            gate_sum=tasks["gate_length_sum_m"].sum(),
        ),
    ]
    counts = findings["finding"].value_counts()
    said = t("word.clause_sep").join(t(f"finding.{code}", n=n) for code, n in counts.items())
    lines.append(t("gate_roads.findings", findings=said or t("word.none")))
    located = int(plan.gate_buffers.geometry.notna().sum())
    if located and with_road < located / 2:
        lines.append(t("gate_roads.few_roads", with_road=with_road, located=located))
    totals = county_totals(tasks)
    if len(totals):
        lines.append(t("gate_roads.per_county"))
        for row in totals.itertuples():
            lines.append(
                t(
                    "gate_roads.county_line",
                    county=row.county,
                    length=row.length_m,
                    enterprises=row.enterprises,
                    gates=row.gates,
                )
            )
    far = findings[findings["finding"] != "no_road"].assign(
        radius_m=result.radius_m, limit_m=result.gate_site_max_m
    )
    for row in far.head(5).itertuples():
        lines.append(
            t(
                "gate_roads.check_gate",
                gate=row.gate_id,
                enterprise=row.enterprise_name or row.enterprise_id,
                finding=_finding_text(row),
            )
        )
    lines.append(t("gate_roads.written", store=result.store))
    return lines
