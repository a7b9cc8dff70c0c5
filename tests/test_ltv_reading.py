"""Reading transaction logs: the fast route (pyarrow, integer codes) gives what the text route gives, or declines.

Each file is read twice, once as ``read_transactions`` reads it and once with the fast route switched
off; the purchase days, the notes, the per-customer summary and the acquisition channels must be the
same, or both must fail with the same message. The text route (pandas, the project's one number and
date parsers) is the reference: it is the one that reports bad cells by line.
"""

from __future__ import annotations

import pandas as pd
import pytest

from optimizer import InputError
from optimizer.ltv import transactions

pytest.importorskip("pyarrow")

HEADER = "customer_id,date,amount\n"
LOGS = {
    "plain": HEADER + "b,2024-01-02,5\na,2024-01-01,3\nb,2024-01-05,2.5\na,2024-02-09,7\n",
    "returns and free items": HEADER + "a,2024-01-01,3\na,2024-01-01,-1\nb,2024-01-02,-4\nb,2024-01-03,0\n"
                                       "c,2024-01-04,-2\na,2024-01-09,0\n",
    "same day twice": HEADER + "a,2024-01-01,3\nb,2024-01-01,1\na,2024-01-01,4.25\na,2024-01-03,1\n",
    "other column order and case": "Amount,CUSTOMER_ID,extra,Date\n3,a,x,2024-01-01\n4,a,y,2024-03-01\n5,b,z,2024-02-01\n",
    "semicolons": "customer_id;date;amount\na;2024-01-01;3\na;2024-01-05;4\n",
    "numeric ids": HEADER + "007,2024-01-01,3\n7,2024-01-02,4\n007,2024-01-09,1\n",
    "non-ascii ids": HEADER + "Ærø,2024-01-01,3\nåsa,2024-01-02,4\nÆrø,2024-01-09,1\n",
    "ids that look missing": HEADER + "NA,2024-01-01,3\nnull,2024-01-02,4\nNA,2024-01-05,1\n",
    "padded ids": HEADER + " a,2024-01-01,3\na ,2024-01-02,4\n",
    "decimal commas": "customer_id;date;amount\na;2024-01-01;3,5\na;2024-01-05;4,25\n",
    "thousands": HEADER + 'a,2024-01-01,"1,234.50"\na,2024-01-05,4\n',
    "compact dates": HEADER + "a,20240101,3\na,20240105,4\n",
    "timestamps": HEADER + "a,2024-01-01 10:00:00,3\na,2024-01-05 09:00:00,4\n",
    "an empty id": HEADER + "a,2024-01-01,3\n,2024-01-05,4\n",
    "a bad date": HEADER + "a,2024-01-01,3\na,soon,4\n",
    "a future date": HEADER + "a,2024-01-01,3\na,2999-01-05,4\n",
    "a blank amount": HEADER + "a,2024-01-01,\na,2024-01-05,4\n",
    "not a number": HEADER + "a,2024-01-01,nan\na,2024-01-05,x\n",
    "header only": HEADER,
}
ACQUISITION = {
    "plain": "customer_id,channel\nb,search\na,social\nc,search\n",
    "texts that look missing": "customer_id,channel\nNA,search\nnull,NA\n",
    "padded channel": "customer_id,channel\na, search\nb,social\n",
    "a duplicate with the same channel": "customer_id,channel\na,search\na,search\nb,social\n",
    "a duplicate with two channels": "customer_id,channel\na,search\na,social\n",
    "an empty channel": "customer_id,channel\na,\nb,social\n",
}


def _both(read, path, monkeypatch):
    def attempt():
        try:
            return read(path)
        except InputError as exc:
            return str(exc)

    fast = attempt()
    monkeypatch.setattr(transactions, "read_clean_log", lambda *a, **k: None)
    monkeypatch.setattr(transactions, "read_clean_acquisition", lambda *a, **k: None)
    return fast, attempt()


@pytest.mark.parametrize("name", LOGS, ids=list(LOGS))
def test_the_fast_route_reads_logs_exactly_as_the_text_route(name, write, monkeypatch):
    fast, slow = _both(transactions.read_transactions, write("t.csv", LOGS[name]), monkeypatch)
    if isinstance(fast, str) or isinstance(slow, str):
        assert fast == slow
        return
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    assert fast.notes == slow.notes and fast.source == slow.source
    for end in (None, "2024-02-01"):
        pd.testing.assert_frame_equal(transactions.summary_of(fast, "weeks", end),
                                      transactions.summarize(slow.frame, "weeks", end))


@pytest.mark.parametrize("name", ACQUISITION, ids=list(ACQUISITION))
def test_the_fast_route_reads_acquisition_exactly_as_the_text_route(name, write, monkeypatch):
    fast, slow = _both(transactions.read_acquisition, write("a.csv", ACQUISITION[name]), monkeypatch)
    if isinstance(fast, str) or isinstance(slow, str):
        assert fast == slow
    else:
        pd.testing.assert_series_equal(fast, slow)


def test_a_clean_log_takes_the_fast_route(write, monkeypatch):
    monkeypatch.setattr(transactions, "read_table", lambda *a, **k: pytest.fail("read as text"))
    got = transactions.read_transactions(write("t.csv", LOGS["returns and free items"]))
    assert got.coded is not None
    summary = transactions.summary_of(got, "days")
    assert summary.loc["a", "frequency"] == 1 and summary.loc["a", "first_value"] == 2.0  # 3 - 1 netted
    assert "b" in summary.index and "c" not in summary.index  # c has only a return
    assert any("1 customers have only returns" in n for n in got.notes)
