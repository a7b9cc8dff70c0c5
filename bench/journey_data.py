"""Synthetic journey files for the attribution benches: distinct paths and event logs, cached on disk.

    python bench/journey_data.py paths 1000000 --channels 12 --max-length 15 --folder /tmp
    python bench/journey_data.py events 10000000 --parquet --folder /tmp

Paths: lengths are geometric (mean about 6) up to ``max_length``, channels uniform, each path
distinct; counts are Poisson, values 50 per conversion times a per-path factor (so value per
conversion differs between paths). Events: about events/5 customers over 180 days, 5 % of rows
conversions with a Gamma value. Files are written once and reused when they exist.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd


def make_paths(n: int, channels: int = 10, max_length: int = 8, seed: int = 0, p: float = 0.3) -> pd.DataFrame:
    """``n`` distinct paths over ``channels`` channels, lengths geometric(p) capped at ``max_length``."""
    rng = np.random.default_rng(seed)
    names = np.array([f"channel_{c}" for c in range(channels)], dtype=object)
    found: list[str] = []
    seen: set[str] = set()
    while len(found) < n:
        batch = max(n - len(found), 1000) * 2
        lengths = np.minimum(rng.geometric(p, size=batch), max_length)
        codes = rng.integers(0, channels, int(lengths.sum()))
        ends = np.cumsum(lengths)
        for text in (" > ".join(names[codes[e - k:e]]) for e, k in zip(ends, lengths, strict=True)):
            if text not in seen:
                seen.add(text)
                found.append(text)
                if len(found) == n:
                    break
    conv = rng.poisson(2.0, n).astype(float)
    return pd.DataFrame({"path": found, "total_conversions": conv,
                         "total_conversion_value": (conv * 50.0 * rng.uniform(0.5, 1.5, n)).round(2),
                         "total_null": rng.poisson(5.0, n).astype(float)})


def make_events(n: int, seed: int = 0, channels: int = 10) -> pd.DataFrame:
    """An event log of ``n`` rows: customer_id, timestamp, channel, conversion, value."""
    rng = np.random.default_rng(seed)
    conversion = rng.random(n) < 0.05
    names = np.array([f"channel_{c}" for c in range(channels)], dtype=object)
    return pd.DataFrame({
        "customer_id": rng.integers(0, max(n // 5, 1), n),
        "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 180 * 86400, n), unit="s"),
        "channel": np.where(conversion, "", names[rng.integers(0, channels, n)]),
        "conversion": conversion.astype(int),
        "value": np.where(conversion, rng.gamma(4, 25, n).round(2), 0.0)})


def paths_file(n: int, folder: Path, channels: int = 10, max_length: int = 8, p: float = 0.3) -> Path:
    """The CSV of :func:`make_paths`, written once under ``folder``."""
    path = Path(folder) / f"paths_{n}_{channels}ch_{max_length}max.csv"
    if not path.exists():
        make_paths(n, channels, max_length, p=p).to_csv(path, index=False)
    return path


def events_file(n: int, folder: Path, suffix: str = ".csv", chunk: int = 5_000_000) -> Path:
    """The event log of :func:`make_events` (CSV or Parquet), written once, ``chunk`` rows at a time."""
    path = Path(folder) / f"events_{n}{suffix}"
    if path.exists():
        return path
    if suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        writer = None
        for k, start in enumerate(range(0, n, chunk)):
            frame = make_events(min(chunk, n - start), seed=k)
            frame["customer_id"] += start // 5  # customers of later chunks are new customers
            table = pa.Table.from_pandas(frame, preserve_index=False)
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
        writer.close()
    else:
        make_events(n).to_csv(path, index=False, date_format="%Y-%m-%d %H:%M:%S")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["paths", "events"])
    parser.add_argument("rows", type=int)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--max-length", type=int, default=8)
    parser.add_argument("--folder", type=Path, default=Path("/tmp"))
    parser.add_argument("--parquet", action="store_true")
    args = parser.parse_args()
    if args.kind == "paths":
        p = 0.3 if args.max_length <= 8 else 0.15
        print(paths_file(args.rows, args.folder, args.channels, args.max_length, p))
    else:
        print(events_file(args.rows, args.folder, ".parquet" if args.parquet else ".csv"))


if __name__ == "__main__":
    main()
