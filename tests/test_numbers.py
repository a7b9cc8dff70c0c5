"""One number parser for every input: the same cell means the same number in every file the tool reads."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from optimizer import InputError, read_channels
from optimizer.files.numbers import parse_flag, parse_number, parse_numbers
from optimizer.fitting.fit import fit_curves
from optimizer.journeys.analyze import analyze
from optimizer.journeys.channel_table import channel_table
from optimizer.ltv.join import set_ltv
from optimizer.ltv.transactions import read_transactions

SAME = ["1234.5", "1,234.50", "1 234,50", "1.234,50", "1234,5", "1\u00a0234,5", "1'234.5", "+1 234.5"]


@pytest.mark.parametrize("cell", SAME)
@pytest.mark.parametrize("decimal", [".", ","])
def test_every_way_of_writing_a_number_reads_the_same(cell, decimal):
    assert parse_number(cell, decimal) == 1234.5


@pytest.mark.parametrize("cell, decimal, expected", [
    ("1,234", ".", 1234.0), ("1,234", ",", 1.234), ("1.234", ".", 1.234), ("1.234", ",", 1234.0),
    ("1.234.567", ".", 1234567.0), ("1,234,567", ",", 1234567.0), ("-5", ".", -5.0), ("2e3", ".", 2000.0),
    ("", ".", None), ("  ", ",", None),
])
def test_a_cell_alone_that_cannot_tell_follows_its_file(cell, decimal, expected):
    assert parse_number(cell, decimal) == expected


@pytest.mark.parametrize("cell", ["abc", "1,23,4.5", "1.2.3,4,5", "NaN", "12-3", "1.234,56.7"])
def test_text_that_is_not_a_number_is_refused(cell):
    with pytest.raises(ValueError):
        parse_number(cell)


def test_the_vectorized_parser_agrees_with_the_scalar_one():
    cells = pd.Series([*SAME, "abc", "", "1,234", "7", "nan", "inf", None])
    fast = parse_numbers(cells, ".")
    for cell, value in zip(cells, fast, strict=True):
        try:
            expected = parse_number(cell, ".")
        except ValueError:
            expected = None
        if expected is None or (isinstance(expected, float) and math.isnan(expected)):
            assert math.isnan(value), cell
        else:
            assert value == expected, cell


def test_flags_read_in_several_languages():
    assert [parse_flag(c) for c in ("ja", "Yes", "1", "x", "", "nei", 0, 1.0, "maybe")] == [
        True, True, True, True, False, False, False, True, None]


CELL = '"1 234,50"'  # quoted: the comma would otherwise split the cell in a comma-separated file


def test_channel_table_reads_it(write):
    table = read_channels(write("c.csv", f"channel,spend,customers,ltv\nA,{CELL},10,100\n"))
    assert table.spend[0] == 1234.5


def test_transactions_read_it(write):
    log = read_transactions(write("t.csv", f"customer_id,date,amount\nc1,2024-01-01,{CELL}\n"))
    assert log.frame["amount"].iloc[0] == 1234.5


def test_history_reads_it(write):
    rows = "".join(f"{t},A,{CELL},{10 + t}\n" for t in range(1, 6))
    fits = fit_curves(write("h.csv", "period,channel,spend,customers\n" + rows))
    assert fits.history["spend"].iloc[0] == 1234.5


def test_path_tables_read_it(write):
    found = analyze(write("p.csv", f"path,total_conversions,total_conversion_value,total_null\na > b,2,{CELL},1\n"),
                    "linear")
    assert found.paths.value.sum() == 1234.5


def test_event_logs_read_it(write):
    log = write("e.csv", "customer_id,timestamp,channel,conversion,value\n"
                f"u1,2024-01-01 10:00,a,0,\nu1,2024-01-02 10:00,,1,{CELL}\n")
    assert analyze(log, "linear").paths.value.sum() == 1234.5


def test_spend_and_ltv_tables_read_it(write):
    attributed = pd.DataFrame({"channel": ["A"], "conversions": [10.0], "value": [5000.0]})
    table, _ = channel_table(attributed, write("s.csv", f"channel,spend\nA,{CELL}\n"),
                             write("l.csv", f"channel,ltv\nA,{CELL}\n"))
    assert table["spend"].iloc[0] == 1234.5 and table["ltv"].iloc[0] == 1234.5
    joined, _ = set_ltv(write("c.csv", "channel,spend,customers,ltv\nA,100,10,5\n"), write("l2.csv", f"channel,ltv\nA,{CELL}\n"))
    assert joined["ltv"].iloc[0] == 1234.5


@pytest.mark.parametrize("decimal", [".", ","])
def test_set_ltv_completes_a_table_whose_ltv_cells_are_empty(write, decimal):
    sep = ";" if decimal == "," else ","
    rows = [["channel", "spend", "customers", "ltv"], ["A", "100", "10", ""], ["B", "200", "30", ""]]
    fitted = write("fitted.csv", "\n".join(sep.join(r) for r in rows) + "\n")  # as fit-curves writes with no LTV
    joined, _ = set_ltv(fitted, write("l.csv", "channel,ltv\nA,812.5\nB,640\n"))
    assert joined.set_index("channel")["ltv"].to_dict() == {"A": 812.5, "B": 640.0}
    with pytest.raises(InputError) as caught:  # a channel the LTV table does not cover is still named
        set_ltv(fitted, write("l2.csv", "channel,ltv\nA,812.5\n"))
    assert [(p.channel, p.column) for p in caught.value.problems] == [("B", "ltv")]
