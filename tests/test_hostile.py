"""A catalogue of hostile input, one named case per kind of trouble found by trying ltvcac as a new
user would (issue 15): each gives one clear message and the right exit code, with no traceback and no
file written, or, where the input is valid, a correct result."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
CHANNELS = "channel,spend,customers,ltv\nA,100,10,50\nB,200,15,40\n"
EVENTS = "customer_id,timestamp,channel,conversion,value\nu1,2024-01-01,A,0,\nu1,2024-01-02,B,1,10\n"
TX = "customer_id,date,amount\nk1,2024-01-01,10\nk1,2024-02-01,12\nk2,2024-01-05,8\n"
ACQ = "customer_id,channel\nk1,A\nk2,B\n"
HISTORY = "period,channel,spend,customers\n" + "".join(f"{p},A,{100 + 10 * p},{10 + p}\n" for p in range(6))


def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output and "This is a bug" not in result.output, result.output
    return result


# (case, files to write, arguments, exit code, words the message must hold)
CASES = [
    ("a row with more cells than the header", {"t.csv": CHANNELS + "C,1,2,3,4\n"}, ["optimize", "t.csv"], 1,
     "line 4 has 5 cells but the header has 4"),
    ("an unclosed quote (set-ltv)", {"t.csv": CHANNELS, "l.csv": 'channel,ltv\n"A,5\n'},
     ["set-ltv", "t.csv", "l.csv", "--out", "o.csv"], 1, "the quote opened on line 2 is never closed"),
    ("a ragged path table (attribute)", {"p.csv": "path,total_conversions\nA>B,3,4\nB,2\n"}, ["attribute", "p.csv"], 1,
     "line 2 has 3 cells but the header has 2"),
    ("no channel acquires customers", {"t.csv": "channel,spend,customers,ltv\nA,100,0,50\nB,200,0,60\n"},
     ["optimize", "t.csv"], 1, "no channel acquires any customers at any spend"),
    ("binary garbage", {"t.csv": bytes(range(256))}, ["optimize", "t.csv"], 1, "binary data, not text"),
    ("a UTF-16 file", {"t.csv": CHANNELS.encode("utf-16")}, ["optimize", "t.csv"], 1, "the file is UTF-16"),
    ("--budget inf", {"t.csv": CHANNELS}, ["optimize", "t.csv", "--budget", "inf"], 2, "is not a finite number"),
    ("--fixed-costs inf", {"t.csv": CHANNELS}, ["optimize", "t.csv", "--fixed-costs", "inf"], 2,
     "--fixed-costs must be 0 or more (and at most 1e+15) (got inf)"),
    ("--horizon inf", {"t.csv": TX, "a.csv": ACQ}, ["ltv", "t.csv", "--acquisition", "a.csv", "--horizon", "inf"], 2,
     "--horizon must be above 0 (and at most 10 000 units)"),
    ("--lookback inf", {"e.csv": EVENTS}, ["attribute", "e.csv", "--lookback", "inf"], 2,
     "--lookback must be a number of days above 0"),
    ("--half-life 0", {"e.csv": EVENTS}, ["attribute", "e.csv", "--half-life", "0"], 2,
     "--half-life must be a number of days above 0 (at most 1e6) (got 0)"),
    ("--sep ''", {"e.csv": EVENTS}, ["attribute", "e.csv", "--sep", ""], 2, "--sep must be a visible separator"),
    ("a scenario's max_share = nan", {"t.csv": CHANNELS, "s.toml": 'channels = "t.csv"\n[groups.g]\n'
     'channels = ["A"]\nmax_share = nan\n'}, ["optimize", "s.toml"], 1,
     "key 'groups.g.max_share': s.toml: nan is not a finite number; it must be a share from 0 to 1"),
    ("a scenario's ratio of nan", {"t.csv": CHANNELS, "s.toml": 'channels = "t.csv"\n[[ratios]]\nleft = "A"\n'
     'right = "B"\nmax = nan\n'}, ["optimize", "s.toml"], 1, "it must be a ratio of 0 or more"),
    ("a spend of 1e308", {"t.csv": CHANNELS.replace("100,10", "1e308,10")}, ["optimize", "t.csv"], 1,
     "column 'spend': 1e+308 is too large to plan with"),
    ("an LTV of 1e308", {"t.csv": CHANNELS.replace("10,50", "10,1e308")}, ["optimize", "t.csv", "--out", "p.csv"], 1,
     "column 'ltv': 1e+308 is too large to plan with"),
    ("frontier --target nan", {"t.csv": CHANNELS}, ["frontier", "t.csv", "--target", "nan"], 2,
     "--target must be an LTV:CAC above 0"),
    ("every channel at zero spend", {"t.csv": "channel,spend,customers,ltv,cac\nA,0,0,50,10\nB,0,0,40,12\n"},
     ["optimize", "t.csv"], 2, "every channel spends 0 today and the budget is 0"),
    ("--plot under a file", {"t.csv": CHANNELS, "f": "x"}, ["optimize", "t.csv", "--out", "p.csv", "--plot", "f/c"], 1,
     "f is a file, not a folder"),
    ("--stats-dir under a file", {"e.csv": EVENTS, "f": "x"}, ["attribute", "e.csv", "--stats-dir", "f/c"], 1,
     "f is a file, not a folder"),
    ("fit-curves --plot under a file", {"h.csv": HISTORY, "f": "x"},
     ["fit-curves", "h.csv", "--out", "fit.csv", "--plot", "f/c"], 1, "f is a file, not a folder"),
    ("a scenario whose table is a binary file", {"s.toml": 'channels = "b.bin"\n', "b.bin": bytes(range(256)) * 4},
     ["optimize", "s.toml"], 1, "binary data, not text"),
    ("a scenario whose table is a folder", {"s.toml": 'channels = "."\n'}, ["optimize", "s.toml"], 1,
     "is not a file (a folder or a device)"),
    ("a scenario whose table is a text file, not a table", {"s.toml": 'channels = "notes.txt"\n',
     "notes.txt": "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n"}, ["optimize", "s.toml"],
     1, "required column 'channel' is missing"),
    ("a scenario whose table is a device", {"s.toml": 'channels = "/dev/zero"\n'}, ["optimize", "s.toml"], 1,
     "/dev/zero: is not a file (a folder or a device)"),
    ("--out is the input", {"t.csv": CHANNELS}, ["optimize", "t.csv", "--out", "t.csv"], 1,
     "t.csv is also an input"),
    ("--out is the channel table of the scenario", {"t.csv": CHANNELS, "s.toml": 'channels = "t.csv"\n'},
     ["optimize", "s.toml", "--out", "t.csv"], 1, "t.csv is also an input"),
    ("compare --out is a scenario's channel table", {"t.csv": CHANNELS, "s.toml": 'channels = "t.csv"\n'},
     ["compare", "s.toml", "--out", "t.csv"], 1, "t.csv is also an input"),
    ("--date-format '%Q'", {"t.csv": TX, "a.csv": ACQ},
     ["ltv", "t.csv", "--acquisition", "a.csv", "--date-format", "%Q"], 2, "'%Q' is not a date format"),
    ("--end yesterday", {"t.csv": TX, "a.csv": ACQ}, ["ltv", "t.csv", "--acquisition", "a.csv", "--end", "yesterday"],
     2, "--end: 'yesterday' is not a date"),
    ("a transaction in the year 2999", {"t.csv": TX + "k2,2999-01-01,5\n", "a.csv": ACQ},
     ["ltv", "t.csv", "--acquisition", "a.csv"], 1, "line 5, column 'date': '2999-01-01' is in the future"),
    ("an infinite amount", {"t.csv": TX + "k2,2024-03-01,inf\n", "a.csv": ACQ},
     ["ltv", "t.csv", "--acquisition", "a.csv", "--out", "l.csv"], 1, "'inf' is not an amount"),
    ("a conversion flag 'maybe'", {"e.csv": EVENTS.replace("B,1,10", "B,maybe,10")}, ["attribute", "e.csv"], 1,
     "line 3, column 'conversion': 'maybe' is not a conversion flag"),
    ("a conversion value 'abc'", {"e.csv": EVENTS.replace("B,1,10", "B,1,abc")}, ["attribute", "e.csv"], 1,
     "line 3, column 'value': 'abc' is not a value"),
    ("a blank count in a path table", {"p.csv": "path,total_conversions\nA>B,\nB,2\n"}, ["attribute", "p.csv"], 1,
     "line 2, column 'total_conversions': the count is blank; write 0 if there were none"),
    ("shifted columns: every row one cell more", {"t.csv": "channel,spend,customers,ltv\nA,100,10,50,1\nB,2,3,4,5\n"},
     ["optimize", "t.csv"], 1, "every row has one cell more than the header"),
    ("an extends chain 1 500 deep", {f"c{k}.toml": f'extends = "c{k + 1}.toml"\n' for k in range(1500)},
     ["optimize", "c0.toml"], 1, "extends goes more than 50 files deep"),
    # found by the long fuzz run (pytest -m fuzz): inverses of subnormal spends overflowed, dates past pandas' range
    ("a subnormal spend with no customers (plan's change_pct was inf)",
     {"t.csv": "channel,spend,customers,ltv\nC0,2.22507e-309,0,1\nC1,1,0,1\n"}, ["optimize", "t.csv", "--out", "p.csv"],
     1, "line 2, channel 'C0', column 'spend': 2.22507e-309 is too small to plan with; write 0, or a number of at least"),
    ("a subnormal spend with a customer (frontier's customers were inf)",
     {"t.csv": "channel,spend,customers,ltv\nC0,4.94066e-324,1,1\n"}, ["frontier", "t.csv", "--out", "f.csv"], 1,
     "4.94066e-324 is too small to plan with"),
    ("a subnormal cac", {"t.csv": "channel,spend,cac,ltv\nA,100,1e-300,50\n"}, ["optimize", "t.csv"], 1,
     "column 'cac': 1e-300 is too small to plan with"),
    ("ltv --end in the year 2999 (a pandas OutOfBoundsDatetime)", {"t.csv": TX, "a.csv": ACQ},
     ["ltv", "t.csv", "--acquisition", "a.csv", "--end", "2999-01-01", "--out", "l.csv"], 2,
     "--end 2999-01-01 is in the future; give the last day the log covers"),
    ("ltv --end before the first purchase (an IndexError)", {"t.csv": TX, "a.csv": ACQ},
     ["ltv", "t.csv", "--acquisition", "a.csv", "--end", "2023-06-01", "--out", "l.csv"], 2,
     "--end 2023-06-01 is before the first purchase in t.csv (2024-01-01)"),
    ("ltv --end before the first purchase, dates read by pandas (a KeyError)", {"t.csv": TX, "a.csv": ACQ},
     ["ltv", "t.csv", "--acquisition", "a.csv", "--end", "2023-06-01", "--date-format", "%Y-%m-%d"], 2,
     "--end 2023-06-01 is before the first purchase in t.csv (2024-01-01)"),
    ("ltv --model cohort where no customer was seen through a whole month (an IndexError)",
     {"t.csv": "customer_id,date,amount\nK0,2022-01-01,0\n", "a.csv": "customer_id,channel\nK0,Search\n"},
     ["ltv", "t.csv", "--acquisition", "a.csv", "--model", "cohort", "--out", "l.csv"], 1,
     "channel 'Search': no customer of this channel was seen through a whole month after the first purchase"),
    ("months without a timeline", {"t.csv": CHANNELS, "l.csv": "channel,ltv\nA,5\n"},
     ["set-ltv", "t.csv", "l.csv", "--out", "o.csv", "--months", "nan"], 2, "--months are the months of the value"),
]


@pytest.mark.parametrize("files, args, code, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_input_gives_one_clear_message_and_writes_nothing(tmp_path, monkeypatch, files, args, code, message):
    for name, content in files.items():
        (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    monkeypatch.chdir(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    result = run(*args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_a_trailing_comma_on_every_row_is_a_note_and_the_plan_is_right(write):
    lines = CHANNELS.splitlines()
    result = run("optimize", write("t.csv", "\n".join([lines[0], *(line + "," for line in lines[1:])]) + "\n"))
    assert result.exit_code == 0 and "trailing comma" in result.output
    assert "A         linear (default)           100          300" in result.stdout  # all to the 5.00x channel


def test_a_report_without_out_makes_its_folder_when_it_is_written(write, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("report", write("t.csv", CHANNELS), "--no-frontier")
    assert result.exit_code == 0 and (tmp_path / "out" / "t.report.html").is_file()


def test_a_budget_of_minus_5_means_5_less_than_today_as_documented(write):
    result = run("optimize", write("t.csv", CHANNELS), "--budget=-5")
    assert result.exit_code == 0 and "(budget 295, spend it all)" in result.stdout


def test_terminal_escape_sequences_in_names_and_descriptions_are_shown_escaped(write):
    write("t.csv", CHANNELS.replace("A,", "\x1b[31mRED\x1b[0m,", 1))
    scenario = write("s.toml", 'description = "\\u001b[2J wiped"\nchannels = "t.csv"\n')
    result = run("optimize", scenario)
    assert result.exit_code == 0
    assert "\x1b" not in result.output and "\\x1b[2J wiped" in result.output and "\\x1b[31mRED" in result.output


def test_run_gives_scenarios_of_one_file_name_their_folder_and_says_so(tmp_path):
    (tmp_path / "t.csv").write_text(CHANNELS)
    for folder, budget in (("a", 300), ("b", 200)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "s.toml").write_text(f'channels = "../t.csv"\nbudget = {budget}\n')
    result = run("run", tmp_path / "a" / "s.toml", tmp_path / "b" / "s.toml", "--out-dir", tmp_path / "out")
    assert result.exit_code == 0 and "its outputs are named a.s.*" in result.output
    spend = {k: pd.read_csv(tmp_path / "out" / f"{k}.s.plan.csv").recommended_spend.sum() for k in "ab"}
    assert spend == pytest.approx({"a": 300, "b": 200})


def test_rerunning_a_scenario_that_became_infeasible_removes_its_old_plan_and_says_so(tmp_path):
    (tmp_path / "t.csv").write_text(CHANNELS)
    scenario, out = tmp_path / "s.toml", tmp_path / "out"
    scenario.write_text('channels = "t.csv"\n')
    assert run("run", scenario, "--out-dir", out).exit_code == 0 and (out / "s.plan.csv").exists()
    scenario.write_text('channels = "t.csv"\nbudget = 100\n[groups.g]\nchannels = ["A", "B"]\nmin_spend = 200\n')
    result = run("run", scenario, "--out-dir", out)
    assert result.exit_code == 3 and f"Removed {out / 's.plan.csv'}" in result.output
    assert not (out / "s.plan.csv").exists() and (out / "s.summary.json").exists()


def test_compare_says_its_table_is_partial_when_a_scenario_failed(tmp_path):
    (tmp_path / "t.csv").write_text(CHANNELS)
    (tmp_path / "good.toml").write_text('channels = "t.csv"\n')
    (tmp_path / "bad.toml").write_text('channels = "missing.csv"\n')
    out = tmp_path / "side.csv"
    result = run("compare", tmp_path / "good.toml", tmp_path / "bad.toml", "--out", out)
    assert result.exit_code == 1 and f"{out} is partial" in result.output and out.exists()


def test_an_output_keeps_its_mode_and_its_symlink_and_a_read_only_one_is_refused(write, tmp_path):
    source = write("t.csv", CHANNELS)
    target, link = tmp_path / "real.csv", tmp_path / "link.csv"
    target.write_text("old")
    target.chmod(0o600)
    link.symlink_to(target)
    assert run("optimize", source, "--out", link).exit_code == 0
    assert link.is_symlink() and stat.S_IMODE(target.stat().st_mode) == 0o600 and "recommended_spend" in link.read_text()
    target.chmod(0o444)
    result = run("optimize", source, "--out", target)
    assert result.exit_code == 1 and "the file is read-only" in result.output and "recommended_spend" in target.read_text()


def test_an_unwritable_folder_and_a_failing_write_leave_no_file(write, tmp_path, monkeypatch):
    source, out = write("t.csv", CHANNELS), tmp_path / "p.csv"

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    result = run("optimize", source, "--out", out)
    assert result.exit_code == 1 and f"cannot write {out}: Permission denied" in result.output
    monkeypatch.undo()

    def half(self, path, *args, **kwargs):
        open(path, "w").write("c")  # one byte, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half)
    result = run("optimize", source, "--out", out, "--summary-json", tmp_path / "s.json")
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_an_interrupt_midway_writes_nothing_and_exits_130(tmp_path, monkeypatch):
    (tmp_path / "t.csv").write_text(CHANNELS)
    for name in ("s1", "s2"):
        (tmp_path / f"{name}.toml").write_text('channels = "t.csv"\n')
    from optimizer.whatif import batch

    real = batch.load_source
    calls = []

    def interrupted(path, overrides=None):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(path, overrides)

    monkeypatch.setattr(batch, "load_source", interrupted)
    result = run("run", tmp_path / "s1.toml", tmp_path / "s2.toml", "--out-dir", tmp_path / "out")
    assert result.exit_code == 130 and "Interrupted; nothing was written." in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s1.toml", "s2.toml", "t.csv"]


def test_a_bug_is_one_line_without_debug_and_a_traceback_with_it(write, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("optimizer.jobs.plans.load_source", broken)
    quiet = runner.invoke(app, ["optimize", str(write("t.csv", CHANNELS))])
    assert quiet.exit_code == 1 and "unexpected RuntimeError: boom. This is a bug" in quiet.output
    loud = runner.invoke(app, ["--debug", "optimize", str(write("t.csv", CHANNELS))])
    assert isinstance(loud.exception, RuntimeError)


@pytest.mark.skipif(os.name != "posix", reason="Ctrl-C is sent as SIGINT")
def test_ctrl_c_during_a_run_exits_130_and_leaves_no_file(tmp_path):
    """A real SIGINT to a real process, sent once the second of several scenarios has started."""
    scenarios = sorted((ROOT / "scenarios").glob("*.toml")) * 3
    out = tmp_path / "out"
    command = [sys.executable, "-c", "import cli; cli.main()", "run", *map(str, scenarios), "--out-dir", str(out)]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    seen = ""
    while "[2/" not in seen and process.poll() is None:
        seen += process.stderr.read(1)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Interrupted; nothing was written." in stderr and "Traceback" not in stderr + stdout
    assert list(tmp_path.iterdir()) == []


def test_names_a_spreadsheet_would_run_stay_exact_in_tables_read_back_and_escaped_in_the_plan(tmp_path):
    """ltv -> set-ltv -> optimize with channels named "=cmd" and "-TV"."""
    (tmp_path / "tx.csv").write_text("customer_id,date,amount\n" + "".join(
        f"k{k},2024-0{1 + k % 3}-0{1 + k % 7},{10 + k}\nk{k},2024-05-0{1 + k % 5},{5 + k}\n" for k in range(12)))
    (tmp_path / "acq.csv").write_text("customer_id,channel\n" + "".join(
        f"k{k},{'=cmd' if k % 2 else '-TV'}\n" for k in range(12)))
    (tmp_path / "channels.csv").write_text("channel,spend,customers,ltv\n=cmd,100,10,1\n-TV,200,15,1\n")
    steps = [("ltv", "tx.csv", "--acquisition", "acq.csv", "--model", "simple", "--out", "ltv.csv"),
             ("set-ltv", "channels.csv", "ltv.csv", "--out", "with-ltv.csv"),
             ("optimize", "with-ltv.csv", "--out", "plan.csv")]
    for step in steps:
        result = run(*[tmp_path / a if a.endswith(".csv") else a for a in step])
        assert result.exit_code == 0, result.output
        assert "no LTV for" not in result.output
    ltv = pd.read_csv(tmp_path / "ltv.csv").set_index("channel")["ltv"]
    table = pd.read_csv(tmp_path / "with-ltv.csv").set_index("channel")["ltv"]
    plan = pd.read_csv(tmp_path / "plan.csv").set_index("channel")["ltv"]
    assert set(ltv.index) == set(table.index) == {"=cmd", "-TV"}
    assert table.to_dict() == pytest.approx(ltv.to_dict())
    assert plan.to_dict() == pytest.approx({"'" + name: value for name, value in ltv.items()})


def test_attribution_tables_read_back_keep_names_and_spreadsheet_files_escape_them(tmp_path):
    (tmp_path / "p.csv").write_text("path,total_conversions,total_conversion_value,total_null\n"
                                    "=cmd > -TV,3,300,2\n-TV,2,100,5\n")
    (tmp_path / "spend.csv").write_text("channel,spend\n=cmd,100\n-TV,200\n")
    result = run("attribute", tmp_path / "p.csv", "--spend", tmp_path / "spend.csv", "--out", tmp_path / "t.csv",
                 "--compare-models", tmp_path / "m.csv", "--stats-dir", tmp_path / "stats")
    assert result.exit_code == 0, result.output
    assert set(pd.read_csv(tmp_path / "t.csv").channel) == {"=cmd", "-TV"}
    assert set(pd.read_csv(tmp_path / "m.csv").channel) == {"'=cmd", "'-TV"}
    transitions = pd.read_csv(tmp_path / "stats" / "transitions.csv")
    assert "'=cmd" in set(transitions["from"]) and "'-TV" in transitions.columns and "=cmd" not in transitions.columns


def test_every_channel_at_zero_spend_with_a_budget_is_planned(write, tmp_path):
    """No spend anywhere today and a budget of 300: all of it to A (50/10 = 5.00x against B's 40/12)."""
    result = run("optimize", write("t.csv", "channel,spend,customers,ltv,cac\nA,0,0,50,10\nB,0,0,40,12\n"),
                 "--budget", "300", "--out", tmp_path / "plan.csv")
    assert result.exit_code == 0, result.output
    plan = pd.read_csv(tmp_path / "plan.csv").set_index("channel")
    assert plan.recommended_spend.to_dict() == pytest.approx({"A": 300, "B": 0})


def test_ltv_failing_while_writing_leaves_no_file(tmp_path, monkeypatch):
    """The disk fills after one byte of `ltv --out`: no 1-byte table, no timeline, no temporary."""
    (tmp_path / "tx.csv").write_text(TX)
    (tmp_path / "acq.csv").write_text(ACQ)

    def half(self, path, *args, **kwargs):
        open(path, "w").write("c")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half)
    result = run("ltv", tmp_path / "tx.csv", "--acquisition", tmp_path / "acq.csv", "--model", "simple",
                 "--out", tmp_path / "ltv.csv", "--timeline", tmp_path / "tl.csv")
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acq.csv", "tx.csv"]


def test_fit_curves_tables_read_back_keep_names(tmp_path):
    """fit-curves -> optimize with channels named "=cmd" and "-TV": exact in the fitted table, escaped in the plan."""
    (tmp_path / "h.csv").write_text("period,channel,spend,customers,ltv\n" + "".join(
        f"{p},{name},{100 + 40 * p},{k * (100 + 40 * p) ** 0.5:.4f},{ltv}\n" for p in range(8)
        for name, k, ltv in (("=cmd", 1.0, 50), ("-TV", 0.6, 30))))
    for step in (("fit-curves", "h.csv", "--out", "fit.csv"), ("optimize", "fit.csv", "--out", "plan.csv")):
        result = run(*[tmp_path / a if a.endswith(".csv") else a for a in step])
        assert result.exit_code == 0, result.output
    fitted = pd.read_csv(tmp_path / "fit.csv").set_index("channel")
    assert fitted.ltv.to_dict() == pytest.approx({"=cmd": 50, "-TV": 30})
    assert set(pd.read_csv(tmp_path / "plan.csv").channel) == {"'=cmd", "'-TV"}


def test_cohort_ltv_learns_from_the_customers_seen_through_a_month_only(tmp_path):
    """K0 buys 5 at once, 5 in its second month, and 5 in its fourth, on the log's last day; K1 buys 7 on that day.
    Only K0 is seen through whole months (0 to 2): LTV = 5 + 5 / 1.01 at the default 1 % a month. Bootstrap
    draws without K0 have no month to learn from (they ended in an IndexError) and are left out."""
    (tmp_path / "t.csv").write_text("customer_id,date,amount\nK0,2022-01-01,5\nK0,2022-02-10,5\nK0,2022-04-10,5\n"
                                    "K1,2022-04-10,7\n")
    (tmp_path / "a.csv").write_text("customer_id,channel\nK0,Search\nK1,Search\n")
    result = run("ltv", tmp_path / "t.csv", "--acquisition", tmp_path / "a.csv", "--model", "cohort",
                 "--out", tmp_path / "l.csv")
    assert result.exit_code == 0, result.output
    assert pd.read_csv(tmp_path / "l.csv").set_index("channel").ltv["Search"] == pytest.approx(5 + 5 / 1.01)
