"""Benchmark: how long ``geoair --version`` and ``geoair --help`` take to start.

A clerk types ``geoair --help`` before anything else; it must answer at once. geoair's
command line imports the library inside each command, so starting it loads only click.
The baseline is ``rio --version`` (rasterio's command line, installed with geoair),
the model the style guide names, and ``python -c pass`` shows the interpreter's own
start. CPU time (user + system) of each whole process is measured with
``os.wait4``, the best of ``--repeat`` runs, alternating the commands so that a busy
machine slows both alike.

Usage::

    python scripts/bench_cli_start.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time


def cpu_and_wall(argv: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of ``argv``, output discarded."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed")
    return usage.ru_utime + usage.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    commands = {
        "geoair --version": [sys.executable, "-m", "geoair", "--version"],
        "geoair --help": [sys.executable, "-m", "geoair", "--help"],
        "python -c pass": [sys.executable, "-c", "pass"],
    }
    rio = shutil.which("rio")
    if rio:
        commands["rio --version (baseline)"] = [rio, "--version"]
    best = {name: (float("inf"), float("inf")) for name in commands}
    for _ in range(args.repeat):
        for name, argv in commands.items():
            cpu, wall = cpu_and_wall(argv)
            best[name] = (min(best[name][0], cpu), min(best[name][1], wall))
    print(f"best of {args.repeat} runs, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for name, (cpu, wall) in best.items():
        print(f"  {name:<28} CPU {cpu:6.3f} s   wall {wall:6.3f} s")
    if rio:
        ours, base = best["geoair --version"][0], best["rio --version (baseline)"][0]
        print(f"geoair --version / rio --version (CPU): {ours / base:.2f}")
    met = best["geoair --version"][0] < 0.3
    print(f"target: geoair --version under 0.3 s of CPU: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
