"""Benchmark: import of a large enterprise layer against pyogrio's raw Arrow read.

Builds a GeoPackage of N enterprise points over Shanxi (seeded; Chinese headers,
enumerations, yes/no, grades as a bureau's ledger has them), then times in one run:

- ``pyogrio.read_dataframe(use_arrow=True)``: reading alone, the floor;
- geoair's reading stage (``imports.read_source``): the same read plus header matching;
- geoair's validation (``imports.prepare_rows``): every value parsed, coordinates
  checked against China's outline, ids and duplicates;
- ``imports.import_file`` end to end: all of the above plus the atomic write into a
  fresh workspace;
- the obvious approach to validation: parsing every cell with the same parsers row by
  row (``DataFrame.apply``), which is what geoair did before distinct values were
  parsed once.

Usage: ``python scripts/bench_import.py [--n 1000000]``.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geoair.imports.pipeline import _parser, import_file, prepare_rows, read_source
from geoair.store.open import init_workspace
from geoair.store.schema import spec_for


def build(path: Path, n: int, seed: int = 20240305) -> None:
    rng = np.random.default_rng(seed)
    frame = gpd.GeoDataFrame(
        {
            "企业编号": [f"E{i:07d}" for i in range(n)],
            "企业名称": [f"山西某某{i}有限公司" for i in range(n)],
            "县区": rng.choice(["城区", "矿区", "郊区", "平定县", "盂县"], n),
            "行业": rng.choice(["焦化", "水泥", "耐火材料", "洗煤", "铸造", "陶瓷"], n),
            "规模以上": rng.choice(["是", "否"], n),
            "绩效等级": rng.choice(["A", "B", "C", "D", "引领性"], n),
            "生产状态": rng.choice(["正常生产", "依法停产", "自然停产"], n, p=[0.9, 0.05, 0.05]),
        },
        geometry=shapely.points(rng.uniform(110.5, 114.3, n), rng.uniform(35.0, 40.5, n)),
        crs=4326,
    )
    pyogrio.write_dataframe(frame, path, layer="enterprises")


def timed(label: str, function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    seconds = time.perf_counter() - start
    print(f"  {label:<58} {seconds:7.2f} s")
    return result, seconds


def row_by_row(raw) -> None:
    spec = spec_for("enterprises")
    for spec_field in spec.fields:
        column = raw.columns.get(spec_field.name)
        if column is None:
            continue
        parse = _parser(spec_field)
        raw.cells[column].apply(parse)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="number of enterprises")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        source = folder / "enterprises.gpkg"
        print(f"building {args.n:,} enterprises ...")
        build(source, args.n)
        spec = spec_for("enterprises")
        print(f"{args.n:,} points, {source.stat().st_size / 1e6:.0f} MB GeoPackage:")
        _, raw_read = timed(
            "pyogrio.read_dataframe(use_arrow=True)", pyogrio.read_dataframe, source, use_arrow=True
        )
        raw, read_s = timed(
            "geoair read_source (read + header matching)", read_source, spec, source
        )
        _, prepare_s = timed("geoair prepare_rows (parse, check, ids)", prepare_rows, spec, raw)
        _, naive_s = timed("obvious: every cell parsed row by row (values only)", row_by_row, raw)
        ws = init_workspace(folder / "ws")
        _, total_s = timed(
            "geoair import_file end to end (read, check, write)",
            import_file,
            ws,
            "enterprises",
            source,
        )
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
        print(f"reading: geoair / pyogrio = {read_s / raw_read:.2f}")
        print(
            f"validation: row by row / geoair = {naive_s / prepare_s:.1f}x "
            "(geoair's figure includes the in-China test and ids)"
        )
        print(f"whole import / raw read = {total_s / raw_read:.1f}x; peak memory {peak_gb:.2f} GB")
        print(
            f"versions: pandas {pd.__version__}, pyogrio {pyogrio.__version__}, "
            f"shapely {shapely.__version__}"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
