"""KML 2.2 for field tablets and phone map apps: one folder and one colour per category.

:func:`kml_document` builds the text; :func:`geoair.reports.export.export_frame`
writes it (atomically) for ``--format kml``. Coordinates must already be
longitude/latitude (WGS-84, or GCJ-02 when the label says so).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html import escape
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd

from geoair.errors import OutputError
from geoair.io.xmlsafe import xml_bytes
from geoair.reports.values import _humanise, _zh_headers

__all__ = ["KML_NAME_FIELDS", "KML_STYLE_FIELDS", "kml_document"]


# Field used to style and group KML placemarks, first present wins.
KML_STYLE_FIELDS = (
    "status",
    "kind",
    "treatment",
    "measure",
    "industry",
    "road_class",
    "key_park",
    "county",
)
KML_NAME_FIELDS = ("name", "enterprise_name", "target_name", "id", "station_id")
# KML colours are aabbggrr. Known categories get a meaning; others take the palette.
_KML_KNOWN_COLOURS = {
    "正常生产": "ff2ca02c",
    "依法停产": "ff0e7fff",
    "依法关闭": "ff7f7f7f",
    "自然停产": "ffb4771f",
    "国控": "ff2827d6",
    "省控": "ff0e7fff",
    "园区站": "ffbd6794",
    "降尘点": "ff4b568c",
    "微站": "ffc2c217",
    "已治理": "ff2ca02c",
    "治理中": "ff0e7fff",
    "未治理": "ff2827d6",
    "立行立改": "ff2ca02c",
    "停产整治": "ff0e7fff",
    "立案处罚": "ff2827d6",
}
_KML_PALETTE = (
    "ffb4771f",
    "ff0e7fff",
    "ff2ca02c",
    "ff2827d6",
    "ffbd6794",
    "ff4b568c",
    "ffc277e3",
    "ff7f7f7f",
    "ff22bdbc",
    "ffcfbe17",
)
_KML_NS = "http://www.opengis.net/kml/2.2"


def _kml_coords(coords: np.ndarray) -> str:
    return " ".join(f"{x:.9f},{y:.9f}" for x, y in np.asarray(coords)[:, :2])


def _kml_geometry(parent: ET.Element, geom) -> None:
    kind = geom.geom_type
    if kind == "Point":
        ET.SubElement(ET.SubElement(parent, "Point"), "coordinates").text = _kml_coords(
            np.array([[geom.x, geom.y]])
        )
    elif kind == "LineString":
        ET.SubElement(ET.SubElement(parent, "LineString"), "coordinates").text = _kml_coords(
            np.asarray(geom.coords)
        )
    elif kind == "Polygon":
        polygon = ET.SubElement(parent, "Polygon")
        ring = ET.SubElement(ET.SubElement(polygon, "outerBoundaryIs"), "LinearRing")
        ET.SubElement(ring, "coordinates").text = _kml_coords(np.asarray(geom.exterior.coords))
        for interior in geom.interiors:
            ring = ET.SubElement(ET.SubElement(polygon, "innerBoundaryIs"), "LinearRing")
            ET.SubElement(ring, "coordinates").text = _kml_coords(np.asarray(interior.coords))
    else:  # Multi* and collections
        multi = ET.SubElement(parent, "MultiGeometry")
        for part in geom.geoms:
            _kml_geometry(multi, part)


def _kml_style(document: ET.Element, style_id: str, colour: str) -> None:
    style = ET.SubElement(document, "Style", id=style_id)
    icon_style = ET.SubElement(style, "IconStyle")
    ET.SubElement(icon_style, "color").text = colour
    ET.SubElement(
        ET.SubElement(icon_style, "Icon"), "href"
    ).text = "http://maps.google.com/mapfiles/kml/paddle/wht-blank.png"
    line = ET.SubElement(style, "LineStyle")
    ET.SubElement(line, "color").text = colour
    ET.SubElement(line, "width").text = "2"
    poly = ET.SubElement(style, "PolyStyle")
    ET.SubElement(poly, "color").text = "66" + colour[2:]


def kml_document(
    frame: gpd.GeoDataFrame,
    *,
    layer: str,
    style_by: str | None = None,
    crs_label: str = "WGS-84 (EPSG:4326)",
) -> bytes:
    """KML text for a layer: one folder and one style (colour) per category.

    Parameters
    ----------
    frame : GeoDataFrame
        Longitude/latitude coordinates (WGS-84, or GCJ-02 when labelled so).
    layer : str
        Layer name, for the document name and the Chinese headers of known kinds.
    style_by : str, optional
        Column whose values choose folder and colour; default the first of
        :data:`KML_STYLE_FIELDS` present.
    crs_label : str
        Written into the document description.

    Returns
    -------
    bytes
        UTF-8 KML 2.2. Each placemark has a Chinese name, an HTML description with the
        Chinese headers, and ExtendedData with every attribute (GIS software reads those).
    """
    table = _humanise(frame, dates_as_text=True)
    geometry = cast(str, table.geometry.name)  # a column label
    attrs = [c for c in table.columns if c != geometry]
    if style_by is None:
        style_by = next((c for c in KML_STYLE_FIELDS if c in attrs), None)
    elif style_by not in attrs:
        raise OutputError(
            f"--style-by {style_by!r}: the layer has no such field. It has: {', '.join(attrs)}."
        )
    name_field = next((c for c in KML_NAME_FIELDS if c in attrs), None)
    zh = _zh_headers(layer)
    ET.register_namespace("", _KML_NS)
    kml = ET.Element("kml", xmlns=_KML_NS)
    document = ET.SubElement(kml, "Document")
    ET.SubElement(document, "name").text = layer
    ET.SubElement(document, "description").text = f"geoair 导出 {layer}；坐标系 {crs_label}"
    categories = (
        ["(全部)"]
        if style_by is None
        else sorted(
            {
                "(空)"
                if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
                else str(v)
                for v in table[style_by]
            }
        )
    )
    styles: dict[str, str] = {}
    palette = iter(_KML_PALETTE * (len(categories) // len(_KML_PALETTE) + 1))
    for number, category in enumerate(categories):
        style_id = f"s{number}"
        colour = _KML_KNOWN_COLOURS.get(category) or next(palette)
        _kml_style(document, style_id, colour)
        styles[category] = style_id
    folders = {}
    for category in categories:
        folder = ET.SubElement(document, "Folder")
        label = category if style_by is None else f"{zh.get(style_by, style_by)}：{category}"
        ET.SubElement(folder, "name").text = label
        folders[category] = folder
    for _, row in table.iterrows():
        geom = row[geometry]
        if geom is None or geom.is_empty:
            continue
        value = None if style_by is None else row[style_by]
        category = (
            "(全部)"
            if style_by is None
            else "(空)"
            if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
            else str(value)
        )
        placemark = ET.SubElement(folders[category], "Placemark")
        title = row[name_field] if name_field else None
        ET.SubElement(placemark, "name").text = "" if title is None else str(title)
        cells = []
        extended = ET.Element("ExtendedData")
        for column in attrs:
            cell = row[column]
            text = (
                ""
                if cell is None or cell is pd.NA or (isinstance(cell, float) and np.isnan(cell))
                else str(cell)
            )
            cells.append(
                f"<tr><th>{escape(zh.get(column, column))}</th><td>{escape(text)}</td></tr>"
            )
            data = ET.SubElement(extended, "Data", name=str(column))
            ET.SubElement(data, "value").text = text
        ET.SubElement(placemark, "description").text = "<table>" + "".join(cells) + "</table>"
        ET.SubElement(placemark, "styleUrl").text = f"#{styles[category]}"
        placemark.append(extended)
        _kml_geometry(placemark, geom)
    return xml_bytes(kml)
