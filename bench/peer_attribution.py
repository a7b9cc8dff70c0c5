"""ChannelAttribution's read + model on a path CSV, as its users run it: the peer of `ltvcac attribute`.

    python bench/peer_attribution.py PATHS.csv --model markov --order 1
    python bench/peer_attribution.py PATHS.csv --model heuristics

``pandas.read_csv`` then ``markov_model`` (or ``heuristic_models``) with the package's defaults, with
value and null columns. Needs ``pip install ChannelAttribution`` (the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import contextlib
import io


def run(csv: str, model: str, order: int = 1):
    """The peer's attributed conversions and value per channel (its own frame)."""
    import pandas as pd

    with contextlib.redirect_stdout(io.StringIO()):  # its banner and progress lines
        import ChannelAttribution as ca

        data = pd.read_csv(csv)
        if model == "heuristics":
            return ca.heuristic_models(data, "path", "total_conversions", var_value="total_conversion_value",
                                       flg_pro=False)
        return ca.markov_model(data, "path", "total_conversions", var_value="total_conversion_value",
                               var_null="total_null", order=order, verbose=False, flg_pro=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("--model", choices=["markov", "heuristics"], default="markov")
    parser.add_argument("--order", type=int, default=1)
    args = parser.parse_args()
    print(run(args.csv, args.model, args.order))


if __name__ == "__main__":
    main()
