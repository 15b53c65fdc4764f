"""Spatial assignment: the county and park of every enterprise, gate, station and heap.

Done once per workspace (``geoair scores`` runs it when the table is missing or
older than its layers) and reused by scores, maps and patrol. The result, table
``site_assignment``, has one row per link between a site and a park, and one row
for a site linked to no park:

========================  ===========================================================
column                    meaning
========================  ===========================================================
layer                     ``enterprises``, ``gates``, ``stations`` or ``gangue_heaps``
site_id, site_name        the site's id and name in its layer
county                    its county (县区)
county_rule               ``inside`` (inside a polygon of the ``counties`` layer),
                          ``attribute`` (no polygon holds it, or there is no counties
                          layer: the site's own 县区 field), ``none`` (neither)
park_id, park_name        a park it belongs to, or empty
park_rule                 ``inside`` (the site touches the park polygon; a point on
                          the boundary counts as inside) or ``near`` (stations and heaps
                          only: within ``near_park_m`` of the polygon, outside it)
park_distance_m           0 inside; metres from the polygon when near (measured in a
                          CGCS2000 Gauss-Krüger zone, never in degrees)
primary                   True on exactly one row per site: its inside park, else the
                          nearest park it is near, else the row without a park
========================  ===========================================================

The polygon look-ups query a :class:`shapely.STRtree` with the whole array of
sites at once (never row by row); see ``scripts/bench_assign.py``.
"""

from __future__ import annotations

import pandas as pd

from geoair.errors import WorkspaceError
from geoair.scores.assign import SITE_LAYERS, assign_sites
from geoair.scores.components import previous_month
from geoair.scores.inputs import PARK_COMPONENTS, ScoreInputs, station_months_from
from geoair.scores.parks import park_ranking_sheet, score_parks

__all__ = ["assignment_from_workspace", "demo_step", "load_inputs"]


def assignment_from_workspace(ws) -> pd.DataFrame:
    """Compute ``site_assignment`` from the workspace's layers and settings (not written)."""
    layers = {name: ws.read(name, required=False) for name in SITE_LAYERS}
    return assign_sites(
        layers,
        parks=ws.read("parks", required=False),
        counties=ws.read("counties", required=False),
        near_park_m=float(ws.settings["assignment"]["near_park_m"]),
    )


def load_inputs(ws, *, assignment: pd.DataFrame | None = None) -> ScoreInputs:
    """Read every frame that scores use from a workspace (missing ones are None).

    Monthly PM2.5 comes from the ``station_monthly`` table (``geoair indicators``) and
    dustfall from the readings store, when they exist.
    """
    from geoair.workflows.scores import assignment_from_workspace

    parks = ws.read("parks", required=False)
    if parks is None or len(parks) == 0:
        raise WorkspaceError(
            f"The workspace {ws.location} has no parks to score. "
            "Run geoair import parks FILE first."
        )
    monthly = ws.read("station_monthly", required=False)
    dustfall = _read_dustfall(ws)
    return ScoreInputs(
        parks=parks,
        assignment=assignment if assignment is not None else assignment_from_workspace(ws),
        enterprises=ws.read("enterprises", required=False),
        inspections=ws.read("inspections", required=False),
        cases=ws.read("cases", required=False),
        gangue_heaps=ws.read("gangue_heaps", required=False),
        stations=ws.read("stations", required=False),
        targets=ws.read("targets", required=False),
        station_months=station_months_from(monthly, dustfall),
        road_dust=ws.read("road_dust", required=False),
        gate_roads=_read_table(ws, "gate_roads"),
        roads=_read_table(ws, "roads"),
    )


def _read_table(ws, name: str) -> pd.DataFrame | None:
    """A workspace layer as a plain table (geometry dropped), or None."""
    frame = ws.read(name, required=False)
    if frame is None:
        return None
    return pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))


def _read_dustfall(ws) -> pd.DataFrame | None:
    """Monthly dustfall from the readings store (empty when none was imported)."""
    from geoair.readings.store import load_dustfall

    return load_dustfall(ws)


def _weakest(row: pd.Series) -> str:
    scored = {
        name: row[f"{name}_score"] for name in PARK_COMPONENTS if pd.notna(row[f"{name}_score"])
    }
    if not scored:
        return ""
    name = min(scored, key=lambda n: (scored[n], n))
    return f"weakest: {PARK_COMPONENTS[name][0]} {scored[name]:.0f}"


def demo_step(ws, echo) -> None:
    """Assign sites, score parks and enterprises for the latest month, write the report tables."""
    from geoair.io.writers import write_table
    from geoair.scores.enterprises import enterprise_ranking_sheet, score_enterprises
    from geoair.workflows.scores import assignment_from_workspace

    assignment = assignment_from_workspace(ws)
    inputs = load_inputs(ws, assignment=assignment)
    parks = score_parks(inputs, settings=ws.settings)
    enterprises = score_enterprises(inputs, month=parks["month"].iloc[0], settings=ws.settings)
    month = parks["month"].iloc[0]
    with ws.transaction() as tx:
        tx.write("site_assignment", assignment)
        tx.write("park_scores", parks)
        tx.write("enterprise_scores", enterprises)
    primary = assignment[assignment["primary"]]
    parts = []
    for layer, rows in primary.groupby("layer", sort=False):
        linked = rows["park_rule"].notna().sum()
        parts.append(f"{len(rows)} {layer} ({linked} in or near a park)")
    echo("  site_assignment: " + ", ".join(parts))
    echo(f"  park ranking {month} (0-100; change in rank from {previous_month(month)}):")
    for _, row in parks.iterrows():
        rank = "-" if pd.isna(row["rank"]) else f"{int(row['rank'])}."
        change = "" if pd.isna(row["rank_change"]) else f" ({int(row['rank_change']):+d})"
        missing = f"; no data: {row['missing_zh']}" if row["missing_zh"] else ""
        echo(
            f"    {rank:>3} {row['park_name']} {row['total']:.1f}{change}  {_weakest(row)}{missing}"
        )
    chosen = enterprises[enterprises["benchmark"]]
    counts = chosen.groupby("county").size()
    echo(
        f"  enterprise_scores: {len(enterprises)} enterprises; benchmark candidates: "
        + ", ".join(f"{county} {n}" for county, n in counts.items())
    )
    short = enterprises.drop_duplicates("county")["benchmark_note"].dropna()
    for note in short[short.str.contains("少于名额下限")]:
        echo(f"    {note}")
    folder = ws.outputs_dir / "scores"
    ranking = write_table(
        park_ranking_sheet(parks), folder / f"园区排名_{month}.xlsx", layer="园区排名"
    )
    bench = write_table(
        enterprise_ranking_sheet(enterprises, benchmark_only=True),
        folder / f"标杆企业候选_{month}.xlsx",
        layer="标杆企业候选",
    )
    echo(f"  park ranking for the monthly report: {ranking}")
    echo(f"  benchmark candidates: {bench}")
    echo(
        "  tables site_assignment, park_scores (with park outlines and breakdown_zh for "
        "map popups), enterprise_scores in the workspace"
    )
