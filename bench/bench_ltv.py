"""Time LTV estimation on a synthetic log of 100 000 customers (and smaller), end to end.

    python bench/bench_ltv.py --customers 10000 100000 --repeats 3

Reports the median seconds for reading the log from CSV, summarizing it, and fitting BG/NBD and
Gamma-Gamma per channel (with the delta-method intervals), and the size of the log.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from optimizer.ltv.estimate import LtvSettings, estimate_ltv
from optimizer.ltv.simulate import ChannelTruth, simulate
from optimizer.ltv.transactions import read_acquisition, read_transactions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{'customers':>10} {'rows':>9} {'read s':>8} {'bgnbd s':>8} {'cohort s':>9} {'simple s':>9}")
    for n in args.customers:
        print(measure(n, args.repeats), flush=True)


def measure(n: int, repeats: int) -> str:
    """One line of figures for a log of ``n`` customers over four channels."""
    truth = {f"channel {k}": ChannelTruth(n // 4, 0.3 + 0.05 * k, 5.0, 0.8, 2.5, 6.0, 4.0, 30.0) for k in range(4)}
    log, acq = simulate(truth, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        log_path, acq_path = Path(tmp) / "log.csv", Path(tmp) / "acq.csv"
        log.to_csv(log_path, index=False, date_format="%Y-%m-%d")
        acq.to_csv(acq_path, index=False)
        read = _median(repeats, lambda: (read_transactions(log_path), read_acquisition(acq_path)))
        purchases, channels = read_transactions(log_path), read_acquisition(acq_path)
    fits = []
    for model in ("bgnbd", "cohort", "simple"):
        settings = LtvSettings(model=model, bootstrap=200)
        fits.append(_median(repeats, lambda s=settings: estimate_ltv(purchases, channels, s)))
    return f"{n:>10} {len(log):>9} {read:>8.2f} {fits[0]:>8.2f} {fits[1]:>9.2f} {fits[2]:>9.2f}"


def _median(repeats: int, work) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    main()
