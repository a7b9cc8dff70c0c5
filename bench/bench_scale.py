"""Time whole commands on a large channel table: optimize, report, a frontier of 400 budgets, a time limit.

    python bench/bench_scale.py --quick     # 1 000 channels, one run each (about a minute)
    python bench/bench_scale.py             # 10 000 channels, medians of 3 runs (a few minutes)

The table is bench_optimize's random instance (mixed curves, caps, locked channels). Each command runs
as a user runs it (``ltvcac ...`` in its own process, so start-up, reading and writing count); the
figures are medians of wall seconds and the peak memory of the command (the largest so far: the
operating system keeps the maximum over finished children). ``--time-limit 20`` with ``--max-active``
a tenth of the channels (about 5 % are locked, so fewer cannot hold) shows whether the limit covers the
whole command.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench_optimize import instance

CASES = {
    "optimize": ["optimize", "{table}", "-q"],
    "report (21-budget frontier)": ["report", "{table}", "--out", "{out}/r.html", "-q"],
    "frontier --steps 400": ["frontier", "{table}", "--steps", "400", "--out", "{out}/f.csv", "-q"],
    "--max-active N/10 --time-limit 20": ["optimize", "{table}", "--max-active", "{active}", "--time-limit", "20",
                                          "-q"],
}


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak MiB of the children so far (the largest child: ru_maxrss is a maximum)."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 000 channels, one run each")
    args = parser.parse_args()
    if args.quick:
        args.channels, args.repeats = 1_000, 1
    ltvcac = shutil.which("ltvcac") or "ltvcac"
    with tempfile.TemporaryDirectory() as folder:
        table = Path(folder) / f"channels_{args.channels}.csv"
        instance(args.channels).to_csv(table, index=False)
        print(f"{args.channels} channels; medians of {args.repeats} runs of the whole command")
        print(f"{'case':<34}{'wall s':>9}{'peak MiB':>10}")
        for name, words in CASES.items():
            command = [ltvcac, *(w.format(table=table, out=folder, active=args.channels // 10) for w in words)]
            runs = [timed(command) for _ in range(args.repeats)]
            print(f"{name:<34}{statistics.median(s for s, _ in runs):>9.2f}{max(m for _, m in runs):>10.0f}",
                  flush=True)


if __name__ == "__main__":
    main()
