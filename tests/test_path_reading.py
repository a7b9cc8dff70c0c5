"""Reading path files: the fast route (pyarrow) gives exactly what the DuckDB route gives, or declines.

Each file is read twice, once as ``read_paths`` reads it and once with the fast route switched off;
the two must agree on every channel, touch and count, or fail with the same message. The DuckDB
route is the reference: it is the one that reports bad cells by line.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import InputError
from optimizer.journeys import arrow_read, paths, read

pytest.importorskip("pyarrow")

HEADER = "path,total_conversions,total_conversion_value,total_null\n"
FILES = {
    "plain": HEADER + "a > b,1,10,2\nb,0,0,3\nb > a > a,2,7.5,0\n",
    "spaces, blank and trailing steps": HEADER + " a  >  b ,1,10,2\na > > b,1,1,1\na > b >,2,2,2\n",
    "quoted paths with commas": HEADER + '"a, x > b",1,10,2\n"b > ""q""",1,1,1\n',
    "crlf line ends": HEADER.replace("\n", "\r\n") + "a > b,1,10,2\r\nb,0,0,3\r\n",
    "byte order mark": "\ufeff" + HEADER + "a > b,1,10,2\n",
    "header in other case": " Path ,Total_Conversions,TOTAL_NULL\na > b,1,2\nc,3,4\n",
    "integer and exponent counts": HEADER + "a > b,1,1e3,+2\nb,0,.5,3.\n",
    "extra columns and another order": "id,total_null,path,total_conversions\n7,1,a > b,2\n8,0,b,1\n",
    "only the required columns": "path,total_conversions\na > b,1\nb > a,2\n",
    "semicolons": "path;total_conversions;total_null\na > b;1;2\nb;2;0\n",
    "tabs": "path\ttotal_conversions\na > b\t1\nb\t2\n",
    "duplicate paths": HEADER + "a > b,1,10,2\nb,1,1,1\na > b,2,5,0\n a>b ,1,1,1\n",
    "non-ascii channels": HEADER + "søk > Ære,1,10,2\nÆre,1,1,1\nпоиск > søk,2,3,4\n",
    "many channels and long paths": HEADER + "".join(
        f"{' > '.join(f'c{(i * 7 + k) % 70}' for k in range(i % 40 + 1))},{i % 3},{i},{i % 5}\n" for i in range(300)),
    "blank line": HEADER + "a > b,1,10,2\n\nb,0,0,3\n",
    "steps that look missing": HEADER + "NA > null,1,10,2\nNA,0,0,3\n",
    "a count that looks missing": HEADER + "a > b,NA,10,2\n",
    "counts with thousands spaces": HEADER + 'a > b,"1 234",10,2\nb,0,0,3\n',
    "decimal commas": "path;total_conversions;total_conversion_value\na > b;1;10,5\nb;2;1,25\n",
    "an empty path": HEADER + "a > b,1,10,2\n,1,1,1\n",
    "a path of blanks": HEADER + "a > b,1,10,2\n > ,1,1,1\n",
    "a negative count": HEADER + "a > b,-1,10,2\n",
    "a blank count": HEADER + "a > b,,10,2\n",
    "not a number": HEADER + "a > b,nan,10,2\nb,x,1,1\n",
    "a short row": HEADER + "a > b,1,10\n",
    "a long row": HEADER + "a > b,1,10,2,9\n",
    "header only": HEADER,
}


def _read(path, sep=">"):
    try:
        return read.read_paths(path, sep)
    except InputError as exc:
        return str(exc)


@pytest.mark.parametrize("name", FILES, ids=list(FILES))
def test_the_fast_route_reads_exactly_as_duckdb_does(name, write, monkeypatch):
    path = write("p.tsv" if name == "tabs" else "p.csv", FILES[name])
    fast = _read(path)
    monkeypatch.setattr(arrow_read, "read_clean_csv", lambda *a, **k: None)
    monkeypatch.setattr(read, "read_clean_csv", lambda *a, **k: None)
    slow = _read(path)
    if isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow
        return
    assert fast.channels == slow.channels
    for field in ("offsets", "flat", "conversions", "value", "nulls"):
        assert np.array_equal(getattr(fast, field), getattr(slow, field)), field


@pytest.mark.parametrize("sep", ["|", "->", ";"], ids=["bar", "arrow", "semicolon"])
def test_other_step_separators_read_alike(sep, write, monkeypatch):
    path = write("p.csv", HEADER + f"a {sep} b,1,10,2\nb{sep}a{sep}{sep}c,2,3,4\n")
    fast = read.read_paths(path, sep)
    monkeypatch.setattr(read, "read_clean_csv", lambda *a, **k: None)
    slow = read.read_paths(path, sep)
    assert fast.channels == slow.channels == ("a", "b", "c")
    assert np.array_equal(fast.flat, slow.flat) and np.array_equal(fast.offsets, slow.offsets)


def test_the_fast_route_is_taken_for_a_clean_file(write, monkeypatch):
    monkeypatch.setattr(read, "connect", lambda: pytest.fail("DuckDB read a clean file"))
    got = read.read_paths(write("p.csv", FILES["duplicate paths"]))
    assert [got.text(i) for i in range(len(got))] == ["a > b", "b"]
    assert got.conversions.tolist() == [4.0, 1.0] and got.value.tolist() == [16.0, 1.0]


@pytest.mark.parametrize("block", [1, 5, 1 << 20], ids=["one-touch blocks", "small blocks", "one block"])
def test_work_in_blocks_does_not_change_merging(block, monkeypatch):
    monkeypatch.setattr(paths, "BLOCK", block)
    rng = np.random.default_rng(4)
    lengths = rng.integers(0, 9, 400)
    flat = rng.integers(0, 4, lengths.sum())
    got = paths.merge_paths(tuple("abcd"), lengths, flat, np.ones(400), np.arange(400.0), np.zeros(400))
    starts = np.concatenate([[0], np.cumsum(lengths)])
    rows = {}
    for i, n in enumerate(lengths):
        if n:
            key = tuple(flat[starts[i]:starts[i] + n])
            rows[key] = rows.get(key, 0.0) + i
    assert [tuple(got.flat[got.offsets[i]:got.offsets[i + 1]]) for i in range(len(got))] == sorted(rows)
    assert got.value.tolist() == [rows[k] for k in sorted(rows)]
    masks = [sum(1 << int(c) for c in set(k)) for k in sorted(rows)]
    assert got.masks().tolist() == masks
    middle = np.zeros(4)
    for key in sorted(rows):
        for c in key[1:-1]:
            middle[c] += 1
    assert got.touch_sums(np.ones(len(got)), middle=True).tolist() == middle.tolist()
