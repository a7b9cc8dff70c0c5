"""Paths built inside DuckDB: split, trim, merge identical paths and number channels in SQL.

Both input routes end here: aggregated path files (read by DuckDB's CSV and Parquet readers) and
journeys built from event logs. Only the final arrays come back to Python, so a million paths
take seconds, not minutes.
"""

from __future__ import annotations

import duckdb
import numpy as np

from optimizer.paths import Paths


def paths_from_table(con: duckdb.DuckDBPyConnection, table: str, source: str) -> Paths:
    """``table`` has columns steps (a list of channel names), conv, val, nul."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE merged AS
        SELECT steps, sum(conv) AS conv, sum(val) AS val, sum(nul) AS nul FROM {table}
        WHERE len(steps) > 0 GROUP BY steps ORDER BY steps""")
    con.execute("CREATE OR REPLACE TEMP TABLE merged_id AS SELECT row_number() OVER () - 1 AS pid, * FROM merged")
    con.execute("""CREATE OR REPLACE TEMP TABLE names AS SELECT ch, row_number() OVER (ORDER BY ch) - 1 AS code
        FROM (SELECT DISTINCT unnest(steps) AS ch FROM merged)""")
    channels = tuple(r[0] for r in con.execute("SELECT ch FROM names ORDER BY code").fetchall())
    weights = con.execute("SELECT len(steps) AS n, conv, val, nul FROM merged_id ORDER BY pid").fetchnumpy()
    flat = con.execute("""SELECT n.code FROM (SELECT pid, unnest(steps) AS ch, generate_subscripts(steps, 1) AS pos
        FROM merged_id) s JOIN names n USING (ch) ORDER BY s.pid, s.pos""").fetchnumpy()["code"]
    offsets = np.concatenate([[0], np.cumsum(weights["n"].astype(np.int64))])
    return Paths(channels, offsets, flat.astype(np.int32), weights["conv"].astype(float),
                 weights["val"].astype(float), weights["nul"].astype(float), source)
