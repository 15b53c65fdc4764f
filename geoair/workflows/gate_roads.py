"""Gate roads: the road within R metres (100 by default) of every factory gate, measured exactly.

The 2024 clean-factory action (seed 000, 二(二)) requires the road within 100 m of
every factory gate to be washed and swept. :func:`plan_sweeping` finds, for every
gate, the stretches of every road inside the circle of radius R around it, and
turns them into the layers and tables of a sweeping plan (see :class:`SweepPlan`).

Lengths are exact to about 1e-8 m: roads are clipped to the true (geodesic) circle
around each gate by an intersection solved in earth-centred coordinates (see
:mod:`geoair.buffers`, "How exact the clipping is"); no Gauss-Krüger zone is used,
so gates on both sides of 112.5°E are alike.

This module is a little over 600 lines on purpose: the four results of a plan
(``gate_roads``, ``gate_buffers``, ``sweep_tasks``, ``gate_findings``) are built from
one private record of the gates (``_Gates``) by helpers that read best side by side;
the geometry itself (road segments, exact clipping) is in ``geoair._clip``.
"""

from __future__ import annotations

from geoair.roads.gate_roads import SweepPlan, county_totals, plan_sweeping

__all__ = ["demo_step", "describe", "sweep_workspace"]


def sweep_workspace(
    ws,
    *,
    radius_m: float | None = None,
    roads_path=None,
    coords: str | None = None,
    engine=None,
) -> SweepPlan:
    """Compute the sweeping plan from a workspace's layers and write its four results.

    Parameters
    ----------
    ws : Workspace
        Needs ``gates``; ``roads`` unless ``roads_path`` is given; ``enterprises``
        if present (for names, counties and the gate-to-site check).
    radius_m : float, optional
        Default: ``[gate_roads] radius_m`` of ``geoair.toml``.
    roads_path : path, optional
        Read roads from this file (OpenStreetMap extract, GeoPackage, Shapefile, ...)
        instead of the workspace.
    coords : str, optional
        Coordinate system of ``roads_path`` when it is not given in the file.
    engine : optional
        Where the plan is computed: an object with ``plan_sweeping`` (e.g.
        :class:`geoair.distributed.engine.DaskEngine`); default this machine.

    Returns
    -------
    SweepPlan
        Also written to the workspace as ``gate_roads``, ``gate_buffers``,
        ``sweep_tasks``, ``gate_findings`` in one transaction.
    """
    from geoair.imports.pipeline import read_roads

    settings = ws.settings
    cfg = settings["gate_roads"]
    radius = float(cfg["radius_m"] if radius_m is None else radius_m)
    gates = ws.read("gates")
    enterprises = ws.read("enterprises", required=False)
    if roads_path is not None:
        roads = read_roads(roads_path, coords=coords, skip_highway=cfg["osm_skip_highway"])
    else:
        roads = ws.read("roads")
    compute = plan_sweeping if engine is None else engine.plan_sweeping
    plan = compute(
        gates,
        roads,
        enterprises,
        radius_m=radius,
        gate_site_max_m=float(cfg["gate_site_max_m"]),
        nearest_search_m=float(cfg["nearest_road_search_m"]),
        vertices=int(settings["buffers"]["circle_vertices"]),
    )
    with ws.transaction() as tx:
        for name, frame in plan.layers().items():
            tx.write(name, frame)
    return plan


def describe(plan: SweepPlan, echo) -> None:
    """Report a plan in a few lines: totals, findings, metres per county."""
    tasks, findings = plan.sweep_tasks, plan.gate_findings
    with_road = int((plan.gate_buffers["road_length_m"] > 0).sum())
    echo(
        f"  gate_roads: {len(plan.gate_roads)} gate-road stretches at {with_road} of "
        f"{len(plan.gate_buffers)} gates; gate_buffers: {len(plan.gate_buffers)} circles"
    )
    echo(
        f"  sweep_tasks: {len(tasks)} enterprises, {tasks['length_m'].sum():,.1f} m to sweep "
        f"(stretches shared by two gates counted once; "
        f"{tasks['gate_length_sum_m'].sum():,.1f} m gate by gate)"
    )
    counts = findings["finding"].value_counts()
    echo(
        "  gate_findings: "
        + (", ".join(f"{n} {code}" for code, n in counts.items()) if len(counts) else "none")
    )
    located = int(plan.gate_buffers.geometry.notna().sum())
    if located and with_road < located / 2:
        echo(
            f"  note: only {with_road} of {located} gates have a road within the radius. Are "
            "the roads for this area, and in the same coordinate system as the gates? "
            "Coordinates copied from Amap or Baidu need --coords gcj02 or bd09 on import."
        )
    totals = county_totals(tasks)
    if len(totals):
        echo("  metres to sweep per county (厂门100米道路):")
        for row in totals.itertuples():
            echo(
                f"    {row.county}: {row.length_m:,.1f} m, {row.enterprises} enterprises, "
                f"{row.gates} gates"
            )


def demo_step(ws, echo) -> None:
    """Gate roads on the sample workspace: the four results and metres per county."""
    if not (ws.has("gates") and ws.has("roads")):
        echo("  no gates or roads in the workspace: gate roads skipped")
        return
    plan = sweep_workspace(ws)
    describe(plan, echo)
    far = plan.gate_findings[plan.gate_findings["finding"] != "no_road"]
    for row in far.head(5).itertuples():
        echo(
            f"    check gate {row.gate_id} ({row.enterprise_name or row.enterprise_id}): "
            f"{row.finding_zh}"
        )
    echo(f"  layers gate_roads, gate_buffers, gate_findings and table sweep_tasks in {ws.gpkg}")
