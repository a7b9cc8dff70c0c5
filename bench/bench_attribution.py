"""Time `ltvcac attribute` end to end against ChannelAttribution's read + model, side by side.

    python bench/bench_attribution.py                       # --quick: 100k paths, 3 alternated runs
    python bench/bench_attribution.py --paths 1000000 --repeats 3
    python bench/bench_attribution.py --paths 1000000 --channels 12 --max-length 15

Each run is a whole process, timed from outside (start-up, imports and reading included), with its
peak memory (max RSS of the child). Ours: ``ltvcac attribute PATHS.csv --model M --out ...``, and the
same with ``--stats-dir``; the peer: ``bench/peer_attribution.py`` (``pandas.read_csv`` then
ChannelAttribution 2.2.5's ``markov_model`` or ``heuristic_models`` with its defaults), when it is
installed (``pip install -e ".[bench]"``). Each round runs the three, in a rotating order, back to
back; ratios are taken round by round (ours / peer, with stats / without) and their medians shown,
so a machine whose speed drifts moves both sides of a ratio alike. Paths are random and distinct
(see journey_data.py).
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from isolated import timed
from journey_data import paths_file

HERE = Path(__file__).resolve().parent
CASES = [("markov order 1", ["--model", "markov", "--order", "1"], ["--model", "markov", "--order", "1"]),
         ("markov order 3", ["--model", "markov", "--order", "3"], ["--model", "markov", "--order", "3"]),
         ("heuristics", ["--model", "linear"], ["--model", "heuristics"])]


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
    print(f"{csv.name}: {args.paths} distinct paths; medians of {args.repeats} rounds, ratios taken round by round"
          + ("" if peer else " (ChannelAttribution not installed: ours only)"))
    print(f"{'case':<16}{'ours s':>8}{'+stats s':>10}{'peer s':>8}{'ours/peer':>10}{'stats +':>9}"
          f"{'ours MiB':>10}{'peer MiB':>10}")
    for name, ours_args, peer_args in CASES:
        commands = {"ours": [ltvcac, "attribute", str(csv), *ours_args, "--out", str(out / "a.csv")]}
        commands["stats"] = [*commands["ours"], "--stats-dir", str(out / "stats")]
        if peer:
            commands["peer"] = [sys.executable, str(HERE / "peer_attribution.py"), str(csv), *peer_args]
        runs: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
        for r in range(args.repeats):
            keys = list(commands)
            for key in keys[r % len(keys):] + keys[:r % len(keys)]:  # rotate who goes first
                runs[key].append(timed(commands[key]))
        print(row(name, runs), flush=True)


def row(name: str, runs: dict[str, list[tuple[float, float]]]) -> str:
    """One line of the table: medians of the times, medians of the round-by-round ratios, peak memory."""
    def median(key: str, part: int = 0) -> float:
        return statistics.median(r[part] for r in runs[key]) if runs.get(key) else float("nan")

    def ratio(a: str, b: str) -> float:
        if not runs.get(b):
            return float("nan")
        return statistics.median(x[0] / y[0] for x, y in zip(runs[a], runs[b], strict=True))

    return (f"{name:<16}{median('ours'):>8.2f}{median('stats'):>10.2f}{median('peer'):>8.2f}"
            f"{ratio('ours', 'peer'):>10.2f}{ratio('stats', 'ours') - 1:>9.0%}{median('ours', 1):>10.0f}"
            f"{median('peer', 1):>10.0f}")


if __name__ == "__main__":
    main()
