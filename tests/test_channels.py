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


MANY = """channel,market,spend,customers,cac,ltv,min_spend,max_spend,locked,curve,elasticity,max_customers,ref_spend,\
ref_customers,shape,min_buy_in,value_3m,value_12m,max_payback,ltv_low,ltv_high
A,NO,abc,5,,100,,,,power,1.5,,,,,,,,,,
A,NO,100,5,,100,,,maybe,pwer,,,,,,,,,,,
,SE,100,5,30,0,9,3,,saturating,,4,,,,5,,,,,
B,,0,2,,100,,,,power,,,,,,,10,5,24,,
C,SE,inf,1e16,-2,50,,,,hill,,,50,,12,,,,,80,40
D,SE,0,0,,100,,,,,,,-1,3,,,,,,120,90
"""


def test_every_rule_speaks_in_its_own_words_in_reading_order(write):
    """The table is checked a column at a time; the problems still read line by line, in the rules' order."""
    with pytest.raises(InputError) as info:
        read_channels(write("many.csv", MANY))
    assert [(p.line, p.channel, p.column, p.message) for p in info.value.problems] == [
        (2, "A", "spend", "'abc' is not a number; write a plain number such as 125000.50"),
        (2, "A", "elasticity", "1.5 is outside (0, 1]; above 1 returns would grow, at 0 spend would not matter"),
        (3, "A", "locked", "'maybe' is not true or false; write true to keep the current spend"),
        (3, "A", "curve", "unknown curve 'pwer'; use one of linear, power, saturating, hill; did you mean 'power'?"),
        (3, "A", "channel", "duplicate cell 'A / NO' (first on line 2); merge the rows or rename one"),
        (4, None, "channel", "the channel name is empty; give every row a name"),
        (4, None, "cac", "cac 30 disagrees with spend / customers = 20; give one of the two"),
        (4, None, "min_spend", "min_spend 9 is above max_spend 3; swap or correct them"),
        (4, None, "min_buy_in", "min_buy_in 5 is above max_spend 3; the channel could never run"),
        (4, None, "ltv", "ltv must be above 0 for a channel that can receive budget; give its value, or set "
                         "locked=true or max_spend=0"),
        (4, None, "max_customers", "4 must be above the customers at the reference point (5)"),
        (5, "B", "market", "the market is empty; give every row its market"),
        (5, "B", "customers", "2 customers at zero spend; set customers to 0 and describe the channel with ref_spend "
                              "and ref_customers"),
        (5, "B", "ref_spend", "a channel with zero spend needs a reference point: give ref_spend and ref_customers "
                              "(customers expected at that spend)"),
        (5, "B", "elasticity", "a power curve needs an elasticity in (0, 1]"),
        (5, "B", "value_12m", "5 is below value_3m (10); cumulative value per customer cannot fall over time: check "
                              "the values and their months"),
        (5, "B", "max_payback", "24 months is beyond the channel's value timeline (its last column is value_12m); add "
                                "value columns up to 24 months or lower max_payback"),
        (6, "C", "spend", "'inf' is not a finite number; it must be a number between -1e+15 and 1e+15 (check the units)"),
        (6, "C", "customers", "1e+16 is too large to plan with; it must be a number between -1e+15 and 1e+15 (check "
                              "the units)"),
        (6, "C", "cac", "-2 is not a cost per customer; it must be above 0"),
        (6, "C", "ref_spend", "ref_spend and ref_customers are only for channels with zero current spend; this "
                              "channel's curve passes through its current spend"),
        (6, "C", "shape", "12 is outside (0, 10]; 2 to 3 is a typical S-curve"),
        (6, "C", "max_customers", "a hill curve needs max_customers (the most customers any spend could bring)"),
        (6, "C", "ltv_low", "ltv_low 80 is above ltv_high 40; swap them"),
        (7, "D", "ref_spend", "-1 must be above 0"),
        (7, "D", "ltv_low", "ltv_low 120 is above ltv_high 90; swap them"),
    ]
