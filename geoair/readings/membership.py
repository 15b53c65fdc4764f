"""Which stations make the value of a county, a park or a county-level unit (开发区).

Membership tables (``station_id`` and ``county`` or ``park``) for
:func:`geoair.readings.indicators.group_daily` and :mod:`geoair.readings.targets`: a
county's national and provincial stations (its park stations when it has none), the air
stations inside each park polygon, and the park stations that stand for units without
a county of their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import pandas as pd

from geoair.errors import IndicatorError
from geoair.messages import t

__all__ = [
    "county_membership",
    "county_target_names",
    "county_unit_membership",
    "park_membership",
    "unit_membership",
    "unit_parks",
]


def county_membership(
    stations: pd.DataFrame,
    *,
    kinds: Sequence[str] = ("国控", "省控"),
    fallback_kinds: Sequence[str] = ("园区站",),
) -> pd.DataFrame:
    """``station_id, county`` of the stations whose values make each county's value.

    A county's stations of ``kinds`` (国控, 省控); a county with none of those uses its
    ``fallback_kinds`` stations (园区站) instead, so that it is not left without a
    value; :func:`geoair.readings.targets.check_targets` says so in its ``basis`` column.
    """
    if "county" not in stations.columns:
        return pd.DataFrame({"station_id": pd.Series(dtype=str), "county": pd.Series(dtype=str)})
    frame = pd.DataFrame(
        {
            "station_id": stations["id"].astype(str).to_numpy(),
            "county": stations["county"].to_numpy(),
            "kind": stations["kind"].to_numpy() if "kind" in stations else None,
        }
    )
    frame = frame.dropna(subset=["county"])
    main = frame[frame["kind"].isin(list(kinds))]
    spare = frame[frame["kind"].isin(list(fallback_kinds)) & ~frame["county"].isin(main["county"])]
    out = pd.concat([main, spare], ignore_index=True)
    return out[["station_id", "county"]].reset_index(drop=True)


def park_membership(
    stations: pd.DataFrame,
    parks: pd.DataFrame,
    *,
    kinds: Sequence[str] = ("国控", "省控", "园区站"),
) -> pd.DataFrame:
    """``station_id, park`` of air stations inside a park polygon (by park name)."""
    import geopandas as gpd

    if parks is None or stations is None or len(parks) == 0:
        return pd.DataFrame({"station_id": pd.Series(dtype=str), "park": pd.Series(dtype=str)})
    pts = stations[stations["kind"].isin(list(kinds))] if "kind" in stations else stations
    joined = gpd.sjoin(  # stations and parks are layers: GeoDataFrames
        cast(gpd.GeoDataFrame, pts[["id", "geometry"]]),
        cast(gpd.GeoDataFrame, parks[["name", "geometry"]]).to_crs(pts.crs),
        predicate="within",
        how="inner",
    )
    return pd.DataFrame(
        {"station_id": joined["id"].astype(str).to_numpy(), "park": joined["name"].to_numpy()}
    ).reset_index(drop=True)


def unit_parks(
    units: Sequence[str],
    parks: pd.DataFrame | None,
    *,
    explicit: Mapping[str, Sequence[str] | str] | None = None,
    by_name: bool = True,
) -> dict[str, list[str]]:
    """Parks that stand for county-level units without a county of their own (开发区).

    阳政办发〔2020〕131号's annexes set PM2.5 and good-day targets for 开发区 beside the counties;
    it has no county polygon and no station whose county is 开发区, but it is a park
    (in the sample 阳泉经济技术开发区（高新区）) with a park station.

    Parameters
    ----------
    units : sequence of str
        Unit names to match by name (county targets that no station's county carries).
    parks : DataFrame or None
        The ``parks`` layer (``id``, ``name``).
    explicit : mapping of str to list of str, optional
        ``[targets.park_units]``: unit name -> park ids or names. Always used, for
        every unit it names, whether in ``units`` or not.
    by_name : bool
        ``[targets] park_units_by_name``: a unit of ``units`` without an explicit link
        is matched to every park whose name contains the unit's name (开发区 ->
        阳泉经济技术开发区（高新区）, 高新区 -> the same park); no match, no link.

    Returns
    -------
    dict of str to list of str
        Unit name -> names of its parks, in the order of the parks layer.

    Raises
    ------
    IndicatorError
        An explicit link names a park that the parks layer does not have.
    """
    explicit = dict(explicit or {})
    if parks is None or len(parks) == 0 or "name" not in parks:
        if explicit:
            raise IndicatorError(t("error.readings.park_units_no_parks", units=", ".join(explicit)))
        return {}
    names = parks["name"].astype(str).tolist()
    ids = parks["id"].astype(str).tolist() if "id" in parks else names
    by_key = {**dict(zip(names, names, strict=True)), **dict(zip(ids, names, strict=True))}
    links: dict[str, list[str]] = {}
    problems = []
    for unit, given in explicit.items():
        keys = list(given) if isinstance(given, list | tuple) else [given]
        unknown = [str(k) for k in keys if str(k) not in by_key]
        if unknown:
            problems.append(f"{unit} = {', '.join(unknown)}")
            continue
        chosen = {by_key[str(k)] for k in keys}
        links[str(unit)] = [n for n in dict.fromkeys(names) if n in chosen]
    if problems:
        raise IndicatorError(
            t(
                "error.readings.park_units_unknown",
                problems=t("word.clause_sep").join(problems),
                examples=", ".join(ids[:3]),
            )
        )
    if by_name:
        for unit in dict.fromkeys(str(u).strip() for u in units):
            if unit and unit not in links:
                found = [n for n in dict.fromkeys(names) if unit in n]
                if found:
                    links[unit] = found
    return links


def unit_membership(
    stations: pd.DataFrame, parks: pd.DataFrame | None, links: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """``station_id, county`` of the air stations inside the parks of each linked unit
    (:func:`unit_parks`); ``county`` holds the unit's name."""
    empty = pd.DataFrame({"station_id": pd.Series(dtype=str), "county": pd.Series(dtype=str)})
    if not links or parks is None:
        return empty
    inside = park_membership(stations, parks)
    frames = [
        pd.DataFrame(
            {
                "station_id": inside.loc[inside["park"].isin(list(names)), "station_id"].to_numpy(),
                "county": unit,
            }
        )
        for unit, names in links.items()
    ]
    out = pd.concat([empty, *frames], ignore_index=True)
    return out.drop_duplicates().reset_index(drop=True)


def county_target_names(targets: pd.DataFrame | None) -> list[str]:
    """The ``target_name`` of every county-scope target (the county-level units)."""
    if targets is None or len(targets) == 0 or not {"scope", "target_name"} <= set(targets):
        return []
    names = targets.loc[targets["scope"].astype(str) == "county", "target_name"]
    return list(dict.fromkeys(names.dropna().astype(str)))


def county_unit_membership(
    stations: pd.DataFrame,
    parks: pd.DataFrame | None,
    *,
    kinds: Sequence[str] = ("国控", "省控"),
    units: Sequence[str] = (),
    park_units: Mapping[str, Sequence[str] | str] | None = None,
    by_name: bool = True,
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Counties' stations (:func:`county_membership`) and units judged from parks.

    A unit of ``units`` (e.g. the county names of the targets) that no station's
    county carries, and every unit of ``park_units``, gets the air stations inside
    its park(s) (:func:`unit_parks`); an explicit link replaces a county's own stations.

    Returns
    -------
    (members, links)
        ``station_id, county`` rows, and unit name -> park names for the units
        judged from parks.
    """
    members = county_membership(stations, kinds=kinds)
    have = set(members["county"].astype(str))
    wanted = [u for u in dict.fromkeys(str(u) for u in units) if u not in have]
    links = unit_parks(wanted, parks, explicit=park_units, by_name=by_name)
    if not links:
        return members, {}
    extra = unit_membership(stations, parks, links)
    members = members[~members["county"].isin(list(links))]
    out = pd.concat([members, extra], ignore_index=True).reset_index(drop=True)
    return out, links
