"""Reading and validating channel tables: dialects, names, and every problem at once."""

from __future__ import annotations

import pandas as pd
import pytest

from optimizer import InputError, read_channels


def test_reads_excel_nordic_dialect_with_bom_semicolons_and_decimal_comma(write):
    text = "\ufeffchannel;spend;customers;ltv;curve;elasticity\nSøk;1 200,50;40,5;1 100,25;power;0,6\nPåverkare;300;10;900;;\n"
    table = read_channels(write("nordic.csv", text.encode("utf-8")))
    assert table.names == ("Søk", "Påverkare")
    assert table.spend.tolist() == [1200.5, 300.0]
    assert table.customers.tolist() == [40.5, 10.0]
    assert table.ltv.tolist() == [1100.25, 900.0]
    assert table.curve_names == ("power", "linear (default)")
    assert any("assumed linear" in n for n in table.notes)


def test_reads_windows_1252_file_and_says_so(write):
    text = "channel,spend,customers,ltv\nSøk,100,5,300\nE-mail (NO),50,2,200\n"
    table = read_channels(write("ansi.csv", text.encode("cp1252")))
    assert table.names == ("Søk", "E-mail (NO)")
    assert any("Windows-1252" in n for n in table.notes)


def test_thousands_separators_in_comma_files(write):
    table = read_channels(write("t.csv", 'channel,spend,customers,ltv\nA,"1,250,000",5000,300\n'))
    assert table.spend[0] == 1_250_000


def test_cac_column_gives_customers(write):
    table = read_channels(write("t.csv", "channel,spend,cac,ltv\nA,1000,50,300\n"))
    assert table.customers[0] == pytest.approx(20)


def test_reads_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "c.parquet"
    pd.DataFrame({"channel": ["A"], "spend": [100.0], "customers": [4.0], "ltv": [50.0]}).to_parquet(path)
    assert read_channels(path).spend.tolist() == [100.0]


def test_zero_spend_channel_uses_its_reference_point(write):
    table = read_channels(write("t.csv", "channel,spend,customers,ltv,curve,elasticity,ref_spend,ref_customers\n"
                                         "New,0,0,300,power,0.5,400,20\n"))
    assert table.curves.customers([400.0])[0] == pytest.approx(20)
    assert table.curves.customers([0.0])[0] == 0


BAD_CASES = {
    "missing column": ("channel,spend,customers\nA,1,1\n", [("ltv", "required column 'ltv' is missing")]),
    "non-numeric": ("channel,spend,customers,ltv\nA,abc,1,5\n", [("spend", "'abc' is not a number")]),
    "negative": ("channel,spend,customers,ltv\nA,-5,1,5\n", [("spend", "is negative")]),
    "NaN": ("channel,spend,customers,ltv\nA,NaN,1,5\n", [("spend", "is not a number")]),
    "duplicate": ("channel,spend,customers,ltv\nA,1,1,5\nA,2,1,5\n", [("channel", "duplicate channel name")]),
    "min above max": ("channel,spend,customers,ltv,min_spend,max_spend\nA,1,1,5,9,3\n", [("min_spend", "above max_spend")]),
    "elasticity": ("channel,spend,customers,ltv,curve,elasticity\nA,1,1,5,power,1.5\n", [("elasticity", "outside (0, 1]")]),
    "max_customers": ("channel,spend,customers,ltv,curve,max_customers\nA,1,4,5,saturating,3\n",
                      [("max_customers", "must be above the customers")]),
    "zero spend": ("channel,spend,customers,ltv,curve,elasticity\nA,0,0,5,power,0.5\n", [("ref_spend", "reference point")]),
    "zero ltv": ("channel,spend,customers,ltv\nA,1,1,0\n", [("ltv", "must be above 0")]),
    "misspelt column": ("channel,spend,customers,ltv,max_spnd\nA,1,1,5,3\n", [("max_spnd", "did you mean 'max_spend'")]),
    "unknown curve": ("channel,spend,customers,ltv,curve\nA,1,1,5,pwer\n", [("curve", "did you mean 'power'")]),
}


@pytest.mark.parametrize("text, expected", BAD_CASES.values(), ids=BAD_CASES.keys())
def test_each_bad_input_is_named_with_its_column(write, text, expected):
    path = write("bad.csv", text)
    with pytest.raises(InputError) as info:
        read_channels(path)
    assert info.value.source == str(path)
    for column, words in expected:
        assert any(p.column == column and words in p.message for p in info.value.problems), info.value


def test_empty_file_and_header_only(write):
    with pytest.raises(InputError, match="empty"):
        read_channels(write("e.csv", ""))
    with pytest.raises(InputError, match="no channels"):
        read_channels(write("h.csv", "channel,spend,customers,ltv\n"))


def test_every_problem_is_reported_at_once_with_line_and_channel(write):
    text = "channel,spend,customers,ltv,min_spend,max_spend\nA,x,1,5,,\nB,10,1,-3,,\nC,10,1,5,9,3\n"
    with pytest.raises(InputError) as info:
        read_channels(write("many.csv", text))
    problems = info.value.problems
    assert [(p.line, p.channel, p.column) for p in problems] == [
        (2, "A", "spend"), (3, "B", "ltv"), (4, "C", "min_spend")]
    assert "3 problems" in str(info.value)


def test_repeated_column_is_reported(write):
    with pytest.raises(InputError, match="column 'spend' appears more than once"):
        read_channels(write("d.csv", "channel,spend,customers,ltv,spend\nA,1,1,5,2\n"))


def test_repeated_column_in_a_dataframe_is_reported():
    frame = pd.DataFrame([["A", 1, 1, 5, 2]], columns=["channel", "spend", "customers", "ltv", "spend"])
    with pytest.raises(InputError, match="column 'spend' appears more than once"):
        read_channels(frame)


def test_a_trailing_comma_on_every_row_is_read_with_a_note(write):
    table = read_channels(write("t.csv", "channel,spend,customers,ltv\nA,100,10,50,\nB,200,20,60,\n"))
    assert table.names == ("A", "B") and table.ltv.tolist() == [50.0, 60.0]
    assert any("trailing comma" in n for n in table.notes)


@pytest.mark.parametrize("text, message", [
    ("channel,spend,customers,ltv\nA,100,10,50,9\nB,200,20,60,9\n", "one cell more than the header"),
    ("channel,spend,customers,ltv\nA,100,10,50\nB,200,20,60,9\n", "line 3"),
    ('channel,spend,customers,ltv\n"A,100,10,50\n', "the quote opened on line 2 is never closed"),
    ("\ufeffchannel,spend\n".encode("utf-16"), "UTF-16"),
    (b"\x00\x01\x02binary" * 20, "binary data"),
], ids=["shifted columns", "one ragged row", "unclosed quote", "utf-16", "binary"])
def test_malformed_files_are_one_clear_problem(write, text, message):
    with pytest.raises(InputError, match=message):
        read_channels(write("bad.csv", text))
