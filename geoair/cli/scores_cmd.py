"""``geoair scores parks|enterprises|assign``: monthly park ranking, enterprise scores."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from geoair.cli._options import get_workspace, out_option, workspace_option, write_out

month_option = click.option(
    "--month",
    default=None,
    metavar="YYYY-MM",
    help="Month to score, e.g. 2024-03 (default: the latest month that has data).",
)


def _is_sheet(path: Path | None) -> bool:
    return path is not None and path.suffix.lower() in {".xlsx", ".csv"}


def _fmt(value, spec: str = ".1f") -> str:
    return "-" if value is None or pd.isna(value) else format(value, spec)


@click.group("scores")
def command() -> None:
    """Park scores and rankings, enterprise scores and benchmark candidates.

    Weights, references and quotas are in the [scores] tables of geoair.toml.
    """


@command.command("assign")
@workspace_option
@out_option
def assign(workspace_dir: Path | None, out_path: Path | None) -> None:
    """Find the county and park of every enterprise, gate, station and heap.

    Writes table site_assignment (the scores commands also refresh it).
    """
    from geoair.workflows.scores import assignment_from_workspace

    ws = get_workspace(workspace_dir)
    table = assignment_from_workspace(ws)
    ws.write("site_assignment", table)
    primary = table[table["primary"]]
    for layer, rows in primary.groupby("layer"):
        in_park = rows["park_rule"].eq("inside").sum()
        near = rows["park_rule"].eq("near").sum()
        click.echo(
            f"{layer}: {len(rows)} sites, {in_park} inside a park, {near} near one, "
            f"{rows['county'].isna().sum()} without a county"
        )
    write_out(table, out_path, layer="site_assignment")


def _prepare(ws):
    from geoair.workflows.scores import assignment_from_workspace, load_inputs

    assignment = assignment_from_workspace(ws)
    return assignment, load_inputs(ws, assignment=assignment)


@command.command("parks")
@workspace_option
@month_option
@out_option
def parks(workspace_dir: Path | None, month: str | None, out_path: Path | None) -> None:
    """Score and rank the parks for a month (table park_scores; other months keep their rows).

    With --out x.xlsx (or .csv) writes the ranking table of the monthly report with
    Chinese headers; with .gpkg/.geojson the full table with the park outlines.
    """
    from geoair.scores.parks import park_ranking_sheet, score_parks

    ws = get_workspace(workspace_dir)
    assignment, inputs = _prepare(ws)
    table = score_parks(inputs, month=month, settings=ws.settings)
    with ws.transaction() as tx:
        tx.write("site_assignment", assignment)
        tx.replace_part("park_scores", table, ["month"])  # other months keep their rows
    click.echo(f"park scores {table['month'].iloc[0]} (0-100, higher is better):")
    for row in table.itertuples(index=False):
        change = "" if pd.isna(row.rank_change) else f" ({int(row.rank_change):+d})"
        missing = f"  no data: {row.missing_zh}" if row.missing_zh else ""
        click.echo(
            f"  {_fmt(row.rank, 'd') if pd.notna(row.rank) else '-':>3}{change:<5} "
            f"{row.park_name}  {_fmt(row.total)}{missing}"
        )
    hints = {
        "air": (
            not ws.has("station_monthly"),
            "no monthly PM2.5: run geoair indicators --period month --by station",
        ),
        "dustfall": (True, "no dustfall: geoair import dustfall FILE (station, month, 降尘)"),
        "road_dust": (
            not ws.has("road_dust"),
            "no road dust load: geoair import road_dust FILE (园区名称, 月份, 积尘负荷 g/m²)",
        ),
    }
    for name, (applies, hint) in hints.items():
        if applies and table[f"{name}_score"].isna().all():
            click.echo(f"  hint: {hint}")
    if out_path is not None:
        frame = park_ranking_sheet(table) if _is_sheet(out_path) else table
        write_out(frame, out_path, layer="园区排名" if _is_sheet(out_path) else "park_scores")


@command.command("enterprises")
@workspace_option
@month_option
@click.option(
    "--benchmark",
    is_flag=True,
    help="Show (and with --out write) only the benchmark candidates per county: "
    "producing normally, no open case, within the county's quota.",
)
@out_option
def enterprises(
    workspace_dir: Path | None, month: str | None, benchmark: bool, out_path: Path | None
) -> None:
    """Score the enterprises for a month (table enterprise_scores)."""
    from geoair.scores.enterprises import enterprise_ranking_sheet, score_enterprises

    ws = get_workspace(workspace_dir)
    assignment, inputs = _prepare(ws)
    table = score_enterprises(inputs, month=month, settings=ws.settings)
    with ws.transaction() as tx:
        tx.write("site_assignment", assignment)
        tx.replace_part("enterprise_scores", table, ["month"])  # other months keep theirs
    click.echo(
        f"enterprise scores {table['month'].iloc[0]}: {len(table)} enterprises, "
        f"{int(table['rank'].notna().sum())} ranked"
    )
    if benchmark:
        for _county, rows in table.groupby("county", dropna=False, sort=True):
            chosen = rows[rows["benchmark"]].sort_values("benchmark_rank")
            click.echo(f"  {rows['benchmark_note'].iloc[0]}")
            for row in chosen.itertuples(index=False):
                click.echo(f"    {row.benchmark_rank}. {row.name}  {_fmt(row.total)}")
    else:
        for row in table.head(10).itertuples(index=False):
            click.echo(
                f"  {_fmt(row.rank, 'd') if pd.notna(row.rank) else '-':>3} "
                f"{row.name} ({row.county})  {_fmt(row.total)}"
            )
    if out_path is not None:
        frame = (
            enterprise_ranking_sheet(table, benchmark_only=benchmark)
            if _is_sheet(out_path)
            else table[table["benchmark"]]
            if benchmark
            else table
        )
        write_out(frame, out_path, layer="标杆企业候选" if benchmark else "企业得分")
