"""Time `ltvcac attribute` end to end against ChannelAttribution's read + model, side by side.

    python bench/bench_attribution.py                       # --quick: 100k paths, 3 alternated runs
    python bench/bench_attribution.py --paths 1000000 --repeats 3
    python bench/bench_attribution.py --paths 1000000 --channels 12 --max-length 15

Each run is a whole process, timed from outside (start-up, imports and reading included), with its
peak memory (max RSS of the child). Ours: ``ltvcac attribute PATHS.csv --model M --out ...`` (and
once more with ``--stats-dir``); the peer: ``bench/peer_attribution.py`` (``pandas.read_csv`` then
ChannelAttribution 2.2.5's ``markov_model`` or ``heuristic_models`` with its defaults), when it is
installed (``pip install -e ".[bench]"``). Runs alternate ours, peer, ours, peer...; the table shows
medians and the ratio ours / peer of the medians. Paths are random and distinct (see journey_data.py).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from journey_data import paths_file

HERE = Path(__file__).resolve().parent
CASES = [("markov order 1", ["--model", "markov", "--order", "1"], ["--model", "markov", "--order", "1"]),
         ("markov order 3", ["--model", "markov", "--order", "3"], ["--model", "markov", "--order", "3"]),
         ("heuristics", ["--model", "linear"], ["--model", "heuristics"])]


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak MiB (max RSS) of one whole process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} failed with exit code {child.returncode}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=100_000)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--max-length", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()), help="where data is cached")
    parser.add_argument("--quick", action="store_true", help="10 000 paths, one run each (about a minute)")
    args = parser.parse_args()
    if args.quick:
        args.paths, args.repeats = 10_000, 1
    csv = paths_file(args.paths, args.folder, args.channels, args.max_length, 0.3 if args.max_length <= 8 else 0.15)
    peer = importlib.util.find_spec("ChannelAttribution") is not None
    ltvcac = shutil.which("ltvcac") or "ltvcac"
    out = Path(tempfile.mkdtemp())
    print(f"{csv.name}: {args.paths} distinct paths, medians of {args.repeats} alternated runs"
          + ("" if peer else " (ChannelAttribution not installed: ours only)"))
    print(f"{'case':<16}{'ours s':>8}{'+stats s':>10}{'peer s':>8}{'ours/peer':>10}{'stats +':>9}"
          f"{'ours MiB':>10}{'peer MiB':>10}")
    for name, ours_args, peer_args in CASES:
        ours, stats, theirs = [], [], []
        for _ in range(args.repeats):
            ours.append(timed([ltvcac, "attribute", str(csv), *ours_args, "--out", str(out / "a.csv")]))
            stats.append(timed([ltvcac, "attribute", str(csv), *ours_args, "--out", str(out / "a.csv"),
                                "--stats-dir", str(out / "stats")]))
            if peer:
                theirs.append(timed([sys.executable, str(HERE / "peer_attribution.py"), str(csv), *peer_args]))
        a, s = (statistics.median(t for t, _ in runs) for runs in (ours, stats))
        b = statistics.median(t for t, _ in theirs) if theirs else float("nan")
        memory = [statistics.median(m for _, m in runs) if runs else float("nan") for runs in (ours, theirs)]
        print(f"{name:<16}{a:>8.2f}{s:>10.2f}{b:>8.2f}{a / b:>10.2f}{s / a - 1:>9.0%}{memory[0]:>10.0f}"
              f"{memory[1]:>10.0f}", flush=True)


if __name__ == "__main__":
    main()
