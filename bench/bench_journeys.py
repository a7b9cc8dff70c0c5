"""Time building journeys from an event log, each size in its own process, with its peak memory.

    python bench/bench_journeys.py --quick                          # 100 000 events, one run
    python bench/bench_journeys.py                                  # 1M events, 3 runs
    python bench/bench_journeys.py --events 10000000 --repeats 3
    python bench/bench_journeys.py --events 50000000 --repeats 1 --delete

Logs come from journey_data.py: Parquet, written 5M rows at a time (so making a 50M-row log needs
little memory), cached under --folder; --delete removes each log after its runs. Each run is a
child process doing ``build_journeys(LOG)`` (start-up, imports and reading included), timed from
outside, with the child's max RSS. DuckDB's buffer pool is capped at 3 GB and spills to the
temporary folder, and it is closed before the paths are built in numpy, so the peak stays bounded
however long the log. Events: about events/5 customers, 10 channels, 5 % of rows conversions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from isolated import timed
from journey_data import events_file

BUILD = "import sys; from optimizer.journeys.events import build_journeys; build_journeys(sys.argv[1])"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()), help="where logs are cached")
    parser.add_argument("--delete", action="store_true", help="remove each log after its runs")
    parser.add_argument("--quick", action="store_true", help="100 000 events, one run (under a minute)")
    args = parser.parse_args()
    if args.quick:
        args.events, args.repeats = [100_000], 1
    print(f"{'events':>11} {'Parquet MiB':>12} {'build s':>8} {'peak MiB':>9}   (medians of {args.repeats} runs)")
    for n in args.events:
        log = events_file(n, args.folder, ".parquet")
        runs = [timed([sys.executable, "-c", BUILD, str(log)]) for _ in range(args.repeats)]
        seconds, peak = (statistics.median(r[k] for r in runs) for k in (0, 1))
        print(f"{n:>11} {log.stat().st_size / 2**20:>12.0f} {seconds:>8.1f} {peak:>9.0f}", flush=True)
        if args.delete:
            log.unlink()


if __name__ == "__main__":
    main()
