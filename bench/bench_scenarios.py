"""Time `ltvcac run scenarios/*.toml` (all example scenarios in one command), end to end.

    python bench/bench_scenarios.py --repeats 5

Includes Python start-up and imports, as a user would see it; prints every run and the median.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one run")
    args = parser.parse_args()
    if args.quick:
        args.repeats = 1
    scenarios = sorted(str(p) for p in (ROOT / "scenarios").glob("*.toml"))
    command = shutil.which("ltvcac") or "ltvcac"
    times = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(args.repeats):
            start = time.perf_counter()
            done = subprocess.run([command, "run", *scenarios, "--out-dir", out, "-q"], capture_output=True)
            times.append(time.perf_counter() - start)
            assert done.returncode == 3, done.stderr  # the infeasible example, on purpose
    print(f"{len(scenarios)} scenarios, runs: {', '.join(f'{t:.2f}' for t in times)} s; "
          f"median {statistics.median(times):.2f} s")


if __name__ == "__main__":
    main()
