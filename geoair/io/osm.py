"""Roads from files: OpenStreetMap extracts (``.osm.pbf``, ``.osm``) and ordinary layers.

An OpenStreetMap extract (for example Shanxi's from a Geofabrik mirror, copied onto
the intranet machine) is read through GDAL's OSM driver with pyogrio: only the
``lines`` layer, only ways tagged ``highway``, and not the kinds that are not
roads to sweep (footways, steps, paths, ... see ``osm_skip_highway`` in
``[gate_roads]`` of ``geoair.toml``). OpenStreetMap is in WGS-84 already.

Any other file (GeoPackage, Shapefile, GeoJSON, ...) goes through the same
validation as ``geoair import roads FILE`` (headers in Chinese or English, shifted
coordinates with ``coords``), so that ``geoair gate-roads --roads FILE`` accepts the
same files as the import does.

Examples
--------
>>> roads = read_roads("shanxi-latest.osm.pbf")              # doctest: +SKIP
>>> roads[["id", "name", "road_class"]].head()                # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pyogrio
import pyogrio.errors

from geoair.errors import InputFileError
from geoair.io.crs import WGS84
from geoair.messages import t
from geoair.store.settings import DEFAULT_SETTINGS

__all__ = ["DEFAULT_SKIP_HIGHWAY", "OSM_SUFFIXES", "is_osm_file", "read_osm_roads"]


log = logging.getLogger(__name__)

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm")

DEFAULT_SKIP_HIGHWAY = DEFAULT_SETTINGS.gate_roads.osm_skip_highway
"""``highway`` values that are not carriageways to sweep (OpenStreetMap wiki, Key:highway)."""

_OSM_COLUMNS = ["osm_id", "name", "highway", "other_tags"]


def is_osm_file(path: Path | str) -> bool:
    """True for an OpenStreetMap extract (``.osm.pbf``, ``.pbf``, ``.osm``)."""
    return Path(path).name.lower().endswith(OSM_SUFFIXES)


def _sql_list(values: Iterable[str]) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def read_osm_roads(
    path: Path | str,
    *,
    skip_highway: Iterable[str] = DEFAULT_SKIP_HIGHWAY,
    bbox: tuple[float, float, float, float] | None = None,
) -> gpd.GeoDataFrame:
    """Read the road lines of an OpenStreetMap extract.

    Parameters
    ----------
    path : path
        ``.osm.pbf`` or ``.osm`` (XML) file.
    skip_highway : iterable of str
        ``highway`` values to leave out.
    bbox : (west, south, east, north), optional
        Keep only ways meeting this box (WGS-84 degrees); saves memory on big extracts.

    Returns
    -------
    GeoDataFrame
        ``id`` (``osm:way/<id>``), ``name`` (``name``, else ``name:zh``),
        ``road_class`` (the ``highway`` value), line geometry, EPSG:4326.

    Raises
    ------
    InputFileError
        The file is missing or not an OpenStreetMap extract.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(t("error.io.no_file", path=path))
    where = "highway IS NOT NULL"
    skip = list(skip_highway)
    if skip:
        where += f" AND highway NOT IN ({_sql_list(skip)})"
    try:
        try:
            frame = pyogrio.read_dataframe(
                path, layer="lines", columns=_OSM_COLUMNS, where=where, bbox=bbox
            )
        except pyogrio.errors.DataLayerError as exc:
            if "OSM_USE_CUSTOM_INDEXING" not in str(exc):
                raise
            # an extract whose node ids are not sorted: GDAL's slower general index
            log.info("%s: node ids not sorted; reading with GDAL's general index", path.name)
            frame = _read_unsorted(path, where=where, bbox=bbox)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputFileError(t("error.io.not_osm", name=path.name, detail=exc)) from None
    name = frame["name"].astype("string")
    zh = (
        frame["other_tags"]
        .astype("string")
        .str.extract(r'"name:zh"=>"((?:[^"\\]|\\.)*)"', expand=False)
    )
    name = name.where(name.notna() & (name.str.strip() != ""), zh)
    out = gpd.GeoDataFrame(
        {
            "id": "osm:way/" + frame["osm_id"].astype(str),
            "name": name.astype(object).where(name.notna(), None),
            "road_class": frame["highway"].astype(object),
        },
        geometry=frame.geometry.values,
        crs=frame.crs or WGS84,
    )
    log.info("%s: %d highway lines", path.name, len(out))
    return out


def _read_unsorted(path: Path, *, where: str, bbox) -> gpd.GeoDataFrame:
    """Read the lines with ``OSM_USE_CUSTOM_INDEXING=NO``, restoring the setting after."""
    before = pyogrio.get_gdal_config_option("OSM_USE_CUSTOM_INDEXING")
    pyogrio.set_gdal_config_options({"OSM_USE_CUSTOM_INDEXING": "NO"})
    try:
        return pyogrio.read_dataframe(
            path, layer="lines", columns=_OSM_COLUMNS, where=where, bbox=bbox
        )
    finally:
        pyogrio.set_gdal_config_options({"OSM_USE_CUSTOM_INDEXING": before})
